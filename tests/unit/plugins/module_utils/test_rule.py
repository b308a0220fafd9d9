# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rule resource offline: normalise, render, parse, from_netlink, and their round trips.

Kernel-backed checks (real ``ip rule`` and netlink dumps) are in test_rule_kernel.py.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any, Dict, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.pbr.linux.plugins.module_utils._engine import make_plan, show_text
from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import (
    Rule,
    RuleKind,
    from_netlink,
    normalise,
    parse_line,
    render_argv,
    render_show,
    to_config,
)
from ansible_collections.pbr.linux.plugins.module_utils._iproute2 import TableNames
from ansible_collections.pbr.linux.plugins.module_utils._values import PBR_PROTO, U32_MAX, PbrError
from ansible_collections.pbr.linux.tests.unit.plugins.module_utils.rule_strategies import (
    fake_msg,
    kernel_view,
    rules,
)

P = PBR_PROTO


def norm(**entry: Any) -> Rule:
    entry.setdefault("priority", 100)
    return normalise(entry, "config[0]", None)


def argv(rule: Rule) -> str:
    return " ".join(render_argv(rule))


# ---------------------------------------------------------------------------- every field
# (config entry, the Rule it means, `ip` arguments, the `ip rule show` line)
FIELD_CASES: List[Any] = [
    pytest.param(
        {"priority": "0x10", "table": 5},
        Rule(family=2, priority=16, table=5),
        "-4 rule add priority 16 from all lookup 5 protocol 242",
        "16:\tfrom all lookup 5 proto pbr",
        id="priority-hex",
    ),
    pytest.param(
        {"priority": 0, "table": 5},
        Rule(family=2, priority=0, table=5),
        "-4 rule add priority 0 from all lookup 5 protocol 242",
        "0:\tfrom all lookup 5 proto pbr",
        id="priority-0",
    ),
    pytest.param(
        {"priority": U32_MAX, "table": 5},
        Rule(family=2, priority=U32_MAX, table=5),
        "-4 rule add priority 4294967295 from all lookup 5 protocol 242",
        "4294967295:\tfrom all lookup 5 proto pbr",
        id="priority-max",
    ),
    pytest.param(
        {"family": "ipv6", "table": 5},
        Rule(family=10, priority=100, table=5),
        "-6 rule add priority 100 from all lookup 5 protocol 242",
        "100:\tfrom all lookup 5 proto pbr",
        id="family-ipv6",
    ),
    pytest.param(
        {"table": 5},
        Rule(family=2, priority=100, table=5),
        "-4 rule add priority 100 from all lookup 5 protocol 242",
        "100:\tfrom all lookup 5 proto pbr",
        id="family-default-ipv4",
    ),
    pytest.param(
        {"from": "192.0.2.0/24", "table": 5},
        Rule(family=2, priority=100, src="192.0.2.0/24", table=5),
        "-4 rule add priority 100 from 192.0.2.0/24 lookup 5 protocol 242",
        "100:\tfrom 192.0.2.0/24 lookup 5 proto pbr",
        id="from-prefix",
    ),
    pytest.param(
        {"from": "192.0.2.7", "table": 5},
        Rule(family=2, priority=100, src="192.0.2.7/32", table=5),
        "-4 rule add priority 100 from 192.0.2.7/32 lookup 5 protocol 242",
        "100:\tfrom 192.0.2.7 lookup 5 proto pbr",
        id="from-host",
    ),
    pytest.param(
        {"from": "0.0.0.0/0", "to": "0.0.0.0/0", "table": 5},
        Rule(family=2, priority=100, table=5),
        "-4 rule add priority 100 from all lookup 5 protocol 242",
        "100:\tfrom all lookup 5 proto pbr",
        id="from-zero-prefix-is-all",
    ),
    pytest.param(
        {"from": "all", "table": 5},
        Rule(family=2, priority=100, table=5),
        "-4 rule add priority 100 from all lookup 5 protocol 242",
        "100:\tfrom all lookup 5 proto pbr",
        id="from-all",
    ),
    pytest.param(
        {"from": "::/0", "table": 5},
        Rule(family=10, priority=100, table=5),
        "-6 rule add priority 100 from all lookup 5 protocol 242",
        "100:\tfrom all lookup 5 proto pbr",
        id="from-ipv6-zero-keeps-family",
    ),
    pytest.param(
        {"from": "2001:DB8::/32", "table": 5},
        Rule(family=10, priority=100, src="2001:db8::/32", table=5),
        "-6 rule add priority 100 from 2001:db8::/32 lookup 5 protocol 242",
        "100:\tfrom 2001:db8::/32 lookup 5 proto pbr",
        id="from-ipv6-infers-family",
    ),
    pytest.param(
        {"to": "198.51.100.0/24", "table": 5},
        Rule(family=2, priority=100, dst="198.51.100.0/24", table=5),
        "-4 rule add priority 100 from all to 198.51.100.0/24 lookup 5 protocol 242",
        "100:\tfrom all to 198.51.100.0/24 lookup 5 proto pbr",
        id="to",
    ),
    pytest.param(
        {"to": "2001:db8:1::1", "family": "ipv6", "table": 5},
        Rule(family=10, priority=100, dst="2001:db8:1::1/128", table=5),
        "-6 rule add priority 100 from all to 2001:db8:1::1/128 lookup 5 protocol 242",
        "100:\tfrom all to 2001:db8:1::1 lookup 5 proto pbr",
        id="to-ipv6-host",
    ),
    pytest.param(
        {"fwmark": 1, "table": 100},
        Rule(family=2, priority=100, fwmark=1, fwmask=U32_MAX, table=100),
        "-4 rule add priority 100 from all fwmark 0x1 lookup 100 protocol 242",
        "100:\tfrom all fwmark 0x1 lookup 100 proto pbr",
        id="fwmark",
    ),
    pytest.param(
        {"fwmark": "0x10/0xff", "table": 100},
        Rule(family=2, priority=100, fwmark=16, fwmask=255, table=100),
        "-4 rule add priority 100 from all fwmark 0x10/0xff lookup 100 protocol 242",
        "100:\tfrom all fwmark 0x10/0xff lookup 100 proto pbr",
        id="fwmark-slash-mask",
    ),
    pytest.param(
        {"fwmark": "0x10", "fwmask": "0xf0", "table": 100},
        Rule(family=2, priority=100, fwmark=16, fwmask=0xF0, table=100),
        "-4 rule add priority 100 from all fwmark 0x10/0xf0 lookup 100 protocol 242",
        "100:\tfrom all fwmark 0x10/0xf0 lookup 100 proto pbr",
        id="fwmask",
    ),
    pytest.param(
        {"fwmark": 0, "table": 100},
        Rule(family=2, priority=100, fwmark=0, fwmask=U32_MAX, table=100),
        # without the explicit mask the kernel would store no mark selector at all
        "-4 rule add priority 100 from all fwmark 0/0xffffffff lookup 100 protocol 242",
        "100:\tfrom all fwmark 0 lookup 100 proto pbr",
        id="fwmark-zero",
    ),
    pytest.param(
        {"fwmark": 0, "fwmask": 1, "table": 100},
        Rule(family=2, priority=100, fwmark=0, fwmask=1, table=100),
        "-4 rule add priority 100 from all fwmark 0/0x1 lookup 100 protocol 242",
        "100:\tfrom all fwmark 0/0x1 lookup 100 proto pbr",
        id="fwmark-zero-masked",
    ),
    pytest.param(
        {"iif": "veth0", "table": 5},
        Rule(family=2, priority=100, iif="veth0", table=5),
        "-4 rule add priority 100 from all iif veth0 lookup 5 protocol 242",
        "100:\tfrom all iif veth0 lookup 5 proto pbr",
        id="iif",
    ),
    pytest.param(
        {"oif": "wg0", "table": 5},
        Rule(family=2, priority=100, oif="wg0", table=5),
        "-4 rule add priority 100 from all oif wg0 lookup 5 protocol 242",
        "100:\tfrom all oif wg0 lookup 5 proto pbr",
        id="oif",
    ),
    pytest.param(
        {"ipproto": "tcp", "table": 5},
        Rule(family=2, priority=100, ipproto=6, table=5),
        "-4 rule add priority 100 from all ipproto 6 lookup 5 protocol 242",
        "100:\tfrom all ipproto tcp lookup 5 proto pbr",
        id="ipproto-name",
    ),
    pytest.param(
        {"ipproto": "UDP", "table": 5},
        Rule(family=2, priority=100, ipproto=17, table=5),
        "-4 rule add priority 100 from all ipproto 17 lookup 5 protocol 242",
        "100:\tfrom all ipproto udp lookup 5 proto pbr",
        id="ipproto-name-case",
    ),
    pytest.param(
        {"ipproto": "icmpv6", "family": "ipv6", "table": 5},
        Rule(family=10, priority=100, ipproto=58, table=5),
        "-6 rule add priority 100 from all ipproto 58 lookup 5 protocol 242",
        "100:\tfrom all ipproto ipv6-icmp lookup 5 proto pbr",
        id="ipproto-icmpv6",
    ),
    pytest.param(
        {"ipproto": "253", "table": 5},
        Rule(family=2, priority=100, ipproto=253, table=5),
        "-4 rule add priority 100 from all ipproto 253 lookup 5 protocol 242",
        "100:\tfrom all ipproto 253 lookup 5 proto pbr",
        id="ipproto-number",
    ),
    pytest.param(
        {"ipproto": 47, "table": 5},
        Rule(family=2, priority=100, ipproto=47, table=5),
        "-4 rule add priority 100 from all ipproto 47 lookup 5 protocol 242",
        "100:\tfrom all ipproto gre lookup 5 proto pbr",
        id="ipproto-int",
    ),
    pytest.param(
        {"sport": 8080, "table": 100},
        Rule(family=2, priority=100, sport=(8080, 8080), table=100),
        "-4 rule add priority 100 from all sport 8080 lookup 100 protocol 242",
        "100:\tfrom all sport 8080 lookup 100 proto pbr",
        id="sport",
    ),
    pytest.param(
        {"sport": "1000-2000", "table": 100},
        Rule(family=2, priority=100, sport=(1000, 2000), table=100),
        "-4 rule add priority 100 from all sport 1000-2000 lookup 100 protocol 242",
        "100:\tfrom all sport 1000-2000 lookup 100 proto pbr",
        id="sport-range",
    ),
    pytest.param(
        {"dport": "53", "table": 100},
        Rule(family=2, priority=100, dport=(53, 53), table=100),
        "-4 rule add priority 100 from all dport 53 lookup 100 protocol 242",
        "100:\tfrom all dport 53 lookup 100 proto pbr",
        id="dport",
    ),
    pytest.param(
        {"dport": "1:65534", "table": 100},
        Rule(family=2, priority=100, dport=(1, 65534), table=100),
        "-4 rule add priority 100 from all dport 1-65534 lookup 100 protocol 242",
        "100:\tfrom all dport 1-65534 lookup 100 proto pbr",
        id="dport-range-colon",
    ),
    pytest.param(
        {"uidrange": "1000-1999", "table": 100},
        Rule(family=2, priority=100, uidrange=(1000, 1999), table=100),
        "-4 rule add priority 100 from all uidrange 1000-1999 lookup 100 protocol 242",
        "100:\tfrom all uidrange 1000-1999 lookup 100 proto pbr",
        id="uidrange",
    ),
    pytest.param(
        {"uidrange": 0, "table": 100},
        Rule(family=2, priority=100, uidrange=(0, 0), table=100),
        "-4 rule add priority 100 from all uidrange 0-0 lookup 100 protocol 242",
        "100:\tfrom all uidrange 0-0 lookup 100 proto pbr",
        id="uidrange-single",
    ),
    pytest.param(
        {"tos": "0x10", "table": 5},
        Rule(family=2, priority=100, tos=16, table=5),
        "-4 rule add priority 100 from all tos 0x10 lookup 5 protocol 242",
        "100:\tfrom all tos 0x10 lookup 5 proto pbr",
        id="tos",
    ),
    pytest.param(
        {"tos": 184, "family": "ipv6", "table": 5},
        Rule(family=10, priority=100, tos=0xB8, table=5),
        "-6 rule add priority 100 from all tos 0xb8 lookup 5 protocol 242",
        "100:\tfrom all tos 0xb8 lookup 5 proto pbr",
        id="tos-ipv6-dscp",
    ),
    pytest.param(
        {"suppress_prefixlength": 0, "table": "main"},
        Rule(family=2, priority=100, suppress_prefixlength=0, table="main"),
        "-4 rule add priority 100 from all lookup main suppress_prefixlength 0 protocol 242",
        "100:\tfrom all lookup main suppress_prefixlength 0 proto pbr",
        id="suppress_prefixlength",
    ),
    pytest.param(
        {"suppress_prefixlength": 128, "family": "ipv6", "table": 5},
        Rule(family=10, priority=100, suppress_prefixlength=128, table=5),
        "-6 rule add priority 100 from all lookup 5 suppress_prefixlength 128 protocol 242",
        "100:\tfrom all lookup 5 suppress_prefixlength 128 proto pbr",
        id="suppress_prefixlength-ipv6",
    ),
    pytest.param(
        {"invert": True, "from": "203.0.113.0/24", "table": 5},
        Rule(family=2, priority=100, src="203.0.113.0/24", invert=True, table=5),
        "-4 rule add priority 100 not from 203.0.113.0/24 lookup 5 protocol 242",
        "100:\tnot from 203.0.113.0/24 lookup 5 proto pbr",
        id="invert",
    ),
    pytest.param(
        {"invert": False, "table": 5},
        Rule(family=2, priority=100, table=5),
        "-4 rule add priority 100 from all lookup 5 protocol 242",
        "100:\tfrom all lookup 5 proto pbr",
        id="invert-false",
    ),
    pytest.param(
        {"action": "lookup", "table": "0x10"},
        Rule(family=2, priority=100, table=16),
        "-4 rule add priority 100 from all lookup 16 protocol 242",
        "100:\tfrom all lookup 16 proto pbr",
        id="table-hex",
    ),
    pytest.param(
        {"table": "4000000000"},
        Rule(family=2, priority=100, table=4000000000),
        "-4 rule add priority 100 from all lookup 4000000000 protocol 242",
        "100:\tfrom all lookup 4000000000 proto pbr",
        id="table-large",
    ),
    pytest.param(
        {"table": "eth1_table"},
        Rule(family=2, priority=100, table="eth1_table"),
        "-4 rule add priority 100 from all lookup eth1_table protocol 242",
        "100:\tfrom all lookup eth1_table proto pbr",
        id="table-name-offline",
    ),
    pytest.param(
        {"action": "goto", "goto": 200},
        Rule(family=2, priority=100, action="goto", goto=200),
        "-4 rule add priority 100 from all goto 200 protocol 242",
        "100:\tfrom all goto 200 proto pbr",
        id="action-goto",
    ),
    pytest.param(
        {"action": "nop"},
        Rule(family=2, priority=100, action="nop"),
        "-4 rule add priority 100 from all nop protocol 242",
        "100:\tfrom all nop proto pbr",
        id="action-nop",
    ),
    pytest.param(
        {"action": "blackhole", "from": "192.0.2.0/24"},
        Rule(family=2, priority=100, src="192.0.2.0/24", action="blackhole"),
        "-4 rule add priority 100 from 192.0.2.0/24 blackhole protocol 242",
        "100:\tfrom 192.0.2.0/24 blackhole proto pbr",
        id="action-blackhole",
    ),
    pytest.param(
        {"action": "unreachable", "family": "ipv6"},
        Rule(family=10, priority=100, action="unreachable"),
        "-6 rule add priority 100 from all unreachable protocol 242",
        "100:\tfrom all unreachable proto pbr",
        id="action-unreachable",
    ),
    pytest.param(
        {"action": "prohibit", "to": "198.51.100.0/24"},
        Rule(family=2, priority=100, dst="198.51.100.0/24", action="prohibit"),
        "-4 rule add priority 100 from all to 198.51.100.0/24 prohibit protocol 242",
        "100:\tfrom all to 198.51.100.0/24 prohibit proto pbr",
        id="action-prohibit",
    ),
    pytest.param(
        {
            "priority": 1000,
            "invert": True,
            "from": "192.0.2.0/24",
            "to": "198.51.100.0/24",
            "tos": 8,
            "fwmark": "0x1/0x3",
            "iif": "eth1",
            "oif": "eth2",
            "uidrange": "1-2",
            "ipproto": "tcp",
            "sport": "1-1024",
            "dport": 443,
            "table": 100,
            "suppress_prefixlength": 0,
            "owner": "pbr",  # ignored on input
        },
        Rule(
            family=2,
            priority=1000,
            src="192.0.2.0/24",
            dst="198.51.100.0/24",
            tos=8,
            fwmark=1,
            fwmask=3,
            iif="eth1",
            oif="eth2",
            uidrange=(1, 2),
            ipproto=6,
            sport=(1, 1024),
            dport=(443, 443),
            suppress_prefixlength=0,
            invert=True,
            table=100,
        ),
        "-4 rule add priority 1000 not from 192.0.2.0/24 to 198.51.100.0/24 tos 0x8 fwmark 0x1/0x3 iif eth1 oif eth2"
        " uidrange 1-2 ipproto 6 sport 1-1024 dport 443 lookup 100 suppress_prefixlength 0 protocol 242",
        # the order `ip rule show` prints its selectors in
        "1000:\tnot from 192.0.2.0/24 to 198.51.100.0/24 tos 0x08 fwmark 0x1/0x3 iif eth1 oif eth2 uidrange 1-2"
        " ipproto tcp sport 1-1024 dport 443 lookup 100 suppress_prefixlength 0 proto pbr",
        id="every-selector",
    ),
]


@pytest.mark.parametrize(("entry", "rule", "args", "shown"), FIELD_CASES)
def test_normalise_render(entry: Dict[str, Any], rule: Rule, args: str, shown: str) -> None:
    got = normalise(dict({"priority": 100}, **entry), "config[0]", None)
    assert got == rule
    assert argv(got) == args
    assert render_show(got) == shown


@pytest.mark.parametrize(("entry", "rule", "args", "shown"), FIELD_CASES)
def test_every_field_reads_back(entry: Dict[str, Any], rule: Rule, args: str, shown: str) -> None:
    assert parse_line(args) == rule
    assert parse_line(shown, rule.family) == rule
    assert normalise(to_config(rule), "config[0]", None) == rule
    if not isinstance(rule.table, str):  # names never come from the kernel
        assert from_netlink(kernel_view(rule)) == rule


def test_to_config_shapes() -> None:
    rule = FIELD_CASES[-1].values[1]
    assert to_config(rule) == {
        "priority": 1000,
        "family": "ipv4",
        "from": "192.0.2.0/24",
        "to": "198.51.100.0/24",
        "fwmark": "0x1",
        "fwmask": "0x3",
        "iif": "eth1",
        "oif": "eth2",
        "ipproto": "tcp",
        "sport": "1-1024",
        "dport": 443,
        "uidrange": "1-2",
        "tos": "0x8",
        "suppress_prefixlength": 0,
        "invert": True,
        "action": "lookup",
        "table": 100,
    }
    assert to_config(norm(action="goto", goto=300)) == {
        "priority": 100,
        "family": "ipv4",
        "action": "goto",
        "goto": 300,
    }
    assert to_config(norm(fwmark=5, ipproto=253, table=1)) == {
        "priority": 100,
        "family": "ipv4",
        "fwmark": "0x5",
        "ipproto": 253,
        "action": "lookup",
        "table": 1,
    }


def test_table_names_resolve_through_rt_tables(tmp_path: Any) -> None:
    etc = tmp_path / "etc"
    (etc / "iproute2" / "rt_tables.d").mkdir(parents=True)
    (etc / "iproute2" / "rt_tables").write_text("255 local\n254 main\n")
    (etc / "iproute2" / "rt_tables.d" / "x.conf").write_text("100 eth1_table\n")
    tables = TableNames(str(etc), str(tmp_path / "usr"))
    rule = normalise({"priority": 1000, "fwmark": "0x1", "table": "eth1_table"}, "config[0]", tables)
    assert rule.table == 100
    assert normalise({"priority": 1, "table": "main"}, "config[0]", tables).table == 254
    kind = RuleKind(tables)
    assert kind.show(rule) == "1000:\tfrom all fwmark 0x1 lookup eth1_table proto pbr"
    assert kind.command("add", rule) == "ip -4 rule add priority 1000 from all fwmark 0x1 lookup 100 protocol 242"
    with pytest.raises(PbrError) as err:
        normalise({"priority": 1, "table": "nosuch"}, "config[4]", tables)
    assert err.value.field == "config[4].table"
    assert "'nosuch'" in err.value.msg


# ---------------------------------------------------------------------------- bad input
# (entry, field named in the message, value shown in the message or None for "required")
BAD: List[Any] = [
    ({"priority": -1, "table": 5}, "priority", -1),
    ({"priority": 2**32, "table": 5}, "priority", 2**32),
    ({"priority": "high", "table": 5}, "priority", "high"),
    ({"priority": True, "table": 5}, "priority", True),
    ({"family": "inet", "table": 5}, "family", "inet"),
    ({"from": "192.0.2.300/24", "table": 5}, "from", "192.0.2.300/24"),
    ({"from": "192.0.2.1/33", "table": 5}, "from", "192.0.2.1/33"),
    ({"to": "2001:db8::4/129", "table": 5}, "to", "2001:db8::4/129"),
    ({"from": "192.0.2.0/24", "to": "2001:db8::/32", "table": 5}, "to", "2001:db8::/32"),
    ({"family": "ipv6", "from": "192.0.2.0/24", "table": 5}, "from", "192.0.2.0/24"),
    ({"to": "eth0", "table": 5}, "to", "eth0"),
    ({"fwmark": 2**32, "table": 5}, "fwmark", 2**32),
    ({"fwmark": "0x1/0x1", "fwmask": 1, "table": 5}, "fwmark", "0x1/0x1"),
    ({"fwmask": 255, "table": 5}, "fwmask", 255),
    ({"fwmark": "mark1", "table": 5}, "fwmark", "mark1"),
    ({"fwmark": 0, "fwmask": 0, "table": 5}, "fwmask", 0),
    ({"fwmark": "0/0", "table": 5}, "fwmark", "0/0"),
    ({"iif": "a-very-long-name", "table": 5}, "iif", "a-very-long-name"),
    ({"oif": "eth 0", "table": 5}, "oif", "eth 0"),
    ({"ipproto": "tcpx", "table": 5}, "ipproto", "tcpx"),
    ({"ipproto": 256, "table": 5}, "ipproto", 256),
    ({"ipproto": 0, "table": 5}, "ipproto", 0),
    ({"ipproto": "ip", "table": 5}, "ipproto", "ip"),
    ({"sport": "2000-1000", "table": 5}, "sport", "2000-1000"),
    ({"dport": 0, "table": 5}, "dport", 0),
    ({"dport": 65536, "table": 5}, "dport", 65536),
    ({"dport": 65535, "table": 5}, "dport", 65535),  # the kernel refuses it
    ({"sport": "1-65535", "table": 5}, "sport", "1-65535"),
    ({"uidrange": "10-5", "table": 5}, "uidrange", "10-5"),
    ({"uidrange": "0-4294967295", "table": 5}, "uidrange", "0-4294967295"),  # (uid_t)-1: refused by the kernel
    ({"tos": 256, "table": 5}, "tos", 256),
    ({"tos": "0x1", "table": 5}, "tos", "0x1"),
    ({"tos": "0x28", "table": 5}, "tos", "0x28"),
    ({"suppress_prefixlength": 33, "table": 5}, "suppress_prefixlength", 33),
    ({"suppress_prefixlength": -1, "table": 5}, "suppress_prefixlength", -1),
    ({"suppress_prefixlength": 0, "action": "blackhole"}, "suppress_prefixlength", 0),
    ({"action": "drop"}, "action", "drop"),
    ({"action": "lookup"}, "table", None),
    ({}, "table", None),
    ({"table": 0}, "table", 0),
    ({"table": 2**32}, "table", 2**32),
    ({"table": "two words"}, "table", "two words"),
    ({"table": 5, "action": "blackhole"}, "table", 5),
    ({"action": "goto"}, "goto", None),
    ({"action": "goto", "goto": 100}, "goto", 100),
    ({"action": "goto", "goto": 50}, "goto", 50),
    ({"goto": 200, "table": 5}, "goto", 200),
    ({"invert": "yes", "table": 5}, "invert", "yes"),
]


@pytest.mark.parametrize(("entry", "field", "value"), BAD, ids=[f"{b[1]}={b[2]!r}" for b in BAD])
def test_normalise_rejects(entry: Dict[str, Any], field: str, value: Any) -> None:
    with pytest.raises(PbrError) as err:
        normalise(dict({"priority": 100}, **entry), "config[3]", None)
    assert err.value.field == f"config[3].{field}"
    assert err.value.msg.startswith(f"config[3].{field}: ")
    if value is None:
        assert "required" in err.value.msg
    else:
        assert repr(value) in err.value.msg
    assert "expected" in err.value.msg


def test_normalise_rejects_missing_priority_and_unknown_fields() -> None:
    with pytest.raises(PbrError) as err:
        RuleKind().from_config([{"priority": 1, "table": 5}, {"table": 5}], TableNames("/nonexistent", "/nonexistent"))
    assert err.value.field == "config[1].priority"
    assert "required" in err.value.msg
    with pytest.raises(PbrError) as err:
        normalise({"priority": 1, "table": 5, "src": "192.0.2.0/24"}, "config[2]", None)
    assert err.value.msg.startswith("config[2]: unknown field(s) ['src']")
    # rendered (no resolver) does not need a priority
    assert RuleKind().from_config([{"table": 5}], None) == [Rule(family=2, table=5)]


def test_errors_name_the_index_through_from_config() -> None:
    config = [{"priority": 1, "table": 5}, {"priority": 2, "table": 5}, {"priority": 3, "sport": "9-8", "table": 5}]
    with pytest.raises(PbrError, match=r"^config\[2\]\.sport: '9-8'"):
        RuleKind().from_config(config, None)


# ---------------------------------------------------------------------------- parse_line: real text
# Captured from iproute2 6.1 / kernel 6.18 in a throwaway namespace (`ip rule show`, `ip -d rule show`).
REAL_SHOW = [
    ("0:\tfrom all lookup local", Rule(priority=0, table="local", protocol=0)),
    ("0:\tfrom all lookup local proto kernel", Rule(priority=0, table="local", protocol=2)),
    ("100:\tfrom all fwmark 0x1 lookup 100", Rule(priority=100, fwmark=1, fwmask=U32_MAX, table=100, protocol=0)),
    (
        "100:\tfrom all fwmark 0x1 lookup 100 proto unspec",
        Rule(priority=100, fwmark=1, fwmask=U32_MAX, table=100, protocol=0),
    ),
    ("101:\tfrom all fwmark 0x10/0xff lookup 200 proto pbr", Rule(priority=101, fwmark=16, fwmask=255, table=200)),
    (
        "102:\tfrom 192.0.2.0/24 to 198.51.100.7 tos 0x10 iif v0 oif v1 lookup main",
        Rule(
            family=2,
            priority=102,
            src="192.0.2.0/24",
            dst="198.51.100.7/32",
            tos=16,
            iif="v0",
            oif="v1",
            table="main",
            protocol=0,
        ),
    ),
    (
        "103:\tnot from 203.0.113.0/24 lookup 300 suppress_prefixlength 0",
        Rule(family=2, priority=103, src="203.0.113.0/24", invert=True, table=300, suppress_prefixlength=0, protocol=0),
    ),
    (
        "104:\tfrom all uidrange 1000-2000 ipproto tcp sport 8080 dport 1000-2000 lookup 100",
        Rule(
            priority=104,
            uidrange=(1000, 2000),
            ipproto=6,
            sport=(8080, 8080),
            dport=(1000, 2000),
            table=100,
            protocol=0,
        ),
    ),
    ("105:\tfrom all ipproto ipproto-253 blackhole", Rule(priority=105, ipproto=253, action="blackhole", protocol=0)),
    ("106:\tfrom all unreachable", Rule(priority=106, action="unreachable", protocol=0)),
    ("107:\tfrom all prohibit", Rule(priority=107, action="prohibit", protocol=0)),
    ("108:\tfrom all nop", Rule(priority=108, action="nop", protocol=0)),
    ("109:\tfrom all goto 110", Rule(priority=109, action="goto", goto=110, protocol=0)),
    ("110:\tfrom all goto 9999 [unresolved]", Rule(priority=110, action="goto", goto=9999, protocol=0)),
    ("110:\tfrom all goto 9999 [unresolved] proto unspec", Rule(priority=110, action="goto", goto=9999, protocol=0)),
    ("111:\tfrom all iif nosuchdev [detached] lookup 100", Rule(priority=111, iif="nosuchdev", table=100, protocol=0)),
    ("112:\tfrom all oif nosuchdev [detached] lookup 100", Rule(priority=112, oif="nosuchdev", table=100, protocol=0)),
    ("113:\tfrom all lookup 4000000000", Rule(priority=113, table=4000000000, protocol=0)),
    ("114:\tfrom all fwmark 0/0x1 lookup 100", Rule(priority=114, fwmark=0, fwmask=1, table=100, protocol=0)),
    (
        "115:\tfrom all ipproto udp dport 53 lookup 100 proto static",
        Rule(priority=115, ipproto=17, dport=(53, 53), table=100, protocol=4),
    ),
    ("116:\tfrom all ipproto icmp lookup 100", Rule(priority=116, ipproto=1, table=100, protocol=0)),
    ("14:\tfrom all tos 0x04 lookup 7", Rule(priority=14, tos=4, table=7, protocol=0)),
    ("15:\tfrom all fwmark 0x5/0 lookup 100", Rule(priority=15, fwmark=5, fwmask=0, table=100, protocol=0)),
    ("8:\tfrom all lookup 7 proto 243", Rule(priority=8, table=7, protocol=243)),
    ("32766:\tfrom all lookup main", Rule(priority=32766, table="main", protocol=0)),
    ("32767:\tfrom all lookup default", Rule(priority=32767, table="default", protocol=0)),
    (
        "4294967295:\tfrom all fwmark 0x7 lookup 100",
        Rule(priority=U32_MAX, fwmark=7, fwmask=U32_MAX, table=100, protocol=0),
    ),
]
# `ip -6 rule show`: the lines do not say their family (parse_line gets it from the listing)
REAL_SHOW_V6 = [
    (
        "200:\tfrom 2001:db8::/32 to 2001:db8:1::1 lookup 100",
        Rule(family=10, priority=200, src="2001:db8::/32", dst="2001:db8:1::1/128", table=100, protocol=0),
    ),
    ("201:\tfrom all ipproto ipv6-icmp lookup 100", Rule(family=10, priority=201, ipproto=58, table=100, protocol=0)),
    (
        "202:\tnot from all fwmark 0x2 lookup 100 suppress_prefixlength 64 proto pbr",
        Rule(family=10, priority=202, invert=True, fwmark=2, fwmask=U32_MAX, table=100, suppress_prefixlength=64),
    ),
    ("203:\tfrom all goto 300 [unresolved]", Rule(family=10, priority=203, action="goto", goto=300, protocol=0)),
    ("300:\tfrom all tos AF11 lookup 100", Rule(family=10, priority=300, tos=0x28, table=100, protocol=0)),
    ("300:\tfrom all tos EF lookup 100", Rule(family=10, priority=300, tos=0xB8, table=100, protocol=0)),
]


@pytest.mark.parametrize(("line", "rule"), REAL_SHOW)
def test_parse_real_show_lines(line: str, rule: Rule) -> None:
    assert parse_line(line) == rule


@pytest.mark.parametrize(("line", "rule"), REAL_SHOW_V6)
def test_parse_real_ipv6_show_lines(line: str, rule: Rule) -> None:
    assert parse_line(line, 10) == rule
    # through RuleKind.parse, a heading gives the family
    assert RuleKind().parse("# ip -6 rule show\n" + line + "\n") == [rule]


@pytest.mark.skipif(not os.path.exists("/etc/iproute2/rt_dsfield"), reason="needs iproute2's rt_dsfield")
def test_parse_tos_name_needs_rt_dsfield() -> None:
    with pytest.raises(PbrError, match="'NOTANAME'"):
        parse_line("1:\tfrom all tos NOTANAME lookup 100")


ADD_LINES = [
    (
        "ip rule add priority 1000 fwmark 0x1 table 100",
        Rule(priority=1000, fwmark=1, fwmask=U32_MAX, table=100, protocol=0),
    ),
    ("ip rule add fwmark 1 lookup 100", Rule(fwmark=1, fwmask=U32_MAX, table=100, protocol=0)),
    (
        "ip -6 rule add pref 5 from 2001:db8::/32 lookup 100",
        Rule(family=10, priority=5, src="2001:db8::/32", table=100, protocol=0),
    ),
    (
        "ip -4 ru add preference 7 sport 8080 table 100",
        Rule(family=2, priority=7, sport=(8080, 8080), table=100, protocol=0),
    ),
    ("ip rule add order 9 dev lo lookup 9 protocol pbr", Rule(priority=9, iif="lo", table=9)),
    ("rule add priority 10 dsfield 0x10 blackhole", Rule(priority=10, tos=16, action="blackhole", protocol=0)),
    (
        "ip rule del priority 11 not to 198.51.100.0/24 prohibit",
        Rule(family=2, priority=11, dst="198.51.100.0/24", invert=True, action="prohibit", protocol=0),
    ),
    ("ip rule add priority 12 goto 20 protocol 242  # a comment", Rule(priority=12, action="goto", goto=20)),
    ("ip -6 rule add priority 13 from ::/0 lookup 5", Rule(family=10, priority=13, table=5, protocol=0)),
    ("ip rule add priority 14 from 0.0.0.0/0 lookup 5", Rule(family=2, priority=14, table=5, protocol=0)),
    (
        "ip rule append priority 15 ipproto 6 uidrange 0-99 lookup 0x10",
        Rule(priority=15, ipproto=6, uidrange=(0, 99), table=16, protocol=0),
    ),
    ("ip -batch-like -6 rule prepend priority 16 nop", Rule(family=10, priority=16, action="nop", protocol=0)),
]


@pytest.mark.parametrize(("line", "rule"), ADD_LINES)
def test_parse_ip_rule_add_lines(line: str, rule: Rule) -> None:
    assert parse_line(line) == rule


@pytest.mark.parametrize("line", ["", "   ", "# only a comment", "\t"])
def test_parse_line_blank(line: str) -> None:
    assert parse_line(line) is None


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("1:\tfrom all lookup 100 realms 5", "unsupported word 'realms'"),
        ("1:\tfrom all fwmark", "'fwmark' needs a value"),
        ("1:\tfrom all lookup 100 proto nosuchproto", "unknown protocol name 'nosuchproto'"),
        ("1:\tfrom all ipproto ipproto-0 lookup 100", "running_config.ipproto"),
    ],
)
def test_parse_line_errors_name_running_config(line: str, needle: str) -> None:
    with pytest.raises(PbrError) as err:
        parse_line(line)
    assert err.value.msg.startswith("running_config")
    assert needle in err.value.msg


def test_rulekind_parse_whole_listing() -> None:
    text = (
        "# ip -4 rule show\n"
        "0:\tfrom all lookup local\n"
        "100:\tfrom all fwmark 0x1 lookup 100 proto pbr\n"
        "# ip -6 rule show\n"
        "0:\tfrom all lookup local\n"
        "100:\tfrom all fwmark 0x1 lookup 100 proto pbr\n"
        "# ip rule show\n"
        "7:\tfrom all lookup 7\n"
    )
    assert RuleKind().parse(text) == [
        Rule(family=2, priority=0, table="local", protocol=0),
        Rule(family=2, priority=100, fwmark=1, fwmask=U32_MAX, table=100),
        Rule(family=10, priority=0, table="local", protocol=0),
        Rule(family=10, priority=100, fwmark=1, fwmask=U32_MAX, table=100),
        Rule(family=None, priority=7, table=7, protocol=0),
    ]


# ---------------------------------------------------------------------------- from_netlink
def test_from_netlink_fake_messages() -> None:
    # the default rules, as pyroute2 0.9.7 decodes them
    local = fake_msg(2, [("FRA_TABLE", 255), ("FRA_SUPPRESS_PREFIXLEN", U32_MAX), ("FRA_PROTOCOL", 2)], table=255)
    assert from_netlink(local) == Rule(family=2, priority=0, table=255, protocol=2)
    big = fake_msg(
        2,
        [
            ("FRA_TABLE", 4000000000),
            ("FRA_SUPPRESS_PREFIXLEN", 8),
            ("FRA_PROTOCOL", 242),
            ("FRA_PRIORITY", 104),
            ("FRA_FWMARK", 16),
            ("FRA_FWMASK", 255),
            ("FRA_UID_RANGE", "1000:2000"),
            ("FRA_SPORT_RANGE", "8080:8080"),
            ("UNKNOWN", {"header": {"length": 6, "type": 28}}),
            ("FRA_DPORT_RANGE", "1000:2000"),
            ("FRA_IP_PROTO", 6),
            ("FRA_SRC", "192.0.2.0"),
        ],
        src_len=24,
        table=252,
        flags=2,
    )
    assert from_netlink(big) == Rule(
        family=2,
        priority=104,
        src="192.0.2.0/24",
        fwmark=16,
        fwmask=255,
        uidrange=(1000, 2000),
        ipproto=6,
        sport=(8080, 8080),
        dport=(1000, 2000),
        suppress_prefixlength=8,
        invert=True,
        table=4000000000,
        protocol=242,
    )
    goto = fake_msg(
        2,
        [
            ("FRA_TABLE", 0),
            ("FRA_SUPPRESS_PREFIXLEN", U32_MAX),
            ("FRA_PROTOCOL", 0),
            ("FRA_PRIORITY", 105),
            ("FRA_GOTO", 110),
        ],
        action=2,
        flags=4,  # FIB_RULE_UNRESOLVED: not part of the rule
    )
    assert from_netlink(goto) == Rule(family=2, priority=105, action="goto", goto=110, protocol=0)
    # a zero mark only shows as FRA_FWMASK
    zero = fake_msg(10, [("FRA_PRIORITY", 5), ("FRA_FWMASK", U32_MAX), ("FRA_TABLE", 5)], table=5)
    assert from_netlink(zero) == Rule(family=10, priority=5, fwmark=0, fwmask=U32_MAX, table=5, protocol=0)
    ifs = fake_msg(
        10,
        [
            ("FRA_PRIORITY", 6),
            ("FRA_IIFNAME", "v0"),
            ("FRA_OIFNAME", "v1"),
            ("FRA_DST", "2001:db8::"),
            ("FRA_TABLE", 6),
        ],
        dst_len=32,
        tos=0xB8,
        table=6,
        flags=8 | 16,  # iif/oif detached: not part of the rule either
    )
    assert from_netlink(ifs) == Rule(
        family=10, priority=6, dst="2001:db8::/32", tos=0xB8, iif="v0", oif="v1", table=6, protocol=0
    )
    for action, name in ((3, "nop"), (6, "blackhole"), (7, "unreachable"), (8, "prohibit")):
        msg = fake_msg(2, [("FRA_PRIORITY", 9), ("FRA_TABLE", 0)], action=action)
        assert from_netlink(msg) == Rule(family=2, priority=9, action=name, protocol=0)


@pytest.mark.parametrize("family", [0, 7, 128, 129])
def test_from_netlink_skips_other_families(family: int) -> None:
    assert from_netlink(fake_msg(family, [("FRA_TABLE", 254)], table=254)) is None


# ---------------------------------------------------------------------------- RuleKind
def test_rulekind_identity_and_presentation() -> None:
    kind = RuleKind(protos={242: "pbr", 2: "kernel"})
    ours = norm(fwmark=1, table=100)
    theirs = replace(ours, protocol=0)
    v6 = norm(family="ipv6", fwmark=1, table=100)
    assert kind.key(ours) == kind.key(theirs) != kind.key(v6)
    assert kind.owned(ours) and not kind.owned(theirs)
    assert kind.group(ours) == (2, 100) != kind.group(v6)
    assert kind.section(ours) == "ip -4 rule show" and kind.section(v6) == "ip -6 rule show"
    assert kind.describe(ours) == "priority 100 from all fwmark 0x1 lookup 100"
    assert kind.argv("delete", ours) == render_argv(ours, "del")
    assert kind.to_config(ours)["owner"] == "pbr"
    assert kind.to_config(theirs)["owner"] == "unspec"
    assert kind.to_config(replace(ours, protocol=77))["owner"] == "77"
    # parsed text: the owner is known when the line said ``proto X``, unknown when it said nothing
    assert kind.to_config(replace(ours, family=None))["owner"] == "pbr"
    assert "owner" not in kind.to_config(replace(ours, family=None, protocol=0))


# ---------------------------------------------------------------------------- properties
def _show_family(rule: Rule) -> Rule:
    """What a bare ``ip rule show`` line can tell: the family only when it has an address."""
    return rule if rule.src or rule.dst else replace(rule, family=None)


@settings(max_examples=150, deadline=None)
@given(rules())
def test_property_show_round_trip(rule: Rule) -> None:
    line = render_show(rule)
    parsed = parse_line(line)
    assert parsed == _show_family(rule), line
    assert parsed is not None and parsed.identity()[1:] == rule.identity()[1:] and parsed.protocol == rule.protocol
    assert parse_line(line, rule.family) == rule


@settings(max_examples=150, deadline=None)
@given(rules())
def test_property_argv_round_trip(rule: Rule) -> None:
    args = render_argv(rule)
    assert parse_line(" ".join(args)) == rule
    assert parse_line("ip " + " ".join(render_argv(rule, "del"))) == rule


@settings(max_examples=150, deadline=None)
@given(rules())
def test_property_config_round_trip(rule: Rule) -> None:
    config = to_config(rule)
    assert normalise(config, "config[0]", None) == replace(rule, protocol=PBR_PROTO)
    # and the config the module returns (with its owner) is valid input again
    assert normalise(RuleKind().to_config(rule), "config[0]", None) == replace(rule, protocol=PBR_PROTO)


@settings(max_examples=150, deadline=None)
@given(rules(names=False))
def test_property_netlink_round_trip(rule: Rule) -> None:
    assert from_netlink(kernel_view(rule)) == rule


@settings(max_examples=50, deadline=None)
@given(st.lists(rules(), max_size=8))
def test_property_show_text_parses_back(objs: List[Rule]) -> None:
    kind = RuleKind()
    text = show_text(kind, objs)
    assert sorted(kind.parse(text), key=kind.sort_key) == sorted(objs, key=kind.sort_key)


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        # bare `ip -6 rule show` lines whose values only IPv6 allows still parse without a family
        ("5:\tfrom all tos 0x20 blackhole", Rule(priority=5, tos=0x20, action="blackhole", protocol=0)),
        (
            "6:\tfrom all lookup 100 suppress_prefixlength 64",
            Rule(priority=6, table=100, suppress_prefixlength=64, protocol=0),
        ),
    ],
)
def test_parse_line_of_unknown_family_uses_ipv6_limits(line: str, rule: Rule) -> None:
    assert parse_line(line) == rule
    with pytest.raises(PbrError, match="running_config"):
        parse_line("-4 rule add " + line.split("\t", 1)[1])


# ---------------------------------------------------------------------------- host bits in prefixes
# The kernel keeps a rule's prefix as written (``ip rule show`` prints ``from 198.51.100.58/26``) and
# matches under the mask; linux-system-roles' routing-rule tests use such prefixes.
@pytest.mark.parametrize(
    ("field", "written", "network"),
    [
        ("from", "198.51.100.58/26", "198.51.100.0/26"),
        ("to", "198.51.100.58/26", "198.51.100.0/26"),
        ("from", "2001:db8::4/32", "2001:db8::/32"),
        ("to", "2001:db8::4/32", "2001:db8::/32"),
    ],
)
def test_rule_prefix_with_host_bits_is_kept_and_matches_its_network(field: str, written: str, network: str) -> None:
    kept = normalise({"priority": 10, field: written, "table": 100}, "config[0]", None)
    plain = normalise({"priority": 10, field: network, "table": 100}, "config[0]", None)
    assert (kept.src if field == "from" else kept.dst) == written
    assert " ".join(render_argv(kept)).count(written) == 1  # added as written, as the user typed it
    assert kept.identity() == plain.identity()  # the same rule: never added twice


def test_rule_with_host_bits_is_no_change_against_itself_or_an_equivalent_hand_rule() -> None:
    kind = RuleKind()
    desired = kind.from_config([{"priority": 10, "from": "198.51.100.58/26", "table": 100}], None)
    ours = replace(desired[0], protocol=PBR_PROTO)
    assert not make_plan(kind, desired, [ours], "merged").changed
    by_hand = replace(normalise({"priority": 10, "from": "198.51.100.0/26", "table": 100}, "x", None), protocol=4)
    assert not make_plan(kind, desired, [by_hand], "merged").changed
    # deleting ours removes it with the address the kernel holds, which is the one it matches on
    plan = make_plan(
        kind, kind.from_config([{"priority": 10, "from": "198.51.100.0/26", "table": 100}], None), [ours], "deleted"
    )
    assert [kind.command(op.action, op.obj) for op in plan.ops] == [
        "ip -4 rule del priority 10 from 198.51.100.58/26 lookup 100 protocol 242"
    ]


def test_parse_line_keeps_host_bits() -> None:
    rule = parse_line("5:\tfrom 198.51.100.58/26 to 192.0.2.9/24 lookup 100 proto 242")
    assert rule is not None and (rule.src, rule.dst) == ("198.51.100.58/26", "192.0.2.9/24")
