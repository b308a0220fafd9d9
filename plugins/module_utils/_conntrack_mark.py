# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pbr.linux.conntrack_mark: replies leave through the interface their connection came in on (seed 003).

Two chains per task:

- ``ctmark_pre`` (prerouting, priority mangle): for every entry, packets arriving on ``in_interface``
  (and from ``source``) get ``mark`` under ``mask`` and the connection mark gets the same bits
  (iptables: MARK + CONNMARK --save-mark). With ``restore: [prerouting]`` the connection mark is
  first restored into the packet mark (forwarded replies), before the entries set it.
- ``ctmark_out`` (output; nft type route, so a changed mark re-routes the packet): with
  ``restore: [output]`` the connection mark is restored into the packet mark of locally generated
  replies.

Restoring is per entry (``ct mark & mask == mark`` -> ``mark`` under ``mask``), so only the marks this
task sets are copied back and the other bits of the packet mark stay: several tasks or uplinks can
share the mark space with disjoint masks or values.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ansible_collections.pbr.linux.plugins.module_utils._netfilter import NetfilterKind, netfilter_task
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_config import (
    check_family,
    parse_iface,
    parse_mark,
    parse_mask,
)
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_model import ChainSpec, Mark, NfRule, Role
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError, invalid, parse_network

ROLE_PRE = Role(key="ctmark_pre", hook="prerouting", nft_type="filter", ipt="CTPRE")
ROLE_OUT = Role(key="ctmark_out", hook="output", nft_type="route", ipt="CTOUT")
ENTRY_FIELDS = ("in_interface", "source", "mark", "mask")
RESTORE_HOOKS = ("output", "prerouting")


def build(params: Dict[str, Any], families: Tuple[str, ...], backend: str) -> List[ChainSpec]:
    entries = params.get("entries")
    if not entries or not isinstance(entries, list):
        raise invalid("entries", entries, "a non-empty list of {in_interface, source, mark, mask} with state present")
    restore_value = params.get("restore")
    restore = ["output"] if restore_value is None else restore_value
    if not isinstance(restore, list):
        restore = [restore]
    for i, hook in enumerate(restore):
        if hook not in RESTORE_HOOKS:
            raise invalid(f"restore[{i}]", hook, "output or prerouting")

    single = None if len(families) == 2 else families[0]
    seen: Dict[Tuple[str, Optional[str]], int] = {}
    set_rules: List[NfRule] = []
    restores: List[Mark] = []
    for i, entry in enumerate(entries):

        def f(name: str, i: int = i) -> str:
            return f"entries[{i}].{name}"

        if not isinstance(entry, dict):
            raise invalid(f"entries[{i}]", entry, "a dict with in_interface, mark and optionally source and mask")
        unknown = sorted(k for k, v in entry.items() if v is not None and k not in ENTRY_FIELDS)
        if unknown:
            raise invalid(f"entries[{i}]", entry, "only the fields " + ", ".join(ENTRY_FIELDS))
        if entry.get("in_interface") is None:
            raise PbrError(
                f"{f('in_interface')}: required; expected the interface the connections come in on",
                f("in_interface"),
                None,
            )
        iif = parse_iface(f("in_interface"), entry["in_interface"])
        if entry.get("mark") is None:
            raise PbrError(f"{f('mark')}: required; expected a mark from 1 to 0xffffffff", f("mark"), None)
        mask = parse_mask(f("mask"), entry["mask"]) if entry.get("mask") is not None else None
        mark = parse_mark(f("mark"), entry["mark"], mask, mask_field=f("mask"))
        family = single
        source: Tuple[Any, ...] = ()
        if entry.get("source") is not None:
            net = parse_network(f("source"), entry["source"])
            family = check_family(f("source"), entry["source"], net, families)
            source = (net,)
        ident = (iif, source[0].with_prefixlen if source else None)
        if ident in seen:
            raise invalid(
                f("in_interface"), iif, f"one entry per interface and source (entries[{seen[ident]}] has the same)"
            )
        seen[ident] = i
        set_rules.append(NfRule(family=family, iif=iif, saddr=source, set_mark=mark, save_ctmark=mark))
        if mark not in restores:
            restores.append(mark)

    restore_rules = tuple(NfRule(family=single, ctmark=m, set_mark=m) for m in restores)
    specs = [ChainSpec(ROLE_PRE, (restore_rules if "prerouting" in restore else ()) + tuple(set_rules))]
    if "output" in restore:
        specs.append(ChainSpec(ROLE_OUT, restore_rules))
    return specs


def kind() -> NetfilterKind:
    return NetfilterKind([ROLE_PRE, ROLE_OUT], build)


def prepare(params: Dict[str, Any], check_mode: bool) -> Any:
    """pbr.linux.conntrack_mark: present / absent over the task's chains (netfilter.STATES)."""
    return netfilter_task(kind(), params)
