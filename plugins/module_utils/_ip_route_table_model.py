# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ip_route_table, the model: Route and Nexthop as normalised objects, route types, scopes and the
kernel's defaults (IPv6 metric 1024, iproute2's default scope)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import Any, Optional, Tuple, Union

from ansible_collections.pbr.linux.plugins.module_utils._values import (
    PBR_PROTO,
)

TableRef = Union[int, str]

ROUTE_TYPES = {
    "unspec": 0,
    "unicast": 1,
    "local": 2,
    "broadcast": 3,
    "anycast": 4,
    "multicast": 5,
    "blackhole": 6,
    "unreachable": 7,
    "prohibit": 8,
    "throw": 9,
    "nat": 10,
    "xresolve": 11,
}
TYPE_NAMES = {v: k for k, v in ROUTE_TYPES.items()}
# what a config may ask for (the kernel refuses nat/xresolve/unspec routes)
CONFIG_TYPES = (
    "unicast",
    "local",
    "blackhole",
    "unreachable",
    "prohibit",
    "throw",
    "broadcast",
    "anycast",
    "multicast",
)
REJECT_TYPES = frozenset(("blackhole", "unreachable", "prohibit", "throw"))
LOCAL_TYPES = frozenset(("local", "broadcast", "anycast", "multicast"))
SCOPES = {"global": 0, "universe": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}
SCOPE_NAMES = {0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"}
IPV6_DEFAULT_METRIC = 1024
RTNH_F_ONLINK = 0x4
RTM_F_CLONED = 0x200
MTU_MAX = 65535 - 15  # the kernel clamps larger RTAX_MTU values to this
ADVMSS_MAX = 65535 - 40  # ... and RTAX_ADVMSS values to this
FIELDS = ("dst", "family", "type", "tos", "via", "dev", "src", "metric", "scope", "onlink", "mtu", "advmss", "nexthops")
NEXTHOP_FIELDS = ("via", "dev", "weight", "onlink")
IGNORED_FIELDS = ("owner",)


@dataclass(frozen=True)
class Nexthop:
    """One path of a multipath route."""

    via: Optional[str] = None
    dev: Optional[str] = None
    weight: int = 1
    onlink: bool = False


@dataclass(frozen=True)
class Route:
    """One route, normalised: dst as a CIDR network, addresses compressed, kernel defaults filled in."""

    table: TableRef
    family: int
    dst: str
    type: str = "unicast"
    tos: int = 0
    metric: int = 0
    via: Optional[str] = None
    dev: Optional[str] = None
    src: Optional[str] = None
    scope: int = 0
    onlink: bool = False
    mtu: Optional[int] = None
    advmss: Optional[int] = None
    nexthops: Tuple[Nexthop, ...] = ()
    protocol: int = PBR_PROTO

    def identity(self) -> Tuple[Any, ...]:
        """Everything but the protocol: equal identity = the same route, whoever added it."""
        return (
            self.table,
            self.family,
            self.dst,
            self.type,
            self.tos,
            self.metric,
            self.via,
            self.dev,
            self.src,
            self.scope,
            self.onlink,
            self.mtu,
            self.advmss,
            self.nexthops,
        )

    def slot(self) -> Tuple[Any, ...]:
        """What the kernel keys a route on: (table, family, dst, metric, tos)."""
        return (self.table, self.family, self.dst, self.metric, self.tos)


_ROUTE_DEFAULTS = {f.name: f.default for f in dataclass_fields(Route)}


def _route(**values: Any) -> Route:
    """Route(**values) for the hot read path: the frozen dataclass's __init__ sets each field through
    object.__setattr__, which costs more than the rest of decoding a route."""
    new = object.__new__(Route)
    new.__dict__.update(_ROUTE_DEFAULTS)
    new.__dict__.update(values)
    return new


def default_scope(family: int, rtype: str, has_gateway: bool) -> int:
    """The scope ``ip route add`` sends when none is given (iproute2 iproute.c)."""
    if family != 2:
        return 0
    if rtype in ("local", "nat"):
        return SCOPES["host"]
    if rtype in ("broadcast", "multicast", "anycast"):
        return SCOPES["link"]
    if rtype == "unicast" and not has_gateway:
        return SCOPES["link"]
    return 0


def default_metric(family: int) -> int:
    return IPV6_DEFAULT_METRIC if family == 10 else 0
