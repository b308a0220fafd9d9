#!/usr/bin/env python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark pbr.linux.ip_route_table: 50,000 routes into one table with one task, no options.

Everything runs in throwaway network namespaces (created and removed here), with routes in the
documentation ranges only (IPv6: /56 prefixes of 2001:db8::/32; IPv4: the 512 host addresses of
two documentation /24s, each at as many metrics as needed). Two config forms, as users write them:

- ``prefixes: "{{ lookup('file', 'nets.txt') }}"`` with ``defaults`` (one text, one prefix a line),
  timed beyond an empty play;
- a list of 50,000 route dicts, timed beyond Ansible's floor (the do-nothing module
  ``library/pbr_bench_floor.py`` given the same ``config``).

Beside each figure, in the same run: ``ip -batch`` of the same routes (the baseline of every
ratio), the empty play and the floor. Also the module process (``python -m``, as AnsiballZ runs
it: wall time, engine_seconds, peak RSS) and the controller's peak RSS, and how long the table
readers take (_netlink.py, pyroute2, ``ip -j``). Every playbook runs ``--repeat`` times (apply in a
fresh namespace each time); the fastest run counts. Not a test: no pass/fail.

Goals (issue 9): prefixes apply <= 2x ip -batch and no-op <= 1 s beyond the empty play; dicts apply
<= 2x ip -batch beyond the floor; module process under 300 MB.

    .venv/bin/python benchmarks/ip_route_table_bench.py [--routes 50000] [--family ipv6|ipv4] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Tuple

from harness import (
    EMPTY_PLAY,
    bench_env,
    fastest,
    ip_batch,
    netns_add,
    netns_delete,
    one_task_play,
    row,
    run_module,
    timed_playbook,
)

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


def prefix_files(n: int, family: str, tmp: str) -> Dict[int, str]:
    """The prefixes as text files, one per metric (nets-<metric>.txt): what a user keeps in the repo."""
    by_metric: Dict[int, List[str]] = {}
    for dst, metric in prefixes(n, family):
        by_metric.setdefault(metric, []).append(dst)
    files = {}
    for metric, dsts in by_metric.items():
        path = Path(tmp) / f"nets-{metric}.txt"
        path.write_text("\n".join(dsts) + "\n")
        files[metric] = str(path)
    return files


def prefixes_config(files: Dict[int, str], family: str, lookup: bool) -> List[Dict[str, Any]]:
    """The compact form: defaults + prefixes as text (a file lookup in the play, the text itself here)."""
    return [
        {
            "table": TABLE,
            "defaults": {"via": GW[family], "dev": DEV, **({"metric": metric} if metric else {})},
            "prefixes": f"{{{{ lookup('file', '{path}') }}}}" if lookup else Path(path).read_text(),
        }
        for metric, path in files.items()
    ]


def batch_lines(n: int, family: str) -> str:
    lines = []
    for dst, metric in prefixes(n, family):
        tail = f" metric {metric}" if family == "ipv4" and metric else ""
        lines.append(f"route add {dst} via {GW[family]} dev {DEV} table {TABLE} proto 242{tail}\n")
    return "".join(lines)


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


TASK = '    - pbr.linux.ip_route_table: {namespace: "{{ ns }}", config: %s}\n'
FLOOR = '    - pbr_bench_floor: {namespace: "{{ ns }}", config: "{{ cfg }}"}\n'


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--routes", type=int, default=50000)
    ap.add_argument("--family", choices=["ipv6", "ipv4"], default="ipv6")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--interpreter", default=sys.executable, help="managed-host python for the module")
    args = ap.parse_args()
    n, family = args.routes, args.family
    tag = "pbrr" + secrets.token_hex(3)
    fresh = [f"{tag}{form}{k}" for form in "pd" for k in range(args.repeat)]
    spaces = fresh + [tag + "b", tag + "m"]
    runs: Dict[str, List[Any]] = {k: [] for k in ("empty", "p_apply", "p_noop", "floor", "d_apply", "d_noop")}
    with tempfile.TemporaryDirectory() as tmp:
        env = bench_env(tmp)
        files = prefix_files(n, family, tmp)
        dicts = [{"table": TABLE, "routes": routes(n, family)}]
        p_task = one_task_play(TASK % json.dumps(prefixes_config(files, family, lookup=True)))
        d_task = one_task_play(TASK % '"{{ cfg }}"')
        try:
            for ns in spaces:
                netns_up(ns, family)
            t_batch = ip_batch(tag + "b", batch_lines(n, family), "-6" if family == "ipv6" else "-4")
            for k in range(args.repeat):
                common = {"interp": args.interpreter}
                runs["empty"].append(timed_playbook(EMPTY_PLAY, tmp, env, **common))
                runs["p_apply"].append(timed_playbook(p_task, tmp, env, ns=f"{tag}p{k}", **common))
                runs["p_noop"].append(timed_playbook(p_task, tmp, env, ns=f"{tag}p{k}", **common))
                common["cfg"] = dicts
                runs["floor"].append(timed_playbook(one_task_play(FLOOR), tmp, env, ns=f"{tag}d{k}", **common))
                runs["d_apply"].append(timed_playbook(d_task, tmp, env, ns=f"{tag}d{k}", **common))
                runs["d_noop"].append(timed_playbook(d_task, tmp, env, ns=f"{tag}d{k}", **common))
            margs = {"namespace": tag + "m", "config": prefixes_config(files, family, lookup=False)}
            direct = [run_module("ip_route_table", env, tmp, margs) for attempt in ("apply", "no-op")]
            dmargs = {"namespace": tag + "m", "config": dicts}
            direct.append(run_module("ip_route_table", env, tmp, dmargs))
            pythons = dict.fromkeys([sys.executable, "/usr/bin/python3"])
            read = {py: readers(py, tag + "m", family, env["ANSIBLE_COLLECTIONS_PATH"]) for py in pythons}
        finally:
            for ns in spaces:
                netns_delete(ns)
    changed = {k: [r.changed for r in v] for k, v in runs.items() if k != "empty"}
    if (
        changed["p_apply"] != [1] * args.repeat
        or changed["d_apply"] != [1] * args.repeat
        or any(changed["p_noop"] + changed["d_noop"] + changed["floor"])
    ):
        sys.exit(f"unexpected changed counts: {changed}")
    best = {k: fastest(v) for k, v in runs.items()}
    e, fl = best["empty"].seconds, best["floor"].seconds
    print(f"pbr.linux.ip_route_table: {n} {family} routes into table {TABLE}, no options; python {args.interpreter}")
    print(f"fastest of {args.repeat} runs each; ratios against ip -batch of the same routes")
    print(row(f"ip -batch, {n} route add lines (baseline)", t_batch, t_batch))
    print(row("empty play (ansible-playbook, tasks: [])", e))
    print(
        row(
            "prefixes (file lookup) + defaults: apply, beyond the empty play",
            best["p_apply"].seconds - e,
            t_batch,
            "goal <= 2x",
        )
    )
    print(
        row(
            "prefixes (file lookup) + defaults: no-op, beyond the empty play",
            best["p_noop"].seconds - e,
            None,
            "goal <= 1 s",
        )
    )
    print(row(f"floor: do-nothing module given {n} route dicts, beyond empty", fl - e))
    print(row(f"{n} route dicts: apply, beyond the floor", best["d_apply"].seconds - fl, t_batch, "goal <= 2x"))
    print(row(f"{n} route dicts: no-op, beyond the floor", best["d_noop"].seconds - fl))
    for what, run in zip(("prefixes apply", "prefixes no-op", "dicts no-op"), direct):
        res = run.result
        print(
            f"  module process, {what:14} (python -m): {run.seconds:6.3f} s wall, engine_seconds "
            f"{res['engine_seconds']:.3f}, peak RSS {run.rss_mb:4.0f} MB (goal < 300), result keys {sorted(res)}"
        )
    for what in ("p_apply", "d_apply"):
        r = best[what]
        print(
            f"  controller peak RSS, {what}: ansible-playbook {r.controller_mb:.0f} MB, largest child "
            f"{r.children_mb:.0f} MB"
        )
    print("  reading the table: [seconds, routes]")
    for py, out in read.items():
        print(f"    {py}: {json.dumps(out)}")


if __name__ == "__main__":
    main()
