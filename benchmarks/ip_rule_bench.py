#!/usr/bin/env python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark pbr.linux.ip_rule: 5000 rules in one task, written as a user writes it (no options).

Everything runs in throwaway network namespaces (created and removed here). Prints, from one run,
each figure beside its baselines measured in the same run: ``ip -batch`` of the same rules, Ansible's
floor (the do-nothing module ``library/pbr_bench_floor.py`` given the same ``config``), an empty
play, and one ``command: ip rule add`` task per rule. Every playbook runs ``--repeat`` times (apply
in a fresh namespace each time); the fastest run counts. Not a test: no pass/fail.

Goals (issue 9): apply beyond the floor <= 2x ip -batch, no-op beyond the floor <= 0.5 s, module
process under 300 MB.

    .venv/bin/python benchmarks/ip_rule_bench.py [--rules 5000] [--per-rule 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile

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


def rules(n: int) -> list:
    return [{"priority": 10000 + i, "from": f"198.51.{100 + i // 250}.{i % 250}/32", "table": 100} for i in range(n)]


def batch_lines(cfg: list) -> str:
    return "".join(f"rule add priority {r['priority']} from {r['from']} lookup 100 protocol 242\n" for r in cfg)


TASK = '    - pbr.linux.ip_rule: {namespace: "{{ ns }}", config: "{{ cfg }}"}\n'
FLOOR = '    - pbr_bench_floor: {namespace: "{{ ns }}", config: "{{ cfg }}"}\n'
PER_RULE = """    - ansible.builtin.command: "ip -n {{ ns }} rule add priority {{ item.priority }} from {{ item.from }} lookup 100"
      loop: "{{ cfg }}"
      changed_when: true
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", type=int, default=5000)
    ap.add_argument("--per-rule", type=int, default=200, help="rules for the command-per-rule baseline (0: skip)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--interpreter", default=sys.executable, help="managed-host python for the module")
    args = ap.parse_args()
    cfg = rules(args.rules)
    tag = "pbrb" + secrets.token_hex(3)
    spaces = [f"{tag}{k}" for k in range(args.repeat)] + [tag + "b", tag + "d", tag + "c"]
    apply, noop, floor, empty = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        env = bench_env(tmp)
        common = {"interp": args.interpreter, "cfg": cfg}
        for ns in spaces:
            netns_add(ns)
        try:
            t_batch = ip_batch(tag + "b", batch_lines(cfg))
            for k in range(args.repeat):
                ns = f"{tag}{k}"
                empty.append(timed_playbook(EMPTY_PLAY, tmp, env, **common))
                floor.append(timed_playbook(one_task_play(FLOOR), tmp, env, ns=ns, **common))
                apply.append(timed_playbook(one_task_play(TASK), tmp, env, ns=ns, **common))
                noop.append(timed_playbook(one_task_play(TASK), tmp, env, ns=ns, **common))
            direct = [
                run_module("ip_rule", env, tmp, {"namespace": tag + "d", "config": cfg})
                for attempt in ("apply", "no-op")
            ]
            per = None
            if args.per_rule:
                first = cfg[: args.per_rule]
                per = timed_playbook(
                    one_task_play(PER_RULE), tmp, env, interp=args.interpreter, ns=tag + "c", cfg=first
                )
        finally:
            for ns in spaces:
                netns_delete(ns)
    if not all(r.changed == 1 for r in apply) or any(r.changed for r in noop):
        sys.exit(f"unexpected changed counts: apply {[r.changed for r in apply]}, no-op {[r.changed for r in noop]}")
    e, f, a, n = fastest(empty), fastest(floor), fastest(apply), fastest(noop)
    print(f"pbr.linux.ip_rule: {args.rules} rules in one task, no options; managed-host python {args.interpreter}")
    print(f"fastest of {args.repeat} runs each; ratios against ip -batch of the same rules")
    print(row(f"ip -batch, {args.rules} rule add lines (baseline)", t_batch, t_batch))
    print(row("empty play (ansible-playbook, tasks: [])", e.seconds))
    print(row("floor: do-nothing module given the same config, beyond empty", f.seconds - e.seconds))
    print(row("ip_rule apply, beyond the floor", a.seconds - f.seconds, t_batch, "goal <= 2x"))
    print(row("ip_rule no-op re-run, beyond the floor", n.seconds - f.seconds, None, "goal <= 0.5 s"))
    for what, run in (("apply", direct[0]), ("no-op", direct[1])):
        res = run.result
        print(
            f"  module process, {what:5} (python -m): {run.seconds:6.3f} s wall, engine_seconds "
            f"{res['engine_seconds']:.3f}, peak RSS {run.rss_mb:5.0f} MB (goal < 300), result keys {sorted(res)}"
        )
    print(
        f"  controller peak RSS: ansible-playbook {a.controller_mb:.0f} MB, largest child {a.children_mb:.0f} MB"
        f" (floor play: {f.controller_mb:.0f} / {f.children_mb:.0f} MB)"
    )
    if per is not None:
        per_rule = (per.seconds - e.seconds) / args.per_rule
        beyond = a.seconds - e.seconds
        print(
            f"  one command task per rule ({args.per_rule} measured): {per_rule * 1000:.1f} ms/rule -> "
            f"{per_rule * args.rules:.0f} s for {args.rules} = {per_rule * args.rules / beyond:.0f}x the ip_rule task"
        )


if __name__ == "__main__":
    main()
