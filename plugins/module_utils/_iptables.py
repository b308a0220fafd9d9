# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The iptables backend: our chains in the mangle table, one ``iptables-restore --noflush`` per family.

Rules are rendered close to how ``iptables-save`` prints them (compared in the canonical form of
:func:`canon`, never as text): ``-s -d -i -p`` first, ``-m tcp`` / ``-m multiport`` for ports, ``MARK --set-xmark v/m``,
``TPROXY --on-port P --on-ip A --tproxy-mark v/m`` (``--on-ip 0.0.0.0`` / ``::`` when unset).
Each chain is reached from its hook's built-in chain by exactly one ``-j`` rule: added when
missing, surplus copies removed, never duplicated. Declaring ``:CHAIN`` in a ``--noflush`` restore
flushes and refills only that chain; nothing else in the table is touched.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import shlex
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from ansible_collections.pbr.linux.plugins.module_utils._engine import Op, Plan
from ansible_collections.pbr.linux.plugins.module_utils._host import Host
from ansible_collections.pbr.linux.plugins.module_utils._netfilter import run_tool, shell_prefix
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_config import merge_ranges
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_model import Chain, ChainSpec, Mark, NfRule
from ansible_collections.pbr.linux.plugins.module_utils._values import U32_MAX, PbrError

FAMILIES = ("ipv4", "ipv6")
SAVE = {"ipv4": "iptables-save", "ipv6": "ip6tables-save"}
RESTORE = {"ipv4": "iptables-restore", "ipv6": "ip6tables-restore"}
BUILTIN = ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")
MULTIPORT_MAX = 15


# ---------------------------------------------------------------------------- render
def mark_text(mark: Mark) -> str:
    value, mask = mark
    return f"{value:#x}" if mask == U32_MAX else f"{value:#x}/{mask:#x}"


def port_text(port: Tuple[int, int]) -> str:
    return str(port[0]) if port[0] == port[1] else f"{port[0]}:{port[1]}"


def multiport_count(ports: Sequence[Tuple[int, int]]) -> int:
    """Slots a ``-m multiport --dports`` list takes (a range takes two); iptables allows 15."""
    return sum(1 if lo == hi else 2 for lo, hi in ports)


def _targets(rule: NfRule, family: str) -> List[List[str]]:
    if rule.tproxy:
        port, addr = rule.tproxy
        value, mask = rule.set_mark or (0, U32_MAX)
        on_ip = addr or ("0.0.0.0" if family == "ipv4" else "::")
        return [["-j", "TPROXY", "--on-port", str(port), "--on-ip", on_ip, "--tproxy-mark", f"{value:#x}/{mask:#x}"]]
    out: List[List[str]] = []
    if rule.set_mark:
        out.append(["-j", "MARK", "--set-xmark", f"{rule.set_mark[0]:#x}/{rule.set_mark[1]:#x}"])
    if rule.save_ctmark:
        ctmask = f"{rule.save_ctmark[1]:#x}"
        out.append(["-j", "CONNMARK", "--save-mark", "--nfmask", ctmask, "--ctmask", ctmask])
    if rule.verdict:
        out.append(["-j", rule.verdict.upper()])
    return out


def render_rules(rule: NfRule, family: str) -> List[str]:
    """The rule for one family as ``iptables-save`` lines without ``-A CHAIN`` (several when one
    nft rule needs several iptables rules: one per prefix, per protocol, per target)."""
    if rule.family and rule.family != family:
        return []
    out: List[str] = []
    none: List[Optional[str]] = [None]
    for src in [n.with_prefixlen for n in rule.saddr] or none:
        for dst in [n.with_prefixlen for n in rule.daddr] or none:
            for proto in list(rule.l4proto) or none:
                words: List[str] = []
                if src:
                    words += ["-s", src]
                if dst:
                    words += ["-d", dst]
                if rule.iif:
                    words += ["-i", rule.iif]
                if rule.daddr_local:
                    words += ["-m", "addrtype", "--dst-type", "LOCAL"]
                if proto:
                    words += ["-p", proto]
                if rule.dport and proto:
                    if len(rule.dport) == 1:
                        words += ["-m", proto, "--dport", port_text(rule.dport[0])]
                    else:
                        words += ["-m", "multiport", "--dports", ",".join(port_text(p) for p in rule.dport)]
                if rule.mark:
                    words += ["-m", "mark", "--mark", mark_text(rule.mark)]
                if rule.ctmark:
                    words += ["-m", "connmark", "--mark", mark_text(rule.ctmark)]
                if rule.ct_reply:
                    words += ["-m", "conntrack", "--ctdir", "REPLY"]
                if rule.skuid is not None:
                    words += ["-m", "owner", "--uid-owner", str(rule.skuid)]
                if rule.skgid is not None:
                    words += ["-m", "owner", "--gid-owner", str(rule.skgid)]
                if rule.socket_transparent:
                    words += ["-m", "socket", "--transparent"]
                out += [" ".join(words + target) for target in _targets(rule, family)]
    return out


def render(task: str, specs: Sequence[ChainSpec], families: Sequence[str]) -> List[Chain]:
    chains: List[Chain] = []
    for family in families:
        for spec in specs:
            rules: List[str] = []
            for rule in spec.rules:
                rules += render_rules(rule, family)
            chains.append(Chain("iptables", family, spec.role.ipt_name(task), spec.role.ipt_hook(), tuple(rules)))
    return chains


def show(chain: Chain) -> str:
    lines = [f":{chain.name} - [0:0]"]
    lines += [f"-A {chain.hook} -j {chain.name}"] * chain.jumps
    lines += [f"-A {chain.name} {rule}" for rule in chain.rules]
    return "\n".join(lines)


def section(chain: Chain) -> str:
    return f"{SAVE[chain.family]} -t mangle"


# ---------------------------------------------------------------------------- canonical form
# iptables-save prints a rule in its own words (module loads such as ``-m tcp``, a target's default
# options, ``/32`` on host addresses, ``--set-mark`` as ``--set-xmark``) and releases differ in
# them. Rules are compared in a canonical form parsed from ours and from the listing alike; a line
# outside the grammar of our rules stays text, which never equals a rule of ours.
_MATCH_MODULES = ("tcp", "udp", "multiport", "mark", "connmark", "socket", "owner", "addrtype", "conntrack")
_L4 = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp"}


class _Unreadable(Exception):
    """A line outside the grammar of the rules we write."""


def _num(text: str) -> int:
    num = int(text, 0)
    if not 0 <= num <= U32_MAX:
        raise _Unreadable(text)
    return num


def _value_mask(text: str) -> Tuple[int, int]:
    value, _slash, mask = text.partition("/")
    return _num(value), (_num(mask) if mask else U32_MAX)


def _ports(text: str) -> Tuple[Tuple[int, int], ...]:
    ranges: List[Tuple[int, int]] = []
    for item in text.split(","):
        lo, _sep, hi = item.partition(":")
        ranges.append((int(lo, 10), int(hi or lo, 10)))
    return tuple(merge_ranges(ranges))


def _prefix(text: str) -> Tuple[str, Tuple[int, int]]:
    net = ipaddress.ip_network(text, strict=False)
    return ("ipv4" if net.version == 4 else "ipv6"), (int(net.network_address), int(net.broadcast_address))


def _target(words: List[str]) -> Tuple[Any, ...]:
    """``-j`` and its options -> canonical action; options in any order, defaults filled in."""
    name, opts = words[0], words[1:]
    if len(opts) % 2 and name != "CONNMARK":
        raise _Unreadable("odd target options")
    if name in ("ACCEPT", "RETURN", "DROP"):
        if opts:
            raise _Unreadable("verdict with options")
        return ("verdict", name.lower())
    if name == "MARK":
        if len(opts) != 2:
            raise _Unreadable("MARK takes one option")
        value, mask = _value_mask(opts[1])
        if opts[0] == "--set-xmark":
            return ("xmark", "meta mark", value, mask)
        if opts[0] == "--set-mark":  # zero the mask's bits, then or the value in
            return ("xmark", "meta mark", value, (mask | value) & U32_MAX)
        if opts[0] == "--or-mark":
            return ("xmark", "meta mark", value, value)
        raise _Unreadable(opts[0])
    if name == "TPROXY":
        given = dict(zip(opts[::2], opts[1::2]))
        if set(given) - {"--on-port", "--on-ip", "--tproxy-mark"} or "--on-port" not in given:
            raise _Unreadable("TPROXY options")
        addr = ipaddress.ip_address(given.get("--on-ip", "0.0.0.0"))
        value, mask = _value_mask(given.get("--tproxy-mark", "0/0"))
        return ("tproxy", None if addr.is_unspecified else str(addr), int(given["--on-port"], 10), value, mask)
    if name == "CONNMARK":
        if not opts or opts[0] != "--save-mark":
            raise _Unreadable("CONNMARK other than --save-mark")
        rest = dict(zip(opts[1::2], opts[2::2]))
        if len(opts) % 2 == 0 or set(rest) - {"--nfmask", "--ctmask", "--mask"}:
            raise _Unreadable("CONNMARK options")
        both = rest.get("--mask")
        nfmask = _num(rest.get("--nfmask", both or "0xffffffff"))
        ctmask = _num(rest.get("--ctmask", both or "0xffffffff"))
        return ("save ctmark", nfmask, ctmask)
    raise _Unreadable(f"target {name}")


def _canon(text: str) -> Tuple[Any, ...]:
    words = shlex.split(text)
    matches: List[Any] = []
    module = ""
    proto = ""
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-j":
            if any(m[0] == "dport" and m[1] != proto for m in matches):
                raise _Unreadable("ports of another protocol")
            return ("rule", frozenset(matches), _target(words[i + 1 :]))
        if i + 1 >= len(words):
            raise _Unreadable(f"{word} without a value")
        arg = words[i + 1]
        i += 2
        if word in ("-s", "-d"):
            fam, interval = _prefix(arg)
            matches.append(("saddr" if word == "-s" else "daddr", fam, (interval,)))
        elif word == "-i":
            matches.append(("iif", arg[:-1], True) if arg.endswith("+") else ("iif", arg, False))
        elif word == "-p":
            proto = _L4[arg]
            matches.append(("l4proto", (proto,)))
        elif word == "-m":
            if arg not in _MATCH_MODULES:
                raise _Unreadable(f"match -m {arg}")
            module = arg
            if arg == "socket" and words[i : i + 1] == ["--transparent"]:
                matches.append(("socket transparent",))
                i += 1
        elif word == "--dport" and (module in ("tcp", "udp") or (not module and proto)):
            matches.append(("dport", module or proto, _ports(arg)))  # `-p tcp --dport` loads -m tcp itself
        elif word == "--dports" and module == "multiport":
            matches.append(("dport", proto, _ports(arg)))
        elif word in ("--uid-owner", "--gid-owner") and module == "owner":
            lo, _dash, hi = arg.partition("-")
            if hi and hi != lo:
                raise _Unreadable("an owner range")
            matches.append(("skuid" if word == "--uid-owner" else "skgid", _num(lo)))
        elif word == "--ctdir" and module == "conntrack" and arg == "REPLY":
            matches.append(("ct reply",))
        elif word == "--dst-type" and module == "addrtype" and arg == "LOCAL":
            matches.append(("daddr local",))
        elif word == "--mark" and module in ("mark", "connmark"):
            value, mask = _value_mask(arg)
            matches.append(("meta mark" if module == "mark" else "ct mark", mask, value & mask))
        else:
            raise _Unreadable(f"option {word}")
    raise _Unreadable("no target")


@functools.lru_cache(maxsize=4096)
def canon(text: str) -> Tuple[Any, ...]:
    """One rule (an ``iptables-save`` line without ``-A CHAIN``) -> its canonical form.

    A line outside the grammar of our rules becomes ``('unreadable', text)``: never equal to ours.
    """
    try:
        return _canon(text)
    except (_Unreadable, ValueError, KeyError, IndexError):
        return ("unreadable", " ".join(text.split()))


def canon_header(text: str) -> str:
    return text


# ---------------------------------------------------------------------------- parse / read
def parse_save(text: str) -> Tuple[Set[str], Dict[str, List[str]], Dict[Tuple[str, str], List[int]]]:
    """``iptables-save -t mangle`` -> (chains, rules per chain, {(builtin, target): rule numbers of plain jumps})."""
    chains: Set[str] = set()
    rules: Dict[str, List[str]] = {}
    jumps: Dict[Tuple[str, str], List[int]] = {}
    in_mangle = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("*"):
            in_mangle = line == "*mangle"
            continue
        if not in_mangle or not line or line.startswith("#"):
            continue
        if line == "COMMIT":
            in_mangle = False
        elif line.startswith(":"):
            name = line[1:].split()[0]
            chains.add(name)
            rules.setdefault(name, [])
        elif line.startswith("-A "):
            parts = line.split(" ", 2)
            chain, rest = parts[1], parts[2] if len(parts) > 2 else ""
            rules.setdefault(chain, []).append(rest)
            match = re.fullmatch(r"-j (\S+)", rest)
            if chain in BUILTIN and match:
                jumps.setdefault((chain, match.group(1)), []).append(len(rules[chain]))
    return chains, rules, jumps


def read(kind: Any, host: Host) -> List[Chain]:
    out: List[Chain] = []
    for family in FAMILIES:
        tool = kind.tools.get(SAVE[family])
        if not tool:
            continue
        proc = run_tool(host, [tool, "-t", "mangle"])
        if proc.returncode != 0:
            raise PbrError(f"`{SAVE[family]} -t mangle` failed: {proc.stderr.strip()}")
        chains, rules, jumps = parse_save(proc.stdout)
        for role in kind.roles:
            name = role.ipt_name(kind.task)
            if name in chains:
                hook = role.ipt_hook()
                at = tuple(jumps.get((hook, name), ()))
                out.append(Chain("iptables", family, name, hook, tuple(rules[name]), len(at), at))
    return out


# ---------------------------------------------------------------------------- apply
def restore_lines(ops: Sequence[Op[Chain]]) -> List[str]:
    """``iptables-restore --noflush`` input for one family's operations."""
    declare: List[str] = []
    body: List[str] = []
    for op in ops:
        chain = op.obj
        if op.action == "delete":
            body += [f"-D {chain.hook} -j {chain.name}"] * chain.jumps
            body += [f"-F {chain.name}", f"-X {chain.name}"]
            continue
        declare.append(f":{chain.name} - [0:0]")
        body += [f"-A {chain.name} {rule}" for rule in chain.rules]
        old = op.old
        jumps = old.jumps if old is not None else 0
        if old is not None and old.hook != chain.hook:
            body += [f"-D {old.hook} -j {chain.name}"] * old.jumps
            jumps = 0
        if jumps == 0:
            body.append(f"-A {chain.hook} -j {chain.name}")
        elif old is not None and len(old.jump_positions) == jumps:
            # keep the first jump where it is; delete the others by number, last first
            body += [f"-D {chain.hook} {pos}" for pos in sorted(old.jump_positions[1:], reverse=True)]
        else:
            body += [f"-D {chain.hook} -j {chain.name}"] * (jumps - 1)
    return ["*mangle", *declare, *body, "COMMIT"]


def _by_family(ops: Sequence[Op[Chain]]) -> List[Tuple[str, List[Op[Chain]]]]:
    return [
        (fam, [op for op in ops if op.obj.family == fam]) for fam in FAMILIES if any(op.obj.family == fam for op in ops)
    ]


def commands(kind: Any, plan: Plan[Chain]) -> List[str]:
    out: List[str] = []
    for family, ops in _by_family(plan.ops):
        out += [f"{shell_prefix(kind.namespace)}{RESTORE[family]} --noflush <<'EOF'", *restore_lines(ops), "EOF"]
    return out


def apply(kind: Any, plan: Plan[Chain], host: Host) -> None:
    """Test every family's input first; apply them in turn; if one fails, undo the families done."""
    steps = [(fam, ops, "".join(line + "\n" for line in restore_lines(ops))) for fam, ops in _by_family(plan.ops)]
    for family, _ops, text in steps:
        proc = run_tool(host, [kind.tools[RESTORE[family]], "--noflush", "--test"], text)
        if proc.returncode != 0:
            raise PbrError(
                f"{RESTORE[family]} refused the change (--test), nothing was changed: {_errors(proc.stderr)}"
            )
    done: List[Tuple[str, List[Op[Chain]]]] = []
    for family, ops, text in steps:
        proc = run_tool(host, [kind.tools[RESTORE[family]], "--noflush"], text)
        if proc.returncode != 0:
            undone = []
            for fam, fam_ops in reversed(done):
                undo = "".join(line + "\n" for line in restore_lines([op.inverse() for op in reversed(fam_ops)]))
                again = run_tool(host, [kind.tools[RESTORE[fam]], "--noflush"], undo)
                undone.append(fam if again.returncode == 0 else f"{fam} (undo failed: {_errors(again.stderr)})")
            note = f"; {', '.join(undone)} changes were undone" if undone else ""
            raise PbrError(f"{RESTORE[family]} failed, its input was not applied: {_errors(proc.stderr)}{note}")
        done.append((family, ops))


def _errors(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.startswith("# Warning")]
    return " | ".join(lines[:6])
