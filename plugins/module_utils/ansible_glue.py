# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The thin layer between AnsibleModule and the engine, shared by every resource module."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pbr.linux.plugins.module_utils import engine
from ansible_collections.pbr.linux.plugins.module_utils.common import PbrError
from ansible_collections.pbr.linux.plugins.module_utils.host import Host, etc_root
from ansible_collections.pbr.linux.plugins.module_utils.tables import TableNames


def resource_argument_spec(config_options: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "config": {"type": "list", "elements": "dict", "options": config_options},
        "state": {"type": "str", "default": "merged", "choices": list(engine.STATES)},
        "namespace": {"type": "str"},
        "running_config": {"type": "str"},
        "report": {"type": "str", "default": "full", "choices": ["full", "summary"]},
        "pending_table_names": {"type": "dict"},
    }


def pending_names(pending: Any, etc: str) -> Dict[str, int]:
    """The names earlier rt_tables_alias tasks define for the /etc view ``etc`` in check mode."""
    view = pending.get(etc) if isinstance(pending, dict) else None
    if not isinstance(view, dict):
        return {}
    return {str(k): v for k, v in view.items() if isinstance(v, int) and not isinstance(v, bool)}


def run_resource_module(
    argument_spec: Dict[str, Any],
    kind: engine.Kind[Any],
    files_factory: Optional[Callable[[Host], Any]] = None,
) -> None:
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "parsed", ("running_config",)), ("state", "rendered", ("config",))],
        mutually_exclusive=[("config", "running_config")],
    )
    state = module.params["state"]
    if state in ("merged", "replaced") and not module.params["config"]:
        module.fail_json(msg=f"config: required with state={state}; expected a list of entries")
    namespace = module.params["namespace"]
    pending = module.params["pending_table_names"] if module.check_mode else None
    finish(
        module,
        lambda: engine.run(
            kind,
            state,
            module.params["config"],
            module.check_mode,
            module._diff,
            host_factory=lambda: Host(namespace),
            resolver_factory=lambda host: TableNames(
                etc_root(host.namespace), pending=pending_names(pending, etc_root(host.namespace))
            ),
            running_config=module.params["running_config"],
            files_factory=files_factory,
            report=module.params["report"],
        ),
    )


def finish(module: AnsibleModule, call: Callable[[], Dict[str, Any]]) -> None:
    """End the task with ``call()``'s result: a PbrError fails it (msg, field, value), warnings are shown."""
    try:
        result = call()
    except PbrError as err:
        module.fail_json(msg=err.msg, field=err.field, value=err.value)
    for warning in result.pop("warnings", []):
        module.warn(warning)
    module.exit_json(**result)
