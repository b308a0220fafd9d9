# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Netfilter objects one pbr.linux task owns: chains with their rules, nftables or iptables.

A task (``name``) owns a fixed set of chains, one per *role* of its module:

- nftables: base chains ``<name>_<role>`` in our own table ``inet pbr_linux`` (hook prerouting or
  output, priority mangle). Nothing outside that table is read or written.
- iptables: chains ``PBR_<NAME>_<ROLE>`` in the mangle table of iptables and/or ip6tables, each
  reached by exactly one ``-A <HOOK> -j <chain>`` rule in the built-in chain of its hook.

The module builds backend-neutral :class:`NfRule` lists (what to match, what to do); :mod:`_nft` and
:mod:`_iptables` render them in the backend's notation and compare rules in a canonical form parsed
from that notation and from the backend's listing alike (``canon``), so a chain read back from the
host equals the desired one when nothing has to change, however the tool words it. The engine
plans chain by chain (:class:`NetfilterKind`); a plan is applied as ONE ``nft -f`` transaction or
one ``iptables-restore --noflush`` per address family (undone if a later family fails).

Layers: _netfilter_config (the modules' values), _netfilter_model (NfRule, Role, ChainSpec, Chain),
_nft / _iptables (each backend's notation, canonical form, reads and transactions), and this file
(finding the tools, the engine's Kind, the module task).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any, Callable, Dict, Hashable, List, Optional, Sequence, Tuple

from ansible_collections.pbr.linux.plugins.module_utils import _engine as engine
from ansible_collections.pbr.linux.plugins.module_utils._host import Host
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_config import (
    FAMILY_CHOICES,
    check_name,
    parse_families,
)
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_model import Chain, ChainSpec, Role
from ansible_collections.pbr.linux.plugins.module_utils._values import (
    PbrError,
    invalid,
)

BACKENDS = ("auto", "nftables", "iptables")
TOOL_TIMEOUT = 60

_SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")


# ---------------------------------------------------------------------------- tools
def find_tool(name: str) -> Optional[str]:
    """``name`` on PATH or in the sbin directories (as Ansible's get_bin_path looks)."""
    path = os.environ.get("PATH", os.defpath)
    return shutil.which(name, path=os.pathsep.join([path, *_SBIN]))


TOOLS = {
    "nftables": {"any": ["nft"]},
    "iptables": {"ipv4": ["iptables-restore", "iptables-save"], "ipv6": ["ip6tables-restore", "ip6tables-save"]},
}


def resolve_backend(
    requested: Any, families: Sequence[str], which: Callable[[str], Optional[str]]
) -> Tuple[str, Dict[str, str]]:
    """auto -> nftables when ``nft`` is found, else iptables. Returns (backend, tool name -> path)."""
    if requested not in BACKENDS:
        raise invalid("backend", requested, "auto, nftables or iptables")

    def tools_for(backend: str, fams: Sequence[str]) -> Tuple[Dict[str, str], List[str]]:
        found: Dict[str, str] = {}
        missing: List[str] = []
        for key, names in TOOLS[backend].items():
            for tool in names:
                path = which(tool)
                if path:
                    found[tool] = path
                elif key == "any" or key in fams:
                    missing.append(tool)
        return found, missing

    if requested == "auto":
        found, missing = tools_for("nftables", families)
        if not missing:
            return "nftables", found
        found, missing = tools_for("iptables", families)
        if not missing:
            return "iptables", found
        raise PbrError(
            "backend: 'auto' found neither nft nor the iptables tools (" + ", ".join(missing) + ") on the "
            "managed host; expected nftables (the nft command) or iptables to be installed",
            "backend",
            requested,
        )
    found, missing = tools_for(requested, families)
    if missing:
        raise PbrError(
            f"backend: {requested!r} is not installed on the managed host ({', '.join(missing)} not found); "
            "expected the backend's commands on PATH or in /usr/sbin, or another backend",
            "backend",
            requested,
        )
    return requested, found


def run_tool(host: Host, argv: Sequence[str], stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    """Run a tool in the task's namespace (``ip netns exec``, which also gives it the namespace's /etc)."""
    prefix = [host.ip_bin, "netns", "exec", host.namespace] if host.namespace else []
    try:
        return subprocess.run(
            prefix + list(argv), input=stdin, capture_output=True, text=True, check=False, timeout=TOOL_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise PbrError(f"`{' '.join(argv)}` did not finish within {TOOL_TIMEOUT} s") from None


def shell_prefix(host_namespace: Optional[str]) -> str:
    return f"ip netns exec {host_namespace} " if host_namespace else ""


# ---------------------------------------------------------------------------- the engine's kind
Builder = Callable[[Dict[str, Any], Tuple[str, ...], str], List[ChainSpec]]


class NetfilterKind(engine.Kind[Chain, None]):
    """The chains of one task (``name``) of one module. ``read`` sees only this task's chains."""

    noun = "chain"

    def __init__(
        self, roles: Sequence[Role], build: Builder, which: Callable[[str], Optional[str]] = find_tool
    ) -> None:
        self.roles = list(roles)
        self.build = build
        self.which = which
        self.task = ""
        self.backend = ""
        self.families: Tuple[str, ...] = ()
        self.tools: Dict[str, str] = {}
        self.namespace: Optional[str] = None
        # what else is in table inet pbr_linux (other tasks' chains, sets): decides `delete table`
        self.table_chains: List[str] = []
        self.table_others: List[str] = []

    # identity --------------------------------------------------------------------------
    def key(self, obj: Chain) -> Hashable:
        """Rules compare in the backend's canonical form, never as text (see nft.canon, iptables.canon)."""
        backend = self._backend(obj.backend)
        rules = tuple(backend.canon(rule) for rule in obj.rules)
        return (obj.backend, obj.family, obj.name, backend.canon_header(obj.hook), rules, obj.jumps)

    def slot(self, obj: Chain) -> Hashable:
        return (obj.backend, obj.family, obj.name)

    def group(self, obj: Chain) -> Hashable:
        return self.task

    def owned(self, obj: Chain) -> bool:
        return obj.name in self.chain_names(obj.backend)

    def sort_key(self, obj: Chain) -> Any:
        return (obj.backend, obj.family, obj.name)

    def chain_names(self, backend: str) -> List[str]:
        if backend == "nftables":
            return [r.nft_name(self.task) for r in self.roles]
        return [r.ipt_name(self.task) for r in self.roles]

    # notation --------------------------------------------------------------------------
    def _backend(self, backend: str) -> Any:
        from ansible_collections.pbr.linux.plugins.module_utils import _iptables as iptables
        from ansible_collections.pbr.linux.plugins.module_utils import _nft as nft

        return nft if backend == "nftables" else iptables

    def show(self, obj: Chain) -> str:
        return self._backend(obj.backend).show(obj)

    def section(self, obj: Chain) -> str:
        return self._backend(obj.backend).section(obj)

    def describe(self, obj: Chain) -> str:
        return f"{obj.backend} {obj.family} chain {obj.name}"

    def changes(self, op: engine.Op[Chain]) -> List[Dict[str, Any]]:
        """Rule by rule, in the backend's notation, compared in its canonical form (nft words a rule its own way)."""
        return engine.line_changes(
            self._lines(op.held), self._lines(op.wanted), f"{self.section(op.obj)}: chain {op.obj.name}"
        )

    def _lines(self, obj: Optional[Chain]) -> List[Tuple[Hashable, str]]:
        if obj is None:
            return []
        backend = self._backend(obj.backend)
        if obj.backend == "nftables":
            head = [(("hook", backend.canon_header(obj.hook)), obj.hook)] if obj.hook else []
            return head + [(("rule", backend.canon(rule)), rule) for rule in obj.rules]
        jump = f"-A {obj.hook} -j {obj.name}"
        lines: List[Tuple[Hashable, str]] = [(("jump", n, jump), jump) for n in range(obj.jumps)]
        return lines + [(("rule", backend.canon(rule)), f"-A {obj.name} {rule}") for rule in obj.rules]

    def to_config(self, obj: Chain) -> Dict[str, Any]:
        out: Dict[str, Any] = {
            "backend": obj.backend,
            "family": obj.family,
            "chain": obj.name,
            "hook": obj.hook,
            "rules": list(obj.rules),
        }
        if obj.backend == "iptables":
            out["jumps"] = obj.jumps
        return out

    def plan_commands(self, plan: engine.Plan[Chain]) -> List[str]:
        if not plan.ops:
            return []
        return self._backend(self.backend).commands(self, plan)

    # I/O -------------------------------------------------------------------------------
    def from_config(self, config: Sequence[Dict[str, Any]], context: Optional[None]) -> List[Chain]:
        params = dict(config[0]) if config else {}
        self.task = check_name(params.get("name"))
        state = params.get("state") or "present"
        if state not in ("present", "absent"):
            raise invalid("state", state, "present or absent")
        self.families = parse_families(params.get("family") or "ipv4")
        self.backend, self.tools = resolve_backend(params.get("backend") or "auto", self.families, self.which)
        if state == "absent":
            return []
        specs = self.build(params, self.families, self.backend)
        return self._backend(self.backend).render(self.task, specs, self.families)

    def read(self, host: Host) -> List[Chain]:
        self.namespace = host.namespace
        return self._backend(self.backend).read(self, host)

    def apply(self, plan: engine.Plan[Chain], host: Host) -> None:
        self._backend(self.backend).apply(self, plan, host)


# ---------------------------------------------------------------------------- module glue
COMMON_OPTIONS: Dict[str, Any] = {
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "backend": {"type": "str", "default": "auto", "choices": list(BACKENDS)},
    "family": {"type": "str", "default": "ipv4", "choices": list(FAMILY_CHOICES)},
    "namespace": {"type": "str"},
}


# module state -> engine state: the task's chains become exactly the desired ones (overridden over what
# the task owns), or all of them go (deleted)
STATES = {"present": "overridden", "absent": "deleted"}


def netfilter_task(kind: NetfilterKind, params: Dict[str, Any]) -> Any:
    """The runner's Task for a netfilter module (tproxy_divert, conntrack_mark)."""
    from ansible_collections.pbr.linux.plugins.module_utils._runner import Context, Task

    def extend(result: Dict[str, Any]) -> None:
        result["backend"] = kind.backend

    return Task(
        kind=kind,
        state=STATES[params["state"]],
        config=[params],
        context=Context(),
        namespace=params.get("namespace"),
        extend=extend,
    )
