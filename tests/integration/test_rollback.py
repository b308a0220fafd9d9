# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything or nothing, against the real kernel: a plan whose later step the kernel refuses
leaves the namespace's rules exactly as they were, and the error names the refused command.

Every input the kernel would refuse is caught by ip_rule's validation (see
playbooks/ip_rule_bad_input.yml), so no playbook can reach this path: the plans here are
crafted at the engine level, with the refused rule built past validation.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

REPO = Path(__file__).resolve().parents[2]
try:
    import ansible_collections.pbr.linux  # noqa: F401  pylint: disable=unused-import
except ImportError:  # plain `pytest tests/integration` without PYTHONPATH: a private collection tree
    _TREE = Path(tempfile.mkdtemp(prefix="pbr-coll-"))
    (_TREE / "ansible_collections" / "pbr").mkdir(parents=True)
    (_TREE / "ansible_collections" / "pbr" / "linux").symlink_to(REPO, target_is_directory=True)
    sys.path.insert(0, str(_TREE))

from ansible_collections.pbr.linux.plugins.module_utils._engine import Op, Plan, apply_plan
from ansible_collections.pbr.linux.plugins.module_utils._host import Host
from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import Rule, RuleKind, normalise
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create network namespaces")


def _ip(*args: str) -> str:
    return subprocess.run(["ip", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def namespace() -> Iterator[str]:
    name = "pbrrb" + secrets.token_hex(4)
    _ip("netns", "add", name)
    etc = Path("/etc/netns") / name / "iproute2"
    try:
        etc.mkdir(parents=True)
        for base in ("rt_tables", "rt_protos"):
            shutil.copy(f"/etc/iproute2/{base}", etc / base)
        # somebody else's rule, to be left alone
        _ip("-n", name, "rule", "add", "priority", "500", "from", "203.0.113.0/24", "lookup", "200")
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False, capture_output=True)
        shutil.rmtree(Path("/etc/netns") / name, ignore_errors=True)


def _snapshot(ns: str) -> Tuple[str, str]:
    return _ip("-n", ns, "-j", "-d", "rule", "show"), _ip("-n", ns, "-6", "-j", "-d", "rule", "show")


def _rule(**entry: object) -> Rule:
    return normalise(dict(entry), "test", None)


def _add(ns: str, *rules: Rule) -> None:
    host = Host(ns)
    try:
        host.run_batch([RuleKind().argv("add", r) for r in rules])
    finally:
        host.close()


def _apply(ns: str, ops: List[Op[Rule]]) -> str:
    host = Host(ns)
    try:
        with pytest.raises(PbrError) as caught:
            apply_plan(RuleKind(), Plan(ops=ops), host)
    finally:
        host.close()
    return caught.value.msg


def test_refused_step_undoes_adds_and_deletes_in_both_families(namespace: str) -> None:
    ours = _rule(priority=900, fwmark=9, table=109)
    _add(namespace, ours)
    before = _snapshot(namespace)
    assert "fwmark 0x9" not in before[1] and '"fwmark":"0x9"' in before[0]

    # the kernel refuses ECN bits in tos ("Invalid dsfield"): validation would, so build it past it
    refused = replace(_rule(priority=1300, fwmark=3, table=103), tos=0x01)
    ops = [
        Op("delete", ours),
        Op("add", _rule(priority=1000, fwmark=1, table=100)),
        Op("add", _rule(priority=1000, family="ipv6", fwmark=1, table=100)),  # a second ip -batch (-6)
        Op("add", _rule(priority=1100, **{"from": "192.0.2.0/24"}, table=101)),
        Op("add", refused),
        Op("add", _rule(priority=1400, fwmark=4, table=104)),
    ]
    msg = _apply(namespace, ops)

    assert _snapshot(namespace) == before
    assert "the kernel refused `ip -4 rule add priority 1300 from all tos 0x1 fwmark 0x3 lookup 103" in msg
    assert "dsfield" in msg or "tos" in msg.split("`")[-1]
    assert "the 4 operation(s) done before it were undone" in msg


def test_unparsable_line_undoes_the_lines_before_it(namespace: str) -> None:
    before = _snapshot(namespace)
    # ip exits on this argument without saying which batch line failed (BatchError.exact False)
    refused = replace(_rule(priority=1200, table=102), iif='a"b')
    ops = [
        Op("add", _rule(priority=1000, fwmark=1, table=100)),
        Op("add", _rule(priority=1100, fwmark=2, table=101)),
        Op("add", refused),
        Op("add", _rule(priority=1300, fwmark=3, table=103)),
    ]
    msg = _apply(namespace, ops)

    assert _snapshot(namespace) == before
    assert 'the kernel refused `ip -4 rule add priority 1200 from all iif a"b lookup 102' in msg
    assert "the 2 operation(s) done before it were undone" in msg


def test_refused_first_step_changes_nothing(namespace: str) -> None:
    before = _snapshot(namespace)
    refused = replace(_rule(priority=1000, uidrange="1000-2000", table=100), uidrange=(0, 0xFFFFFFFF))
    msg = _apply(namespace, [Op("add", refused), Op("add", _rule(priority=1100, fwmark=2, table=101))])

    assert _snapshot(namespace) == before
    assert "the kernel refused `ip -4 rule add priority 1000 from all uidrange 0-4294967295 lookup 100" in msg
    assert "undone" not in msg


def test_refused_delete_puts_back_what_was_deleted(namespace: str) -> None:
    first, second = _rule(priority=900, fwmark=9, table=109), _rule(priority=901, fwmark=10, table=110)
    _add(namespace, first, second)
    before = _snapshot(namespace)
    missing = _rule(priority=950, fwmark=5, table=105)  # not in the kernel: ip rule del fails (ENOENT)
    msg = _apply(namespace, [Op("delete", first), Op("delete", second), Op("delete", missing)])

    assert _snapshot(namespace) == before
    assert "the kernel refused `ip -4 rule del priority 950 from all fwmark 0x5 lookup 105" in msg
    assert "the 2 operation(s) done before it were undone" in msg
