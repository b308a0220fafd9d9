#!/usr/bin/python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: rt_tables_alias
short_description: Name Linux routing tables (rt_tables entries)
version_added: 0.1.0
description:
  - Gives routing tables names that C(ip rule), C(ip route) and M(pbr.linux.ip_rule) accept in place of
    their numbers, by managing C(ID NAME) entries in the collection's own file
    C(/etc/iproute2/rt_tables.d/pbr-linux.conf). The distribution's C(rt_tables) and other files in
    C(rt_tables.d) are read, never written.
  - The file is rewritten atomically (a temporary file renamed over it), sorted by id, under a
    C(# Managed by the pbr.linux Ansible collection) header; it is removed when its last entry is.
  - A name that already maps to the same id in any file needs nothing (RV(ignore:changed) is false). A name that
    another file maps to a different id is refused, naming that file; an id that already has another name is
    accepted with a warning (the table then has two names).
  - Names must start with a letter or C(_) followed by letters, digits, C(_), C(.) or C(-), up to 64
    characters; numbers and the reserved names C(local), C(main), C(default) and C(unspec) are refused.
  - The whole input is validated before any file is touched; a refused task changes nothing.
author:
  - pbr.linux contributors (@pbr-linux)
extends_documentation_fragment:
  - pbr.linux._attributes
  - pbr.linux._attributes.NAMESPACE
  - pbr.linux._attributes.DEFINES_TABLE_NAMES
options:
  name:
    description:
      - The table name. Mutually exclusive with O(aliases).
    type: str
  id:
    description:
      - The table number, 1 to 2147483647 (decimal or V(0x) hex), except 253, 254 and 255 (C(default), C(main),
        C(local)). Required with O(state=present).
      - The kernel accepts table numbers up to 4294967295, but C(ip) ignores C(rt_tables) entries above
        2147483647, so such a name would never resolve; they are refused.
      - With O(state=absent), omit it to remove the name whatever its id.
    type: raw
  aliases:
    description:
      - Several entries at once, each with the keys C(name) and C(id) as O(name) and O(id) above; errors name the
        entry, for example C(aliases[2].id). An empty list changes nothing. Mutually exclusive with O(name) and
        O(id).
    type: list
    elements: dict
    suboptions:
      name:
        description: The table name.
        type: str
        required: true
      id:
        description: The table number (optional with O(state=absent)).
        type: raw
  state:
    description:
      - V(present) makes the entries exist (in our file unless another file already has the same entry);
        a name already in our file with another id gets the new id.
      - V(absent) removes the entries from our file. An entry in another file is left in place, with a warning.
    type: str
    choices: [present, absent]
    default: present
notes:
  - With O(namespace), the files are those C(ip netns exec NAME) and C(ip -n NAME) show -
    C(/etc/netns/NAME/iproute2) when it exists. When it does not, that namespace sees the host's
    C(/etc/iproute2), and creating the directory would hide all of it from the namespace; so the first
    change for such a namespace creates C(/etc/netns/NAME/iproute2) as a copy of the host's C(/etc/iproute2)
    and adds our file to the copy (in one rename, so commands in the namespace see either the old or the new
    view). From then on the namespace has its own copy - later changes to the host's C(/etc/iproute2) are
    not seen there. Removing the last entry removes our file, not the copy.
  - Entries are matched as iproute2 reads them - C(/etc/iproute2/rt_tables) (else
    C(/usr/share/iproute2/rt_tables)) and every C(*.conf) in C(/usr/share/iproute2/rt_tables.d) and
    C(/etc/iproute2/rt_tables.d); ids may be decimal or V(0x) hex, C(#) starts a comment.
seealso:
  - module: pbr.linux.ip_rule
  - name: ip-route(8)
    description: The iproute2 manual page, on table names and C(rt_tables).
    link: https://man7.org/linux/man-pages/man8/ip-route.8.html
"""

EXAMPLES = r"""
- name: FTP dropbox return path - name table 100, then use the name
  block:
    - name: Name table 100 eth1_table
      pbr.linux.rt_tables_alias:
        name: eth1_table
        id: 100
    - name: Look up eth1_table for packets carrying mark 0x1
      pbr.linux.ip_rule:
        config:
          - priority: 1000
            fwmark: "0x1"
            table: eth1_table

- name: One table per uplink, declared together
  pbr.linux.rt_tables_alias:
    aliases:
      - {name: isp_a, id: 101}
      - {name: isp_b, id: 102}

- name: Name a table inside the namespace ns_demo (files under /etc/netns/ns_demo/iproute2)
  pbr.linux.rt_tables_alias:
    namespace: ns_demo
    name: sport_table
    id: 100

- name: Remove our name for table 102, whatever its id
  pbr.linux.rt_tables_alias:
    name: isp_b
    state: absent
"""

RETURN = r"""
changes:
  description:
    - What the task changes (in check mode, would change), object by object - what the callback C(pbr.linux.drift)
      reports for a fleet audit. C(change) is V(missing) (the host lacks the object), V(extra) (the host has it and
      is to lose it) or V(different) (with C(before), the host's, and C(after), the wanted); C(object) is
      the object's line as the native listing prints it; C(where) names the listing it belongs in.
    - At most 1000 operations are listed; RV(changes_omitted) counts the rest.
  returned: when the task compares with the host (not gathered, rendered or parsed)
  type: list
  elements: dict
  sample:
    - change: missing
      where: ""
      object: "100\tisp1"
changes_omitted:
  description: How many operations RV(changes) does not list.
  returned: when there are more than 1000 operations
  type: int
  sample: 49000
commands:
  description: What was done to the files, or would be in check mode, one line per entry.
  returned: always
  type: list
  elements: str
  sample:
    - add '100 eth1_table' to /etc/iproute2/rt_tables.d/pbr-linux.conf
entries:
  description: The entries of our file after the task (in check mode, what they would be), sorted by id.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: eth1_table, id: 100}
before:
  description: Every entry of every C(rt_tables) source before the task, with the file it is in.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: main, id: 254, source: /etc/iproute2/rt_tables}
after:
  description:
    - Every entry after the task, read back from the files (in check mode, what it would be, with the sources as
      read before the task and new entries in our file).
  returned: always
  type: list
  elements: dict
  sample:
    - {name: eth1_table, id: 100, source: /etc/iproute2/rt_tables.d/pbr-linux.conf}
ansible_facts:
  description:
    - In check mode, when the task would change something - the names it would add (with their id) or remove
      (C(null)), merged with those of earlier tasks of the run, per C(/etc) view. Later M(pbr.linux.ip_rule) and
      M(pbr.linux.ip_route_table) tasks in check mode resolve these names (see their O(pbr.linux.ip_rule#module:pending_table_names)).
  returned: check mode, when changed
  type: dict
  contains:
    pbr_linux_check_mode_tables:
      description: "{etc view: {name: id or null}}."
      type: dict
      sample: {"/etc": {"eth1_table": 100}}
engine_seconds:
  description: Time the engine spent reading, planning and writing, in seconds.
  returned: always
  type: float
  sample: 0.002
"""

from ansible_collections.pbr.linux.plugins.module_utils._rt_tables_alias import prepare
from ansible_collections.pbr.linux.plugins.module_utils._runner import run_module

ARGUMENT_SPEC = {
    "name": {"type": "str"},
    "id": {"type": "raw"},
    "aliases": {
        "type": "list",
        "elements": "dict",
        "options": {"name": {"type": "str", "required": True}, "id": {"type": "raw"}},
    },
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "namespace": {"type": "str"},
}


def main() -> None:
    run_module(
        ARGUMENT_SPEC,
        prepare,
        mutually_exclusive=[("aliases", "name"), ("aliases", "id")],
        required_one_of=[("name", "aliases")],
        required_by={"id": "name"},
    )


if __name__ == "__main__":
    main()
