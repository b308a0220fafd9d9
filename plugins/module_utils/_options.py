# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Suboptions checked once, by pbr.linux, instead of by AnsibleModule.

AnsibleModule validates every suboption of every entry of a list option: for a ``config`` of 5000
rules that is 5000 x 20 checks (0.43 s) and 20 keys filled into each 3-key entry, which the module
then echoes back; the engine's normalisers validate every value again, naming the field. So the
runner hands AnsibleModule the argument spec without suboptions (:func:`split`) and, before the
engine sees the parameters, :func:`check` does what AnsibleModule did that the normalisers do not:
unknown keys, ``required``, ``choices``, declared defaults and the type conversions of the spec
(``str``, ``bool``, ``int``, ``list``, ``dict``; ``raw`` is left to the normaliser). It touches only
the keys an entry gives, and converts with AnsibleModule's own functions, so values mean what
they meant. The documented spec stays the whole spec (``ansible-doc`` and validate-modules see it).
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Dict, List, Tuple

from ansible.module_utils.common.validation import (
    check_type_bool,
    check_type_dict,
    check_type_float,
    check_type_int,
    check_type_list,
    check_type_str,
)

from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError, invalid

Spec = Dict[str, Any]

_NATIVE = {"str": str, "bool": bool, "int": int, "list": list, "dict": dict, "float": float}
_CONVERT: Dict[str, Callable[[Any], Any]] = {
    "str": lambda v: check_type_str(v, allow_conversion=True),
    "bool": check_type_bool,
    "int": check_type_int,
    "float": check_type_float,
    "list": check_type_list,
    "dict": check_type_dict,
}
_EXPECTED = {
    "str": "a string",
    "bool": "true or false",
    "int": "an integer",
    "float": "a number",
    "list": "a list",
    "dict": "a dictionary",
}


def split(argument_spec: Spec) -> Tuple[Spec, Spec]:
    """(the spec AnsibleModule gets: top-level options only, {option: its suboptions} to :func:`check`)."""
    shallow: Spec = {}
    deferred: Spec = {}
    for name, spec in argument_spec.items():
        if "options" in spec:
            deferred[name] = spec["options"]
            shallow[name] = {k: v for k, v in spec.items() if k != "options"}
        else:
            shallow[name] = spec
    return shallow, deferred


def check(params: Dict[str, Any], deferred: Spec) -> None:
    """Check (and convert in place) the suboptions of the deferred options of ``params``."""
    for name, options in deferred.items():
        value = params.get(name)
        if isinstance(value, list):
            for n, entry in enumerate(value):
                _entry(f"{name}[{n}]", options, entry)
        elif isinstance(value, dict):
            _entry(name, options, value)


def _entry(where: str, options: Spec, entry: Any) -> None:
    if not isinstance(entry, dict):
        raise invalid(where, entry, f"a dictionary of {', '.join(options)}")
    for key, value in entry.items():  # only what the entry gives: 50,000 routes x 15 options add up
        spec = options.get(key)
        if spec is None:
            raise PbrError(
                f"{where}.{key}: unknown option; expected some of {', '.join(options)}", f"{where}.{key}", value
            )
        if value is not None and spec.get("type", "str") != "raw":
            entry[key] = _value(f"{where}.{key}", spec, value)
    required, defaults = _fill(options)
    for key in required:
        if entry.get(key) is None:
            raise PbrError(f"{where}.{key}: required", f"{where}.{key}", None)
    for key, default in defaults:
        if entry.get(key) is None:
            entry[key] = copy.deepcopy(default)


_FILL: Dict[int, Tuple[Tuple[str, ...], Tuple[Tuple[str, Any], ...]]] = {}


def _fill(options: Spec) -> Tuple[Tuple[str, ...], Tuple[Tuple[str, Any], ...]]:
    """(required keys, (key, default) pairs) of a suboption spec, worked out once per spec."""
    found = _FILL.get(id(options))
    if found is None:
        required = tuple(k for k, s in options.items() if s.get("required"))
        defaults = tuple((k, s["default"]) for k, s in options.items() if s.get("default") is not None)
        found = _FILL[id(options)] = (required, defaults)
    return found


def _value(where: str, spec: Spec, value: Any) -> Any:
    kind = spec.get("type", "str")
    native = _NATIVE.get(kind)
    # exact type: a bool is an int, and an int given for a str option is converted, as AnsibleModule does
    if native is not None and type(value) is not native:  # pylint: disable=unidiomatic-typecheck
        try:
            value = _CONVERT[kind](value)
        except (TypeError, ValueError):
            raise invalid(where, value, _EXPECTED[kind]) from None
    if kind == "list":
        value = _elements(where, spec, value)
    elif kind == "dict" and "options" in spec:
        _entry(where, spec["options"], value)
    choices = spec.get("choices")
    if choices is not None and kind != "list" and value not in choices:
        raise invalid(where, value, "one of " + ", ".join(map(str, choices)))
    return value


def _elements(where: str, spec: Spec, value: List[Any]) -> List[Any]:
    elements = spec.get("elements")
    choices = spec.get("choices")
    item_spec = {"type": elements, **({"options": spec["options"]} if "options" in spec else {})}
    out = []
    for n, item in enumerate(value):
        if elements is not None:
            item = _value(f"{where}[{n}]", item_spec, item)
        if choices is not None and item not in choices:
            raise invalid(f"{where}[{n}]", item, "one of " + ", ".join(map(str, choices)))
        out.append(item)
    return out
