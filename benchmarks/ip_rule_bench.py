#!/usr/bin/env python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark pbr.linux.ip_rule against `ip -batch` and one `command` task per rule.

Everything runs in throwaway network namespaces (created and removed here). Prints
absolute times and ratios measured in the same run. Not a test: no pass/fail.

    .venv/bin/python benchmarks/ip_rule_bench.py [--rules 5000] [--per-rule 200]
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time

from harness import collections_path, netns_add, netns_delete, run_playbook


def rules(n: int) -> list:
    return [{"priority": 10000 + i, "from": f"198.51.{100 + i // 250}.{i % 250}/32", "table": 100} for i in range(n)]


def batch_lines(cfg: list) -> str:
    return "".join(f"rule add priority {r['priority']} from {r['from']} lookup 100 protocol 242\n" for r in cfg)


PLAY = """
- hosts: localhost
  gather_facts: false
  connection: local
  vars:
    ansible_python_interpreter: "{{ interp }}"
  tasks:
    - {set_fact: {t0: "{{ lookup('pipe', 'date +%s.%N') }}"}}
    - {ansible.builtin.ping: {}}
    - {set_fact: {t1: "{{ lookup('pipe', 'date +%s.%N') }}"}}
    - pbr.linux.ip_rule: {namespace: "{{ ns }}", config: "{{ cfg }}", report: "{{ report }}"}
      register: r
    - {set_fact: {t2: "{{ lookup('pipe', 'date +%s.%N') }}"}}
    - ansible.builtin.copy:
        dest: "{{ out }}"
        content: "{{ {'empty': t1|float - t0|float, 'task': t2|float - t1|float,
                      'changed': r.changed, 'engine': r.engine_seconds} | to_json }}"
      delegate_to: localhost
"""

PER_RULE = """
- hosts: localhost
  gather_facts: false
  connection: local
  vars:
    ansible_python_interpreter: "{{ interp }}"
  tasks:
    - {set_fact: {t0: "{{ lookup('pipe', 'date +%s.%N') }}"}}
    - ansible.builtin.command: "ip -n {{ ns }} rule add priority {{ item.priority }} from {{ item.from }} lookup 100"
      loop: "{{ cfg }}"
      changed_when: true
    - {set_fact: {t1: "{{ lookup('pipe', 'date +%s.%N') }}"}}
    - ansible.builtin.copy: {dest: "{{ out }}", content: "{{ {'task': t1|float - t0|float} | to_json }}"}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", type=int, default=5000)
    ap.add_argument("--per-rule", type=int, default=200)
    ap.add_argument("--interpreter", default=sys.executable)
    args = ap.parse_args()
    cfg = rules(args.rules)
    tag = "pbrb" + secrets.token_hex(3)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path(tmp), ANSIBLE_NOCOLOR="1")
        ns_batch, ns_mod, ns_sum, ns_cmd = tag + "b", tag + "m", tag + "s", tag + "c"
        spaces = (ns_batch, ns_mod, ns_sum, ns_cmd)
        for ns in spaces:
            netns_add(ns)
        try:
            t = time.monotonic()
            subprocess.run(["ip", "-n", ns_batch, "-batch", "-"], input=batch_lines(cfg), text=True, check=True)
            t_batch = time.monotonic() - t
            runs = {}
            for report, ns in (("full", ns_mod), ("summary", ns_sum)):
                common = {"interp": args.interpreter, "ns": ns, "cfg": cfg, "report": report}
                runs[report] = (run_playbook(PLAY, tmp, env, **common), run_playbook(PLAY, tmp, env, **common))
            per = run_playbook(PER_RULE, tmp, env, interp=args.interpreter, ns=ns_cmd, cfg=cfg[: args.per_rule])
        finally:
            for ns in spaces:
                netns_delete(ns)
    per_rule = per["task"] / args.per_rule
    empty = runs["full"][0]["empty"]
    print(f"rules: {args.rules}   interpreter: {args.interpreter}")
    print(f"empty task (ansible.builtin.ping):           {empty:8.3f} s")
    print(f"ip -batch, {args.rules} rules:                  {t_batch:8.3f} s   (baseline)")
    for report, (first, again) in runs.items():
        apply_beyond = first["task"] - first["empty"]
        noop_beyond = again["task"] - again["empty"]
        print(
            f"ip_rule apply, report={report:7s} beyond empty: {apply_beyond:8.3f} s   "
            f"ratio {apply_beyond / t_batch:6.2f}x ip -batch   (engine {first['engine']:.3f} s, "
            f"{first['engine'] / t_batch:.2f}x; changed={first['changed']})"
        )
        print(
            f"ip_rule no-op, report={report:7s} beyond empty: {noop_beyond:8.3f} s   "
            f"(engine {again['engine']:.3f} s, changed={again['changed']})"
        )
    apply_beyond = runs["full"][0]["task"] - runs["full"][0]["empty"]
    print(
        f"command task per rule ({args.per_rule} rules):        {per_rule * 1000:8.1f} ms/rule -> "
        f"{per_rule * args.rules:7.1f} s for {args.rules}   ratio {per_rule * args.rules / apply_beyond:6.1f}x ip_rule"
    )


if __name__ == "__main__":
    main()
