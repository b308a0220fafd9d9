# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nftables backend: our chains in ``table inet pbr_linux``, one ``nft -f`` transaction per task.

Rules are rendered close to how ``nft list table`` prints them (marks as ``0x%08x``, a masked mark
set as ``meta mark & (~mask|mark) | mark``, sets sorted and merged, host prefixes without ``/32``),
for readable diffs; they are compared in the canonical form of :func:`canon`, never as text, since
nft words some rules its own way (and releases differ). ``nft -j`` output is never fed back to nft
(it would append duplicate rules).
"""

from __future__ import annotations

import functools
import grp
import ipaddress
import pwd
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ansible_collections.pbr.linux.plugins.module_utils._engine import Plan
from ansible_collections.pbr.linux.plugins.module_utils._host import Host
from ansible_collections.pbr.linux.plugins.module_utils._netfilter import run_tool, shell_prefix
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_config import merge_ranges
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_model import Chain, ChainSpec, Mark, NfRule
from ansible_collections.pbr.linux.plugins.module_utils._values import U32_MAX, PbrError, is_wildcard

TABLE = "inet pbr_linux"
SECTION = f"nft list table {TABLE}"


# ---------------------------------------------------------------------------- render
def hex32(value: int) -> str:
    return f"0x{value:08x}"


def mark_match(word: str, mark: Mark) -> str:
    value, mask = mark
    if mask == U32_MAX:
        return f"{word} {hex32(value)}"
    return f"{word} & {hex32(mask)} == {hex32(value)}"


def mark_set(word: str, mark: Mark) -> str:
    """``word`` bits under the mask become the value; the other bits stay (nft prints and-mask ~mask|value)."""
    value, mask = mark
    if mask == U32_MAX:
        return f"{word} set {hex32(value)}"
    return f"{word} set {word} & {hex32((~mask | value) & U32_MAX)} | {hex32(value)}"


def set_text(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else "{ " + ", ".join(items) + " }"


def ports_text(ports: Sequence[Tuple[int, int]]) -> str:
    return set_text([str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports])


def addrs_text(nets: Sequence[Any]) -> str:
    """Prefixes as nft prints an (interval) set of them: merged, sorted, ranges where no prefix fits."""
    version = nets[0].version
    bits = 32 if version == 4 else 128
    make = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    items: List[str] = []
    for lo, hi in merge_ranges([(int(n.network_address), int(n.broadcast_address)) for n in nets]):
        size = hi - lo + 1
        if size & (size - 1) == 0 and lo % size == 0:
            plen = bits - (size.bit_length() - 1)
            items.append(str(make(lo)) if plen == bits else f"{make(lo)}/{plen}")
        else:
            items.append(f"{make(lo)}-{make(hi)}")
    return set_text(items)


def iifname_text(name: str) -> str:
    """``iifname "..."``: our wildcard ``eth+`` is nft's ``eth*``; a literal trailing ``*`` is escaped."""
    if is_wildcard(name):
        return f'iifname "{name[:-1]}*"'
    return f'iifname "{name[:-1]}\\*"' if name.endswith("*") else f'iifname "{name}"'


def render_rule(rule: NfRule) -> str:
    words: List[str] = []
    if rule.family and not rule.saddr and not rule.daddr:
        words.append(f"meta nfproto {rule.family}")
    if rule.iif:
        words.append(iifname_text(rule.iif))
    ip = "ip6" if rule.family == "ipv6" else "ip"
    if rule.saddr:
        words.append(f"{ip} saddr {addrs_text(rule.saddr)}")
    if rule.daddr:
        words.append(f"{ip} daddr {addrs_text(rule.daddr)}")
    if rule.daddr_local:
        words.append("fib daddr type local")
    if rule.dport:
        words.append(f"{rule.l4proto[0]} dport {ports_text(rule.dport)}")
    elif rule.l4proto:
        words.append("meta l4proto " + set_text(list(rule.l4proto)))
    if rule.mark:
        words.append(mark_match("meta mark", rule.mark))
    if rule.skuid is not None:
        words.append(f"meta skuid {rule.skuid}")
    if rule.skgid is not None:
        words.append(f"meta skgid {rule.skgid}")
    if rule.ctmark:
        words.append(mark_match("ct mark", rule.ctmark))
    if rule.ct_reply:
        words.append("ct direction reply")
    if rule.socket_transparent:
        words.append("socket transparent 1")
    if rule.tproxy:
        port, addr = rule.tproxy
        target = "" if addr is None else (f"[{addr}]" if ":" in addr else addr)
        words.append(f"tproxy {ip} to {target}:{port}")
    if rule.set_mark:
        words.append(mark_set("meta mark", rule.set_mark))
    if rule.save_ctmark:
        words.append(mark_set("ct mark", rule.save_ctmark))
    if rule.verdict:
        words.append(rule.verdict)
    return " ".join(words)


def render(task: str, specs: Sequence[ChainSpec], families: Sequence[str]) -> List[Chain]:
    return [
        Chain(
            "nftables",
            "inet",
            spec.role.nft_name(task),
            spec.role.nft_header(),
            tuple(render_rule(r) for r in spec.rules),
        )
        for spec in specs
    ]


def show(chain: Chain) -> str:
    lines = [f"chain {chain.name} {{"]
    if chain.hook:
        lines.append(f"\t{chain.hook}")
    lines += [f"\t{rule}" for rule in chain.rules]
    lines.append("}")
    return "\n".join(lines)


def section(chain: Chain) -> str:
    return SECTION


# ---------------------------------------------------------------------------- canonical form
# nft lists a rule in its own words, which are not always ours (it drops a no-op ``& 0xffffffff``,
# keeps ``{ }`` round a one-element set, merges set elements, leaves out dependencies such as
# ``meta l4proto tcp`` before ``tcp dport``), and another nft release may word it differently again.
# So rules are never compared as text: ours and the listed one are both parsed into the same
# canonical form, where every way of writing one rule is the same value. A rule we cannot read
# (written by hand into our chain, or in words this parser does not know) stays its text: it never
# equals a rule of ours, so the chain is rewritten rather than wrongly taken as up to date.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{},]|[^\s{},]+')
_VERDICTS = ("accept", "return", "drop")
_L4 = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp"}
_NFPROTO = {"ipv4": "ipv4", "ipv6": "ipv6"}
_IP = {"ip": ("ipv4", ipaddress.IPv4Address, 32), "ip6": ("ipv6", ipaddress.IPv6Address, 128)}


class _Unreadable(Exception):
    """A rule outside the grammar of the rules we write."""


class _Tokens:
    def __init__(self, text: str) -> None:
        self.items = _TOKEN.findall(text)
        self.pos = 0

    def more(self) -> bool:
        return self.pos < len(self.items)

    def peek(self) -> str:
        return self.items[self.pos] if self.more() else ""

    def take(self, *expected: str) -> str:
        if not self.more():
            raise _Unreadable("rule ends early")
        tok = self.items[self.pos]
        self.pos += 1
        if expected and tok not in expected:
            raise _Unreadable(f"{tok!r} where {expected} was expected")
        return tok

    def value(self) -> List[str]:
        """One value or the elements of an anonymous set ``{ a, b }``."""
        if self.peek() != "{":
            return [self.take()]
        self.take("{")
        items: List[str] = []
        while self.peek() != "}":
            tok = self.take()
            if tok != ",":
                items.append(tok)
        self.take("}")
        if not items:
            raise _Unreadable("empty set")
        return items


def _number(text: str) -> int:
    num = int(text, 0)
    if not 0 <= num <= U32_MAX:
        raise _Unreadable(f"{text} is out of range")
    return num


def _intervals(items: Sequence[str], parse: Any, bits: int) -> Tuple[Tuple[int, int], ...]:
    """Set elements (``a``, ``a-b``, ``a/len``) -> sorted, merged integer intervals."""
    out: List[Tuple[int, int]] = []
    for item in items:
        if "/" in item:
            addr, _slash, plen = item.partition("/")
            lo, size = parse(addr), 1 << (bits - int(plen))
            out.append((lo - lo % size, lo - lo % size + size - 1))
        elif "-" in item and not item.startswith("-"):
            lo_text, _dash, hi_text = item.partition("-")
            out.append((parse(lo_text), parse(hi_text)))
        else:
            out.append((parse(item), parse(item)))
    return tuple(merge_ranges(out))


def _mark_statement(toks: _Tokens, word: str, matches: List[Any], actions: List[Any]) -> None:
    """After ``meta mark`` / ``ct mark``: a match (``V``, ``& M == V``) or a set (``set ...``)."""
    nxt = toks.take()
    if nxt == "set":
        if toks.peek() == word.split()[0]:
            toks.take(word.split()[0])
            toks.take("mark")
            keep, value = U32_MAX, 0  # new = (old & keep) | value
            if toks.peek() == "&":
                toks.take("&")
                keep = _number(toks.take())
            if toks.peek() == "|":
                toks.take("|")
                value = _number(toks.take())
        else:
            keep, value = 0, _number(toks.take())
        # bits the value sets do not depend on the and-mask: ``& 0xffffffff | 1`` == ``| 1``
        actions.append(("set", word, (keep | value) & U32_MAX, value))
    elif nxt == "&":
        mask = _number(toks.take())
        toks.take("==")
        matches.append((word, mask, _number(toks.take()) & mask))
    elif "/" in nxt:  # nft lists a mask of leading ones as a prefix: `& 0xfffffffe == 0x2` -> `0x00000002/31`
        value_text, _slash, plen_text = nxt.partition("/")
        plen = int(plen_text, 10)
        if not 0 <= plen <= 32:
            raise _Unreadable(f"mark prefix {nxt}")
        mask = U32_MAX ^ ((1 << (32 - plen)) - 1)
        matches.append((word, mask, _number(value_text) & mask))
    else:
        matches.append((word, U32_MAX, _number(nxt)))


def _iifname(token: str) -> Tuple[str, str, bool]:
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise _Unreadable("iifname without a quoted name")
    name = token[1:-1]
    if name.endswith("\\*"):
        return ("iif", name[:-2] + "*", False)
    if name.endswith("*"):
        return ("iif", name[:-1], True)
    if "\\" in name:
        raise _Unreadable("escaped interface name")
    return ("iif", name, False)


def _tproxy_target(text: str) -> Tuple[Optional[str], Optional[int]]:
    if text.startswith("["):
        addr, _sep, rest = text[1:].partition("]")
        return str(ipaddress.IPv6Address(addr)), (int(rest[1:]) if rest.startswith(":") else None)
    if text.count(":") == 1:
        addr, _sep, port = text.partition(":")
        return (str(ipaddress.ip_address(addr)) if addr else None), int(port)
    return str(ipaddress.ip_address(text)), None


def _owner(key: str, token: str) -> int:
    """``meta skuid 13`` (nft prints numbers; a quoted name, as some releases print it, is looked up)."""
    if token.startswith('"'):
        name = token.strip('"')
        return pwd.getpwnam(name).pw_uid if key == "skuid" else grp.getgrnam(name).gr_gid
    return _number(token)


def _canon(text: str) -> Tuple[Any, ...]:
    toks = _Tokens(text)
    matches: List[Any] = []
    actions: List[Any] = []
    while toks.more():
        before = len(matches)
        tok = toks.take()
        if tok == "meta":
            key = toks.take("nfproto", "l4proto", "mark", "skuid", "skgid")
            if key in ("skuid", "skgid"):
                matches.append((key, _owner(key, toks.take())))
            elif key == "nfproto":
                matches.append(("nfproto", _NFPROTO[toks.take()]))
            elif key == "l4proto":
                matches.append(("l4proto", tuple(sorted({_L4[p] for p in toks.value()}))))
            else:
                _mark_statement(toks, "meta mark", matches, actions)
        elif tok == "ct":
            if toks.take("mark", "direction") == "direction":
                toks.take("reply")
                matches.append(("ct reply",))
            else:
                _mark_statement(toks, "ct mark", matches, actions)
        elif tok == "iifname":
            matches.append(_iifname(toks.take()))
        elif tok in _IP:
            fam, make, bits = _IP[tok]
            direction = toks.take("saddr", "daddr")
            matches.append((direction, fam, _intervals(toks.value(), lambda a, m=make: int(m(a)), bits)))
        elif tok in ("tcp", "udp"):
            toks.take("dport")
            matches.append(("dport", tok, _intervals(toks.value(), lambda p: int(p, 10), 16)))
        elif tok == "fib":
            toks.take("daddr")
            toks.take("type")
            toks.take("local")
            matches.append(("daddr local",))
        elif tok == "socket":
            toks.take("transparent")
            toks.take("1")
            matches.append(("socket transparent",))
        elif tok == "tproxy":
            family: Optional[str] = _IP[toks.take()][0] if toks.peek() in _IP else None
            toks.take("to")
            actions.append(("tproxy", family) + _tproxy_target(toks.take()))
        elif tok in _VERDICTS:
            actions.append(("verdict", tok))
        else:
            raise _Unreadable(f"unknown word {tok!r}")
        if actions and len(matches) > before:
            raise _Unreadable("a match after a statement")
    # dependencies nft adds by itself and leaves out of its listing
    families = {m[1] for m in matches if m[0] in ("saddr", "daddr")}
    dports = {m[1] for m in matches if m[0] == "dport"}
    kept = [
        m
        for m in matches
        if not (m[0] == "nfproto" and m[1] in families)
        and not (m[0] == "l4proto" and len(m[1]) == 1 and m[1][0] in dports)
    ]
    return ("rule", frozenset(kept), tuple(actions))


@functools.lru_cache(maxsize=4096)
def canon(text: str) -> Tuple[Any, ...]:
    """One rule's text (ours or ``nft list``'s) -> its canonical form (equal for equal rules).

    Text outside the grammar of our rules becomes ``('unreadable', text)``: never equal to ours.
    """
    try:
        return _canon(text)
    except (_Unreadable, ValueError, KeyError, IndexError):
        return ("unreadable", " ".join(text.split()))


def canon_header(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------- parse / read
def parse_table(text: str) -> Tuple[Dict[str, Tuple[str, List[str]]], List[str]]:
    """``nft list table`` text -> ({chain: (type line or '', rules)}, [other top-level objects])."""
    chains: Dict[str, Tuple[str, List[str]]] = {}
    others: List[str] = []
    depth = 0
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line)
        delta = bare.count("{") - bare.count("}")
        if depth == 1 and current is None:
            match = re.match(r"^chain (\S+) \{$", line)
            if match:
                current = match.group(1)
                chains[current] = ("", [])
            elif line != "}":
                others.append(line.split("{")[0].strip())
        elif depth == 2 and current is not None and line != "}":
            header, rules = chains[current]
            if line.startswith("type ") and not header and not rules:
                chains[current] = (line, rules)
            else:
                rules.append(line)
        depth += delta
        if depth <= 1:
            current = None
    return chains, others


def read(kind: Any, host: Host) -> List[Chain]:
    proc = run_tool(host, [kind.tools["nft"], "list", "table", "inet", "pbr_linux"])
    if proc.returncode != 0:
        if "No such file or directory" not in proc.stderr:
            raise PbrError(f"`nft list table {TABLE}` failed: {_first_lines(proc.stderr)}")
        chains: Dict[str, Tuple[str, List[str]]] = {}
        others: List[str] = []
    else:
        chains, others = parse_table(proc.stdout)
    kind.table_chains = list(chains)
    kind.table_others = others
    names = kind.chain_names("nftables")
    return [
        Chain("nftables", "inet", name, header, tuple(rules))
        for name, (header, rules) in chains.items()
        if name in names
    ]


# ---------------------------------------------------------------------------- apply
def script(kind: Any, plan: Plan[Chain]) -> List[str]:
    """The ``nft -f`` input for a plan: only our chains, in one transaction."""
    lines: List[str] = []
    removed, added = set(), set()
    if any(op.action != "delete" for op in plan.ops):
        lines.append(f"table {TABLE} {{}}")
    for op in plan.ops:
        chain = op.obj
        if op.action == "delete" or (op.action == "replace" and op.old is not None and op.old.hook != chain.hook):
            lines += [f"flush chain {TABLE} {chain.name}", f"delete chain {TABLE} {chain.name}"]
            if op.action == "delete":
                removed.add(chain.name)
                continue
        lines.append(f"add chain {TABLE} {chain.name}" + (f" {{ {chain.hook} }}" if chain.hook else ""))
        lines.append(f"flush chain {TABLE} {chain.name}")
        lines += [f"add rule {TABLE} {chain.name} {rule}" for rule in chain.rules]
        added.add(chain.name)
    if not ((set(kind.table_chains) - removed) | added) and not kind.table_others:
        lines.append(f"delete table {TABLE}")
    return lines


def commands(kind: Any, plan: Plan[Chain]) -> List[str]:
    return [f"{shell_prefix(kind.namespace)}nft -f - <<'EOF'", *script(kind, plan), "EOF"]


def apply(kind: Any, plan: Plan[Chain], host: Host) -> None:
    text = "".join(line + "\n" for line in script(kind, plan))
    nft = kind.tools["nft"]
    check = run_tool(host, [nft, "-c", "-f", "-"], text)
    if check.returncode != 0:
        raise PbrError(f"nftables refused the change (nft -c -f), nothing was changed: {_first_lines(check.stderr)}")
    proc = run_tool(host, [nft, "-f", "-"], text)
    if proc.returncode != 0:
        raise PbrError(f"nft -f failed; the transaction was not applied: {_first_lines(proc.stderr)}")


def _first_lines(text: str, count: int = 6) -> str:
    return " | ".join(line.rstrip() for line in text.strip().splitlines()[:count])
