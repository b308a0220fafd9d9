# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' plans (_role_plan, the filters pbr.linux.*_plan): variables -> module parameters, bad values named.

What a user sees of these: the first task of a role fails with ``<role variable>: <value> ...; expected ...``,
before anything on the host changes, and a good set of variables becomes the rules, routes and netfilter
entries the role's tasks apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.pbr.linux.plugins.filter.role_plan import FilterModule
from ansible_collections.pbr.linux.plugins.module_utils._role_plan import DEFAULT_BYPASS, KNOWN, plan_for

TP = "transparent_proxy"
RP = "return_path"
ROLES = Path(__file__).resolve().parents[4] / "roles"


def ok(role: str, **variables: Any) -> Dict[str, Any]:
    good, plan = plan_for(role, {f"{role}_{k}": v for k, v in variables.items()})
    assert good, plan
    return plan


def bad(role: str, **variables: Any) -> str:
    good, msg = plan_for(role, {f"{role}_{k}": v for k, v in variables.items()})
    assert not good, msg
    assert isinstance(msg, str)
    return msg


# ---------------------------------------------------------------------------- transparent_proxy
def test_tproxy_defaults_both_families_rule_route_and_divert() -> None:
    plan = ok(TP, port=3129)
    assert plan["families"] == ["ipv4", "ipv6"]
    assert plan["rules"] == [
        {"priority": 100, "family": "ipv4", "fwmark": 1, "fwmask": 0xFFFFFFFF, "table": 100},
        {"priority": 100, "family": "ipv6", "fwmark": 1, "fwmask": 0xFFFFFFFF, "table": 100},
    ]
    assert plan["tables"] == [
        {
            "table": 100,
            "routes": [
                {"dst": "default", "family": "ipv4", "type": "local", "dev": "lo"},
                {"dst": "default", "family": "ipv6", "type": "local", "dev": "lo"},
            ],
        }
    ]
    assert plan["alias"] is None
    assert plan["tproxy"]["on_port"] == 3129
    assert plan["tproxy"]["match"] == [{"protocol": "tcp"}]
    assert plan["tproxy"]["bypass"] == list(DEFAULT_BYPASS)
    assert plan["persist"] is True and plan["state"] == "present"


def test_tproxy_family_ipv4_drops_ipv6_bypass_and_rules() -> None:
    plan = ok(TP, port=3129, family="ipv4", table=200, table_name="proxy", priority=50)
    assert [r["family"] for r in plan["rules"]] == ["ipv4"]
    assert all(":" not in b for b in plan["tproxy"]["bypass"])
    assert plan["alias"] == {"name": "proxy", "id": 200}
    assert plan["rules"][0]["priority"] == 50


def test_tproxy_dns_port_is_a_udp_and_tcp_entry_first() -> None:
    plan = ok(TP, port=3129, dns_port=5353, match=[{"protocol": "tcp", "dport": [80, 443]}])
    assert plan["tproxy"]["match"][0] == {"protocol": ["udp", "tcp"], "dport": 53, "on_port": 5353}
    assert plan["tproxy"]["match"][1] == {"protocol": "tcp", "dport": [80, 443]}


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"port": 70000}, "transparent_proxy_port: 70000 is not valid"),
        ({}, "transparent_proxy_port: required"),
        ({"port": 3129, "match": [{"dport": 0}]}, "transparent_proxy_match[0].dport: 0 is not valid"),
        (
            {"port": 3129, "dns_port": 53, "match": [{"protocol": "tcp"}, {"dport": 0}]},
            "transparent_proxy_match[1].dport: 0",
        ),
        ({"port": 3129, "dns_port": 0}, "transparent_proxy_dns_port: 0"),
        ({"port": 3129, "bypass": ["10.0.0.0/33"]}, "transparent_proxy_bypass[0]: '10.0.0.0/33'"),
        ({"port": 3129, "family": "ipv4", "bypass": ["2001:db8::/32"]}, "transparent_proxy_bypass[0]: '2001:db8::/32'"),
        ({"port": 3129, "table": 254}, "transparent_proxy_table: 254"),
        ({"port": 3129, "table_name": "9 bad"}, "transparent_proxy_table_name: '9 bad'"),
        ({"port": 3129, "priority": 0}, "transparent_proxy_priority: 0"),
        ({"port": 3129, "family": "ipx"}, "transparent_proxy_family"),
        ({"port": 3129, "state": "gone"}, "transparent_proxy_state: 'gone'"),
        ({"port": 3129, "persist": "yes"}, "transparent_proxy_persist: 'yes'"),
        ({"port": 3129, "skip_uids": ["proxy"]}, "transparent_proxy_skip_uids"),
        ({"port": 3129, "local_traffic": True}, "transparent_proxy_local_traffic: true needs"),
        ({"port": 3129, "local_traffic": True, "skip_uids": ["bad user"]}, "transparent_proxy_skip_uids[0]"),
        ({"port": 3129, "prot": 1}, "transparent_proxy_prot: not a variable of the role"),
    ],
)
def test_tproxy_bad_values_name_the_role_variable(variables: Dict[str, Any], expected: str) -> None:
    msg = bad(TP, **variables)
    assert msg.startswith(expected) or expected in msg, msg


def test_tproxy_absent_needs_no_port() -> None:
    assert ok(TP, state="absent")["state"] == "absent"


# ---------------------------------------------------------------------------- return_path
def test_return_path_two_uplinks() -> None:
    plan = ok(
        RP,
        uplinks=[
            {"interface": "eth1", "table": 101, "name": "isp1", "gateway": "203.0.113.1", "address": "203.0.113.10/24"},
            {
                "interface": "eth2",
                "table": 102,
                "gateway": "198.51.100.1",
                "gateway6": "2001:db8:2::1",
                "address": ["198.51.100.10/24", "2001:db8:2::10/64"],
            },
        ],
    )
    assert plan["aliases"] == [{"name": "isp1", "id": 101}]
    assert plan["interfaces"] == ["eth1", "eth2"]
    assert plan["rp_filter"] == 2
    assert plan["conntrack"]["entries"] == [
        {"in_interface": "eth1", "mark": 1, "mask": 0xFF},
        {"in_interface": "eth2", "mark": 2, "mask": 0xFF},
    ]
    assert {"priority": 1000, "family": "ipv4", "fwmark": 1, "fwmask": 0xFF, "table": 101} in plan["rules"]
    assert {"priority": 1000, "from": "203.0.113.10", "table": 101} in plan["rules"]
    assert {"priority": 1010, "from": "2001:db8:2::10", "table": 102} in plan["rules"]
    eth2 = plan["tables"][1]["routes"]
    assert {"dst": "default", "family": "ipv6", "dev": "eth2", "via": "2001:db8:2::1", "src": "2001:db8:2::10"} in eth2
    assert {"dst": "198.51.100.0/24", "dev": "eth2", "src": "198.51.100.10", "scope": "link"} in eth2


def test_return_path_marks_follow_mark_mask() -> None:
    plan = ok(RP, mark_mask=0xF00, uplinks=[{"interface": "a", "table": 1}, {"interface": "b", "table": 2}])
    assert [e["mark"] for e in plan["conntrack"]["entries"]] == [0x100, 0x200]
    assert all(r["fwmask"] == 0xF00 for r in plan["rules"])


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"uplinks": [{"interface": "eth1", "table": 101, "mark": 256}]}, "return_path_uplinks[0].mark: 256"),
        ({"uplinks": [{"interface": "eth1", "table": 254}]}, "return_path_uplinks[0].table: 254"),
        (
            {"uplinks": [{"interface": "eth1", "table": 101, "gateway": "2001:db8::1"}]},
            "return_path_uplinks[0].gateway",
        ),
        (
            {"uplinks": [{"interface": "eth1", "table": 101, "gateway6": "192.0.2.1"}]},
            "return_path_uplinks[0].gateway6",
        ),
        (
            {"uplinks": [{"interface": "eth1", "table": 101, "address": "192.0.2.300/24"}]},
            "return_path_uplinks[0].address: '192.0.2.300/24'",
        ),
        ({"uplinks": [{"table": 101}]}, "return_path_uplinks[0].interface: required"),
        ({"uplinks": [{"interface": "eth1"}]}, "return_path_uplinks[0].table: required"),
        ({"uplinks": [{"interface": "eth1", "table": 1, "tabel": 2}]}, "return_path_uplinks[0].tabel"),
        (
            {"uplinks": [{"interface": "eth1", "table": 1}, {"interface": "eth1", "table": 2}]},
            "return_path_uplinks[1].interface: 'eth1'",
        ),
        (
            {"uplinks": [{"interface": "eth1", "table": 1}, {"interface": "eth2", "table": 1}]},
            "return_path_uplinks[1].table: 1",
        ),
        ({"uplinks": [{"interface": "eth1 x", "table": 1}]}, "return_path_uplinks[0].interface"),
        ({"uplinks": []}, "return_path_uplinks: []"),
        ({"uplinks": [{"interface": "eth1", "table": 1}], "rp_filter": "medium"}, "return_path_rp_filter: 'medium'"),
        ({"uplinks": [{"interface": "eth1", "table": 1}], "mark_mask": 0}, "return_path_mark_mask"),
    ],
)
def test_return_path_bad_values_name_the_role_variable(variables: Dict[str, Any], expected: str) -> None:
    msg = bad(RP, **variables)
    assert msg.startswith(expected), msg


@given(st.integers(min_value=1, max_value=8), st.integers(min_value=0, max_value=23))
def test_return_path_uplink_marks_are_distinct_and_inside_the_mask(count: int, shift: int) -> None:
    mask = 0xFF << shift
    plan = ok(RP, mark_mask=mask, uplinks=[{"interface": f"e{i}", "table": 10 + i} for i in range(count)])
    marks = [e["mark"] for e in plan["conntrack"]["entries"]]
    assert len(set(marks)) == count
    assert all(m and m & ~mask == 0 for m in marks)


# ---------------------------------------------------------------------------- the filters
def test_filters_raise_the_message_ansible_prints() -> None:
    filters = FilterModule().filters()
    assert (
        filters["return_path_plan"]({"return_path_uplinks": [{"interface": "x", "table": 7}]})["tables"][0]["table"]
        == 7
    )
    with pytest.raises(AnsibleFilterError, match=r"transparent_proxy_port: 0 is not valid"):
        filters["transparent_proxy_plan"]({"transparent_proxy_port": 0})
    with pytest.raises(AnsibleFilterError, match="expected a dict"):
        filters["transparent_proxy_plan"]([1])


# ---------------------------------------------------------------------------- the roles' own files
def _role_file(role: str, path: str) -> Any:
    return yaml.safe_load((ROLES / role / path).read_text())


@pytest.mark.parametrize("family", ["ipv4", "ipv6", "both"])
def test_tproxy_role_defaults_plan_for_every_family(family: str) -> None:
    """With the role's own defaults (as Ansible passes them, every variable set), each family plans; a
    default bypass list of both families once refused family ipv4."""
    variables = dict(_role_file(TP, "defaults/main.yml"), transparent_proxy_port=3129, transparent_proxy_family=family)
    good, plan = plan_for(TP, variables)
    assert good, plan
    wanted = {"ipv4": ["ipv4"], "ipv6": ["ipv6"], "both": ["ipv4", "ipv6"]}[family]
    assert plan["tproxy"]["bypass"] == [b for b in DEFAULT_BYPASS if ("ipv6" if ":" in b else "ipv4") in wanted]


def test_return_path_role_defaults_plan() -> None:
    variables = dict(_role_file(RP, "defaults/main.yml"), return_path_uplinks=[{"interface": "e0", "table": 5}])
    assert plan_for(RP, variables)[0]


@pytest.mark.parametrize("role", [TP, RP])
def test_known_variables_are_the_argument_spec_and_the_defaults(role: str) -> None:
    """The plan's list of known variables, the argument spec and the defaults name the same variables."""
    spec = set(_role_file(role, "meta/argument_specs.yml")["argument_specs"]["main"]["options"])
    assert {f"{role}_{k}" for k in KNOWN[role]} == spec
    assert set(_role_file(role, "defaults/main.yml")) | {"transparent_proxy_port"} >= spec
