# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one pipeline every pbr.linux resource module runs through.

    parameters -> desired objects        (Kind.from_config: validated, normalised)
    host       -> current objects        (Kind.read: same types, same normalisation)
    desired vs current, by state -> Plan (ordered operations, native commands)
    Plan -> check mode: report | apply: one ``ip -batch``, undone if a step fails
    -> result: changed, commands, before/after, diff

A resource type plugs in by subclassing :class:`Kind`; the state machine, ownership
rules, rollback and result shape live here, once.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Dict, Generic, Hashable, List, Optional, Sequence, Tuple, TypeVar

from ansible_collections.pbr.linux.plugins.module_utils._host import BatchError, Host, atomic_write, read_text
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError

T = TypeVar("T")
C = TypeVar("C")  # what a kind needs from the host to resolve its config (its context)

STATES = ("merged", "replaced", "overridden", "deleted", "gathered", "rendered", "parsed")
OFFLINE_STATES = ("rendered", "parsed")


class Kind(Generic[T, C]):
    """A resource type. Subclasses implement the small, type-specific pieces."""

    noun = "object"
    # The backend replaces an object in its slot in one step (``ip route replace``). When False
    # (``ip rule`` has no replace), taking a slot is planned as delete of the occupant, then add.
    replace_in_place = True

    # identity -------------------------------------------------------------------------
    def key(self, obj: T) -> Hashable:
        """Equivalence: two objects with the same key are the same thing, whoever owns it."""
        raise NotImplementedError

    def slot(self, obj: T) -> Hashable:
        """The kernel's identity: two objects in one slot cannot coexist (a replace)."""
        return self.key(obj)

    def group(self, obj: T) -> Hashable:
        """What ``replaced`` is scoped by (priority for rules, table for routes)."""
        raise NotImplementedError

    def owned(self, obj: T) -> bool:
        raise NotImplementedError

    def may_replace(self, old: T) -> bool:
        """May a desired object take the slot of ``old``? Default: only if we own ``old``.

        A kind whose slots always hold a value (a sysctl) returns True: setting it is the change asked for.
        """
        return self.owned(old)

    def sort_key(self, obj: T) -> Any:
        raise NotImplementedError

    # notation -------------------------------------------------------------------------
    def argv(self, action: str, obj: T) -> List[str]:
        """``ip`` arguments (without ``ip``) for add / delete / replace."""
        raise NotImplementedError

    def show(self, obj: T) -> str:
        """One line as the ``ip ... show`` command prints it (for diffs)."""
        raise NotImplementedError

    def to_config(self, obj: T) -> Dict[str, Any]:
        raise NotImplementedError

    def describe(self, obj: T) -> str:
        return self.show(obj)

    def command(self, action: str, obj: T) -> str:
        """One line of ``commands``: what an engineer would type for this operation."""
        return "ip " + " ".join(self.argv(action, obj))

    def plan_commands(self, plan: Plan[T]) -> List[str]:
        """``commands`` for a whole plan. Default: our files, then one :meth:`command` line per operation.

        A backend applied as one transaction (an ``nft -f`` script, ``iptables-restore`` input) returns
        that input, so check mode shows exactly what apply feeds the backend.
        """
        return commands(self, plan)

    def diff_text(self, objs: Sequence[T]) -> str:
        """The text diff mode compares (default: ``ip ... show`` lines, see :func:`show_text`)."""
        return show_text(self, objs)

    def section(self, obj: T) -> str:
        """Heading of the ``show`` listing this object belongs in (one per family/table)."""
        return ""

    def counterpart(self, obj: T) -> Hashable:
        """What ``changes`` pairs a deleted and an added object by, to report them as one ``different``
        (default: the slot; rules, which have no replace, by family and priority)."""
        return self.slot(obj)

    def changes(self, op: Op[T]) -> List[Dict[str, Any]]:
        """What one operation changes, object by object, for ``changes`` (an audit's drift report).

        Default: the object's ``show`` line, ``missing`` for an add (the host lacks it), ``extra`` for a
        delete (the host has it and should not), ``different`` for a replace (``before`` the host's, ``after``
        the wanted). A kind whose objects hold many lines (a chain, a saved file) reports the lines.
        """
        where = self.section(op.obj)
        if op.action == "add":
            return [change("missing", self.show(op.obj), where)]
        if op.action == "delete":
            return [change("extra", self.show(op.obj), where)]
        before = self.show(op.old) if op.old is not None else None
        return [change("different", self.show(op.obj), where, before=before, after=self.show(op.obj))]

    # I/O ------------------------------------------------------------------------------
    def from_config(self, config: Sequence[Dict[str, Any]], context: Optional[C]) -> List[T]:
        """Validated, normalised desired objects; ``context`` is None offline (rendered, parsed)."""
        raise NotImplementedError

    def named_groups(self) -> Sequence[Hashable]:
        """Groups the last :meth:`from_config` named without giving any object in them.

        ``replaced`` empties such a group of what we own, and ``deleted`` removes what we own in it
        (a route table listed with an empty or no route list). Default: none (rules have no such form).
        """
        return ()

    def to_config_list(self, objs: Sequence[T]) -> List[Dict[str, Any]]:
        """Objects as a ``config`` list (gathered, parsed, before, after). Default: one entry each.

        A kind whose config nests objects (routes under their table) groups them here, so the
        output can be given back as ``config``.
        """
        return [self.to_config(o) for o in objs]

    def parse(self, text: str) -> List[T]:
        raise NotImplementedError

    def read(self, host: Host) -> List[T]:
        raise NotImplementedError

    def complete(self, desired: Sequence[T], current: Sequence[T]) -> List[T]:
        """Fill in what the kernel decides for a desired object that the config left open.

        A route given a gateway but no device gets the device the kernel chose for the same route,
        so that it compares equal to it. Default: ``desired`` unchanged.
        """
        return list(desired)

    def validate_on_host(self, desired: Sequence[T], host: Host) -> Optional[List[str]]:
        """Checks that need the host (devices exist, ...). Raise PbrError to refuse; return warnings."""
        return None

    def apply(self, plan: Plan[T], host: Host) -> None:
        """Carry out a plan. Default: our files, then one ``ip -batch`` with undo on failure.

        A backend with its own transactions (``nft -f``, ``iptables-restore``) overrides this.
        """
        apply_plan(self, plan, host)


@dataclass
class Op(Generic[T]):
    action: str  # add | delete | replace
    obj: T
    old: Optional[T] = None

    @property
    def held(self) -> Optional[T]:
        """The object the host holds before the operation (None for an add)."""
        return self.obj if self.action == "delete" else self.old

    @property
    def wanted(self) -> Optional[T]:
        """The object the host holds after it (None for a delete)."""
        return None if self.action == "delete" else self.obj

    def inverse(self) -> Op[T]:
        if self.action == "add":
            return Op("delete", self.obj)
        if self.action == "delete":
            return Op("add", self.obj)
        if self.old is None:
            return Op("delete", self.obj)
        return Op("replace", self.old, self.obj)


@dataclass
class FileChange:
    """A file we own that has to hold ``content`` (written before the netlink batch)."""

    path: str
    content: str

    def command(self) -> str:
        return f"# write {self.path}"


@dataclass
class Plan(Generic[T]):
    ops: List[Op[T]] = field(default_factory=list)
    files: List[FileChange] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    # what the host holds once the plan is carried out, in no order; ``after`` sorts it when first asked
    # (a no-op over 50,000 routes whose result is only counts never needs the order)
    unordered_after: List[T] = field(default_factory=list)
    sort_key: Optional[Callable[[T], Any]] = None

    @property
    def changed(self) -> bool:
        return bool(self.ops or self.files)

    @cached_property
    def after(self) -> List[T]:
        """What the host holds once the plan is carried out, sorted by the kind's sort key."""
        return sorted(self.unordered_after, key=self.sort_key) if self.sort_key else self.unordered_after


def make_plan(
    kind: Kind[T, Any], desired: Sequence[T], current: Sequence[T], state: str, groups: Sequence[Hashable] = ()
) -> Plan[T]:
    """Compare desired with current for one state; never plans a change to a foreign object.

    ``groups``: groups the config names besides those of ``desired`` (see Kind.named_groups).
    """
    plan: Plan[T] = Plan()
    key, slot = kind.key, kind.slot  # called 100,000s of times for big route tables
    current_keys = [key(obj) for obj in current]
    by_key: Dict[Hashable, List[T]] = {}
    for k, obj in zip(current_keys, current):
        by_key.setdefault(k, []).append(obj)
    by_slot: Dict[Hashable, List[T]] = {}

    def occupants_of(s: Hashable) -> List[T]:
        if not by_slot:  # built on first need: a no-op run never needs it
            for obj in current:
                by_slot.setdefault(slot(obj), []).append(obj)
        return by_slot.get(s, [])

    wanted: Dict[Hashable, T] = {}
    slots_seen: Dict[Hashable, T] = {}
    slot_of: Dict[Hashable, Hashable] = {}
    for obj in desired:
        k, s = key(obj), slot(obj)
        if k in wanted:
            continue
        if s in slots_seen:
            raise PbrError(
                f"config: {kind.describe(slots_seen[s])!r} and {kind.describe(obj)!r} are the same "
                f"{kind.noun} for the kernel; expected one entry per {kind.noun}",
                "config",
                kind.to_config(obj),
            )
        wanted[k] = obj
        slots_seen[s] = obj
        slot_of[k] = s

    removed: List[T] = []
    if state == "deleted":
        targets = list(wanted.values())
        if targets or groups:
            for want in targets:
                for obj in by_key.get(kind.key(want), []):
                    if kind.owned(obj):
                        removed.append(obj)
                    else:
                        plan.warnings.append(
                            f"{kind.noun} {kind.describe(obj)!r} is not owned by pbr.linux: left in place"
                        )
            if groups:  # a group named without objects: everything we own in it
                named, seen = set(groups), {id(o) for o in removed}
                removed += [o for o in current if id(o) not in seen and kind.owned(o) and kind.group(o) in named]
        else:
            removed = [obj for obj in current if kind.owned(obj)]
        plan.ops = [Op("delete", obj) for obj in removed]
    else:
        replaced_slots = set()
        for k, want in wanted.items():
            if k in by_key:
                continue
            occupants = occupants_of(slot_of[k]) if current else []
            if occupants:
                # a slot may hold several objects (``ip route append``): a replace could hit any of
                # them, so every one has to be replaceable
                refused = [o for o in occupants if not kind.may_replace(o)]
                old = refused[0] if refused else occupants[0]
                if refused:
                    raise PbrError(
                        f"config: {kind.describe(want)!r} would replace {kind.describe(old)!r}, which "
                        f"pbr.linux does not own; remove it first or change the {kind.noun}",
                        "config",
                        kind.to_config(want),
                    )
                if kind.replace_in_place:
                    plan.ops.append(Op("replace", want, old))
                else:
                    plan.ops += [Op("delete", o) for o in occupants] + [Op("add", want)]
                    removed += occupants
                replaced_slots.add(kind.slot(want))
            else:
                plan.ops.append(Op("add", want))
        if state in ("replaced", "overridden"):
            scope = {kind.group(w) for w in wanted.values()} | set(groups)
            for k, obj in zip(current_keys, current):
                if not kind.owned(obj) or k in wanted or (replaced_slots and slot(obj) in replaced_slots):
                    continue
                if state == "overridden" or kind.group(obj) in scope:
                    removed.append(obj)
                    plan.ops.append(Op("delete", obj))
        elif state != "merged":
            raise PbrError(f"state: {state!r} is not valid here", "state", state)

    gone = {id(o) for o in removed} | {id(op.old) for op in plan.ops if op.old is not None}
    after = [o for o in current if id(o) not in gone] + [op.obj for op in plan.ops if op.action != "delete"]
    plan.unordered_after, plan.sort_key = after, kind.sort_key
    return plan


def change(
    what: str, obj: str, where: str = "", before: Optional[str] = None, after: Optional[str] = None
) -> Dict[str, Any]:
    """One entry of ``changes``: ``change`` missing / extra / different, the ``object`` in native notation,
    ``where`` it lives (the ``show`` section: family and table, chain, file), ``before``/``after`` when different."""
    out: Dict[str, Any] = {"change": what, "object": obj, "where": where}
    if what == "different":
        out["before"], out["after"] = before, after
    return out


def line_changes(
    old: Sequence[Tuple[Hashable, str]], new: Sequence[Tuple[Hashable, str]], where: str
) -> List[Dict[str, Any]]:
    """Changes between two listings of lines (a chain, a saved file), each line given as (key, text): lines
    whose key is only in ``new`` are missing, only in ``old`` extra (the key compares two wordings of one rule
    as equal); the same lines in another order are one ``different`` of the whole listing."""
    old_keys, new_keys = {key for key, text in old}, {key for key, text in new}
    out = [change("missing", text, where) for key, text in new if key not in old_keys]
    out += [change("extra", text, where) for key, text in old if key not in new_keys]
    if not out and [key for key, text in old] != [key for key, text in new]:
        before, after = "\n".join(text for key, text in old), "\n".join(text for key, text in new)
        out.append(change("different", where, where, before=before, after=after))
    return out


# ``changes`` of a result lists the changes of at most this many operations (``changes_omitted`` counts the rest)
CHANGES_MAX = 1000


def plan_changes(kind: Kind[T, Any], plan: Plan[T]) -> List[Dict[str, Any]]:
    """``changes`` of a plan: :meth:`Kind.changes` of its first :data:`CHANGES_MAX` operations.

    A kind without ``replace`` (``ip rule``) plans a changed object as delete of the occupant, then add:
    one such pair in one :meth:`Kind.counterpart` is one ``different`` entry, as a replace would be.
    """
    ops = plan.ops[:CHANGES_MAX]
    by_place: Dict[Hashable, Dict[str, List[Op[T]]]] = {}
    for op in ops:
        if op.action in ("add", "delete"):
            by_place.setdefault(kind.counterpart(op.obj), {"add": [], "delete": []})[op.action].append(op)
    paired: Dict[int, Optional[Op[T]]] = {}  # add -> the replace it stands for; delete -> None (reported there)
    for place in by_place.values():
        if len(place["add"]) == 1 and len(place["delete"]) == 1:
            added, deleted = place["add"][0], place["delete"][0]
            paired[id(added)] = Op("replace", added.obj, deleted.obj)
            paired[id(deleted)] = None
    out: List[Dict[str, Any]] = []
    for op in ops:
        if id(op) not in paired:
            out += kind.changes(op)
        else:
            merged = paired[id(op)]
            if merged is not None:
                out += kind.changes(merged)
    return out


def commands(kind: Kind[T, Any], plan: Plan[T]) -> List[str]:
    out = [f.command() for f in plan.files]
    out += [kind.command(op.action, op.obj) for op in plan.ops]
    return out


def apply_plan(kind: Kind[T, Any], plan: Plan[T], host: Host) -> None:
    """Write our files, then run the ops in one ``ip -batch``; undo done ops on failure."""
    for change in plan.files:
        if read_text(change.path) != change.content:
            atomic_write(change.path, change.content)
    argvs = [kind.argv(op.action, op.obj) for op in plan.ops]
    try:
        host.run_batch(argvs)
    except BatchError as err:
        done = err.done if err.exact else _ops_in_effect(kind, plan, host, err.done)
        undo = [op.inverse() for op in reversed(plan.ops[:done])]
        rollback = ""
        if undo:
            try:
                host.run_batch([kind.argv(op.action, op.obj) for op in undo], force=True)
                rollback = f"; the {len(undo)} operation(s) done before it were undone"
            except BatchError as again:
                rollback = f"; undoing the {len(undo)} earlier operation(s) also failed: {again.stderr}"
        failed = plan.ops[done] if done < len(plan.ops) else None
        what = f"`ip {' '.join(kind.argv(failed.action, failed.obj))}`" if failed else "the batch"
        raise PbrError(f"the kernel refused {what}: {err.stderr}{rollback}") from None


def _ops_in_effect(kind: Kind[T, Any], plan: Plan[T], host: Host, start: int) -> int:
    """How many leading ops took effect, judged from a fresh read (``ip`` did not say where it stopped)."""
    present = {kind.key(o) for o in kind.read(host) if kind.owned(o)}
    done = start
    for op in plan.ops[start:]:
        if (kind.key(op.obj) in present) == (op.action == "delete"):
            break
        done += 1
    return done


def show_text(kind: Kind[T, Any], objs: Sequence[T]) -> str:
    """Objects as ``ip ... show`` prints them, under one ``# ip ... show`` heading per section."""
    lines: List[str] = []
    heading = None
    for obj in sorted(objs, key=kind.sort_key):
        if kind.section(obj) != heading:
            heading = kind.section(obj)
            if heading:
                lines.append(f"# {heading}")
        lines.append(kind.show(obj))
    return "".join(line + "\n" for line in lines)


# report=auto: full result lists up to this many objects (before or after the task), counts beyond
FULL_REPORT_MAX = 100
# commands listed by report=auto beyond FULL_REPORT_MAX (what changed, in native notation)
SUMMARY_COMMANDS = 1000


def report_is_full(report: str, before: int, after: int) -> bool:
    return report == "full" or (report == "auto" and max(before, after) <= FULL_REPORT_MAX)


def summary(plan: Plan[Any], before: int) -> Dict[str, int]:
    counts = {"add": 0, "replace": 0, "delete": 0}
    for op in plan.ops:
        counts[op.action] = counts.get(op.action, 0) + 1
    return dict(counts, files=len(plan.files), before=before, after=len(plan.unordered_after))


def summary_commands(kind: Kind[T, Any], plan: Plan[T], counts: Dict[str, int]) -> List[str]:
    """``commands`` of a report=auto result in summary form: all of them up to SUMMARY_COMMANDS operations, else the first
    SUMMARY_COMMANDS (``counts['commands_omitted']`` says how many operations are not listed), rendered
    from the plan's head only: a 50,000-route apply renders 1000 lines, not 50,000."""
    if len(plan.ops) <= SUMMARY_COMMANDS:
        return kind.plan_commands(plan)
    counts["commands_omitted"] = len(plan.ops) - SUMMARY_COMMANDS
    return commands(kind, Plan(ops=plan.ops[:SUMMARY_COMMANDS], files=plan.files))


def run(
    kind: Kind[T, Any],
    state: str,
    config: Optional[Sequence[Dict[str, Any]]],
    check_mode: bool,
    diff: bool,
    host_factory: Any,
    context_factory: Callable[[Host], Any],
    running_config: Optional[str] = None,
    files_factory: Any = None,
    report: str = "auto",
) -> Dict[str, Any]:
    """Run one task end to end and return the module result (without ``failed``).

    The result's size follows ``report`` (see :func:`report_is_full`): ``full`` returns every
    command and the ``before``/``after`` lists of every object; ``summary`` returns only counts, in
    ``summary``, since for tens of thousands of objects those lists cost the module and Ansible
    seconds per task; ``auto`` (the default) is ``full`` for a small policy and beyond it the counts
    plus the first :data:`SUMMARY_COMMANDS` commands. Diff mode gives the full text diff either way.
    """
    started = time.monotonic()
    result: Dict[str, Any] = {"changed": False}
    if state == "parsed":
        if running_config is None:
            raise PbrError("running_config: required with state=parsed", "running_config", None)
        result["parsed"] = kind.to_config_list(kind.parse(running_config))
        return result
    if state == "rendered":
        desired = kind.from_config(config or [], None)
        result["rendered"] = [kind.command("add", o) for o in desired]
        return result

    host: Host = host_factory()
    lock = getattr(host, "lock", None)  # test doubles have none
    try:
        # the host's lock is held from the first read to the read-back: no other task interleaves
        with lock() if lock is not None else contextlib.nullcontext():
            desired = kind.from_config(config or [], context_factory(host)) if state != "gathered" else []
            current = kind.read(host)
            if state == "gathered":
                result["gathered"] = kind.to_config_list(sorted(current, key=kind.sort_key))
                return result
            desired = kind.complete(desired, current)
            notes = kind.validate_on_host(desired, host) or []
            plan = make_plan(kind, desired, current, state, kind.named_groups() if config else ())
            plan.warnings[:0] = notes
            if plan.ops and files_factory is not None:
                plan.files = files_factory(host)
            result["changed"] = plan.changed
            if report != "summary":  # summary: counts only
                result["changes"] = plan_changes(kind, plan)
                if len(plan.ops) > CHANGES_MAX:
                    result["changes_omitted"] = len(plan.ops) - CHANGES_MAX
            full = report_is_full(report, len(current), len(plan.unordered_after))
            if full:
                result["commands"] = kind.plan_commands(plan)
                result["before"] = kind.to_config_list(sorted(current, key=kind.sort_key))
                result["after"] = kind.to_config_list(plan.after)
            else:
                result["summary"] = summary(plan, len(current))
                if report == "auto":
                    result["commands"] = summary_commands(kind, plan, result["summary"])
            if plan.warnings:
                result["warnings"] = plan.warnings
            if diff:
                result["diff"] = {"before": kind.diff_text(current), "after": kind.diff_text(plan.after)}
            if plan.changed and not check_mode:
                kind.apply(plan, host)
                if full or diff:
                    # `after` is what the host holds now, read back (resource-module convention), not the plan's
                    # prediction; only check mode reports a prediction
                    read_back = sorted(kind.read(host), key=kind.sort_key)
                    if full:
                        result["after"] = kind.to_config_list(read_back)
                    if diff:
                        result["diff"]["after"] = kind.diff_text(read_back)
    finally:
        host.close()
    result["engine_seconds"] = round(time.monotonic() - started, 4)
    return result
