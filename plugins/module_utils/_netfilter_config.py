# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""netfilter, config parsing: the values of tproxy_divert and conntrack_mark (task name, families, marks and masks,
ports, protocols, interface names with the documented wildcard) parsed and checked before anything is built."""

from __future__ import annotations

import grp
import pwd
import re
from typing import Any, List, Optional, Sequence, Tuple

from ansible_collections.pbr.linux.plugins.module_utils._netfilter_model import Mark, PortRange
from ansible_collections.pbr.linux.plugins.module_utils._values import (
    U32_MAX,
    PbrError,
    check_ifname,
    invalid,
    parse_int,
    parse_range,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import parse_mark as parse_mark_value

FAMILY_CHOICES = {"ipv4": ("ipv4",), "ipv6": ("ipv6",), "both": ("ipv4", "ipv6")}
PROTOCOLS = ("tcp", "udp")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,15}")


# ---------------------------------------------------------------------------- values
def check_name(value: Any) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise invalid(
            "name",
            value,
            "1 to 16 characters: lowercase letters, digits and '-', starting with a letter or digit "
            "(it names the task's chains)",
        )
    return value


def parse_families(value: Any) -> Tuple[str, ...]:
    if value not in FAMILY_CHOICES:
        raise invalid("family", value, "ipv4, ipv6 or both")
    return FAMILY_CHOICES[value]


def parse_iface(field: str, value: Any) -> str:
    """An ``in_interface``: the kernel's interface-name rule (common.check_ifname), and a trailing
    ``+`` as the documented wildcard (iptables ``-i eth+``, rendered ``iifname "eth*"`` for nft)."""
    return check_ifname(field, value, wildcard=True)


def parse_mask(field: str, value: Any) -> int:
    return parse_int(field, value, 1, U32_MAX, "a mask")


def parse_mark(field: str, value: Any, mask: Optional[int] = None, mask_field: str = "mask") -> Mark:
    """A mark 1..0xffffffff with its mask (common.parse_mark); ``'0x1/0xff'`` carries its own mask."""
    num, own_mask = parse_mark_value(field, value, lo=1)
    if own_mask is not None and mask is not None:
        raise invalid(field, value, f"a mark without '/mask' when {mask_field} is also given")
    full = own_mask if own_mask is not None else (mask if mask is not None else U32_MAX)
    if num & ~full & U32_MAX:
        raise PbrError(
            f"{field}: {num:#x} has bits outside its mask {full:#x}; expected a mark within the mask",
            field,
            value,
        )
    return (num, full)


def parse_owners(field: str, value: Any, users: bool) -> Tuple[int, ...]:
    """``skip_uids`` / ``skip_gids``: numbers 0..0xfffffffe or names, looked up on the managed host."""
    items = value if isinstance(value, list) else [value]
    what = "user" if users else "group"
    out: List[int] = []
    for i, item in enumerate(items):
        name = f"{field}[{i}]"
        if isinstance(item, str) and item and not item.strip().isdigit():
            try:
                num = pwd.getpwnam(item).pw_uid if users else grp.getgrnam(item).gr_gid
            except (KeyError, ValueError):
                raise invalid(
                    name, item, f"a {what} name of the managed host or a number from 0 to 4294967294"
                ) from None
        else:
            num = parse_int(name, item, 0, U32_MAX - 1, f"a {what} name or number")
        if num not in out:
            out.append(num)
    return tuple(out)


def parse_port(field: str, value: Any) -> int:
    return parse_int(field, value, 1, 65535, "a port")


def parse_ports(field: str, value: Any) -> Tuple[PortRange, ...]:
    """A port, a range ('1000-2000' / '1000:2000') or a list of those -> sorted, merged ranges."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise invalid(field, value, "a port, a range 'low-high' or a list of those")
    return tuple(merge_ranges([parse_range(field, item, 1, 65535, "port") for item in items]))


def merge_ranges(ranges: Sequence[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """Sort and merge overlapping or adjacent integer ranges (as nft does in a set)."""
    out: List[Tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def family_name(net: Any) -> str:
    return "ipv4" if net.version == 4 else "ipv6"


def check_family(field: str, value: Any, net: Any, families: Sequence[str]) -> str:
    fam = family_name(net)
    if fam not in families:
        raise PbrError(
            f"{field}: {value!r} is {fam} but family is {'/'.join(families)}; expected an {families[0]} "
            "address (or family: both)",
            field,
            value,
        )
    return fam


def parse_protocols(field: str, value: Any) -> Tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out: List[str] = []
    for item in items:
        if not isinstance(item, str) or item.strip().lower() not in PROTOCOLS:
            raise invalid(field, item, "tcp, udp or a list of them")
        if item.strip().lower() not in out:
            out.append(item.strip().lower())
    if not out:
        raise invalid(field, value, "tcp, udp or a list of them")
    return tuple(p for p in PROTOCOLS if p in out)
