# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identity completeness and ownership in the purge paths: what a refactor could silently break.

- Every field of a rule and of a route is part of what makes it "the same" object: a change of
  only that field must plan a change (a replace for routes, delete + add for rules). A field
  missing from the identity would report ok and never apply the user's change.
- Purging states never touch a foreign object, also when a whole table is named (listing table
  main must never take a host offline).
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, Dict

import pytest

from ansible_collections.pbr.linux.plugins.module_utils import _nft as nft
from ansible_collections.pbr.linux.plugins.module_utils._engine import make_plan
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table import RouteKind
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_model import Nexthop, Route
from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import Rule, RuleKind
from ansible_collections.pbr.linux.plugins.module_utils._values import PBR_PROTO, U32_MAX

BASE_RULE = Rule(family=2, priority=1000, fwmark=1, fwmask=U32_MAX, table=100)
# one other valid value per field (the protocol is ownership, not identity)
RULE_CHANGES: Dict[str, Dict[str, Any]] = {
    "family": {"family": 10},
    "priority": {"priority": 1001},
    "src": {"src": "192.0.2.0/24"},
    "dst": {"dst": "198.51.100.0/24"},
    "tos": {"tos": 8},
    "fwmark": {"fwmark": 2},
    "fwmask": {"fwmask": 0xFF},
    "iif": {"iif": "eth1"},
    "oif": {"oif": "eth2"},
    "uidrange": {"uidrange": (1000, 2000)},
    "ipproto": {"ipproto": 6},
    "sport": {"sport": (80, 80)},
    "dport": {"dport": (443, 443)},
    "suppress_prefixlength": {"suppress_prefixlength": 0},
    "invert": {"invert": True},
    "action": {"action": "blackhole", "table": None},
    "table": {"table": 101},
    "goto": {"action": "goto", "goto": 2000, "table": None},
}

BASE_ROUTE = Route(table=100, family=2, dst="203.0.113.0/24", via="192.0.2.1", dev="eth1", metric=0)
ROUTE_CHANGES: Dict[str, Dict[str, Any]] = {
    "table": {"table": 101},
    "family": {"family": 10, "dst": "2001:db8::/32", "via": "2001:db8::1"},
    "dst": {"dst": "203.0.113.0/25"},
    "type": {"type": "blackhole", "via": None, "dev": None},
    "tos": {"tos": 8},
    "metric": {"metric": 5},
    "via": {"via": "192.0.2.2"},
    "dev": {"dev": "eth2"},
    "src": {"src": "192.0.2.10"},
    "scope": {"scope": 253},
    "onlink": {"onlink": True},
    "mtu": {"mtu": 1400},
    "advmss": {"advmss": 1360},
    "nexthops": {"via": None, "dev": None, "nexthops": (Nexthop("192.0.2.1", "eth1"), Nexthop("192.0.2.2", "eth2"))},
}


def test_every_rule_and_route_field_has_a_one_field_change_case() -> None:
    assert set(RULE_CHANGES) == {f.name for f in fields(Rule)} - {"protocol"}
    assert set(ROUTE_CHANGES) == {f.name for f in fields(Route)} - {"protocol"}


@pytest.mark.parametrize("field", sorted(RULE_CHANGES))
def test_a_rule_changed_in_one_field_is_replaced(field: str) -> None:
    kind = RuleKind()
    ours = replace(BASE_RULE, protocol=PBR_PROTO)
    want = replace(BASE_RULE, **RULE_CHANGES[field])
    assert kind.key(want) != kind.key(ours)
    plan = make_plan(kind, [want], [ours], "overridden")
    assert [(op.action, op.obj) for op in plan.ops if op.action == "add"] == [("add", want)]
    assert [op.obj for op in plan.ops if op.action == "delete"] == [ours]


@pytest.mark.parametrize("field", sorted(ROUTE_CHANGES))
def test_a_route_changed_in_one_field_is_replaced(field: str) -> None:
    kind = RouteKind()
    ours = replace(BASE_ROUTE, protocol=PBR_PROTO)
    want = replace(BASE_ROUTE, **ROUTE_CHANGES[field])
    assert kind.key(want) != kind.key(ours)
    plan = make_plan(kind, [want], [ours], "overridden")
    assert plan.changed
    assert want in [op.obj for op in plan.ops if op.action in ("add", "replace")]
    assert ours not in plan.after


@pytest.mark.parametrize("table", [254, 100])
def test_deleted_naming_a_table_without_routes_keeps_foreign_routes(table: int) -> None:
    """`state: deleted` with `config: [{table: main}]` removes only what we own in main."""
    kind = RouteKind()
    foreign = Route(table=table, family=2, dst="0.0.0.0/0", via="192.0.2.1", dev="eth0", protocol=4)
    kernel = Route(table=table, family=2, dst="192.0.2.0/24", dev="eth0", scope=253, protocol=2)
    ours = Route(table=table, family=2, dst="203.0.113.0/24", via="192.0.2.1", dev="eth0", protocol=PBR_PROTO)
    plan = make_plan(kind, [], [foreign, kernel, ours], "deleted", groups=[table])
    assert [(op.action, op.obj) for op in plan.ops] == [("delete", ours)]
    assert foreign in plan.after and kernel in plan.after


def test_overridden_with_nothing_keeps_foreign_rules() -> None:
    kind = RuleKind()
    foreign = replace(BASE_RULE, protocol=4)
    ours = replace(BASE_RULE, priority=1001, protocol=PBR_PROTO)
    plan = make_plan(kind, [], [foreign, ours], "overridden")
    assert [(op.action, op.obj) for op in plan.ops] == [("delete", ours)]


def test_nft_merged_range_of_power_of_two_size_but_unaligned_is_a_range_not_a_prefix() -> None:
    import ipaddress

    nets = [ipaddress.ip_network("192.0.2.64/26"), ipaddress.ip_network("192.0.2.128/26")]
    assert nft.addrs_text(nets) == "192.0.2.64-192.0.2.191"
    aligned = [ipaddress.ip_network("192.0.2.0/26"), ipaddress.ip_network("192.0.2.64/26")]
    assert nft.addrs_text(aligned) == "192.0.2.0/25"
    v6 = [ipaddress.ip_network("2001:db8:0:1::/64"), ipaddress.ip_network("2001:db8:0:2::/64")]
    assert nft.addrs_text(v6) == "2001:db8:0:1::-2001:db8:0:2:ffff:ffff:ffff:ffff"
