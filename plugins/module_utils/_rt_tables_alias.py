# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Routing table names (``ID NAME``) in our own file, ``<etc>/iproute2/rt_tables.d/pbr-linux.conf``.

A table alias is a resource :class:`~engine.Kind` like a rule: the desired entries against every
entry of every rt_tables source of one /etc view (ours and foreign), through the engine's
``make_plan`` (present = merged, absent = deleted). Only the apply step differs: instead of an
``ip -batch``, our file is rewritten atomically from the plan's ``after`` (sorted by id).

Namespaces: ``ip netns exec NS`` and ``ip -n NS`` bind-mount ``/etc/netns/NS/iproute2`` over
``/etc/iproute2`` when it exists. When it does not, the namespace sees the host's files, and
creating it would hide them all; so the first write for such a namespace creates it as a copy of
the host's ``/etc/iproute2`` (our file included), then writes our file into the copy, and moves
the whole directory in place with one rename.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Any, Callable, Dict, Hashable, List, Optional, Sequence, Tuple

from ansible_collections.pbr.linux.plugins.module_utils import _engine as engine
from ansible_collections.pbr.linux.plugins.module_utils._engine import Kind, Plan
from ansible_collections.pbr.linux.plugins.module_utils._host import (
    NETNS_ETC_DIR,
    Host,
    atomic_write,
    check_namespace_name,
    etc_root,
    read_text,
)
from ansible_collections.pbr.linux.plugins.module_utils._iproute2 import (
    BUILTIN_TABLES,
    CHECK_MODE_FACT,
    USR_ROOT,
    check_table_name,
    own_tables_file,
    parse_id_name,
    table_sources,
)
from ansible_collections.pbr.linux.plugins.module_utils._values import PbrError, invalid, parse_int

HEADER = "# Managed by the pbr.linux Ansible collection\n"
RESERVED_NAMES = {name: tid for tid, name in BUILTIN_TABLES.items()}
# iproute2 reads rt_tables ids into a C int and skips negative ones: a name for a table above
# 2^31-1 is silently ignored by `ip` (checked with iproute2 6.1; the code is unchanged upstream).
IPROUTE2_MAX_TABLE = 0x7FFFFFFF
ID_EXPECTED = (
    f"a table id from 1 to {IPROUTE2_MAX_TABLE}, except 253, 254 and 255 (reserved for default, main and local)"
)


@dataclass(frozen=True)
class Alias:
    """One ``ID NAME`` entry; ``source`` is the file it is in (ours for desired entries)."""

    id: Optional[int]  # None only for `absent` by name of a name defined nowhere
    name: str
    source: str = ""


def check_alias_name(field: str, value: Any) -> str:
    check_table_name(field, value)
    if value in RESERVED_NAMES:
        raise PbrError(
            f"{field}: {value!r} is reserved for table {RESERVED_NAMES[value]} by iproute2; expected another name",
            field,
            value,
        )
    return value


def check_alias_id(field: str, value: Any) -> int:
    try:
        num = parse_int(field, value, 0, 0xFFFFFFFF, "a table id")
    except PbrError:
        raise invalid(field, value, ID_EXPECTED) from None
    if num in BUILTIN_TABLES:
        raise PbrError(
            f"{field}: {value!r} is reserved for table {BUILTIN_TABLES[num]!r}; expected {ID_EXPECTED}", field, value
        )
    if num > IPROUTE2_MAX_TABLE:
        raise PbrError(
            f"{field}: {value!r} is a kernel table id, but iproute2 ignores rt_tables entries above "
            f"{IPROUTE2_MAX_TABLE}, so the name would never resolve; expected {ID_EXPECTED}",
            field,
            value,
        )
    return num


def render_file(entries: Sequence[Alias]) -> str:
    """Our file's text: the header, then ``ID<TAB>NAME`` lines sorted by id ('' when empty)."""
    pairs = sorted({(a.id, a.name) for a in entries if a.id is not None})
    if not pairs:
        return ""
    return HEADER + "".join(f"{tid}\t{name}\n" for tid, name in pairs)


def read_entries(etc: str, usr: str = USR_ROOT) -> List[Alias]:
    """Every ``ID NAME`` entry of every rt_tables source of one /etc view, with its file."""
    out: List[Alias] = []
    for path in table_sources(etc, usr):
        text = read_text(path)
        if text:
            out.extend(Alias(tid, name, path) for tid, name in parse_id_name(text))
    return out


def write_entries(path: str, entries: Sequence[Alias], seed_from: Optional[str] = None) -> None:
    """Make our file hold ``entries`` (removed when there are none), atomically.

    ``seed_from``: when the iproute2 directory holding ``path`` does not exist, create it as a copy
    of this directory first (in a temp directory renamed into place once our file is in it).
    """
    content = render_file(entries)
    iproute2 = os.path.dirname(os.path.dirname(path))
    if seed_from is not None and not os.path.isdir(iproute2):
        parent = os.path.dirname(iproute2)
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".pbr-iproute2-", dir=parent)
        try:
            os.chmod(tmp, 0o755)
            if os.path.isdir(seed_from):
                shutil.copytree(seed_from, tmp, symlinks=True, dirs_exist_ok=True)
            inner = os.path.join(tmp, os.path.relpath(path, iproute2))
            if content:
                atomic_write(inner, content)
            elif os.path.lexists(inner):
                os.unlink(inner)
            os.rename(tmp, iproute2)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return
    if content:
        if read_text(path) != content:
            atomic_write(path, content)
    elif os.path.lexists(path):
        os.unlink(path)


class AliasKind(Kind[Alias, List[Alias]]):
    """Table aliases of one /etc view; ``present`` selects the checks of state=present."""

    noun = "table alias"

    def __init__(
        self,
        view_etc: str,
        write_etc: str,
        usr: str = USR_ROOT,
        present: bool = True,
        field: Optional[str] = None,
        seed_from: Optional[str] = None,
    ) -> None:
        self.view_etc = view_etc
        self.usr = usr
        self.present = present
        self.field = field  # None: the name/id options; "aliases": the list option
        self.own = own_tables_file(view_etc)  # our file as the view shows it now
        self.target = own_tables_file(write_etc)  # where apply writes it
        self.seed_from = seed_from

    # identity
    def key(self, obj: Alias) -> Hashable:
        return (obj.id, obj.name)

    def slot(self, obj: Alias) -> Hashable:
        return obj.name

    def group(self, obj: Alias) -> Hashable:
        return obj.name

    def owned(self, obj: Alias) -> bool:
        return obj.source == self.own

    def sort_key(self, obj: Alias) -> Any:
        return (obj.id if obj.id is not None else -1, obj.name, obj.source)

    # notation
    def show(self, obj: Alias) -> str:
        return f"{obj.id}\t{obj.name}"

    def describe(self, obj: Alias) -> str:
        return f"{obj.id} {obj.name}" + (f" (in {obj.source})" if obj.source and not self.owned(obj) else "")

    def command(self, action: str, obj: Alias) -> str:
        line = f"'{obj.id} {obj.name}'"
        if action == "add":
            return f"add {line} to {self.target}"
        if action == "delete":
            return f"remove {line} from {self.target}"
        return f"replace {obj.name!r} with {line} in {self.target}"

    def plan_commands(self, plan: Plan[Alias]) -> List[str]:
        out = engine.commands(self, plan)
        if self.seed_from is not None and plan.changed:
            iproute2 = os.path.dirname(os.path.dirname(self.target))
            out.insert(0, f"# create {iproute2} as a copy of {self.seed_from} (the namespace's own /etc view)")
        return out

    def to_config(self, obj: Alias) -> Dict[str, Any]:
        return {"name": obj.name, "id": obj.id, "source": obj.source}

    def diff_text(self, objs: Sequence[Alias]) -> str:
        return render_file([o for o in objs if self.owned(o)])

    # I/O
    def _where(self, index: int, name: str) -> str:
        return f"{self.field}[{index}].{name}" if self.field else name

    def from_config(self, config: Sequence[Dict[str, Any]], context: Optional[List[Alias]]) -> List[Alias]:
        """Validated entries; ``context`` is the current entries (to expand `absent` by name)."""
        current: Sequence[Alias] = context or []
        out: List[Alias] = []
        ids_by_name: Dict[str, Tuple[int, int]] = {}
        for index, entry in enumerate(config):
            if not isinstance(entry, dict):
                raise invalid(self.field or "aliases", entry, "a dict with keys name and id")
            unknown = sorted(set(entry) - {"name", "id"})
            if unknown:
                raise invalid(self._where(index, unknown[0]), entry[unknown[0]], "only the keys name and id")
            name = check_alias_name(self._where(index, "name"), entry.get("name"))
            if entry.get("id") is None:
                if self.present:
                    raise PbrError(
                        f"{self._where(index, 'id')}: required with state=present; expected {ID_EXPECTED}",
                        self._where(index, "id"),
                        None,
                    )
                matches = [Alias(c.id, c.name, self.own) for c in current if c.name == name]
                out.extend(matches or [Alias(None, name, self.own)])
                continue
            tid = check_alias_id(self._where(index, "id"), entry["id"])
            if name in ids_by_name and ids_by_name[name][0] != tid:
                raise PbrError(
                    f"{self._where(index, 'name')}: {name!r} is listed with id {ids_by_name[name][0]} "
                    f"(entry {ids_by_name[name][1]}) and with id {tid}; expected one id per name",
                    self._where(index, "name"),
                    name,
                )
            ids_by_name[name] = (tid, index)
            out.append(Alias(tid, name, self.own))
        return out

    def read(self, host: Host) -> List[Alias]:
        return read_entries(self.view_etc, self.usr)

    def validate_on_host(self, desired: Sequence[Alias], host: Host) -> Optional[List[str]]:
        return review(self, desired, self.read(host)) if self.present else None

    def apply(self, plan: Plan[Alias], host: Host) -> None:
        write_entries(self.target, [o for o in plan.after if self.owned(o)], self.seed_from)
        if self.target != self.own:  # the namespace now has its own /etc view: read back from there
            self.view_etc = os.path.dirname(os.path.dirname(os.path.dirname(self.target)))
            self.own = self.target
            self.seed_from = None


def review(kind: AliasKind, desired: Sequence[Alias], current: Sequence[Alias]) -> List[str]:
    """For state=present: refuse a name another file maps to another id; warn on a second name for an id."""
    warnings: List[str] = []
    keys = {kind.key(c) for c in current}
    by_name: Dict[str, List[Alias]] = {}
    by_id: Dict[Optional[int], List[Alias]] = {}
    for cur in current:
        by_name.setdefault(cur.name, []).append(cur)
        by_id.setdefault(cur.id, []).append(cur)
    for index, want in enumerate(desired):
        where = kind._where(index, "name")
        for cur in by_name.get(want.name, []):
            if cur.id != want.id and not kind.owned(cur):
                raise PbrError(
                    f"{where}: {want.name!r} is already table {cur.id} in {cur.source}, which pbr.linux does not "
                    f"manage; expected id {cur.id} for this name, or another name for table {want.id}",
                    where,
                    want.name,
                )
        if kind.key(want) in keys:
            continue
        for cur in by_id.get(want.id, []):
            if cur.name != want.name:
                warnings.append(
                    f"{kind._where(index, 'id')}: table {want.id} is also named {cur.name!r} in {cur.source}; "
                    f"{want.name!r} is added as another name for it (ip may print either)"
                )
    return warnings


def module_config(
    name: Optional[str], tid: Any, aliases: Optional[Sequence[Any]], state: str
) -> Tuple[str, List[Dict[str, Any]], Optional[str]]:
    """Module options -> (engine state, config entries, field of the list option or None)."""
    if state not in ("present", "absent"):
        raise invalid("state", state, "present or absent")
    if aliases is not None:
        if name is not None or tid is not None:
            raise PbrError("aliases: mutually exclusive with name and id; expected one form", "aliases", aliases)
        if not isinstance(aliases, (list, tuple)):
            raise invalid("aliases", aliases, "a list of {name, id} entries")
        config, field = list(aliases), "aliases"
    else:
        if name is None:
            raise PbrError("name: required (or give aliases); expected a table name", "name", None)
        config, field = [{"name": name, "id": tid}], None
    # an empty list is a no-op in both states (deleted with no config would purge everything we own)
    return ("deleted" if state == "absent" and config else "merged"), config, field


def alias_task(
    name: Optional[str] = None,
    tid: Any = None,
    aliases: Optional[Sequence[Any]] = None,
    state: str = "present",
    namespace: Optional[str] = None,
    check_mode: bool = False,
    etc: str = "/etc",
    netns_etc: str = NETNS_ETC_DIR,
    usr: str = USR_ROOT,
) -> Any:
    """The runner's Task for rt_tables_alias: present -> merged, absent -> deleted (module_config);
    the result gains ``entries`` (our file after) and, in check mode, the names for later tasks."""
    from ansible_collections.pbr.linux.plugins.module_utils._runner import Context, Task

    namespace = check_namespace_name(namespace)
    engine_state, config, field = module_config(name, tid, aliases, state)
    view = etc_root(namespace, etc, netns_etc)
    write = os.path.join(netns_etc, namespace) if namespace else etc
    seed = os.path.join(etc, "iproute2") if view != write else None
    kind = AliasKind(view, write, usr, present=state == "present", field=field, seed_from=seed)

    def extend(result: Dict[str, Any]) -> None:
        result["entries"] = [{"name": e["name"], "id": e["id"]} for e in result["after"] if e["source"] == kind.own]
        if check_mode and result["changed"]:
            # what later tasks of this run would find in the files had this one been applied (merged
            # across tasks by the action plugin): the names it adds, and None for the names it removes
            after = {e["name"]: e["id"] for e in result["after"]}
            named = {entry.get("name") for entry in config if isinstance(entry, dict)}
            view_names: Dict[str, Any] = {n: after.get(n) for n in named if isinstance(n, str)}
            result["ansible_facts"] = {CHECK_MODE_FACT: {view: view_names}}

    return Task(
        kind=kind,
        state=engine_state,
        config=config,
        context=Context(resolve=kind.read),
        namespace=namespace,
        extend=extend,
    )


def prepare(params: Dict[str, Any], check_mode: bool) -> Any:
    """pbr.linux.rt_tables_alias."""
    return alias_task(params["name"], params["id"], params["aliases"], params["state"], params["namespace"], check_mode)


def run_alias(
    *args: Any, diff: bool = False, host_factory: Optional[Callable[[], Any]] = None, **kwargs: Any
) -> Dict[str, Any]:
    """One rt_tables_alias task end to end, with :func:`alias_task`'s arguments (tests: other /etc
    roots, a fake host)."""
    from ansible_collections.pbr.linux.plugins.module_utils._runner import run_task

    task = alias_task(*args, **kwargs)
    return run_task(task, bool(kwargs.get("check_mode")), diff, host_factory)
