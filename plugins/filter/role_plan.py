# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters the roles use to turn their variables into module parameters, checked before any task runs."""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.pbr.linux.plugins.module_utils._role_plan import plan_for


def _filter(role: str) -> Callable[[Mapping[str, Any]], Dict[str, Any]]:
    def run(variables: Mapping[str, Any]) -> Dict[str, Any]:
        if not isinstance(variables, Mapping):
            raise AnsibleFilterError(f"{role}_plan: expected a dict of the role's variables")
        ok, result = plan_for(role, variables)
        if not ok:
            raise AnsibleFilterError(result)
        return dict(result)

    return run


class FilterModule:
    """pbr.linux.transparent_proxy_plan, pbr.linux.return_path_plan."""

    def filters(self) -> Dict[str, Any]:
        return {"transparent_proxy_plan": _filter("transparent_proxy"), "return_path_plan": _filter("return_path")}
