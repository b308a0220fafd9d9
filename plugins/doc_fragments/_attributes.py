# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Standard attributes of every pbr.linux module
    DOCUMENTATION = r"""
options: {}
requirements:
  - python3 >= 3.9 on the managed host; no Python library beyond the standard one
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
    details:
      - Check mode returns the exact commands apply would run, in RV(ignore:commands).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
      - Judged against what the kernel and the tools (C(ip), C(nft), C(iptables-save)) list, not against our own rendering.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
"""

    # Options shared by the resource modules (ip_rule, ip_route_table)
    NAMESPACE = r"""
options:
  namespace:
    description:
      - Name of a network namespace (as listed by C(ip netns list)) to work in instead of the host's own.
      - The namespace must exist; pbr.linux never creates one.
      - Table and protocol names are read from the files C(ip netns exec) shows in that namespace
        (C(/etc/netns/NAME/iproute2) when it exists, else C(/etc/iproute2)).
    type: str
requirements:
  - iproute2 (the C(ip) command) on the managed host
"""

    # ip_rule and ip_route_table: table names in check mode (their action plugins set the option)
    TABLE_NAMES = r"""
options:
  pending_table_names:
    description:
      - Set by the collection's action plugin, not by hand - table names that earlier M(pbr.linux.rt_tables_alias)
        tasks of the same run would define, recorded in check mode (where they write nothing), per C(/etc) view.
      - Used in check mode only, and only for a name that no rt_tables file defines, so that C(--check) on a fresh
        host passes for a play that defines its table names before it uses them. A name defined nowhere still fails.
    type: dict
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - The action plugin passes check-mode table names from earlier M(pbr.linux.rt_tables_alias) tasks
        (O(pending_table_names)); the module does the rest on the managed host.
"""

    # rt_tables_alias: records the names it would define in check mode
    DEFINES_TABLE_NAMES = r"""
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - In check mode the module returns the names it would add or remove as the host fact
        C(pbr_linux_check_mode_tables); the action plugin merges it with earlier tasks', so that later
        M(pbr.linux.ip_rule) and M(pbr.linux.ip_route_table) tasks in check mode can resolve them.
"""

    # ip_rule, ip_route_table: the size of the result
    REPORT = r"""
options:
  report:
    description:
      - How much the result lists.
      - V(full) returns every command in RV(commands) and every object in RV(before) and RV(after).
      - V(summary) returns only counts, in RV(summary).
      - V(auto) is V(full) for a small policy (at most 100 objects before and after the task, the kernel's own
        included). Beyond that it returns the counts in RV(summary) and the first 1000 commands in RV(commands) -
        what changed, in native notation; C(summary.commands_omitted) counts the operations not listed. So a task of
        thousands of rules or tens of thousands of routes costs what its changes cost, not megabytes of result lists.
      - Diff mode returns the full diff either way. The options are echoed back in C(invocation) only where they
        hold at most 200 values.
    type: str
    choices: [auto, full, summary]
    default: auto
"""

    # tproxy_divert, conntrack_mark: backend and namespace
    NETFILTER = r"""
options:
  backend:
    description:
      - V(nftables) (the C(nft) command), V(iptables) (C(iptables-restore)/C(iptables-save), and the C(ip6tables-*)
        ones for IPv6; iptables-nft and iptables-legacy both work), or V(auto) - nftables when C(nft) is installed,
        else iptables.
      - A task's rules are looked for in the chosen backend only - to move a task to another backend, remove it with
        O(state=absent) and the old backend first.
    type: str
    choices: [auto, nftables, iptables]
    default: auto
  namespace:
    description:
      - Name of a network namespace (as listed by C(ip netns list)) to work in instead of the host's own; the commands
        run through C(ip netns exec). The namespace must exist; pbr.linux never creates one.
    type: str
requirements:
  - nftables (C(nft)) or iptables (C(iptables-restore), C(iptables-save)) on the managed host
  - iproute2 (C(ip netns exec)) when O(namespace) is used
"""
