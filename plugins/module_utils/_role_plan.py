# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' plans: a role's public variables -> the parameters of each module task it runs.

Runs on the controller (the filters ``pbr.linux.transparent_proxy_plan`` and ``pbr.linux.return_path_plan``)
before any task touches the host, so a bad value fails the role's first task with a message that names the
role variable (``return_path_uplinks[1].mark: ...``), not a module option of a later task. The modules'
own parsers do the checking (the same code the module runs on the host); only what needs the managed host
(user and group names, interfaces that exist, the backend's tools) is left to the modules.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.pbr.linux.plugins.module_utils import _tproxy_divert as tproxy
from ansible_collections.pbr.linux.plugins.module_utils._conntrack_mark import build as conntrack_build
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table import RouteKind
from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import RuleKind
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_config import (
    check_name,
    parse_families,
    parse_mark,
    parse_mask,
    parse_port,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import (
    U32_MAX,
    PbrError,
    check_ifname,
    invalid,
    parse_int,
    parse_network,
    parse_prefix_as_written,
)

# Never diverted by default: loopback, private, shared (CGNAT), link-local, multicast and reserved ranges of
# both families. The documentation ranges (192.0.2.0/24, 2001:db8::/32, ...) are not in it: tests use them.
DEFAULT_BYPASS = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
)
BACKENDS = ("auto", "nftables", "iptables")
STATES = ("present", "absent")
RP_FILTER = {"strict": 1, "loose": 2, "off": 0}
RESERVED_TABLES = (0, 253, 254, 255)
_USER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?")
UPLINK_FIELDS = ("interface", "table", "gateway", "gateway6", "address", "name", "mark", "priority")


def _renamed(prefix: str, err: PbrError, module_field: Optional[str] = None) -> PbrError:
    """A module parser's error, re-addressed to the role variable (``on_port: ...`` -> ``transparent_proxy_port: ...``)."""
    field = err.field or ""
    target = module_field if module_field is not None else f"{prefix}{field}"
    msg = err.msg[len(field) :] if field and err.msg.startswith(field) else f": {err.msg}"
    return PbrError(f"{target}{msg}", target, err.value)


def _guard(name: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except PbrError as err:
        raise _renamed("", err, name) from None


def _choice(name: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        raise invalid(name, value, "one of " + ", ".join(choices))
    return str(value)


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise invalid(name, value, "true or false")
    return value


def _opt_str(name: str, value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid(name, value, "a string")
    return value


def _list(name: str, value: Any) -> List[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(name, value, "a list")
    return value


def _table(name: str, value: Any) -> int:
    num = parse_int(name, value, 1, U32_MAX, "a table number")
    if num in RESERVED_TABLES:
        raise invalid(name, value, "a table number from 1 to 4294967295 but not 253, 254 or 255 (default, main, local)")
    return num


def _table_name(name: str, value: Any) -> Optional[str]:
    text = _opt_str(name, value)
    if text is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}", text):
        raise invalid(name, value, "a table name: a letter or '_', then letters, digits, '_', '.' or '-'")
    return text


def _priority(name: str, value: Any) -> int:
    num = parse_int(name, value, 1, 32765, "a rule priority")
    return num


def _owners(name: str, value: Any) -> List[Any]:
    """User/group names are looked up on the managed host by tproxy_divert; here only their form is checked."""
    out: List[Any] = []
    for i, item in enumerate(_list(name, value)):
        if isinstance(item, str) and not item.strip().isdigit():
            if not _USER.fullmatch(item):
                raise invalid(f"{name}[{i}]", item, "a user or group name or a number from 0 to 4294967294")
            out.append(item)
        else:
            out.append(parse_int(f"{name}[{i}]", item, 0, U32_MAX - 1, "a user or group name or number"))
    return out


def _common(prefix: str, v: Mapping[str, Any]) -> Dict[str, Any]:
    namespace = _opt_str(f"{prefix}namespace", v.get("namespace"))
    return {
        "state": _choice(f"{prefix}state", v.get("state", "present"), STATES),
        "backend": _choice(f"{prefix}backend", v.get("backend", "auto"), BACKENDS),
        "namespace": namespace,
        "persist": _bool(f"{prefix}persist", v.get("persist", True)),
        "persist_hooks": _list(f"{prefix}persist_hooks", v.get("persist_hooks", ["auto"])),
        "persist_root": v.get("persist_root") or "/",
    }


# ---------------------------------------------------------------------------- transparent_proxy
def transparent_proxy(v: Mapping[str, Any]) -> Dict[str, Any]:
    """The module parameters of the role pbr.linux.transparent_proxy, from its variables without the prefix."""
    p = "transparent_proxy_"
    plan = _common(p, v)
    name = _guard(f"{p}name", lambda: check_name(v.get("name", "tproxy")))
    family_value = v.get("family", "both")
    families = _guard(f"{p}family", lambda: parse_families(family_value))
    if v.get("port") is None and plan["state"] == "present":
        raise PbrError(f"{p}port: required; expected the port the transparent proxy listens on", f"{p}port", None)
    port_value = v["port"] if v.get("port") is not None else 1
    _guard(f"{p}port", lambda: parse_port("port", port_value))
    mask = _guard(f"{p}mask", lambda: parse_mask("mask", v["mask"])) if v.get("mask") is not None else None
    mark_value = v.get("mark", 1)
    mark = _guard(f"{p}mark", lambda: parse_mark("mark", mark_value, mask))
    table = _table(f"{p}table", v.get("table", 100))
    table_name = _table_name(f"{p}table_name", v.get("table_name"))
    priority = _priority(f"{p}priority", v.get("priority", 100))
    # unset (the role's default, null): DEFAULT_BYPASS, of which the families not diverted are left out;
    # given: every prefix must be of a diverted family
    given = v.get("bypass")
    user_bypass = list(DEFAULT_BYPASS) if given is None else _list(f"{p}bypass", given)
    nets = [parse_network(f"{p}bypass[{i}]", item) for i, item in enumerate(user_bypass)]
    if given is not None:
        for i, net in enumerate(nets):
            if ("ipv4" if net.version == 4 else "ipv6") not in families:
                raise invalid(f"{p}bypass[{i}]", user_bypass[i], f"a prefix of {p}family ({family_value})")
    bypass = [str(n) for n in nets if ("ipv4" if n.version == 4 else "ipv6") in families]
    match = _list(f"{p}match", v.get("match", [{"protocol": "tcp"}]))
    dns_port = v.get("dns_port")
    entries = [dict(e) if isinstance(e, dict) else e for e in match]
    if dns_port is not None:
        dport = _guard(f"{p}dns_port", lambda: parse_port("dns_port", dns_port))
        entries = [{"protocol": ["udp", "tcp"], "dport": 53, "on_port": dport}] + entries
    shift = 1 if dns_port is not None else 0
    params: Dict[str, Any] = {
        "name": name,
        "family": family_value,
        "backend": plan["backend"],
        "mark": mark_value,
        "mask": v.get("mask"),
        "on_port": port_value,
        "on_ip": v.get("ip"),
        "match": entries,
        "bypass": bypass,
        "bypass_local": _bool(f"{p}bypass_local", v.get("bypass_local", True)),
        "skip_mark": v.get("skip_mark"),
        "local_traffic": _bool(f"{p}local_traffic", v.get("local_traffic", False)),
        "skip_uids": _owners(f"{p}skip_uids", v.get("skip_uids")),
        "skip_gids": _owners(f"{p}skip_gids", v.get("skip_gids")),
    }
    for key in ("skip_uids", "skip_gids"):
        if params[key] and not params["local_traffic"]:
            raise invalid(
                f"{p}{key}",
                v.get(key),
                f"no {key[5:]} unless {p}local_traffic is true (a packet's owner is "
                "known only for the host's own traffic, which only local_traffic diverts)",
            )
    if params["local_traffic"] and not (params["skip_uids"] or params["skip_gids"] or params["skip_mark"] is not None):
        raise PbrError(
            f"{p}local_traffic: true needs {p}skip_uids, {p}skip_gids or {p}skip_mark; expected the proxy's user, "
            "group or the mark it sets on its upstream sockets (else its own connections loop back into it)",
            f"{p}local_traffic",
            True,
        )
    offline = dict(params, skip_uids=[0] * len(params["skip_uids"]), skip_gids=[0] * len(params["skip_gids"]))
    names = {"on_port": "port", "on_ip": "ip"}
    try:
        tproxy.build(offline, families, "iptables" if plan["backend"] == "iptables" else "nftables")
    except PbrError as err:
        field = err.field or ""
        head = field.split("[")[0].split(".")[0]
        if head == "match":
            index = int(field[len("match[") :].split("]")[0])
            if index < shift:
                raise _renamed("", err, f"{p}dns_port") from None
            target = f"{p}match[{index - shift}]" + field[field.index("]") + 1 :]
        elif head in ("skip_uids", "skip_gids", "local_traffic", "skip_mark", "mark", "on_port", "on_ip", "mask"):
            target = p + names.get(head, head) + field[len(head) :]
        else:
            target = f"{p}{field}"
        raise _renamed("", err, target) from None
    rules = [
        {"priority": priority, "family": fam, "fwmark": mark[0], "fwmask": mark[1], "table": table} for fam in families
    ]
    routes = [{"dst": "default", "family": fam, "type": "local", "dev": "lo"} for fam in families]
    plan.update(
        name=name,
        families=list(families),
        tproxy=params,
        alias={"name": table_name, "id": table} if table_name else None,
        rules=rules,
        tables=[{"table": table, "routes": routes}],
    )
    _finish(p, plan)
    return plan


# ---------------------------------------------------------------------------- return_path
def return_path(v: Mapping[str, Any]) -> Dict[str, Any]:
    """The module parameters of the role pbr.linux.return_path, from its variables without the prefix."""
    p = "return_path_"
    plan = _common(p, v)
    name = _guard(f"{p}name", lambda: check_name(v.get("name", "return-path")))
    mark_mask = _guard(f"{p}mark_mask", lambda: parse_mask("mark_mask", v.get("mark_mask", 0xFF)))
    rp = _choice(f"{p}rp_filter", v.get("rp_filter", "loose"), tuple(RP_FILTER))
    uplinks = _list(f"{p}uplinks", v.get("uplinks"))
    if not uplinks and plan["state"] == "present":
        raise invalid(f"{p}uplinks", v.get("uplinks"), "a non-empty list of {interface, table, ...}")
    low_bit = mark_mask & -mark_mask
    seen: Dict[str, Dict[Any, int]] = {"interface": {}, "table": {}, "mark": {}, "name": {}}
    tables: List[Dict[str, Any]] = []
    rules: List[Dict[str, Any]] = []
    entries: List[Dict[str, Any]] = []
    aliases: List[Dict[str, Any]] = []
    interfaces: List[str] = []
    for i, up in enumerate(uplinks):
        f = f"{p}uplinks[{i}]"
        if not isinstance(up, dict):
            raise invalid(f, up, "a dict with interface, table and optionally " + ", ".join(UPLINK_FIELDS[2:]))
        unknown = sorted(k for k in up if k not in UPLINK_FIELDS)
        if unknown:
            raise invalid(f"{f}.{unknown[0]}", up[unknown[0]], "only the fields " + ", ".join(UPLINK_FIELDS))
        for key in ("interface", "table"):
            if up.get(key) is None:
                raise PbrError(f"{f}.{key}: required; expected the uplink's {key}", f"{f}.{key}", None)
        iface = check_ifname(f"{f}.interface", up["interface"])
        table = _table(f"{f}.table", up["table"])
        table_name = _table_name(f"{f}.name", up.get("name"))
        mark_value = up.get("mark", (i + 1) * low_bit)
        mark = _guard(f"{f}.mark", partial(parse_mark, "mark", mark_value))
        if mark[1] != U32_MAX or mark[0] & ~mark_mask & U32_MAX or not mark[0]:
            raise invalid(f"{f}.mark", mark_value, f"a non-zero mark within {p}mark_mask ({mark_mask:#x})")
        priority = _priority(f"{f}.priority", up.get("priority", 1000 + 10 * i))
        for key, value in (("interface", iface), ("table", table), ("mark", mark[0]), ("name", table_name)):
            if value is None:
                continue
            if value in seen[key]:
                raise invalid(
                    f"{f}.{key}",
                    up.get(key, value),
                    f"{'an' if key == 'interface' else 'a'} {key} no other uplink has "
                    f"(uplinks[{seen[key][value]}] has it)",
                )
            seen[key][value] = i
        gateways: Dict[str, str] = {}
        for key, version in (("gateway", 4), ("gateway6", 6)):
            if up.get(key) is not None:
                net = parse_network(f"{f}.{key}", up[key])
                if net.version != version or net.num_addresses != 1:
                    raise invalid(f"{f}.{key}", up[key], f"an IPv{version} address")
                gateways["ipv4" if version == 4 else "ipv6"] = str(net.network_address)
        addresses = up.get("address")
        addrs = [] if addresses is None else (addresses if isinstance(addresses, list) else [addresses])
        parsed = [parse_prefix_as_written(f"{f}.address", a) for a in addrs]
        families = sorted({"ipv4" if a.version == 4 else "ipv6" for a in parsed} | set(gateways)) or ["ipv4"]
        routes: List[Dict[str, Any]] = []
        for fam in families:
            src = next((a for a in parsed if ("ipv4" if a.version == 4 else "ipv6") == fam), None)
            route: Dict[str, Any] = {"dst": "default", "family": fam, "dev": iface}
            if fam in gateways:
                route["via"] = gateways[fam]
            if src is not None:
                route["src"] = str(src.ip)
                if src.network.prefixlen < src.max_prefixlen:
                    connected = {"dst": str(src.network), "dev": iface, "src": str(src.ip)}
                    routes.append(dict(connected, scope="link") if fam == "ipv4" else connected)
            routes.append(route)
            rules.append({"priority": priority, "family": fam, "fwmark": mark[0], "fwmask": mark_mask, "table": table})
        for a in parsed:
            rules.append({"priority": priority, "from": str(a.ip), "table": table})
        tables.append({"table": table, "routes": routes})
        entries.append({"in_interface": iface, "mark": mark[0], "mask": mark_mask})
        if table_name:
            aliases.append({"name": table_name, "id": table})
        interfaces.append(iface)
    plan.update(
        name=name,
        tables=tables,
        rules=rules,
        aliases=aliases,
        interfaces=interfaces,
        rp_filter=RP_FILTER[rp],
        conntrack={
            "name": name,
            "family": "both",
            "backend": plan["backend"],
            "entries": entries,
            "restore": ["output", "prerouting"],
        },
    )
    if entries:
        try:
            conntrack_build(plan["conntrack"], ("ipv4", "ipv6"), "nftables")
        except PbrError as err:
            raise _renamed(f"{p}uplinks: ", err) from None
    _finish(p, plan)
    return plan


_COMMON = ["name", "backend", "namespace", "persist", "persist_hooks", "persist_root", "state"]
KNOWN = {
    "transparent_proxy": [
        "port",
        "ip",
        "mark",
        "mask",
        "table",
        "table_name",
        "priority",
        "family",
        "match",
        "bypass",
        "bypass_local",
        "skip_mark",
        "skip_uids",
        "skip_gids",
        "local_traffic",
        "dns_port",
    ]
    + _COMMON,
    "return_path": ["uplinks", "mark_mask", "rp_filter"] + _COMMON,
}


def _finish(prefix: str, plan: Dict[str, Any]) -> None:
    """What follows from the plan (the tables to empty on absent), then its rules and routes through the
    modules' own parsers (offline): a value they refuse fails here."""
    plan["tables_deleted"] = [{"table": t["table"]} for t in plan["tables"]]
    try:
        RuleKind().from_config(plan["rules"], None)
        RouteKind().from_config(plan["tables"], None)
    except PbrError as err:
        raise PbrError(f"{prefix}: the role built an invalid {err.msg}", err.field, err.value) from None


def plan_for(role: str, variables: Mapping[str, Any]) -> Tuple[bool, Any]:
    """(True, plan) or (False, message) for a role's variables (prefixed names, as the role has them)."""
    prefix = f"{role}_"
    short = {k[len(prefix) :]: v for k, v in variables.items() if k.startswith(prefix) and not k.startswith("__")}
    unknown = sorted(k for k in short if k not in KNOWN[role])
    if unknown:
        return False, (
            f"{prefix}{unknown[0]}: not a variable of the role pbr.linux.{role}; expected one of "
            + ", ".join(prefix + k for k in KNOWN[role])
        )
    try:
        return True, (transparent_proxy if role == "transparent_proxy" else return_path)(short)
    except PbrError as err:
        return False, err.msg
