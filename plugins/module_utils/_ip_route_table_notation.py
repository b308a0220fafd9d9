# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ip_route_table, native notation: ``ip route add`` arguments, ``ip route show`` lines, config dicts,
and back from ``ip route show`` text (state parsed)."""

from __future__ import annotations

import re
import shlex
from dataclasses import replace
from typing import Any, Dict, Iterable, List, Optional

from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_config import normalise
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_model import (
    REJECT_TYPES,
    ROUTE_TYPES,
    SCOPE_NAMES,
    Nexthop,
    Route,
    TableRef,
    default_metric,
    default_scope,
)
from ansible_collections.pbr.linux.plugins.module_utils._iproute2 import (
    BUILTIN_IDS,
    dsfield_names,
    proto_number,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import (
    FAMILY_NAMES,
    U32_MAX,
    PbrError,
    parse_int,
    proto_name,
)


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
