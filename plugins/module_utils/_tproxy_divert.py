# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pbr.linux.tproxy_divert: the netfilter half of a transparent proxy (kernel tproxy documentation).

One chain at hook prerouting, priority mangle (iptables: mangle PREROUTING, the only place TPROXY
works), rules in this order:

1. ``skip_mark``: packets already carrying it return untouched (the proxy's own traffic);
2. ``bypass_local`` and ``bypass``: destinations never diverted return untouched;
3. DIVERT: packets of an existing transparent socket get ``mark`` and are accepted;
4. TPROXY: one rule per ``match`` entry, protocol and family, to the entry's ``on_port`` (default
   ``on_port``, ``on_ip``) with ``mark``.

With ``local_traffic`` a second chain (hook output, nft type route: a changed mark re-routes the packet;
iptables mangle OUTPUT) marks the host's own new packets that match an entry without ``in_interface``:
the fwmark rule then routes them through ``lo`` back into prerouting, where the TPROXY rules take them.
The proxy's own packets (``skip_mark``, ``skip_uids``, ``skip_gids``) and bypassed destinations return first.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ansible_collections.pbr.linux.plugins.module_utils._iptables import MULTIPORT_MAX, multiport_count
from ansible_collections.pbr.linux.plugins.module_utils._netfilter import NetfilterKind, netfilter_task
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_config import (
    check_family,
    parse_iface,
    parse_mark,
    parse_mask,
    parse_owners,
    parse_port,
    parse_ports,
    parse_protocols,
)
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_model import ChainSpec, NfRule, Role
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError, invalid, parse_address, parse_network

ROLE = Role(key="tproxy", hook="prerouting", nft_type="filter", ipt="TPROXY")
ROLE_OUT = Role(key="tproxy_out", hook="output", nft_type="route", ipt="TPOUT")
ROLES = (ROLE, ROLE_OUT)
MATCH_FIELDS = ("protocol", "dport", "daddr", "saddr", "in_interface", "on_port")


def _on_ips(value: Any, families: Sequence[str]) -> Dict[str, str]:
    if value is None:
        return {}
    items = value if isinstance(value, list) else [value]
    out: Dict[str, str] = {}
    for i, item in enumerate(items):
        field = "on_ip" if not isinstance(value, list) else f"on_ip[{i}]"
        addr = parse_address(field, item)
        fam = check_family(field, item, addr, families)
        if fam in out:
            raise invalid(field, item, f"at most one {fam} address")
        out[fam] = str(addr)
    missing = [fam for fam in families if fam not in out]
    if missing:
        raise PbrError(
            f"on_ip: {value!r} has no {missing[0]} address but family includes {missing[0]}; expected one "
            "address per family (or no on_ip: the address of the interface the packet came in on)",
            "on_ip",
            value,
        )
    return out


def build(params: Dict[str, Any], families: Tuple[str, ...], backend: str) -> List[ChainSpec]:
    mask = parse_mask("mask", params["mask"]) if params.get("mask") is not None else None
    mark = parse_mark("mark", params["mark"] if params.get("mark") is not None else 1, mask)
    skip = parse_mark("skip_mark", params["skip_mark"]) if params.get("skip_mark") is not None else None
    if skip is not None and skip[0] == mark[0]:
        raise PbrError(
            f"skip_mark: {params['skip_mark']!r} equals mark {mark[0]:#x}; expected a different mark (packets "
            "carrying the skip mark are never diverted, so the proxy's own traffic cannot loop)",
            "skip_mark",
            params["skip_mark"],
        )
    matches = params.get("match") or []
    if not isinstance(matches, list):
        raise invalid("match", matches, "a list of entries")
    on_port: Optional[int] = None
    if params.get("on_port") is not None:
        on_port = parse_port("on_port", params["on_port"])
    elif matches:
        raise PbrError(
            "on_port: required with match; expected the port the transparent proxy listens on", "on_port", None
        )
    on_ips = _on_ips(params.get("on_ip"), families)
    local = params.get("local_traffic") or False
    uids = parse_owners("skip_uids", params["skip_uids"], True) if params.get("skip_uids") else ()
    gids = parse_owners("skip_gids", params["skip_gids"], False) if params.get("skip_gids") else ()
    for name, given in (("skip_uids", uids), ("skip_gids", gids)):
        if given and not local:
            raise PbrError(
                f"{name}: {params[name]!r} is given but local_traffic is false; expected local_traffic: true (a "
                "packet's owner is known only for the host's own traffic, which only local_traffic diverts)",
                name,
                params[name],
            )
    if local and skip is None and not uids and not gids:
        raise PbrError(
            "local_traffic: true needs skip_uids, skip_gids or skip_mark; expected the proxy's user, group or the mark "
            "it sets on its upstream sockets (else the proxy's own connections loop back into it)",
            "local_traffic",
            True,
        )

    rules: List[NfRule] = []
    if skip is not None:
        rules.append(NfRule(mark=skip, verdict="return"))
    returns: List[NfRule] = []
    if params.get("bypass_local"):
        returns.append(NfRule(daddr_local=True, verdict="return"))

    bypass = params.get("bypass") or []
    if not isinstance(bypass, list):
        bypass = [bypass]
    by_family: Dict[str, List[Any]] = {}
    for i, value in enumerate(bypass):
        net = parse_network(f"bypass[{i}]", value)
        by_family.setdefault(check_family(f"bypass[{i}]", value, net, families), []).append(net)
    for fam in ("ipv4", "ipv6"):
        if fam in by_family:
            returns.append(NfRule(family=fam, daddr=tuple(by_family[fam]), verdict="return"))
    rules += returns

    tproxy_rules: List[NfRule] = []
    out_rules: List[NfRule] = []
    protocols_seen: List[str] = []
    for i, entry in enumerate(matches):

        def f(name: str, i: int = i) -> str:
            return f"match[{i}].{name}"

        if not isinstance(entry, dict):
            raise invalid(f"match[{i}]", entry, "a dict with some of " + ", ".join(MATCH_FIELDS))
        unknown = sorted(k for k, v in entry.items() if v is not None and k not in MATCH_FIELDS)
        if unknown:
            raise invalid(f"match[{i}]", entry, "only the fields " + ", ".join(MATCH_FIELDS))
        protocols = parse_protocols(f("protocol"), entry["protocol"] if entry.get("protocol") is not None else "tcp")
        dport = parse_ports(f("dport"), entry["dport"]) if entry.get("dport") is not None else ()
        if backend == "iptables" and multiport_count(dport) > MULTIPORT_MAX:
            raise invalid(
                f("dport"), entry["dport"], f"at most {MULTIPORT_MAX} ports with iptables (a range counts as two)"
            )
        nets = {}
        entry_family: Optional[str] = None
        for name in ("saddr", "daddr"):
            if entry.get(name) is None:
                continue
            net = parse_network(f(name), entry[name])
            fam = check_family(f(name), entry[name], net, families)
            if entry_family is not None and fam != entry_family:
                raise invalid(f(name), entry[name], f"an {entry_family} prefix like the entry's other address")
            entry_family = fam
            nets[name] = (net,)
        iif = parse_iface(f("in_interface"), entry["in_interface"]) if entry.get("in_interface") is not None else None
        port = parse_port(f("on_port"), entry["on_port"]) if entry.get("on_port") is not None else on_port
        for fam in [entry_family] if entry_family else families:
            for proto in protocols:
                base = NfRule(family=fam, saddr=nets.get("saddr", ()), daddr=nets.get("daddr", ()), l4proto=(proto,))
                base = replace(base, dport=dport, set_mark=mark)
                tproxy_rules.append(replace(base, iif=iif, tproxy=(port or 0, on_ips.get(fam)), verdict="accept"))
                if local and iif is None:
                    out_rules.append(base)
        protocols_seen += [p for p in protocols if p not in protocols_seen]

    divert_protocols = tuple(p for p in ("tcp", "udp") if p in protocols_seen) or ("tcp",)
    rules.append(
        NfRule(
            family=None if len(families) == 2 else families[0],
            l4proto=divert_protocols,
            socket_transparent=True,
            set_mark=mark,
            verdict="accept",
        )
    )
    rules += tproxy_rules
    specs = [ChainSpec(ROLE, tuple(rules))]
    if local:
        if not out_rules:
            raise PbrError(
                "local_traffic: true but every match entry has an in_interface; expected at least one entry without "
                "in_interface (the host's own connections come in on no interface)",
                "local_traffic",
                True,
            )
        # replies of the host's servers (and of the proxy's accepted connections) are never diverted
        head = [NfRule(ct_reply=True, verdict="return")]
        head += [NfRule(mark=skip, verdict="return")] if skip is not None else []
        head += [NfRule(skuid=uid, verdict="return") for uid in uids]
        head += [NfRule(skgid=gid, verdict="return") for gid in gids]
        specs.append(ChainSpec(ROLE_OUT, tuple(head + returns + out_rules)))
    return specs


def kind() -> NetfilterKind:
    return NetfilterKind(list(ROLES), build)


def prepare(params: Dict[str, Any], check_mode: bool) -> Any:
    """pbr.linux.tproxy_divert: present / absent over the task's chains (netfilter.STATES)."""
    return netfilter_task(kind(), params)
