# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-interface IPv4 sysctls (src_valid_mark, rp_filter): keys, /proc/sys, our sysctl.d file.

Objects are ``(store, interface, setting, value)``: ``store`` is ``running`` (the kernel's
/proc/sys/net/ipv4/conf/<if>/<setting> in the task's namespace) or ``file`` (our persistence
file, ``60-pbr-linux.conf`` in sysctl.d). They plug into the engine as one :class:`SysctlKind`;
the engine plans (state ``overridden`` over the interfaces and settings of the task), this file
reads and writes.

Key notation (sysctl(8), sysctl.d(5)): the dot in an interface name is written as ``/`` in a
dotted key, ``net.ipv4.conf.eth1/100.rp_filter``, because the first separator being a dot makes
``.`` and ``/`` swap roles. In /proc/sys the name keeps its dot: ``.../conf/eth1.100/rp_filter``.

/proc/sys/net shows the network namespace of the task that *opens* a file there, and an open
file keeps it: reads and writes open the file with this thread switched into the namespace
(:meth:`Host.in_namespace`), so no helper process is needed.

Layers: _src_valid_mark_notation (keys, paths, our file's text), _src_valid_mark_kernel (/proc/sys),
_src_valid_mark_config (the module's options -> Request), and this file (the objects, the engine's
Kind, the module's ``prepare``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, Hashable, List, Mapping, Optional, Sequence

from ansible_collections.pbr.linux.plugins.module_utils._engine import Kind, Op, Plan
from ansible_collections.pbr.linux.plugins.module_utils._host import Host, atomic_write, read_text
from ansible_collections.pbr.linux.plugins.module_utils._src_valid_mark_config import Request, parse_request
from ansible_collections.pbr.linux.plugins.module_utils._src_valid_mark_kernel import ProcSys, sysctl_command
from ansible_collections.pbr.linux.plugins.module_utils._src_valid_mark_notation import (
    FILE,
    PROC_SYS,
    RP_FILTER_NAMES,
    RUNNING,
    SETTINGS,
    SPECIAL,
    Entry,
    Slot,
    SysctlFile,
    _slot_order,
    parse_file,
    persist_path,
    render_file,
    sysctl_key,
    value_text,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError


# ---------------------------------------------------------------------------- objects
@dataclass(frozen=True)
class Sysctl:
    store: str  # RUNNING or FILE
    interface: str
    setting: str
    value: int

    @property
    def slot(self) -> Slot:
        return (self.interface, self.setting)


@dataclass
class Snapshot:
    """What the host holds for one task: existing interfaces, running values, our file."""

    existing: List[str]
    running: Dict[Slot, int]
    path: str
    file: SysctlFile

    def exists(self, interface: str) -> bool:
        return interface in self.existing


def take_snapshot(proc: ProcSys, request: Request, path: str) -> Snapshot:
    existing = proc.interfaces()
    names = list(SPECIAL) + [i for i in request.interfaces if i not in SPECIAL and i in existing]
    running = proc.read([(name, setting) for name in names for setting in SETTINGS])
    return Snapshot(existing, running, path, parse_file(read_text(path)))


def desired_objects(request: Request, snap: Snapshot) -> List[Sysctl]:
    """What the task wants, within its scope (the engine compares it with :func:`current_objects`).

    present: the values in the running kernel for interfaces that exist, and in our file when
    persisting. absent: no entries in our file; a running value we had set (it still equals our
    entry) goes back to the value our file recorded it replaced, or, when none was recorded (the
    interface did not exist when persisted), to net.ipv4.conf.default's value, the one a new
    interface starts with. Values set with persist=false were never recorded and are left alone.
    """
    out: List[Sysctl] = []
    if request.state == "present":
        for name in request.interfaces:
            for setting, value in request.settings:
                if snap.exists(name):
                    out.append(Sysctl(RUNNING, name, setting, value))
                if request.persist:
                    out.append(Sysctl(FILE, name, setting, value))
        return out
    for name in request.interfaces:
        for setting in SETTINGS:
            entry = snap.file.entries.get((name, setting))
            running = snap.running.get((name, setting))
            if entry is None or running is None or running != entry.value:
                continue
            restore = entry.previous
            if restore is None and name not in SPECIAL:
                restore = snap.running.get(("default", setting))
            if restore is not None:
                out.append(Sysctl(RUNNING, name, setting, restore))
    return out


def current_objects(request: Request, snap: Snapshot) -> List[Sysctl]:
    """The host's objects within the task's scope (interfaces named, settings in scope)."""
    out: List[Sysctl] = []
    with_file = request.persist or request.state == "absent"
    for name in request.interfaces:
        for setting in request.scope():
            if (name, setting) in snap.running:
                out.append(Sysctl(RUNNING, name, setting, snap.running[(name, setting)]))
            entry = snap.file.entries.get((name, setting))
            if with_file and entry is not None:
                out.append(Sysctl(FILE, name, setting, entry.value))
    return out


def new_file(snap: Snapshot, after: Sequence[Sysctl], scope: Sequence[Slot]) -> SysctlFile:
    """Our file once the plan is carried out: entries outside the scope kept, ours from ``after``."""
    entries = {slot: e for slot, e in snap.file.entries.items() if slot not in scope}
    for obj in after:
        if obj.store != FILE:
            continue
        old = snap.file.entries.get(obj.slot)
        previous = old.previous if old is not None else snap.running.get(obj.slot)
        entries[obj.slot] = Entry(obj.value, previous)
    return SysctlFile(entries, list(snap.file.other))


def effective(request: Request, snap: Snapshot, desired: Sequence[Sysctl]) -> Dict[str, Dict[str, Any]]:
    """What the kernel applies to each named, existing interface once the task is done.

    src_valid_mark is on when it is on for the interface *or* for ``all``; rp_filter is the
    larger of the interface's and ``all``'s value (0 off, 1 strict, 2 loose).
    """
    values = dict(snap.running)
    values.update({o.slot: o.value for o in desired if o.store == RUNNING})
    out: Dict[str, Dict[str, Any]] = {}
    for name in request.interfaces:
        if name in SPECIAL or not snap.exists(name):
            continue
        svm = values.get((name, "src_valid_mark"), 0) or values.get(("all", "src_valid_mark"), 0)
        rpf = max(values.get((name, "rp_filter"), 0), values.get(("all", "rp_filter"), 0))
        out[name] = {"src_valid_mark": bool(svm), "rp_filter": RP_FILTER_NAMES.get(rpf, str(rpf))}
    return out


# ---------------------------------------------------------------------------- engine kind
class SysctlKind(Kind[Sysctl, Snapshot]):
    """src_valid_mark / rp_filter per interface; run with state ``overridden`` over the task's scope.

    Running values are never "owned" (nothing ever removes a sysctl), but a slot always holds a
    value, so setting it replaces whatever is there (:meth:`may_replace`). Entries of our file are
    owned: overridden removes the ones in scope that are not wanted.
    """

    noun = "sysctl"

    def __init__(
        self, request: Request, namespace: Optional[str] = None, etc: str = "/etc", proc_root: str = PROC_SYS
    ) -> None:
        self.request = request
        self.namespace = namespace
        self.path = persist_path(namespace, etc)
        self.proc_root = proc_root
        self.proc: Optional[ProcSys] = None
        self.snap: Optional[Snapshot] = None
        self.desired: List[Sysctl] = []

    # -- host ---------------------------------------------------------------------------
    def snapshot(self, host: Optional[Host]) -> Snapshot:
        """The kind's context: read the host once (before planning)."""
        self.proc = ProcSys(host, self.proc_root)
        self.snap = take_snapshot(self.proc, self.request, self.path)
        return self.snap

    def from_config(self, config: Sequence[Dict[str, Any]], context: Optional[Snapshot]) -> List[Sysctl]:
        if context is None:
            raise PbrError("src_valid_mark needs the host: there is no offline state")
        self.desired = desired_objects(self.request, context)
        return self.desired

    def read(self, host: Host) -> List[Sysctl]:
        return current_objects(self.request, self._snap())

    def validate_on_host(self, desired: Sequence[Sysctl], host: Host) -> Optional[List[str]]:
        snap = self._snap()
        notes: List[str] = []
        if self.request.state == "present" and not self.request.persist:
            for name in self.pending():
                notes.append(f"interface {name!r} does not exist and persist=false: nothing is set for it")
            for name in self.request.interfaces:
                for setting, value in self.request.settings:
                    entry = snap.file.entries.get((name, setting))
                    if entry is not None and entry.value != value:
                        notes.append(
                            f"{self.path} still persists {sysctl_key(name, setting)} = {entry.value} "
                            "(persist=false leaves the file alone): the value changes back at boot"
                        )
        return notes

    def pending(self) -> List[str]:
        snap = self._snap()
        return [name for name in self.request.interfaces if not snap.exists(name)]

    def _snap(self) -> Snapshot:
        if self.snap is None:
            raise PbrError("internal error: the host was not read before planning")
        return self.snap

    def summary(self) -> Dict[str, Any]:
        """Result fields beyond the engine's: pending interfaces, effective values, the file."""
        return {
            "pending": self.pending(),
            "effective": effective(self.request, self._snap(), self.desired),
            "persist_file": self.path if self.request.persist or self.request.state == "absent" else None,
        }

    # -- identity -----------------------------------------------------------------------
    def key(self, obj: Sysctl) -> Hashable:
        return (obj.store, obj.interface, obj.setting, obj.value)

    def slot(self, obj: Sysctl) -> Hashable:
        return (obj.store, obj.interface, obj.setting)

    def group(self, obj: Sysctl) -> Hashable:
        return self.slot(obj)

    def owned(self, obj: Sysctl) -> bool:
        return obj.store == FILE

    def may_replace(self, old: Sysctl) -> bool:
        return True

    def sort_key(self, obj: Sysctl) -> Any:
        return (obj.store != RUNNING,) + _slot_order(obj.slot)

    # -- notation -----------------------------------------------------------------------
    def show(self, obj: Sysctl) -> str:
        return f"{sysctl_key(obj.interface, obj.setting)} = {obj.value}"

    def section(self, obj: Sysctl) -> str:
        return "running kernel (sysctl -a)" if obj.store == RUNNING else self.path

    def describe(self, obj: Sysctl) -> str:
        return f"{self.show(obj)} ({'running' if obj.store == RUNNING else self.path})"

    def command(self, action: str, obj: Sysctl) -> str:
        if obj.store == RUNNING:
            return sysctl_command(obj.interface, obj.setting, obj.value)
        if action == "delete":
            return f"# write {self.path}: remove {sysctl_key(obj.interface, obj.setting)}"
        return f"# write {self.path}: {self.show(obj)}"

    def plan_commands(self, plan: Plan[Sysctl]) -> List[str]:
        """In the order :meth:`apply` works: the running values, then our file."""
        ops = sorted(plan.ops, key=lambda op: op.obj.store != RUNNING)
        return [self.command(op.action, op.obj) for op in ops]

    def argv(self, action: str, obj: Sysctl) -> List[str]:
        raise NotImplementedError("sysctls are not set with ip")

    def to_config(self, obj: Sysctl) -> Dict[str, Any]:
        return {
            "key": sysctl_key(obj.interface, obj.setting),
            "interface": obj.interface,
            "setting": obj.setting,
            "value": obj.value,
            "meaning": value_text(obj.setting, obj.value),
            "store": "running" if obj.store == RUNNING else "persisted",
        }

    # -- apply --------------------------------------------------------------------------
    def apply(self, plan: Plan[Sysctl], host: Host) -> None:
        """Running values first (undone if a later write or the file fails), then our file."""
        snap = self._snap()
        if self.proc is None:
            raise PbrError("internal error: the host was not read before applying")
        done: List[Op[Sysctl]] = []
        try:
            for op in plan.ops:
                if op.obj.store == RUNNING and op.action != "delete":
                    self.proc.write(op.obj.interface, op.obj.setting, op.obj.value)
                    done.append(op)
            if any(op.obj.store == FILE for op in plan.ops):
                scope = [(name, setting) for name in self.request.interfaces for setting in self.request.scope()]
                self._write_file(new_file(snap, plan.after, scope))
        except (PbrError, OSError) as err:
            msg = err.msg if isinstance(err, PbrError) else f"cannot write {self.path}: {err.strerror}"
            undone = []
            for op in reversed(done):
                if op.old is not None:
                    try:
                        self.proc.write(op.old.interface, op.old.setting, op.old.value)
                        undone.append(op)
                    except PbrError:
                        pass
            if done:
                msg += f"; {len(undone)} of the {len(done)} value(s) set before it were set back"
            raise PbrError(msg, getattr(err, "field", None), getattr(err, "value", None)) from None

    def _write_file(self, data: SysctlFile) -> None:
        if data.entries or data.other:
            atomic_write(self.path, render_file(data, self.path, self.namespace))
            return
        if os.path.exists(self.path):
            os.unlink(self.path)
        if self.namespace:  # an empty /etc/netns/NS/sysctl.d would still hide /etc/sysctl.d in `ip netns exec`
            try:
                os.rmdir(os.path.dirname(self.path))
            except OSError:
                pass


def prepare(params: Mapping[str, Any], check_mode: bool) -> Any:
    """pbr.linux.src_valid_mark: the task's scope (its interfaces and settings) becomes exactly what it
    asks for - "overridden" over the objects SysctlKind reads, which are only those."""
    from ansible_collections.pbr.linux.plugins.module_utils._runner import Context, Task

    request = parse_request(params)
    kind = SysctlKind(request, params.get("namespace"))

    def extend(result: Dict[str, Any]) -> None:
        result.update(kind.summary())

    return Task(
        kind=kind,
        state="overridden",
        config=[dict(params)],
        context=Context(resolve=kind.snapshot),
        namespace=params.get("namespace"),
        extend=extend,
    )
