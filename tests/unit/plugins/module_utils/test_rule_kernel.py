# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""KERNEL-BACKED unit tests for rules: real ``ip -batch`` writes and real netlink dumps.

Everything happens in one throwaway network namespace per module (unique name, deleted at
the end, also on failure); the root namespace is never touched. Skipped when not root.

What they pin down: the rules we render are stored by the kernel exactly as we model them
(read(render(x)) == x through the engine's own apply and RuleKind.read), our netlink decoder
agrees with pyroute2 on the same dump, and our fake kernel messages (rule_strategies.kernel_view)
match what the kernel really sends.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections import Counter
from dataclasses import replace
from typing import Iterator, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.pbr.linux.plugins.module_utils._engine import apply_plan, make_plan
from ansible_collections.pbr.linux.plugins.module_utils._host import Host
from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import (
    Rule,
    RuleKind,
    from_netlink,
    normalise,
    parse_line,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import PBR_PROTO, U32_MAX, PbrError
from ansible_collections.pbr.linux.tests.unit.plugins.module_utils.rule_strategies import kernel_view, owned_rules

BUILTIN = {"main": 254, "local": 255, "default": 253}
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="kernel-backed: needs root to create a namespace")


@pytest.fixture(scope="module")
def host() -> Iterator[Host]:
    name = f"pbrut-rule-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    h = Host(name)
    try:
        yield h
    finally:
        h.close()
        subprocess.run(["ip", "netns", "del", name], check=False)


def owned(kind: RuleKind, host: Host) -> List[Rule]:
    return [r for r in kind.read(host) if kind.owned(r)]


def purge(host: Host) -> None:
    """Remove every rule we own, through the engine (state deleted, no config)."""
    kind = RuleKind()
    apply_plan(kind, make_plan(kind, [], kind.read(host), "deleted"), host)
    assert owned(kind, host) == []


def apply_and_read(host: Host, desired: List[Rule]) -> List[Rule]:
    kind = RuleKind()
    plan = make_plan(kind, desired, kind.read(host), "merged")
    apply_plan(kind, plan, host)
    return owned(kind, host)


def kernel_slot(rule: Rule) -> tuple:
    """What the kernel's duplicate check compares: the identity without invert and goto target."""
    return replace(rule, invert=False, goto=None).identity()


EXAMPLES = [
    {"priority": 100, "fwmark": 1, "table": 100},
    {"priority": 101, "fwmark": "0x10/0xff", "table": 200},
    {"priority": 102, "fwmark": 0, "table": 100},
    {"priority": 103, "fwmark": 0, "fwmask": 1, "table": 100},
    {"priority": 104, "fwmark": 5, "fwmask": 0, "table": 100},
    {
        "priority": 105,
        "from": "192.0.2.0/24",
        "to": "198.51.100.7",
        "tos": "0x10",
        "iif": "v0",
        "oif": "v1",
        "table": 254,
    },
    {"priority": 106, "invert": True, "from": "203.0.113.0/24", "table": 300, "suppress_prefixlength": 0},
    {"priority": 107, "ipproto": "tcp", "sport": 8080, "dport": "1000-2000", "uidrange": "1000-2000", "table": 100},
    {"priority": 108, "ipproto": 253, "action": "blackhole"},
    {"priority": 109, "action": "unreachable"},
    {"priority": 110, "action": "prohibit"},
    {"priority": 111, "action": "nop"},
    {"priority": 112, "action": "goto", "goto": 113},
    {"priority": 113, "action": "goto", "goto": 9999},
    {"priority": 114, "table": 4000000000},
    {"priority": 0, "fwmark": 7, "table": 100},
    {"priority": U32_MAX, "fwmark": 7, "table": 100},
    {"priority": 115, "from": "0.0.0.0/0", "table": 115},
    {"priority": 116, "iif": "lo", "uidrange": 0, "table": 116},
    {"priority": 200, "from": "2001:db8::/32", "to": "2001:db8:1::1", "table": 100},
    {"priority": 201, "family": "ipv6", "ipproto": "ipv6-icmp", "table": 100},
    {"priority": 202, "family": "ipv6", "invert": True, "fwmark": 2, "table": 100, "suppress_prefixlength": 64},
    {"priority": 203, "family": "ipv6", "action": "goto", "goto": 300},
    {"priority": 204, "family": "ipv6", "tos": "0xb8", "table": 100},
    {"priority": 205, "from": "::/0", "sport": "1-65534", "ipproto": "udp", "table": 100},
]


def test_examples_read_back_identical(host: Host) -> None:
    desired = [normalise(e, f"config[{n}]", None) for n, e in enumerate(EXAMPLES)]
    try:
        got = apply_and_read(host, desired)
        assert Counter(r.identity() for r in got) == Counter(r.identity() for r in desired)
        # idempotent: a second plan has nothing to do
        kind = RuleKind()
        assert make_plan(kind, desired, kind.read(host), "merged").ops == []
    finally:
        purge(host)


def test_show_output_of_the_kernel_parses_back(host: Host) -> None:
    """`ip rule show` / `ip -6 rule show` text -> the same rules as the netlink read."""
    desired = [normalise(e, f"config[{n}]", None) for n, e in enumerate(EXAMPLES)]
    try:
        apply_and_read(host, desired)
        kind = RuleKind()
        for opt, family in (("-4", 2), ("-6", 10)):
            text = host.ip_cmd([opt, "rule", "show"])
            assert "proto pbr" in text or "proto 242" in text
            parsed = {
                # offline parsing keeps table names as written: `lookup main` stays "main"
                replace(r, table=BUILTIN.get(r.table, r.table)).identity()[1:]
                for r in kind.parse(f"# ip {opt} rule show\n" + text)
                if r.protocol == PBR_PROTO
            }
            read = {r.identity()[1:] for r in owned(kind, host) if r.family == family}
            assert parsed == read
            assert all(parse_line(line, family) is not None for line in text.splitlines())
    finally:
        purge(host)


def test_our_decoder_agrees_with_pyroute2_and_the_fake_messages(host: Host) -> None:
    pytest.importorskip("pyroute2")
    desired = [normalise(e, f"config[{n}]", None) for n, e in enumerate(EXAMPLES)]
    try:
        apply_and_read(host, desired)
        ours = sorted((r for r in RuleKind().read(host)), key=repr)
        oracle = sorted((r for r in (from_netlink(m) for m in host.ipr().get_rules()) if r), key=repr)
        assert ours == oracle
        # kernel_view (used by the offline property tests) models the real dump
        for msg in host.ipr().get_rules():
            rule = from_netlink(msg)
            if rule is None:
                continue
            fake = kernel_view(rule)
            for name in ("family", "dst_len", "src_len", "tos", "table", "action"):
                assert fake[name] == msg[name], (name, rule)
            assert fake["flags"] & 2 == msg["flags"] & 2
            real_attrs = {k: v for k, v in msg["attrs"] if k.startswith("FRA_")}
            assert dict(fake["attrs"]) == real_attrs, rule
    finally:
        purge(host)


def test_kernel_refuses_mark_0_without_mask_as_selector(host: Host) -> None:
    """Why render_argv writes `fwmark 0/0xffffffff`: plain `fwmark 0` leaves no selector."""
    host.run_batch([["rule", "add", "priority", "50", "fwmark", "0", "lookup", "50", "protocol", str(PBR_PROTO)]])
    try:
        (rule,) = [r for r in owned(RuleKind(), host) if r.priority == 50]
        assert rule.fwmark is None
    finally:
        purge(host)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(owned_rules(doc_only=True, names=False), max_size=6, unique_by=kernel_slot))
def test_property_kernel_round_trip(host: Host, desired: List[Rule]) -> None:
    try:
        got = apply_and_read(host, desired)
        assert Counter(r.identity() for r in got) == Counter(r.identity() for r in desired)
    finally:
        purge(host)


@pytest.mark.parametrize("state", ["merged", "replaced"])
def test_changing_goto_target_and_not_flag_through_the_engine(host: Host, state: str) -> None:
    kind = RuleKind()
    first = [
        normalise({"priority": 6, "action": "goto", "goto": 10}, "config[0]", None),
        normalise({"priority": 5, "from": "192.0.2.0/24", "table": 5}, "config[1]", None),
    ]
    second = [replace(first[0], goto=20), replace(first[1], invert=True)]
    try:
        apply_and_read(host, first)
        apply_plan(kind, make_plan(kind, second, kind.read(host), state), host)
        assert Counter(r.identity() for r in owned(kind, host)) == Counter(r.identity() for r in second)
    finally:
        purge(host)


def test_rollback_when_ip_cannot_parse_a_later_command(host: Host) -> None:
    """ip exits without naming the line: the engine reads back, undoes the 2 that ran."""
    kind = RuleKind()
    good = [normalise({"priority": p, "fwmark": p, "table": 100}, "config[0]", None) for p in (100, 101)]
    bad = normalise({"priority": 102, "table": "nosuchtablename"}, "config[2]", None)  # offline name
    plan = make_plan(kind, [*good, bad, replace(good[0], priority=103)], kind.read(host), "merged")
    with pytest.raises(PbrError) as err:
        apply_plan(kind, plan, host)
    assert "refused `ip -4 rule add priority 102 from all lookup nosuchtablename protocol 242`" in err.value.msg
    assert "the 2 operation(s) done before it were undone" in err.value.msg
    assert owned(kind, host) == []
