# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Routes inside routing tables: parse, normalise, render, read; plugged into the engine.

One normalisation for every source: a config entry (:func:`normalise`), a line of
``ip route show`` / ``ip route add`` (:func:`parse_line`) and a netlink message (_netlink.py's
decoder or a pyroute2 rtmsg, :func:`from_netlink`) all become the same :class:`Route`, with the
kernel's defaults filled in (IPv6 metric 1024, iproute2's default scope), so desired and
read-back routes compare equal when the kernel holds what was asked.
"""

from __future__ import annotations

import re
import shlex
import socket
import struct
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from typing import Any, Callable, Dict, Hashable, Iterable, List, Optional, Sequence, Set, Tuple, Union

from ansible_collections.pbr.linux.plugins.module_utils import _netlink as netlink
from ansible_collections.pbr.linux.plugins.module_utils._engine import Kind
from ansible_collections.pbr.linux.plugins.module_utils._host import Host, etc_root
from ansible_collections.pbr.linux.plugins.module_utils._iproute2 import (
    BUILTIN_IDS,
    TableNames,
    dsfield_names,
    proto_names,
    proto_number,
    resolve_table,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import (
    AF as _AF,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import (
    FAMILIES,
    FAMILY_NAMES,
    PBR_PROTO,
    U32_MAX,
    PbrError,
    check_ifname,
    invalid,
    parse_address_text,
    parse_bool,
    parse_int,
    parse_prefix,
    parse_tos,
    proto_name,
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


# ---------------------------------------------------------------------------- normalise


_PREFIX_EXPECTED = "a prefix in CIDR notation (such as 198.51.100.0/24 or 2001:db8::/32) or 'default'"


def _network(field: str, value: Any) -> Optional[Tuple[int, str]]:
    """A route destination: 'default' (None: its family comes from the rest of the route) or a
    prefix with host bits clear -> (family, canonical CIDR) (common.parse_prefix)."""
    if isinstance(value, str) and value.strip() == "default":
        return None
    family, addr, plen = parse_prefix(field, value, expected=_PREFIX_EXPECTED)
    return family, f"{addr}/{plen}"


def _scope(field: str, value: Any) -> int:
    if isinstance(value, str) and value.strip() in SCOPES:
        return SCOPES[value.strip()]
    return parse_int(field, value, 0, 255, "a scope: global, site, link, host, nowhere or a number from 0 to 255")


def _check_fields(entry: Any, where: str, allowed: Sequence[str]) -> None:
    if not isinstance(entry, dict):
        raise invalid(where, entry, "a dictionary of route fields")
    unknown = sorted(k for k, v in entry.items() if v is not None and k not in allowed and k not in IGNORED_FIELDS)
    if unknown:
        raise PbrError(f"{where}: unknown field(s) {unknown}; expected some of {list(allowed)}", where, entry)


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _family_clash(field: str, value: Any, fam: int, family: int, given: bool) -> PbrError:
    why = "" if given else " (from its other addresses)"
    return PbrError(
        f"{field}: {value!r} is {FAMILY_NAMES[fam]} but the route is {FAMILY_NAMES[family]}{why}; "
        "expected addresses of the route's family",
        field,
        value,
    )


def normalise(entry: Dict[str, Any], where: str, table: TableRef, fields: Optional[Dict[str, str]] = None) -> Route:
    """Validate one route entry (``where`` = ``config[N].routes[M]``) of table ``table``; return its Route.

    ``fields`` names the source of fields that did not come from the entry itself (a table's
    ``defaults``, a prefix of ``prefixes``), for error messages.
    """
    _check_fields(entry, where, FIELDS)
    names = fields or {}

    def f(name: str) -> str:
        return names.get(name) or f"{where}.{name}"

    def given(name: str) -> bool:
        return entry.get(name) is not None

    family: Optional[int] = None
    fam_given = given("family")
    if fam_given:
        if entry["family"] not in FAMILIES:
            raise invalid(f("family"), entry["family"], "ipv4 or ipv6")
        family = FAMILIES[entry["family"]]

    if not given("dst"):
        raise PbrError(f"{f('dst')}: required; expected a prefix in CIDR notation or 'default'", f("dst"), None)
    net = _network(f("dst"), entry["dst"])
    if net is not None:
        fam = net[0]
        if family is not None and fam != family:
            raise _family_clash(f("dst"), entry["dst"], fam, family, fam_given)
        family = fam

    rtype = entry.get("type") or "unicast"
    if rtype not in CONFIG_TYPES:
        raise invalid(f("type"), rtype, "one of " + ", ".join(CONFIG_TYPES))

    addrs: Dict[str, str] = {}
    for name in ("via", "src"):
        if given(name):
            fam, text = parse_address_text(f(name), entry[name])
            if family is not None and fam != family:
                raise _family_clash(f(name), entry[name], fam, family, fam_given or net is not None)
            family = fam
            addrs[name] = text

    hops: List[Nexthop] = []
    if given("nexthops"):
        raw_hops = entry["nexthops"]
        if not isinstance(raw_hops, list) or not raw_hops:
            raise invalid(f("nexthops"), raw_hops, "a non-empty list of {via, dev, weight, onlink}")
        for n, hop in enumerate(raw_hops):
            hw = f(f"nexthops[{n}]")
            _check_fields(hop, hw, NEXTHOP_FIELDS)
            via = None
            if hop.get("via") is not None:
                fam, via = parse_address_text(f"{hw}.via", hop["via"])
                if family is not None and fam != family:
                    raise _family_clash(f"{hw}.via", hop["via"], fam, family, True)
                family = fam
            dev = check_ifname(f"{hw}.dev", hop["dev"]) if hop.get("dev") is not None else None
            if via is None and dev is None:
                raise PbrError(f"{hw}: needs via, dev or both; expected a gateway or a device", hw, hop)
            weight = parse_int(f"{hw}.weight", hop["weight"], 1, 256, "a weight") if hop.get("weight") else 1
            onlink = parse_bool(f"{hw}.onlink", hop["onlink"]) if hop.get("onlink") is not None else False
            if onlink and via is None:
                raise invalid(f"{hw}.onlink", hop["onlink"], "onlink only together with via")
            hops.append(Nexthop(via, dev, weight, onlink))
    if family is None:
        family = FAMILIES["ipv4"]
    dst = net[1] if net is not None else ("0.0.0.0/0" if family == 2 else "::/0")

    dev = check_ifname(f("dev"), entry["dev"]) if given("dev") else None
    via = addrs.get("via")
    if rtype in REJECT_TYPES:
        for name in ("via", "dev", "src", "nexthops"):
            if given(name):
                raise invalid(f(name), entry[name], f"nothing: {_a(rtype)} route has no {name}")
    if rtype != "unicast":
        for name in ("via", "nexthops", "onlink"):
            if given(name) and not (name == "onlink" and entry[name] is False):
                raise invalid(f(name), entry[name], f"no {name} on {_a(rtype)} route (only on unicast routes)")
    if rtype in LOCAL_TYPES and dev is None:
        raise PbrError(
            f"{f('dev')}: required for {_a(rtype)} route; expected a device (lo for local routes)", f("dev"), None
        )
    if hops and (via is not None or dev is not None):
        name = "via" if via is not None else "dev"
        raise invalid(f(name), entry[name], "either nexthops or a single via/dev, not both")
    if rtype == "unicast" and via is None and dev is None and not hops:
        raise PbrError(
            f"{where}: the unicast route to {entry['dst']!r} needs via, dev or nexthops; expected a gateway or a "
            "device",
            where,
            entry,
        )

    onlink = parse_bool(f("onlink"), entry["onlink"]) if given("onlink") else False
    if onlink and via is None:
        raise invalid(f("onlink"), entry["onlink"], "onlink only together with via")

    tos = 0
    if given("tos"):
        if family != 2:
            raise invalid(f("tos"), entry["tos"], "no tos on an IPv6 route (IPv4 only)")
        tos = parse_tos(f("tos"), entry["tos"])

    metric = parse_int(f("metric"), entry["metric"], 0, U32_MAX, "a metric") if given("metric") else 0
    if family == 10 and metric == 0:
        metric = IPV6_DEFAULT_METRIC  # what the kernel stores for "no metric" and for metric 0

    scope = default_scope(family, rtype, via is not None or bool(hops))
    if given("scope"):
        asked = _scope(f("scope"), entry["scope"])
        if family == 10 and asked != 0:
            raise invalid(f("scope"), entry["scope"], "global or nothing for an IPv6 route (the kernel ignores it)")
        scope = asked

    mtu = advmss = None
    if given("mtu"):
        mtu = parse_int(f("mtu"), entry["mtu"], 68 if family == 2 else 1280, MTU_MAX, "an MTU")
    if given("advmss"):
        advmss = parse_int(f("advmss"), entry["advmss"], 1, ADVMSS_MAX, "an MSS")

    return Route(
        table=table,
        family=family,
        dst=dst,
        type=rtype,
        tos=tos,
        metric=metric,
        via=via,
        dev=dev,
        src=addrs.get("src"),
        scope=scope,
        onlink=onlink,
        mtu=mtu,
        advmss=advmss,
        nexthops=tuple(hops),
    )


GROUP_FIELDS = ("table", "routes", "defaults", "prefixes")


def _prefix_list(field: str, value: Any) -> List[str]:
    """``prefixes``: a list of prefixes, or text with one or more per line (``#`` starts a comment)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [word for line in value.splitlines() for word in line.split("#", 1)[0].replace(",", " ").split()]
    if isinstance(value, list):
        for k, item in enumerate(value):
            if not isinstance(item, str):
                raise invalid(f"{field}[{k}]", item, _PREFIX_EXPECTED)
        return value
    raise invalid(field, value, "a list of prefixes, or text with one prefix per line")


def _normalise_cached(
    entry: Dict[str, Any], where: str, table: TableRef, fields: Dict[str, str], cache: Dict[Any, Route]
) -> Route:
    """normalise(), computed once per shape: entries that differ only in dst share everything else.

    Safe because a Route depends on dst only through dst itself and its family (both taken here).
    """
    dst = entry.get("dst")
    try:
        rest = tuple(sorted(((k, v) for k, v in entry.items() if k != "dst" and v is not None), key=lambda kv: kv[0]))
        hash(rest)
    except TypeError:  # lists (nexthops) are not hashable: no sharing
        return normalise(entry, where, table, fields)
    if not isinstance(dst, str) or dst.strip() == "default":
        return normalise(entry, where, table, fields)
    net = _network(fields.get("dst") or f"{where}.dst", dst)
    return _from_template(cache, (rest, net[0] if net else None), net, entry, where, table, fields)


def _from_template(
    cache: Dict[Any, Route],
    key: Any,
    net: Any,
    entry: Dict[str, Any],
    where: str,
    table: TableRef,
    fields: Dict[str, str],
) -> Route:
    template = cache.get(key)
    if template is None:
        template = cache[key] = normalise(entry, where, table, fields)
        return template
    return _with_dst(template, net[1])


def _with_dst(route: Route, dst: str) -> Route:
    """A copy of ``route`` with another dst (what dataclasses.replace does, without re-validating: 10x faster)."""
    new = object.__new__(Route)
    new.__dict__.update(route.__dict__)
    new.__dict__["dst"] = dst
    new.__dict__.pop("_sort_key", None)
    return new


def from_config(
    config: Sequence[Dict[str, Any]], tables: Optional[TableNames], where_of: Optional[Dict[int, str]] = None
) -> Tuple[List[Route], List[TableRef]]:
    """The config list -> (routes, the tables named without any route).

    Each entry: ``table``, ``routes`` (route dicts), ``prefixes`` (destinations only, as a list or
    text) and ``defaults`` (fields every route and prefix of the entry gets unless it sets them).
    ``where_of``, when given, receives ``id(route) -> 'config[N].routes[M]'`` for error messages.
    """
    routes: List[Route] = []
    named: List[TableRef] = []
    for n, group in enumerate(config):
        where = f"config[{n}]"
        if not isinstance(group, dict):
            raise invalid(where, group, "a dictionary with table and routes")
        _check_fields(group, where, GROUP_FIELDS)
        table = resolve_table(f"{where}.table", group.get("table"), tables)
        raw_defaults = group.get("defaults") or {}
        _check_fields(raw_defaults, f"{where}.defaults", FIELDS)
        defaults = {k: v for k, v in raw_defaults.items() if v is not None and k not in IGNORED_FIELDS}
        if "dst" in defaults:
            raise invalid(f"{where}.defaults.dst", defaults["dst"], "no dst in defaults (list routes or prefixes)")
        from_defaults = {k: f"{where}.defaults.{k}" for k in defaults}
        entries = group.get("routes") or []
        if not isinstance(entries, list):
            raise invalid(f"{where}.routes", entries, "a list of routes")
        prefixes = _prefix_list(f"{where}.prefixes", group.get("prefixes"))
        if not entries and not prefixes:
            named.append(table)
        cache: Dict[Any, Route] = {}
        for m, entry in enumerate(entries):
            w = f"{where}.routes[{m}]"
            _check_fields(entry, w, FIELDS)
            own = {k: v for k, v in entry.items() if v is not None}
            merged = dict(defaults, **own) if defaults else own
            route = _normalise_cached(merged, w, table, {k: v for k, v in from_defaults.items() if k not in own}, cache)
            routes.append(route)
            if where_of is not None:
                where_of[id(route)] = w
        rest = ("prefixes", tuple(sorted(defaults.items(), key=lambda kv: kv[0]))) if prefixes else None
        for k, prefix in enumerate(prefixes):
            net = _network(f"{where}.prefixes[{k}]", prefix)
            template = cache.get((rest, net[0])) if net else None
            if template is not None and net is not None:
                route = _with_dst(template, net[1])
            else:
                fields = dict(from_defaults, dst=f"{where}.prefixes[{k}]")
                route = normalise(dict(defaults, dst=prefix), f"{where}.defaults", table, fields)
                if net is not None:
                    cache[(rest, net[0])] = route
            routes.append(route)
            if where_of is not None:
                where_of[id(route)] = f"{where}.defaults"
    return routes, named


# ---------------------------------------------------------------------------- render
def dst_text(route: Route) -> str:
    """The destination as ``ip route show`` prints it: 'default', a bare host address or a prefix."""
    addr, _sep, plen = route.dst.partition("/")
    if plen == "0":
        return "default"
    if plen == ("32" if route.family == 2 else "128"):
        return addr
    return route.dst


def _via_words(family: int, via: str) -> List[str]:
    if (":" in via) != (family == 10):
        return ["via", "inet6" if ":" in via else "inet", via]
    return ["via", via]


def _hop_words(route: Route, hop: Nexthop, show: bool) -> List[str]:
    words = ["nexthop"]
    if hop.via:
        words += _via_words(route.family, hop.via)
    if hop.dev:
        words += ["dev", hop.dev]
    if show or hop.weight != 1:
        words += ["weight", str(hop.weight)]
    if hop.onlink:
        words.append("onlink")
    return words


def render_argv(route: Route, verb: str = "add") -> List[str]:
    """``ip`` arguments, e.g. ['-4', 'route', 'add', 'local', '0.0.0.0/0', 'dev', 'lo', 'table', '100', ...].

    Deletes carry the full identity (type, scope, metric, every attribute), because the
    kernel treats an attribute left out of a delete as a wildcard.
    """
    full = verb == "del"
    argv = ["-6" if route.family == 10 else "-4", "route", verb]
    if route.type != "unicast" or full:
        argv.append(route.type)
    argv.append(route.dst)
    if route.tos:
        argv += ["tos", f"{route.tos:#04x}"]
    if route.via:
        argv += _via_words(route.family, route.via)
    if route.dev:
        argv += ["dev", route.dev]
    argv += ["table", str(route.table), "proto", str(route.protocol)]
    if route.family == 2 and (full or route.scope != default_scope(2, route.type, bool(route.via or route.nexthops))):
        argv += ["scope", SCOPE_NAMES.get(route.scope, str(route.scope))]
    if route.src:
        argv += ["src", route.src]
    if full or route.metric != default_metric(route.family):
        argv += ["metric", str(route.metric)]
    if route.onlink:
        argv.append("onlink")
    if route.mtu is not None:
        argv += ["mtu", str(route.mtu)]
    if route.advmss is not None:
        argv += ["advmss", str(route.advmss)]
    for hop in route.nexthops:
        argv += _hop_words(route, hop, False)
    return argv


def render_show(route: Route, protos: Optional[Dict[int, str]] = None) -> str:
    """What ``ip [-6] route show table N`` prints for this route (without trailing blanks)."""
    words: List[str] = []
    if route.type != "unicast":
        words.append(route.type)
    words.append(dst_text(route))
    if route.tos:
        words += ["tos", f"{route.tos:#04x}"]
    if route.via:
        words += _via_words(route.family, route.via)
    dev = route.dev
    if dev is None and route.family == 10 and route.type in REJECT_TYPES:
        dev = "lo"  # the kernel puts IPv6 reject routes on lo
    if dev:
        words += ["dev", dev]
    if route.protocol != 3:  # ip omits "proto boot"
        words += ["proto", (protos or {}).get(route.protocol) or proto_name(route.protocol)]
    if route.scope:
        words += ["scope", SCOPE_NAMES.get(route.scope, str(route.scope))]
    if route.src:
        words += ["src", route.src]
    if route.metric or route.family == 10:
        words += ["metric", str(route.metric)]
    if route.onlink:
        words.append("onlink")
    if route.mtu is not None:
        words += ["mtu", str(route.mtu)]
    if route.advmss is not None:
        words += ["advmss", str(route.advmss)]
    if route.family == 10:
        words += ["pref", "medium"]
    line = " ".join(words)
    for hop in route.nexthops:
        line += "\n\t" + " ".join(_hop_words(route, hop, True))
    return line


def to_config(route: Route) -> Dict[str, Any]:
    """One route as a ``routes`` entry (kernel defaults left out; ``owner`` added by the Kind)."""
    out: Dict[str, Any] = {
        "dst": "default" if route.dst.endswith("/0") else route.dst,
        "family": FAMILY_NAMES.get(route.family, str(route.family)),
    }
    if route.type != "unicast":
        out["type"] = route.type
    if route.tos:
        out["tos"] = f"{route.tos:#04x}"
    for name in ("via", "dev", "src"):
        value = getattr(route, name)
        if value is not None:
            out[name] = value
    if route.metric != default_metric(route.family):
        out["metric"] = route.metric
    if route.scope != default_scope(route.family, route.type, bool(route.via or route.nexthops)):
        out["scope"] = SCOPE_NAMES.get(route.scope, route.scope)
    if route.onlink:
        out["onlink"] = True
    if route.mtu is not None:
        out["mtu"] = route.mtu
    if route.advmss is not None:
        out["advmss"] = route.advmss
    if route.nexthops:
        hops = []
        for hop in route.nexthops:
            item: Dict[str, Any] = {}
            if hop.via:
                item["via"] = hop.via
            if hop.dev:
                item["dev"] = hop.dev
            if hop.weight != 1:
                item["weight"] = hop.weight
            if hop.onlink:
                item["onlink"] = True
            hops.append(item)
        out["nexthops"] = hops
    return out


def to_config_list(routes: Iterable[Route], owner: Any = None) -> List[Dict[str, Any]]:
    """Routes grouped by table, in first-seen table order: ``[{table, routes: [...]}, ...]``."""
    groups: Dict[TableRef, List[Dict[str, Any]]] = {}
    for route in routes:
        entry = to_config(route)
        if owner is not None:
            entry["owner"] = owner(route.protocol)
        groups.setdefault(route.table, []).append(entry)
    return [{"table": table, "routes": entries} for table, entries in groups.items()]


# ---------------------------------------------------------------------------- parse
_HEADING = re.compile(
    r"^\s*#?\s*(?:ip\s+(?:(-4|-6)\s+)?(?:-\S+\s+)*r(?:o(?:ute?)?)?\s+(?:show|list|ls|lst)\s+)?table\s+(\S+)\s*$"
)
_FLAG_WORDS = {
    "linkdown",
    "dead",
    "pervasive",
    "offload",
    "trap",
    "notify",
    "unresolved",
    "rt_offload",
    "rt_trap",
    "rt_offload_failed",
    "offload_failed",
    "cache",
}
_VALUE_SKIP = {
    "expires",
    "error",
    "pref",
    "realm",
    "realms",
    "hoplimit",
    "window",
    "rtt",
    "rttvar",
    "ssthresh",
    "cwnd",
    "initcwnd",
    "initrwnd",
    "quickack",
    "congctl",
    "features",
    "reordering",
    "rto_min",
    "fastopen_no_cookie",
    "used",
    "age",
    "users",
}


def _table_word(text: str) -> TableRef:
    if text in BUILTIN_IDS:
        return BUILTIN_IDS[text]
    return int(text, 0) if re.fullmatch(r"0x[0-9a-fA-F]+|\d+", text) else text


_DSFIELD: Dict[str, int] = {}


def _dsfield(word: str) -> Any:
    if not _DSFIELD:
        _DSFIELD.update(dsfield_names())
    return _DSFIELD.get(word, word)


def parse_line(line: str, table: Optional[TableRef] = None, family: Optional[int] = None) -> Optional[Route]:
    """One route of ``ip route show`` output (nexthop lines included) or an ``ip route add`` command.

    A line starting with ``ip route add`` / ``route add`` (or replace, append, ...) is read as the
    command: what it leaves out takes iproute2's defaults (scope link for a route without gateway,
    IPv6 metric 1024). Any other line is read as ``ip route show`` prints routes: a scope or metric
    it does not print is global / 0, as ``ip`` prints every other value.

    ``table`` and ``family`` come from the listing's context (``ip -6 route show table 100``);
    the line's own ``table``/``-4``/``-6`` win. Without either: the main table, and the family
    of the addresses (IPv6 when the line has ``pref``, which only IPv6 routes print), else IPv4.
    """
    text = line.strip()
    words = shlex.split(text, comments=True)
    if not words:
        return None
    where = "running_config"
    if words[0] == "ip":
        words = words[1:]
    while words and words[0].startswith("-"):
        family = {"-4": 2, "-6": 10}.get(words[0], family)
        words = words[1:]
    command = False
    if words[:1] and words[0].startswith("r") and "route".startswith(words[0]):
        words = words[1:]
        if words and words[0] in ("add", "del", "delete", "replace", "change", "append", "prepend", "test"):
            words = words[1:]
            command = True
    entry: Dict[str, Any] = {}
    protocol = 3  # ip route add's default, and what ``ip route show`` leaves unprinted
    hops: List[Dict[str, Any]] = []
    hop: Optional[Dict[str, Any]] = None
    if words and words[0] in ROUTE_TYPES:
        entry["type"] = words.pop(0)
    if words and words[0] == "to":
        words = words[1:]
    if not words:
        raise PbrError(f"{where}: {text!r}: no destination", where, line)
    if words[0] in ROUTE_TYPES:
        entry["type"] = words.pop(0)
    entry["dst"] = words.pop(0)
    saw_pref = False
    i = 0
    target: Dict[str, Any] = entry
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if w == "nexthop":
            hop = {}
            hops.append(hop)
            target = hop
            i += 1
            continue
        if w == "onlink":
            target["onlink"] = True
            i += 1
            continue
        if w in _FLAG_WORDS:
            i += 1
            continue
        if nxt is None:
            raise PbrError(f"{where}: {text!r}: {w!r} needs a value", where, line)
        if w == "via":
            if nxt in ("inet", "inet6") and i + 2 < len(words):
                i += 1
                nxt = words[i + 1]
            target["via"] = nxt
        elif w == "dev" or w == "oif":
            target["dev"] = nxt
        elif w == "weight" and target is hop:
            target["weight"] = nxt
        elif w == "table":
            table = _table_word(nxt)
        elif w in ("proto", "protocol"):
            protocol = proto_number(nxt)
        elif w == "scope":
            entry["scope"] = nxt
        elif w == "src":
            entry["src"] = nxt
        elif w in ("metric", "priority", "preference"):
            entry["metric"] = nxt
        elif w in ("tos", "dsfield"):
            entry["tos"] = _dsfield(nxt)
        elif w in ("mtu", "advmss"):
            if nxt == "lock" and i + 2 < len(words):
                i += 1
                nxt = words[i + 1]
            entry[w] = nxt
        elif w in _VALUE_SKIP:
            saw_pref = saw_pref or w == "pref"
        elif w == "from":
            raise PbrError(f"{where}: {text!r}: source-specific routes ('from') are not supported", where, line)
        else:
            raise PbrError(f"{where}: {text!r}: unsupported word {w!r}", where, line)
        i += 2
    if hops:
        entry["nexthops"] = hops
    if family is None and saw_pref:
        family = 10
    if family is not None:
        entry["family"] = FAMILY_NAMES[family]
    is_v6 = family == 10 or ":" in entry["dst"] or ":" in str(entry.get("via", ""))
    if is_v6 and entry.get("type") in REJECT_TYPES and entry.get("dev") == "lo":
        del entry["dev"]  # the kernel's own dev for IPv6 reject routes
    if is_v6 and entry.get("scope") in ("global", "universe", "0"):
        del entry["scope"]
    route = normalise(entry, where, table if table is not None else 254)
    changes: Dict[str, Any] = {}
    if route.protocol != protocol:
        changes["protocol"] = protocol
    if not command:
        if "scope" not in entry and route.scope:
            changes["scope"] = 0  # ip prints every scope but global
        if route.family == 10 and "metric" in entry and parse_int(where, entry["metric"], 0, U32_MAX) == 0:
            changes["metric"] = 0  # the kernel's own routes (table local) have metric 0
    return replace(route, **changes) if changes else route


def parse_text(text: str) -> List[Route]:
    """``ip route show`` text: indented ``nexthop`` lines belong to the route above them;
    a ``table N`` line or a ``# ip -6 route show table N`` heading (as in our diffs) sets the context."""
    routes: List[Route] = []
    table: Optional[TableRef] = None
    family: Optional[int] = None
    pending: List[str] = []

    def flush() -> None:
        if pending:
            route = parse_line(" ".join(pending), table, family)
            if route is not None:
                routes.append(route)
            pending.clear()

    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            flush()
            family = {"-4": 2, "-6": 10}.get(heading.group(1) or "")
            table = _table_word(heading.group(2))
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[:1].isspace() and stripped.startswith("nexthop") and pending:
            pending.append(stripped)
            continue
        flush()
        pending.append(stripped)
    flush()
    return routes


# ---------------------------------------------------------------------------- read
def _hops_from_netlink(value: Any, links: Dict[int, Optional[str]]) -> Tuple[Nexthop, ...]:
    hops = []
    for nh in value or ():
        attrs = dict(nh.get("attrs") or ())
        via = attrs.get("RTA_GATEWAY")
        if via is None and isinstance(attrs.get("RTA_VIA"), dict):
            via = attrs["RTA_VIA"].get("addr")
        hops.append(
            Nexthop(
                via=via or None,
                dev=links.get(nh.get("oif") or 0) if nh.get("oif") else None,
                weight=(nh.get("hops") or 0) + 1,
                onlink=bool((nh.get("flags") or 0) & RTNH_F_ONLINK),
            )
        )
    return tuple(hops)


def from_netlink(msg: Any, links: Dict[int, Optional[str]]) -> Optional[Route]:
    """A route message (netlink.Msg or a pyroute2 rtmsg, 0.7.2 and 0.9.x: same names) -> Route.

    ``links`` maps interface indexes to names. Other families and cloned (cache) routes give None.
    """
    header = tuple(msg[name] for name in _RTMSG_FIELDS)
    return _from_header_attrs(header, dict(msg["attrs"]), links)


def _from_header_attrs(h: Tuple[int, ...], attrs: Dict[str, Any], links: Dict[int, Optional[str]]) -> Optional[Route]:
    """The one normalisation of a kernel route: rtmsg header fields (in _RTMSG_FIELDS order) + attributes."""
    family, dst_len, _src_len, tos, table, proto, scope, rtype_num, flags = h
    if family not in (2, 10) or flags & RTM_F_CLONED:
        return None
    dst = attrs.get("RTA_DST")
    if dst is None:
        dst = "0.0.0.0" if family == 2 else "::"
    rtype = TYPE_NAMES.get(rtype_num) or str(rtype_num)
    oif = attrs.get("RTA_OIF")
    dev = links.get(oif) if oif else None
    if family == 10 and dev == "lo" and rtype in REJECT_TYPES:
        dev = None
    via = attrs.get("RTA_GATEWAY")
    if via is None and isinstance(attrs.get("RTA_VIA"), dict):
        via = attrs["RTA_VIA"].get("addr")
    mtu = advmss = None
    metrics = attrs.get("RTA_METRICS")
    if metrics:
        mattrs = dict(metrics["attrs"] if isinstance(metrics, dict) else metrics.get("attrs", ()))
        mtu = mattrs.get("RTAX_MTU")
        advmss = mattrs.get("RTAX_ADVMSS")
    hops = attrs.get("RTA_MULTIPATH")
    return _route(
        table=attrs.get("RTA_TABLE", table),
        family=family,
        dst=f"{dst}/{dst_len}",
        type=rtype,
        tos=tos,
        metric=attrs.get("RTA_PRIORITY", 0),
        via=via,
        dev=dev,
        src=attrs.get("RTA_PREFSRC"),
        scope=scope,
        onlink=bool(flags & RTNH_F_ONLINK),
        mtu=mtu,
        advmss=advmss,
        nexthops=_hops_from_netlink(hops, links) if hops else (),
        protocol=proto,
    )


_RTA = struct.Struct("=HH")
_RTMSG, _RTMSG_FIELDS = netlink.RT_HDR  # family, dst_len, src_len, tos, table, proto, scope, type, flags
_U32 = struct.Struct("=I")


def _u32(data: bytes) -> int:
    return int(_U32.unpack(data)[0])


# the attributes from_netlink reads, decoded as _netlink.py (and pyroute2) decode them
_ROUTE_ATTRS: Dict[int, Tuple[str, Callable[[bytes], Any]]] = {
    kind: netlink.RTA[kind] for kind in (1, 4, 5, 6, 7, 8, 9, 15, 18)
}
_U32_ATTRS = {4: "RTA_OIF", 6: "RTA_PRIORITY", 15: "RTA_TABLE"}
_ADDR_ATTRS = {1: "RTA_DST", 5: "RTA_GATEWAY", 7: "RTA_PREFSRC"}


def decode_route(data: bytes) -> Tuple[Tuple[int, ...], Dict[str, Any]]:
    """One RTM_NEWROUTE payload -> (rtmsg header fields, {attribute name: value}) for the attributes
    :func:`from_netlink` reads, decoded as netlink.decode decodes them (tests compare the two).

    Skips what a route's identity does not use (cache info, preference, ...) and inlines the
    common attributes: reading a 50,000-route table takes about half the time of the generic path.
    """
    h = _RTMSG.unpack_from(data, 0)
    af = _AF.get(h[0])
    attrs: Dict[str, Any] = {}
    offset, end = _RTMSG.size, len(data)
    while offset + 4 <= end:
        length, kind = _RTA.unpack_from(data, offset)
        if length < 4:
            break
        kind &= netlink.NLA_TYPE_MASK
        if kind in _U32_ATTRS and length == 8:
            attrs[_U32_ATTRS[kind]] = _U32.unpack_from(data, offset + 4)[0]
        elif kind in _ADDR_ATTRS and af is not None and length == (8 if af == socket.AF_INET else 20):
            attrs[_ADDR_ATTRS[kind]] = socket.inet_ntop(af, data[offset + 4 : offset + length])
        elif kind in _ROUTE_ATTRS:
            name, decode = _ROUTE_ATTRS[kind]
            attrs[name] = decode(data[offset + 4 : offset + length])
        offset += (length + 3) & ~3
    return h, attrs


def read_routes(host: Host) -> List[Route]:
    """Every IPv4 and IPv6 route of every table (cache entries excluded), through _netlink.py."""
    sock = host.netlink()
    links = netlink.link_names(sock)
    routes: List[Route] = []
    for family in (2, 10):
        msgs = netlink.dump(sock, netlink.RTM_GETROUTE, netlink.RT_HDR, netlink.RTA, family, decoder=decode_route)
        for header, attrs in msgs:
            route = _from_header_attrs(header, attrs, links)
            if route is not None:
                routes.append(route)
    return routes


class RouteKind(Kind[Route]):
    noun = "route"

    def __init__(self, tables: Optional[TableNames] = None, protos: Optional[Dict[int, str]] = None) -> None:
        self.tables = tables
        self.protos = protos
        self._named: List[TableRef] = []
        self._where: Dict[int, str] = {}

    # identity
    def key(self, obj: Route) -> Hashable:
        return obj.identity()

    def slot(self, obj: Route) -> Hashable:
        return obj.slot()

    def group(self, obj: Route) -> Hashable:
        return obj.table

    def owned(self, obj: Route) -> bool:
        return obj.protocol == PBR_PROTO

    def sort_key(self, obj: Route) -> Any:
        key = obj.__dict__.get("_sort_key")  # computed once per route: before/after/diff all sort
        if key is None:
            key = obj.__dict__["_sort_key"] = self._sort_key(obj)
        return key

    def _sort_key(self, obj: Route) -> Any:
        # by table, then as ``ip route show`` lists routes; ties keep their order (sorted() is stable).
        # Tables are numbers everywhere but in offline states, where a name sorts first.
        addr, _sep, plen = obj.dst.partition("/")
        table = obj.table if isinstance(obj.table, int) else -1
        return (
            obj.family,
            table,
            socket.inet_pton(_AF.get(obj.family, socket.AF_INET6), addr),
            int(plen),
            obj.tos,
            obj.metric,
        )

    # notation
    def argv(self, action: str, obj: Route) -> List[str]:
        return render_argv(obj, {"add": "add", "delete": "del", "replace": "replace"}[action])

    def _table_name(self, table: TableRef) -> str:
        if isinstance(table, int) and self.tables is not None:
            return self.tables.name_of(table)
        return str(table)

    def show(self, obj: Route) -> str:
        return render_show(obj, self.protos)

    def section(self, obj: Route) -> str:
        return f"ip -{4 if obj.family == 2 else 6} route show table {self._table_name(obj.table)}"

    def describe(self, obj: Route) -> str:
        return " ".join(render_argv(obj, "add")[3:])

    def _owner(self, protocol: int) -> str:
        return (self.protos or {}).get(protocol) or proto_name(protocol)

    def to_config(self, obj: Route) -> Dict[str, Any]:
        route = to_config(obj)
        route["owner"] = self._owner(obj.protocol)
        return {"table": obj.table, "routes": [route]}

    def to_config_list(self, objs: Sequence[Route]) -> List[Dict[str, Any]]:
        return to_config_list(objs, self._owner)

    # I/O
    def from_config(self, config: Sequence[Dict[str, Any]], resolver: Any) -> List[Route]:
        self.tables = resolver if resolver is not None else self.tables
        self._where = {}
        routes, self._named = from_config(config, resolver, self._where)
        return routes

    def named_groups(self) -> Sequence[Hashable]:
        return list(self._named)

    def parse(self, text: str) -> List[Route]:
        return parse_text(text)

    def read(self, host: Host) -> List[Route]:
        if self.protos is None:
            self.protos = proto_names(etc_root(host.namespace))
        return read_routes(host)

    def complete(self, desired: Sequence[Route], current: Sequence[Route]) -> List[Route]:
        """A route with a gateway but no device takes the device of the same route in the kernel."""
        if not any(_open_dev(r) for r in desired):
            return list(desired)
        by_slot: Dict[Hashable, List[Route]] = {}
        for route in current:
            by_slot.setdefault(route.slot(), []).append(route)
        out = []
        for route in desired:
            if _open_dev(route):
                for there in by_slot.get(route.slot(), ()):
                    filled = _fill_dev(route, there)
                    if filled is not None and filled.identity() == there.identity():
                        self._where[id(filled)] = self._where.get(id(route), "")
                        route = filled
                        break
            out.append(route)
        return out

    def validate_on_host(self, desired: Sequence[Route], host: Host) -> Optional[List[str]]:
        """Devices must exist; a missing one fails the task before anything changes."""
        names: Set[str] = set(host.link_names())
        used = {r.dev for r in desired} | {h.dev for r in desired if r.nexthops for h in r.nexthops}
        if not used - names - {None}:
            return None
        for route in desired:
            where = self._where.get(id(route))
            devs = [("dev", route.dev)] + [(f"nexthops[{n}].dev", hop.dev) for n, hop in enumerate(route.nexthops)]
            for name, dev in devs:
                if dev is not None and dev not in names:
                    field = f"{where}.{name}" if where else name
                    raise PbrError(
                        f"{field}: device {dev!r} does not exist"
                        + (f" in namespace {host.namespace!r}" if host.namespace else "")
                        + f" (route {self.describe(route)!r}); expected one of {sorted(names)}",
                        field,
                        dev,
                    )
        return None


def _open_dev(route: Route) -> bool:
    return (route.via is not None and route.dev is None) or any(h.via and h.dev is None for h in route.nexthops)


def _fill_dev(route: Route, there: Route) -> Optional[Route]:
    """``route`` with the devices it leaves open taken from ``there`` (None if they cannot line up)."""
    if len(route.nexthops) != len(there.nexthops):
        return None
    hops = tuple(
        replace(hop, dev=other.dev) if hop.dev is None else hop for hop, other in zip(route.nexthops, there.nexthops)
    )
    return replace(route, dev=there.dev if route.dev is None else route.dev, nexthops=hops)


def prepare(params: Dict[str, Any], check_mode: bool) -> Any:
    """pbr.linux.ip_route_table: a resource module (its state is the engine's), writing our rt_protos.d entry."""
    from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import protos_file_change
    from ansible_collections.pbr.linux.plugins.module_utils._runner import resource_task

    return resource_task(RouteKind(), params, check_mode, files=protos_file_change)
