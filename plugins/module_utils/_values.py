# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared vocabulary of the pbr.linux engine: errors, constants, value checks.

Private to the collection: modules and other module_utils import it, users do not.
Every check raises :class:`PbrError` with a message that names the field, the value
and what was expected, so a module can fail the task before touching the host.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import Any, Optional, Tuple, Union

# The protocol number our rules and routes carry (FRA_PROTOCOL / rtm_protocol).
# 242 is unassigned in the kernel's rtnetlink.h and in iproute2's rt_protos.
PBR_PROTO = 242
PBR_PROTO_NAME = "pbr"
PBR_FILE_STEM = "pbr-linux"

U32_MAX = 0xFFFFFFFF
IFNAMSIZ = 16  # includes the trailing NUL: names are at most 15 characters

FAMILIES = {"ipv4": 2, "ipv6": 10}
FAMILY_NAMES = {2: "ipv4", 10: "ipv6"}

# rtm_protocol numbers iproute2 knows without a file (lib/rt_names.c)
BUILTIN_PROTOS = {
    0: "unspec",
    1: "redirect",
    2: "kernel",
    3: "boot",
    4: "static",
    8: "gated",
    9: "ra",
    10: "mrt",
    11: "zebra",
    12: "bird",
    13: "dnrouted",
    14: "xorp",
    15: "ntk",
    16: "dhcp",
    18: "keepalived",
    42: "babel",
    99: "openr",
    186: "bgp",
    187: "isis",
    188: "ospf",
    189: "rip",
    192: "eigrp",
    PBR_PROTO: PBR_PROTO_NAME,
}

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


class PbrError(Exception):
    """A problem the user can fix: bad input, a missing object, a refused change."""

    def __init__(self, msg: str, field: Optional[str] = None, value: Any = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.field = field
        self.value = value


def invalid(field: str, value: Any, expected: str) -> PbrError:
    """Build the standard error: ``field: 'value' is not valid; expected ...``."""
    return PbrError(f"{field}: {value!r} is not valid; expected {expected}", field, value)


def proto_name(number: int) -> str:
    return BUILTIN_PROTOS.get(number, str(number))


def parse_int(field: str, value: Any, lo: int, hi: int, what: str = "an integer") -> int:
    """Accept ints and decimal/hex strings; enforce lo..hi inclusive."""
    if isinstance(value, bool):
        raise invalid(field, value, f"{what} from {lo} to {hi}")
    if isinstance(value, int):
        num = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            num = int(text, 16) if text.lower().startswith("0x") else int(text, 10)
        except ValueError:
            raise invalid(field, value, f"{what} from {lo} to {hi} (decimal or 0x hex)") from None
    else:
        raise invalid(field, value, f"{what} from {lo} to {hi}")
    if not lo <= num <= hi:
        raise invalid(field, value, f"{what} from {lo} to {hi}")
    return num


AF = {2: socket.AF_INET, 10: socket.AF_INET6}
PREFIX_EXPECTED = "an IPv4 or IPv6 prefix in CIDR notation, such as 192.0.2.0/24"


def pton(text: str) -> Optional[Tuple[int, bytes]]:
    """(family, packed address) of an IPv4 or IPv6 address in text form, or None."""
    for family in (2, 10) if ":" not in text else (10,):
        try:
            return family, socket.inet_pton(AF[family], text)
        except (OSError, ValueError):
            pass
    return None


def parse_prefix(
    field: str, value: Any, keep_host_bits: bool = False, expected: str = PREFIX_EXPECTED
) -> Tuple[int, str, int]:
    """THE prefix parser: CIDR text (a bare address is a host prefix) -> (family, address, length).

    The address is written as ``inet_ntop`` writes it (how the kernel, _netlink.py and pyroute2 report
    it). Host bits are refused unless ``keep_host_bits`` (RPDB rules: the kernel keeps them as written
    and matches under the mask); routes and netfilter prefixes must be network addresses. No IPv6
    ``%zone`` suffix: ip and the kernel do not take one.
    """
    if not isinstance(value, str):
        raise invalid(field, value, expected)
    addr, sep, plen_text = value.strip().partition("/")
    parsed = pton(addr) if "%" not in addr else None
    if parsed is None:
        raise invalid(field, value, expected)
    family, packed = parsed
    maxlen = 32 if family == 2 else 128
    if not sep:
        plen = maxlen
    elif plen_text.isdigit() and plen_text.isascii() and int(plen_text) <= maxlen:
        plen = int(plen_text)
    else:
        raise invalid(field, value, f"a prefix length from 0 to {maxlen} after the '/' ({expected})")
    host_bits = (1 << (maxlen - plen)) - 1
    num = int.from_bytes(packed, "big")
    if num & host_bits and not keep_host_bits:
        net = socket.inet_ntop(AF[family], (num & ~host_bits).to_bytes(maxlen // 8, "big"))
        raise PbrError(f"{field}: {value!r} has host bits set; expected the network address {net}/{plen}", field, value)
    return family, socket.inet_ntop(AF[family], packed), plen


def parse_network(field: str, value: Any) -> Network:
    """A prefix, host bits clear, as an ``ipaddress`` network (see :func:`parse_prefix`)."""
    _family, addr, plen = parse_prefix(field, value)
    return ipaddress.ip_network(f"{addr}/{plen}")


Interface = Union[ipaddress.IPv4Interface, ipaddress.IPv6Interface]


def parse_prefix_as_written(field: str, value: Any) -> Interface:
    """A prefix that may have host bits set (``198.51.100.58/26``), kept as written (RPDB rules).

    The kernel stores a rule's address as given and matches under the mask, so
    ``from 198.51.100.58/26`` and ``from 198.51.100.0/26`` select the same packets. Routes do not
    (use :func:`parse_network`).
    """
    _family, addr, plen = parse_prefix(field, value, keep_host_bits=True)
    return ipaddress.ip_interface(f"{addr}/{plen}")


def parse_address_text(field: str, value: Any) -> Tuple[int, str]:
    """THE address parser: (family, address as ``inet_ntop`` writes it); no prefix length, no %zone."""
    parsed = pton(value.strip()) if isinstance(value, str) and "%" not in value else None
    if parsed is None:
        raise invalid(field, value, "an IPv4 or IPv6 address (no prefix length, no %zone suffix)")
    return parsed[0], socket.inet_ntop(AF[parsed[0]], parsed[1])


def parse_address(field: str, value: Any) -> Union[ipaddress.IPv4Address, ipaddress.IPv6Address]:
    """An address as an ``ipaddress`` object (see :func:`parse_address_text`)."""
    return ipaddress.ip_address(parse_address_text(field, value)[1])


def parse_bool(field: str, value: Any, words: bool = True) -> bool:
    """true/false; with ``words`` also yes/no/true/false strings (an option of type raw)."""
    if isinstance(value, bool):
        return value
    if words and isinstance(value, str) and value.strip().lower() in ("yes", "true", "no", "false"):
        return value.strip().lower() in ("yes", "true")
    raise invalid(field, value, "true or false")


def parse_tos(field: str, value: Any, ipv4_rule: bool = False) -> int:
    """A TOS/DSCP byte with the ECN bits clear; an IPv4 rule takes only the 0x1c bits (the kernel's limit)."""
    tos = parse_int(field, value, 0, 255, "a TOS/DSCP byte")
    if tos & 0x3:
        raise invalid(field, value, "a TOS/DSCP byte with the two ECN bits clear (a multiple of 4, 0 to 0xfc)")
    if ipv4_rule and tos & ~0x1C:
        raise invalid(field, value, "an IPv4 TOS value of 0x4, 0x8, 0x10 or their sums (the kernel allows only 0x1c)")
    return tos


def parse_mark(field: str, value: Any, lo: int = 0) -> Tuple[int, Optional[int]]:
    """THE mark parser: a number (decimal or 0x hex) from ``lo``, or ``MARK/MASK`` -> (mark, mask or None)."""
    if isinstance(value, str) and "/" in value:
        text, _slash, mask_text = value.partition("/")
        return parse_int(field, text, lo, U32_MAX, "a mark"), parse_int(
            field, mask_text, lo, U32_MAX, "a mask after '/'"
        )
    return parse_int(field, value, lo, U32_MAX, "a mark"), None


# The kernel's dev_valid_name(): 1 to 15 bytes, not "." or "..", no '/', ':' or isspace() byte (its
# ctype counts Latin-1 NBSP, 0xa0, as space: a UTF-8 name with that byte is refused too).
_KERNEL_BAD_BYTES = frozenset(b"/: \t\n\v\f\r\xa0")
# What the tools we drive cannot carry although the kernel takes it: control characters (a newline
# splits an `ip -batch` or `iptables-restore` line), '#' (starts a comment in `ip -batch`, even in
# quotes), '"' and '\\' (quote and escape characters of `ip -batch`, nft strings and iptables-restore).
_TOOL_BAD_BYTES = frozenset(range(0x20)) | {0x7F} | frozenset(b'#"\\')
IFNAME_RULE = (
    "an interface name of 1 to 15 bytes without whitespace, control characters, '/', ':', '#', '\"' or "
    "'\\', and not '.' or '..'"
)
IFNAME_WILDCARD_RULE = IFNAME_RULE + "; a trailing '+' matches every interface whose name starts with the rest"


def check_ifname(field: str, value: Any, wildcard: bool = False) -> str:
    """The one interface-name check of every module: the kernel's rule (dev_valid_name) plus the
    characters our tools cannot carry. ``wildcard``: the option documents a trailing ``+`` as a
    prefix match (iptables ``-i eth+``, nft ``iifname "eth*"``); the rest must then be a valid prefix."""
    expected = IFNAME_WILDCARD_RULE if wildcard else IFNAME_RULE
    if not isinstance(value, str) or not value:
        raise invalid(field, value, expected)
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no name the kernel could hold
        raise invalid(field, value, expected) from None
    if len(raw) >= IFNAMSIZ:
        raise invalid(field, value, f"an interface name of at most {IFNAMSIZ - 1} bytes ({len(raw)} given)")
    stem = raw[:-1] if wildcard and raw.endswith(b"+") else raw
    if not stem or value in (".", "..") or any(b in _KERNEL_BAD_BYTES or b in _TOOL_BAD_BYTES for b in raw):
        raise invalid(field, value, expected)
    return value


def is_wildcard(name: str) -> bool:
    """An interface option's value that means a prefix match (see :func:`check_ifname`)."""
    return name.endswith("+")


def parse_range(field: str, value: Any, lo: int, hi: int, what: str) -> Tuple[int, int]:
    """A single number or 'a-b' / 'a:b' (or a two-item list); a <= b."""
    expected = f"a {what} from {lo} to {hi}, or a range 'low-high'"
    if isinstance(value, (list, tuple)) and len(value) == 2:
        first, last = value
    elif isinstance(value, int) and not isinstance(value, bool):
        first = last = value
    elif isinstance(value, str):
        parts = re.split(r"[-:]", value.strip())
        if len(parts) == 1:
            first = last = parts[0]
        elif len(parts) == 2:
            first, last = parts
        else:
            raise invalid(field, value, expected)
    else:
        raise invalid(field, value, expected)
    try:
        a = parse_int(field, first, lo, hi, what)
        b = parse_int(field, last, lo, hi, what)
    except PbrError:
        raise invalid(field, value, expected) from None
    if a > b:
        raise PbrError(f"{field}: {value!r} is a reversed range; expected low-high with low <= high", field, value)
    return (a, b)


def family_of(net: Any) -> int:
    return 2 if net.version == 4 else 10
