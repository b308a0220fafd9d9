# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""src_valid_mark, config parsing: the module's options -> a validated Request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Tuple

from ansible_collections.pbr.linux.plugins.module_utils._src_valid_mark_notation import (
    RP_FILTER,
    RP_FILTER_NAMES,
    SETTINGS,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import check_ifname, invalid


# ---------------------------------------------------------------------------- the request
@dataclass(frozen=True)
class Request:
    """The validated module parameters."""

    interfaces: Tuple[str, ...]
    settings: Tuple[Tuple[str, int], ...]  # (setting, value) to set with state=present
    state: str = "present"
    persist: bool = True

    def scope(self) -> Tuple[str, ...]:
        """The settings this task is about: the ones given, or both for state=absent."""
        return SETTINGS if self.state == "absent" else tuple(setting[0] for setting in self.settings)


def parse_rp_filter(value: Any) -> Optional[int]:
    expected = "off, strict or loose (or 0, 1, 2)"
    if value is None:
        return None
    if value is False:  # an unquoted `off` in YAML 1.1 is the boolean false
        return 0
    if isinstance(value, bool):
        raise invalid("rp_filter", value, expected + "; quote 'off' in YAML, and true does not say which mode")
    if isinstance(value, int) and value in RP_FILTER_NAMES:
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in RP_FILTER:
            return RP_FILTER[text]
        if text in ("0", "1", "2"):
            return int(text)
    raise invalid("rp_filter", value, expected)


def parse_request(params: Mapping[str, Any]) -> Request:
    """Validate the parameters, before anything on the host is read or changed."""
    state = params.get("state", "present")
    if state not in ("present", "absent"):
        raise invalid("state", state, "present or absent")
    raw = params.get("interfaces")
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple)) or not raw:
        raise invalid("interfaces", raw, "a list of one or more interface names (or all, default)")
    names: List[str] = []
    for n, name in enumerate(raw):
        check_ifname(f"interfaces[{n}]", name)
        if name not in names:
            names.append(name)
    svm = params.get("src_valid_mark", True)
    if not isinstance(svm, bool):
        raise invalid("src_valid_mark", svm, "a boolean")
    persist = params.get("persist", True)
    if not isinstance(persist, bool):
        raise invalid("persist", persist, "a boolean")
    settings: List[Tuple[str, int]] = [("src_valid_mark", int(svm))]
    rp_filter = parse_rp_filter(params.get("rp_filter"))
    if rp_filter is not None:
        settings.append(("rp_filter", rp_filter))
    return Request(tuple(names), tuple(settings), state, persist)
