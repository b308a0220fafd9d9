# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one runner between AnsibleModule and the engine: every pbr.linux module goes through it.

A module declares its argument spec and one ``prepare`` function (in the resource's module_utils
file): module parameters -> :class:`Task`, which says which Kind, which engine state the module's
``state`` maps onto, the config, what the kind needs from the host (:class:`Context`) and what the
module adds to the result. :func:`run_module` validates the top-level options with AnsibleModule and
the suboptions once (:mod:`._options`), runs the task through the engine (:func:`run_task`) and ends
the task: a PbrError fails it naming field and value. The result echoes the options back
(``invocation``) only where they are small (:func:`echo`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pbr.linux.plugins.module_utils import _engine as engine
from ansible_collections.pbr.linux.plugins.module_utils import _options as options
from ansible_collections.pbr.linux.plugins.module_utils._host import Host, etc_root
from ansible_collections.pbr.linux.plugins.module_utils._iproute2 import TableNames
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError

Params = Dict[str, Any]


@dataclass
class Context:
    """What a run needs from the host besides the kind's own reads: built once the host is open.

    ``resolve``: builds the kind's typed context (``Kind[T, C]``: what :meth:`engine.Kind.from_config`
    resolves the config with) - TableNames for rules and routes, the current entries for table aliases,
    a Snapshot for sysctls, None for netfilter.
    """

    resolve: Callable[[Host], Any] = lambda host: None
    files: Optional[Callable[[Host], List[engine.FileChange]]] = None


@dataclass
class Task:
    """One module invocation, declared by the resource's ``prepare``: the kind, the engine state the
    module's own state maps onto, the config, the host context, and extra result keys."""

    kind: engine.Kind[Any, Any]
    state: str
    config: Optional[Sequence[Dict[str, Any]]]
    context: Context
    namespace: Optional[str] = None
    running_config: Optional[str] = None
    report: str = "full"  # the resource modules pass their option (auto by default); the others are small
    extend: Optional[Callable[[Dict[str, Any]], None]] = None  # adds module-specific result keys


Prepare = Callable[[Params, bool], Task]


def run_task(
    task: Task, check_mode: bool, diff: bool, host_factory: Optional[Callable[[], Any]] = None
) -> Dict[str, Any]:
    """Run a prepared task through the engine; the module's result (without ``failed``)."""
    result = engine.run(
        task.kind,
        task.state,
        task.config,
        check_mode,
        diff,
        host_factory=host_factory or (lambda: Host(task.namespace)),
        context_factory=task.context.resolve,
        running_config=task.running_config,
        files_factory=task.context.files,
        report=task.report,
    )
    if task.extend is not None:
        task.extend(result)
    return result


def run_module(argument_spec: Dict[str, Any], prepare: Prepare, **module_options: Any) -> None:
    """The ``main()`` of every pbr.linux module."""
    shallow, deferred = options.split(argument_spec)
    module = AnsibleModule(argument_spec=shallow, supports_check_mode=True, **module_options)
    invocation = {"module_args": echo(module.params)}
    try:
        options.check(module.params, deferred)
        result = run_task(prepare(module.params, module.check_mode), module.check_mode, module._diff)
    except PbrError as err:
        module.fail_json(msg=err.msg, field=err.field, value=err.value, invocation=invocation)
    for warning in result.pop("warnings", []):
        module.warn(warning)
    module.exit_json(invocation=invocation, **result)


# options holding more values than this are not echoed back in ``invocation``
ECHO_MAX = 200


def echo(params: Params) -> Params:
    """The module's options for ``invocation``, a big one (a config of 5000 rules) replaced by a note.

    AnsibleModule echoes every option, with every suboption default filled in: for 5000 rules,
    megabytes that the module serialises and the controller parses and keeps, for nobody to read.
    """
    out: Params = {}
    for name, value in params.items():
        size = values_in(value, ECHO_MAX)
        out[name] = value if size <= ECHO_MAX else f"(more than {ECHO_MAX} values: not echoed)"
    return out


def values_in(value: Any, stop: int) -> int:
    """How many scalar values ``value`` holds, counting no further than past ``stop``; a text counts its lines."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        total = 0
        for item in value:
            total += values_in(item, stop)
            if total > stop:
                break
        return total
    if isinstance(value, str):
        return value.count("\n") + 1
    return 1


# ---------------------------------------------------------------------------- resource modules
# ip_rule and ip_route_table: the ansible.netcommon resource-module states, mapped one to one.
RESOURCE_MODULE_OPTIONS: Dict[str, Any] = {
    "required_if": [("state", "parsed", ("running_config",)), ("state", "rendered", ("config",))],
    "mutually_exclusive": [("config", "running_config")],
}


def resource_argument_spec(config_options: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "config": {"type": "list", "elements": "dict", "options": config_options},
        "state": {"type": "str", "default": "merged", "choices": list(engine.STATES)},
        "namespace": {"type": "str"},
        "running_config": {"type": "str"},
        "report": {"type": "str", "default": "auto", "choices": ["auto", "full", "summary"]},
        "pending_table_names": {"type": "dict"},
    }


def pending_names(pending: Any, etc: str) -> Dict[str, int]:
    """The names earlier rt_tables_alias tasks define for the /etc view ``etc`` in check mode."""
    view = pending.get(etc) if isinstance(pending, dict) else None
    if not isinstance(view, dict):
        return {}
    return {str(k): v for k, v in view.items() if isinstance(v, int) and not isinstance(v, bool)}


def table_names(params: Params, check_mode: bool) -> Callable[[Host], TableNames]:
    """The table names of the host's /etc view (plus, in check mode, those earlier tasks define)."""
    pending = params.get("pending_table_names") if check_mode else None

    def resolve(host: Host) -> TableNames:
        etc = etc_root(host.namespace)
        return TableNames(etc, pending=pending_names(pending, etc))

    return resolve


def resource_task(
    kind: engine.Kind[Any, Any], params: Params, check_mode: bool, files: Optional[Callable[[Host], Any]] = None
) -> Task:
    """A resource module's task: its state is the engine's state."""
    state = params["state"]
    if state in ("merged", "replaced") and not params["config"]:
        raise PbrError(f"config: required with state={state}; expected a list of entries", "config", None)
    return Task(
        kind=kind,
        state=state,
        config=params["config"],
        context=Context(resolve=table_names(params, check_mode), files=files),
        namespace=params["namespace"],
        running_config=params["running_config"],
        report=params["report"],
    )
