#!/usr/bin/env python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark the roles against the same policy written as plain tasks, as users write it today.

For each role (transparent_proxy with nftables, return_path with two uplinks and iptables), in throwaway
network namespaces: the role's first apply in a fresh namespace and its no-op re-run; then the same policy as
one task per command (``ip rule add`` with ``failed_when: "'File exists'"``, ``ip route replace``,
``nft add chain``, ``nft list chain | grep -q || nft add rule``, ``iptables -C || iptables -A``, ``sysctl -w``, one ``lineinfile`` per table
name; the commands are derived from what the role put in the kernel, so it is the same policy), first run
in a fresh namespace and re-run; and an empty play. The role persists its policy (its default; the saved
files go to the namespace's /etc/netns view, the restore machinery under a temp root), the plain tasks save
nothing. Every playbook runs ``--repeat`` times (apply in a fresh namespace each time); the fastest counts.
Not a test: no pass/fail.

    .venv/bin/python benchmarks/roles_bench.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import shlex
import subprocess
import sys
import tempfile
from typing import Any, Dict, List, Tuple

from harness import EMPTY_PLAY, bench_env, fastest, netns_add, netns_delete, row, timed_playbook

ROLE_PLAY = """
- hosts: localhost
  gather_facts: false
  connection: local
  vars:
    ansible_python_interpreter: "{{ interp }}"
  roles:
    - role: pbr.linux.ROLE
"""


def sh(cmd: str) -> str:
    return subprocess.run(["bash", "-c", cmd], check=True, capture_output=True, text=True).stdout


def wire(ns: str, role: str) -> None:
    """The namespace's links: eth0 (transparent_proxy) or up1 and up2 (return_path), veth peers inside."""
    netns_add(ns)
    sh(f"ip -n {ns} link set lo up")
    links = ["eth0"] if role == "transparent_proxy" else ["up1", "up2"]
    for n, dev in enumerate(links):
        sh(
            f"ip -n {ns} link add {dev} type veth peer name {dev}p && ip -n {ns} link set {dev} up && "
            f"ip -n {ns} link set {dev}p up && ip -n {ns} addr add {'203.0.113' if n == 0 else '198.51.100'}.10/24 "
            f"dev {dev} && ip -n {ns} addr add 2001:db8:{n + 1}::10/64 dev {dev} nodad"
        )


def role_vars(role: str, ns: str, root: str) -> Dict[str, Any]:
    if role == "transparent_proxy":
        return {
            "transparent_proxy_namespace": ns,
            "transparent_proxy_backend": "nftables",
            "transparent_proxy_port": 3129,
            "transparent_proxy_dns_port": 53,
            "transparent_proxy_table_name": "proxy",
            "transparent_proxy_match": [{"protocol": "tcp", "dport": [80, 443]}],
            "transparent_proxy_persist_root": root,
        }
    return {
        "return_path_namespace": ns,
        "return_path_backend": "iptables",
        "return_path_rp_filter": "strict",
        "return_path_persist_root": root,
        "return_path_uplinks": [
            {
                "interface": "up1",
                "table": 101,
                "name": "isp1",
                "gateway": "203.0.113.1",
                "gateway6": "2001:db8:1::1",
                "address": ["203.0.113.10/24", "2001:db8:1::10/64"],
            },
            {
                "interface": "up2",
                "table": 102,
                "name": "isp2",
                "gateway": "198.51.100.1",
                "gateway6": "2001:db8:2::1",
                "address": ["198.51.100.10/24", "2001:db8:2::10/64"],
            },
        ],
    }


def plain_commands(ns: str, role: str) -> List[Tuple[str, str]]:
    """(kind, command) for every object the role put into ``ns``, as users write them one task each."""
    out: List[Tuple[str, str]] = []
    ex = f"ip netns exec {ns}"
    for fam in ("-4", "-6"):
        for line in sh(f"ip -n {ns} {fam} rule show").splitlines():
            if re.search(r" proto (pbr|242)$", line):
                spec = re.sub(r"^(\d+):\s+", r"priority \1 ", re.sub(r" proto (pbr|242)$", " protocol 242", line))
                out.append(("rule", f"ip -n {ns} {fam} rule add {spec}"))
        for line in sh(f"ip -n {ns} {fam} route show table all").splitlines():
            if re.search(r" proto (pbr|242) ", line + " "):
                spec = re.sub(" proto (pbr|242)", " proto 242", line).strip()
                out.append(("route", f"ip -n {ns} {fam} route replace {spec}"))
    if role == "transparent_proxy":
        chain = ""
        for raw in sh(f"{ex} nft list table inet pbr_linux").splitlines():
            line = raw.strip()
            if line.startswith("chain "):
                chain = line.split()[1]
            elif line.startswith("type "):
                out.append(("nft", f"{ex} nft add chain inet pbr_linux {chain} '{{ {line} }}'"))
            elif chain and line and line != "}":
                guard = f"{ex} nft list chain inet pbr_linux {chain} | grep -qxF -- {shlex.quote(raw.rstrip())}"
                out.append(("nft", f"{guard} || {ex} nft add rule inet pbr_linux {chain} {line}"))
        out.insert(0, ("nft", f"{ex} nft add table inet pbr_linux"))
    else:
        for tool in ("iptables", "ip6tables"):
            for line in sh(f"{ex} {tool}-save -t mangle").splitlines():
                if line.startswith(":PBR_"):
                    out.append(("chain", f"{ex} {tool} -t mangle -N {line[1:].split()[0]}"))
                elif line.startswith("-A ") and "PBR_" in line:
                    rule = line[3:]
                    out.append(("iptables", f"{ex} {tool} -t mangle -C {rule} || {ex} {tool} -t mangle -A {rule}"))
        for dev in ("up1", "up2"):
            for key, value in (("src_valid_mark", 1), ("rp_filter", 1)):
                out.append(("sysctl", f"{ex} sysctl -qw net.ipv4.conf.{dev}.{key}={value}"))
    return out


def plain_names(role: str) -> List[Tuple[str, str]]:
    return [("100", "proxy")] if role == "transparent_proxy" else [("101", "isp1"), ("102", "isp2")]


def plain_play(commands: List[Tuple[str, str]], ns: str, role: str) -> str:
    tasks: List[Dict[str, Any]] = [
        {
            "name": f"table name {name}",
            "ansible.builtin.lineinfile": {
                "path": f"/etc/netns/{ns}/iproute2/rt_tables.d/plain.conf",
                "line": f"{number}\t{name}",
                "create": True,
                "mode": "0644",
            },
        }
        for number, name in plain_names(role)
    ]
    for n, (kind, cmd) in enumerate(commands):
        task: Dict[str, Any] = {"name": f"{kind} {n}", "ansible.builtin.shell": cmd, "changed_when": True}
        if kind in ("rule", "chain"):
            task["register"] = "r"
            task["failed_when"] = "r.rc != 0 and 'File exists' not in r.stderr and 'already exists' not in r.stderr"
        tasks.append(task)
    return EMPTY_PLAY.replace("  tasks: []\n", "  tasks: " + json.dumps(tasks) + "\n")


def bench(role: str, repeat: int, env: Dict[str, str], tmp: str, interp: str) -> Dict[str, Any]:
    runs: Dict[str, List[Any]] = {"apply": [], "noop": [], "plain": [], "plain_again": []}
    commands: List[Tuple[str, str]] = []
    origin = ""  # the namespace the commands were read from
    for _round in range(repeat):
        ns = f"pbrbr{secrets.token_hex(3)}"
        wire(ns, role)
        try:
            variables = dict(role_vars(role, ns, f"{tmp}/root-{ns}"), interp=interp)
            play = ROLE_PLAY.replace("ROLE", role)
            runs["apply"].append(timed_playbook(play, tmp, env, **variables))
            runs["noop"].append(timed_playbook(play, tmp, env, **variables))
            if not commands:
                commands, origin = plain_commands(ns, role), ns
        finally:
            netns_delete(ns)
        ns2 = f"pbrbr{secrets.token_hex(3)}"
        wire(ns2, role)
        try:
            cmds = [(k, c.replace(origin, ns2)) for k, c in commands]
            text = plain_play(cmds, ns2, role)
            runs["plain"].append(timed_playbook(text, tmp, env, interp=interp))
            runs["plain_again"].append(timed_playbook(text, tmp, env, interp=interp))
            applied = plain_commands(ns2, role)
            if sorted(c.replace(ns2, origin) for _kind, c in applied) != sorted(c for _kind, c in commands):
                sys.exit(f"{role}: the plain tasks made another policy than the role:\n{applied}\n{commands}")
        finally:
            netns_delete(ns2)
    if any(r.changed == 0 for r in runs["apply"]) or any(r.changed != 0 for r in runs["noop"]):
        sys.exit(f"{role}: unexpected changed counts {[(k, [r.changed for r in v]) for k, v in runs.items()]}")
    return {"runs": {k: fastest(v) for k, v in runs.items()}, "tasks": len(commands) + len(plain_names(role))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--interpreter", default=sys.executable)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pbr-roles-bench-") as tmp:
        env = bench_env(tmp)
        empty = fastest(
            [timed_playbook(EMPTY_PLAY, tmp, env, interp=args.interpreter) for _round in range(args.repeat)]
        )
        results = {
            role: bench(role, args.repeat, env, tmp, args.interpreter) for role in ("transparent_proxy", "return_path")
        }
    print(f"pbr.linux roles against the same policy as plain tasks; fastest of {args.repeat} runs each")
    print(row("empty play (ansible-playbook, tasks: [])", empty.seconds))
    for role, result in results.items():
        r = result["runs"]
        plain = r["plain"].seconds
        print(f" {role}: {result['tasks']} plain tasks (the role also saves the policy for boot, they do not)")
        print(row("plain tasks, one per command, first run (baseline)", plain, plain))
        print(row("plain tasks, re-run (every command runs again)", r["plain_again"].seconds, plain))
        print(row(f"role {role}, first apply (changed={r['apply'].changed})", r["apply"].seconds, plain))
        print(row("role, no-op re-run (changed=0)", r["noop"].seconds, plain))
        print(row("role, no-op re-run, against the empty play", r["noop"].seconds, empty.seconds))


if __name__ == "__main__":
    main()
