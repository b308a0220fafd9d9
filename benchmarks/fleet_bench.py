#!/usr/bin/env python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark the fleet audit: N hosts (default 50), each a network namespace with its own OpenSSH server
(scripts/fleet.sh), Ansible over SSH from a controller namespace, forks 10, pipelining on.

In one run: a one-task ping play (the baseline: what Ansible itself costs per host and task over SSH), the site
playbook's first apply (tests/fleet/site.yml: both roles by inventory group), its no-op re-run, the audit
(``--check``) without the callback and with pbr.linux.drift. The audits alternate (without, with, without,
with, ...) so that both see the same machine; the fastest of ``--repeat`` runs counts. Goals: the report adds
under 10% to the check run; the audit costs no more per host and task than the ping play does (audit time <=
tasks per host in the audit x ping time). Not a test: no pass/fail.

    .venv/bin/python benchmarks/fleet_bench.py [--hosts 50] [--forks 10] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

from harness import REPO, row

FLEET = ["bash", str(REPO / "scripts" / "fleet.sh")]
RECAP = re.compile(r"^(h\d+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.M)


def play(root: Path, env: Dict[str, str], playbook: str, *args: str) -> Tuple[float, Dict[str, Tuple[int, ...]], str]:
    argv = [*FLEET, "ctl", str(root), str(Path(sys.executable).parent / "ansible-playbook")]
    argv += ["-i", str(root / "inventory.yml"), str(REPO / "tests" / "fleet" / playbook), *args]
    started = time.monotonic()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    print(
        f"  ({playbook} {' '.join(args)}{' with the callback' if 'ANSIBLE_CALLBACKS_ENABLED' in env else ''}: {seconds:.1f} s)",
        flush=True,
    )
    recap = {m[0]: tuple(int(x) for x in m[1:]) for m in RECAP.findall(proc.stdout)}
    if proc.returncode != 0 or not recap or any(r[2] or r[3] for r in recap.values()):
        sys.exit(
            f"{playbook} {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
        )
    return seconds, recap, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=2)
    opts = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="pbr-fleet-bench-"))
    prefix = "pbrfb" + secrets.token_hex(2)
    env = dict(
        os.environ,
        PBR_FLEET_PREFIX=prefix,
        ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH") or str(REPO / ".build"),
        ANSIBLE_FORKS=str(opts.forks),
        ANSIBLE_PIPELINING="1",
        ANSIBLE_SSH_CONTROL_PATH_DIR=str(root / "cp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
    )
    started = time.monotonic()
    subprocess.run([*FLEET, "up", str(opts.hosts), str(root)], env=env, check=True, capture_output=True)
    try:
        up = time.monotonic() - started
        ping = min(play(root, env, "ping.yml")[0] for _round in range(opts.repeat))
        apply, applied, _out = play(root, env, "site.yml")
        noop = min((play(root, env, "site.yml") for _round in range(opts.repeat)), key=lambda r: r[0])[0]
        report_dir = root / "report"
        with_cb = dict(env, ANSIBLE_CALLBACKS_ENABLED="pbr.linux.drift", PBR_DRIFT_REPORT=str(report_dir))
        plain: List[float] = []
        reported: List[float] = []
        in_callback: List[float] = []
        recap: Dict[str, Tuple[int, ...]] = {}
        for _round in range(opts.repeat):
            seconds, recap, _out = play(root, env, "site.yml", "--check")
            plain.append(seconds)
            seconds, _recap, out = play(root, with_cb, "site.yml", "--check")
            reported.append(seconds)
            spent = re.search(r"\((\d+) ms in the callback\)", out)
            in_callback.append(int(spent.group(1)) / 1000 if spent else float("nan"))
        report = json.loads((report_dir / "drift.json").read_text())
        audit, audit_cb = min(plain), min(reported)
        # tasks per host in the audit: the tasks that ran on it (ok), and with the skipped ones
        ran = sum(r[0] for r in recap.values()) / len(recap)
        listed = sum(r[0] + r[4] for r in recap.values()) / len(recap)
        changed = sum(r[1] for r in applied.values())
        print(f"fleet: {opts.hosts} hosts over SSH (forks {opts.forks}, pipelining), up in {up:.1f} s")
        print(row("ping play (1 task per host): the baseline", ping, ping))
        print(row(f"site apply (both roles, {changed} changes)", apply, ping))
        print(row("site no-op", noop, ping))
        print(row("audit: --check", audit, ping))
        print(
            row(
                "audit: --check with pbr.linux.drift",
                audit_cb,
                audit,
                f"goal < 1.10x of --check: {'met' if audit_cb < 1.10 * audit else 'MISSED'}",
            )
        )
        print(
            row(
                "  of it in the callback's own handlers (its figure, per run)",
                max(in_callback),
                audit,
                f"{max(in_callback) / audit * 100:.2f}% of --check (runs differ by {abs(plain[0] - reported[0]):.1f} s)",
            )
        )
        budget = ran * ping
        print(
            row(
                f"ping play x {ran:.1f} tasks per host that ran ({listed:.1f} with skipped)",
                budget,
                ping,
                f"audit with the report {audit_cb / budget:.2f}x of it: goal <= 1: {'met' if audit_cb <= budget else 'MISSED'}",
            )
        )
        print(
            f"  report: {report['summary']['hosts']} hosts, {report['summary']['in_sync']} in sync, "
            f"{(report_dir / 'drift.json').stat().st_size} bytes of drift.json"
        )
        print(
            f"  one fork's time per host and task: ping {ping * opts.forks / opts.hosts:.3f} s, "
            f"audit {audit_cb * opts.forks / opts.hosts / ran:.3f} s"
        )
    finally:
        subprocess.run([*FLEET, "down", str(root)], env=env, check=False, capture_output=True)


if __name__ == "__main__":
    main()
