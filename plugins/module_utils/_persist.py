# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pbr.linux.persist: what the collection owns, saved in native formats, and the machinery that replays it.

The saved state of one network namespace lives in ``<etc>/pbr-linux/`` (``<etc>``: /etc, or
/etc/netns/NAME for a namespace, which ``ip netns exec NAME`` shows as /etc):

    rules-4.batch  rules-6.batch     ``ip -4|-6 -batch`` input: ``rule add ... protocol 242``
    routes-4.batch routes-6.batch    ``route replace ... proto 242``
    nftables.nft                     ``nft -f`` input that replaces ``table inet pbr_linux``
    iptables-4.rules iptables-6.rules ``iptables-restore --noflush`` input: our chains and their jumps

Sysctls (``sysctl.d/60-pbr-linux.conf``) and table names (``iproute2/rt_tables.d/pbr-linux.conf``) are
already files the modules write; the restore script applies the sysctl file, ``ip`` reads the names.

Each saved or installed file is one :class:`SavedFile`, and persist is one more :class:`~engine.Kind`:
the desired files are rendered from the running kernel (what we own there now), the current ones read
from disk, and the engine's ``overridden`` (state=saved) or ``deleted`` (state=absent) plans the writes.
So check mode is the "running vs boot" half of an audit, and the diff shows the saved files' lines.
The machinery is ``pbr-linux-restore`` (:mod:`._persist_script`), two systemd units and the hooks of
the network managers the host has (:func:`machinery`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any, Callable, Dict, Hashable, List, Optional, Sequence, Tuple

from ansible_collections.pbr.linux.plugins.module_utils import _engine as engine
from ansible_collections.pbr.linux.plugins.module_utils._engine import Kind, Plan
from ansible_collections.pbr.linux.plugins.module_utils._host import NETNS_ETC_DIR, Host, _batch_line
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table import RouteKind
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_kernel import read_routes
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table_notation import (
    render_argv as route_argv,
)
from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import RuleKind
from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import render_argv as rule_argv
from ansible_collections.pbr.linux.plugins.module_utils._iptables import BUILTIN, FAMILIES, RESTORE, SAVE
from ansible_collections.pbr.linux.plugins.module_utils._netfilter import find_tool, run_tool
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_model import IPT_CHAIN_PATTERN
from ansible_collections.pbr.linux.plugins.module_utils._persist_script import SCRIPT
from ansible_collections.pbr.linux.plugins.module_utils._runner import Context, Task
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError, invalid

STATE_DIR = "pbr-linux"
SCRIPT_PATH = "usr/local/sbin/pbr-linux-restore"  # relative to the machinery root
UNIT_DIR = "etc/systemd/system"
EARLY_UNIT = "pbr-linux-restore-early.service"
LATE_UNIT = "pbr-linux-restore.service"
HOOKS = ("systemd", "networkd", "networkd-dispatcher", "networkmanager", "ifupdown")
HEADER = "# Saved by pbr.linux.persist; replayed by pbr-linux-restore. Do not edit: the next save rewrites it.\n"
LINK = -1  # SavedFile.mode of a symbolic link (content: its target)
DIR = -2  # SavedFile.mode of a directory we create (no content)
SYSTEMD_RUNNING = "/run/systemd/system"

_IPT_JUMP = re.compile(r"-A (" + "|".join(BUILTIN) + r") -j (" + IPT_CHAIN_PATTERN + ")")


@dataclass(frozen=True)
class SavedFile:
    """One file persist owns: its path, content and mode (LINK for a symlink), and its owner's uid."""

    path: str
    content: str
    mode: int = 0o644
    uid: int = 0

    def describe(self) -> str:
        if self.mode == LINK:
            return f"{self.path} -> {self.content}"
        if self.mode == DIR:
            return f"{self.path}/ (directory, uid {self.uid})"
        return f"{self.path} (mode {self.mode:04o}, uid {self.uid}, {self.content.count(chr(10))} lines)"


# ---------------------------------------------------------------------------- the running state, rendered
def batch_text(lines: Sequence[Sequence[str]]) -> str:
    return HEADER + "".join(_batch_line(words) + "\n" for words in lines)


def rule_files(host: Host, state_dir: str) -> Dict[str, str]:
    """Our rules (protocol 242) as ``ip -batch`` input, one file per family (none for a family without)."""
    kind = RuleKind()
    rules = sorted((r for r in kind.read(host) if kind.owned(r)), key=kind.sort_key)
    out: Dict[str, str] = {}
    for fam, num in (("4", 2), ("6", 10)):
        lines = [rule_argv(r, "add")[1:] for r in rules if r.family == num]
        if lines:
            out[os.path.join(state_dir, f"rules-{fam}.batch")] = batch_text(lines)
    return out


def route_files(host: Host, state_dir: str) -> Dict[str, str]:
    """Our routes (proto 242), every table, as ``route replace`` lines: replaying them is idempotent."""
    kind = RouteKind()
    routes = [r for r in read_routes(host) if kind.owned(r)]
    out: Dict[str, str] = {}
    for fam, num in (("4", 2), ("6", 10)):
        lines = sorted(route_argv(r, "replace")[1:] for r in routes if r.family == num)
        if lines:
            out[os.path.join(state_dir, f"routes-{fam}.batch")] = batch_text(lines)
    return out


def nft_file(host: Host, state_dir: str, which: Callable[[str], Optional[str]]) -> Tuple[Dict[str, str], List[str]]:
    """Our nft table as an ``nft -f`` file that replaces it in one transaction (none when it does not exist)."""
    nft = which("nft")
    if not nft:
        return {}, ["nft"]
    proc = run_tool(host, [nft, "list", "table", "inet", "pbr_linux"])
    if proc.returncode != 0:
        if "No such file or directory" in proc.stderr:
            return {}, []
        raise PbrError(f"`nft list table inet pbr_linux` failed: {proc.stderr.strip()}")
    text = HEADER + "table inet pbr_linux {}\ndelete table inet pbr_linux\n" + proc.stdout
    return {os.path.join(state_dir, "nftables.nft"): text}, []


def iptables_files(
    host: Host, state_dir: str, which: Callable[[str], Optional[str]]
) -> Tuple[Dict[str, str], List[str]]:
    """Our iptables chains (``PBR_*`` in mangle) and the jumps to them, per family, as ``--noflush`` input."""
    out: Dict[str, str] = {}
    missing: List[str] = []
    for family in FAMILIES:
        fam, save, restore = family[-1], SAVE[family], RESTORE[family]
        tool = which(save)
        if not tool:
            missing.append(save)
            continue
        proc = run_tool(host, [tool, "-t", "mangle"])
        if proc.returncode != 0:
            raise PbrError(f"`{save} -t mangle` failed: {proc.stderr.strip()}")
        chains: List[str] = []
        rules: List[str] = []
        jumps: List[str] = []
        for line in proc.stdout.splitlines():
            if line.startswith(":PBR_"):
                chains.append(line.split()[0] + " - [0:0]")
            elif line.startswith("-A PBR_"):
                rules.append(line)
            elif _IPT_JUMP.fullmatch(line):
                jumps.append(line)
        if not chains:
            continue
        if not which(restore):
            raise PbrError(
                f"{restore} is not installed on the managed host, but pbr.linux chains exist in {save}'s output; "
                f"expected the iptables package (with {restore}) so that they can be restored at boot",
                "state",
                "saved",
            )
        text = HEADER + "\n".join(["*mangle", *chains, *rules, *jumps, "COMMIT"]) + "\n"
        out[os.path.join(state_dir, f"iptables-{fam}.rules")] = text
    return out, missing


def running_state(
    host: Host, state_dir: str, which: Callable[[str], Optional[str]] = find_tool
) -> Tuple[List[SavedFile], List[str]]:
    """The files that hold what we own in the kernel now, and warnings."""
    files = {**rule_files(host, state_dir), **route_files(host, state_dir)}
    nft, nft_missing = nft_file(host, state_dir, which)
    ipt, ipt_missing = iptables_files(host, state_dir, which)
    files.update(nft)
    files.update(ipt)
    warnings = []
    if nft_missing and len(ipt_missing) == 2:
        warnings.append(
            "neither nft nor iptables-save is installed on the managed host: no netfilter state was saved "
            "(pbr.linux.tproxy_divert and pbr.linux.conntrack_mark need one of them)"
        )
    return [SavedFile(path, text) for path, text in sorted(files.items())], warnings


# ---------------------------------------------------------------------------- the machinery
def _unit(description: str, body: str) -> str:
    return f"# Installed by pbr.linux.persist; do not edit.\n[Unit]\nDescription={description}\n{body}"


EARLY_UNIT_TEXT = _unit(
    "pbr.linux: saved policy rules, netfilter chains and sysctls",
    """Documentation=https://github.com/pbr-linux/pbr.linux
DefaultDependencies=no
After=local-fs.target systemd-sysctl.service nftables.service netfilter-persistent.service
Before=network-pre.target shutdown.target
Wants=network-pre.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/pbr-linux-restore --early

[Install]
WantedBy=sysinit.target
""",
)

LATE_UNIT_TEXT = _unit(
    "pbr.linux: saved routes (once their links are up) and everything else again",
    """Documentation=https://github.com/pbr-linux/pbr.linux
After=network-online.target systemd-networkd.service NetworkManager.service networking.service
Wants=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/pbr-linux-restore --wait 30

[Install]
WantedBy=multi-user.target
""",
)

NETWORKD_DROPIN = """# Installed by pbr.linux.persist; do not edit.
# systemd-networkd deletes the routing policy rules and routes it did not configure whenever it configures
# a link or restarts (ManageForeign*=yes, its default). pbr.linux's rules and routes (proto 242) are such
# foreign objects: without this, a restart of systemd-networkd or a link flap loses the policy.
[Network]
ManageForeignRoutingPolicyRules=no
ManageForeignRoutes=no
"""

IFACE_HOOK = """#!/bin/sh
# Installed by pbr.linux.persist; do not edit.
# {what}: when a link comes up, give back the saved routes through it (the kernel dropped them on link down).
{body}
exec /usr/local/sbin/pbr-linux-restore --interface "$iface"
"""

NM_HOOK = IFACE_HOOK.format(
    what="NetworkManager dispatcher",
    body='iface=$1\n[ "$2" = up ] || exit 0\n[ -n "$iface" ] || exit 0',
)
IFUPDOWN_HOOK = IFACE_HOOK.format(
    what="ifupdown (if-up.d)",
    body='iface=${IFACE:-}\ncase $iface in "" | lo | --all) exit 0 ;; esac',
)
NETWORKD_DISPATCHER_HOOK = IFACE_HOOK.format(
    what="networkd-dispatcher (routable.d)",
    body='iface=${IFACE:-}\n[ -n "$iface" ] || exit 0',
)


def hook_files(root: str) -> Dict[str, List[SavedFile]]:
    """Every file each hook installs, under ``root`` (/ on a host; another directory for an image)."""

    def at(rel: str) -> str:
        return os.path.join(root, rel)

    wants_early = at(f"{UNIT_DIR}/sysinit.target.wants/{EARLY_UNIT}")
    wants_late = at(f"{UNIT_DIR}/multi-user.target.wants/{LATE_UNIT}")
    return {
        "systemd": [
            SavedFile(at(f"{UNIT_DIR}/{EARLY_UNIT}"), EARLY_UNIT_TEXT),
            SavedFile(at(f"{UNIT_DIR}/{LATE_UNIT}"), LATE_UNIT_TEXT),
            SavedFile(wants_early, f"../{EARLY_UNIT}", LINK),
            SavedFile(wants_late, f"../{LATE_UNIT}", LINK),
        ],
        "networkd": [SavedFile(at("etc/systemd/networkd.conf.d/pbr-linux.conf"), NETWORKD_DROPIN)],
        "networkd-dispatcher": [
            SavedFile(at("etc/networkd-dispatcher/routable.d/50-pbr-linux"), NETWORKD_DISPATCHER_HOOK, 0o755)
        ],
        "networkmanager": [SavedFile(at("etc/NetworkManager/dispatcher.d/50-pbr-linux"), NM_HOOK, 0o755)],
        "ifupdown": [SavedFile(at("etc/network/if-up.d/pbr-linux"), IFUPDOWN_HOOK, 0o755)],
    }


def detect_hooks(root: str) -> List[str]:
    """The hooks for what the host (or image under ``root``) has installed."""

    def has(*rels: str) -> bool:
        return any(os.path.exists(os.path.join(root, rel)) for rel in rels)

    found = []
    if has("etc/systemd/system", "lib/systemd/systemd", "usr/lib/systemd/systemd"):
        found.append("systemd")
    if has("lib/systemd/systemd-networkd", "usr/lib/systemd/systemd-networkd"):
        found.append("networkd")
    if has("etc/networkd-dispatcher", "usr/bin/networkd-dispatcher"):
        found.append("networkd-dispatcher")
    if has("etc/NetworkManager/dispatcher.d"):
        found.append("networkmanager")
    if has("etc/network/if-up.d"):
        found.append("ifupdown")
    return found


def check_hooks(value: Any) -> List[str]:
    items = value if isinstance(value, list) else [value]
    for n, item in enumerate(items):
        if item not in ("auto", "none", *HOOKS):
            raise invalid(f"hooks[{n}]", item, "auto, none, " + ", ".join(HOOKS))
    if len(items) > 1 and ("auto" in items or "none" in items):
        raise invalid("hooks", value, "auto or none alone, or a list of " + ", ".join(HOOKS))
    return list(items)


def other_saved_states(namespace: Optional[str], etc: str, netns_etc: str) -> List[str]:
    """State directories of the other namespaces that hold saved files (they still need the script); the
    host's empty /etc/pbr-linux, a namespace's mount point, does not count."""
    dirs = [os.path.join(etc, STATE_DIR)] if namespace else []
    if os.path.isdir(netns_etc):
        dirs += [os.path.join(netns_etc, ns, STATE_DIR) for ns in sorted(os.listdir(netns_etc)) if ns != namespace]
    return [d for d in dirs if os.path.isdir(d) and any(not n.startswith(".") for n in os.listdir(d))]


def check_state_dir(state_dir: str) -> None:
    """The saved state's directory (and a namespace's /etc view above it) is a real directory or missing:
    never written or listed through a symlink, which could point anywhere."""
    for path in (state_dir, os.path.dirname(state_dir)):
        if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
            raise PbrError(
                f"{path} is a symbolic link or not a directory; expected a directory (pbr.linux.persist never "
                "writes through a link, and pbr-linux-restore refuses one): remove it and run again",
                "state",
                "saved",
            )


# ---------------------------------------------------------------------------- the kind
class PersistKind(Kind[SavedFile, List[SavedFile]]):
    noun = "saved file"

    def __init__(self, state_dir: str, machinery: Callable[[], List[str]], systemd_root: bool) -> None:
        self.state_dir = state_dir
        self.machinery = machinery  # paths of every file we may have installed (asked under the lock)
        self.systemd_root = systemd_root  # the units are in the running system's /etc: daemon-reload

    def key(self, obj: SavedFile) -> Hashable:
        return obj

    def slot(self, obj: SavedFile) -> Hashable:
        return obj.path

    def group(self, obj: SavedFile) -> Hashable:
        return os.path.dirname(obj.path)

    def owned(self, obj: SavedFile) -> bool:
        return True

    def may_replace(self, old: SavedFile) -> bool:
        return True

    def sort_key(self, obj: SavedFile) -> Any:
        return obj.path

    def show(self, obj: SavedFile) -> str:
        return obj.describe()

    def to_config(self, obj: SavedFile) -> Dict[str, Any]:
        if obj.mode == LINK:
            return {"path": obj.path, "link": obj.content}
        if obj.mode == DIR:
            return {"path": obj.path, "directory": True, "owner_uid": obj.uid}
        return {"path": obj.path, "mode": f"{obj.mode:04o}", "owner_uid": obj.uid, "lines": obj.content.count("\n")}

    def command(self, action: str, obj: SavedFile) -> str:
        if action == "delete":
            return f"rmdir --ignore-fail-on-non-empty {obj.path}" if obj.mode == DIR else f"rm -f {obj.path}"
        if obj.mode == DIR:
            return f"install -d -o root -g root -m 0755 {obj.path}"
        if obj.mode == LINK:
            return f"ln -sfn {obj.content} {obj.path}"
        return f"install -o root -g root -m {obj.mode:04o} /dev/stdin {obj.path}  # {obj.content.count(chr(10))} lines"

    def changes(self, op: engine.Op[SavedFile]) -> List[Dict[str, Any]]:
        """A saved policy file line by line (``missing``: running, not saved; ``extra``: saved, no longer running);
        the machinery (script, units, hooks) and a file's mode or owner as the file."""
        old, new = op.held, op.wanted
        path = op.obj.path
        policy = path.startswith(self.state_dir + os.sep) and all(f is None or f.mode >= 0 for f in (old, new))
        if policy and (old is None or new is None or (old.mode, old.uid) == (new.mode, new.uid)):
            lines = [[(line, line) for line in f.content.splitlines()] if f else [] for f in (old, new)]
            found = engine.line_changes(lines[0], lines[1], path)
            if found:
                return found
            # no line differs (an empty file; the lines written otherwise: line endings, the last newline): the file
        if old is None or new is None:
            return [engine.change("missing" if old is None else "extra", path, path)]
        return [
            engine.change(
                "different", path, path, before=self.diff_text([old]).strip(), after=self.diff_text([new]).strip()
            )
        ]

    def plan_commands(self, plan: Plan[SavedFile]) -> List[str]:
        out = engine.commands(self, plan)
        if self.systemd_root and any(_is_unit(op.obj.path) for op in plan.ops):
            out.append("systemctl daemon-reload")
        return out

    def diff_text(self, objs: Sequence[SavedFile]) -> str:
        parts = []
        for obj in sorted(objs, key=self.sort_key):
            if obj.mode == LINK:
                parts.append(f"# {obj.path} -> {obj.content}\n")
            elif obj.mode == DIR:
                parts.append(f"# {obj.path}/ (directory)\n")
            elif not obj.path.startswith(self.state_dir + os.sep):
                # the machinery: its text is ours, not the user's policy; a checksum shows it changed
                digest = hashlib.sha256(obj.content.encode()).hexdigest()[:16]
                parts.append(f"# {obj.path} (mode {obj.mode:04o}, uid {obj.uid}, sha256 {digest}...)\n")
            else:
                head = f"# {obj.path}" + (
                    "" if (obj.mode, obj.uid) == (0o644, 0) else f" (mode {obj.mode:04o}, uid {obj.uid})"
                )
                parts.append(f"{head}\n{obj.content}" + ("" if obj.content.endswith("\n") or not obj.content else "\n"))
        return "".join(parts)

    def from_config(self, config: Sequence[Dict[str, Any]], context: Optional[List[SavedFile]]) -> List[SavedFile]:
        return list(context or [])

    def read(self, host: Host) -> List[SavedFile]:
        check_state_dir(self.state_dir)
        paths = self.machinery()
        if os.path.isdir(self.state_dir):
            paths += [
                os.path.join(self.state_dir, n) for n in sorted(os.listdir(self.state_dir)) if not n.startswith(".")
            ]
        return [f for f in (read_saved(p) for p in paths) if f is not None]

    def apply(self, plan: Plan[SavedFile], host: Host) -> None:
        write_files(plan)
        if self.systemd_root and any(_is_unit(op.obj.path) for op in plan.ops) and os.path.isdir(SYSTEMD_RUNNING):
            proc = subprocess.run(["systemctl", "daemon-reload"], capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise PbrError(f"the files were written, but `systemctl daemon-reload` failed: {proc.stderr.strip()}")


def _is_unit(path: str) -> bool:
    return path.endswith(".service")


def read_saved(path: str) -> Optional[SavedFile]:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if os.path.islink(path):
        return SavedFile(path, os.readlink(path), LINK, st.st_uid)
    if os.path.isdir(path):
        return SavedFile(path, f"mode {st.st_mode & 0o7777:04o}", DIR, st.st_uid)
    if not os.path.isfile(path):
        return SavedFile(path, f"(not a regular file: mode {st.st_mode:o})", 0, st.st_uid)
    with open(path, encoding="utf-8", errors="replace") as handle:
        return SavedFile(path, handle.read(), st.st_mode & 0o7777, st.st_uid)


def write_files(plan: Plan[SavedFile]) -> None:
    """Every new file goes to a temp file beside its target first (written and fsynced); only when all are
    written are they renamed into place (then the removals, then the directories are fsynced). An unwritable
    directory fails before anything changed."""
    staged: List[Tuple[str, str]] = []
    obj: Optional[SavedFile] = None
    try:
        for op in plan.ops:
            if op.action == "delete":
                continue
            obj = op.obj
            if obj.mode == DIR:
                _makedirs(obj.path)
                os.chown(obj.path, 0, 0)
                os.chmod(obj.path, 0o755)
                continue
            if os.path.isdir(obj.path) and not os.path.islink(obj.path):
                raise IsADirectoryError(errno.EISDIR, "Is a directory, not a file pbr.linux.persist writes", obj.path)
            directory = os.path.dirname(obj.path)
            _makedirs(directory)
            if obj.mode == LINK:
                tmp = os.path.join(directory, f".pbr-{os.getpid()}-{os.path.basename(obj.path)}")
                if os.path.lexists(tmp):
                    os.unlink(tmp)
                os.symlink(obj.content, tmp)
            else:
                fd, tmp = tempfile.mkstemp(prefix=".pbr-", dir=directory)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(obj.content)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chown(tmp, 0, 0)
                os.chmod(tmp, obj.mode)
            staged.append((tmp, obj.path))
    except OSError as err:
        for tmp, _path in staged:
            os.unlink(tmp)
        where = obj.path if obj is not None else err.filename
        raise PbrError(
            f"cannot write {where}: {err.strerror}; nothing was saved or installed (the files are as they were)",
            "state",
            "saved",
        ) from None
    for n, (tmp, path) in enumerate(staged):
        try:
            os.replace(tmp, path)
        except OSError as err:
            for left, _path in staged[n:]:
                os.unlink(left)
            raise PbrError(
                f"cannot rename into place {path}: {err.strerror}; {n} of {len(staged)} files were written",
                "state",
                "saved",
            ) from None
    for op in sorted(plan.ops, key=lambda op: op.obj.path, reverse=True):  # a directory's files before it
        if op.action == "delete" and os.path.lexists(op.obj.path):
            if os.path.isdir(op.obj.path) and not os.path.islink(op.obj.path):
                if op.obj.mode == DIR and not os.listdir(op.obj.path):
                    os.rmdir(op.obj.path)
                continue  # a directory with content is not ours to remove
            os.unlink(op.obj.path)
    for directory in sorted(
        {os.path.dirname(op.obj.path) for op in plan.ops if os.path.isdir(os.path.dirname(op.obj.path))}
    ):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _makedirs(directory: str) -> None:
    if os.path.isdir(directory):
        return
    if os.path.lexists(directory):
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", directory)
    _makedirs(os.path.dirname(directory))
    os.mkdir(directory, 0o755)
    os.chmod(directory, 0o755)


# ---------------------------------------------------------------------------- the task
def persist_task(
    state: str,
    namespace: Optional[str],
    hooks: Any,
    root: str,
    etc: str = "/etc",
    netns_etc: str = NETNS_ETC_DIR,
    which: Callable[[str], Optional[str]] = find_tool,
) -> Task:
    if state not in ("saved", "absent"):
        raise invalid("state", state, "saved or absent")
    if not isinstance(root, str) or not os.path.isabs(root):
        raise invalid("root", root, "an absolute directory path")
    chosen = check_hooks(hooks)
    etc_view = os.path.join(netns_etc, namespace) if namespace else etc
    state_dir = os.path.join(etc_view, STATE_DIR)
    script = SavedFile(os.path.join(root, SCRIPT_PATH), SCRIPT, 0o755)
    all_hooks = hook_files(root)
    if namespace:
        selected: List[str] = []  # a namespace is created by whatever runs it: that runs the restore
    elif chosen == ["auto"]:
        selected = detect_hooks(root)
    elif chosen == ["none"]:
        selected = []
    else:
        selected = chosen
    directory = "mode 0755"  # the content of a directory we own: its mode (root-owned)
    if namespace:
        # `ip -n NS` and `ip netns exec NS` mount each entry of /etc/netns/NS onto the same name in /etc, and
        # complain on every call when it is missing: /etc/pbr-linux is the mount point of our saved state
        mount_point = SavedFile(os.path.join(root, "etc", STATE_DIR), directory, DIR)
        installed = [script, mount_point]
    else:
        installed = [script] + [f for h in selected for f in all_hooks[h]]
    installed.append(SavedFile(state_dir, directory, DIR))

    def machinery() -> List[str]:
        """Every path we may have installed, as the host is now (asked with the lock held)."""
        keep = state == "absent" and bool(other_saved_states(namespace, etc, netns_etc))
        paths = [mount_point.path] if namespace and not keep else []
        if not namespace:
            paths += [f.path for h in all_hooks.values() for f in h]
        if not keep:
            paths.append(script.path)
        if namespace or not keep:
            # removed by state=absent once empty; but the host's /etc/pbr-linux stays while a namespace has
            # saved state: `ip netns exec` mounts /etc/netns/NS/pbr-linux onto it
            paths.append(state_dir)
        return paths

    kind = PersistKind(state_dir, machinery, systemd_root=root == "/" and not namespace)
    warnings: List[str] = []

    def resolve(host: Host) -> List[SavedFile]:
        if state == "absent":
            return []
        saved, notes = running_state(host, state_dir, which)
        warnings.extend(notes)
        if not namespace and root == "/" and not os.path.isdir(SYSTEMD_RUNNING):
            warnings.append(
                "systemd is not running on this host (a plain container?): the state is saved and "
                "pbr-linux-restore installed, but nothing replays them at boot; run pbr-linux-restore from the "
                "container's entry point"
            )
        return saved + installed

    def extend(result: Dict[str, Any]) -> None:
        after = result.get("after") or []
        result["saved"] = sorted(f["path"] for f in after if f["path"].startswith(state_dir + os.sep))
        result["installed"] = sorted(
            f["path"] for f in after if not f["path"].startswith(state_dir + os.sep) and f["path"] != state_dir
        )
        result["state_dir"] = state_dir
        if namespace:
            result["boot"] = f"pbr-linux-restore --namespace {namespace} (run it where the namespace is created)"
        elif "systemd" in selected:
            result["boot"] = f"systemd: {EARLY_UNIT}, {LATE_UNIT}"
        else:
            result["boot"] = "none"
        result["hooks"] = selected
        if warnings:
            result.setdefault("warnings", []).extend(warnings)

    return Task(
        kind=kind,
        state="overridden" if state == "saved" else "deleted",
        config=None,
        context=Context(resolve=resolve),
        namespace=namespace,
        extend=extend,
    )


def prepare(params: Dict[str, Any], check_mode: bool) -> Task:
    """pbr.linux.persist."""
    return persist_task(params["state"], params["namespace"], params["hooks"], params["root"])
