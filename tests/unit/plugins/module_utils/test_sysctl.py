# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""src_valid_mark / rp_filter sysctls: key notation, our sysctl.d file, planning, /proc/sys access.

Planning and apply run the real engine against a fake /proc/sys tree in a temp dir; the
namespace tests (root only) check that reads and writes land in the namespace, not the host.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.pbr.linux.plugins.module_utils import _engine as engine
from ansible_collections.pbr.linux.plugins.module_utils._host import Host
from ansible_collections.pbr.linux.plugins.module_utils._src_valid_mark import (
    Snapshot,
    Sysctl,
    SysctlKind,
    current_objects,
    desired_objects,
    effective,
    new_file,
)
from ansible_collections.pbr.linux.plugins.module_utils._src_valid_mark_config import Request, parse_request
from ansible_collections.pbr.linux.plugins.module_utils._src_valid_mark_kernel import ProcSys
from ansible_collections.pbr.linux.plugins.module_utils._src_valid_mark_notation import (
    FILE,
    RUNNING,
    SETTINGS,
    Entry,
    SysctlFile,
    key_to_path,
    parse_file,
    parse_key,
    persist_path,
    proc_path,
    render_file,
    sysctl_key,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="kernel-backed: needs root to create a namespace")


# ---------------------------------------------------------------------------- key notation
@pytest.mark.parametrize(
    ("interface", "key"),
    [
        ("eth1", "net.ipv4.conf.eth1.src_valid_mark"),
        ("eth1.100", "net.ipv4.conf.eth1/100.src_valid_mark"),
        ("a.b.c", "net.ipv4.conf.a/b/c.src_valid_mark"),
        ("all", "net.ipv4.conf.all.src_valid_mark"),
        ("br-lan_0", "net.ipv4.conf.br-lan_0.src_valid_mark"),
    ],
)
def test_sysctl_key_writes_the_dots_of_an_interface_name_as_slashes(interface: str, key: str) -> None:
    assert sysctl_key(interface, "src_valid_mark") == key
    assert parse_key(key) == (interface, "src_valid_mark")
    assert key_to_path(key) == f"net/ipv4/conf/{interface}/src_valid_mark"


def test_proc_path_keeps_the_dot() -> None:
    assert proc_path("eth1.100", "rp_filter") == "/proc/sys/net/ipv4/conf/eth1.100/rp_filter"


@pytest.mark.parametrize(
    ("key", "slot"),
    [
        ("net/ipv4/conf/eth1.100/rp_filter", ("eth1.100", "rp_filter")),  # slash notation: no swap
        ("  net.ipv4.conf.eth0.rp_filter ", ("eth0", "rp_filter")),
        ("net.ipv4.conf.eth0.arp_filter", None),  # not a setting we manage
        ("net.ipv4.ip_forward", None),
        ("net.ipv6.conf.eth0.rp_filter", None),
        ("net.ipv4.conf.eth0.100.rp_filter", None),  # a dot where a slash belongs: a different key
    ],
)
def test_parse_key(key: str, slot: Optional[tuple]) -> None:
    assert parse_key(key) == slot


def test_persist_path_never_uses_the_root_sysctl_d_for_a_namespace() -> None:
    assert persist_path(None) == "/etc/sysctl.d/60-pbr-linux.conf"
    assert persist_path("ns1") == "/etc/netns/ns1/sysctl.d/60-pbr-linux.conf"


# ---------------------------------------------------------------------------- our file
def test_parse_file_reads_entries_previous_records_and_keeps_foreign_lines() -> None:
    text = (
        "# some header\n"
        "; another comment\n"
        "net.ipv4.conf.eth1/100.src_valid_mark = 1\n"
        "# pbr.linux previous: net.ipv4.conf.eth1/100.src_valid_mark = 0\n"
        "net/ipv4/conf/eth2/rp_filter=2\n"
        "net.ipv4.ip_forward = 1\n"
        "net.ipv4.conf.eth2.rp_filter = 1\n"  # a later line for the same key wins
        "net.ipv4.conf.eth3.rp_filter = strict\n"  # not a number: not an entry of ours
        "\n"
    )
    parsed = parse_file(text)
    assert parsed.entries == {
        ("eth1.100", "src_valid_mark"): Entry(1, 0),
        ("eth2", "rp_filter"): Entry(1, None),
    }
    assert parsed.other == ["net.ipv4.ip_forward = 1", "net.ipv4.conf.eth3.rp_filter = strict"]


def test_render_file_lines() -> None:
    data = SysctlFile(
        {
            ("eth9", "rp_filter"): Entry(1),
            ("eth1.100", "src_valid_mark"): Entry(1, 0),
            ("all", "rp_filter"): Entry(2, 1),
        }
    )
    text = render_file(data, "/etc/sysctl.d/60-pbr-linux.conf")
    body = [line for line in text.splitlines() if not line.startswith("# ") or "previous" in line]
    assert body[-5:] == [
        "net.ipv4.conf.all.rp_filter = 2",
        "# pbr.linux previous: net.ipv4.conf.all.rp_filter = 1",
        "net.ipv4.conf.eth1/100.src_valid_mark = 1",
        "# pbr.linux previous: net.ipv4.conf.eth1/100.src_valid_mark = 0",
        "net.ipv4.conf.eth9.rp_filter = 1",
    ]
    assert "sysctl -e -p /etc/sysctl.d/60-pbr-linux.conf" in text
    netns = render_file(data, "/etc/netns/ns1/sysctl.d/60-pbr-linux.conf", "ns1")
    assert "ip netns exec ns1 sysctl -e -p /etc/sysctl.d/60-pbr-linux.conf" in netns


IFNAME = st.one_of(
    st.sampled_from(["all", "default", "lo", "eth1.100", "a.b"]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=15).filter(
        lambda s: s not in (".", "..")
    ),
)
ENTRIES = st.dictionaries(
    st.tuples(IFNAME, st.sampled_from(SETTINGS)),
    st.builds(Entry, st.integers(0, 2), st.one_of(st.none(), st.integers(0, 2))),
    max_size=12,
)
OTHER = st.lists(
    st.sampled_from(["net.ipv4.ip_forward = 1", "kernel.sysrq=0", "net.core.somaxconn = 4096"]), max_size=3, unique=True
)


@given(ENTRIES, OTHER, st.one_of(st.none(), st.just("ns1")))
def test_file_round_trip(entries: Dict[Any, Entry], other: List[str], namespace: Optional[str]) -> None:
    data = SysctlFile(entries, other)
    text = render_file(data, persist_path(namespace), namespace)
    again = parse_file(text)
    assert again == data
    assert render_file(again, persist_path(namespace), namespace) == text


# ---------------------------------------------------------------------------- parameters
@pytest.mark.parametrize(
    ("params", "field", "value"),
    [
        ({"interfaces": ["eth1"], "rp_filter": "medium"}, "rp_filter", "medium"),
        ({"interfaces": ["eth1"], "rp_filter": True}, "rp_filter", True),
        ({"interfaces": ["eth1"], "rp_filter": 3}, "rp_filter", 3),
        ({"interfaces": []}, "interfaces", []),
        ({"interfaces": None}, "interfaces", None),
        ({"interfaces": ["eth1", "averyveryverylongname0"]}, "interfaces[1]", "averyveryverylongname0"),
        ({"interfaces": ["eth/1"]}, "interfaces[0]", "eth/1"),
        ({"interfaces": ["eth:1"]}, "interfaces[0]", "eth:1"),
        ({"interfaces": ["eth 1"]}, "interfaces[0]", "eth 1"),
        ({"interfaces": [".."]}, "interfaces[0]", ".."),
        ({"interfaces": [""]}, "interfaces[0]", ""),
        ({"interfaces": ["eth1"], "src_valid_mark": "maybe"}, "src_valid_mark", "maybe"),
        ({"interfaces": ["eth1"], "persist": "often"}, "persist", "often"),
        ({"interfaces": ["eth1"], "state": "gone"}, "state", "gone"),
    ],
)
def test_parse_request_refuses_bad_input_naming_field_and_value(params: Dict[str, Any], field: str, value: Any) -> None:
    with pytest.raises(PbrError) as err:
        parse_request(params)
    assert err.value.field == field
    assert err.value.value == value
    assert field.split("[")[0] in err.value.msg and repr(value) in err.value.msg


@pytest.mark.parametrize(("raw", "value"), [("off", 0), (False, 0), ("strict", 1), ("LOOSE", 2), (2, 2), ("1", 1)])
def test_parse_request_rp_filter_values(raw: Any, value: int) -> None:
    request = parse_request({"interfaces": ["eth1", "eth1"], "rp_filter": raw})
    assert request.interfaces == ("eth1",)
    assert request.settings == (("src_valid_mark", 1), ("rp_filter", value))


def test_parse_request_defaults() -> None:
    request = parse_request({"interfaces": "eth1"})
    assert request == Request(("eth1",), (("src_valid_mark", 1),), "present", True)
    assert request.scope() == ("src_valid_mark",)
    assert parse_request({"interfaces": ["eth1"], "state": "absent"}).scope() == SETTINGS


# ---------------------------------------------------------------------------- planning
def snap(
    running: Dict[Any, int], entries: Optional[Dict[Any, Entry]] = None, existing: Optional[List[str]] = None
) -> Snapshot:
    names = existing if existing is not None else sorted({slot[0] for slot in running})
    full = {("all", s): 0 for s in SETTINGS}
    full.update({("default", s): 0 for s in SETTINGS})
    full.update(running)
    return Snapshot(
        ["all", "default", *names], full, "/etc/sysctl.d/60-pbr-linux.conf", SysctlFile(dict(entries or {}))
    )


def plan_for(request: Request, state: Snapshot) -> engine.Plan[Sysctl]:
    kind = SysctlKind(request)
    return engine.make_plan(kind, desired_objects(request, state), current_objects(request, state), "overridden")


def cmds(request: Request, state: Snapshot) -> List[str]:
    return SysctlKind(request).plan_commands(plan_for(request, state))


def test_plan_present_sets_running_and_file_then_nothing() -> None:
    request = parse_request({"interfaces": ["eth1.100", "eth9"], "rp_filter": "strict"})
    before = snap({("eth1.100", "src_valid_mark"): 0, ("eth1.100", "rp_filter"): 0})
    assert cmds(request, before) == [
        "sysctl -w net.ipv4.conf.eth1/100.src_valid_mark=1",
        "sysctl -w net.ipv4.conf.eth1/100.rp_filter=1",
        "# write /etc/sysctl.d/60-pbr-linux.conf: net.ipv4.conf.eth1/100.src_valid_mark = 1",
        "# write /etc/sysctl.d/60-pbr-linux.conf: net.ipv4.conf.eth1/100.rp_filter = 1",
        "# write /etc/sysctl.d/60-pbr-linux.conf: net.ipv4.conf.eth9.src_valid_mark = 1",
        "# write /etc/sysctl.d/60-pbr-linux.conf: net.ipv4.conf.eth9.rp_filter = 1",
    ]
    plan = plan_for(request, before)
    scope = [(i, s) for i in request.interfaces for s in request.scope()]
    written = new_file(before, plan.after, scope)
    # the values they replaced are recorded; eth9 did not exist, so nothing is known for it
    assert written.entries == {
        ("eth1.100", "src_valid_mark"): Entry(1, 0),
        ("eth1.100", "rp_filter"): Entry(1, 0),
        ("eth9", "src_valid_mark"): Entry(1, None),
        ("eth9", "rp_filter"): Entry(1, None),
    }
    after = snap({("eth1.100", "src_valid_mark"): 1, ("eth1.100", "rp_filter"): 1}, written.entries)
    assert cmds(request, after) == []


def test_plan_present_without_persist_leaves_the_file_alone() -> None:
    request = parse_request({"interfaces": ["eth1"], "persist": False})
    state = snap({("eth1", "src_valid_mark"): 0}, {("eth1", "src_valid_mark"): Entry(0, 0)})
    assert cmds(request, state) == ["sysctl -w net.ipv4.conf.eth1.src_valid_mark=1"]


def test_plan_present_replaces_a_persisted_value_and_keeps_what_it_replaced_first() -> None:
    request = parse_request({"interfaces": ["eth1"], "rp_filter": "loose"})
    state = snap(
        {("eth1", "src_valid_mark"): 1, ("eth1", "rp_filter"): 1},
        {("eth1", "src_valid_mark"): Entry(1, 0), ("eth1", "rp_filter"): Entry(1, 0)},
    )
    plan = plan_for(request, state)
    assert [(op.action, op.obj.store, op.obj.setting) for op in plan.ops] == [
        ("replace", RUNNING, "rp_filter"),
        ("replace", FILE, "rp_filter"),
    ]
    written = new_file(state, plan.after, [("eth1", s) for s in request.scope()])
    assert written.entries[("eth1", "rp_filter")] == Entry(2, 0)


def test_plan_keeps_file_entries_outside_the_scope() -> None:
    request = parse_request({"interfaces": ["eth1"]})
    entries = {("eth2", "src_valid_mark"): Entry(1, 0), ("eth1", "rp_filter"): Entry(1, 0)}
    state = snap({("eth1", "src_valid_mark"): 0, ("eth1", "rp_filter"): 1}, entries)
    plan = plan_for(request, state)
    written = new_file(state, plan.after, [("eth1", "src_valid_mark")])
    assert written.entries == {**entries, ("eth1", "src_valid_mark"): Entry(1, 0)}


def test_plan_absent_restores_only_what_we_set() -> None:
    request = parse_request({"interfaces": ["eth1", "eth2", "eth3", "eth9"], "state": "absent"})
    entries = {
        ("eth1", "src_valid_mark"): Entry(1, 0),  # still ours -> back to 0
        ("eth1", "rp_filter"): Entry(1, 2),  # still ours -> back to 2 (loose)
        ("eth2", "rp_filter"): Entry(1, 0),  # changed by someone since (to loose) -> left alone
        ("eth3", "rp_filter"): Entry(1, None),  # was pending when persisted -> default's value
        ("eth9", "src_valid_mark"): Entry(1, None),  # still pending -> file only
    }
    state = snap(
        {
            ("eth1", "src_valid_mark"): 1,
            ("eth1", "rp_filter"): 1,
            ("eth2", "src_valid_mark"): 0,
            ("eth3", "rp_filter"): 1,
            ("default", "rp_filter"): 2,
            ("eth2", "rp_filter"): 2,
            ("eth3", "src_valid_mark"): 0,
            ("eth1.5", "rp_filter"): 0,
        },
        entries,
    )
    plan = plan_for(request, state)
    running = [kind_cmd for kind_cmd in SysctlKind(request).plan_commands(plan) if kind_cmd.startswith("sysctl")]
    assert running == [
        "sysctl -w net.ipv4.conf.eth1.src_valid_mark=0",
        "sysctl -w net.ipv4.conf.eth1.rp_filter=2",
        "sysctl -w net.ipv4.conf.eth3.rp_filter=2",
    ]
    assert sorted((op.obj.interface, op.obj.setting) for op in plan.ops if op.action == "delete") == sorted(entries)
    assert all(op.obj.store == FILE for op in plan.ops if op.action == "delete")
    assert new_file(state, plan.after, [(i, s) for i in request.interfaces for s in SETTINGS]).entries == {}


def test_plan_absent_without_entries_changes_nothing() -> None:
    request = parse_request({"interfaces": ["eth1"], "state": "absent"})
    assert cmds(request, snap({("eth1", "src_valid_mark"): 1})) == []


def test_effective_rp_filter_is_the_larger_of_all_and_the_interface() -> None:
    request = parse_request({"interfaces": ["eth1", "eth2", "eth9", "all"], "rp_filter": "strict"})
    state = snap(
        {
            ("all", "rp_filter"): 2,
            ("all", "src_valid_mark"): 0,
            ("eth1", "rp_filter"): 0,
            ("eth2", "rp_filter"): 0,
            ("eth1", "src_valid_mark"): 0,
            ("eth2", "src_valid_mark"): 0,
        }
    )
    # planned values (strict) count, but all=... is set to strict by this same task
    result = effective(request, state, desired_objects(request, state))
    assert result == {
        "eth1": {"src_valid_mark": True, "rp_filter": "strict"},
        "eth2": {"src_valid_mark": True, "rp_filter": "strict"},
    }
    only = parse_request({"interfaces": ["eth1"], "src_valid_mark": False, "rp_filter": "off"})
    assert effective(only, state, desired_objects(only, state)) == {
        "eth1": {"src_valid_mark": False, "rp_filter": "loose"}
    }
    state.running[("all", "src_valid_mark")] = 1
    assert effective(only, state, desired_objects(only, state))["eth1"]["src_valid_mark"] is True


# ---------------------------------------------------------------------------- engine run on a fake /proc/sys
def fake_proc(root: Path, interfaces: Dict[str, Dict[str, int]]) -> str:
    conf = root / "proc" / "net" / "ipv4" / "conf"
    for name, values in {"all": {}, "default": {}, **interfaces}.items():
        (conf / name).mkdir(parents=True)
        for setting in SETTINGS:
            (conf / name / setting).write_text(f"{values.get(setting, 0)}\n")
    return str(root / "proc")


def run(root: Path, proc: str, params: Dict[str, Any], check: bool = False) -> Dict[str, Any]:
    kind = SysctlKind(parse_request(params), None, etc=str(root / "etc"), proc_root=proc)
    result = engine.run(
        kind, "overridden", [params], check, True, host_factory=lambda: Host(None), context_factory=kind.snapshot
    )
    result.update(kind.summary())
    return result


def value(proc: str, interface: str, setting: str) -> int:
    return int(Path(proc_path(interface, setting, proc)).read_text())


def test_run_check_apply_reapply_absent(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {"eth1.100": {"rp_filter": 2}})
    params = {"interfaces": ["eth1.100", "eth9"], "rp_filter": "strict"}
    checked = run(tmp_path, proc, params, check=True)
    assert checked["changed"] and value(proc, "eth1.100", "rp_filter") == 2
    assert not (tmp_path / "etc").exists()
    assert checked["pending"] == ["eth9"]
    assert checked["effective"] == {"eth1.100": {"src_valid_mark": True, "rp_filter": "strict"}}
    assert "+net.ipv4.conf.eth1/100.rp_filter = 1" in "\n".join(
        "+" + line for line in checked["diff"]["after"].splitlines()
    )

    applied = run(tmp_path, proc, params)
    assert applied["commands"] == checked["commands"]
    assert (value(proc, "eth1.100", "src_valid_mark"), value(proc, "eth1.100", "rp_filter")) == (1, 1)
    path = tmp_path / "etc" / "sysctl.d" / "60-pbr-linux.conf"
    assert parse_file(path.read_text()).entries[("eth1.100", "rp_filter")] == Entry(1, 2)
    assert applied["persist_file"] == str(path)

    again = run(tmp_path, proc, params)
    assert not again["changed"] and again["commands"] == []

    gone = run(tmp_path, proc, {"interfaces": ["eth1.100", "eth9"], "state": "absent"})
    assert gone["changed"]
    assert (value(proc, "eth1.100", "src_valid_mark"), value(proc, "eth1.100", "rp_filter")) == (0, 2)
    assert not path.exists()
    assert not run(tmp_path, proc, {"interfaces": ["eth1.100", "eth9"], "state": "absent"})["changed"]


def test_run_failure_sets_back_what_was_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc = fake_proc(tmp_path, {"eth1": {}, "eth2": {}})
    write = ProcSys.write

    def refuse_eth2(self: ProcSys, interface: str, setting: str, value: int) -> None:
        if interface == "eth2":
            raise PbrError("the kernel refused it", "interfaces", interface)
        write(self, interface, setting, value)

    monkeypatch.setattr(ProcSys, "write", refuse_eth2)
    with pytest.raises(PbrError) as err:
        run(tmp_path, proc, {"interfaces": ["eth1", "eth2"]})
    assert err.value.msg == "the kernel refused it; 1 of the 1 value(s) set before it were set back"
    assert value(proc, "eth1", "src_valid_mark") == 0
    assert not (tmp_path / "etc").exists()


# ---------------------------------------------------------------------------- a real namespace
@pytest.fixture
def netns() -> Iterator[str]:
    name = f"pbrut-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(
            ["ip", "-n", name, "link", "add", "eth1.100", "type", "veth", "peer", "name", "p100"], check=True
        )
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def ns_sysctl(ns: str, key: str) -> str:
    out = subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-n", key], capture_output=True, text=True, check=True)
    return out.stdout.strip()


@needs_root
def test_procsys_reads_and_writes_inside_the_namespace(netns: str) -> None:
    host = Host(netns)
    proc = ProcSys(host)
    assert "eth1.100" in proc.interfaces()
    assert not os.path.exists("/proc/sys/net/ipv4/conf/eth1.100")  # not in the root namespace
    root_lo = Path("/proc/sys/net/ipv4/conf/lo/src_valid_mark").read_text()
    proc.write("eth1.100", "src_valid_mark", 1)
    proc.write("lo", "src_valid_mark", 1 - int(root_lo))
    assert ns_sysctl(netns, "net.ipv4.conf.eth1/100.src_valid_mark") == "1"
    assert proc.read([("eth1.100", "src_valid_mark"), ("eth7", "rp_filter"), ("lo", "src_valid_mark")]) == {
        ("eth1.100", "src_valid_mark"): 1,
        ("lo", "src_valid_mark"): 1 - int(root_lo),
    }
    assert Path("/proc/sys/net/ipv4/conf/lo/src_valid_mark").read_text() == root_lo  # the host is untouched
    with pytest.raises(PbrError) as err:
        proc.write("eth7", "src_valid_mark", 1)
    assert "does not exist" in err.value.msg and netns in err.value.msg
    with pytest.raises(PbrError) as err:
        proc.write("eth1.100", "rp_filter", 2**40)
    assert "refused" in err.value.msg


@needs_root
def test_read_only_procsys_says_how_to_set_the_value_at_container_start(tmp_path: Path) -> None:
    """/proc/sys read-only (podman's and docker's default): the message names the key and the --sysctl way."""
    conf = tmp_path / "net" / "ipv4" / "conf" / "eth0"
    conf.mkdir(parents=True)
    (conf / "src_valid_mark").write_text("0\n")
    subprocess.run(["mount", "--bind", "-o", "ro", str(conf), str(conf)], check=True)
    try:
        with pytest.raises(PbrError) as err:
            ProcSys(None, root=str(tmp_path)).write("eth0", "src_valid_mark", 1)
    finally:
        subprocess.run(["umount", "-l", str(conf)], check=False)
    assert err.value.field == "interfaces"
    assert "net.ipv4.conf.eth0.src_valid_mark=1" in err.value.msg
    assert "read-only" in err.value.msg and "--sysctl net.ipv4.conf.eth0.src_valid_mark=1" in err.value.msg
    assert (conf / "src_valid_mark").read_text() == "0\n"
