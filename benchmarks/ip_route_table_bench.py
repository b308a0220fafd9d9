#!/usr/bin/env python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark pbr.linux.ip_route_table: 50,000 routes into one table with one task.

Everything runs in throwaway network namespaces (created and removed here), with routes in the
documentation ranges only (IPv6: /56 prefixes of 2001:db8::/32; IPv4: the 768 host addresses of
the three documentation /24s, each at as many metrics as needed). Prints, from one run:

- the task's time beyond an empty task (``ansible.builtin.ping``), apply and no-op re-run,
  with the module's own ``engine_seconds``;
- ``ip -batch`` for the same routes (the same commands the module runs);
- peak RSS of the module process (the module run directly, as AnsiballZ runs it, via wait4);
- reading the table: _netlink.py + from_netlink, pyroute2 0.9.x and Debian's 0.7.2, ``ip -j``.

Not a test: no pass/fail. Goal (issue 3): within 2x of ip -batch, no-op under 1 s of module
time, module process under 300 MB.

    .venv/bin/python benchmarks/ip_route_table_bench.py [--routes 50000] [--family ipv6|ipv4]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

from harness import collections_path, netns_add, netns_delete, run_playbook

TABLE = 100
DEV = "bv0"
GW = {"ipv4": "192.0.2.1", "ipv6": "2001:db8:ffff::1"}
ADDR = {"ipv4": "192.0.2.2/24", "ipv6": "2001:db8:ffff::2/64"}


def prefixes(n: int, family: str) -> List[Tuple[str, int]]:
    """n distinct (prefix, metric) pairs in the documentation ranges."""
    if family == "ipv6":
        return [(f"2001:db8:{i >> 8:x}:{(i & 0xFF) << 8:x}::/56", 1024) for i in range(n)]
    hosts = [f"{net}.{d}/32" for net in ("198.51.100", "203.0.113") for d in range(256)]
    return [(hosts[i % len(hosts)], i // len(hosts)) for i in range(n)]


def routes(n: int, family: str) -> List[Dict[str, Any]]:
    out = []
    for dst, metric in prefixes(n, family):
        route: Dict[str, Any] = {"dst": dst, "via": GW[family], "dev": DEV}
        if family == "ipv4" and metric:
            route["metric"] = metric
        out.append(route)
    return out


def config(n: int, family: str, form: str) -> List[Dict[str, Any]]:
    """The module's config: a list of route dicts, or the compact form (defaults + prefixes as text)."""
    if form == "routes":
        return [{"table": TABLE, "routes": routes(n, family)}]
    by_metric: Dict[int, List[str]] = {}
    for dst, metric in prefixes(n, family):
        by_metric.setdefault(metric, []).append(dst)
    return [
        {"table": TABLE, "defaults": {"via": GW[family], "dev": DEV, "metric": metric}, "prefixes": "\n".join(dsts)}
        for metric, dsts in by_metric.items()
    ]


def batch_lines(n: int, family: str) -> str:
    lines = []
    for dst, metric in prefixes(n, family):
        tail = f" metric {metric}" if family == "ipv4" and metric else ""
        lines.append(f"route add {dst} via {GW[family]} dev {DEV} table {TABLE} proto 242{tail}\n")
    return "".join(lines)


PLAY = """
- hosts: localhost
  gather_facts: false
  connection: local
  vars:
    ansible_python_interpreter: "{{ interp }}"
  tasks:
    - {ansible.builtin.ping: {}}
    - {set_fact: {t0: "{{ lookup('pipe', 'date +%s.%N') }}"}}
    - {ansible.builtin.ping: {}}
    - {set_fact: {t1: "{{ lookup('pipe', 'date +%s.%N') }}"}}
    - pbr.linux.ip_route_table: {namespace: "{{ ns }}", config: "{{ cfg }}", report: "{{ report }}"}
      register: apply
    - {set_fact: {t2: "{{ lookup('pipe', 'date +%s.%N') }}"}}
    - pbr.linux.ip_route_table: {namespace: "{{ ns }}", config: "{{ cfg }}", report: "{{ report }}"}
      register: noop
    - {set_fact: {t3: "{{ lookup('pipe', 'date +%s.%N') }}"}}
    - pbr.linux.ip_route_table: {namespace: "{{ ns }}", state: deleted, config: [{table: 100}], report: "{{ report }}"}
      register: delete
    - {set_fact: {t4: "{{ lookup('pipe', 'date +%s.%N') }}"}}
    - ansible.builtin.copy:
        dest: "{{ out }}"
        mode: "0600"
        content: "{{ {'empty': t1|float - t0|float, 'apply': t2|float - t1|float, 'noop': t3|float - t2|float,
                      'delete': t4|float - t3|float,
                      'apply_changed': apply.changed, 'noop_changed': noop.changed,
                      'apply_engine': apply.engine_seconds, 'noop_engine': noop.engine_seconds,
                      'delete_engine': delete.engine_seconds} | to_json }}"
"""


def run_module(python: str, env: Dict[str, str], tmp: str, args: Dict[str, Any]) -> Tuple[float, int, Dict[str, Any]]:
    """The module run directly (python -m, as AnsiballZ runs it): wall time, peak RSS (KiB), result."""
    path = Path(tmp) / f"args-{secrets.token_hex(3)}.json"
    path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    out = Path(tmp) / f"result-{secrets.token_hex(3)}.json"
    started = time.monotonic()
    with out.open("w") as handle:
        proc = subprocess.Popen(
            [python, "-m", "ansible_collections.pbr.linux.plugins.modules.ip_route_table", str(path)],
            env=env,
            cwd=tmp,
            stdout=handle,
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - started
    result = json.loads(out.read_text())
    if status != 0 or result.get("failed"):
        sys.exit(f"module failed: {result.get('msg')}")
    return elapsed, usage.ru_maxrss, result


READERS = r"""
import json, os, subprocess, sys, time
sys.path.insert(0, sys.argv[3])
from ansible_collections.pbr.linux.plugins.module_utils import _netlink as netlink
from ansible_collections.pbr.linux.plugins.module_utils._host import Host
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_kernel import from_netlink
host, family, table, out = Host(sys.argv[1]), int(sys.argv[2]), int(sys.argv[4]), {}
t = time.monotonic()
links = netlink.link_names(host.netlink())
ours = [r for r in (from_netlink(m, links) for m in netlink.dump_routes(host.netlink(), family)) if r and r.table == table]
out["_netlink.py"] = [time.monotonic() - t, len(ours)]
try:
    import pyroute2
    t = time.monotonic()
    ipr = host.ipr()
    links = {m["index"]: m.get_attr("IFLA_IFNAME") for m in ipr.get_links()}
    theirs = [r for r in (from_netlink(m, links) for m in ipr.get_routes(family=family, table=table)) if r]
    out["pyroute2 " + getattr(pyroute2, "__version__", "?")] = [time.monotonic() - t, len(theirs)]
    out["same routes"] = sorted(map(repr, ours)) == sorted(map(repr, theirs))
except ImportError:
    pass
t = time.monotonic()
text = subprocess.run(["ip", "-n", sys.argv[1], "-j", "-d", "-6" if family == 10 else "-4", "route", "show", "table",
                       str(table)], capture_output=True, check=True).stdout
out["ip -j -d route show + json"] = [time.monotonic() - t, len(json.loads(text))]
print(json.dumps(out))
"""


def readers(python: str, ns: str, family: str, cpath: str) -> Dict[str, Any]:
    """Time the table readers in ``python`` (pyroute2 0.9.x in the venv, 0.7.2 in Debian's python3)."""
    proc = subprocess.run(
        [python, "-c", READERS, ns, "10" if family == "ipv6" else "2", cpath, str(TABLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:]}
    return dict(json.loads(proc.stdout))


def netns_up(name: str, family: str) -> None:
    netns_add(name)
    for cmd in (
        ["link", "set", "lo", "up"],
        ["link", "add", DEV, "type", "veth", "peer", "name", "bv1"],
        ["link", "set", DEV, "up"],
        ["link", "set", "bv1", "up"],
        ["addr", "add", ADDR[family], "dev", DEV] + (["nodad"] if family == "ipv6" else []),
    ):
        subprocess.run(["ip", "-n", name] + cmd, check=True)


RUNS = {
    "prefixes+summary": ("prefixes", "summary"),
    "prefixes+full": ("prefixes", "full"),
    "routes+full": ("routes", "full"),
    "routes+summary": ("routes", "summary"),
}
FORM_TEXT = {"prefixes": "one text of prefixes + defaults", "routes": "a list of 50,000 dicts"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--routes", type=int, default=50000)
    ap.add_argument("--family", choices=["ipv6", "ipv4"], default="ipv6")
    ap.add_argument("--runs", default="prefixes+summary,prefixes+full,routes+full", help=f"some of {list(RUNS)}")
    ap.add_argument("--interpreter", default=sys.executable, help="managed-host python for the module")
    args = ap.parse_args()
    n, family, runs = args.routes, args.family, args.runs.split(",")
    tag = "pbrr" + secrets.token_hex(3)
    names = {"batch": tag + "b", "direct": tag + "d"}
    names.update({run: f"{tag}{k}" for k, run in enumerate(runs)})
    res: Dict[str, Dict[str, Any]] = {}
    direct: Dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cpath = collections_path(tmp)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=cpath, ANSIBLE_NOCOLOR="1", PYTHONPATH=cpath)
        try:
            for ns in names.values():
                netns_up(ns, family)
            fam_opt = "-6" if family == "ipv6" else "-4"
            t = time.monotonic()
            subprocess.run(
                ["ip", "-n", names["batch"], fam_opt, "-batch", "-"],
                input=batch_lines(n, family),
                text=True,
                check=True,
            )
            t_batch = time.monotonic() - t
            for run in runs:
                form, report = RUNS[run]
                res[run] = run_playbook(
                    PLAY, tmp, env, interp=args.interpreter, ns=names[run], cfg=config(n, family, form), report=report
                )
            margs = {"namespace": names["direct"], "config": config(n, family, "prefixes"), "report": "full"}
            # run directly by this python: it has ansible's module_utils (AnsiballZ would bundle them)
            direct["apply"] = run_module(sys.executable, env, tmp, margs)
            direct["no-op"] = run_module(sys.executable, env, tmp, margs)
            pythons = dict.fromkeys([sys.executable, "/usr/bin/python3"])
            read = {py: readers(py, names["direct"], family, cpath) for py in pythons}
        finally:
            for ns in names.values():
                netns_delete(ns)

    print(f"pbr.linux.ip_route_table: {n} {family} routes into table {TABLE}, managed-host python {args.interpreter}")
    print(f"  ip -batch (the same commands)            {t_batch:7.2f} s")
    for run, r in res.items():
        form, report = RUNS[run]
        apply, noop, delete = r["apply"] - r["empty"], r["noop"] - r["empty"], r["delete"] - r["empty"]
        print(f"  config as {FORM_TEXT[form]}, report={report}; empty task (ping) {r['empty']:.2f} s:")
        print(
            f"    apply, beyond the empty task           {apply:7.2f} s = {apply / t_batch:.2f}x ip -batch"
            f"  (engine_seconds {r['apply_engine']:.2f}, changed={r['apply_changed']})"
        )
        print(
            f"    no-op re-run, beyond the empty task    {noop:7.2f} s  (engine_seconds {r['noop_engine']:.2f},"
            f" changed={r['noop_changed']})"
        )
        print(f"    state=deleted, beyond the empty task   {delete:7.2f} s  (engine_seconds {r['delete_engine']:.2f})")
    print(
        f"  the module process, run directly by {sys.executable} (python -m, as AnsiballZ runs it; prefixes,"
        " report=full):"
    )
    for what, (wall, rss, result) in direct.items():
        print(
            f"    {what:6} {wall:6.2f} s wall, engine_seconds {result['engine_seconds']:.2f}, peak RSS {rss / 1024:.0f} MB"
        )
    print("  reading the table: [seconds, routes]")
    for py, out in read.items():
        print(f"    {py}: {json.dumps(out)}")


if __name__ == "__main__":
    main()
