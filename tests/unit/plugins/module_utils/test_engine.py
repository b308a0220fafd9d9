# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared pipeline: make_plan for every state, Op.inverse, show_text, apply_plan's undo, run.

Uses RuleKind where the rule semantics matter and a tiny FakeKind where a resource needs a
slot distinct from its key (two objects that cannot coexist: a replace).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Dict, Hashable, List, Optional, Sequence

import pytest

from ansible_collections.pbr.linux.plugins.module_utils._engine import (
    FileChange,
    Kind,
    Op,
    Plan,
    apply_plan,
    commands,
    make_plan,
    run,
    show_text,
)
from ansible_collections.pbr.linux.plugins.module_utils._host import BatchError, Host
from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import Rule, RuleKind, normalise
from ansible_collections.pbr.linux.plugins.module_utils._values import PBR_PROTO, PbrError


# ---------------------------------------------------------------------------- fakes
@dataclass(frozen=True)
class Thing:
    slot: str
    value: str = ""
    group: str = "g1"
    owner: str = "pbr"


class FakeKind(Kind[Thing, None]):
    """key = (slot, value); slot = slot: one value per slot, like a route's (table, prefix)."""

    noun = "thing"

    def key(self, obj: Thing) -> Hashable:
        return (obj.slot, obj.value)

    def slot(self, obj: Thing) -> Hashable:
        return obj.slot

    def group(self, obj: Thing) -> Hashable:
        return obj.group

    def owned(self, obj: Thing) -> bool:
        return obj.owner == "pbr"

    def sort_key(self, obj: Thing) -> Any:
        return (obj.group, obj.slot, obj.value, obj.owner)

    def argv(self, action: str, obj: Thing) -> List[str]:
        return ["thing", {"add": "add", "delete": "del", "replace": "replace"}[action], obj.slot, obj.value]

    def show(self, obj: Thing) -> str:
        return f"{obj.slot}={obj.value} [{obj.owner}]"

    def section(self, obj: Thing) -> str:
        return f"thing show {obj.group}"

    def to_config(self, obj: Thing) -> Dict[str, Any]:
        return {"slot": obj.slot, "value": obj.value}


class FakeHost:
    """Records run_batch calls; raises the queued errors, one per call."""

    namespace = None

    def __init__(self, errors: Sequence[Optional[BatchError]] = (), rules: Sequence[Rule] = ()) -> None:
        self.errors = list(errors)
        self.calls: List[Dict[str, Any]] = []
        self.rules = list(rules)
        self.closed = False

    def run_batch(self, cmds: Sequence[Sequence[str]], force: bool = False) -> None:
        self.calls.append({"cmds": [list(c) for c in cmds], "force": force})
        err = self.errors.pop(0) if self.errors else None
        if err is not None:
            raise err

    def close(self) -> None:
        self.closed = True


class StaticRuleKind(RuleKind):
    """RuleKind reading a FakeHost's list instead of the kernel."""

    def read(self, host: Host) -> List[Rule]:
        return list(host.rules)  # type: ignore[attr-defined]


def rule(prio: int, family: str = "ipv4", owner: int = PBR_PROTO, **fields: Any) -> Rule:
    fields.setdefault("table", 100)
    return replace(normalise(dict(priority=prio, family=family, **fields), "config[0]", None), protocol=owner)


FOREIGN = 0  # protocol of a rule added by hand (`ip rule add` without protocol)
K = RuleKind()
F = FakeKind()


def ops(plan: Plan[Any]) -> List[tuple]:
    return [(op.action, op.obj) + ((op.old,) if op.old is not None else ()) for op in plan.ops]


# ---------------------------------------------------------------------------- make_plan: merged
def test_merged_adds_only_what_is_missing() -> None:
    a, b = rule(100, fwmark=1), rule(101, fwmark=2)
    other = rule(500, fwmark=5)  # ours, not listed: merged leaves it alone
    plan = make_plan(K, [a, b], [a, other], "merged")
    assert ops(plan) == [("add", b)]
    assert plan.changed
    assert plan.after == [a, b, other]
    assert plan.warnings == []


def test_merged_nothing_to_do() -> None:
    a = rule(100, fwmark=1)
    plan = make_plan(K, [a], [a], "merged")
    assert plan.ops == [] and not plan.changed
    assert plan.after == [a]


@pytest.mark.parametrize("state", ["merged", "replaced", "overridden"])
def test_equivalent_foreign_rule_is_not_duplicated(state: str) -> None:
    mine = rule(1000, fwmark=1)
    by_hand = replace(mine, protocol=FOREIGN)
    plan = make_plan(K, [mine], [by_hand], state)
    assert plan.ops == []
    assert plan.after == [by_hand]


def test_duplicate_desired_entries_collapse() -> None:
    a = rule(100, fwmark=1)
    again = normalise({"priority": "0x64", "fwmark": "0x1/0xffffffff", "table": "100"}, "config[1]", None)
    assert again == a
    plan = make_plan(K, [a, again, a], [], "merged")
    assert ops(plan) == [("add", a)]


# ---------------------------------------------------------------------------- replaced / overridden
CURRENT = [
    rule(100, fwmark=1),  # ours, v4 prio 100
    rule(200, fwmark=2),  # ours, v4 prio 200
    rule(100, family="ipv6", fwmark=1),  # ours, v6 prio 100
    rule(100, fwmark=9, owner=FOREIGN),  # by hand, v4 prio 100
    rule(300, fwmark=3, owner=4),  # someone else's (proto static)
]


def test_replaced_is_scoped_by_family_and_priority() -> None:
    want = rule(100, fwmark=7)
    plan = make_plan(K, [want], CURRENT, "replaced")
    # add first, then remove ours at (ipv4, 100) only: not prio 200, not the IPv6 one, not foreign
    assert ops(plan) == [("add", want), ("delete", CURRENT[0])]
    assert plan.after == sorted([want] + CURRENT[1:], key=K.sort_key)


def test_replaced_keeps_what_is_already_right() -> None:
    plan = make_plan(K, [CURRENT[0]], CURRENT, "replaced")
    assert plan.ops == []


def test_overridden_removes_all_owned_not_desired_never_foreign() -> None:
    want = rule(100, fwmark=7)
    plan = make_plan(K, [want, CURRENT[1]], CURRENT, "overridden")
    assert ops(plan) == [("add", want), ("delete", CURRENT[0]), ("delete", CURRENT[2])]
    assert CURRENT[3] in plan.after and CURRENT[4] in plan.after


def test_overridden_with_nothing_desired_removes_all_owned() -> None:
    plan = make_plan(K, [], CURRENT, "overridden")
    assert ops(plan) == [("delete", CURRENT[0]), ("delete", CURRENT[1]), ("delete", CURRENT[2])]
    assert plan.after == sorted(CURRENT[3:], key=K.sort_key)


# ---------------------------------------------------------------------------- deleted
def test_deleted_with_config_removes_listed_owned_and_warns_about_foreign() -> None:
    foreign_twin = rule(100, fwmark=9)  # what the user lists; only a hand-made copy exists
    absent = rule(999, fwmark=9)
    plan = make_plan(K, [CURRENT[0], foreign_twin, absent], CURRENT, "deleted")
    assert ops(plan) == [("delete", CURRENT[0])]
    assert len(plan.warnings) == 1
    assert "priority 100 from all fwmark 0x9 lookup 100" in plan.warnings[0]
    assert "not owned by pbr.linux" in plan.warnings[0]
    assert plan.after == sorted(CURRENT[1:], key=K.sort_key)


def test_deleted_without_config_removes_all_owned() -> None:
    plan = make_plan(K, [], CURRENT, "deleted")
    assert ops(plan) == [("delete", CURRENT[0]), ("delete", CURRENT[1]), ("delete", CURRENT[2])]
    assert plan.warnings == []
    assert plan.after == sorted(CURRENT[3:], key=K.sort_key)


def test_deleted_when_owned_and_foreign_copies_both_exist() -> None:
    mine = rule(100, fwmark=9)
    current = [mine, replace(mine, protocol=FOREIGN)]
    plan = make_plan(K, [mine], current, "deleted")
    assert ops(plan) == [("delete", mine)]
    assert len(plan.warnings) == 1
    assert plan.after == [current[1]]


def test_unknown_state_is_refused() -> None:
    with pytest.raises(PbrError) as err:
        make_plan(K, [], [], "purged")
    assert err.value.field == "state"
    assert "'purged'" in err.value.msg


# ---------------------------------------------------------------------------- slots (FakeKind)
def test_two_desired_in_one_slot_is_an_error() -> None:
    with pytest.raises(PbrError) as err:
        make_plan(F, [Thing("a", "1"), Thing("a", "2")], [], "merged")
    assert err.value.field == "config"
    assert "'a=1 [pbr]' and 'a=2 [pbr]' are the same thing for the kernel" in err.value.msg
    assert err.value.value == {"slot": "a", "value": "2"}


@pytest.mark.parametrize("state", ["merged", "replaced", "overridden"])
def test_slot_of_owned_object_is_replaced(state: str) -> None:
    old, new = Thing("a", "1"), Thing("a", "2")
    plan = make_plan(F, [new], [old], state)
    assert ops(plan) == [("replace", new, old)]  # one replace, no extra delete of old
    assert plan.after == [new]


def test_slot_occupied_by_foreign_object_is_an_error() -> None:
    theirs = Thing("a", "1", owner="admin")
    with pytest.raises(PbrError) as err:
        make_plan(F, [Thing("a", "2")], [theirs], "merged")
    assert "'a=2 [pbr]' would replace 'a=1 [admin]', which pbr.linux does not own" in err.value.msg
    assert err.value.field == "config"


def test_replaced_and_overridden_with_fake_groups() -> None:
    current = [Thing("a", "1"), Thing("b", "1"), Thing("c", "1", group="g2"), Thing("d", "1", owner="admin")]
    want = Thing("e", "1")
    assert ops(make_plan(F, [want], current, "replaced")) == [
        ("add", want),
        ("delete", current[0]),
        ("delete", current[1]),
    ]
    assert ops(make_plan(F, [want], current, "overridden")) == [
        ("add", want),
        ("delete", current[0]),
        ("delete", current[1]),
        ("delete", current[2]),
    ]


def test_after_is_sorted_current_minus_removed_plus_added() -> None:
    current = [Thing("z", "1"), Thing("b", "1"), Thing("a", "1", group="g2")]
    plan = make_plan(F, [Thing("b", "2"), Thing("c", "1")], current, "replaced")
    assert plan.after == [Thing("b", "2"), Thing("c", "1"), Thing("a", "1", group="g2")]


# ---------------------------------------------------------------------------- Op.inverse
def test_op_inverse() -> None:
    a, b = Thing("a", "1"), Thing("a", "2")
    assert Op("add", a).inverse() == Op("delete", a)
    assert Op("delete", a).inverse() == Op("add", a)
    assert Op("replace", b, a).inverse() == Op("replace", a, b)
    assert Op("replace", b).inverse() == Op("delete", b)
    for op in (Op("add", a), Op("delete", a), Op("replace", b, a)):
        assert op.inverse().inverse() == op


# ---------------------------------------------------------------------------- text
def test_show_text_has_one_heading_per_section_in_order() -> None:
    text = show_text(K, [CURRENT[2], CURRENT[1], CURRENT[0]])
    assert text == (
        "# ip -4 rule show\n"
        "100:\tfrom all fwmark 0x1 lookup 100 proto pbr\n"
        "200:\tfrom all fwmark 0x2 lookup 100 proto pbr\n"
        "# ip -6 rule show\n"
        "100:\tfrom all fwmark 0x1 lookup 100 proto pbr\n"
    )
    assert show_text(K, []) == ""


def test_show_text_without_sections() -> None:
    class Plain(FakeKind):
        def section(self, obj: Thing) -> str:
            return ""

    assert show_text(Plain(), [Thing("b"), Thing("a", "x")]) == "a=x [pbr]\nb= [pbr]\n"


def test_commands_files_first_then_ip_lines() -> None:
    plan = make_plan(K, [rule(100, fwmark=1)], [rule(200, fwmark=2)], "overridden")
    plan.files = [FileChange("/etc/iproute2/rt_protos.d/pbr-linux.conf", "242\tpbr\n")]
    assert commands(K, plan) == [
        "# write /etc/iproute2/rt_protos.d/pbr-linux.conf",
        "ip -4 rule add priority 100 from all fwmark 0x1 lookup 100 protocol 242",
        "ip -4 rule del priority 200 from all fwmark 0x2 lookup 100 protocol 242",
    ]


# ---------------------------------------------------------------------------- apply_plan
def five_op_plan() -> Plan[Rule]:
    current = [rule(200, fwmark=2), rule(201, fwmark=3)]
    desired = [rule(100, fwmark=1), rule(101, fwmark=1), rule(102, fwmark=1)]
    plan = make_plan(K, desired, current, "overridden")
    assert [op.action for op in plan.ops] == ["add", "add", "add", "delete", "delete"]
    return plan


def test_apply_plan_runs_one_batch() -> None:
    plan = five_op_plan()
    host = FakeHost()
    apply_plan(K, plan, host)  # type: ignore[arg-type]
    assert host.calls == [{"cmds": [K.argv(op.action, op.obj) for op in plan.ops], "force": False}]


def test_apply_plan_writes_files_first_and_only_when_different(tmp_path: Any) -> None:
    path = tmp_path / "iproute2" / "rt_protos.d" / "pbr-linux.conf"
    plan = five_op_plan()
    plan.files = [FileChange(str(path), "242\tpbr\n")]
    apply_plan(K, plan, FakeHost())  # type: ignore[arg-type]
    assert path.read_text() == "242\tpbr\n"
    before = path.stat().st_ino
    apply_plan(K, plan, FakeHost())  # type: ignore[arg-type]
    assert path.stat().st_ino == before  # same content: not rewritten (atomic_write would swap the inode)


def test_apply_plan_undoes_the_done_ops_in_reverse_on_failure() -> None:
    plan = five_op_plan()
    refused = K.argv(plan.ops[2].action, plan.ops[2].obj)
    host = FakeHost([BatchError(2, " ".join(refused), "RTNETLINK answers: File exists")])
    with pytest.raises(PbrError) as err:
        apply_plan(K, plan, host)  # type: ignore[arg-type]
    assert len(host.calls) == 2
    undo = host.calls[1]
    assert undo["force"] is True
    assert undo["cmds"] == [
        K.argv("delete", plan.ops[1].obj),  # inverse of the 2nd add
        K.argv("delete", plan.ops[0].obj),  # inverse of the 1st add
    ]
    assert err.value.msg == (
        "the kernel refused `ip -4 rule add priority 102 from all fwmark 0x1 lookup 100 protocol 242`: "
        "RTNETLINK answers: File exists; the 2 operation(s) done before it were undone"
    )


def test_apply_plan_undo_of_deletes_adds_them_back() -> None:
    plan = five_op_plan()
    host = FakeHost([BatchError(4, None, "Error: boom")])
    with pytest.raises(PbrError, match="the 4 operation"):
        apply_plan(K, plan, host)  # type: ignore[arg-type]
    assert host.calls[1]["cmds"] == [
        K.argv("add", plan.ops[3].obj),
        K.argv("delete", plan.ops[2].obj),
        K.argv("delete", plan.ops[1].obj),
        K.argv("delete", plan.ops[0].obj),
    ]


def test_apply_plan_first_op_refused_needs_no_undo() -> None:
    plan = five_op_plan()
    host = FakeHost([BatchError(0, None, "Error: nope")])
    with pytest.raises(PbrError) as err:
        apply_plan(K, plan, host)  # type: ignore[arg-type]
    assert len(host.calls) == 1
    assert "priority 100" in err.value.msg and "undone" not in err.value.msg


def test_apply_plan_reports_a_failed_undo() -> None:
    plan = five_op_plan()
    host = FakeHost([BatchError(1, None, "Error: first"), BatchError(0, None, "Error: second")])
    with pytest.raises(PbrError) as err:
        apply_plan(K, plan, host)  # type: ignore[arg-type]
    assert "undoing the 1 earlier operation(s) also failed: Error: second" in err.value.msg


def test_apply_plan_replace_is_undone_by_the_reverse_replace() -> None:
    old, new = Thing("a", "1"), Thing("a", "2")
    plan = make_plan(F, [Thing("b", "1"), new], [old], "merged")
    host = FakeHost([BatchError(2, None, "Error: late")])
    with pytest.raises(PbrError):
        apply_plan(F, plan, host)  # type: ignore[arg-type]
    assert host.calls[1]["cmds"] == [["thing", "replace", "a", "1"], ["thing", "del", "b", "1"]]


# ---------------------------------------------------------------------------- run
def run_rules(state: str, config: Any, current: Sequence[Rule], check: bool = False, **kw: Any) -> Dict[str, Any]:
    host = FakeHost(rules=current)
    kw.setdefault("diff", True)
    result = run(
        StaticRuleKind(), state, config, check, host_factory=lambda: host, context_factory=lambda h: None, **kw
    )
    result["_host"] = host
    return result


def test_run_check_mode_reports_and_changes_nothing() -> None:
    result = run_rules("merged", [{"priority": 100, "fwmark": 1, "table": 100}], [], check=True)
    assert result["changed"] is True
    assert result["commands"] == ["ip -4 rule add priority 100 from all fwmark 0x1 lookup 100 protocol 242"]
    assert result["_host"].calls == []
    assert result["_host"].closed
    assert result["diff"] == {
        "before": "",
        "after": "# ip -4 rule show\n100:\tfrom all fwmark 0x1 lookup 100 proto pbr\n",
    }
    assert result["before"] == [] and result["after"][0]["owner"] == "pbr"


def test_run_apply_and_no_op() -> None:
    config = [{"priority": 100, "fwmark": 1, "table": 100}]
    result = run_rules("merged", config, [])
    assert len(result["_host"].calls) == 1
    again = run_rules("merged", config, [rule(100, fwmark=1)])
    assert again["changed"] is False and again["commands"] == [] and again["_host"].calls == []


def test_run_deleted_warns_about_foreign() -> None:
    result = run_rules("deleted", [{"priority": 100, "fwmark": 1, "table": 100}], [rule(100, fwmark=1, owner=FOREIGN)])
    assert result["changed"] is False
    assert "not owned by pbr.linux" in result["warnings"][0]


def test_run_offline_states_never_touch_the_host() -> None:
    def no_host() -> None:
        raise AssertionError("offline states must not open the host")

    kind = RuleKind()
    rendered = run(kind, "rendered", [{"fwmark": 1, "table": 100}], False, False, no_host, no_host)
    assert rendered == {"changed": False, "rendered": ["ip -4 rule add from all fwmark 0x1 lookup 100 protocol 242"]}
    parsed = run(kind, "parsed", None, False, False, no_host, no_host, running_config="5:\tfrom all lookup 100\n")
    assert parsed["parsed"] == [{"priority": 5, "action": "lookup", "table": 100}]
    with pytest.raises(PbrError, match="running_config: required"):
        run(kind, "parsed", None, False, False, no_host, no_host)


def test_run_gathered() -> None:
    result = run_rules("gathered", None, [CURRENT[3], CURRENT[0]])
    assert [g["owner"] for g in result["gathered"]] == ["pbr", "unspec"]
    assert "commands" not in result


def test_apply_plan_finds_the_done_ops_by_reading_when_ip_does_not_say() -> None:
    """ip exits on a line it cannot parse without `Command failed -:N`: the read decides."""
    plan = five_op_plan()
    ran = [plan.ops[0].obj, plan.ops[1].obj] + [op.obj for op in plan.ops[3:]]  # 2 adds ran; deletes not yet
    host = FakeHost([BatchError(0, None, 'Error: argument "x" is wrong', exact=False)], rules=ran)
    with pytest.raises(PbrError) as err:
        apply_plan(StaticRuleKind(), plan, host)  # type: ignore[arg-type]
    assert host.calls[1]["cmds"] == [K.argv("delete", plan.ops[1].obj), K.argv("delete", plan.ops[0].obj)]
    assert "refused `ip -4 rule add priority 102 " in err.value.msg
    assert "the 2 operation(s) done before it were undone" in err.value.msg


def test_apply_plan_inexact_counts_from_the_known_lower_bound() -> None:
    plan = five_op_plan()
    # all three adds and the first delete ran (the 4th op: its rule is gone); ip died on the 5th
    ran = [op.obj for op in plan.ops[:3]] + [plan.ops[4].obj]
    host = FakeHost([BatchError(3, None, "Error: parse", exact=False)], rules=ran)
    with pytest.raises(PbrError, match="the 4 operation"):
        apply_plan(StaticRuleKind(), plan, host)  # type: ignore[arg-type]
    assert host.calls[1]["cmds"][0] == K.argv("add", plan.ops[3].obj)


# ---------------------------------------------------------------------------- rule slots
def test_rules_differing_only_in_not_or_goto_target_share_a_kernel_slot() -> None:
    plain = rule(5, **{"from": "192.0.2.0/24"})
    inverted = replace(plain, invert=True)
    assert K.key(plain) != K.key(inverted) and K.slot(plain) == K.slot(inverted)
    go10, go20 = rule(6, action="goto", goto=10, table=None), rule(6, action="goto", goto=20, table=None)
    assert K.slot(go10) == K.slot(go20)
    assert K.slot(plain) != K.slot(replace(plain, protocol=FOREIGN))  # the kernel compares the protocol
    with pytest.raises(PbrError, match="are the same rule for the kernel"):
        make_plan(K, [plain, inverted], [], "merged")


@pytest.mark.parametrize("state", ["merged", "replaced", "overridden"])
def test_changing_not_or_goto_target_of_our_rule_is_delete_then_add(state: str) -> None:
    """ip rule has no replace, and the kernel refuses the new rule while the old one exists."""
    go10, go20 = rule(6, action="goto", goto=10, table=None), rule(6, action="goto", goto=20, table=None)
    plan = make_plan(K, [go20], [go10], state)
    assert ops(plan) == [("delete", go10), ("add", go20)]
    assert plan.after == [go20]
    plain = rule(5, **{"from": "192.0.2.0/24"})
    plan = make_plan(K, [replace(plain, invert=True)], [plain], state)
    assert ops(plan) == [("delete", plain), ("add", replace(plain, invert=True))]


def test_a_foreign_rule_differing_in_not_is_left_alone() -> None:
    theirs = rule(5, owner=FOREIGN, **{"from": "192.0.2.0/24"})
    mine = replace(theirs, invert=True, protocol=PBR_PROTO)
    plan = make_plan(K, [mine], [theirs], "replaced")
    assert ops(plan) == [("add", mine)]  # the kernel accepts it: another protocol


class ReadBackHost(FakeHost):
    """A host whose rules after the batch are what a test says the kernel holds then."""

    def __init__(self, before: Sequence[Rule], after: Sequence[Rule]) -> None:
        super().__init__(rules=before)
        self.after = list(after)

    def run_batch(self, cmds: Sequence[Sequence[str]], force: bool = False) -> None:
        super().run_batch(cmds, force)
        self.rules = self.after


def test_run_after_apply_reports_what_the_host_reads_back_not_the_prediction() -> None:
    """`after` (and diff after) is read from the host after apply; in check mode it is the prediction."""
    config = [{"priority": 100, "fwmark": 1, "table": 100}]
    other = rule(200, fwmark=2)  # appeared meanwhile (another tool): in the read-back, not in the plan
    host = ReadBackHost(before=[], after=[rule(100, fwmark=1), other])
    result = run(
        StaticRuleKind(), "merged", config, False, True, host_factory=lambda: host, context_factory=lambda h: None
    )
    assert [r["priority"] for r in result["after"]] == [100, 200]
    assert "200:\tfrom all fwmark 0x2 lookup 100 proto pbr" in result["diff"]["after"]
    check = run_rules("merged", config, [], check=True)
    assert [r["priority"] for r in check["after"]] == [100]


# ---------------------------------------------------------------------------- changes (the audit's objects)
def test_changes_name_each_object_missing_extra_or_different() -> None:
    kind = FakeKind()
    current = [Thing("a", "1"), Thing("b", "2"), Thing("f", "9", owner="other")]
    plan = make_plan(kind, [Thing("a", "5"), Thing("c", "3")], current, "overridden")
    from ansible_collections.pbr.linux.plugins.module_utils._engine import plan_changes

    got = plan_changes(kind, plan)
    assert {
        "change": "different",
        "object": "a=5 [pbr]",
        "where": "thing show g1",
        "before": "a=1 [pbr]",
        "after": "a=5 [pbr]",
    } in got
    assert {"change": "missing", "object": "c=3 [pbr]", "where": "thing show g1"} in got
    assert {"change": "extra", "object": "b=2 [pbr]", "where": "thing show g1"} in got
    assert len(got) == 3  # the foreign f=9 is not ours: never a change


def test_changes_pair_delete_and_add_in_one_slot_as_different() -> None:
    # ip rule has no replace: a changed rule in its priority slot is delete + add, reported as one difference
    result = run_rules("replaced", [{"priority": 100, "fwmark": 2, "table": 100}], [rule(100, fwmark=1)], check=True)
    assert result["changes"] == [
        {
            "change": "different",
            "object": "100:\tfrom all fwmark 0x2 lookup 100 proto pbr",
            "where": "ip -4 rule show",
            "before": "100:\tfrom all fwmark 0x1 lookup 100 proto pbr",
            "after": "100:\tfrom all fwmark 0x2 lookup 100 proto pbr",
        }
    ]
    again = run_rules("merged", [{"priority": 100, "fwmark": 1, "table": 100}], [rule(100, fwmark=1)], check=True)
    assert again["changes"] == [] and "changes_omitted" not in again


def test_changes_are_capped_and_the_rest_counted() -> None:
    from ansible_collections.pbr.linux.plugins.module_utils import _engine as engine

    kind = FakeKind()
    want = [Thing(f"s{n}", "v") for n in range(engine.CHANGES_MAX + 5)]
    plan = make_plan(kind, want, [], "merged")
    assert len(engine.plan_changes(kind, plan)) == engine.CHANGES_MAX


def test_line_changes_compare_keys_and_report_order_as_one_difference() -> None:
    from ansible_collections.pbr.linux.plugins.module_utils._engine import line_changes

    old = [("k1", "rule one"), ("k2", "rule two")]
    assert line_changes(old, [("k1", "rule 1 worded otherwise"), ("k2", "rule two")], "chain x") == []
    assert line_changes(old, [("k2", "rule two"), ("k1", "rule one")], "chain x") == [
        {
            "change": "different",
            "object": "chain x",
            "where": "chain x",
            "before": "rule one\nrule two",
            "after": "rule two\nrule one",
        }
    ]
    assert line_changes(old, [("k1", "rule one"), ("k3", "rule three")], "c") == [
        {"change": "missing", "object": "rule three", "where": "c"},
        {"change": "extra", "object": "rule two", "where": "c"},
    ]
