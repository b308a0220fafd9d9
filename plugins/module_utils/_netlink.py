# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small rtnetlink dump reader: rules, routes and links, decoded with ``struct``.

Why not pyroute2 for reads: measured on this project's CI machine, dumping 5000 rules
costs 0.38 s with pyroute2 0.9.7 (0.18 s with 0.7.2) plus 0.14-0.22 s to import it,
against about 0.02 s here. Messages come back in pyroute2's shape (header fields by
pyroute2's names, ``attrs`` as (NAME, value) pairs, ``get_attr``) so the resource code
reads either; tests check this decoder against pyroute2 0.7.2 and 0.9.x on real dumps.
"""

from __future__ import annotations

import socket
import struct
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

NETLINK_ROUTE = 0
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
RTM_GETLINK = 18
RTM_GETROUTE = 26
RTM_GETRULE = 34
NLA_TYPE_MASK = 0x3FFF

_NLMSGHDR = struct.Struct("=IHHII")
_RTATTR = struct.Struct("=HH")


class Msg(Dict[str, Any]):
    """A decoded message: header fields as keys, ``attrs`` as a list of (name, value)."""

    def get_attr(self, name: str, default: Any = None) -> Any:
        for key, value in self.get("attrs", ()):
            if key == name:
                return value
        return default


def _u8(data: bytes) -> int:
    return data[0]


def _u16(data: bytes) -> int:
    return int(struct.unpack_from("=H", data)[0])


def _u32(data: bytes) -> int:
    return int(struct.unpack_from("=I", data)[0])


def _be64(data: bytes) -> int:
    return int(struct.unpack_from(">Q", data)[0])


def _addr(data: bytes) -> str:
    if len(data) == 4:
        return socket.inet_ntop(socket.AF_INET, data)
    if len(data) == 16:
        return socket.inet_ntop(socket.AF_INET6, data)
    return data.hex()


def _asciiz(data: bytes) -> str:
    return data.split(b"\0", 1)[0].decode("utf-8", "replace")


def _range16(data: bytes) -> str:
    start, end = struct.unpack_from("=HH", data)
    return f"{start}:{end}"


def _range32(data: bytes) -> str:
    start, end = struct.unpack_from("=II", data)
    return f"{start}:{end}"


def _hex(data: bytes) -> str:
    return data.hex()


def _via(data: bytes) -> Dict[str, Any]:
    family = _u16(data)
    return {"family": family, "addr": _addr(data[2:])}


AttrMap = Dict[int, Tuple[str, Callable[[bytes], Any]]]

METRICS: AttrMap = {
    1: ("RTAX_LOCK", _u32),
    2: ("RTAX_MTU", _u32),
    3: ("RTAX_WINDOW", _u32),
    4: ("RTAX_RTT", _u32),
    5: ("RTAX_RTTVAR", _u32),
    6: ("RTAX_SSTHRESH", _u32),
    7: ("RTAX_CWND", _u32),
    8: ("RTAX_ADVMSS", _u32),
    9: ("RTAX_REORDERING", _u32),
    10: ("RTAX_HOPLIMIT", _u32),
    11: ("RTAX_INITCWND", _u32),
    12: ("RTAX_FEATURES", _u32),
    13: ("RTAX_RTO_MIN", _u32),
    14: ("RTAX_INITRWND", _u32),
    15: ("RTAX_QUICKACK", _u32),
    16: ("RTAX_CC_ALGO", _asciiz),
}


def _metrics(data: bytes) -> Msg:
    return Msg(attrs=list(_attrs(data, 0, METRICS)))


_RTNEXTHOP = struct.Struct("=HBBi")


def decode_multipath(data: bytes) -> List[Msg]:
    """RTA_MULTIPATH: a list of struct rtnexthop, each followed by its own RTA attributes.

    pyroute2's shape: ``{"flags", "hops", "oif", "attrs"}`` per nexthop (weight = hops + 1).
    """
    hops: List[Msg] = []
    offset = 0
    while offset + _RTNEXTHOP.size <= len(data):
        length, flags, hops_, oif = _RTNEXTHOP.unpack_from(data, offset)
        if length < _RTNEXTHOP.size:
            break
        chunk = data[offset : offset + length]
        hops.append(Msg(flags=flags, hops=hops_, oif=oif, attrs=list(_attrs(chunk, _RTNEXTHOP.size, RTA))))
        offset += (length + 3) & ~3
    return hops


FRA: AttrMap = {
    1: ("FRA_DST", _addr),
    2: ("FRA_SRC", _addr),
    3: ("FRA_IIFNAME", _asciiz),
    4: ("FRA_GOTO", _u32),
    6: ("FRA_PRIORITY", _u32),
    10: ("FRA_FWMARK", _u32),
    11: ("FRA_FLOW", _u32),
    12: ("FRA_TUN_ID", _be64),
    13: ("FRA_SUPPRESS_IFGROUP", _u32),
    14: ("FRA_SUPPRESS_PREFIXLEN", _u32),
    15: ("FRA_TABLE", _u32),
    16: ("FRA_FWMASK", _u32),
    17: ("FRA_OIFNAME", _asciiz),
    19: ("FRA_L3MDEV", _u8),
    20: ("FRA_UID_RANGE", _range32),
    21: ("FRA_PROTOCOL", _u8),
    22: ("FRA_IP_PROTO", _u8),
    23: ("FRA_SPORT_RANGE", _range16),
    24: ("FRA_DPORT_RANGE", _range16),
}

RTA: AttrMap = {
    1: ("RTA_DST", _addr),
    2: ("RTA_SRC", _addr),
    3: ("RTA_IIF", _u32),
    4: ("RTA_OIF", _u32),
    5: ("RTA_GATEWAY", _addr),
    6: ("RTA_PRIORITY", _u32),
    7: ("RTA_PREFSRC", _addr),
    8: ("RTA_METRICS", _metrics),
    9: ("RTA_MULTIPATH", decode_multipath),
    11: ("RTA_FLOW", _u32),
    15: ("RTA_TABLE", _u32),
    16: ("RTA_MARK", _u32),
    18: ("RTA_VIA", _via),
    19: ("RTA_NEWDST", _hex),
    20: ("RTA_PREF", _u8),
    21: ("RTA_ENCAP_TYPE", _u16),
    22: ("RTA_ENCAP", _hex),
    30: ("RTA_NH_ID", _u32),
}

IFLA: AttrMap = {3: ("IFLA_IFNAME", _asciiz), 4: ("IFLA_MTU", _u32), 16: ("IFLA_OPERSTATE", _u8)}

# header layouts: (struct, field names), all 12 bytes for rules/routes, 16 for links
FIB_HDR = (
    struct.Struct("=BBBBBBBBI"),
    ("family", "dst_len", "src_len", "tos", "table", "res1", "res2", "action", "flags"),
)
RT_HDR = (
    struct.Struct("=BBBBBBBBI"),
    ("family", "dst_len", "src_len", "tos", "table", "proto", "scope", "type", "flags"),
)
IFI_HDR = (struct.Struct("=BBHiII"), ("family", "__align", "ifi_type", "index", "flags", "change"))


def _attrs(data: bytes, offset: int, amap: AttrMap) -> Iterator[Tuple[str, Any]]:
    end = len(data)
    while offset + 4 <= end:
        length, kind = _RTATTR.unpack_from(data, offset)
        if length < 4:
            break
        kind &= NLA_TYPE_MASK
        entry = amap.get(kind)
        payload = data[offset + 4 : offset + length]
        if entry is not None:
            yield entry[0], entry[1](payload)
        else:
            yield f"UNKNOWN_{kind}", payload.hex()
        offset += (length + 3) & ~3


def decode(data: bytes, header: Tuple[struct.Struct, Tuple[str, ...]], amap: AttrMap) -> Msg:
    hstruct, names = header
    msg = Msg(zip(names, hstruct.unpack_from(data, 0)))
    msg["attrs"] = list(_attrs(data, hstruct.size, amap))
    return msg


class NetlinkError(OSError):
    pass


def dump(
    sock: socket.socket,
    msg_type: int,
    header: Tuple[struct.Struct, Tuple[str, ...]],
    amap: AttrMap,
    family: int = 0,
    seq: int = 1,
    decoder: Optional[Callable[[bytes], Any]] = None,
) -> List[Any]:
    """Send one dump request and decode every reply message (with ``decoder``, if given, instead of
    the generic :func:`decode`: a reader that needs a few attributes of many messages)."""
    hstruct, names = header
    body = hstruct.pack(*([family] + [0] * (len(names) - 1)))
    request = _NLMSGHDR.pack(_NLMSGHDR.size + len(body), msg_type, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + body
    sock.send(request)
    out: List[Any] = []
    while True:
        data = sock.recv(1 << 20)
        offset = 0
        while offset + _NLMSGHDR.size <= len(data):
            length, kind, _flags, _seq, _pid = _NLMSGHDR.unpack_from(data, offset)
            if length < _NLMSGHDR.size:
                raise NetlinkError("malformed netlink message")
            if kind == NLMSG_DONE:
                return out
            if kind == NLMSG_ERROR:
                code = struct.unpack_from("=i", data, offset + _NLMSGHDR.size)[0]
                if code:
                    raise NetlinkError(-code, "netlink dump failed")
            elif decoder is not None:
                out.append(decoder(data[offset + _NLMSGHDR.size : offset + length]))
            else:
                out.append(decode(data[offset + _NLMSGHDR.size : offset + length], header, amap))
            offset += (length + 3) & ~3


def open_socket() -> socket.socket:
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    sock.bind((0, 0))
    return sock


def dump_rules(sock: socket.socket, family: int = 0) -> List[Msg]:
    return dump(sock, RTM_GETRULE, FIB_HDR, FRA, family)


def dump_routes(sock: socket.socket, family: int = 0) -> List[Msg]:
    return dump(sock, RTM_GETROUTE, RT_HDR, RTA, family)


def dump_links(sock: socket.socket) -> List[Msg]:
    return dump(sock, RTM_GETLINK, IFI_HDR, IFLA, 0)


def link_names(sock: socket.socket) -> Dict[int, Optional[str]]:
    return {m["index"]: m.get_attr("IFLA_IFNAME") for m in dump_links(sock)}
