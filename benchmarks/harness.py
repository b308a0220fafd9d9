# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the benchmark scripts share: the collection path, timed playbooks, the module run directly,
namespaces.

Task costs are measured the way a user pays them: the wall time of a whole ``ansible-playbook`` run,
compared in the same invocation with an empty play (``tasks: []``) and with Ansible's floor, the
do-nothing module ``library/pbr_bench_floor.py`` given the same arguments. The module's own peak RSS
comes from running it directly (``python -m``, as AnsiballZ runs it) and reaping it with wait4; the
controller's from getrusage in the ``ansible-playbook`` process itself.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LIBRARY = Path(__file__).resolve().parent / "library"

# ansible-playbook in this process, reporting its own peak RSS and its children's (workers, modules)
_RUSAGE_WRAPPER = r"""
import atexit, json, os, resource, runpy, sys
out, pid = sys.argv[1], os.getpid()
def dump():
    if os.getpid() == pid:
        with open(out, "w") as handle:
            json.dump({"self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                       "children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, handle)
atexit.register(dump)
sys.argv = [sys.argv[2]] + sys.argv[3:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

EMPTY_PLAY = """
- hosts: localhost
  gather_facts: false
  connection: local
  vars:
    ansible_python_interpreter: "{{ interp }}"
  tasks: []
"""


def collections_path(tmp: str) -> str:
    """ANSIBLE_COLLECTIONS_PATH from the environment, else a temp dir linking pbr.linux to this repo."""
    env = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    if env:
        return env
    base = Path(tmp) / "collections" / "ansible_collections" / "pbr"
    base.mkdir(parents=True)
    (base / "linux").symlink_to(REPO)
    return str(Path(tmp) / "collections")


def bench_env(tmp: str) -> Dict[str, str]:
    cpath = collections_path(tmp)
    return dict(
        os.environ, ANSIBLE_COLLECTIONS_PATH=cpath, ANSIBLE_LIBRARY=str(LIBRARY), ANSIBLE_NOCOLOR="1", PYTHONPATH=cpath
    )


def one_task_play(task: str) -> str:
    """A play of one task (YAML of a task mapping, indented by 4)."""
    return EMPTY_PLAY.replace("  tasks: []\n", "  tasks:\n" + task)


@dataclass
class PlayRun:
    seconds: float
    changed: int
    controller_mb: float  # the ansible-playbook process
    children_mb: float  # its largest child: a worker (fork of the controller) or the module


def timed_playbook(text: str, tmp: str, env: Dict[str, str], **extra: Any) -> PlayRun:
    """Run a playbook (variables ``extra`` as an extra-vars file); its wall time and peak RSS."""
    token = secrets.token_hex(3)
    path, varsfile, rusage = (
        Path(tmp) / f"{what}-{token}.{ext}" for what, ext in (("play", "yml"), ("vars", "json"), ("rusage", "json"))
    )
    path.write_text(text)
    varsfile.write_text(json.dumps(extra))
    argv = [sys.executable, "-c", _RUSAGE_WRAPPER, str(rusage), str(BIN / "ansible-playbook")]
    started = time.monotonic()
    proc = subprocess.run(
        argv + ["-i", "localhost,", str(path), "-e", f"@{varsfile}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    recap = re.search(r"localhost\s+: ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0", proc.stdout)
    if proc.returncode != 0 or not (recap or "tasks: []" in text):
        sys.exit(f"playbook failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    usage = json.loads(rusage.read_text())
    return PlayRun(seconds, int(recap.group(1)) if recap else 0, usage["self"] / 1024, usage["children"] / 1024)


def fastest(runs: List[PlayRun]) -> PlayRun:
    return min(runs, key=lambda r: r.seconds)


@dataclass
class ModuleRun:
    seconds: float
    rss_mb: float
    result: Dict[str, Any]


def run_module(module: str, env: Dict[str, str], tmp: str, args: Dict[str, Any]) -> ModuleRun:
    """pbr.linux.<module> run directly by this python (``python -m``, as AnsiballZ runs it): wall time,
    peak RSS (wait4), result. This python has ansible's module_utils, which AnsiballZ would bundle."""
    path = Path(tmp) / f"args-{secrets.token_hex(3)}.json"
    path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    out = Path(tmp) / f"result-{secrets.token_hex(3)}.json"
    started = time.monotonic()
    with out.open("w") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", f"ansible_collections.pbr.linux.plugins.modules.{module}", str(path)],
            env=env,
            cwd=tmp,
            stdout=handle,
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    result = json.loads(out.read_text())
    if status != 0 or result.get("failed"):
        sys.exit(f"module failed: {result.get('msg')}")
    return ModuleRun(seconds, usage.ru_maxrss / 1024, result)


def ip_batch(namespace: str, lines: str, family: Optional[str] = None) -> float:
    """Seconds ``ip -batch`` takes for ``lines`` in ``namespace``: the baseline of every ratio."""
    argv = ["ip", "-n", namespace] + ([family] if family else []) + ["-batch", "-"]
    started = time.monotonic()
    subprocess.run(argv, input=lines, text=True, check=True)
    return time.monotonic() - started


def netns_add(name: str) -> None:
    """A throwaway namespace with its own (empty) /etc/iproute2 view, so files the modules write
    (rt_protos.d) land in /etc/netns/NAME and never in the machine's /etc/iproute2."""
    subprocess.run(["ip", "netns", "add", name], check=True)
    os.makedirs(f"/etc/netns/{name}/iproute2", exist_ok=True)


def netns_delete(name: str) -> None:
    subprocess.run(["ip", "netns", "delete", name], check=False)
    shutil.rmtree(f"/etc/netns/{name}", ignore_errors=True)


def row(what: str, seconds: float, baseline: Optional[float] = None, goal: str = "") -> str:
    ratio = f"{seconds / baseline:6.2f}x" if baseline else " " * 7
    return f"  {what:<68} {seconds:7.3f} s {ratio}  {goal}"
