# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift callback offline: objects from task results, statuses, the query, the report files, the exit status."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict

import pytest

from ansible_collections.pbr.linux.plugins.callback import drift

RULE = {
    "change": "missing",
    "object": "1000:\tfrom all fwmark 0x1/0xff lookup isp1 proto pbr",
    "where": "ip -4 rule show",
}
SAVED = {
    "change": "extra",
    "object": "rule add priority 1000 from all fwmark 0x1/0xff lookup 101 protocol 242",
    "where": "/etc/pbr-linux/rules-4.batch",
}


def result(host: str, module: str, res: Dict[str, Any], name: str = "a task", loop: Any = None) -> Any:
    task = SimpleNamespace(get_name=lambda: name, resolved_action=module, action=module.split(".")[-1], loop=loop)
    return SimpleNamespace(_host=SimpleNamespace(get_name=lambda: host), _task=task, _result=res)


class Display:
    def __init__(self) -> None:
        self.lines: list = []

    def display(self, msg: str) -> None:
        self.lines.append(msg)

    def error(self, msg: str) -> None:
        self.lines.append("ERROR " + msg)


def callback(tmp_path: Path, **options: Any) -> drift.CallbackModule:
    cb = drift.CallbackModule()
    cb._display = Display()
    opts = {"report_dir": str(tmp_path), "fail": False, "query": None, **options}
    cb.get_option = opts.get  # type: ignore[method-assign]
    if opts["query"]:
        cb.compiled = drift.compile_query(opts["query"])
    return cb


def run(
    cb: drift.CallbackModule,
    monkeypatch: pytest.MonkeyPatch,
    hosts: Any = ("a", "b"),
    failures: Any = None,
    dark: Any = (),
    playbooks: Any = (),
) -> Dict[str, Any]:
    """End the playbook with stats counting ``failures`` (default: the hosts with a failed event) and ``dark``."""
    monkeypatch.setattr(drift.context, "CLIARGS", {"check": True, "args": list(playbooks)})
    if failures is None:
        failures = [h for h, rec in cb.hosts.items() if rec.failed]
    stats = SimpleNamespace(
        processed=dict.fromkeys(hosts, 1), dark=dict.fromkeys(dark, 1), failures=dict.fromkeys(failures, 1)
    )
    cb.v2_playbook_on_stats(stats)
    return json.loads(Path(cb.get_option("report_dir"), "drift.json").read_text())


def test_changed_tasks_give_their_objects_by_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cb = callback(tmp_path)
    cb.v2_runner_on_ok(result("a", "pbr.linux.ip_rule", {"changed": True, "changes": [RULE]}))
    cb.v2_runner_on_ok(result("a", "pbr.linux.persist", {"changed": True, "changes": [SAVED]}))
    cb.v2_runner_on_ok(result("a", "pbr.linux.ip_rule", {"changed": False, "changes": []}))
    cb.v2_runner_on_ok(result("b", "pbr.linux.ip_rule", {"changed": False, "changes": []}))
    report = run(cb, monkeypatch)
    assert report["summary"] == {
        "hosts": 2,
        "in_sync": 1,
        "drift": 1,
        "failed": 0,
        "unreachable": 0,
        "not_audited": 0,
        "objects": 2,
        "check_mode": True,
        "playbooks": [],
    }
    a = report["hosts"]["a"]
    assert a["status"] == "drift"
    assert [(o["module"], o["kind"], o["change"]) for o in a["objects"]] == [
        ("pbr.linux.ip_rule", "running", "missing"),
        ("pbr.linux.persist", "saved", "extra"),
    ]
    assert report["hosts"]["b"] == {"status": "in_sync", "objects": []}


def test_other_modules_and_loops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cb = callback(tmp_path)
    diff = {"before": "x = 1\n", "after": "x = 2\n"}
    cb.v2_runner_on_ok(result("a", "ansible.builtin.copy", {"changed": True, "diff": diff}, name="config file"))
    items = {
        "changed": True,
        "results": [{"changed": False}, {"changed": True, "changes": [RULE]}, {"skipped": True, "changed": True}],
    }
    cb.v2_runner_on_ok(result("b", "pbr.linux.ip_rule", items, loop=["x", "y", "z"]))
    report = run(cb, monkeypatch)
    (other,) = report["hosts"]["a"]["objects"]
    assert other == {
        "task": "config file",
        "module": "ansible.builtin.copy",
        "kind": "other",
        "change": "different",
        "object": "config file",
        "where": "",
        "before": "x = 1\n",
        "after": "x = 2\n",
    }
    assert [o["object"] for o in report["hosts"]["b"]["objects"]] == [RULE["object"]]
    md = (tmp_path / "drift.md").read_text()
    assert "| a | drift | 1 |" in md and "-x = 1\n+x = 2" in md
    assert "# ip -4 rule show\n+1000:\tfrom all fwmark 0x1/0xff lookup isp1 proto pbr" in md


def test_failed_and_unreachable_win_over_drift(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cb = callback(tmp_path)
    cb.v2_runner_on_ok(result("a", "pbr.linux.ip_rule", {"changed": True, "changes": [RULE]}))
    cb.v2_runner_on_failed(result("a", "pbr.linux.src_valid_mark", {"msg": "interfaces[1]: 'up2' does not exist"}))
    cb.v2_runner_on_failed(result("b", "pbr.linux.ip_rule", {"msg": "ignored"}), ignore_errors=True)
    cb.v2_runner_on_unreachable(result("c", "pbr.linux.ip_rule", {"msg": "No route to host"}))
    report = run(cb, monkeypatch, hosts=("a", "b", "c"), dark=["c"])
    hosts = report["hosts"]
    assert [hosts[h]["status"] for h in "abc"] == ["failed", "in_sync", "unreachable"]
    assert hosts["a"]["error"] == {
        "task": "a task",
        "module": "pbr.linux.src_valid_mark",
        "msg": "interfaces[1]: 'up2' does not exist",
    }
    assert len(hosts["a"]["objects"]) == 1  # what was found before it failed stays
    assert "## a: failed" in (tmp_path / "drift.md").read_text()


@pytest.mark.parametrize(
    ("events", "status"),
    [((), None), (("drift",), 3), (("drift", "failed"), 2), (("failed", "unreachable"), 4)],
)
def test_fail_option_sets_the_exit_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, events: Any, status: Any
) -> None:
    for fail in (False, True):
        cb = callback(tmp_path, fail=fail)
        if "drift" in events:
            cb.v2_runner_on_ok(result("a", "pbr.linux.ip_rule", {"changed": True, "changes": [RULE]}))
        if "failed" in events:
            cb.v2_runner_on_failed(result("b", "pbr.linux.ip_rule", {"msg": "x"}))
        if "unreachable" in events:
            cb.v2_runner_on_unreachable(result("c", "pbr.linux.ip_rule", {"msg": "x"}))
        dark = ["c"] if "unreachable" in events else []
        if fail and status is not None:
            with pytest.raises(SystemExit) as exited:
                run(cb, monkeypatch, dark=dark)
            assert exited.value.code == status
        else:
            run(cb, monkeypatch, dark=dark)
        assert (tmp_path / "drift.json").exists()  # written before the exit


def test_query_selects_the_objects_that_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cb = callback(tmp_path, query="[?kind != 'saved']")
    cb.v2_runner_on_ok(result("a", "pbr.linux.persist", {"changed": True, "changes": [SAVED]}))
    cb.v2_runner_on_ok(result("b", "pbr.linux.ip_rule", {"changed": True, "changes": [RULE]}))
    report = run(cb, monkeypatch)
    assert report["hosts"]["a"]["status"] == "in_sync" and report["hosts"]["a"]["ignored"][0]["change"] == "extra"
    assert report["hosts"]["b"]["status"] == "drift"
    assert report["summary"]["query"] == "[?kind != 'saved']" and report["summary"]["objects"] == 1


def test_bad_queries_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(drift.AnsibleError, match=r"'\[\?kind' is not valid; expected a JMESPath expression"):
        drift.compile_query("[?kind")
    cb = callback(tmp_path, query="length(@)")
    cb.v2_runner_on_ok(result("a", "pbr.linux.ip_rule", {"changed": True, "changes": [RULE]}))
    with pytest.raises(SystemExit) as exited:
        run(cb, monkeypatch)
    assert exited.value.code == drift.EXIT_NO_REPORT
    assert "returned 1; expected a list of the objects" in cb._display.lines[-1]
    assert not (tmp_path / "drift.json").exists()


def test_summary_mode_results_and_omitted_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cb = callback(tmp_path)
    cb.v2_runner_on_ok(
        result("a", "pbr.linux.ip_route_table", {"changed": True, "changes": [RULE] * 3, "changes_omitted": 7})
    )
    cb.v2_runner_on_ok(result("b", "pbr.linux.ip_route_table", {"changed": True, "summary": {"add": 5}}))
    report = run(cb, monkeypatch)
    assert report["hosts"]["a"]["objects_omitted"] == 7 and report["summary"]["objects"] == 3 + 7 + 1
    assert report["hosts"]["b"]["status"] == "drift"  # report=summary: no objects, still drift


def test_a_modules_own_results_and_changes_keys_are_not_ours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cb = callback(tmp_path)
    # dnf returns results (strings) without a loop; docker_swarm_service a changes list of its own
    cb.v2_runner_on_ok(result("a", "ansible.builtin.dnf", {"changed": True, "results": ["Installed: foo"]}, name="pkg"))
    cb.v2_runner_on_ok(result("b", "community.docker.docker_swarm_service", {"changed": True, "changes": ["image"]}))
    # a pbr.linux task that changed but named nothing (a saved file differing in line endings only) is drift too
    cb.v2_runner_on_ok(result("c", "pbr.linux.persist", {"changed": True, "changes": []}, name="save"))
    report = run(cb, monkeypatch, hosts=("a", "b", "c"))
    assert [o["object"] for o in report["hosts"]["a"]["objects"]] == ["pkg"]
    assert report["hosts"]["b"]["status"] == "drift"
    assert [(o["kind"], o["object"]) for o in report["hosts"]["c"]["objects"]] == [("saved", "save")]


def test_status_comes_from_the_runs_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a failure a block rescued, and an unreachable host under ignore_unreachable, are not counted by the run
    cb = callback(tmp_path, fail=True)
    cb.v2_runner_on_failed(
        result("a", "pbr.linux.ip_rule", {"msg": "rescued later", "changed": True, "changes": [RULE]})
    )
    cb.v2_runner_on_unreachable(result("b", "pbr.linux.ip_rule", {"msg": "ignored"}))
    with pytest.raises(SystemExit) as exited:
        report = run(cb, monkeypatch, failures=[], dark=[])
    assert exited.value.code == 3  # the drift found before the rescued failure
    report = json.loads((tmp_path / "drift.json").read_text())
    assert report["hosts"]["a"]["status"] == "drift" and "error" not in report["hosts"]["a"]
    assert report["hosts"]["b"]["status"] == "in_sync"


def test_hosts_a_play_never_reached_are_not_audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inventory = SimpleNamespace(
        get_hosts=lambda pattern, ignore_restrictions, order=None: [
            SimpleNamespace(get_name=lambda n=n: n) for n in "abc"
        ]
    )
    play = SimpleNamespace(
        get_name=lambda: "site", hosts="all", get_variable_manager=lambda: SimpleNamespace(_inventory=inventory)
    )
    empty = SimpleNamespace(
        get_name=lambda: "empty", hosts="all", get_variable_manager=lambda: SimpleNamespace(_inventory=inventory)
    )
    cb = callback(tmp_path, fail=True)
    cb.v2_playbook_on_play_start(play)
    cb.v2_runner_on_ok(result("a", "pbr.linux.ip_rule", {"changed": False}))
    cb.v2_playbook_on_play_start(play)  # serial: the second batch of the same play
    cb.v2_runner_on_skipped(result("b", "pbr.linux.ip_rule", {}))
    cb.v2_playbook_on_play_start(empty)  # a play without tasks: nobody is reported for it
    with pytest.raises(SystemExit) as exited:
        run(cb, monkeypatch, hosts=("a", "b"))
    assert exited.value.code == 2
    hosts = json.loads((tmp_path / "drift.json").read_text())["hosts"]
    assert [hosts[h]["status"] for h in "abc"] == ["in_sync", "in_sync", "not_audited"]
    assert hosts["c"]["not_audited_in"] == ["site"]


def test_several_playbooks_exit_after_the_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cb = callback(tmp_path, fail=True)
    cb.v2_playbook_on_start(SimpleNamespace(_file_name="one.yml"))
    cb.v2_runner_on_ok(result("a", "pbr.linux.ip_rule", {"changed": True, "changes": [RULE]}))
    run(cb, monkeypatch, playbooks=("one.yml", "two.yml"))  # no exit yet: two.yml is to run
    cb.v2_playbook_on_start(SimpleNamespace(_file_name="two.yml"))
    cb.v2_runner_on_ok(result("b", "pbr.linux.ip_rule", {"changed": True, "changes": [RULE]}))
    with pytest.raises(SystemExit):
        run(cb, monkeypatch, playbooks=("one.yml", "two.yml"))
    summary = json.loads((tmp_path / "drift.json").read_text())["summary"]
    assert summary["drift"] == 2 and summary["playbooks"] == ["one.yml", "two.yml"]


@pytest.mark.parametrize("query", ["[?contains(before, 'x')]", "[?kind == 'running'].{object: object}"])
def test_queries_failing_on_the_objects_end_the_run_without_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    cb = callback(tmp_path, query=query)
    cb.v2_runner_on_ok(result("a", "pbr.linux.ip_rule", {"changed": True, "changes": [RULE]}))
    with pytest.raises(SystemExit) as exited:
        run(cb, monkeypatch)
    assert exited.value.code == drift.EXIT_NO_REPORT and not (tmp_path / "drift.json").exists()
    assert "expected a list of the objects themselves" in cb._display.lines[-1]
