# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pbr.linux.ip_route_table: routes inside routing tables, plugged into the engine (RouteKind).

The resource in four layers, each in one place: _ip_route_table_model (Route, Nexthop, route types,
the kernel's defaults), _ip_route_table_config (config entries -> routes), _ip_route_table_notation
(``ip route add`` / ``ip route show`` text, both ways) and _ip_route_table_kernel (netlink reads).
This file joins them into the engine's Kind and the module's ``prepare``.
"""

from __future__ import annotations

import socket
from dataclasses import replace
from typing import Any, Dict, Hashable, List, Optional, Sequence, Set

from ansible_collections.pbr.linux.plugins.module_utils._engine import Kind
from ansible_collections.pbr.linux.plugins.module_utils._host import Host, etc_root
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_config import (
    from_config,
)
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_kernel import (
    read_routes,
)
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_model import (
    Route,
    TableRef,
)
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_notation import (
    parse_text,
    render_argv,
    render_show,
    to_config,
    to_config_list,
)
from ansible_collections.pbr.linux.plugins.module_utils._iproute2 import (
    TableNames,
    proto_names,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import (
    AF as _AF,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import (
    PBR_PROTO,
    PbrError,
    proto_name,
)


class RouteKind(Kind[Route, TableNames]):
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
    def from_config(self, config: Sequence[Dict[str, Any]], context: Optional[TableNames]) -> List[Route]:
        self.tables = context if context is not None else self.tables
        self._where = {}
        routes, self._named = from_config(config, context, self._where)
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


# a config listing this many route dicts gets a warning pointing to the text form
MANY_DICTS = 10000
# what Ansible spends on a list of dicts before any module runs (benchmarks/ip_route_table_bench.py: the
# do-nothing module given 50,000 route dicts took 18 s on a 2-core machine, 0.6 s given them as text)
SECONDS_PER_10000_DICTS = 3.5


def many_dicts_warning(config: Any) -> Optional[str]:
    """A warning when ``config`` lists tens of thousands of route dicts: the text form exists."""
    count = 0
    for group in config if isinstance(config, list) else ():
        routes = group.get("routes") if isinstance(group, dict) else None
        count += len(routes) if isinstance(routes, list) else 0
    if count < MANY_DICTS:
        return None
    return (
        f"config lists {count} routes as dictionaries: Ansible itself spends seconds per 10,000 dictionaries "
        f"(about {SECONDS_PER_10000_DICTS:g} s on a 2-core machine) templating, passing and checking them before "
        "this module runs. Routes that share their fields can be given as text instead, at a fraction of the "
        "cost: `prefixes` (one prefix per line, for example \"{{ lookup('file', 'nets.txt') }}\") with the shared "
        "fields in `defaults`."
    )


def prepare(params: Dict[str, Any], check_mode: bool) -> Any:
    """pbr.linux.ip_route_table: a resource module (its state is the engine's), writing our rt_protos.d entry."""
    from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import protos_file_change
    from ansible_collections.pbr.linux.plugins.module_utils._runner import resource_task

    task = resource_task(RouteKind(), params, check_mode, files=protos_file_change)
    warning = many_dicts_warning(params.get("config"))
    if warning is not None:
        task.extend = lambda result: result.setdefault("warnings", []).append(warning)
    return task
