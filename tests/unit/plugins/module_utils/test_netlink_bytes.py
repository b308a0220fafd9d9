# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rtnetlink decoders on bytes built here (no root, no kernel): multipath routes in particular.

The kernel-backed tests (test_route_kernel, test_netlink_oracle) need root; these pin the byte
layout (struct rtmsg, struct rtnexthop with its own attributes, RTA padding) on any machine.
"""

from __future__ import annotations

import socket
import struct
from typing import List, Tuple

from ansible_collections.pbr.linux.plugins.module_utils import _netlink as netlink
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_kernel import (
    _from_header_attrs,
    decode_route,
    from_netlink,
)
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_model import Nexthop

RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_MULTIPATH, RTA_TABLE = 1, 4, 5, 6, 9, 15
RTNH_F_ONLINK = 4


def rta(kind: int, payload: bytes) -> bytes:
    data = struct.pack("=HH", 4 + len(payload), kind) + payload
    return data + b"\0" * (-len(data) % 4)


def rtnexthop(flags: int, hops: int, oif: int, attrs: bytes) -> bytes:
    return struct.pack("=HBBi", 8 + len(attrs), flags, hops, oif) + attrs


def rtmsg(family: int, dst_len: int, table: int, protocol: int, rtype: int = 1, scope: int = 0) -> bytes:
    # struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags (u32)
    return struct.pack("=BBBBBBBBI", family, dst_len, 0, 0, min(table, 252), protocol, scope, rtype, 0)


def multipath_route() -> bytes:
    gw1 = socket.inet_pton(socket.AF_INET, "192.0.2.2")
    gw2 = socket.inet_pton(socket.AF_INET, "192.0.2.3")
    hops = rtnexthop(0, 1, 3, rta(RTA_GATEWAY, gw1)) + rtnexthop(RTNH_F_ONLINK, 0, 4, rta(RTA_GATEWAY, gw2))
    return (
        rtmsg(2, 25, 102, 242)
        + rta(RTA_TABLE, struct.pack("=I", 102))
        + rta(RTA_DST, socket.inet_pton(socket.AF_INET, "198.51.100.0"))
        + rta(RTA_MULTIPATH, hops)
    )


def test_decode_multipath_gives_each_hop_its_flags_weight_device_and_gateway() -> None:
    data = rtnexthop(0, 1, 3, rta(RTA_GATEWAY, socket.inet_pton(socket.AF_INET, "192.0.2.2"))) + rtnexthop(
        RTNH_F_ONLINK, 0, 4, rta(RTA_GATEWAY, socket.inet_pton(socket.AF_INET, "192.0.2.3"))
    )
    hops = netlink.decode_multipath(data)
    got: List[Tuple[int, int, int, str]] = [
        (h["flags"], h["hops"], h["oif"], dict(h["attrs"])["RTA_GATEWAY"]) for h in hops
    ]
    assert got == [(0, 1, 3, "192.0.2.2"), (RTNH_F_ONLINK, 0, 4, "192.0.2.3")]


def test_decode_multipath_ipv6_gateways_and_a_truncated_tail() -> None:
    gw = socket.inet_pton(socket.AF_INET6, "2001:db8::fe")
    data = rtnexthop(0, 0, 7, rta(RTA_GATEWAY, gw)) + b"\x02\x00"  # a stray, too-short tail is ignored
    hops = netlink.decode_multipath(data)
    assert [(h["oif"], dict(h["attrs"])["RTA_GATEWAY"]) for h in hops] == [(7, "2001:db8::fe")]


def test_multipath_route_from_bytes_to_route() -> None:
    """The fast route decoder and the generic one agree, and the route has both hops."""
    data = multipath_route()
    links = {3: "va", 4: "vb"}
    header, attrs = decode_route(data)
    fast = _from_header_attrs(header, attrs, links)
    generic = from_netlink(netlink.decode(data, netlink.RT_HDR, netlink.RTA), links)
    assert fast == generic
    assert fast is not None
    assert (fast.table, fast.dst, fast.protocol) == (102, "198.51.100.0/25", 242)
    assert fast.nexthops == (Nexthop("192.0.2.2", "va", 2, False), Nexthop("192.0.2.3", "vb", 1, True))
