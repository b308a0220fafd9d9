# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Routing table names (rt_tables) and protocol names (rt_protos), read as iproute2 reads them.

Sources, in iproute2's order: ``<etc>/iproute2/rt_tables`` (or, when it is missing,
``/usr/share/iproute2/rt_tables``), then every ``*.conf`` in ``/usr/share/iproute2/rt_tables.d``
and ``<etc>/iproute2/rt_tables.d``. ``<etc>`` is /etc, or /etc/netns/NAME for a namespace
that has its own iproute2 directory (what ``ip netns exec NAME`` shows).

An unknown name is an error: never table 0, never main.
"""

from __future__ import annotations

import glob
import os
import re
from typing import Any, Dict, List, Optional, Set, Tuple, Union

from ansible_collections.pbr.linux.plugins.module_utils._host import read_text
from ansible_collections.pbr.linux.plugins.module_utils._values import (
    BUILTIN_PROTOS,
    PBR_FILE_STEM,
    PBR_PROTO,
    PBR_PROTO_NAME,
    U32_MAX,
    PbrError,
    invalid,
    parse_int,
)

USR_ROOT = "/usr/share"
# The host fact through which check mode carries table names from rt_tables_alias to the later
# ip_rule / ip_route_table tasks of the same run: {etc view: {name: id, or None when removed}}. The
# collection's action plugins keep it (plugins/plugin_utils/check_mode_tables.py); nothing is written.
CHECK_MODE_FACT = "pbr_linux_check_mode_tables"
BUILTIN_TABLES = {0: "unspec", 253: "default", 254: "main", 255: "local"}
RESERVED_IDS = (0, 253, 254, 255)
BUILTIN_IDS = {"main": 254, "local": 255, "default": 253}
TABLE_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
_LINE = re.compile(r"^\s*(0x[0-9a-fA-F]+|\d+)\s+(\S+)")


def parse_id_name(text: str) -> List[Tuple[int, str]]:
    """Entries of an rt_tables/rt_protos style file: ``ID NAME`` lines, ``#`` comments."""
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        match = _LINE.match(line)
        if match:
            entries.append((int(match.group(1), 0), match.group(2)))
    return entries


def own_tables_file(etc: str) -> str:
    return os.path.join(etc, "iproute2", "rt_tables.d", PBR_FILE_STEM + ".conf")


def own_protos_file(etc: str) -> str:
    return os.path.join(etc, "iproute2", "rt_protos.d", PBR_FILE_STEM + ".conf")


def sources(name: str, etc: str = "/etc", usr: str = USR_ROOT) -> List[str]:
    """The files iproute2 reads for ``name`` (rt_tables, rt_protos), in its order: <etc>/iproute2/NAME
    (or the /usr/share one when it is missing), then the *.conf of NAME.d in /usr/share and <etc>."""
    main = os.path.join(etc, "iproute2", name)
    if not os.path.exists(main):
        main = os.path.join(usr, "iproute2", name)
    out = [main]
    for base in (usr, etc):
        out.extend(sorted(glob.glob(os.path.join(base, "iproute2", name + ".d", "*.conf"))))
    return out


def table_sources(etc: str = "/etc", usr: str = USR_ROOT) -> List[str]:
    return sources("rt_tables", etc, usr)


def check_table_name(field: str, value: str) -> str:
    if not isinstance(value, str) or not TABLE_NAME_RE.fullmatch(value):
        raise invalid(field, value, "a table name: a letter or '_' then letters, digits, '_', '.' or '-'")
    return value


class TableNames:
    """Every name -> id mapping iproute2 would use in one /etc view."""

    def __init__(
        self,
        etc: str = "/etc",
        usr: str = USR_ROOT,
        skip: Optional[str] = None,
        pending: Optional[Dict[str, int]] = None,
    ) -> None:
        """``pending``: names that earlier rt_tables_alias tasks of the same run define in check mode
        (not yet in any file); they resolve only where no file defines the name (see CHECK_MODE_FACT)."""
        self.etc = etc
        self.pending = dict(pending or {})
        self.by_name: Dict[str, Dict[int, List[str]]] = {}
        self.by_id: Dict[int, str] = {}
        for tid, name in BUILTIN_TABLES.items():
            self._add(tid, name, "iproute2 built-in")
        for path in table_sources(etc, usr):
            if skip and os.path.abspath(path) == os.path.abspath(skip):
                continue
            text = read_text(path)
            if text is None:
                continue
            for tid, name in parse_id_name(text):
                self._add(tid, name, path)

    def _add(self, tid: int, name: str, source: str) -> None:
        self.by_name.setdefault(name, {}).setdefault(tid, []).append(source)
        self.by_id.setdefault(tid, name)

    def ids_of(self, name: str) -> Set[int]:
        return set(self.by_name.get(name, {}))

    def resolve(self, field: str, value: object) -> int:
        """A table number (1..2^32-1, given as int or digits) or a known name -> number."""
        if isinstance(value, bool):
            raise invalid(field, value, "a table number or a name from rt_tables")
        if isinstance(value, int) or (isinstance(value, str) and re.fullmatch(r"0x[0-9a-fA-F]+|\d+", value)):
            num = int(value, 0) if isinstance(value, str) else value
            if not 1 <= num <= U32_MAX:
                raise invalid(field, value, f"a table number from 1 to {U32_MAX} or a name from rt_tables")
            return num
        if not isinstance(value, str):
            raise invalid(field, value, "a table number or a name from rt_tables")
        ids = self.ids_of(value)
        if not ids and value in self.pending:
            return self.pending[value]
        if not ids:
            raise PbrError(
                f"{field}: table name {value!r} is not defined in {self.etc}/iproute2/rt_tables or "
                "rt_tables.d (define it with pbr.linux.rt_tables_alias, or give the table number)",
                field,
                value,
            )
        if len(ids) > 1:
            raise PbrError(
                f"{field}: table name {value!r} maps to several ids {sorted(ids)} in "
                f"{sorted(set(s for srcs in self.by_name[value].values() for s in srcs))}; "
                "expected one id per name",
                field,
                value,
            )
        return ids.pop()

    def name_of(self, tid: int) -> str:
        if tid in self.by_id:
            return self.by_id[tid]
        return next((name for name, pid in sorted(self.pending.items()) if pid == tid), str(tid))


def proto_names(etc: str = "/etc", usr: str = USR_ROOT) -> Dict[int, str]:
    """Protocol id -> name from rt_protos files (used for display only)."""
    names: Dict[int, str] = {}
    for path in sources("rt_protos", etc, usr):
        text = read_text(path)
        if text:
            for pid, name in parse_id_name(text):
                names.setdefault(pid, name)
    return names


def dsfield_names(etc: str = "/etc", usr: str = USR_ROOT) -> Dict[str, int]:
    """Names ``ip`` prints for tos values (rt_dsfield: AF11, EF, CS1, ...) -> number."""
    text = read_text(os.path.join(etc, "iproute2", "rt_dsfield"))
    if text is None:
        text = read_text(os.path.join(usr, "iproute2", "rt_dsfield")) or ""
    return {name: num for num, name in parse_id_name(text)}


def proto_number(name: str, field: str = "running_config") -> int:
    """A routing protocol as ``ip`` prints it (a number, a name from rt_protos, a built-in name) -> number."""
    if name.isdigit() and name.isascii():
        return int(name)
    for num, known in [*proto_names().items(), (PBR_PROTO, PBR_PROTO_NAME), *BUILTIN_PROTOS.items()]:
        if known == name:
            return num
    raise PbrError(f"{field}: unknown protocol name {name!r}", field, name)


def resolve_table(field: str, value: Any, tables: Optional[TableNames], builtin_ids: bool = True) -> Union[int, str]:
    """THE table reference parser: a number (1 to 2^32-1) or a name.

    With ``tables`` (on a host) a name must be defined and becomes its id. Offline (``rendered``,
    ``parsed``) a name stays a name, except the built-in ones when ``builtin_ids`` (main -> 254).
    """
    if value is None:
        raise PbrError(f"{field}: required; expected a table number or a name from rt_tables", field, None)
    if tables is not None:
        return tables.resolve(field, value)
    if isinstance(value, int) or (isinstance(value, str) and re.fullmatch(r"\s*(0x[0-9a-fA-F]+|\d+)\s*", value)):
        return parse_int(field, value, 1, U32_MAX, "a table number")
    if builtin_ids and isinstance(value, str) and value in BUILTIN_IDS:
        return BUILTIN_IDS[value]
    return check_table_name(field, value)
