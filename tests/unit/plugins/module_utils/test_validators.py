# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every validator against control characters and trailing whitespace (property tests).

Two kinds of validator:

- NAMES are carried to the host as they are (an interface name into ``ip -batch``, an nft string or
  an ``iptables-restore`` line; a table name into rt_tables.d; a task name into chain names). A
  control character or a whitespace anywhere, trailing ones included, must be refused with a
  PbrError naming the field. (A pattern's ``$`` matches before a trailing newline: ``eth0\\n``
  once passed.)
- VALUES are parsed into a number, an address or a prefix. Surrounding whitespace may be tolerated,
  but then the result is exactly the clean value's; a control character inside is refused. Never
  another exception than PbrError.
"""

from __future__ import annotations

from typing import Any, Callable, List, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.pbr.linux.plugins.module_utils import _host as host
from ansible_collections.pbr.linux.plugins.module_utils import _ip_rule as rule
from ansible_collections.pbr.linux.plugins.module_utils import _iproute2 as tables
from ansible_collections.pbr.linux.plugins.module_utils import _netfilter_config as netfilter
from ansible_collections.pbr.linux.plugins.module_utils import _rt_tables_alias as alias
from ansible_collections.pbr.linux.plugins.module_utils import _values as common
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError

NAMES: List[Tuple[str, Callable[[str], Any], str]] = [
    ("check_ifname", lambda v: common.check_ifname("iif", v), "eth0"),
    ("check_ifname (wildcard)", lambda v: common.check_ifname("in_interface", v, wildcard=True), "eth+"),
    ("netfilter.parse_iface", lambda v: netfilter.parse_iface("in_interface", v), "eth1"),
    ("netfilter.check_name", netfilter.check_name, "web"),
    ("tables.check_table_name", lambda v: tables.check_table_name("table", v), "eth1_table"),
    ("alias.check_alias_name", lambda v: alias.check_alias_name("name", v), "eth1_table"),
    ("host.check_namespace_name", host.check_namespace_name, "ns_demo"),
]

VALUES: List[Tuple[str, Callable[[str], Any], str]] = [
    ("parse_int", lambda v: common.parse_int("priority", v, 0, 2**32 - 1), "1000"),
    ("parse_int (hex)", lambda v: common.parse_int("fwmark", v, 0, 2**32 - 1), "0x1"),
    ("parse_network", lambda v: common.parse_network("dst", v), "192.0.2.0/24"),
    ("parse_network (v6)", lambda v: common.parse_network("dst", v), "2001:db8::/32"),
    ("parse_prefix_as_written", lambda v: common.parse_prefix_as_written("from", v), "198.51.100.58/26"),
    ("parse_address", lambda v: common.parse_address("via", v), "192.0.2.1"),
    ("parse_range", lambda v: common.parse_range("sport", v, 1, 65534, "port"), "1000-2000"),
    ("netfilter.parse_mark", lambda v: netfilter.parse_mark("mark", v), "0x1/0xff"),
    ("netfilter.parse_ports", lambda v: netfilter.parse_ports("dport", v), "80-90"),
    ("netfilter.parse_protocols", lambda v: netfilter.parse_protocols("protocol", v), "tcp"),
    ("parse_address_text", lambda v: common.parse_address_text("via", v), "2001:db8::1"),
    ("parse_prefix (host bits kept)", lambda v: common.parse_prefix("from", v, keep_host_bits=True), "2001:db8::4/32"),
    ("parse_bool", lambda v: common.parse_bool("onlink", v), "true"),
    ("parse_tos", lambda v: common.parse_tos("tos", v, ipv4_rule=True), "0x10"),
    ("parse_mark", lambda v: common.parse_mark("fwmark", v), "0x10/0xff"),
    ("tables.resolve_table", lambda v: tables.resolve_table("table", v, None), "main"),
    ("rule._ipproto", lambda v: rule._ipproto("ipproto", v), "tcp"),
    ("tables.resolve", lambda v: tables.TableNames("/nonexistent").resolve("table", v), "100"),
    ("tables.proto_number", tables.proto_number, "static"),
]

CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.just("\x7f")
SPACE = st.sampled_from([" ", "\t", "\n", "\r", "\v", "\f", "\xa0", "\u2028"])
BAD = CONTROL | SPACE


def _ids(items: List[Tuple[str, Any, str]]) -> List[str]:
    return [item[0] for item in items]


@pytest.mark.parametrize(("what", "check", "good"), NAMES, ids=_ids(NAMES))
def test_names_accept_their_example(what: str, check: Callable[[str], Any], good: str) -> None:
    assert check(good) == good


@pytest.mark.parametrize(("what", "check", "good"), NAMES, ids=_ids(NAMES))
@given(bad=BAD, where=st.integers(0, 100))
def test_names_refuse_control_characters_and_whitespace_anywhere(
    what: str, check: Callable[[str], Any], good: str, bad: str, where: int
) -> None:
    if bad == "\u2028" and what.startswith(("check_ifname", "netfilter.parse_iface")):
        return  # not a byte the kernel's isspace() knows; the interface-name rule is the kernel's
    at = where % (len(good) + 1)
    for value in (good + bad, good[:at] + bad + good[at:], bad + good):
        with pytest.raises(PbrError) as err:
            check(value)
        assert err.value.value == value, f"{what}: the error must carry the value as given"


@pytest.mark.parametrize(("what", "check", "good"), VALUES, ids=_ids(VALUES))
@given(bad=BAD)
def test_values_strip_whitespace_to_the_same_value_or_refuse(
    what: str, check: Callable[[str], Any], good: str, bad: str
) -> None:
    clean = check(good)
    for value in (good + bad, bad + good, good[:1] + bad + good[1:]):
        try:
            got = check(value)
        except PbrError:
            continue
        stripped = value.strip()
        assert stripped == good and got == clean, f"{what}({value!r}) -> {got!r}: accepted something else than {good!r}"


def test_trailing_newline_cases_from_the_issue() -> None:
    """The three samples: conntrack_mark / tproxy_divert in_interface and rt_tables_alias name."""
    for check in (
        lambda: netfilter.parse_iface("entries[0].in_interface", "eth0\n"),
        lambda: alias.check_alias_name("name", "ok\n"),
    ):
        with pytest.raises(PbrError):
            check()
    # and ip_rule and conntrack_mark now follow one rule: '@' and '+' are accepted by both
    assert common.check_ifname("iif", "a@b+") == netfilter.parse_iface("in_interface", "a@b") + "+"
