# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""src_valid_mark, native notation: sysctl keys and /proc/sys paths, and our sysctl.d file (values, the previous
values it keeps, headers), parsed and rendered."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

SETTINGS = ("src_valid_mark", "rp_filter")
RP_FILTER = {"off": 0, "strict": 1, "loose": 2}
RP_FILTER_NAMES = {v: k for k, v in RP_FILTER.items()}
SPECIAL = ("all", "default")
CONF = ("net", "ipv4", "conf")
PROC_SYS = "/proc/sys"
FILE_NAME = "60-pbr-linux.conf"
RUNNING = "running"
FILE = "file"
HEADER = "# Managed by the pbr.linux Ansible collection (pbr.linux.src_valid_mark): edits here are overwritten.\n"
HEADER_ROOT = (
    "# Loaded at boot by systemd-sysctl (and by udev for an interface that appears later);\n"
    "# load it now with: sysctl -e -p {path}\n"
)
HEADER_NETNS = (
    "# For network namespace {namespace}: systemd does not load it; `ip netns exec {namespace}` shows it as\n"
    "# /etc/sysctl.d/{name}: load it with: ip netns exec {namespace} sysctl -e -p /etc/sysctl.d/{name}\n"
)
HEADER_PREVIOUS = "# A '# pbr.linux previous:' line keeps the value its entry replaced (state=absent restores it).\n"
_PREVIOUS = re.compile(r"^#\s*pbr\.linux previous:\s*(\S+?)\s*=\s*(\S+)\s*$")
_SETTING = re.compile(r"^[ \t]*(-?)([^=#;\s][^=]*?)\s*=\s*(.*?)\s*$")

Slot = Tuple[str, str]  # (interface, setting)


# ---------------------------------------------------------------------------- keys and paths
def sysctl_key(interface: str, setting: str) -> str:
    """``net.ipv4.conf.<if>.<setting>`` with each dot of the interface name written as ``/``."""
    return ".".join(CONF + (interface.replace(".", "/"), setting))


def key_to_path(key: str) -> str:
    """A sysctl key in either notation -> the path under /proc/sys (sysctl(8) rules).

    When the first separator is a dot, dots separate and slashes stand for dots; when it is a
    slash, the key already is a path.
    """
    key = key.strip().strip("./")
    first = re.search(r"[./]", key)
    if first and first.group(0) == ".":
        key = key.translate(str.maketrans("./", "/."))
    return key


def parse_key(key: str) -> Optional[Slot]:
    """``(interface, setting)`` for a key of ours (either notation), else None."""
    parts = key_to_path(key).split("/")
    if len(parts) == 5 and tuple(parts[:3]) == CONF and parts[4] in SETTINGS and parts[3] not in ("", ".", ".."):
        return (parts[3], parts[4])
    return None


def proc_path(interface: str, setting: str, root: str = PROC_SYS) -> str:
    return os.path.join(root, *CONF, interface, setting)


def persist_path(namespace: Optional[str], etc: str = "/etc") -> str:
    """Our sysctl.d file. For a namespace: ``/etc/netns/NS/sysctl.d/...``, which ``ip netns exec NS``
    shows as /etc/sysctl.d (so ``ip netns exec NS sysctl -e -p /etc/sysctl.d/60-pbr-linux.conf`` loads it);
    never the root view's /etc/sysctl.d, which systemd-sysctl applies to the root namespace only."""
    if namespace:
        return os.path.join(etc, "netns", namespace, "sysctl.d", FILE_NAME)
    return os.path.join(etc, "sysctl.d", FILE_NAME)


def value_text(setting: str, value: int) -> str:
    if setting == "rp_filter":
        return RP_FILTER_NAMES.get(value, str(value))
    return "true" if value else "false"


# ---------------------------------------------------------------------------- our file
@dataclass(frozen=True)
class Entry:
    value: int
    previous: Optional[int] = None  # the running value the entry replaced; None: unknown (pending)


@dataclass
class SysctlFile:
    """Our sysctl.d file: entries we manage, and any other setting lines, kept verbatim."""

    entries: Dict[Slot, Entry] = field(default_factory=dict)
    other: List[str] = field(default_factory=list)


def _int(text: str) -> Optional[int]:
    return int(text) if re.fullmatch(r"-?\d+", text.strip()) else None


def parse_file(text: Optional[str]) -> SysctlFile:
    """Parse our file. Comments go (the header is rewritten), except our ``previous`` records.

    Lines for keys we do not manage are kept as they are; a later line for the same key wins,
    as when sysctl applies the file.
    """
    out = SysctlFile()
    previous: Dict[Slot, int] = {}
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line[0] in "#;":
            match = _PREVIOUS.match(line)
            slot = parse_key(match.group(1)) if match else None
            value = _int(match.group(2)) if match else None
            if slot is not None and value is not None:
                previous[slot] = value
            continue
        match = _SETTING.match(line)
        slot = parse_key(match.group(2)) if match else None
        value = _int(match.group(3)) if match else None
        if slot is None or value is None:
            out.other.append(line)
            continue
        out.entries.pop(slot, None)
        out.entries[slot] = Entry(value)
    for slot, entry in out.entries.items():
        if slot in previous:
            out.entries[slot] = Entry(entry.value, previous[slot])
    return out


def _slot_order(slot: Slot) -> Tuple[int, str, int]:
    interface, setting = slot
    return (SPECIAL.index(interface) if interface in SPECIAL else len(SPECIAL), interface, SETTINGS.index(setting))


def render_file(data: SysctlFile, path: str, namespace: Optional[str] = None) -> str:
    lines = [HEADER]
    if namespace:
        lines.append(HEADER_NETNS.format(namespace=namespace, name=os.path.basename(path)))
    else:
        lines.append(HEADER_ROOT.format(path=path))
    lines.append(HEADER_PREVIOUS)
    lines += [line + "\n" for line in data.other]
    for slot in sorted(data.entries, key=_slot_order):
        entry = data.entries[slot]
        key = sysctl_key(*slot)
        lines.append(f"{key} = {entry.value}\n")
        if entry.previous is not None:
            lines.append(f"# pbr.linux previous: {key} = {entry.previous}\n")
    return "".join(lines)
