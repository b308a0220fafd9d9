# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""netfilter, the model: backend-neutral rules (NfRule), the chains a task owns (Role, ChainSpec) and a chain
as a backend lists it (Chain)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from ansible_collections.pbr.linux.plugins.module_utils._values import (
    Network,
)

Mark = Tuple[int, int]  # (value, mask)
PortRange = Tuple[int, int]
# Every iptables chain a task owns, as a regular expression (ERE and Python alike): PBR_<NAME>_<ipt> with the
# task name upper-cased (names are lowercase letters, digits and '-'). pbr.linux.persist and pbr-linux-restore
# recognise our chains by it.
IPT_CHAIN_PATTERN = "PBR_[A-Z0-9_-]+"


# ---------------------------------------------------------------------------- model
@dataclass(frozen=True)
class NfRule:
    """One rule, backend-neutral. Matches are ANDed; actions run in the order of the fields.

    ``family`` restricts the rule to ipv4 or ipv6 (required with addresses, which are of that family);
    None means both. ``save_ctmark`` sets the connection mark bits under its mask to its value
    (always used together with the same ``set_mark``, so it equals CONNMARK --save-mark).
    """

    family: Optional[str] = None
    iif: Optional[str] = None
    saddr: Tuple[Network, ...] = ()
    daddr: Tuple[Network, ...] = ()
    l4proto: Tuple[str, ...] = ()
    dport: Tuple[PortRange, ...] = ()
    daddr_local: bool = False  # the destination is one of the host's own addresses (fib / addrtype LOCAL)
    mark: Optional[Mark] = None
    ct_reply: bool = False  # the packet is in the reply direction of its connection
    skuid: Optional[int] = None  # owner of the sending socket (output chains only)
    skgid: Optional[int] = None
    ctmark: Optional[Mark] = None
    socket_transparent: bool = False
    tproxy: Optional[Tuple[int, Optional[str]]] = None  # (port, address or None)
    set_mark: Optional[Mark] = None
    save_ctmark: Optional[Mark] = None
    verdict: Optional[str] = None  # accept | return


@dataclass(frozen=True)
class Role:
    """A chain a module's task owns: nft ``<name>_<key>``, iptables ``PBR_<NAME>_<ipt>``."""

    key: str
    hook: str  # prerouting | output
    nft_type: str  # filter | route (route re-routes locally generated packets whose mark changed)
    ipt: str

    def nft_name(self, task: str) -> str:
        return f"{task}_{self.key}"

    def ipt_name(self, task: str) -> str:
        return f"PBR_{task.upper()}_{self.ipt}"

    def nft_header(self) -> str:
        return f"type {self.nft_type} hook {self.hook} priority mangle; policy accept;"

    def ipt_hook(self) -> str:
        return self.hook.upper()


@dataclass(frozen=True)
class ChainSpec:
    role: Role
    rules: Tuple[NfRule, ...]


@dataclass(frozen=True)
class Chain:
    """One owned chain as the backend prints it.

    nftables: family 'inet', hook = the chain's ``type ... hook ... priority ...;`` line ('' when it
    is not a base chain). iptables: family ipv4/ipv6, hook = the built-in chain that jumps to it,
    jumps = how many exact ``-A <hook> -j <name>`` rules there are (1 when all is well), and
    jump_positions their rule numbers (surplus jumps are deleted by number, so the first one stays where it is).
    """

    backend: str
    family: str
    name: str
    hook: str
    rules: Tuple[str, ...]
    jumps: int = 1
    # iptables: where the jumps are in the hook's chain (1-based rule numbers, as read; not part of the key)
    jump_positions: Tuple[int, ...] = ()
