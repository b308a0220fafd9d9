# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helpers for rules: hypothesis strategies for valid Rules, and fake netlink messages.

Not a test module: test_rule.py and test_rule_kernel.py import it.
"""

from __future__ import annotations

import ipaddress
import string
from typing import Any, Dict, List, Optional, Tuple

from hypothesis import strategies as st

from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import ACTIONS, Rule
from ansible_collections.pbr.linux.plugins.module_utils._values import PBR_PROTO, U32_MAX

# Documentation ranges: the only addresses a kernel-backed test may use.
DOC_NETS = {
    2: [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")],
    10: [ipaddress.ip_network("2001:db8::/32")],
}
IFNAME_CHARS = string.ascii_letters + string.digits + "_-.@"


class FakeMsg(dict):  # type: ignore[type-arg]
    """A pyroute2-like fib rule message: header fields as keys, ``attrs`` as (name, value) pairs."""

    def get_attr(self, name: str, default: Any = None) -> Any:
        for key, value in self.get("attrs", ()):
            if key == name:
                return value
        return default


def fake_msg(family: int = 2, attrs: Optional[List[Tuple[str, Any]]] = None, **header: Any) -> FakeMsg:
    base = {"family": family, "dst_len": 0, "src_len": 0, "tos": 0, "table": 0, "action": 1, "flags": 0}
    base.update(header)
    msg = FakeMsg(base)
    msg["attrs"] = list(attrs or [])
    return msg


def kernel_view(rule: Rule) -> FakeMsg:
    """The message the kernel dumps for ``rule`` (checked against real dumps in test_rule_kernel.py).

    Encodes the kernel's quirks: tables above 255 go in FRA_TABLE with header 252, a zero mark
    is only visible as FRA_FWMASK, an unset suppress_prefixlength reads as 0xffffffff, the
    priority attribute is absent for priority 0, FRA_GOTO only for goto.
    """
    attrs: List[Tuple[str, Any]] = []
    header: Dict[str, Any] = {"action": ACTIONS[rule.action], "tos": rule.tos, "flags": 2 if rule.invert else 0}
    table = rule.table if isinstance(rule.table, int) else 0
    header["table"] = table if table < 256 else 252
    attrs.append(("FRA_TABLE", table))
    attrs.append(
        ("FRA_SUPPRESS_PREFIXLEN", U32_MAX if rule.suppress_prefixlength is None else rule.suppress_prefixlength)
    )
    attrs.append(("FRA_PROTOCOL", rule.protocol))
    if rule.priority:
        attrs.append(("FRA_PRIORITY", rule.priority))
    if rule.iif:
        attrs.append(("FRA_IIFNAME", rule.iif))
    if rule.oif:
        attrs.append(("FRA_OIFNAME", rule.oif))
    if rule.fwmark:
        attrs.append(("FRA_FWMARK", rule.fwmark))
    if rule.fwmark is not None and (rule.fwmark or rule.fwmask):
        attrs.append(("FRA_FWMASK", rule.fwmask))
    if rule.goto is not None:
        attrs.append(("FRA_GOTO", rule.goto))
    if rule.uidrange:
        attrs.append(("FRA_UID_RANGE", "{}:{}".format(*rule.uidrange)))
    if rule.sport:
        attrs.append(("FRA_SPORT_RANGE", "{}:{}".format(*rule.sport)))
    if rule.dport:
        attrs.append(("FRA_DPORT_RANGE", "{}:{}".format(*rule.dport)))
    if rule.ipproto:
        attrs.append(("FRA_IP_PROTO", rule.ipproto))
    for name, prefix, length in (("FRA_SRC", rule.src, "src_len"), ("FRA_DST", rule.dst, "dst_len")):
        if prefix:
            addr, _sep, plen = prefix.partition("/")
            attrs.append((name, addr))
            header[length] = int(plen)
    return fake_msg(rule.family or 2, attrs, **header)


# ---------------------------------------------------------------------------- strategies
def networks(family: int, doc_only: bool) -> st.SearchStrategy[str]:
    """A rule prefix of ``family`` with a length >= 1 (/0 means "all"), as ``ip rule`` prints it.

    Host bits are set in about half of them (``198.51.100.58/26``): the kernel keeps a rule's
    prefix as written, so the model must too.
    """
    bits = 32 if family == 2 else 128
    cls = ipaddress.IPv4Interface if family == 2 else ipaddress.IPv6Interface

    def text(addr: int, plen: int, keep_host_bits: bool) -> str:
        if not keep_host_bits:
            addr &= ((1 << bits) - 1) ^ ((1 << (bits - plen)) - 1)
        return cls((addr, plen)).with_prefixlen

    if doc_only:
        return st.sampled_from(DOC_NETS[family]).flatmap(
            lambda base: st.tuples(
                st.integers(0, base.num_addresses - 1), st.integers(base.prefixlen, bits), st.booleans()
            ).map(lambda t: text(int(base.network_address) + t[0], t[1], t[2]))
        )
    return st.tuples(st.integers(0, 2**bits - 1), st.integers(1, bits), st.booleans()).map(lambda t: text(*t))


def ifnames() -> st.SearchStrategy[str]:
    return st.text(IFNAME_CHARS, min_size=1, max_size=15).filter(lambda s: s not in (".", ".."))


def table_names() -> st.SearchStrategy[str]:
    return st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_.-]{0,20}\Z")


def ranges(lo: int, hi: int) -> st.SearchStrategy[Tuple[int, int]]:
    return st.one_of(
        st.integers(lo, hi).map(lambda a: (a, a)),
        st.tuples(st.integers(lo, hi), st.integers(lo, hi)).map(lambda t: (min(t), max(t))),
    )


def marks() -> st.SearchStrategy[Tuple[int, int]]:
    interesting = st.sampled_from([0, 1, 0xFF, 0x80000000, U32_MAX])
    num = st.one_of(interesting, st.integers(0, U32_MAX))
    return st.tuples(num, st.one_of(st.just(U32_MAX), num)).filter(lambda mm: mm != (0, 0))


@st.composite
def rules(
    draw: Any, doc_only: bool = False, names: bool = True, protocols: Optional[st.SearchStrategy[int]] = None
) -> Rule:
    """Any valid, normalised Rule: both families, every field, every action.

    ``doc_only``: addresses only from the documentation ranges; ``names``: tables may be
    names (offline only: the kernel needs numbers); ``protocols``: strategy for the owner.
    """
    family = draw(st.sampled_from([2, 10]))
    maxlen = 32 if family == 2 else 128
    action = draw(st.sampled_from(sorted(ACTIONS)))
    if action == "goto":
        priority = draw(st.integers(0, U32_MAX - 1))
        goto: Optional[int] = draw(st.integers(priority + 1, U32_MAX))
    else:
        priority = draw(st.one_of(st.integers(0, U32_MAX), st.sampled_from([0, 1, 100, 32765, U32_MAX])))
        goto = None
    table: Any = None
    spl = None
    if action == "lookup":
        numbers = st.one_of(st.integers(1, 255), st.integers(256, U32_MAX))
        table = draw(st.one_of(numbers, table_names()) if names else numbers)
        spl = draw(st.none() | st.integers(0, maxlen))
    tos_values = [0, 4, 8, 12, 16, 20, 24, 28] if family == 2 else [4 * n for n in range(64)]
    mark = draw(st.none() | marks())

    def maybe(strategy: st.SearchStrategy[Any]) -> Any:
        return draw(st.none() | strategy)

    return Rule(
        family=family,
        priority=priority,
        src=maybe(networks(family, doc_only)),
        dst=maybe(networks(family, doc_only)),
        tos=draw(st.sampled_from(tos_values)),
        fwmark=mark[0] if mark else None,
        fwmask=mark[1] if mark else None,
        iif=maybe(ifnames()),
        oif=maybe(ifnames()),
        uidrange=maybe(ranges(0, U32_MAX - 1)),
        ipproto=maybe(st.one_of(st.sampled_from([1, 6, 17, 58, 132, 136]), st.integers(1, 255))),
        sport=maybe(ranges(1, 65534)),
        dport=maybe(ranges(1, 65534)),
        suppress_prefixlength=spl,
        invert=draw(st.booleans()),
        action=action,
        table=table,
        goto=goto,
        protocol=draw(protocols if protocols is not None else st.integers(0, 255)),
    )


def owned_rules(**kwargs: Any) -> st.SearchStrategy[Rule]:
    return rules(protocols=st.just(PBR_PROTO), **kwargs)
