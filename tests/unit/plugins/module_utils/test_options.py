# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Suboptions checked once (_options), the result's size (report, invocation) and the text-form warning.

The suboption checks stand in for AnsibleModule's: each case is compared with what AnsibleModule
itself makes of the same entry under the module's full spec, so a value means what it meant.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, List

import pytest

from ansible_collections.pbr.linux.plugins.module_utils import _engine as engine
from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table import many_dicts_warning
from ansible_collections.pbr.linux.plugins.module_utils._options import check, split
from ansible_collections.pbr.linux.plugins.module_utils._runner import ECHO_MAX, echo
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError
from ansible_collections.pbr.linux.plugins.modules import ip_route_table, ip_rule, tproxy_divert
from ansible_collections.pbr.linux.tests.unit.plugins.module_utils.test_engine import FakeHost, StaticRuleKind, rule

RULE_SPEC = {"config": {"type": "list", "elements": "dict", "options": ip_rule.RULE_OPTIONS}}
ROUTE_SPEC = {"config": {"type": "list", "elements": "dict", "options": ip_route_table.TABLE_OPTIONS}}


def ansible_module_params(spec: Dict[str, Any], params: Dict[str, Any]) -> Dict[str, Any]:
    """What AnsibleModule makes of ``params`` with the full ``spec`` (suboptions and all)."""
    from ansible.module_utils import basic
    from ansible.module_utils.testing import patch_module_args

    with patch_module_args(copy.deepcopy(params)):
        module = basic.AnsibleModule(argument_spec=spec)
    return dict(module.params)


def checked(spec: Dict[str, Any], params: Dict[str, Any]) -> Dict[str, Any]:
    out = copy.deepcopy(params)
    _shallow, deferred = split(spec)
    check(out, deferred)
    return out


def without_none(value: Any) -> Any:
    """AnsibleModule fills every suboption it was not given with None; _options leaves them out."""
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_none(v) for v in value]
    return value


@pytest.mark.parametrize(
    "spec, params",
    [
        (RULE_SPEC, {"config": [{"priority": 100, "from": "192.0.2.0/24", "table": 100}]}),
        (RULE_SPEC, {"config": [{"priority": "100", "invert": "yes", "iif": 5, "action": "goto", "goto": 200}]}),
        (RULE_SPEC, {"config": [{"priority": 1, "invert": 1, "fwmark": "0x1/0xff", "table": "main"}]}),
        (ROUTE_SPEC, {"config": [{"table": 100, "routes": [{"dst": "default", "via": "192.0.2.1", "onlink": "yes"}]}]}),
        (
            ROUTE_SPEC,
            {
                "config": [
                    {
                        "table": "t1",
                        "defaults": {"dev": "eth1", "metric": 5},
                        "prefixes": "198.51.100.0/24\n203.0.113.0/24",
                        "routes": [{"dst": "2001:db8::/32", "nexthops": [{"via": "fe80::1", "dev": 7, "weight": 2}]}],
                    }
                ]
            },
        ),
        (
            {"match": tproxy_divert.ARGUMENT_SPEC["match"]},
            {"match": [{"dport": [80, 443]}, {"protocol": "udp", "dport": "53"}]},
        ),
    ],
)
def test_check_converts_as_ansible_module_does(spec: Dict[str, Any], params: Dict[str, Any]) -> None:
    assert without_none(checked(spec, params)) == without_none(ansible_module_params(spec, params))


@pytest.mark.parametrize(
    "spec, params, field, value",
    [
        (RULE_SPEC, {"config": [{"priority": 1, "table": 1}, {"priorty": 2}]}, "config[1].priorty", 2),
        (RULE_SPEC, {"config": [{"priority": 1, "family": "inet"}]}, "config[0].family", "inet"),
        (RULE_SPEC, {"config": [{"priority": 1, "invert": "maybe"}]}, "config[0].invert", "maybe"),
        (RULE_SPEC, {"config": [{"priority": 1, "action": "jump"}]}, "config[0].action", "jump"),
        (RULE_SPEC, {"config": ["priority 1"]}, "config[0]", "priority 1"),
        (ROUTE_SPEC, {"config": [{"routes": []}]}, "config[0].table", None),
        (
            ROUTE_SPEC,
            {"config": [{"table": 1, "routes": [{"dst": "default", "gw": "192.0.2.1"}]}]},
            "config[0].routes[0].gw",
            "192.0.2.1",
        ),
        (ROUTE_SPEC, {"config": [{"table": 1, "defaults": {"dev": "lo", "metrc": 1}}]}, "config[0].defaults.metrc", 1),
        (
            ROUTE_SPEC,
            {"config": [{"table": 1, "routes": [{"dst": "default", "nexthops": [{"via": "192.0.2.1", "w": 1}]}]}]},
            "config[0].routes[0].nexthops[0].w",
            1,
        ),
        (
            ROUTE_SPEC,
            {"config": [{"table": 1, "routes": [{"dst": "default", "onlink": "sometimes"}]}]},
            "config[0].routes[0].onlink",
            "sometimes",
        ),
    ],
)
def test_check_refuses_naming_the_field(spec: Dict[str, Any], params: Dict[str, Any], field: str, value: Any) -> None:
    before = copy.deepcopy(params)
    with pytest.raises(PbrError) as err:
        checked(spec, params)
    assert err.value.field == field and err.value.value == value
    assert field in err.value.msg
    assert params == before  # checked() works on a copy; the caller's data is untouched


def test_check_fills_declared_defaults_only() -> None:
    out = checked(RULE_SPEC, {"config": [{"priority": 1, "table": 1}]})
    assert out == {"config": [{"priority": 1, "table": 1, "invert": False, "action": "lookup"}]}
    # the tproxy match default protocol is tcp, and a list default is a fresh copy per entry
    spec = {"match": tproxy_divert.ARGUMENT_SPEC["match"]}
    out = checked(spec, {"match": [{}, {}]})
    assert out["match"] == [{"protocol": "tcp"}, {"protocol": "tcp"}]


def test_split_keeps_top_level_and_hands_suboptions_over() -> None:
    shallow, deferred = split(dict(RULE_SPEC, state={"type": "str", "default": "merged"}))
    assert shallow == {"config": {"type": "list", "elements": "dict"}, "state": {"type": "str", "default": "merged"}}
    assert deferred == {"config": ip_rule.RULE_OPTIONS}


# ---------------------------------------------------------------------------- result size
def run_rules(n_current: int, n_new: int, report: str, check_mode: bool = True) -> Dict[str, Any]:
    current = [rule(10000 + i, fwmark=i + 1) for i in range(n_current)]
    config = [{"priority": 20000 + i, "fwmark": i + 1, "table": 100} for i in range(n_new)]
    host = FakeHost(rules=current)
    return engine.run(
        StaticRuleKind(), "merged", config, check_mode, False, lambda: host, lambda h: None, report=report
    )


def test_report_auto_is_full_for_a_small_policy() -> None:
    auto, full = run_rules(60, 40, "auto"), run_rules(60, 40, "full")
    assert auto == dict(full, engine_seconds=auto["engine_seconds"])
    assert len(auto["before"]) == 60 and len(auto["after"]) == 100 and len(auto["commands"]) == 40
    assert "summary" not in auto


def test_report_auto_beyond_the_limit_gives_counts_and_the_first_commands() -> None:
    auto = run_rules(60, 41, "auto")  # 101 rules after: beyond FULL_REPORT_MAX
    assert "before" not in auto and "after" not in auto
    assert auto["summary"] == {"add": 41, "replace": 0, "delete": 0, "files": 0, "before": 60, "after": 101}
    assert auto["commands"] == run_rules(60, 41, "full")["commands"]
    big = run_rules(0, engine.SUMMARY_COMMANDS + 7, "auto")
    assert len(big["commands"]) == engine.SUMMARY_COMMANDS
    assert big["summary"]["commands_omitted"] == 7
    assert big["commands"][-1].startswith(f"ip -4 rule add priority {20000 + engine.SUMMARY_COMMANDS - 1} ")


def test_report_summary_is_counts_only() -> None:
    result = run_rules(200, 5, "summary")
    assert set(result) == {"changed", "summary", "engine_seconds"}
    assert result["summary"]["add"] == 5


def test_invocation_echoes_small_options_only() -> None:
    small = {"config": [{"priority": 1, "table": 100}], "state": "merged", "namespace": None}
    assert echo(small) == small
    rules = [{"priority": i, "from": f"192.0.2.{i}", "table": 100} for i in range(ECHO_MAX)]
    text = "\n".join(f"198.51.100.{i}/32" for i in range(ECHO_MAX + 1))
    out = echo({"config": rules, "prefixes": text, "state": "merged"})
    assert out["state"] == "merged"
    assert out["config"] == out["prefixes"] == f"(more than {ECHO_MAX} values: not echoed)"
    assert len(json.dumps(out)) < 200


def test_many_route_dicts_get_a_warning_naming_the_text_form() -> None:
    few: List[Dict[str, Any]] = [{"table": 100, "routes": [{"dst": "default", "dev": "lo"}] * 9999}]
    assert many_dicts_warning(few) is None
    many = [few[0], {"table": 101, "routes": [{"dst": "default", "dev": "lo"}]}]
    warning = many_dicts_warning(many)
    assert warning is not None and "10000 routes" in warning and "prefixes" in warning and "defaults" in warning
    assert many_dicts_warning([{"table": 100, "prefixes": "\n".join(["198.51.100.0/24"] * 20000)}]) is None
    assert many_dicts_warning(None) is None and many_dicts_warning(["junk"]) is None
