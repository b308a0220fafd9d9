# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The route resource offline: normalise, render, parse, config forms, planning, round trips.

Kernel-backed checks (real routes, netlink dumps against pyroute2 and ``ip route show``) are in
test_route_kernel.py.
"""

from __future__ import annotations

import socket
from dataclasses import replace
from typing import Any, Dict, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.pbr.linux.plugins.module_utils._engine import make_plan, show_text
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table import RouteKind
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_config import from_config, normalise
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_kernel import from_netlink
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_model import (
    CONFIG_TYPES,
    LOCAL_TYPES,
    REJECT_TYPES,
    Nexthop,
    Route,
)
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_notation import (
    parse_line,
    parse_text,
    render_argv,
    render_show,
    to_config,
    to_config_list,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import PBR_PROTO, U32_MAX, PbrError

BOOT = 3


def norm(table: Any = 100, **entry: Any) -> Route:
    return normalise(entry, "config[0].routes[0]", table)


def argv(route: Route, verb: str = "add") -> str:
    return " ".join(render_argv(route, verb))


# ---------------------------------------------------------------------------- the seeds
SEED_CASES: List[Any] = [
    pytest.param(
        {"dst": "default", "type": "local", "dev": "lo"},
        Route(table=100, family=2, dst="0.0.0.0/0", type="local", dev="lo", scope=254),
        "-4 route add local 0.0.0.0/0 dev lo table 100 proto 242",
        "local default dev lo proto pbr scope host",
        id="tproxy-v4",
    ),
    pytest.param(
        {"dst": "default", "family": "ipv6", "type": "local", "dev": "lo"},
        Route(table=100, family=10, dst="::/0", type="local", dev="lo", metric=1024),
        "-6 route add local ::/0 dev lo table 100 proto 242",
        "local default dev lo proto pbr metric 1024 pref medium",
        id="tproxy-v6",
    ),
    pytest.param(
        {"dst": "default", "via": "203.0.113.1", "dev": "eth1", "src": "203.0.113.10"},
        Route(table=100, family=2, dst="0.0.0.0/0", via="203.0.113.1", dev="eth1", src="203.0.113.10"),
        "-4 route add 0.0.0.0/0 via 203.0.113.1 dev eth1 table 100 proto 242 src 203.0.113.10",
        "default via 203.0.113.1 dev eth1 proto pbr src 203.0.113.10",
        id="seed003-return-path",
    ),
    pytest.param(
        {"dst": "default", "via": "192.0.2.1", "dev": "if_dnlink_demo"},
        Route(table=100, family=2, dst="0.0.0.0/0", via="192.0.2.1", dev="if_dnlink_demo"),
        "-4 route add 0.0.0.0/0 via 192.0.2.1 dev if_dnlink_demo table 100 proto 242",
        "default via 192.0.2.1 dev if_dnlink_demo proto pbr",
        id="seed002-downstream",
    ),
    pytest.param(
        {"dst": "198.51.100.0/24", "dev": "eth0"},
        Route(table=100, family=2, dst="198.51.100.0/24", dev="eth0", scope=253),
        "-4 route add 198.51.100.0/24 dev eth0 table 100 proto 242",
        "198.51.100.0/24 dev eth0 proto pbr scope link",
        id="device-route-scope-link",
    ),
    pytest.param(
        {
            "dst": "198.51.100.7",
            "via": "192.0.2.1",
            "dev": "eth0",
            "onlink": True,
            "metric": 7,
            "mtu": 1400,
            "advmss": 1360,
            "tos": "0x10",
        },
        Route(
            table=100,
            family=2,
            dst="198.51.100.7/32",
            via="192.0.2.1",
            dev="eth0",
            onlink=True,
            metric=7,
            mtu=1400,
            advmss=1360,
            tos=0x10,
        ),
        "-4 route add 198.51.100.7/32 tos 0x10 via 192.0.2.1 dev eth0 table 100 proto 242 metric 7 onlink mtu 1400"
        " advmss 1360",
        "198.51.100.7 tos 0x10 via 192.0.2.1 dev eth0 proto pbr metric 7 onlink mtu 1400 advmss 1360",
        id="host-route-all-attributes",
    ),
    pytest.param(
        {"dst": "2001:db8:100::/48", "type": "throw"},
        Route(table=100, family=10, dst="2001:db8:100::/48", type="throw", metric=1024),
        "-6 route add throw 2001:db8:100::/48 table 100 proto 242",
        "throw 2001:db8:100::/48 dev lo proto pbr metric 1024 pref medium",
        id="throw-v6-shows-dev-lo",
    ),
    pytest.param(
        {"dst": "198.51.100.0/24", "type": "unreachable", "metric": 0},
        Route(table=100, family=2, dst="198.51.100.0/24", type="unreachable"),
        "-4 route add unreachable 198.51.100.0/24 table 100 proto 242",
        "unreachable 198.51.100.0/24 proto pbr",
        id="unreachable-v4",
    ),
    pytest.param(
        {"dst": "2001:DB8:0:0::/64", "via": "2001:db8::0:1", "dev": "eth0", "metric": 0},
        Route(table=100, family=10, dst="2001:db8::/64", via="2001:db8::1", dev="eth0", metric=1024),
        "-6 route add 2001:db8::/64 via 2001:db8::1 dev eth0 table 100 proto 242",
        "2001:db8::/64 via 2001:db8::1 dev eth0 proto pbr metric 1024 pref medium",
        id="ipv6-canonical-and-metric-0-is-1024",
    ),
    pytest.param(
        {
            "dst": "198.51.100.0/24",
            "nexthops": [{"via": "192.0.2.1", "dev": "eth0", "weight": 2}, {"via": "192.0.2.2", "onlink": True}],
        },
        Route(
            table=100,
            family=2,
            dst="198.51.100.0/24",
            nexthops=(Nexthop("192.0.2.1", "eth0", 2), Nexthop("192.0.2.2", None, 1, True)),
        ),
        "-4 route add 198.51.100.0/24 table 100 proto 242 nexthop via 192.0.2.1 dev eth0 weight 2 nexthop via"
        " 192.0.2.2 onlink",
        "198.51.100.0/24 proto pbr\n\tnexthop via 192.0.2.1 dev eth0 weight 2\n\tnexthop via 192.0.2.2 weight 1 onlink",
        id="multipath",
    ),
    pytest.param(
        {"dst": "192.0.2.0/24", "dev": "eth0", "scope": "global", "table": None},
        Route(table=100, family=2, dst="192.0.2.0/24", dev="eth0", scope=0),
        "-4 route add 192.0.2.0/24 dev eth0 table 100 proto 242 scope global",
        "192.0.2.0/24 dev eth0 proto pbr",
        id="explicit-scope-global",
    ),
]


@pytest.mark.parametrize(("entry", "route", "args", "show"), SEED_CASES)
def test_normalise_render_show(entry: Dict[str, Any], route: Route, args: str, show: str) -> None:
    entry = {k: v for k, v in entry.items() if k != "table"}
    assert norm(**entry) == route
    assert argv(route) == args
    assert render_show(route) == show
    assert parse_line(show, 100) == route  # as `ip route show table 100` prints it
    assert parse_line("ip " + args) == route  # the command, table included
    assert normalise(to_config(route), "x", 100) == route


def test_delete_carries_the_full_identity() -> None:
    # the kernel treats what a delete leaves out as a wildcard: type, scope, metric, proto always
    route = norm(dst="198.51.100.0/24", dev="eth0")
    assert argv(route, "del") == "-4 route del unicast 198.51.100.0/24 dev eth0 table 100 proto 242 scope link metric 0"
    local = norm(dst="default", type="local", dev="lo")
    assert argv(local, "del") == "-4 route del local 0.0.0.0/0 dev lo table 100 proto 242 scope host metric 0"
    v6 = norm(dst="2001:db8::/32", type="blackhole")
    assert argv(v6, "del") == "-6 route del blackhole 2001:db8::/32 table 100 proto 242 metric 1024"
    assert argv(v6, "replace") == "-6 route replace blackhole 2001:db8::/32 table 100 proto 242"


def test_identity_and_slot() -> None:
    a = norm(dst="198.51.100.0/24", via="192.0.2.1")
    b = norm(dst="198.51.100.0/24", via="192.0.2.2")
    assert a.identity() != b.identity()
    assert a.slot() == b.slot() == (100, 2, "198.51.100.0/24", 0, 0)
    assert norm(dst="198.51.100.0/24", via="192.0.2.1", metric=5).slot() != a.slot()
    assert norm(dst="198.51.100.0/24", via="192.0.2.1", tos=4).slot() != a.slot()
    assert replace(a, protocol=BOOT).identity() == a.identity()  # whoever added it


# ---------------------------------------------------------------------------- bad input
# (entry, field named in the message, text the message must contain)
BAD: List[Any] = [
    pytest.param({"dst": "198.51.100.0/33", "dev": "eth0"}, "dst", "prefix length from 0 to 32", id="plen-too-long"),
    pytest.param({"dst": "198.51.100.1/24", "dev": "eth0"}, "dst", "198.51.100.0/24", id="host-bits"),
    pytest.param({"dst": "198.51.100.300/24", "dev": "eth0"}, "dst", "CIDR", id="bad-address"),
    pytest.param({"dst": "", "dev": "eth0"}, "dst", "CIDR", id="empty-dst"),
    pytest.param({"dev": "eth0"}, "dst", "required", id="no-dst"),
    pytest.param(
        {"dst": "198.51.100.0/24", "via": "2001:db8::1"},
        "via",
        "is ipv6 but the route is ipv4",
        id="gateway-wrong-family",
    ),
    pytest.param(
        {"dst": "default", "family": "ipv6", "via": "192.0.2.1"},
        "via",
        "is ipv4 but the route is ipv6",
        id="gateway-family-vs-family",
    ),
    pytest.param({"dst": "2001:db8::/32", "src": "192.0.2.1", "dev": "eth0"}, "src", "is ipv4", id="src-family"),
    pytest.param(
        {"dst": "default", "type": "local", "dev": "lo", "via": "192.0.2.1"},
        "via",
        "no via on a local route",
        id="local-with-gateway",
    ),
    pytest.param({"dst": "default", "type": "local"}, "dev", "required for a local route", id="local-without-dev"),
    pytest.param(
        {"dst": "198.51.100.0/24", "type": "blackhole", "dev": "eth0"},
        "dev",
        "a blackhole route has no dev",
        id="blackhole-with-dev",
    ),
    pytest.param(
        {"dst": "198.51.100.0/24", "type": "prohibit", "via": "192.0.2.1"},
        "via",
        "a prohibit route has no via",
        id="prohibit-with-via",
    ),
    pytest.param(
        {"dst": "198.51.100.0/24", "type": "unreachable", "src": "192.0.2.1"},
        "src",
        "an unreachable route",
        id="unreachable-with-src",
    ),
    pytest.param({"dst": "198.51.100.0/24", "type": "nat", "dev": "eth0"}, "type", "one of unicast", id="bad-type"),
    pytest.param(
        {"dst": "198.51.100.0/24", "dev": "eth0", "metric": U32_MAX + 1},
        "metric",
        "from 0 to 4294967295",
        id="metric-too-big",
    ),
    pytest.param({"dst": "198.51.100.0/24", "dev": "eth0", "metric": -1}, "metric", "from 0 to", id="metric-negative"),
    pytest.param(
        {"dst": "198.51.100.0/24", "dev": "eth0", "metric": "low"}, "metric", "decimal or 0x hex", id="metric-word"
    ),
    pytest.param({"dst": "198.51.100.0/24"}, "routes[0]", "needs via, dev or nexthops", id="nowhere-to-go"),
    pytest.param({"dst": "198.51.100.0/24", "dev": "this-name-is-too-long"}, "dev", "at most 15", id="long-ifname"),
    pytest.param({"dst": "198.51.100.0/24", "dev": "eth 0"}, "dev", "without whitespace", id="ifname-space"),
    pytest.param(
        {"dst": "198.51.100.0/24", "dev": "eth0", "scope": "galaxy"}, "scope", "global, site, link", id="bad-scope"
    ),
    pytest.param({"dst": "2001:db8::/32", "dev": "eth0", "scope": "link"}, "scope", "IPv6", id="ipv6-scope"),
    pytest.param({"dst": "198.51.100.0/24", "dev": "eth0", "tos": 1}, "tos", "ECN bits", id="tos-ecn"),
    pytest.param({"dst": "2001:db8::/32", "dev": "eth0", "tos": 4}, "tos", "IPv4 only", id="tos-ipv6"),
    pytest.param({"dst": "198.51.100.0/24", "dev": "eth0", "mtu": 40}, "mtu", "from 68 to 65520", id="mtu-small"),
    pytest.param({"dst": "2001:db8::/32", "dev": "eth0", "mtu": 1000}, "mtu", "from 1280", id="mtu-ipv6"),
    pytest.param({"dst": "198.51.100.0/24", "dev": "eth0", "advmss": 70000}, "advmss", "to 65495", id="advmss"),
    pytest.param(
        {"dst": "198.51.100.0/24", "dev": "eth0", "onlink": True},
        "onlink",
        "only together with via",
        id="onlink-without-via",
    ),
    pytest.param(
        {"dst": "198.51.100.0/24", "dev": "eth0", "onlink": "maybe"}, "onlink", "true or false", id="onlink-not-bool"
    ),
    pytest.param(
        {"dst": "198.51.100.0/24", "dev": "eth0", "family": "inet"}, "family", "ipv4 or ipv6", id="bad-family"
    ),
    pytest.param(
        {"dst": "198.51.100.0/24", "family": "ipv6", "dev": "eth0"},
        "dst",
        "is ipv4 but the route is ipv6",
        id="dst-vs-family",
    ),
    pytest.param(
        {"dst": "198.51.100.0/24", "dev": "eth0", "gateway": "192.0.2.1"},
        "routes[0]",
        "unknown field",
        id="unknown-field",
    ),
    pytest.param(
        {"dst": "198.51.100.0/24", "nexthops": [{"weight": 2}]}, "nexthops[0]", "needs via, dev", id="empty-nexthop"
    ),
    pytest.param(
        {"dst": "198.51.100.0/24", "nexthops": [{"via": "192.0.2.1", "weight": 300}]},
        "nexthops[0].weight",
        "from 1 to 256",
        id="nexthop-weight",
    ),
    pytest.param(
        {"dst": "198.51.100.0/24", "via": "192.0.2.1", "nexthops": [{"via": "192.0.2.2"}]},
        "via",
        "either nexthops or",
        id="via-and-nexthops",
    ),
    pytest.param({"dst": "198.51.100.0/24", "via": "192.0.2.1/32"}, "via", "no prefix length", id="via-prefix"),
]


@pytest.mark.parametrize(("entry", "field", "text"), BAD)
def test_bad_input_names_field_and_value(entry: Dict[str, Any], field: str, text: str) -> None:
    with pytest.raises(PbrError) as err:
        norm(**entry)
    full = f"config[0].{field}" if field.startswith("routes[") else f"config[0].routes[0].{field}"
    if field.startswith("nexthops"):
        full = f"config[0].routes[0].{field}"
    assert err.value.field == full
    assert err.value.msg.startswith(full + ":")
    assert text in err.value.msg
    if field in entry:
        assert repr(entry[field]) in err.value.msg


def test_bad_input_count() -> None:
    assert len(BAD) >= 15


# ---------------------------------------------------------------------------- config forms
class FakeTables:
    def __init__(self, names: Dict[str, int]) -> None:
        self.names = names

    def resolve(self, field: str, value: Any) -> int:
        if isinstance(value, int):
            return value
        if value not in self.names:
            raise PbrError(f"{field}: table name {value!r} is not defined", field, value)
        return self.names[value]

    def name_of(self, tid: int) -> str:
        return {v: k for k, v in self.names.items()}.get(tid, str(tid))


def test_config_tables_routes_defaults_prefixes() -> None:
    config = [
        {"table": "eth1_table", "routes": [{"dst": "default", "via": "203.0.113.1", "dev": "eth1"}]},
        {
            "table": 200,
            "defaults": {"via": "192.0.2.1", "dev": "eth0", "metric": 5},
            "prefixes": "198.51.100.0/24  # a comment\n203.0.113.0/25, 203.0.113.128/25\n\n",
            "routes": [{"dst": "192.0.2.128/25", "metric": 6}],
        },
        {"table": 201},
        {"table": 202, "routes": []},
    ]
    where: Dict[int, str] = {}
    routes, named = from_config(config, FakeTables({"eth1_table": 100}), where)  # type: ignore[arg-type]
    assert named == [201, 202]
    assert [(r.table, r.dst, r.via, r.metric) for r in routes] == [
        (100, "0.0.0.0/0", "203.0.113.1", 0),
        (200, "192.0.2.128/25", "192.0.2.1", 6),  # own field wins over defaults
        (200, "198.51.100.0/24", "192.0.2.1", 5),
        (200, "203.0.113.0/25", "192.0.2.1", 5),
        (200, "203.0.113.128/25", "192.0.2.1", 5),
    ]
    assert where[id(routes[0])] == "config[0].routes[0]"
    assert where[id(routes[2])] == "config[1].defaults"
    # prefixes given as a list mean the same
    again, _named = from_config(
        [dict(config[1], prefixes=["198.51.100.0/24", "203.0.113.0/25", "203.0.113.128/25"])], FakeTables({})
    )  # type: ignore[arg-type]
    assert again == routes[1:]


@pytest.mark.parametrize(
    ("group", "field", "text"),
    [
        (
            {"table": "nosuch", "routes": [{"dst": "default", "dev": "lo", "type": "local"}]},
            "config[0].table",
            "not defined",
        ),
        (
            {"table": 100, "defaults": {"dev": "eth0"}, "prefixes": "198.51.100.0/24\n198.51.100.1/24"},
            "config[0].prefixes[1]",
            "host bits",
        ),
        (
            {"table": 100, "defaults": {"dev": "eth0"}, "prefixes": ["198.51.100.0/24", 7]},
            "config[0].prefixes[1]",
            "CIDR",
        ),
        (
            {"table": 100, "defaults": {"via": "2001:db8::1"}, "prefixes": "198.51.100.0/24"},
            "config[0].defaults.via",
            "is ipv6 but the route is ipv4",
        ),
        ({"table": 100, "defaults": {"dst": "198.51.100.0/24"}}, "config[0].defaults.dst", "no dst in defaults"),
        (
            {"table": 100, "defaults": {"type": "blackhole", "dev": "eth0"}, "prefixes": "198.51.100.0/24"},
            "config[0].defaults.dev",
            "a blackhole route has no dev",
        ),
        ({"table": 100, "route": []}, "config[0]", "unknown field"),
        ({"routes": []}, "config[0].table", "required"),
        ({"table": 100, "routes": "198.51.100.0/24"}, "config[0].routes", "a list of routes"),
    ],
)
def test_config_errors(group: Dict[str, Any], field: str, text: str) -> None:
    with pytest.raises(PbrError) as err:
        from_config([group], FakeTables({}))  # type: ignore[arg-type]
    assert err.value.field == field
    assert text in err.value.msg


def test_offline_table_names_stay_names() -> None:
    routes, _named = from_config(
        [
            {"table": "eth1_table", "routes": [{"dst": "default", "dev": "eth1"}]},
            {"table": "main", "routes": [{"dst": "default", "dev": "eth1"}]},
        ],
        None,
    )
    assert [r.table for r in routes] == ["eth1_table", 254]
    assert argv(routes[0]).endswith("dev eth1 table eth1_table proto 242")


def test_shared_shape_cache_does_not_mix_families() -> None:
    routes, _named = from_config(
        [{"table": 1, "defaults": {"type": "blackhole"}, "prefixes": "198.51.100.0/24 2001:db8::/32 203.0.113.0/24"}],
        None,
    )
    assert [(r.family, r.dst, r.metric) for r in routes] == [
        (2, "198.51.100.0/24", 0),
        (10, "2001:db8::/32", 1024),
        (2, "203.0.113.0/24", 0),
    ]


# ---------------------------------------------------------------------------- parse
def test_parse_text_with_headings_context_and_nexthops() -> None:
    text = """\
# ip -4 route show table 100
local default dev lo proto pbr scope host
198.51.100.0/24 proto pbr
\tnexthop via 192.0.2.1 dev eth0 weight 2
\tnexthop via 192.0.2.2 dev eth0 weight 1
# ip -6 route show table 100
local default dev lo proto pbr metric 1024 pref medium
blackhole default dev lo proto kernel metric 1024 pref medium
table 7
default via 192.0.2.1 dev eth0
ip -6 route add 2001:db8::/32 dev eth0 table 8
192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.10
"""
    routes = parse_text(text)
    assert [(r.table, r.family, r.type, r.dst, r.protocol) for r in routes] == [
        (100, 2, "local", "0.0.0.0/0", PBR_PROTO),
        (100, 2, "unicast", "198.51.100.0/24", PBR_PROTO),
        (100, 10, "local", "::/0", PBR_PROTO),
        (100, 10, "blackhole", "::/0", 2),
        (7, 2, "unicast", "0.0.0.0/0", BOOT),
        (8, 10, "unicast", "2001:db8::/32", BOOT),
        (7, 2, "unicast", "192.0.2.0/24", 2),
    ]
    assert routes[1].nexthops == (Nexthop("192.0.2.1", "eth0", 2), Nexthop("192.0.2.2", "eth0", 1))
    assert routes[3].dev is None  # the kernel's dev lo of an IPv6 reject route
    assert routes[6].src == "192.0.2.10" and routes[6].scope == 253


def test_parse_show_line_versus_command() -> None:
    # a show line prints every scope but global; a command takes iproute2's default scope
    assert parse_line("198.51.100.0/24 dev eth0 proto pbr").scope == 0
    assert parse_line("ip route add 198.51.100.0/24 dev eth0").scope == 253
    # ip's own route table words
    assert parse_line("default dev eth0 table main").table == 254
    assert parse_line("local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1").table == 255
    # kernel routes of table local have IPv6 metric 0
    assert parse_line("local ::1 dev lo table local proto kernel metric 0 pref medium").metric == 0
    # tos names from rt_dsfield, mtu lock, router preference, expiry
    route = parse_line(
        "2001:db8::/32 via fe80::1 dev eth0 proto ra metric 1024 expires 1799sec mtu lock 1400 pref high"
    )
    assert (route.family, route.protocol, route.mtu, route.via) == (10, 9, 1400, "fe80::1")


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("198.51.100.0/24 dev eth0 frobnicate 1", "unsupported word 'frobnicate'"),
        ("198.51.100.0/24 dev", "'dev' needs a value"),
        ("2001:db8::/32 from 2001:db8:1::/48 dev eth0", "source-specific"),
        ("198.51.100.0/24 dev eth0 proto nosuchproto", "unknown protocol name"),
        ("ip route add", "no destination"),
    ],
)
def test_parse_errors(line: str, text: str) -> None:
    with pytest.raises(PbrError) as err:
        parse_line(line)
    assert text in err.value.msg


# ---------------------------------------------------------------------------- netlink messages
def test_from_netlink_pyroute2_shape() -> None:
    msg = {
        "family": 10,
        "dst_len": 48,
        "src_len": 0,
        "tos": 0,
        "table": 252,
        "proto": 242,
        "scope": 0,
        "type": 6,
        "flags": 0,
        "attrs": [
            ("RTA_TABLE", 1000),
            ("RTA_DST", "2001:db8:1::"),
            ("RTA_PRIORITY", 1024),
            ("RTA_OIF", 1),
            ("RTA_PREF", 0),
        ],
    }
    assert from_netlink(msg, {1: "lo"}) == Route(
        table=1000, family=10, dst="2001:db8:1::/48", type="blackhole", metric=1024
    )
    hops = dict(
        msg,
        type=1,
        attrs=[
            ("RTA_DST", "2001:db8:1::"),
            ("RTA_PRIORITY", 1024),
            (
                "RTA_MULTIPATH",
                [
                    {"flags": 0, "hops": 1, "oif": 3, "attrs": [("RTA_GATEWAY", "2001:db8::fe")]},
                    {"flags": 4, "hops": 0, "oif": 3, "attrs": [("RTA_GATEWAY", "2001:db8::fd")]},
                ],
            ),
        ],
    )
    route = from_netlink(hops, {3: "va"})
    assert route is not None
    assert route.table == 252 and route.nexthops == (
        Nexthop("2001:db8::fe", "va", 2),
        Nexthop("2001:db8::fd", "va", 1, True),
    )
    assert from_netlink(dict(msg, family=128), {}) is None  # multicast routing
    assert from_netlink(dict(msg, flags=0x200), {}) is None  # cloned


# ---------------------------------------------------------------------------- planning (engine + RouteKind)
def owned(**entry: Any) -> Route:
    return norm(**entry)


def foreign(**entry: Any) -> Route:
    return replace(norm(**entry), protocol=BOOT)


def ops(plan: Any) -> List[str]:
    return [f"{op.action} {op.obj.dst} {op.obj.via or op.obj.dev}" for op in plan.ops]


def test_changed_gateway_is_a_replace_never_a_second_route() -> None:
    kind = RouteKind()
    current = [owned(dst="default", via="192.0.2.1", dev="eth0")]
    plan = make_plan(kind, [owned(dst="default", via="192.0.2.2", dev="eth0")], current, "merged")
    assert ops(plan) == ["replace 0.0.0.0/0 192.0.2.2"]
    assert [argv(op.obj, "replace") for op in plan.ops] == [
        "-4 route replace 0.0.0.0/0 via 192.0.2.2 dev eth0 table 100 proto 242"
    ]
    # a type change too
    plan = make_plan(kind, [owned(dst="default", type="blackhole")], current, "merged")
    assert ops(plan) == ["replace 0.0.0.0/0 None"]


def test_foreign_route_in_the_slot_is_an_error() -> None:
    kind = RouteKind()
    current = [foreign(dst="default", via="192.0.2.1", dev="eth0")]
    with pytest.raises(PbrError, match="does not own"):
        make_plan(kind, [owned(dst="default", via="192.0.2.2", dev="eth0")], current, "merged")
    # the same route added by hand counts as present
    assert make_plan(kind, [owned(dst="default", via="192.0.2.1", dev="eth0")], current, "merged").ops == []
    # a foreign route appended to the same slot blocks a replace of ours (ip route append)
    both = [owned(dst="default", via="192.0.2.3", dev="eth0"), current[0]]
    with pytest.raises(PbrError, match="does not own"):
        make_plan(kind, [owned(dst="default", via="192.0.2.2", dev="eth0")], both, "merged")


def test_replaced_overridden_deleted_touch_only_what_we_own() -> None:
    kind = RouteKind()
    ours_100 = owned(dst="198.51.100.0/24", dev="eth0")
    ours_101 = owned(table=101, dst="198.51.100.0/24", dev="eth0")
    hand_100 = foreign(dst="203.0.113.0/24", dev="eth0")
    kernel_main = replace(norm(table=254, dst="192.0.2.0/24", dev="eth0"), protocol=2)
    current = [ours_100, ours_101, hand_100, kernel_main]
    new = owned(dst="192.0.2.128/25", dev="eth0")
    assert ops(make_plan(kind, [new], current, "replaced")) == [
        "add 192.0.2.128/25 eth0",
        "delete 198.51.100.0/24 eth0",
    ]
    assert ops(make_plan(kind, [new], current, "overridden")) == [
        "add 192.0.2.128/25 eth0",
        "delete 198.51.100.0/24 eth0",
        "delete 198.51.100.0/24 eth0",
    ]
    assert [op.obj.table for op in make_plan(kind, [], current, "overridden").ops] == [100, 101]
    # a table named without routes: replaced empties it of ours, deleted removes ours there
    assert [op.obj for op in make_plan(kind, [], current, "replaced", [101]).ops] == [ours_101]
    assert [op.obj for op in make_plan(kind, [], current, "deleted", [101]).ops] == [ours_101]
    assert [op.obj for op in make_plan(kind, [], current, "deleted").ops] == [ours_100, ours_101]
    # deleting a listed foreign route: left in place, with a warning
    plan = make_plan(kind, [norm(dst="203.0.113.0/24", dev="eth0")], current, "deleted")
    assert plan.ops == [] and "not owned" in plan.warnings[0]


def test_complete_takes_the_device_the_kernel_chose() -> None:
    kind = RouteKind()
    there = owned(dst="default", via="192.0.2.1", dev="eth0")
    wanted = owned(dst="default", via="192.0.2.1")
    assert kind.complete([wanted], [there]) == [there]
    other = owned(dst="default", via="192.0.2.9")
    assert kind.complete([other], [there]) == [other]  # another gateway: a replace, the kernel picks again
    assert make_plan(kind, kind.complete([wanted], [there]), [there], "merged").ops == []


def test_diff_sections_per_table_and_family() -> None:
    kind = RouteKind()
    routes = [
        owned(table=101, dst="default", dev="lo", type="local"),
        owned(dst="2001:db8::/32", dev="eth0"),
        owned(dst="default", dev="lo", type="local"),
    ]
    assert show_text(kind, routes) == (
        "# ip -4 route show table 100\nlocal default dev lo proto pbr scope host\n"
        "# ip -4 route show table 101\nlocal default dev lo proto pbr scope host\n"
        "# ip -6 route show table 100\n2001:db8::/32 dev eth0 proto pbr metric 1024 pref medium\n"
    )
    # and the diff text parses back to the same routes
    assert sorted(parse_text(show_text(kind, routes)), key=kind.sort_key) == sorted(routes, key=kind.sort_key)


def test_config_list_groups_by_table_and_round_trips() -> None:
    kind = RouteKind()
    routes = [
        owned(dst="default", dev="lo", type="local"),
        owned(table=7, dst="198.51.100.0/24", via="192.0.2.1"),
        owned(dst="2001:db8::/32", type="unreachable"),
    ]
    out = kind.to_config_list(routes)
    assert [g["table"] for g in out] == [100, 7]
    assert out[0]["routes"][0] == {"dst": "default", "family": "ipv4", "type": "local", "dev": "lo", "owner": "pbr"}
    again, _named = from_config(out, None)
    assert again == routes[0:1] + routes[2:3] + routes[1:2]
    assert to_config_list([]) == []


# ---------------------------------------------------------------------------- round trips (hypothesis)
DEVS = st.sampled_from(["eth0", "lo", "if_dnlink_demo", "veth-a.10"])


def ntop(family: int, number: int) -> str:
    """An address as inet_ntop writes it (as the kernel, ip and the normaliser do: '::0.8.0.0', not '::8:0')."""
    if family == 2:
        return socket.inet_ntop(socket.AF_INET, number.to_bytes(4, "big"))
    return socket.inet_ntop(socket.AF_INET6, number.to_bytes(16, "big"))


@st.composite
def addresses(draw: Any, family: int) -> str:
    return ntop(family, draw(st.integers(0, 2 ** (32 if family == 2 else 128) - 1)))


@st.composite
def routes(draw: Any, protocols: bool = False) -> Route:
    family = draw(st.sampled_from([2, 10]))
    bits = 32 if family == 2 else 128
    plen = draw(st.integers(0, bits))
    number = draw(st.integers(0, 2**bits - 1)) >> (bits - plen) << (bits - plen)
    dst = f"{ntop(family, number)}/{plen}"
    rtype = draw(st.sampled_from(CONFIG_TYPES))
    via = dev = src = None
    onlink = False
    hops: tuple = ()
    if rtype == "unicast":
        how = draw(st.sampled_from(["via", "dev", "via+dev", "nexthops"]))
        if how == "nexthops":
            hop_list = []
            for _hop in range(draw(st.integers(1, 3))):
                hvia = draw(addresses(family)) if draw(st.booleans()) else None
                hdev = draw(DEVS) if hvia is None or draw(st.booleans()) else None
                hop_list.append(Nexthop(hvia, hdev, draw(st.integers(1, 256)), bool(hvia) and draw(st.booleans())))
            hops = tuple(hop_list)
        else:
            via = draw(addresses(family)) if "via" in how else None
            dev = draw(DEVS) if "dev" in how else None
            onlink = via is not None and draw(st.booleans())
    elif rtype in LOCAL_TYPES:
        dev = draw(DEVS)
    if rtype not in REJECT_TYPES and draw(st.booleans()):
        src = draw(addresses(family))
    if family == 2:
        metric = draw(st.integers(0, U32_MAX))
        scope = draw(st.sampled_from([0, 200, 253, 254, 255, 17]))
        tos = draw(st.integers(0, 63)) * 4
        mtu = draw(st.none() | st.integers(68, 65520))
    else:
        metric = draw(st.integers(1, U32_MAX))
        scope = tos = 0
        mtu = draw(st.none() | st.integers(1280, 65520))
    table = draw(st.integers(1, U32_MAX))
    protocol = draw(st.sampled_from([PBR_PROTO, BOOT, 2, 4, 16, 186, 77])) if protocols else PBR_PROTO
    return Route(
        table=table,
        family=family,
        dst=dst,
        type=rtype,
        tos=tos,
        metric=metric,
        via=via,
        dev=dev,
        src=src,
        scope=scope,
        onlink=onlink,
        mtu=mtu,
        advmss=draw(st.none() | st.integers(1, 65495)),
        nexthops=hops,
        protocol=protocol,
    )


@settings(max_examples=300, deadline=None)
@given(routes(protocols=True))
def test_property_show_line_parses_back(route: Route) -> None:
    assert parse_line(render_show(route), route.table) == route


@settings(max_examples=300, deadline=None)
@given(routes(), st.sampled_from(["add", "replace", "del"]))
def test_property_command_parses_back(route: Route, verb: str) -> None:
    assert parse_line("ip " + " ".join(render_argv(route, verb))) == route


@settings(max_examples=300, deadline=None)
@given(routes())
def test_property_config_round_trip(route: Route) -> None:
    assert normalise(to_config(route), "config[0].routes[0]", route.table) == route
    routes_, named = from_config(RouteKind().to_config_list([route]), None)
    assert routes_ == [route] and named == []


@settings(max_examples=100, deadline=None)
@given(st.lists(routes(protocols=True), max_size=6))
def test_property_diff_text_parses_back(many: List[Route]) -> None:
    kind = RouteKind()
    assert sorted(parse_text(show_text(kind, many)), key=repr) == sorted(many, key=repr)
