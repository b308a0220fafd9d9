# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Routes against the real kernel, in a throwaway namespace.

One normalisation, four readers that must agree on every route of every table: the fast route
decoder (what the module uses), netlink.py's generic decoder, pyroute2 (0.9.x in this
interpreter, Debian's 0.7.2 in /usr/bin/python3) and ``ip route show`` text through parse_text.
Then the engine end to end: apply, no-op, the kernel refusing a route.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

import pytest

from ansible_collections.pbr.linux.plugins.module_utils import _engine as engine
from ansible_collections.pbr.linux.plugins.module_utils import _netlink as netlink
from ansible_collections.pbr.linux.plugins.module_utils._host import Host, etc_root
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table import RouteKind
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_kernel import (
    decode_route,
    from_netlink,
    read_routes,
)
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_notation import parse_text
from ansible_collections.pbr.linux.plugins.module_utils._iproute2 import TableNames
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="kernel-backed: needs root to create a namespace")

# addrgenmode none: no IPv6 link-local address, whose local route the kernel adds a moment after the
# link comes up (between two reads of one test, it made them differ)
SETUP = """\
link add va type veth peer name vb
link set va addrgenmode none
link set vb addrgenmode none
link set va up
link set vb up
addr add 192.0.2.1/24 dev va
addr add 2001:db8::1/64 dev va nodad
"""
ROUTES4 = """\
route add local 0.0.0.0/0 dev lo table 100 proto 242
route add default via 192.0.2.254 dev va src 192.0.2.1 table 100 proto 242 metric 5 mtu 1400 advmss 1300
route add blackhole 198.51.100.0/24 table 100 proto 242
route add unreachable 198.51.101.0/24 table 101 proto static
route add throw 198.51.102.0/24 table 101
route add prohibit 198.51.103.0/24 table 70000 proto 242
route add 203.0.113.0/24 dev va table 100 proto 242
route append 203.0.113.0/24 via 192.0.2.9 dev va table 100 proto 4
route add 203.0.113.7 via 198.51.100.9 dev va onlink table 100 proto 242
route add 203.0.113.8/29 tos 0x10 dev va scope global table 102 proto dhcp
route add 198.51.100.0/25 table 102 proto 242 nexthop via 192.0.2.2 dev va weight 2 nexthop via 192.0.2.3 dev va onlink
route add 198.51.100.128/25 dev va mtu lock 1300 table 102
"""
ROUTES6 = """\
route add local ::/0 dev lo table 100 proto 242
route add 2001:db8:1::/48 via 2001:db8::fe dev va table 100 proto 242
route append 2001:db8:1::/48 via 2001:db8::fd dev va table 100 proto 242
route add blackhole 2001:db8:2::/48 table 100 proto 242
route add throw 2001:db8:3::/48 table 101
route add unreachable 2001:db8:4::/48 table 101 metric 7
route add prohibit 2001:db8:5::/48 table 70000 proto 242
route add 2001:db8:6::/48 via 2001:db8:ff::1 dev va onlink src 2001:db8::1 mtu 1400 advmss 1300 table 102 proto 242
route add ::8:0/109 dev va table 102
"""

ORACLE = r"""
import json, sys
sys.path.insert(0, sys.argv[2])
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_kernel import from_netlink
from ansible_collections.pbr.linux.plugins.module_utils._host import Host
ipr = Host(sys.argv[1]).ipr()  # pyroute2's IPRoute, opened inside the namespace
links = {m['index']: m.get_attr('IFLA_IFNAME') for m in ipr.get_links()}
routes = [from_netlink(m, links) for family in (2, 10) for m in ipr.get_routes(family=family)]
print(json.dumps(sorted(repr(r) for r in routes if r is not None)))
"""


def ip(ns: str, *args: str, text: str = "") -> str:
    proc = subprocess.run(["ip", "-n", ns, *args], input=text, capture_output=True, text=True, check=False)
    if proc.returncode != 0 and "table does not exist" not in proc.stderr:  # an empty table is no table
        raise AssertionError(f"ip {' '.join(args)}: {proc.stderr}")
    return proc.stdout


@pytest.fixture(scope="module")
def namespace() -> Iterator[str]:
    name = "pbrrk" + secrets.token_hex(4)
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        ip(name, "link", "set", "lo", "up")
        ip(name, "-batch", "-", text=SETUP)
        ip(name, "-4", "-batch", "-", text=ROUTES4)
        ip(name, "-6", "-batch", "-", text=ROUTES6)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=True)


def ours(ns: str) -> List[str]:
    host = Host(ns)
    try:
        return sorted(repr(r) for r in read_routes(host))
    finally:
        host.close()


def collection_root() -> str:
    """The directory holding ``ansible_collections`` (as imported, links not resolved)."""
    return str(Path(netlink.__file__).parents[5])


def test_reader_sees_every_route(namespace: str) -> None:
    routes = ours(namespace)
    assert len([r for r in routes if "table=255" not in r and "table=254" not in r]) == 12 + 8  # append joins v6
    hops = [r for r in routes if "nexthops=(Nexthop" in r]
    assert len(hops) == 2  # the IPv4 one and the IPv6 one (two appended routes: one multipath route)
    assert any("table=70000" in r and "type='prohibit'" in r for r in routes)
    assert any("dst='::0.8.0.0/109'" in r for r in routes)  # inet_ntop's spelling, as ip prints it


def test_fast_decoder_matches_generic_decoder(namespace: str) -> None:
    host = Host(namespace)
    try:
        sock = host.netlink()
        for family in (2, 10):
            fast = netlink.dump(sock, netlink.RTM_GETROUTE, netlink.RT_HDR, netlink.RTA, family, decoder=decode_route)
            slow = netlink.dump_routes(sock, family)
            assert len(fast) == len(slow) > 5
            for (header, attrs), msg in zip(fast, slow):
                assert header == tuple(msg[n] for n in netlink.RT_HDR[1])
                wanted = {k: v for k, v in msg["attrs"] if k in attrs or k in ("RTA_DST", "RTA_OIF", "RTA_GATEWAY")}
                assert attrs == wanted
    finally:
        host.close()


def test_generic_decoder_and_from_netlink_agree(namespace: str) -> None:
    host = Host(namespace)
    try:
        links = netlink.link_names(host.netlink())
        generic = [from_netlink(m, links) for f in (2, 10) for m in netlink.dump_routes(host.netlink(), f)]
        assert sorted(repr(r) for r in generic if r is not None) == ours(namespace)
    finally:
        host.close()


def test_matches_pyroute2_in_this_interpreter(namespace: str) -> None:
    pytest.importorskip("pyroute2")
    out = subprocess.run(
        [sys.executable, "-c", ORACLE, namespace, collection_root()], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == ours(namespace)


def test_matches_debian_pyroute2_072(namespace: str) -> None:
    if not os.path.exists("/usr/bin/python3"):
        pytest.skip("no /usr/bin/python3")
    out = subprocess.run(
        ["/usr/bin/python3", "-c", ORACLE, namespace, collection_root()], capture_output=True, text=True, check=False
    )
    if out.returncode != 0 and "No module named 'pyroute2'" in out.stderr:
        pytest.skip("Debian's python3-pyroute2 is not installed")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ours(namespace)


def test_matches_ip_route_show_text(namespace: str) -> None:
    text = ip(namespace, "-4", "route", "show", "table", "all")
    text += "# ip -6 route show\n" + ip(namespace, "-6", "route", "show", "table", "all")
    parsed = parse_text("# ip -4 route show\n" + text)
    mtu_lock = [r for r in ours(namespace) if "mtu=1300" in r]
    assert mtu_lock  # `mtu lock 1300`: the lock is not part of the route's identity
    assert sorted(repr(r) for r in parsed) == ours(namespace)


# ---------------------------------------------------------------------------- the engine end to end
def run(ns: str, state: str, config: list, check: bool = False) -> dict:
    return engine.run(
        RouteKind(),
        state,
        config,
        check,
        True,
        host_factory=lambda: Host(ns),
        context_factory=lambda host: TableNames(etc_root(host.namespace)),
    )


@pytest.fixture
def fresh() -> Iterator[str]:
    name = "pbrre" + secrets.token_hex(4)
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        ip(name, "link", "set", "lo", "up")
        ip(name, "-batch", "-", text=SETUP)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=True)


CONFIG = [
    {
        "table": 100,
        "routes": [
            {"dst": "default", "type": "local", "dev": "lo"},
            {"dst": "default", "family": "ipv6", "type": "local", "dev": "lo"},
            {"dst": "198.51.100.0/24", "via": "192.0.2.254"},  # no dev: the kernel chooses one
            {"dst": "203.0.113.0/24", "nexthops": [{"via": "192.0.2.2", "dev": "va"}, {"via": "192.0.2.3"}]},
            {"dst": "2001:db8:9::/48", "via": "2001:db8::fe", "dev": "va", "metric": 0, "mtu": 1400},
            {"dst": "198.51.101.0/24", "type": "throw", "tos": "0x10"},
        ],
    },
    {"table": 101, "defaults": {"type": "blackhole"}, "prefixes": "198.51.100.0/25 2001:db8:a::/48"},
]


def test_apply_then_no_op(fresh: str) -> None:
    first = run(fresh, "merged", CONFIG)
    assert first["changed"] and len(first["commands"]) == 8
    again = run(fresh, "merged", CONFIG)
    assert not again["changed"] and again["commands"] == []
    assert again["diff"]["before"] == again["diff"]["after"]
    shown = ip(fresh, "-6", "route", "show", "table", "100")
    # ``ip`` prints the protocol's name only where an rt_protos file names it (this test writes none)
    assert any(
        f"2001:db8:9::/48 via 2001:db8::fe dev va proto {proto} metric 1024 mtu 1400 pref medium" in shown
        for proto in ("pbr", "242")
    )
    # a changed gateway is one replace, never a second route
    changed = [dict(CONFIG[0], routes=[{"dst": "198.51.100.0/24", "via": "192.0.2.253", "dev": "va"}])]
    third = run(fresh, "merged", changed)
    assert third["commands"] == ["ip -4 route replace 198.51.100.0/24 via 192.0.2.253 dev va table 100 proto 242"]
    assert ip(fresh, "route", "show", "table", "100", "198.51.100.0/24").count("\n") == 1
    # summary report, and deleted with a table listed without routes
    gone = engine.run(
        RouteKind(),
        "deleted",
        [{"table": 100}],
        False,
        False,
        lambda: Host(fresh),
        lambda host: TableNames(etc_root(host.namespace)),
        report="summary",
    )
    assert gone["summary"]["delete"] == 6 and "commands" not in gone and "before" not in gone
    assert ip(fresh, "route", "show", "table", "100") == "" and ip(fresh, "-6", "route", "show", "table", "100") == ""
    assert ip(fresh, "route", "show", "table", "101") != ""


def test_kernel_refusal_is_rolled_back_and_named(fresh: str) -> None:
    before = ip(fresh, "-j", "-d", "route", "show", "table", "all") + ip(
        fresh, "-6", "-j", "route", "show", "table", "all"
    )
    bad = [
        {
            "table": 100,
            "routes": [
                {"dst": "198.51.100.0/24", "dev": "va"},
                {"dst": "198.51.101.0/24", "via": "203.0.113.77", "dev": "va"},
            ],
        }
    ]
    with pytest.raises(PbrError) as err:
        run(fresh, "merged", bad)
    assert "ip -4 route add 198.51.101.0/24 via 203.0.113.77 dev va table 100 proto 242" in err.value.msg
    assert "Nexthop has invalid gateway" in err.value.msg and "undone" in err.value.msg
    after = ip(fresh, "-j", "-d", "route", "show", "table", "all") + ip(
        fresh, "-6", "-j", "route", "show", "table", "all"
    )
    assert after == before


def test_missing_device_fails_before_anything_changes(fresh: str) -> None:
    bad = [{"table": 100, "routes": [{"dst": "198.51.100.0/24", "dev": "va"}, {"dst": "default", "dev": "nosuch0"}]}]
    with pytest.raises(PbrError) as err:
        run(fresh, "merged", bad)
    assert err.value.field == "config[0].routes[1].dev"
    assert "'nosuch0' does not exist" in err.value.msg
    assert ip(fresh, "route", "show", "table", "100") == ""
