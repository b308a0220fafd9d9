# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host access: batching of ip commands, quoting, failed-line detection, files.

The run_batch tests use the real ``ip -batch`` in a throwaway network namespace
(created and deleted here; skipped when not root).
"""

from __future__ import annotations

import os
import subprocess
import uuid
from typing import Iterator, List

import pytest

from ansible_collections.pbr.linux.plugins.module_utils._host import (
    BatchError,
    Host,
    _group_by_options,
    _quote,
    atomic_write,
    check_namespace_name,
    etc_root,
    read_text,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="kernel-backed: needs root to create a namespace")


@pytest.fixture
def netns() -> Iterator[str]:
    """A throwaway network namespace (unique name), deleted afterwards."""
    name = f"pbrut-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def rules(ns: str, *opts: str) -> List[str]:
    out = subprocess.run(["ip", "-n", ns, *opts, "rule", "show"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


# ---------------------------------------------------------------------------- pure helpers
def test_group_by_options_keeps_order_and_splits_on_change() -> None:
    cmds = [
        ["-4", "rule", "add", "priority", "1"],
        ["-4", "rule", "add", "priority", "2"],
        ["-6", "rule", "add", "priority", "3"],
        ["-4", "rule", "del", "priority", "4"],
        ["rule", "add", "priority", "5"],
        ["rule", "add", "priority", "6"],
    ]
    assert _group_by_options(cmds) == [
        (("-4",), [["rule", "add", "priority", "1"], ["rule", "add", "priority", "2"]]),
        (("-6",), [["rule", "add", "priority", "3"]]),
        (("-4",), [["rule", "del", "priority", "4"]]),
        ((), [["rule", "add", "priority", "5"], ["rule", "add", "priority", "6"]]),
    ]


def test_group_by_options_multiple_options_and_empty() -> None:
    assert _group_by_options([]) == []
    assert _group_by_options([["-6", "-d", "route", "add"]]) == [(("-6", "-d"), [["route", "add"]])]
    # a command made only of options still forms its own group (nothing is dropped)
    assert _group_by_options([["-4"]]) == [(("-4",), [[]])]


@pytest.mark.parametrize(
    ("arg", "quoted"),
    [
        ("eth0", "eth0"),
        ("0x1/0xff", "0x1/0xff"),
        ("", '""'),
        ("a b", '"a b"'),
        ("tab\there", '"tab\there"'),
        ('say"hi', '"say\\"hi"'),
        ("it's", '"it\'s"'),
        ("back\\slash", '"back\\slash"'),
    ],
)
def test_quote(arg: str, quoted: str) -> None:
    assert _quote(arg) == quoted


def test_check_namespace_name() -> None:
    assert check_namespace_name(None) is None
    assert check_namespace_name("ns_demo") == "ns_demo"
    for bad in ("", ".", "..", "a/b", "a b", "x" * 256, 3):
        with pytest.raises(PbrError) as err:
            check_namespace_name(bad)  # type: ignore[arg-type]
        assert err.value.field == "namespace"
        assert repr(bad) in err.value.msg


def test_host_refuses_missing_namespace() -> None:
    name = f"pbrut-missing-{uuid.uuid4().hex[:8]}"
    with pytest.raises(PbrError, match=f"namespace: '{name}' does not exist"):
        Host(name)
    assert not os.path.exists(f"/run/netns/{name}")  # and it did not create one


def test_etc_root(tmp_path: object) -> None:
    assert etc_root(None) == "/etc"
    assert etc_root(f"pbrut-none-{uuid.uuid4().hex[:8]}") == "/etc"


def test_atomic_write_and_read_text(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "deep" / "dir" / "file.conf")
    assert read_text(path) is None
    atomic_write(path, "242\tpbr\n")
    assert read_text(path) == "242\tpbr\n"
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"
    atomic_write(path, "new\n", mode=0o600)
    assert read_text(path) == "new\n"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    # no temp files left behind
    assert os.listdir(os.path.dirname(path)) == ["file.conf"]


# ---------------------------------------------------------------------------- real ip -batch
@needs_root
def test_run_batch_reports_commands_done_before_the_bad_line(netns: str) -> None:
    host = Host(netns)
    cmds = [
        ["-4", "rule", "add", "priority", "100", "fwmark", "0x1", "lookup", "100"],
        ["-4", "rule", "add", "priority", "101", "fwmark", "0x2", "lookup", "100"],
        ["-4", "rule", "add", "priority", "100", "fwmark", "0x1", "lookup", "100"],  # the kernel: File exists
        ["-4", "rule", "add", "priority", "103", "fwmark", "0x4", "lookup", "100"],
    ]
    with pytest.raises(BatchError) as err:
        host.run_batch(cmds)
    assert err.value.done == 2
    assert err.value.exact
    assert err.value.failed == "-4 rule add priority 100 fwmark 0x1 lookup 100"
    assert err.value.stderr == "RTNETLINK answers: File exists"
    shown = rules(netns)
    assert any(line.startswith("100:") for line in shown)
    assert any(line.startswith("101:") for line in shown)
    assert not any(line.startswith("103:") for line in shown)


@needs_root
def test_run_batch_line_ip_cannot_parse_is_not_exact(netns: str) -> None:
    """ip exits on an argument it cannot parse without saying which line: done is a lower bound."""
    host = Host(netns)
    cmds = [
        ["-4", "rule", "add", "priority", "100", "fwmark", "0x1", "lookup", "100"],
        ["-4", "rule", "add", "priority", "101", "fwmark", "0x2", "lookup", "100"],
        ["-4", "rule", "add", "priority", "102", "fwmark", "0x3", "lookup", "nosuchtablename"],
        ["-4", "rule", "add", "priority", "103", "fwmark", "0x4", "lookup", "100"],
    ]
    with pytest.raises(BatchError) as err:
        host.run_batch(cmds)
    assert not err.value.exact
    assert err.value.done == 0 and err.value.failed is None
    assert "nosuchtablename" in err.value.stderr
    shown = rules(netns)  # yet the first two did run
    assert any(line.startswith("100:") for line in shown) and any(line.startswith("101:") for line in shown)


@needs_root
def test_run_batch_counts_across_option_groups(netns: str) -> None:
    host = Host(netns)
    cmds = [
        ["-4", "rule", "add", "priority", "100", "lookup", "100"],
        ["-6", "rule", "add", "priority", "100", "lookup", "100"],
        ["-6", "rule", "add", "priority", "100", "lookup", "100"],  # EEXIST: the 3rd command overall
    ]
    with pytest.raises(BatchError) as err:
        host.run_batch(cmds)
    assert err.value.done == 2
    assert err.value.failed == "-6 rule add priority 100 lookup 100"
    assert "File exists" in err.value.stderr


@needs_root
def test_run_batch_success_and_force(netns: str) -> None:
    host = Host(netns)
    host.run_batch([["-6", "rule", "add", "priority", "7", "from", "2001:db8::/32", "lookup", "7"]])
    assert "7:\tfrom 2001:db8::/32 lookup 7" in rules(netns, "-6")
    # with force, ip runs every line and reports failure at the end; done stays what came before
    with pytest.raises(BatchError) as err:
        host.run_batch(
            [
                ["-6", "rule", "del", "priority", "8", "lookup", "8"],  # does not exist
                ["-6", "rule", "del", "priority", "7", "from", "2001:db8::/32", "lookup", "7"],
            ],
            force=True,
        )
    assert err.value.done == 0
    assert err.value.failed is None
    assert not any(line.startswith("7:") for line in rules(netns, "-6"))


@needs_root
def test_run_batch_quotes_arguments(netns: str) -> None:
    host = Host(netns)
    # an argument with a space arrives at ip as one word (and is refused as one word)
    with pytest.raises(BatchError) as err:
        host.run_batch([["rule", "add", "priority", "5", "iif", "a b", "lookup", "5"]])
    assert err.value.done == 0 and not err.value.exact
    assert 'argument "a b" is wrong' in err.value.stderr


@needs_root
def test_ip_cmd_and_ipr_work_inside_the_namespace(netns: str) -> None:
    host = Host(netns)
    try:
        assert host.link_names() == ["lo"]  # not the root namespace's links
        assert "lookup main" in host.ip_cmd(["rule", "show"])
        with pytest.raises(PbrError, match="`ip rule bogus` failed"):
            host.ip_cmd(["rule", "bogus"])
    finally:
        host.close()
