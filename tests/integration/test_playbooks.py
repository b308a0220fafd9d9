# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every tests/integration/playbooks/*.yml with ansible-playbook, on the managed-host pythons.

Interpreters: the python running pytest (the project venv: newest pyroute2) for every playbook, and
/usr/bin/python3 (Debian's python3-pyroute2 0.7.2) for one playbook per module (SYSTEM_PLAYBOOKS).
Each run gets a unique ``pbr_test_id`` the playbook names its
namespaces from. A playbook passes when ansible-playbook exits 0; otherwise the tail of its output
is shown. ANSIBLE_COLLECTIONS_PATH is taken from the environment, or a temporary tree
``ansible_collections/pbr/linux`` -> this checkout is made.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
# PBR_PLAYBOOKS (comma-separated file names) and PBR_INTERPRETERS (venv,system) narrow the run, and
# PBR_ANSIBLE_PLAYBOOK names another ansible-playbook: scripts/ansible-matrix.sh runs a subset on
# every older ansible-core that meta/runtime.yml admits.
_ONLY = [n for n in os.environ.get("PBR_PLAYBOOKS", "").split(",") if n]
PLAYBOOKS = sorted(p for p in (HERE / "playbooks").glob("*.yml") if not _ONLY or p.name in _ONLY)
# sys.executable is deliberately not resolved: the venv's python symlink is what finds the venv.
INTERPRETERS: Dict[str, str] = {
    name: path
    for name, path in {"venv": sys.executable, "system": "/usr/bin/python3"}.items()
    if name in os.environ.get("PBR_INTERPRETERS", "venv,system").split(",")
}
# Debian's /usr/bin/python3 is the venv's own interpreter (3.11) without the venv's packages: modules need
# none, so one playbook per module on it shows they run on a bare managed host (the rest run on the venv's).
SYSTEM_PLAYBOOKS = {
    "ip_rule_seeds.yml",
    "ip_route_table_seeds.yml",
    "rt_tables_alias.yml",
    "src_valid_mark.yml",
    "tproxy_traffic.yml",
    "conntrack_return_path.yml",
    "persist.yml",
    "host_lock.yml",
}
CASES = [
    (playbook, interpreter)
    for playbook in PLAYBOOKS
    for interpreter in INTERPRETERS
    if interpreter != "system" or playbook.name in SYSTEM_PLAYBOOKS or _ONLY
]
TIMEOUT = int(os.environ.get("PBR_PLAYBOOK_TIMEOUT", "300"))
TAIL_LINES = 120


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    configured = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    if configured:
        return configured
    root = tmp_path_factory.mktemp("collections")
    namespace_dir = root / "ansible_collections" / "pbr"
    namespace_dir.mkdir(parents=True)
    (namespace_dir / "linux").symlink_to(REPO, target_is_directory=True)
    return str(root)


def _ansible_playbook() -> str:
    if os.environ.get("PBR_ANSIBLE_PLAYBOOK"):
        return os.environ["PBR_ANSIBLE_PLAYBOOK"]
    beside = Path(sys.executable).parent / "ansible-playbook"
    return str(beside) if beside.exists() else "ansible-playbook"


def _tail(text: str, lines: int = TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.mark.parametrize("playbook, interpreter", CASES, ids=[f"{p.name}-{i}" for p, i in CASES])
def test_playbook(playbook: Path, interpreter: str, collections_path: str) -> None:
    python = INTERPRETERS[interpreter]
    if not os.path.exists(python):
        pytest.skip(f"{python} is not installed")
    test_id = "pt" + secrets.token_hex(3)
    env = dict(os.environ)
    env.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": collections_path,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_STDOUT_CALLBACK": "default",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
        }
    )
    argv: List[str] = [
        _ansible_playbook(),
        str(playbook),
        "-i",
        "localhost,",
        "-e",
        f"ansible_python_interpreter={python}",
        "-e",
        f"pbr_test_id={test_id}",
    ]
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=str(REPO),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        stdout, stderr = proc.communicate()
        leftovers = _remove_leftovers(test_id)
        pytest.fail(
            f"{playbook.name} ({interpreter}, pbr_test_id={test_id}) timed out after {TIMEOUT} s "
            f"(removed leftovers: {leftovers})\n{_tail(stdout)}",
            pytrace=False,
        )
    elapsed = time.monotonic() - started
    leftovers = _remove_leftovers(test_id)
    if proc.returncode != 0:
        pytest.fail(
            f"{playbook.name} ({interpreter} {python}, pbr_test_id={test_id}) exited {proc.returncode} "
            f"after {elapsed:.1f} s\n--- stdout (tail) ---\n{_tail(stdout)}\n--- stderr (tail) ---\n"
            f"{_tail(stderr, 40)}",
            pytrace=False,
        )
    assert not leftovers, f"{playbook.name} left these behind (removed now): {leftovers}"


def _remove_leftovers(test_id: str) -> List[str]:
    """Delete namespaces and /etc/netns entries named from ``test_id`` that a playbook left."""
    removed: List[str] = []
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    for line in listing.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        if name.startswith(test_id):
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)
            removed.append(f"netns {name}")
    # the lock files of the run's namespaces (in the machine's /run; nobody holds them once the playbook ended)
    for lock in Path("/run/pbr-linux").glob(f"netns-{test_id}*.lock"):
        lock.unlink(missing_ok=True)
    etc_netns = Path("/etc/netns")
    if etc_netns.is_dir():
        for entry in etc_netns.iterdir():
            if entry.name.startswith(test_id):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(str(entry))
    return removed


def test_selected_playbooks_exist() -> None:
    """PBR_PLAYBOOKS names only playbooks that exist (a typo would silently run nothing)."""
    missing = [name for name in [*_ONLY, *SYSTEM_PLAYBOOKS] if not (HERE / "playbooks" / name).is_file()]
    assert not missing, f"PBR_PLAYBOOKS names playbooks that do not exist: {missing}"
    assert PLAYBOOKS and INTERPRETERS, "no playbook or no interpreter selected"
