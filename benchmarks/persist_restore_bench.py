#!/usr/bin/env python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark pbr-linux-restore: 5,000 rules plus 50,000 routes after a simulated reboot.

In a throwaway namespace with one veth link: the rules (fwmark N lookup 100+N%50, protocol 242) and
routes (IPv4 /32s of 198.51.100.0/24 and 203.0.113.0/24 at many metrics, via the link, in table 100,
proto 242) go in with ``ip -batch``; pbr.linux.persist (run directly, as AnsiballZ runs it) saves them;
the namespace is deleted and made again with the same link (a reboot), and ``pbr-linux-restore
--namespace`` replays the saved files. Beside it, in the same run: plain ``ip -batch`` of the same
lines into a fresh namespace (the baseline) and a second restore (everything already there). The
restored policy is compared with the saved one. Not a test: no pass/fail.

    .venv/bin/python benchmarks/persist_restore_bench.py [--rules 5000] [--routes 50000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import secrets
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

from harness import bench_env, netns_add, netns_delete, row, run_module


def policy(rules: int, routes: int) -> Tuple[List[str], List[str]]:
    rule_lines = [
        f"rule add priority {1000 + n} fwmark {n + 1} lookup {100 + n % 50} protocol 242" for n in range(rules)
    ]
    hosts = [f"198.51.100.{n}" for n in range(256)] + [f"203.0.113.{n}" for n in range(256)]
    route_lines = [
        f"route add {hosts[n % len(hosts)]}/32 via 192.0.2.1 dev up0 table 100 proto 242 metric {n // len(hosts) + 1}"
        for n in range(routes)
    ]
    return rule_lines, route_lines


def wire(ns: str) -> None:
    netns_add(ns)
    links(ns)


def reboot(ns: str) -> None:
    """Delete the namespace but keep its /etc/netns view (the disk), then make it again with the same link."""
    subprocess.run(["ip", "netns", "delete", ns], check=True)
    subprocess.run(["ip", "netns", "add", ns], check=True)
    links(ns)


def links(ns: str) -> None:
    for cmd in (
        f"ip -n {ns} link set lo up",
        f"ip -n {ns} link add up0 type veth peer name up0p",
        f"ip -n {ns} addr add 192.0.2.2/24 dev up0",
        f"ip -n {ns} link set up0p up",
        f"ip -n {ns} link set up0 up",
    ):
        subprocess.run(cmd.split(), check=True)


def timed(argv: List[str], stdin: str = "") -> float:
    started = time.monotonic()
    proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    took = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr[-2000:]}")
    return took


def dump(ns: str) -> str:
    out = subprocess.run(["ip", "-n", ns, "rule", "show"], capture_output=True, text=True, check=True).stdout
    out += subprocess.run(
        ["ip", "-n", ns, "route", "show", "table", "all", "proto", "242"], capture_output=True, text=True, check=True
    ).stdout
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=5000)
    parser.add_argument("--routes", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    rule_lines, route_lines = policy(args.rules, args.routes)
    text = "\n".join(rule_lines + route_lines) + "\n"
    tag = "pb" + secrets.token_hex(3)
    base_ns, ns = f"{tag}b", f"{tag}r"
    with tempfile.TemporaryDirectory(prefix="pbr-bench-") as tmp:
        env = bench_env(tmp)
        root = Path(tmp) / "root"
        script = str(root / "usr/local/sbin/pbr-linux-restore")
        baseline, restores, agains = [], [], []
        try:
            for _round in range(args.repeat):
                wire(base_ns)
                baseline.append(timed(["ip", "-n", base_ns, "-batch", "-"], text))
                netns_delete(base_ns)
            wire(ns)
            timed(["ip", "-n", ns, "-batch", "-"], text)
            before = dump(ns)
            saved = run_module("persist", env, tmp, {"namespace": ns, "root": str(root)})
            for _round in range(args.repeat):
                reboot(ns)
                restores.append(timed([script, "--namespace", ns]))
                agains.append(timed([script, "--namespace", ns]))
            after = dump(ns)
        finally:
            netns_delete(base_ns)
            netns_delete(ns)
    best = min(baseline)
    print(f"pbr-linux-restore: {args.rules} rules + {args.routes} routes (fastest of {args.repeat})")
    print(row("ip -batch of the same lines, fresh namespace (baseline)", best, best))
    print(row("pbr.linux.persist: save (module process)", saved.seconds, best))
    print(row("pbr-linux-restore --namespace after a reboot", min(restores), best))
    print(row("pbr-linux-restore again (everything already there)", min(agains), best))
    print(f"  restored policy equals the saved one: {before == after} ({len(before.splitlines())} lines)")


if __name__ == "__main__":
    main()
