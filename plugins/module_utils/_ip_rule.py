# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Routing-policy (RPDB) rules: parse, normalise, render, read; plugged into the engine."""

from __future__ import annotations

import functools
import ipaddress
import re
import shlex
import socket
from dataclasses import dataclass, replace
from typing import Any, Dict, Hashable, List, Optional, Sequence, Tuple, Union

from ansible_collections.pbr.linux.plugins.module_utils import _netlink as netlink
from ansible_collections.pbr.linux.plugins.module_utils._engine import FileChange, Kind
from ansible_collections.pbr.linux.plugins.module_utils._host import Host, etc_root, read_text
from ansible_collections.pbr.linux.plugins.module_utils._iproute2 import (
    TableNames,
    dsfield_names,
    own_protos_file,
    proto_names,
    proto_number,
    resolve_table,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import (
    FAMILIES,
    FAMILY_NAMES,
    PBR_PROTO,
    PBR_PROTO_NAME,
    U32_MAX,
    PbrError,
    check_ifname,
    family_of,
    invalid,
    parse_bool,
    parse_int,
    parse_mark,
    parse_prefix_as_written,
    parse_range,
    parse_tos,
    proto_name,
)

ACTIONS = {"lookup": 1, "goto": 2, "nop": 3, "blackhole": 6, "unreachable": 7, "prohibit": 8}
ACTION_NAMES = {v: k for k, v in ACTIONS.items()}
FIB_RULE_INVERT = 0x2
MAX_UID = 0xFFFFFFFE  # (uid_t)-1 is the invalid uid: the kernel refuses it in a uid range
MAX_PORT = 65534  # the kernel refuses 0 and 65535 in a rule's port range (fib_rule_port_range_valid)
TABLE_COMPAT = 252
IPPROTO_NAMES = {
    "icmp": 1,
    "igmp": 2,
    "tcp": 6,
    "udp": 17,
    "gre": 47,
    "esp": 50,
    "ah": 51,
    "ipv6-icmp": 58,
    "icmpv6": 58,
    "sctp": 132,
    "udplite": 136,
}
IPPROTO_BY_NUM = {
    1: "icmp",
    2: "igmp",
    6: "tcp",
    17: "udp",
    47: "gre",
    50: "esp",
    51: "ah",
    58: "ipv6-icmp",
    132: "sctp",
    136: "udplite",
}
FIELDS = (
    "priority",
    "family",
    "from",
    "to",
    "fwmark",
    "fwmask",
    "iif",
    "oif",
    "ipproto",
    "sport",
    "dport",
    "uidrange",
    "tos",
    "suppress_prefixlength",
    "invert",
    "action",
    "table",
    "goto",
)

Range = Tuple[int, int]
TableRef = Union[int, str]


@functools.lru_cache(maxsize=65536)
def masked(prefix: Optional[str]) -> Optional[str]:
    """``198.51.100.58/26`` -> ``198.51.100.0/26`` (what a rule prefix matches); None stays None."""
    return None if prefix is None else ipaddress.ip_network(prefix, strict=False).with_prefixlen


@dataclass(frozen=True)
class Rule:
    """One RPDB rule, normalised: addresses as networks in CIDR, marks as ints, ranges as pairs."""

    family: Optional[int] = None
    priority: Optional[int] = None
    src: Optional[str] = None
    dst: Optional[str] = None
    tos: int = 0
    fwmark: Optional[int] = None
    fwmask: Optional[int] = None
    iif: Optional[str] = None
    oif: Optional[str] = None
    uidrange: Optional[Range] = None
    ipproto: Optional[int] = None
    sport: Optional[Range] = None
    dport: Optional[Range] = None
    suppress_prefixlength: Optional[int] = None
    invert: bool = False
    action: str = "lookup"
    table: Optional[TableRef] = None
    goto: Optional[int] = None
    protocol: int = PBR_PROTO

    def identity(self) -> Tuple[Any, ...]:
        """Everything the kernel compares, except the protocol: equal identity = same rule.

        Prefixes compare by the packets they select: ``from 198.51.100.58/26`` (host bits set, kept
        as written by the kernel) is the same rule as ``from 198.51.100.0/26``.
        """
        return (
            self.family,
            self.priority,
            masked(self.src),
            masked(self.dst),
            self.tos,
            self.fwmark,
            self.fwmask,
            self.iif,
            self.oif,
            self.uidrange,
            self.ipproto,
            self.sport,
            self.dport,
            self.suppress_prefixlength,
            self.invert,
            self.action,
            self.table,
            self.goto,
        )


# ---------------------------------------------------------------------------- normalise
def _ipproto(field: str, value: Any) -> int:
    # 0 is "any protocol" to the kernel, which stores no selector for it: not a value we can keep.
    expected = "an IP protocol name (tcp, udp, icmp, ...) or a number from 1 to 255"
    if isinstance(value, str) and not value.strip().isdigit():
        name = value.strip().lower()
        if name in IPPROTO_NAMES:
            return IPPROTO_NAMES[name]
        try:
            num = socket.getprotobyname(name)
        except (OSError, ValueError):  # ValueError: an embedded NUL
            raise invalid(field, value, expected) from None
        if not 1 <= num <= 255:
            raise invalid(field, value, expected)
        return num
    return parse_int(field, value, 1, 255, "an IP protocol number")


def normalise(
    entry: Dict[str, Any],
    where: str,
    tables: Optional[TableNames],
    need_priority: bool = True,
    unknown_family_is_ipv4: bool = True,
) -> Rule:
    """Validate one config entry and return the Rule it means. ``where`` prefixes field names.

    A rule with no family and no address is IPv4 (as ``ip rule add`` makes it); with
    ``unknown_family_is_ipv4=False`` (parsing an ``ip rule show`` line of unknown family) the
    family-dependent limits (tos, suppress_prefixlength) are the looser IPv6 ones.
    """

    def f(name: str) -> str:
        return f"{where}.{name}"

    def given(name: str) -> bool:
        return entry.get(name) is not None

    unknown = set(k for k, v in entry.items() if v is not None) - set(FIELDS) - {"owner"}
    if unknown:
        raise PbrError(f"{where}: unknown field(s) {sorted(unknown)}; expected some of {list(FIELDS)}", where, entry)

    family: Optional[int] = None
    if given("family"):
        if entry["family"] not in FAMILIES:
            raise invalid(f("family"), entry["family"], "ipv4 or ipv6")
        family = FAMILIES[entry["family"]]
    nets = {}
    for name in ("from", "to"):
        value = entry.get(name)
        if value is None or (isinstance(value, str) and value.strip() == "all"):
            continue
        net = parse_prefix_as_written(f(name), value)  # host bits allowed, kept: the kernel keeps them
        fam = family_of(net)
        if family is not None and fam != family:
            raise PbrError(
                f"{f(name)}: {value!r} is {FAMILY_NAMES[fam]} but the rule is {FAMILY_NAMES[family]}"
                + ("" if given("family") else " (from its other address)")
                + "; expected addresses of one family",
                f(name),
                value,
            )
        family = fam
        if net.network.prefixlen:  # a /0 prefix is "all": the kernel stores no address for it
            nets[name] = net
    limits = family if family is not None else FAMILIES["ipv4" if unknown_family_is_ipv4 else "ipv6"]
    if family is None:
        family = FAMILIES["ipv4"]
    maxlen = 32 if limits == 2 else 128

    priority = None
    if given("priority"):
        priority = parse_int(f("priority"), entry["priority"], 0, U32_MAX, "a priority")
    elif need_priority:
        raise PbrError(
            f"{f('priority')}: required; expected a number from 0 to {U32_MAX} (without one the kernel "
            "picks a new priority on every add, so the rule could not be idempotent)",
            f("priority"),
            None,
        )

    fwmark = fwmask = None
    if given("fwmark"):
        fwmark, fwmask = parse_mark(f("fwmark"), entry["fwmark"])
        if fwmask is not None and given("fwmask"):
            raise invalid(f("fwmark"), entry["fwmark"], "a mark without '/mask' when fwmask is also given")
    if given("fwmask"):
        if fwmark is None:
            raise invalid(f("fwmask"), entry["fwmask"], "fwmask only together with fwmark")
        fwmask = parse_int(f("fwmask"), entry["fwmask"], 0, U32_MAX, "a mask")
    if fwmark is not None and fwmask is None:
        fwmask = U32_MAX
    if fwmark == 0 and fwmask == 0:  # matches every packet, and the kernel stores no mark selector for it
        name = "fwmask" if given("fwmask") else "fwmark"
        raise invalid(f(name), entry[name], "a non-zero mask with mark 0 (0/0 matches every packet; omit fwmark)")

    action = entry.get("action") or "lookup"
    if action not in ACTIONS:
        raise invalid(f("action"), action, "one of " + ", ".join(ACTIONS))
    table: Optional[TableRef] = None
    goto = None
    if action == "lookup":
        if not given("table"):
            raise PbrError(
                f"{f('table')}: required with action lookup; expected a table number or name", f("table"), None
            )
        table = resolve_table(f("table"), entry["table"], tables, builtin_ids=False)
    elif given("table"):
        raise invalid(f("table"), entry["table"], f"no table with action {action} (only with lookup)")
    if action == "goto":
        if not given("goto"):
            raise PbrError(
                f"{f('goto')}: required with action goto; expected the priority of the target rule", f("goto"), None
            )
        goto = parse_int(f("goto"), entry["goto"], 1, U32_MAX, "a rule priority")
        if priority is not None and goto <= priority:
            raise invalid(f("goto"), entry["goto"], f"a priority greater than this rule's own ({priority})")
    elif given("goto"):
        raise invalid(f("goto"), entry["goto"], "no goto unless action is goto")

    spl = None
    if given("suppress_prefixlength"):
        if action != "lookup":
            raise invalid(f("suppress_prefixlength"), entry["suppress_prefixlength"], "it only with action lookup")
        spl = parse_int(f("suppress_prefixlength"), entry["suppress_prefixlength"], 0, maxlen, "a prefix length")

    invert = parse_bool(f("invert"), entry["invert"], words=False) if given("invert") else False

    return Rule(
        family=family,
        priority=priority,
        src=nets["from"].with_prefixlen if "from" in nets else None,
        dst=nets["to"].with_prefixlen if "to" in nets else None,
        tos=parse_tos(f("tos"), entry["tos"], ipv4_rule=limits == 2) if given("tos") else 0,
        fwmark=fwmark,
        fwmask=fwmask,
        iif=check_ifname(f("iif"), entry["iif"]) if given("iif") else None,
        oif=check_ifname(f("oif"), entry["oif"]) if given("oif") else None,
        uidrange=parse_range(f("uidrange"), entry["uidrange"], 0, MAX_UID, "uid") if given("uidrange") else None,
        ipproto=_ipproto(f("ipproto"), entry["ipproto"]) if given("ipproto") else None,
        sport=parse_range(f("sport"), entry["sport"], 1, MAX_PORT, "port") if given("sport") else None,
        dport=parse_range(f("dport"), entry["dport"], 1, MAX_PORT, "port") if given("dport") else None,
        suppress_prefixlength=spl,
        invert=invert,
        action=action,
        table=table,
        goto=goto,
    )


# ---------------------------------------------------------------------------- render
def _range_text(r: Range, sep: str = "-") -> str:
    return str(r[0]) if r[0] == r[1] else f"{r[0]}{sep}{r[1]}"


def _mark_text(rule: Rule, show: bool = True) -> str:
    mark = f"{rule.fwmark:#x}" if rule.fwmark else "0"
    # ``ip rule add fwmark 0`` sends no mask and the kernel then keeps no mark selector at all
    if rule.fwmask is not None and (rule.fwmask != U32_MAX or (not rule.fwmark and not show)):
        mark += f"/{rule.fwmask:#x}"
    return mark


def _addr_text(prefix: Optional[str]) -> Optional[str]:
    if prefix is None:
        return None
    addr, _sep, plen = prefix.partition("/")
    host = 32 if ":" not in addr else 128
    return addr if plen == str(host) else prefix


def selector_tokens(rule: Rule, show: bool) -> List[str]:
    """Selector words in the order ``ip rule show`` prints them."""
    out: List[str] = []
    if rule.invert:
        out.append("not")
    if rule.src:
        out += ["from", (_addr_text(rule.src) or rule.src) if show else rule.src]
    else:
        out += ["from", "all"]
    if rule.dst:
        out += ["to", (_addr_text(rule.dst) or rule.dst) if show else rule.dst]
    if rule.tos:
        out += ["tos", f"0x{rule.tos:02x}" if show else f"{rule.tos:#x}"]  # ip prints 0x%02x
    if rule.fwmark is not None:
        out += ["fwmark", _mark_text(rule, show)]
    if rule.iif:
        out += ["iif", rule.iif]
    if rule.oif:
        out += ["oif", rule.oif]
    if rule.uidrange:
        out += ["uidrange", f"{rule.uidrange[0]}-{rule.uidrange[1]}"]
    if rule.ipproto is not None:
        out += ["ipproto", IPPROTO_BY_NUM.get(rule.ipproto, str(rule.ipproto)) if show else str(rule.ipproto)]
    if rule.sport:
        out += ["sport", _range_text(rule.sport)]
    if rule.dport:
        out += ["dport", _range_text(rule.dport)]
    return out


def action_tokens(rule: Rule, table_name: Any = str) -> List[str]:
    if rule.action == "lookup":
        out = ["lookup", table_name(rule.table) if isinstance(rule.table, int) else str(rule.table)]
        if rule.suppress_prefixlength is not None:
            out += ["suppress_prefixlength", str(rule.suppress_prefixlength)]
        return out
    if rule.action == "goto":
        return ["goto", str(rule.goto)]
    return [rule.action]


def render_argv(rule: Rule, verb: str = "add") -> List[str]:
    """``ip`` arguments, e.g. ['-4', 'rule', 'add', 'priority', '1000', 'fwmark', '0x1', ...]."""
    argv = ["-6" if rule.family == 10 else "-4", "rule", verb]
    if rule.priority is not None:
        argv += ["priority", str(rule.priority)]
    argv += selector_tokens(rule, show=False) + action_tokens(rule)
    argv += ["protocol", str(rule.protocol)]
    return argv


def render_show(rule: Rule, table_name: Any = str, protos: Optional[Dict[int, str]] = None) -> str:
    """The line ``ip rule show`` prints for this rule."""
    words = selector_tokens(rule, show=True) + action_tokens(rule, table_name)
    if rule.protocol:
        words += ["proto", (protos or {}).get(rule.protocol) or proto_name(rule.protocol)]
    prio = rule.priority if rule.priority is not None else 0
    return f"{prio}:\t" + " ".join(words)


# ---------------------------------------------------------------------------- parse
_PREFIX_WORDS = {"from": "from", "to": "to"}
_HEADING = re.compile(r"^\s*#\s*ip\s+(?:(-4|-6)\s+)?(?:-\S+\s+)*ru(?:le)?\s+(?:show|list|ls)?\s*$")
_SKIP = {"[detached]", "[unresolved]", "l3mdev"}


def parse_line(line: str, family: Optional[int] = None) -> Optional[Rule]:
    """One line of ``ip rule show`` or the arguments of ``ip rule add`` -> Rule (offline).

    ``family`` is the family of the listing the line comes from (``ip -6 rule show`` lines do
    not say), used when the line has no address and no ``-4``/``-6`` of its own.
    """
    words = shlex.split(line.strip(), comments=True)
    if not words:
        return None
    if words[0] == "ip":
        words = words[1:]
    while words and words[0].startswith("-"):
        family = {"-4": 2, "-6": 10}.get(words[0], family)
        words = words[1:]
    if words[:1] == ["rule"] or words[:1] == ["ru"]:
        words = words[1:]
        if words and words[0] in ("add", "del", "delete", "append", "prepend"):
            words = words[1:]
    entry: Dict[str, Any] = {}
    protocol = 0
    if words and words[0].endswith(":") and words[0][:-1].isdigit():
        entry["priority"] = int(words[0][:-1])
        words = words[1:]
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if w in _SKIP:
            i += 1
            continue
        if w == "not":
            entry["invert"] = True
            i += 1
            continue
        if w in ("blackhole", "unreachable", "prohibit", "nop"):
            entry["action"] = w
            i += 1
            continue
        if nxt is None:
            raise PbrError(f"running_config: {line.strip()!r}: {w!r} needs a value", "running_config", line)
        if w in ("from", "to"):
            if nxt != "all":
                entry[w] = nxt
        elif w in ("pref", "priority", "order", "preference"):
            entry["priority"] = nxt
        elif w in ("lookup", "table"):
            entry["table"] = int(nxt) if nxt.isdigit() else nxt
        elif w == "goto":
            entry["action"] = "goto"
            entry["goto"] = nxt
        elif w in ("proto", "protocol"):
            protocol = proto_number(nxt)
        elif w in ("tos", "dsfield"):
            entry["tos"] = dsfield_names().get(nxt, nxt)
        elif w == "ipproto" and nxt.startswith("ipproto-"):  # how ip shows a number /etc/protocols lacks
            entry["ipproto"] = nxt.split("-", 1)[1]
        elif w in ("fwmark", "iif", "oif", "uidrange", "ipproto", "sport", "dport", "suppress_prefixlength"):
            entry[w] = nxt
        elif w in ("dev",):
            entry["iif"] = nxt
        else:
            raise PbrError(f"running_config: {line.strip()!r}: unsupported word {w!r}", "running_config", line)
        i += 2
    if family is not None:
        entry["family"] = FAMILY_NAMES[family]
    rule = normalise(entry, "running_config", None, need_priority=False, unknown_family_is_ipv4=False)
    inferred = rule.family if (family is not None or "from" in entry or "to" in entry) else None
    return replace(rule, family=inferred, protocol=protocol)


def to_config(rule: Rule) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    if rule.priority is not None:
        out["priority"] = rule.priority
    if rule.family is not None:
        out["family"] = FAMILY_NAMES[rule.family]
    if rule.src:
        out["from"] = rule.src
    if rule.dst:
        out["to"] = rule.dst
    if rule.fwmark is not None:
        out["fwmark"] = f"{rule.fwmark:#x}"
        if rule.fwmask != U32_MAX:
            out["fwmask"] = f"{rule.fwmask:#x}"
    for name in ("iif", "oif"):
        if getattr(rule, name):
            out[name] = getattr(rule, name)
    if rule.ipproto is not None:
        out["ipproto"] = IPPROTO_BY_NUM.get(rule.ipproto, rule.ipproto)
    for name in ("sport", "dport", "uidrange"):
        value = getattr(rule, name)
        if value:
            out[name] = (
                _range_text(value)
                if value[0] != value[1]
                else (value[0] if name != "uidrange" else f"{value[0]}-{value[1]}")
            )
    if rule.tos:
        out["tos"] = f"{rule.tos:#x}"
    if rule.suppress_prefixlength is not None:
        out["suppress_prefixlength"] = rule.suppress_prefixlength
    if rule.invert:
        out["invert"] = True
    out["action"] = rule.action
    if rule.table is not None:
        out["table"] = rule.table
    if rule.goto is not None:
        out["goto"] = rule.goto
    return out


# ---------------------------------------------------------------------------- read
def _pair(text: str) -> Range:
    a, _sep, b = str(text).partition(":")
    return (int(a), int(b or a))


def from_netlink(msg: Any) -> Optional[Rule]:
    """A decoded fib rule message (netlink.Msg, or a pyroute2 fibmsg: same names) -> Rule."""
    family = msg["family"]
    if family not in (2, 10):
        return None
    attrs = {a[0]: a[1] for a in msg["attrs"]}
    action = ACTION_NAMES.get(msg["action"], str(msg["action"]))
    table = attrs.get("FRA_TABLE") or msg["table"] or None
    src = attrs.get("FRA_SRC")
    dst = attrs.get("FRA_DST")
    spl = attrs.get("FRA_SUPPRESS_PREFIXLEN")
    mark = attrs.get("FRA_FWMARK")
    mask = attrs.get("FRA_FWMASK")
    if mark is None and mask is not None:
        mark = 0
    return Rule(
        family=family,
        priority=attrs.get("FRA_PRIORITY", 0),
        src=f"{src}/{msg['src_len']}" if src is not None else None,
        dst=f"{dst}/{msg['dst_len']}" if dst is not None else None,
        tos=msg["tos"],
        fwmark=mark,
        fwmask=(mask if mask is not None else U32_MAX) if mark is not None else None,
        iif=attrs.get("FRA_IIFNAME"),
        oif=attrs.get("FRA_OIFNAME"),
        uidrange=_pair(attrs["FRA_UID_RANGE"]) if "FRA_UID_RANGE" in attrs else None,
        ipproto=attrs.get("FRA_IP_PROTO") or None,
        sport=_pair(attrs["FRA_SPORT_RANGE"]) if "FRA_SPORT_RANGE" in attrs else None,
        dport=_pair(attrs["FRA_DPORT_RANGE"]) if "FRA_DPORT_RANGE" in attrs else None,
        suppress_prefixlength=spl if spl is not None and spl != U32_MAX else None,
        invert=bool(msg["flags"] & FIB_RULE_INVERT),
        action=action,
        table=table if action == "lookup" else None,
        goto=attrs.get("FRA_GOTO") if action == "goto" else None,
        protocol=attrs.get("FRA_PROTOCOL", 0),
    )


class RuleKind(Kind[Rule, TableNames]):
    noun = "rule"
    replace_in_place = False  # no `ip rule replace`

    def __init__(self, tables: Optional[TableNames] = None, protos: Optional[Dict[int, str]] = None) -> None:
        self.tables = tables
        self.protos = protos

    def key(self, obj: Rule) -> Hashable:
        return obj.identity()

    def slot(self, obj: Rule) -> Hashable:
        """What the kernel's duplicate check (EEXIST) compares: the protocol, but not the ``not``
        flag nor the goto target, so ours cannot differ from another of ours only in those."""
        return (replace(obj, invert=False, goto=None).identity(), obj.protocol)

    def group(self, obj: Rule) -> Hashable:
        return (obj.family, obj.priority)

    def counterpart(self, obj: Rule) -> Hashable:
        return self.group(obj)  # a changed rule is deleted and added in its priority

    def owned(self, obj: Rule) -> bool:
        return obj.protocol == PBR_PROTO

    def sort_key(self, obj: Rule) -> Any:
        return (obj.family or 0, obj.priority or 0, repr(obj.identity()))

    def argv(self, action: str, obj: Rule) -> List[str]:
        verb = {"add": "add", "delete": "del"}[action]
        return render_argv(obj, verb)

    def _table_name(self, tid: int) -> str:
        return self.tables.name_of(tid) if self.tables else str(tid)

    def show(self, obj: Rule) -> str:
        return render_show(obj, self._table_name, self.protos)

    def section(self, obj: Rule) -> str:
        return "ip -6 rule show" if obj.family == 10 else "ip -4 rule show"

    def describe(self, obj: Rule) -> str:
        return " ".join(render_argv(obj, "add")[3:-2])

    def to_config(self, obj: Rule) -> Dict[str, Any]:
        out = to_config(obj)
        if obj.priority is not None and (obj.family is not None or obj.protocol):  # read, or parsed with proto
            out["owner"] = (self.protos or {}).get(obj.protocol) or proto_name(obj.protocol)
        return out

    def from_config(self, config: Sequence[Dict[str, Any]], context: Optional[TableNames]) -> List[Rule]:
        self.tables = context if context is not None else self.tables
        return [
            normalise(entry, f"config[{n}]", context, need_priority=context is not None)
            for n, entry in enumerate(config)
        ]

    def parse(self, text: str) -> List[Rule]:
        """``ip rule show`` text; a ``# ip -6 rule show`` heading (as in our diffs) sets the family."""
        rules = []
        family: Optional[int] = None
        for line in text.splitlines():
            heading = _HEADING.match(line)
            if heading:
                family = {"-4": 2, "-6": 10}.get(heading.group(1) or "")
                continue
            rule = parse_line(line, family)
            if rule is not None:
                rules.append(rule)
        return rules

    def read(self, host: Host) -> List[Rule]:
        if self.protos is None:
            self.protos = proto_names(etc_root(host.namespace))
        rules = []
        for msg in netlink.dump_rules(host.netlink()):
            rule = from_netlink(msg)
            if rule is not None:
                rules.append(rule)
        return rules


def protos_file_change(host: Host) -> List[FileChange]:
    """Our rt_protos.d entry, so ``ip rule show`` prints ``proto pbr`` (written only if missing)."""
    path = own_protos_file(etc_root(host.namespace))
    content = f"# Managed by the pbr.linux Ansible collection\n{PBR_PROTO}\t{PBR_PROTO_NAME}\n"
    return [] if read_text(path) == content else [FileChange(path, content)]


def prepare(params: Dict[str, Any], check_mode: bool) -> Any:
    """pbr.linux.ip_rule: a resource module (its state is the engine's), writing our rt_protos.d entry."""
    from ansible_collections.pbr.linux.plugins.module_utils._runner import resource_task

    return resource_task(RuleKind(), params, check_mode, files=protos_file_change)
