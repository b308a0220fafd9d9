# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TOOL-BACKED property tests: what nft and iptables list is what the modules read as desired.

For generated combinations of every option of tproxy_divert and conntrack_mark (marks and masks,
skip marks, port lists and ranges, adjacent prefixes that nft merges, both families, on_ip,
interface wildcards), through the modules' own engine code: render the desired chains, apply them
with the real tool, read them back through the real tool's listing, and the read equals the desired
state (the engine plans no change). Rules are never compared as text (nft and iptables print rules
their own way), so this is the proof that a re-run is changed=false and a ``--check`` audit is clean.

Tool sets: Debian 12's own (nft 1.0.6, iptables 1.8.9) and Debian 13's (nft 1.1.x, iptables 1.8.11)
from the trixie tree of scripts/debian13-tools.sh, run with chroot. Everything runs inside one
throwaway network namespace per tool set; the machine's own ruleset is never touched.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.pbr.linux.plugins.module_utils import _conntrack_mark as conntrack
from ansible_collections.pbr.linux.plugins.module_utils import _iptables as iptables
from ansible_collections.pbr.linux.plugins.module_utils import _nft as nft
from ansible_collections.pbr.linux.plugins.module_utils import _tproxy_divert as tproxy
from ansible_collections.pbr.linux.plugins.module_utils._engine import make_plan
from ansible_collections.pbr.linux.plugins.module_utils._host import Host
from ansible_collections.pbr.linux.plugins.module_utils._netfilter import NetfilterKind, find_tool
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_model import Chain
from ansible_collections.pbr.linux.plugins.module_utils._values import U32_MAX

REPO = Path(__file__).resolve().parents[4]
DEBIAN13 = Path(os.environ.get("PBR_DEBIAN13_ROOT", str(REPO / ".build" / "debian13")))
TOOL_NAMES = ("nft", "iptables-restore", "iptables-save", "ip6tables-restore", "ip6tables-save")
EXAMPLES = int(os.environ.get("PBR_TOOL_EXAMPLES", "100"))

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="tool-backed: needs root to create a namespace")


# ---------------------------------------------------------------------------- tool sets
def _version(argv: List[str]) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if proc.returncode == 0 else "?"


def debian12_tools(tmp: Path) -> Dict[str, str]:
    tools = {name: find_tool(name) for name in TOOL_NAMES}
    missing = [name for name, path in tools.items() if not path]
    assert not missing, f"Debian 12's {missing} not installed (scripts/bootstrap.sh installs them)"
    return {name: str(path) for name, path in tools.items()}


def debian13_tools(tmp: Path) -> Dict[str, str]:
    """Wrappers that run the trixie tree's tools with chroot (in the caller's network namespace)."""
    assert (DEBIAN13 / "usr/sbin/nft").exists(), (
        f"no Debian 13 tree at {DEBIAN13}: run scripts/debian13-tools.sh (scripts/test.sh does)"
    )
    tools = {}
    for name in TOOL_NAMES:
        wrapper = tmp / f"debian13-{name}"
        wrapper.write_text(f'#!/bin/sh\nexec chroot {DEBIAN13} /usr/sbin/{name} "$@"\n')
        wrapper.chmod(0o755)
        tools[name] = str(wrapper)
    return tools


TOOLSETS = {"debian12": debian12_tools, "debian13": debian13_tools}


class Lab:
    def __init__(self, release: str, tools: Dict[str, str], host: Host) -> None:
        self.release = release
        self.tools = tools
        self.host = host
        self.versions = f"{_version([tools['nft'], '--version'])}; {_version([tools['iptables-save'], '--version'])}"

    def which(self, name: str) -> Optional[str]:
        return self.tools.get(name)


@pytest.fixture(scope="module", params=list(TOOLSETS))
def lab(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    release = request.param
    tools = TOOLSETS[release](tmp_path_factory.mktemp(release))
    name = f"pbrut-nf-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    host = Host(name)
    try:
        yield Lab(release, tools, host)
    finally:
        host.close()
        subprocess.run(["ip", "netns", "del", name], check=False)


# ---------------------------------------------------------------------------- strategies
def marks() -> st.SearchStrategy[Tuple[Any, Any]]:
    """(mark, mask) as a user writes them: mask None (all bits), or a mask with the mark inside it."""
    masks = st.one_of(st.sampled_from([1, 0xFF, 0xFF00, 0x80000000, U32_MAX - 1, U32_MAX]), st.integers(1, U32_MAX))

    def mark_in(mask: int) -> st.SearchStrategy[int]:
        return st.integers(1, U32_MAX).map(lambda v: v & mask).filter(bool)

    with_mask = masks.flatmap(lambda m: mark_in(m).map(lambda v: (v, m)))
    return st.one_of(st.integers(1, U32_MAX).map(lambda v: (v, None)), with_mask)


def ports() -> st.SearchStrategy[Any]:
    """A port, a range or a list of them, often adjacent or overlapping (nft merges those)."""
    port = st.integers(1, 65535)
    rng = st.tuples(port, st.integers(0, 40)).map(lambda t: f"{t[0]}-{min(65535, t[0] + t[1])}")
    item = st.one_of(port, port.map(str), rng)
    near = st.integers(1000, 1010)  # adjacent ports and ranges: merged
    return st.one_of(item, st.lists(st.one_of(item, near), min_size=1, max_size=5))


def prefixes(family: str) -> st.SearchStrategy[str]:
    """Prefixes in the documentation ranges, host bits clear; many neighbours (merged by nft)."""
    if family == "ipv4":
        base, bits = (192 << 24) | (0 << 16) | (2 << 8), 32
        return st.integers(20, 32).flatmap(
            lambda plen: st.integers(0, 7).map(
                lambda n: f"{_ip4((base + (n << (32 - plen))) & _mask(plen, bits))}/{plen}"
            )
        )
    return st.integers(32, 128).flatmap(
        lambda plen: st.integers(0, 7).map(lambda n: _ip6(((0x20010DB8 << 96) + (n << (128 - plen))), plen))
    )


def _mask(plen: int, bits: int) -> int:
    return ((1 << bits) - 1) ^ ((1 << (bits - plen)) - 1)


def _ip4(num: int) -> str:
    return ".".join(str((num >> s) & 0xFF) for s in (24, 16, 8, 0))


def _ip6(num: int, plen: int) -> str:
    import ipaddress

    return ipaddress.IPv6Network((num & _mask(plen, 128), plen)).with_prefixlen


def ifnames() -> st.SearchStrategy[str]:
    """Kernel interface names, with the documented trailing-'+' wildcard and literal '*' / '@'."""
    stem = st.text("abcdefghijklmnopqrstuvwxyz0123456789._-@", min_size=1, max_size=10).filter(
        lambda s: s not in (".", "..")
    )
    return st.one_of(stem, stem.map(lambda s: s + "+"), stem.map(lambda s: s + "*"), st.just("eth1"))


FAMILIES = st.sampled_from(["ipv4", "ipv6", "both"])


@st.composite
def tproxy_params(draw: Any, backend: str) -> Dict[str, Any]:
    family = draw(FAMILIES)
    fams = ["ipv4", "ipv6"] if family == "both" else [family]
    mark, mask = draw(marks())
    params: Dict[str, Any] = {"name": "tp", "backend": backend, "family": family, "mark": mark, "mask": mask}
    if draw(st.booleans()):
        skip = draw(st.integers(1, U32_MAX).filter(lambda v: v != mark))
        params["skip_mark"] = draw(st.sampled_from([skip, hex(skip), f"{skip:#x}/{U32_MAX:#x}"]))
    params["bypass"] = draw(st.lists(st.sampled_from(fams).flatmap(prefixes), max_size=4))
    entries = []
    for _entry in range(draw(st.integers(0, 3))):
        entry: Dict[str, Any] = {"protocol": draw(st.sampled_from(["tcp", "udp", ["tcp", "udp"]]))}
        if draw(st.booleans()):
            entry["dport"] = draw(ports())
        fam = draw(st.sampled_from(fams))
        for addr in ("saddr", "daddr"):
            if draw(st.booleans()):
                entry[addr] = draw(prefixes(fam))
        if draw(st.booleans()):
            entry["in_interface"] = draw(ifnames())
        entries.append(entry)
    if entries and draw(st.booleans()):
        entries[0]["on_port"] = draw(st.integers(1, 65535))
    params["bypass_local"] = draw(st.booleans())
    if entries and any("in_interface" not in e for e in entries) and draw(st.booleans()):
        params["local_traffic"] = True
        params["skip_uids"] = draw(st.lists(st.one_of(st.integers(0, U32_MAX - 1), st.just("root")), max_size=2))
        params["skip_gids"] = draw(st.lists(st.integers(0, U32_MAX - 1), max_size=2))
        if not params["skip_uids"] and not params["skip_gids"] and "skip_mark" not in params:
            params["skip_uids"] = [13]
    if entries:
        params["match"] = entries
        params["on_port"] = draw(st.integers(1, 65535))
        if draw(st.booleans()):
            v4, v6 = draw(st.sampled_from(["192.0.2.1", "198.51.100.7"])), draw(st.sampled_from(["2001:db8::1", "::1"]))
            params["on_ip"] = [{"ipv4": v4, "ipv6": v6}[f] for f in fams]
            if len(fams) == 1 and draw(st.booleans()):
                params["on_ip"] = params["on_ip"][0]
    return params


@st.composite
def conntrack_params(draw: Any, backend: str) -> Dict[str, Any]:
    family = draw(FAMILIES)
    fams = ["ipv4", "ipv6"] if family == "both" else [family]
    entries = []
    seen = set()
    for _entry in range(draw(st.integers(1, 4))):
        iif = draw(ifnames())
        source = draw(st.none() | st.sampled_from(fams).flatmap(prefixes))
        if (iif, source) in seen:
            continue
        seen.add((iif, source))
        mark, mask = draw(marks())
        entry: Dict[str, Any] = {"in_interface": iif, "mark": mark}
        if mask is not None:
            entry["mask"] = mask
        if source is not None:
            entry["source"] = source
        entries.append(entry)
    restore = draw(st.sampled_from([["output"], ["prerouting"], ["output", "prerouting"], []]))
    return {"name": "ct", "backend": backend, "family": family, "entries": entries, "restore": restore}


# ---------------------------------------------------------------------------- the property
def read_equals_desired(lab: Lab, kind: NetfilterKind, params: Dict[str, Any]) -> None:
    desired: List[Chain] = kind.from_config([params], None)
    backend = nft if kind.backend == "nftables" else iptables
    ours = [rule for chain in desired for rule in chain.rules if backend.canon(rule)[0] == "unreadable"]
    assert not ours, f"our own rendering is outside the parser's grammar: {ours}"
    plan = make_plan(kind, desired, kind.read(lab.host), "overridden")
    if plan.ops:
        kind.apply(plan, lab.host)
    current = kind.read(lab.host)
    unreadable = [rule for chain in current for rule in chain.rules if backend.canon(rule)[0] == "unreadable"]
    assert not unreadable, f"{lab.versions}: listed rules the parser cannot read: {unreadable}"
    again = make_plan(kind, desired, current, "overridden")
    assert not again.ops, (
        f"{lab.versions}: read != desired for {params}\n"
        + "\n".join(f"desired: {r}" for c in desired for r in c.rules)
        + "\n"
        + "\n".join(f"listed:  {r}" for c in current for r in c.rules)
    )


def _kind(lab: Lab, module: Any) -> NetfilterKind:
    roles = list(module.ROLES) if hasattr(module, "ROLES") else [module.ROLE_PRE, module.ROLE_OUT]
    return NetfilterKind(roles, module.build, which=lab.which)


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("backend", ["nftables", "iptables"])
def test_tproxy_divert_read_equals_desired(lab: Lab, backend: str) -> None:
    kind = _kind(lab, tproxy)

    @SETTINGS
    @given(tproxy_params(backend).filter(lambda p: _fits(p, backend)))
    def check(params: Dict[str, Any]) -> None:
        read_equals_desired(lab, kind, params)

    check()


@pytest.mark.parametrize("backend", ["nftables", "iptables"])
def test_conntrack_mark_read_equals_desired(lab: Lab, backend: str) -> None:
    kind = _kind(lab, conntrack)

    @SETTINGS
    @given(conntrack_params(backend))
    def check(params: Dict[str, Any]) -> None:
        read_equals_desired(lab, kind, params)

    check()


def _fits(params: Dict[str, Any], backend: str) -> bool:
    """iptables' multiport takes at most 15 ports (the module refuses more, tested elsewhere)."""
    if backend != "iptables":
        return True
    from ansible_collections.pbr.linux.plugins.module_utils._netfilter_config import parse_ports

    return all(
        iptables.multiport_count(parse_ports("dport", m["dport"])) <= iptables.MULTIPORT_MAX
        for m in params.get("match", [])
        if "dport" in m
    )


@pytest.mark.parametrize(
    ("params", "listed"),
    [
        # the defect that started this: mask 1 renders `& 0xffffffff | 0x1`, nft lists `| 0x1`
        ({"mark": 1, "mask": 1}, "meta mark set meta mark | 0x00000001"),
        ({"mark": "0x10/0xf0"}, "meta mark set meta mark & 0xffffff1f | 0x00000010"),
    ],
)
def test_masked_mark_listed_by_nft_is_no_change(lab: Lab, params: Dict[str, Any], listed: str) -> None:
    kind = _kind(lab, tproxy)
    full = dict(params, name="mk", backend="nftables", family="ipv4", match=[{"dport": 80}], on_port=3129)
    read_equals_desired(lab, kind, full)
    texts = [rule for chain in kind.read(lab.host) for rule in chain.rules]
    assert any(listed in rule for rule in texts), texts
    apply_absent(lab, kind, "mk")


def apply_absent(lab: Lab, kind: NetfilterKind, name: str) -> None:
    desired = kind.from_config([{"name": name, "backend": "nftables", "state": "absent"}], None)
    plan = make_plan(kind, desired, kind.read(lab.host), "deleted")
    if plan.ops:
        kind.apply(plan, lab.host)
