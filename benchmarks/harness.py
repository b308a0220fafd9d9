# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the benchmark scripts share: the collection path, running a timing playbook, namespaces."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def collections_path(tmp: str) -> str:
    """ANSIBLE_COLLECTIONS_PATH from the environment, else a temp dir linking pbr.linux to this repo."""
    env = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    if env:
        return env
    base = Path(tmp) / "collections" / "ansible_collections" / "pbr"
    base.mkdir(parents=True)
    (base / "linux").symlink_to(REPO)
    return str(Path(tmp) / "collections")


def run_playbook(text: str, tmp: str, env: Dict[str, str], **extra: Any) -> Dict[str, Any]:
    """Run a playbook that writes its measurements as JSON to the variable ``out``; return them."""
    path = Path(tmp) / f"play-{secrets.token_hex(3)}.yml"
    path.write_text(text)
    out = Path(tmp) / f"out-{secrets.token_hex(3)}.json"
    varsfile = Path(tmp) / f"vars-{secrets.token_hex(3)}.json"
    varsfile.write_text(json.dumps({**extra, "out": str(out)}))
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", str(path), "-e", f"@{varsfile}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"playbook failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    return dict(json.loads(out.read_text()))


def netns_add(name: str) -> None:
    """A throwaway namespace with its own (empty) /etc/iproute2 view, so files the modules write
    (rt_protos.d) land in /etc/netns/NAME and never in the machine's /etc/iproute2."""
    subprocess.run(["ip", "netns", "add", name], check=True)
    os.makedirs(f"/etc/netns/{name}/iproute2", exist_ok=True)


def netns_delete(name: str) -> None:
    subprocess.run(["ip", "netns", "delete", name], check=False)
    shutil.rmtree(f"/etc/netns/{name}", ignore_errors=True)
