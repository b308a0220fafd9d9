# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table names: rt_tables parsing and resolution (tables.py), and table aliases (alias.py).

Every test builds its own /etc, /etc/netns and /usr/share roots under tmp_path.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

from ansible_collections.pbr.linux.plugins.module_utils._engine import make_plan
from ansible_collections.pbr.linux.plugins.module_utils._iproute2 import (
    TableNames,
    check_table_name,
    own_tables_file,
    parse_id_name,
    table_sources,
)
from ansible_collections.pbr.linux.plugins.module_utils._rt_tables_alias import (
    HEADER,
    Alias,
    AliasKind,
    module_config,
    read_entries,
    render_file,
    run_alias,
    write_entries,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError

DEBIAN_RT_TABLES = """#
# reserved values
#
255\tlocal
254\tmain
253\tdefault
0\tunspec
#
# local
#
#1\tinr.ruhep
"""


def put(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


class Roots:
    def __init__(self, base: Path) -> None:
        self.etc = base / "etc"
        self.usr = base / "usr"
        self.netns = base / "etc" / "netns"
        put(self.etc / "iproute2" / "rt_tables", DEBIAN_RT_TABLES)
        (self.usr / "iproute2").mkdir(parents=True)

    def own(self, ns: Optional[str] = None) -> Path:
        return Path(own_tables_file(str(self.netns / ns if ns else self.etc)))

    def run(self, **kwargs: Any) -> Dict[str, Any]:
        ns = kwargs.get("namespace")
        return run_alias(
            etc=str(self.etc),
            netns_etc=str(self.netns),
            usr=str(self.usr),
            host_factory=lambda: FakeHost(ns),
            **kwargs,
        )


class FakeHost:
    """Stands in for host.Host: aliases only need the namespace name (files, no netlink)."""

    def __init__(self, namespace: Optional[str]) -> None:
        self.namespace = namespace

    def close(self) -> None:
        pass


@pytest.fixture
def roots(tmp_path: Path) -> Roots:
    return Roots(tmp_path)


# ------------------------------------------------------------------------ parsing rt_tables
def test_parse_id_name_decimal_hex_comments_blank_lines() -> None:
    text = "# c\n\n100 eth1_table\n  0x65\tisp_b # trailing\n#102 commented\n\t103  spaced \nbroken line\n"
    assert parse_id_name(text) == [(100, "eth1_table"), (0x65, "isp_b"), (103, "spaced")]


def test_parse_id_name_debian_file_has_only_the_reserved_tables() -> None:
    assert parse_id_name(DEBIAN_RT_TABLES) == [(255, "local"), (254, "main"), (253, "default"), (0, "unspec")]


def test_table_sources_order_etc_main_then_usr_d_then_etc_d(roots: Roots) -> None:
    put(roots.etc / "iproute2" / "rt_tables.d" / "b.conf", "")
    put(roots.etc / "iproute2" / "rt_tables.d" / "a.conf", "")
    put(roots.etc / "iproute2" / "rt_tables.d" / "README", "")  # not *.conf: ignored
    put(roots.usr / "iproute2" / "rt_tables.d" / "z.conf", "")
    assert table_sources(str(roots.etc), str(roots.usr)) == [
        str(roots.etc / "iproute2" / "rt_tables"),
        str(roots.usr / "iproute2" / "rt_tables.d" / "z.conf"),
        str(roots.etc / "iproute2" / "rt_tables.d" / "a.conf"),
        str(roots.etc / "iproute2" / "rt_tables.d" / "b.conf"),
    ]


def test_usr_share_rt_tables_is_the_fallback_when_etc_has_none(roots: Roots) -> None:
    os.unlink(roots.etc / "iproute2" / "rt_tables")
    put(roots.usr / "iproute2" / "rt_tables", "254 main\n42 from_usr\n")
    assert table_sources(str(roots.etc), str(roots.usr))[0] == str(roots.usr / "iproute2" / "rt_tables")
    assert TableNames(str(roots.etc), str(roots.usr)).resolve("table", "from_usr") == 42


def test_usr_share_rt_tables_is_ignored_when_etc_has_one(roots: Roots) -> None:
    put(roots.usr / "iproute2" / "rt_tables", "42 from_usr\n")
    with pytest.raises(PbrError, match="'from_usr' is not defined"):
        TableNames(str(roots.etc), str(roots.usr)).resolve("table", "from_usr")


def test_resolve_names_from_every_source_numbers_and_hex(roots: Roots) -> None:
    put(roots.etc / "iproute2" / "rt_tables.d" / "x.conf", "100 eth1_table\n0x66 hex_t\n")
    put(roots.usr / "iproute2" / "rt_tables.d" / "y.conf", "200 usr_t\n")
    names = TableNames(str(roots.etc), str(roots.usr))
    assert names.resolve("table", "eth1_table") == 100
    assert names.resolve("table", "hex_t") == 102
    assert names.resolve("table", "usr_t") == 200
    assert names.resolve("table", "main") == 254
    assert names.resolve("table", "0x10") == 16
    assert names.resolve("table", 4294967295) == 4294967295
    assert names.name_of(100) == "eth1_table"


def test_resolve_unknown_name_is_an_error_never_table_0_or_main(roots: Roots) -> None:
    with pytest.raises(PbrError) as err:
        TableNames(str(roots.etc), str(roots.usr)).resolve("config[0].table", "nosuch")
    assert err.value.field == "config[0].table"
    assert err.value.value == "nosuch"
    assert "'nosuch' is not defined" in err.value.msg


def test_resolve_ambiguous_name_lists_ids_and_files(roots: Roots) -> None:
    a = put(roots.etc / "iproute2" / "rt_tables.d" / "a.conf", "100 dup\n")
    b = put(roots.etc / "iproute2" / "rt_tables.d" / "b.conf", "101 dup\n")
    with pytest.raises(PbrError) as err:
        TableNames(str(roots.etc), str(roots.usr)).resolve("table", "dup")
    assert "[100, 101]" in err.value.msg
    assert str(a) in err.value.msg and str(b) in err.value.msg


@pytest.mark.parametrize("value", [0, "0", 4294967296, "4294967296", "0x100000000", -1, True])
def test_resolve_out_of_range_numbers(roots: Roots, value: Any) -> None:
    with pytest.raises(PbrError) as err:
        TableNames(str(roots.etc), str(roots.usr)).resolve("table", value)
    assert err.value.field == "table"
    assert repr(value) in err.value.msg


@pytest.mark.parametrize("name", ["1abc", "has space", "", "a" * 65, "x/y", "tab\tname", "100"])
def test_check_table_name_refuses(name: str) -> None:
    with pytest.raises(PbrError, match="name"):
        check_table_name("name", name)


# ------------------------------------------------------------------------ alias entries
def test_render_file_sorted_by_id_with_header_and_empty_when_none() -> None:
    text = render_file([Alias(200, "b"), Alias(100, "z"), Alias(100, "a"), Alias(200, "b")])
    assert text == HEADER + "100\ta\n100\tz\n200\tb\n"
    assert render_file([]) == ""


def test_read_entries_carries_the_file_of_each_entry(roots: Roots) -> None:
    own = put(roots.own(), HEADER + "100\teth1_table\n")
    entries = read_entries(str(roots.etc), str(roots.usr))
    assert Alias(100, "eth1_table", str(own)) in entries
    assert Alias(254, "main", str(roots.etc / "iproute2" / "rt_tables")) in entries


def test_module_config_forms() -> None:
    assert module_config("t", 100, None, "present") == ("merged", [{"name": "t", "id": 100}], None)
    assert module_config("t", None, None, "absent") == ("deleted", [{"name": "t", "id": None}], None)
    assert module_config(None, None, [{"name": "t", "id": 1}], "absent")[0] == "deleted"
    # an empty list must never become "deleted with no config" (which purges everything we own)
    assert module_config(None, None, [], "absent") == ("merged", [], "aliases")
    with pytest.raises(PbrError, match="aliases: mutually exclusive"):
        module_config("t", None, [{"name": "u", "id": 1}], "present")
    with pytest.raises(PbrError, match="name: required"):
        module_config(None, 100, None, "present")


def kind(roots: Roots, present: bool = True, field: Optional[str] = None) -> AliasKind:
    return AliasKind(str(roots.etc), str(roots.etc), str(roots.usr), present=present, field=field)


def test_plan_present_adds_replaces_ours_and_skips_what_another_file_has(roots: Roots) -> None:
    put(roots.own(), HEADER + "100\tmine\n")
    put(roots.etc / "iproute2" / "rt_tables.d" / "other.conf", "300 theirs\n")
    k = kind(roots, field="aliases")
    current = read_entries(str(roots.etc), str(roots.usr))
    desired = k.from_config(
        [{"name": "mine", "id": 101}, {"name": "theirs", "id": 300}, {"name": "new_t", "id": 0x10}], current
    )
    plan = make_plan(k, desired, current, "merged")
    assert [(op.action, op.obj.id, op.obj.name) for op in plan.ops] == [("replace", 101, "mine"), ("add", 16, "new_t")]
    assert k.diff_text(plan.after) == HEADER + "16\tnew_t\n101\tmine\n"


def test_plan_absent_removes_only_ours_and_warns_for_another_files_entry(roots: Roots) -> None:
    put(roots.own(), HEADER + "100\tmine\n101\tkeep\n")
    other = put(roots.etc / "iproute2" / "rt_tables.d" / "other.conf", "300 theirs\n")
    k = kind(roots, present=False)
    current = read_entries(str(roots.etc), str(roots.usr))
    desired = k.from_config([{"name": "mine", "id": None}, {"name": "theirs", "id": None}], current)
    plan = make_plan(k, desired, current, "deleted")
    assert [(op.action, op.obj.name) for op in plan.ops] == [("delete", "mine")]
    assert len(plan.warnings) == 1 and "theirs" in plan.warnings[0] and str(other) in plan.warnings[0]
    assert k.diff_text(plan.after) == HEADER + "101\tkeep\n"


def test_plan_absent_of_an_unknown_name_changes_nothing_and_purges_nothing(roots: Roots) -> None:
    put(roots.own(), HEADER + "100\tmine\n")
    k = kind(roots, present=False)
    current = read_entries(str(roots.etc), str(roots.usr))
    plan = make_plan(k, k.from_config([{"name": "nosuch", "id": None}], current), current, "deleted")
    assert plan.ops == [] and not plan.changed


# ------------------------------------------------------------------------ run_alias end to end
def test_present_check_apply_idempotent(roots: Roots) -> None:
    check = roots.run(name="eth1_table", tid=100, check_mode=True, diff=True)
    assert check["changed"] is True
    assert check["commands"] == [f"add '100 eth1_table' to {roots.own()}"]
    assert check["diff"] == {"before": "", "after": HEADER + "100\teth1_table\n"}
    assert check["entries"] == [{"name": "eth1_table", "id": 100}]
    assert not roots.own().exists()

    applied = roots.run(name="eth1_table", tid=100)
    assert applied["changed"] is True and applied["commands"] == check["commands"]
    assert roots.own().read_text() == HEADER + "100\teth1_table\n"
    assert oct(roots.own().stat().st_mode & 0o777) == "0o644"
    assert TableNames(str(roots.etc), str(roots.usr)).resolve("table", "eth1_table") == 100

    again = roots.run(name="eth1_table", tid=100, diff=True)
    assert again["changed"] is False and again["commands"] == []
    assert again["diff"]["before"] == again["diff"]["after"] == HEADER + "100\teth1_table\n"


def test_list_form_keeps_file_sorted_and_absent_removes_file_when_empty(roots: Roots) -> None:
    res = roots.run(aliases=[{"name": "b_t", "id": 300}, {"name": "a_t", "id": "0x64"}])
    assert res["changed"] and res["entries"] == [{"name": "a_t", "id": 100}, {"name": "b_t", "id": 300}]
    assert roots.own().read_text() == HEADER + "100\ta_t\n300\tb_t\n"
    res = roots.run(name="a_t", state="absent")
    assert res["changed"] and res["commands"] == [f"remove '100 a_t' from {roots.own()}"]
    assert roots.own().read_text() == HEADER + "300\tb_t\n"
    res = roots.run(aliases=[{"name": "b_t", "id": 300}], state="absent")
    assert res["changed"] and not roots.own().exists()
    assert roots.run(aliases=[], state="absent")["changed"] is False


def test_same_entry_in_distribution_file_needs_nothing(roots: Roots) -> None:
    rt = roots.etc / "iproute2" / "rt_tables"
    rt.write_text(DEBIAN_RT_TABLES + "100\teth1_table\n")
    res = roots.run(name="eth1_table", tid=100)
    assert res["changed"] is False and res["entries"] == [] and not roots.own().exists()


def test_name_another_file_maps_to_another_id_is_refused_naming_the_file(roots: Roots) -> None:
    other = put(roots.etc / "iproute2" / "rt_tables.d" / "vendor.conf", "200 eth1_table\n")
    with pytest.raises(PbrError) as err:
        roots.run(name="eth1_table", tid=100, check_mode=True)
    assert err.value.field == "name" and err.value.value == "eth1_table"
    assert str(other) in err.value.msg and "table 200" in err.value.msg
    assert not roots.own().exists()


def test_list_form_errors_name_the_entry(roots: Roots) -> None:
    with pytest.raises(PbrError) as err:
        roots.run(aliases=[{"name": "ok_t", "id": 1}, {"name": "bad_t", "id": 254}])
    assert err.value.field == "aliases[1].id" and "reserved for table 'main'" in err.value.msg
    with pytest.raises(PbrError, match=r"aliases\[1\].name: 'dup' is listed with id 1"):
        roots.run(aliases=[{"name": "dup", "id": 1}, {"name": "dup", "id": 2}])
    assert not roots.own().exists()


def test_second_name_for_an_id_is_accepted_with_a_warning(roots: Roots) -> None:
    put(roots.etc / "iproute2" / "rt_tables.d" / "vendor.conf", "100 vendor_t\n")
    res = roots.run(name="eth1_table", tid=100)
    assert res["changed"] is True
    assert len(res["warnings"]) == 1 and "'vendor_t'" in res["warnings"][0] and "vendor.conf" in res["warnings"][0]


def test_absent_of_a_name_only_in_another_file_warns_and_changes_nothing(roots: Roots) -> None:
    (roots.etc / "iproute2" / "rt_tables").write_text(DEBIAN_RT_TABLES + "100\teth1_table\n")
    res = roots.run(name="eth1_table", state="absent")
    assert res["changed"] is False and res["commands"] == []
    assert "not owned by pbr.linux" in res["warnings"][0]


@pytest.mark.parametrize(
    ("kwargs", "field", "value", "text"),
    [
        ({"name": "t", "tid": 254}, "id", 254, "reserved for table 'main'"),
        ({"name": "t", "tid": 253}, "id", 253, "reserved for table 'default'"),
        ({"name": "t", "tid": 255}, "id", 255, "reserved for table 'local'"),
        ({"name": "t", "tid": 0}, "id", 0, "reserved for table 'unspec'"),
        ({"name": "t", "tid": 4294967296}, "id", 4294967296, "not valid"),
        ({"name": "t", "tid": 2147483648}, "id", 2147483648, "iproute2 ignores"),
        ({"name": "t", "tid": "ten"}, "id", "ten", "not valid"),
        ({"name": "t", "tid": True}, "id", True, "not valid"),
        ({"name": "t"}, "id", None, "required with state=present"),
        ({"name": "1abc", "tid": 100}, "name", "1abc", "not valid"),
        ({"name": "has space", "tid": 100}, "name", "has space", "not valid"),
        ({"name": "100", "tid": 100}, "name", "100", "not valid"),
        ({"name": "main", "tid": 100}, "name", "main", "reserved for table 254"),
        ({"name": "local", "tid": 255}, "name", "local", "reserved"),
        ({"name": "t", "tid": 100, "namespace": "bad/ns"}, "namespace", "bad/ns", "not valid"),
    ],
)
def test_refusals_name_field_and_value_and_touch_nothing(
    roots: Roots, kwargs: Dict[str, Any], field: str, value: Any, text: str
) -> None:
    with pytest.raises(PbrError) as err:
        roots.run(**kwargs)
    assert err.value.field == field and err.value.value == value
    assert err.value.msg.startswith(f"{field}: ") and text in err.value.msg
    assert not roots.own().exists()


def test_max_usable_id_and_hex_string(roots: Roots) -> None:
    res = roots.run(aliases=[{"name": "top", "id": 2147483647}, {"name": "hex", "id": "0x1F"}])
    assert res["entries"] == [{"name": "hex", "id": 31}, {"name": "top", "id": 2147483647}]


# ------------------------------------------------------------------------ namespaces
def test_namespace_with_own_dir_writes_there_only(roots: Roots) -> None:
    put(roots.netns / "ns1" / "iproute2" / "rt_tables", "254 main\n")
    res = roots.run(name="eth1_table", tid=100, namespace="ns1")
    assert res["changed"] and roots.own("ns1").read_text() == HEADER + "100\teth1_table\n"
    assert not roots.own().exists()
    assert not any("copy" in c for c in res["commands"])


def test_namespace_without_own_dir_gets_a_copy_of_the_hosts_files_first(roots: Roots) -> None:
    put(roots.etc / "iproute2" / "rt_tables.d" / "vendor.conf", "50 vendor_t\n")
    put(roots.own(), HEADER + "60\thost_t\n")
    put(roots.etc / "iproute2" / "rt_protos", "242 pbr\n")
    (roots.netns / "ns2").mkdir(parents=True)  # e.g. holds resolv.conf already: still no iproute2

    check = roots.run(name="ns_t", tid=100, namespace="ns2", check_mode=True, diff=True)
    assert check["changed"] and check["commands"][0].startswith(f"# create {roots.netns / 'ns2' / 'iproute2'}")
    assert check["diff"] == {"before": HEADER + "60\thost_t\n", "after": HEADER + "60\thost_t\n100\tns_t\n"}
    assert not (roots.netns / "ns2" / "iproute2").exists()

    res = roots.run(name="ns_t", tid=100, namespace="ns2")
    assert res["commands"] == check["commands"]
    ns_dir = roots.netns / "ns2" / "iproute2"
    assert (ns_dir / "rt_tables").read_text() == DEBIAN_RT_TABLES
    assert (ns_dir / "rt_protos").read_text() == "242 pbr\n"
    assert (ns_dir / "rt_tables.d" / "vendor.conf").read_text() == "50 vendor_t\n"
    assert roots.own("ns2").read_text() == HEADER + "60\thost_t\n100\tns_t\n"
    assert roots.own().read_text() == HEADER + "60\thost_t\n"  # the host's file is untouched
    assert oct(ns_dir.stat().st_mode & 0o777) == "0o755"
    assert [p.name for p in (roots.netns / "ns2").iterdir()] == ["iproute2"]  # no temp dir left
    names = TableNames(str(roots.netns / "ns2"), str(roots.usr))
    assert (names.resolve("t", "ns_t"), names.resolve("t", "vendor_t"), names.resolve("t", "host_t")) == (100, 50, 60)

    again = roots.run(name="ns_t", tid=100, namespace="ns2")
    assert again["changed"] is False and again["commands"] == []


def test_write_entries_removes_a_failed_copy(roots: Roots, monkeypatch: pytest.MonkeyPatch) -> None:
    target = own_tables_file(str(roots.netns / "ns3"))

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "rename", boom)
    with pytest.raises(OSError):
        write_entries(target, [Alias(100, "t")], seed_from=str(roots.etc / "iproute2"))
    assert list((roots.netns / "ns3").iterdir()) == []


# ------------------------------------------------------------------------ check mode: names of earlier tasks
def test_pending_names_resolve_only_where_no_file_defines_the_name(tmp_path: Any) -> None:
    """Check mode: a name an earlier rt_tables_alias task would define resolves; a file's own wins;
    a name defined nowhere still fails; names being removed (None) and other views are ignored."""
    from ansible_collections.pbr.linux.plugins.module_utils._runner import pending_names

    etc = tmp_path / "etc"
    (etc / "iproute2").mkdir(parents=True)
    (etc / "iproute2" / "rt_tables").write_text("100\tfile_t\n")
    fact = {str(etc): {"eth1_table": 100, "file_t": 7, "gone_t": None}, "/elsewhere": {"other_t": 5}}
    names = TableNames(str(etc), usr=str(tmp_path / "usr"), pending=pending_names(fact, str(etc)))
    assert names.resolve("config[0].table", "eth1_table") == 100
    assert names.resolve("config[0].table", "file_t") == 100
    assert names.name_of(100) == "file_t"
    for undefined in ("gone_t", "other_t", "eth3_table"):
        with pytest.raises(PbrError) as err:
            names.resolve("config[0].table", undefined)
        assert "is not defined" in err.value.msg
    assert pending_names("not a dict", str(etc)) == {}
