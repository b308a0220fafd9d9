# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet audit: one ``--check`` run over N hosts gives one drift report (drift.json, drift.md)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: drift
type: aggregate
short_description: Writes a fleet drift report (drift.json, drift.md) of a check-mode run
version_added: 0.2.0
description:
  - Run your own playbooks and roles with C(--check) (and C(--diff) if you like) and this callback enabled, and at the
    end of the run it writes, for every host of the run, whether it is C(in_sync), has C(drift), C(failed) or was
    C(unreachable), and for every drifted host the objects that differ, each named in its native notation - the
    C(ip rule) or C(ip route) line, the nft or iptables rule, the sysctl line, the rt_tables line, the line of a saved
    policy file - as C(missing) (the host lacks it), C(extra) (the host has it and the policy does not) or C(different)
    (with C(before), the host's, and C(after), the policy's).
  - The objects come from the C(changes) list every pbr.linux module returns. A pbr.linux task reports its objects as
    kind C(running) (the running kernel, sysctls and table-name files), M(pbr.linux.persist) as kind C(saved) (the
    saved boot state is out of date with the running one). Any other module that reports C(changed) in check mode is
    one object of kind C(other) named by its task, with the task's diff if it gave one.
  - A host is C(in_sync) when no task of it would change anything, C(drift) when at least one object counts as drift
    (see O(query)), C(failed) when a task failed (not ignored, not rescued - as the run's recap counts it),
    C(unreachable) when Ansible could not reach it (not under C(ignore_unreachable)), C(not_audited) when a play
    targeted it and ran no task on it while it ran tasks on other hosts (a later C(serial) batch after a failed one).
    A failed or unreachable host keeps the objects found before it stopped.
  - "C(drift.json): C({\"summary\": {...}, \"hosts\": {\"<inventory name>\": {\"status\": ..., \"objects\": [...]}}}).
    C(summary) counts hosts per status and drifted objects and names the playbooks; each object has C(task),
    C(module), C(kind), C(change), C(object), C(where) (the listing it belongs in, such as C(ip -4 rule show) or
    C(nft list table inet pbr_linux: chain pbr_tproxy_pre)) and, for C(different), C(before) and C(after).
    A host's C(ignored) lists the objects O(query) left out, C(error) the failed or unreachable task and its message."
  - C(drift.md) is the same as a change review - a summary table (host, status, objects drifted), then for every
    host that is not in sync its objects as a diff per task.
  - The report is meant for check mode - what a run would change is the drift. Without C(--check) it lists what the
    run changed. The callback itself never changes a host.
  - "Exit status: with O(fail) the run ends with status 4 if a host was unreachable, else 2 if a task failed or a host
    was not audited, else 3 if a host drifted (the callback raises C(SystemExit) once the report is written: a callback has no other way to set
    C(ansible-playbook)'s status), else Ansible's own status. Without O(fail) the status is Ansible's (0 for a run that
    only found drift). Whatever O(fail) says, a report that cannot be written (the directory is not writable) ends the
    run with status 1 - an audit without its report has failed. With several playbooks on the command line the report
    is rewritten after each and O(fail) ends the run after the last."
requirements:
  - jmespath (on the controller, only for O(query))
options:
  report_dir:
    description:
      - The directory the callback writes C(drift.json) and C(drift.md) in (created if missing; both files are
        replaced).
    type: path
    default: .
    env:
      - name: PBR_DRIFT_REPORT
    ini:
      - section: pbr_drift
        key: report_dir
  fail:
    description:
      - End the run with a non-zero status when any host is not in sync (see the exit statuses above), so that a CI job
        or a scheduled audit fails on drift.
    type: bool
    default: false
    env:
      - name: PBR_DRIFT_FAIL
    ini:
      - section: pbr_drift
        key: fail
  query:
    description:
      - A JMESPath expression (the language of C(community.general.json_query)) evaluated on each host's list of
        objects; the objects it returns count as drift, the others are listed under the host's C(ignored) and do not
        make it drift. It must return a list of the objects.
      - Unset, every object counts.
      - An invalid expression ends the run when it starts, before any task, with status 5 (Ansible's status for bad
        options); one that does not return a list of objects ends it at the report, with status 1 and no report.
    type: str
    env:
      - name: PBR_DRIFT_QUERY
    ini:
      - section: pbr_drift
        key: query
notes:
  - Enable it the Ansible way, C(ANSIBLE_CALLBACKS_ENABLED=pbr.linux.drift) or C(callbacks_enabled = pbr.linux.drift)
    in the C([defaults]) section of C(ansible.cfg). It does not replace the stdout callback; the run's output stays as
    it is.
  - The report is written at the end of each playbook (C(v2_playbook_on_stats)) and covers the playbooks run so far.
  - List it last in C(callbacks_enabled) when other callbacks write files at the end of the run (junit, profile_tasks);
    when O(fail) ends the run, the callbacks after it do not see the run's end.
  - C(objects_omitted) counts the operations a module did not list (beyond 1000 in one task); each counts as one
    object drifted.
"""

EXAMPLES = r"""
# Audit the fleet: every host in sync, else exit non-zero and leave the report for the job's artifacts
#   PBR_DRIFT_REPORT=audit PBR_DRIFT_FAIL=true ANSIBLE_CALLBACKS_ENABLED=pbr.linux.drift \
#     ansible-playbook -i inventory site.yml --check
#   jq '.hosts | map_values(select(.status != "in_sync"))' audit/drift.json

# ansible.cfg
#   [defaults]
#   callbacks_enabled = pbr.linux.drift
#   [pbr_drift]
#   report_dir = /var/lib/audit/pbr
#   fail = true

# Count only the running kernel; a saved boot state that is out of date is listed but not drift
#   PBR_DRIFT_QUERY="[?kind != 'saved']"

# Ignore the sysctls, which another team manages on some hosts
#   PBR_DRIFT_QUERY="[?module != 'pbr.linux.src_valid_mark']"

# Only missing or different objects: extra ones (something of ours the policy no longer names) are not drift
#   PBR_DRIFT_QUERY="[?change != 'extra']"

# Only what is about table 100 or the proxy's nft chains
#   PBR_DRIFT_QUERY="[?contains(object, 'table 100') || contains(where, 'pbr_tproxy')]"
"""

import json
import os
import tempfile
import time
from typing import Any, Dict, List, Optional, Tuple

from ansible import context
from ansible.errors import AnsibleError
from ansible.plugins.callback import CallbackBase

STATUSES = ("in_sync", "drift", "failed", "unreachable", "not_audited")
# ansible-playbook's own statuses for unreachable and failed hosts; 3 (unused by ansible-playbook) for drift;
# a host a play targeted that never ran a task of it (a later serial batch after a failed one) is not known to be in sync
EXIT_STATUS = {"unreachable": 4, "failed": 2, "not_audited": 2, "drift": 3}
EXIT_BAD_OPTION = 5  # ansible-playbook's status for bad options: an invalid query
EXIT_NO_REPORT = 1  # the report could not be made or written
SAVED_MODULES = ("pbr.linux.persist",)
OUR_PREFIX = "pbr.linux."


class HostRecord:
    """What one host's tasks reported: drift objects, and the first error (failed or unreachable)."""

    def __init__(self) -> None:
        self.objects: List[Dict[str, Any]] = []
        self.omitted = 0
        self.failed: Optional[Dict[str, Any]] = None
        self.unreachable: Optional[Dict[str, Any]] = None
        self.not_audited: List[str] = []  # plays that targeted the host and ran nothing on it


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "pbr.linux.drift"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hosts: Dict[str, HostRecord] = {}
        self.playbooks: List[str] = []
        self.compiled: Any = None
        self.spent = 0.0  # seconds in this callback's handlers: what the report costs the run
        # the plays of the current playbook: id -> (name, the hosts it targets, the hosts with a result in it);
        # a play with ``serial`` starts once per batch, as the same play
        self.plays: Dict[int, Tuple[str, List[str], set]] = {}
        self.seen: set = set()  # hosts with a result in the current play

    def set_options(self, task_keys: Any = None, var_options: Any = None, direct: Any = None) -> None:
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        query = self.get_option("query")
        if query:
            try:
                self.compiled = compile_query(query)
            except AnsibleError as err:
                # Ansible turns an exception here into a warning and runs on without the callback: an audit
                # that cannot judge drift must not pass, so the run ends here, before any task
                self._display.error(str(err))
                raise SystemExit(EXIT_BAD_OPTION) from None

    # ------------------------------------------------------------------ collecting
    def record(self, name: str) -> HostRecord:
        return self.hosts.setdefault(name, HostRecord())

    def v2_playbook_on_start(self, playbook: Any) -> None:
        self.playbooks.append(os.path.basename(getattr(playbook, "_file_name", "") or ""))

    def v2_playbook_on_play_start(self, play: Any) -> None:
        if id(play) not in self.plays:
            self.plays[id(play)] = (str(play.get_name()), play_hosts(play), set())
        self.seen = self.plays[id(play)][2]

    def end_playbook(self) -> None:
        """A host a play targeted that got no result in it (while others did) was not audited by it."""
        for name, hosts, seen in self.plays.values():
            for host in hosts if seen else ():
                if host not in seen:
                    self.record(host).not_audited.append(name)
        self.plays = {}
        self.seen = set()

    def changed_items(self, result: Any) -> None:
        """Drift objects of a task's result (and of every item of a loop), whether the task then failed or not."""
        started = time.perf_counter()
        res = result._result
        items = [res]
        task = result._task
        # a loop's items are in ``results``; a module's own ``results`` (dnf's strings) is not a loop
        if (getattr(task, "loop", None) or getattr(task, "loop_with", None)) and isinstance(res.get("results"), list):
            items = [item for item in res["results"] if isinstance(item, dict)] or [res]
        rec = self.record(result._host.get_name())
        for item in items:
            if item.get("changed") and not item.get("skipped"):
                objects, omitted = task_objects(task_name(task), module_of(task), item)
                rec.objects += objects
                rec.omitted += omitted
        self.spent += time.perf_counter() - started

    def v2_runner_on_ok(self, result: Any) -> None:
        self.seen.add(result._host.get_name())
        self.changed_items(result)

    def v2_runner_on_skipped(self, result: Any) -> None:
        self.seen.add(result._host.get_name())

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self.seen.add(result._host.get_name())
        self.changed_items(result)
        rec = self.record(result._host.get_name())
        if rec.failed is None and not ignore_errors:
            rec.failed = error_of(result)  # the message; whether the host failed is the run's stats (rescue)

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self.seen.add(result._host.get_name())
        rec = self.record(result._host.get_name())
        if rec.unreachable is None:
            rec.unreachable = error_of(result)

    # ------------------------------------------------------------------ the report
    def v2_playbook_on_stats(self, stats: Any) -> None:
        # sent once per playbook of the command line; the report covers every playbook so far
        started = time.perf_counter()
        self.end_playbook()
        for name in set(getattr(stats, "processed", {})) | set(getattr(stats, "dark", {})):
            self.record(name)
        directory = self.get_option("report_dir")
        try:
            report = build_report(
                self.hosts, self.compiled, self.playbooks, bool(context.CLIARGS.get("check")), outcomes(stats)
            )
            write_report(directory, report)
        except Exception as err:  # pylint: disable=broad-exception-caught
            # an exception here would be a warning and the run's status Ansible's: the audit failed, say so
            self._display.error(f"pbr.linux.drift: no report written to {directory}: {err}")
            raise SystemExit(EXIT_NO_REPORT) from None
        summary = report["summary"]
        self.spent += time.perf_counter() - started
        self._display.display(
            f"pbr.linux.drift: {counts_text(summary)}; report in {os.path.join(directory, 'drift.json')} and drift.md "
            f"({self.spent * 1000:.0f} ms in the callback)"
        )
        last = len(self.playbooks) >= len(context.CLIARGS.get("args") or ())
        if self.get_option("fail") and last:
            for status in ("unreachable", "failed", "not_audited", "drift"):
                if summary[status]:
                    raise SystemExit(EXIT_STATUS[status])


def compile_query(query: str) -> Any:
    try:
        import jmespath  # type: ignore[import-untyped]  # (no stubs; only compile and search are used)
    except ImportError:
        raise AnsibleError(
            "pbr.linux.drift: query (PBR_DRIFT_QUERY) needs the Python library jmespath on the controller; "
            "pip install jmespath"
        ) from None
    try:
        return jmespath.compile(query)
    except jmespath.exceptions.JMESPathError as err:
        raise AnsibleError(
            f"pbr.linux.drift: query (PBR_DRIFT_QUERY): {query!r} is not valid; expected a JMESPath expression "
            f"over a host's list of objects, such as \"[?kind != 'saved']\" ({err})"
        ) from None


def play_hosts(play: Any) -> List[str]:
    """The inventory hosts a play targets (after --limit); [] where the API does not say."""
    try:
        inventory = play.get_variable_manager()._inventory
        # ignore_restrictions: during a ``serial`` batch the inventory is restricted to the batch (--limit still holds)
        hosts = inventory.get_hosts(play.hosts, ignore_restrictions=True, order=getattr(play, "order", None))
        return [h.get_name() for h in hosts]
    except Exception:  # pylint: disable=broad-exception-caught
        return []


def outcomes(stats: Any) -> Dict[str, str]:
    """Failed and unreachable hosts as the run counts them: a rescued failure or an ignored unreachable is neither."""
    out: Dict[str, str] = {}
    for name, count in (getattr(stats, "failures", None) or {}).items():
        if count:
            out[name] = "failed"
    for name, count in (getattr(stats, "dark", None) or {}).items():
        if count:
            out[name] = "unreachable"
    return out


def task_name(task: Any) -> str:
    return str(task.get_name()).strip()


def module_of(task: Any) -> str:
    return str(getattr(task, "resolved_action", None) or task.action)


def task_objects(task: str, module: str, res: Dict[str, Any]) -> Tuple[List[Dict[str, Any]], int]:
    """A changed task's drift objects: its ``changes`` (pbr.linux modules), else the task as one object."""
    kind = "saved" if module in SAVED_MODULES else ("running" if module.startswith(OUR_PREFIX) else "other")
    head = {"task": task, "module": module, "kind": kind}
    # ``changes`` as pbr.linux modules return it; another module's key of that name means something else
    changes = res.get("changes") if kind != "other" else None
    if isinstance(changes, list):
        entries = [dict(head, **c) for c in changes if isinstance(c, dict) and "object" in c and "change" in c]
        omitted = res.get("changes_omitted")
        omitted = omitted if isinstance(omitted, int) and not isinstance(omitted, bool) else 0
        if entries or omitted:
            return entries, omitted
        # changed, yet no object named: the task as one object, never silence
    obj: Dict[str, Any] = dict(head, change="different", object=task, where="")
    diff = res.get("diff")
    diffs = diff if isinstance(diff, list) else [diff] if isinstance(diff, dict) else []
    before = "".join(str(d.get("before", "")) for d in diffs if isinstance(d, dict))
    after = "".join(str(d.get("after", "")) for d in diffs if isinstance(d, dict))
    obj["before"], obj["after"] = before or None, after or None
    return [obj], 0


def error_of(result: Any) -> Dict[str, Any]:
    res = result._result
    msg = res.get("msg") or res.get("stderr") or res.get("reason") or "failed"
    return {"task": task_name(result._task), "module": module_of(result._task), "msg": str(msg).strip()}


def select(objects: List[Dict[str, Any]], compiled: Any) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """(drift, ignored): the objects the query returns count; the rest are ignored."""
    if compiled is None:
        return objects, []
    expected = "expected a list of the objects themselves, such as \"[?kind != 'saved']\""
    try:
        chosen = compiled.search(objects)
    except Exception as err:  # pylint: disable=broad-exception-caught
        raise AnsibleError(
            f"pbr.linux.drift: query (PBR_DRIFT_QUERY) {compiled.expression!r} failed on a host's objects: {err}; {expected}"
        ) from None
    ids = {id(o) for o in objects}
    if not isinstance(chosen, list) or not all(id(o) in ids for o in chosen):
        # a projection (``[].{o: object}``) or a count returns new values: they are not objects to report
        raise AnsibleError(
            f"pbr.linux.drift: query (PBR_DRIFT_QUERY) {compiled.expression!r} returned {chosen!r}; {expected}"
        )
    picked = {id(o) for o in chosen}
    return [o for o in objects if id(o) in picked], [o for o in objects if id(o) not in picked]


def build_report(
    hosts: Dict[str, HostRecord],
    compiled: Any,
    playbooks: List[str],
    check_mode: bool,
    outcome: Dict[str, str],
) -> Dict[str, Any]:
    """The report; ``outcome``: the failed and unreachable hosts as the run's stats count them (:func:`outcomes`)."""
    out: Dict[str, Any] = {}
    counts = dict.fromkeys(STATUSES, 0)
    total = 0
    for name in sorted(hosts):
        rec = hosts[name]
        drift, ignored = select(rec.objects, compiled)
        status = outcome.get(name, "")
        if not status:
            status = "drift" if drift or rec.omitted else "not_audited" if rec.not_audited else "in_sync"
        entry: Dict[str, Any] = {"status": status, "objects": drift}
        if ignored:
            entry["ignored"] = ignored
        if rec.omitted:
            entry["objects_omitted"] = rec.omitted
        error = rec.unreachable if status == "unreachable" else rec.failed if status == "failed" else None
        if error:
            entry["error"] = error
        if rec.not_audited:
            entry["not_audited_in"] = rec.not_audited
        out[name] = entry
        counts[status] += 1
        total += len(drift) + rec.omitted
    summary: Dict[str, Any] = {"hosts": len(out), **counts, "objects": total, "check_mode": check_mode}
    summary["playbooks"] = playbooks
    if compiled is not None:
        summary["query"] = compiled.expression
    return {"summary": summary, "hosts": out}


def counts_text(summary: Dict[str, Any]) -> str:
    """The hosts per status, as the run's last line and the report's first say it."""
    return (
        f"{summary['hosts']} hosts: {summary['in_sync']} in sync, {summary['drift']} drifted, {summary['failed']} failed, "
        f"{summary['unreachable']} unreachable, {summary['not_audited']} not audited"
    )


def cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(report: Dict[str, Any]) -> str:
    s = report["summary"]
    mode = "check mode" if s["check_mode"] else "NOT check mode: the objects are what the run changed"
    lines = [
        "# pbr.linux drift report",
        "",
        f"{counts_text(s)}; {s['objects']} objects drifted ({mode}; "
        f"playbooks: {', '.join(s['playbooks']) or '-'}" + (f"; query `{s['query']}`" if "query" in s else "") + ").",
        "",
        "| host | status | objects drifted |",
        "| --- | --- | --- |",
    ]
    for name, entry in report["hosts"].items():
        count = len(entry["objects"]) + entry.get("objects_omitted", 0)
        lines.append(f"| {cell(name)} | {entry['status']} | {count} |")
    for name, entry in report["hosts"].items():
        if entry["status"] == "in_sync":
            continue
        lines += ["", f"## {name}: {entry['status']}", ""]
        if "error" in entry:
            err = entry["error"]
            lines += [f"Task `{err['task']}` (`{err['module']}`): {err['msg']}", ""]
        if entry.get("not_audited_in"):
            lines += [f"Not audited by the play(s) {', '.join(entry['not_audited_in'])}: no task of them ran here.", ""]
        lines += review(entry["objects"])
        if entry.get("objects_omitted"):
            lines += [f"... and {entry['objects_omitted']} more operations the modules did not list.", ""]
        if entry.get("ignored"):
            lines += [f"{len(entry['ignored'])} objects left out by the query.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


KIND_WORDS = {"running": "running state", "saved": "saved boot state (pbr.linux.persist)", "other": "other module"}


def review(objects: List[Dict[str, Any]]) -> List[str]:
    """Objects as a change review: per task a diff, ``-`` what the host has, ``+`` what the policy wants."""
    lines: List[str] = []
    current: Any = None
    where: Any = None
    for obj in objects:
        head = (obj.get("task", ""), obj.get("module", ""), obj.get("kind", ""))
        if head != current:
            if current is not None:
                lines += ["```", ""]
            current, where = head, None
            lines += [
                f"### {head[0]} (`{head[1]}`, {KIND_WORDS.get(head[2], head[2])})",
                "",
                "```diff",
            ]
        text = str(obj.get("object", ""))
        if obj.get("where") and obj["where"] != where:
            where = obj["where"]
            lines.append(f"# {where}")
        change = obj.get("change")
        if change == "missing":
            lines += ["+" + line for line in text.splitlines()]
        elif change == "extra":
            lines += ["-" + line for line in text.splitlines()]
        else:
            if obj.get("before") is None and obj.get("after") is None:
                lines.append(f"! {text} (changed; run with --diff for the task's diff)")
            lines += ["-" + line for line in str(obj.get("before") or "").splitlines()]
            lines += ["+" + line for line in str(obj.get("after") or "").splitlines()]
    if current is not None:
        lines += ["```", ""]
    return lines


def write_report(directory: str, report: Dict[str, Any]) -> None:
    os.makedirs(directory, exist_ok=True)
    for name, text in (("drift.json", json.dumps(report, indent=2) + "\n"), ("drift.md", markdown(report))):
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, os.path.join(directory, name))
