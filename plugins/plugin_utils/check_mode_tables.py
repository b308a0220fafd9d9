# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check mode across tasks: table names an earlier rt_tables_alias task would define.

In check mode rt_tables_alias writes nothing, so a later ip_rule or ip_route_table task naming the
table (seed 003: ``eth1_table``) would find no such name and fail, although the same play applied
for real works. The alias module returns, in check mode only, the names it would add (and remove)
as the host fact ``pbr_linux_check_mode_tables`` ({etc view: {name: id or None}}); its action
plugin merges that into what earlier tasks recorded, and the ip_rule / ip_route_table action
plugins hand the fact to their module, which uses it in check mode only and only for names that
no file defines. A name defined nowhere still fails.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ansible.plugins.action import ActionBase

from ansible_collections.pbr.linux.plugins.module_utils._iproute2 import CHECK_MODE_FACT


def recorded(task_vars: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    facts = (task_vars or {}).get("ansible_facts") or {}
    value = facts.get(CHECK_MODE_FACT)
    return dict(value) if isinstance(value, dict) else {}


class ModuleAction(ActionBase):
    """Run the module of the same name (FQCN ``pbr.linux.<MODULE>``)."""

    MODULE = ""
    _supports_check_mode = True
    _supports_async = True  # like the normal action: async runs the module as a background job

    def module_args(self, task_vars: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        return dict(self._task.args)

    def after(self, result: Dict[str, Any], task_vars: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        return result

    def run(self, tmp: Any = None, task_vars: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        result.update(
            self._execute_module(
                module_name=f"pbr.linux.{self.MODULE}",
                module_args=self.module_args(task_vars),
                task_vars=task_vars,
                wrap_async=wrap_async,
            )
        )
        if wrap_async:
            return result  # the job's result comes later, through async_status
        self._remove_tmp_path(self._connection._shell.tmpdir)
        return self.after(result, task_vars)


class UsesTableNames(ModuleAction):
    """ip_rule, ip_route_table: in check mode, give the module the names recorded so far."""

    def module_args(self, task_vars: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        args = dict(self._task.args)
        pending = recorded(task_vars)
        if self._play_context.check_mode and pending and "pending_table_names" not in args:
            args["pending_table_names"] = pending
        return args


class DefinesTableNames(ModuleAction):
    """rt_tables_alias: merge the names this task would define (check mode) into the fact."""

    def after(self, result: Dict[str, Any], task_vars: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        facts = result.get("ansible_facts") or {}
        mine = facts.get(CHECK_MODE_FACT)
        if not isinstance(mine, dict):
            return result
        merged = recorded(task_vars)
        for view, names in mine.items():
            names_so_far = dict(merged.get(view) or {})
            names_so_far.update(names)
            merged[view] = names_so_far
        result["ansible_facts"] = dict(facts, **{CHECK_MODE_FACT: merged})
        return result
