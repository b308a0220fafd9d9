# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet audit end to end: 10 hosts, each a network namespace with its own OpenSSH server and its own /etc
(scripts/fleet.sh), Ansible in a controller namespace connecting over SSH, the site playbook applying both roles
by inventory group, and the callback pbr.linux.drift judging a --check run.

The steps share one fleet and run in order: apply; a clean audit (every host in_sync, status 0); drift made by
hand on six hosts (a rule deleted, a table's routes flushed, our nft table flushed, one nft rule deleted, a
sysctl changed, a saved file out of date) and the audit names exactly those hosts and objects, ends with status 3 under PBR_DRIFT_FAIL
and leaves every host as it was, byte for byte; the query option; a failed and an unreachable host.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FLEET = ["bash", str(REPO / "scripts" / "fleet.sh")]
SITE = REPO / "tests" / "fleet" / "site.yml"
N = 10
PROXIES = [f"h{i:02d}" for i in range(1, N + 1, 2)]
MULTIHOMED = [f"h{i:02d}" for i in range(2, N + 1, 2)]
# what a host's state is, as its own tools print it (counters and iptables-save's date line left out)
SNAPSHOT = r"""
for f in 4 6; do ip -$f rule show; ip -$f route show table all; done
nft -s list ruleset
for t in iptables-save ip6tables-save; do $t | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'; done
sysctl -a 2>/dev/null | grep -E '^net\.ipv[46]\.conf\.(all|default|lan0|up1|up2|mgmt0)\.' | sort
"""


class Fleet:
    def __init__(self, root: Path, collections: str) -> None:
        self.root = root
        self.collections = collections

    def host(self, name: str, script: str) -> str:
        """Run a shell script on a host as its SSH sessions see it (its namespace, its /etc)."""
        proc = subprocess.run(
            [*FLEET, "host", str(self.root), name, "sh", "-ec", script], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, f"{name}: {script!r} failed: {proc.stderr}"
        return proc.stdout

    def playbook(
        self, *args: str, inventory: Optional[Path] = None, site: Path = SITE, **env: str
    ) -> subprocess.CompletedProcess:
        # PBR_ANSIBLE_PLAYBOOK: another ansible-core's (scripts/ansible-matrix.sh)
        ansible = os.environ.get("PBR_ANSIBLE_PLAYBOOK") or str(Path(sys.executable).parent / "ansible-playbook")
        full = dict(os.environ)
        full.update(
            ANSIBLE_COLLECTIONS_PATH=self.collections,
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORKS="10",
            ANSIBLE_SSH_CONTROL_PATH_DIR=str(self.root / "cp"),
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_STDOUT_CALLBACK="default",
        )
        full.update(env)
        inv = str(inventory or self.root / "inventory.yml")
        argv = [*FLEET, "ctl", str(self.root), ansible, "-i", inv, str(site), *args]
        return subprocess.run(argv, capture_output=True, text=True, env=full, timeout=600, check=False)

    def audit(self, report: str, **env: str) -> Dict[str, Any]:
        """A --check run with the callback; the report, the run's status and output."""
        directory = self.root / report
        proc = self.playbook(
            "--check",
            ANSIBLE_CALLBACKS_ENABLED="pbr.linux.drift",
            PBR_DRIFT_REPORT=str(directory),
            PBR_DRIFT_FAIL="true",
            **env,
        )
        data = json.loads((directory / "drift.json").read_text()) if (directory / "drift.json").exists() else {}
        return {"rc": proc.returncode, "out": proc.stdout + proc.stderr, "report": data, "dir": directory}

    def snapshot(self) -> Dict[str, str]:
        """Every host's kernel state and the files written on it (its /etc layer, its restore root), hashed."""
        out = {}
        for i in range(1, N + 1):
            name = f"h{i:02d}"
            text = self.host(name, SNAPSHOT)
            for top in (self.root / "hosts" / name / "etc-upper", self.root / "hosts" / name / "root"):
                for path in sorted(top.rglob("*")):
                    st = path.lstat()
                    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
                    text += f"{path.relative_to(self.root)} {st.st_mode:o} {st.st_uid} {digest}\n"
            out[name] = text
        return out


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    root = tmp_path_factory.mktemp("fleet")
    collections = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or str(REPO / ".build")
    env = dict(os.environ, PBR_FLEET_PREFIX="pbrft" + secrets.token_hex(2))
    up = subprocess.run([*FLEET, "up", str(N), str(root)], capture_output=True, text=True, env=env, check=False)
    try:
        assert up.returncode == 0, f"scripts/fleet.sh up failed:\n{up.stdout}{up.stderr}"
        yield Fleet(root, collections)
    finally:
        subprocess.run([*FLEET, "down", str(root)], capture_output=True, text=True, check=False)


STATE: Dict[str, Any] = {}


def _same(now: Dict[str, str], before: Dict[str, str], what: str) -> None:
    diffs = [
        f"{h}:\n" + "\n".join(difflib.unified_diff(before[h].splitlines(), now[h].splitlines(), lineterm="", n=0))
        for h in before
        if now.get(h) != before[h]
    ]
    assert not diffs, f"{what} changed hosts:\n" + "\n".join(diffs)


def _recap_ok(out: str, hosts: List[str]) -> None:
    for name in hosts:
        line = next((ln for ln in out.splitlines() if ln.startswith(name + " ") and "ok=" in ln), "")
        assert "failed=0" in line and "unreachable=0" in line, f"{name}: {line!r}\n{out[-3000:]}"


def test_apply_both_roles_over_ssh(fleet: Fleet) -> None:
    proc = fleet.playbook()
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    _recap_ok(proc.stdout, PROXIES + MULTIHOMED)
    # the policy is on the hosts, and in their own /etc, not this machine's
    assert "lookup proxy proto pbr" in fleet.host("h01", "ip rule show")
    assert "lookup isp2 proto pbr" in fleet.host("h02", "ip rule show")
    assert (fleet.root / "hosts" / "h02" / "etc-upper" / "pbr-linux" / "rules-4.batch").is_file()
    assert not os.path.exists("/etc/pbr-linux")
    STATE["applied"] = fleet.snapshot()


def test_clean_audit_reports_every_host_in_sync(fleet: Fleet) -> None:
    audit = fleet.audit("clean")
    assert audit["rc"] == 0, audit["out"][-4000:]
    report = audit["report"]
    assert sorted(report["hosts"]) == sorted(PROXIES + MULTIHOMED)
    assert {h: e["status"] for h, e in report["hosts"].items()} == dict.fromkeys(PROXIES + MULTIHOMED, "in_sync")
    assert all(e["objects"] == [] for e in report["hosts"].values())
    assert report["summary"]["in_sync"] == N and report["summary"]["objects"] == 0
    assert report["summary"]["check_mode"] is True
    assert "| h01 | in_sync | 0 |" in (audit["dir"] / "drift.md").read_text()
    _same(fleet.snapshot(), STATE["applied"], "the clean audit")


def _objects(report: Dict[str, Any], host: str, kind: str) -> List[Dict[str, Any]]:
    return [o for o in report["hosts"][host]["objects"] if o["kind"] == kind]


def test_drift_made_by_hand_is_named_host_by_host(fleet: Fleet) -> None:
    # h01 (proxy): our nft table flushed - the chains stay, their rules go
    rules = fleet.host("h01", "nft list chain inet pbr_linux tproxy_tproxy").splitlines()
    rules = [ln.strip() for ln in rules if ln.startswith("\t\t") and "hook" not in ln]
    fleet.host("h01", "nft flush table inet pbr_linux")
    # h02: one rule deleted
    fleet.host("h02", "ip rule del priority 1000 fwmark 0x1/0xff")
    # h03 (proxy): the saved state is out of date - a line of the saved rules gone
    saved = fleet.host("h03", "sed -n '/^rule add/{p;q}' /etc/pbr-linux/rules-4.batch").strip()
    fleet.host(
        "h03",
        "f=/etc/pbr-linux/rules-4.batch; awk '/^rule add/ && !d {d=1; next} {print}' $f >/tmp/$$; cat /tmp/$$ >$f",
    )
    assert saved and saved not in fleet.host("h03", "cat /etc/pbr-linux/rules-4.batch")
    # h04: the IPv4 routes of the second uplink's table flushed
    flushed = fleet.host("h04", "ip -4 route show table 102").splitlines()
    fleet.host("h04", "ip -4 route flush table 102")
    # h05 (proxy): one nft rule deleted by hand; the others, as nft words them, are still ours
    socket_rule = next(r for r in rules if "socket transparent" in r)
    fleet.host(
        "h05",
        "h=$(nft -a list chain inet pbr_linux tproxy_tproxy | sed -n 's/.*socket transparent.*# handle //p'); "
        "nft delete rule inet pbr_linux tproxy_tproxy handle $h",
    )
    # h06: a sysctl changed
    fleet.host("h06", "sysctl -qw net.ipv4.conf.up1.rp_filter=2")
    drifted = fleet.snapshot()

    audit = fleet.audit("drift")
    assert audit["rc"] == 3, audit["out"][-4000:]
    report = audit["report"]
    status = {h: e["status"] for h, e in report["hosts"].items()}
    want = dict.fromkeys(PROXIES + MULTIHOMED, "in_sync")
    want.update(dict.fromkeys(["h01", "h02", "h03", "h04", "h05", "h06"], "drift"))
    assert status == want
    assert report["summary"]["drift"] == 6 and report["summary"]["in_sync"] == 4

    # h01: exactly the flushed rules are missing, in their chain, as nft prints them
    running = _objects(report, "h01", "running")
    assert {o["module"] for o in running} == {"pbr.linux.tproxy_divert"}
    assert {o["change"] for o in running} == {"missing"}
    assert {o["where"] for o in running} == {"nft list table inet pbr_linux: chain tproxy_tproxy"}
    assert sorted(o["object"] for o in running) == sorted(rules)
    # ... and the saved boot state still has them: a reboot would bring them back
    assert {o["change"] for o in _objects(report, "h01", "saved")} == {"extra"}

    # h02: the one rule, missing, in ip rule's own words
    assert [(o["module"], o["change"], o["object"], o["where"]) for o in _objects(report, "h02", "running")] == [
        ("pbr.linux.ip_rule", "missing", "1000:\tfrom all fwmark 0x1/0xff lookup isp1 proto pbr", "ip -4 rule show")
    ]
    assert [(o["change"], o["object"]) for o in _objects(report, "h02", "saved")] == [
        ("extra", "rule add priority 1000 from all fwmark 0x1/0xff lookup 101 protocol 242")
    ]

    # h03: only the saved state, the line its file lost
    assert _objects(report, "h03", "running") == []
    assert [(o["module"], o["change"], o["object"], o["where"]) for o in _objects(report, "h03", "saved")] == [
        ("pbr.linux.persist", "missing", saved, "/etc/pbr-linux/rules-4.batch")
    ]

    # h04: every flushed route, missing from its table
    running = _objects(report, "h04", "running")
    assert {(o["module"], o["change"]) for o in running} == {("pbr.linux.ip_route_table", "missing")}
    assert len(running) == len(flushed) == 2
    assert all(o["where"] == "ip -4 route show table isp2" for o in running)
    assert sorted(o["object"].split(" proto ")[0] for o in running) == sorted(r.split(" proto ")[0] for r in flushed)

    # h05: only the deleted rule - the rules left compare equal in nft's own words
    assert [(o["module"], o["change"], o["object"]) for o in _objects(report, "h05", "running")] == [
        ("pbr.linux.tproxy_divert", "missing", socket_rule)
    ]

    # h06: the sysctl, different, before and after
    assert [(o["module"], o["change"], o["before"], o["after"]) for o in report["hosts"]["h06"]["objects"]] == [
        ("pbr.linux.src_valid_mark", "different", "net.ipv4.conf.up1.rp_filter = 2", "net.ipv4.conf.up1.rp_filter = 1")
    ]

    md = (audit["dir"] / "drift.md").read_text()
    assert "| h02 | drift | 2 |" in md and "| h07 | in_sync | 0 |" in md
    assert "## h02: drift" in md and "+1000:\tfrom all fwmark 0x1/0xff lookup isp1 proto pbr" in md
    assert "-net.ipv4.conf.up1.rp_filter = 2\n+net.ipv4.conf.up1.rp_filter = 1" in md
    assert "## h07" not in md

    _same(fleet.snapshot(), drifted, "the audit")
    STATE["drifted"] = drifted


def test_query_selects_what_counts_as_drift(fleet: Fleet) -> None:
    audit = fleet.audit("query", PBR_DRIFT_QUERY="[?kind != 'saved']")
    assert audit["rc"] == 3, audit["out"][-3000:]
    hosts = audit["report"]["hosts"]
    assert hosts["h03"]["status"] == "in_sync" and hosts["h03"]["objects"] == []
    assert [o["object"] for o in hosts["h03"]["ignored"]] != []
    assert [h for h, e in hosts.items() if e["status"] == "drift"] == ["h01", "h02", "h04", "h05", "h06"]
    assert all(o["kind"] == "running" for e in hosts.values() for o in e["objects"])

    only_sysctls = fleet.audit("query2", PBR_DRIFT_QUERY="[?module == 'pbr.linux.src_valid_mark']")
    assert [h for h, e in only_sysctls["report"]["hosts"].items() if e["status"] == "drift"] == ["h06"]

    bad = fleet.audit("query3", PBR_DRIFT_QUERY="[?kind")
    # (older ansible-core wraps the error's lines)
    assert bad["rc"] == 5 and "is not valid; expected a JMESPath expression" in " ".join(bad["out"].split())
    assert "TASK [" not in bad["out"] and bad["report"] == {}
    _same(fleet.snapshot(), STATE["drifted"], "the audits with a query")


def test_failed_and_unreachable_hosts_have_their_own_status(fleet: Fleet) -> None:
    # h08 loses its second uplink (the role fails on it); h99 has no server at its address
    fleet.host("h08", "ip link del up2")
    inventory = fleet.root / "inventory-more.yml"
    text = (fleet.root / "inventory.yml").read_text()
    text = text.replace(
        "    proxies:\n      hosts:\n",
        "    proxies:\n      hosts:\n        h99: {ansible_host: 198.18.0.250, fleet_root: /nonexistent}\n",
    )
    inventory.write_text(text)
    directory = fleet.root / "statuses"
    proc = fleet.playbook(
        "--check",
        inventory=inventory,
        ANSIBLE_CALLBACKS_ENABLED="pbr.linux.drift",
        PBR_DRIFT_REPORT=str(directory),
        PBR_DRIFT_FAIL="1",
        ANSIBLE_TIMEOUT="5",
    )
    assert proc.returncode == 4, proc.stdout[-3000:]
    hosts = json.loads((directory / "drift.json").read_text())["hosts"]
    assert hosts["h99"]["status"] == "unreachable" and hosts["h99"]["objects"] == []
    assert hosts["h08"]["status"] == "failed"
    assert "up2" in hosts["h08"]["error"]["msg"] and hosts["h08"]["error"]["module"].startswith("pbr.linux.")
    assert hosts["h02"]["status"] == "drift" and hosts["h07"]["status"] == "in_sync"
    summary = json.loads((directory / "drift.json").read_text())["summary"]
    assert (summary["hosts"], summary["unreachable"], summary["failed"]) == (N + 1, 1, 1)
    md = (directory / "drift.md").read_text()
    assert "| h99 | unreachable | 0 |" in md and "## h08: failed" in md


def test_hosts_a_stopped_play_never_reached_are_not_audited(fleet: Fleet) -> None:
    directory = fleet.root / "serial"
    proc = fleet.playbook(
        "--check",
        site=SITE.parent / "serial.yml",
        ANSIBLE_CALLBACKS_ENABLED="pbr.linux.drift",
        PBR_DRIFT_REPORT=str(directory),
        PBR_DRIFT_FAIL="true",
    )
    assert proc.returncode == 2, proc.stdout[-3000:]
    hosts = json.loads((directory / "drift.json").read_text())["hosts"]
    first_batch = ["h01", "h03"]  # the inventory's order: the proxies first
    assert hosts["h01"]["status"] == "failed" and hosts["h01"]["error"]["msg"] == "h01 fails its audit"
    assert hosts["h03"]["status"] == "in_sync"
    rest = [h for h in PROXIES + MULTIHOMED if h not in first_batch]
    assert {h: hosts[h]["status"] for h in rest} == dict.fromkeys(rest, "not_audited")
    assert hosts["h10"]["not_audited_in"] == ["Audit in batches"]
