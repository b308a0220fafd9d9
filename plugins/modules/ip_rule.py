#!/usr/bin/python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ip_rule
short_description: Manage Linux routing-policy (RPDB) rules, IPv4 and IPv6
version_added: 0.1.0
description:
  - Declares the rules of the Linux routing-policy database (what C(ip rule) shows), in the resource-module
    model of C(ansible.netcommon) - O(state=merged), O(state=replaced), O(state=overridden),
    O(state=deleted), O(state=gathered), O(state=rendered) and O(state=parsed).
  - Rules the module creates carry the routing protocol C(pbr) (number 242), registered in
    C(/etc/iproute2/rt_protos.d/pbr-linux.conf) so C(ip rule show) prints C(proto pbr). States that remove
    rules (V(replaced), V(overridden), V(deleted)) only ever remove rules with that protocol; rules added by
    hand, by systemd-networkd, NetworkManager or the kernel are never altered.
  - An equivalent rule that already exists (same selector, priority and action) is never added again,
    whoever added it.
  - The whole input is validated before the host is touched. Changes are applied in one C(ip -batch) run;
    if the kernel refuses one of them, the ones done before it are undone and the task fails naming the
    refused rule.
author:
  - pbr.linux contributors (@pbr-linux)
extends_documentation_fragment:
  - pbr.linux._attributes
  - pbr.linux._attributes.REPORT
  - pbr.linux._attributes.NAMESPACE
  - pbr.linux._attributes.TABLE_NAMES
options:
  config:
    description:
      - The rules. Each entry is one rule of one address family.
      - Every field accepts the notations C(ip rule) accepts (hex marks, port ranges as V(1000-2000)).
    type: list
    elements: dict
    suboptions:
      priority:
        description:
          - Rule priority (C(ip rule ... priority)), 0 to 4294967295. Lower is evaluated first.
          - Required except with O(state=rendered), because a rule added without one gets a new priority
            from the kernel on every run.
        type: raw
      family:
        description:
          - Address family. Inferred from O(config[].from) / O(config[].to) when omitted, else V(ipv4)
            (as C(ip rule add) does).
        type: str
        choices: [ipv4, ipv6]
      from:
        description:
          - Source prefix in CIDR notation (a bare address is a host prefix). Omit for C(from all).
          - Host bits may be set (V(198.51.100.58/26), V(2001:db8::4/32)), as C(ip rule add) allows - the kernel
            keeps the prefix as written and matches under its mask. Such a rule is the same rule as the one with the
            network address (V(198.51.100.0/26)) - re-applying either is no change, and an existing rule with the
            other spelling is not added again.
        type: str
      to:
        description: Destination prefix in CIDR notation; host bits may be set, as for O(config[].from).
        type: str
      fwmark:
        description:
          - Firewall mark to match, 0 to 0xffffffff, decimal or hex; V(0x1/0xff) gives the mask too.
        type: raw
      fwmask:
        description: Mask for O(config[].fwmark); default 0xffffffff (all bits).
        type: raw
      iif:
        description:
          - Incoming interface name (packets from this host itself match C(iif lo)).
          - The kernel's interface-name rule, as for every interface option of the collection - 1 to 15 bytes, no
            whitespace, control characters, C(/), C(:), C(#), C(") or C(\), not C(.) or C(..). The kernel matches the
            name exactly - C(@) and C(+) are plain characters here.
        type: str
      oif:
        description: Outgoing interface name (for sockets bound to a device).
        type: str
      ipproto:
        description: IP protocol, by name (V(tcp), V(udp), V(icmp), ...) or number.
        type: raw
      sport:
        description:
          - Source port or range, for example V(8080) or V(1000-2000), ports 1 to 65534
            (the kernel refuses 65535 in a range).
        type: raw
      dport:
        description: Destination port or range, as O(config[].sport).
        type: raw
      uidrange:
        description: Range of socket owner uids, for example V(1000-1999), 0 to 4294967294.
        type: raw
      tos:
        description:
          - Type of service byte to match, decimal or hex, with the two ECN bits clear (a multiple of 4).
          - For IPv4 the kernel keeps only the 0x1c bits, so only V(0x4), V(0x8), V(0x10) and their sums are
            accepted; IPv6 takes any DSCP value (for example V(0xb8) for EF).
        type: raw
      suppress_prefixlength:
        description: Reject routing decisions with a prefix this long or shorter (only with V(lookup)).
        type: raw
      invert:
        description: Invert the selector (C(ip rule add not ...)).
        type: bool
        default: false
      action:
        description: What the rule does when it matches.
        type: str
        choices: [lookup, goto, nop, blackhole, unreachable, prohibit]
        default: lookup
      table:
        description:
          - Table to look up with V(lookup) - a number from 1 to 4294967295 or a name from C(rt_tables) or
            C(rt_tables.d) (see M(pbr.linux.rt_tables_alias)). An unknown name is an error.
        type: raw
      goto:
        description: Priority of the rule to jump to with V(goto); must be greater than O(config[].priority).
        type: raw
      owner:
        description:
          - Ignored on input. RV(gathered), RV(before) and RV(after) report here which protocol owns a rule
            (V(pbr) for this collection's), so that their output can be given back as O(config).
        type: str
  state:
    description:
      - V(merged) adds the listed rules that are missing.
      - V(replaced) makes the rules at each (family, priority) named in O(config) exactly the listed ones,
        removing other rules we own at those priorities.
      - V(overridden) makes all rules we own exactly O(config) (an empty list removes them all).
      - V(deleted) removes the listed rules, or with no O(config) all rules we own. A listed rule owned by
        somebody else is left in place with a warning.
      - V(gathered) returns every current rule, structured, in RV(gathered).
      - V(rendered) returns the C(ip rule add) commands for O(config) in RV(rendered), without host access.
      - V(parsed) turns O(running_config) (C(ip rule show) / C(ip -6 rule show) text) into RV(parsed),
        without host access.
    type: str
    choices: [merged, replaced, overridden, deleted, gathered, rendered, parsed]
    default: merged
  running_config:
    description: Text of C(ip rule show) (or C(ip rule add) argument lines) for O(state=parsed).
    type: str
notes:
  - Rules are matched by their full identity, so a rule is never removed by a partial match.
  - Priorities 0, 32766 and 32767 hold the kernel's own C(local), C(main) and C(default) lookups.
seealso:
  - module: pbr.linux.rt_tables_alias
  - name: ip-rule(8)
    description: The iproute2 manual page for routing-policy rules.
    link: https://man7.org/linux/man-pages/man8/ip-rule.8.html
"""

EXAMPLES = r"""
- name: Transparent proxy (kernel tproxy documentation) - marked packets are delivered locally via table 100
  pbr.linux.ip_rule:
    config:
      - priority: 100
        fwmark: 1
        table: 100
      - priority: 100
        family: ipv6
        fwmark: 1
        table: 100

- name: FTP dropbox return path - name the table, then send marked replies to it (priority 1000)
  block:
    - name: Name table 100
      pbr.linux.rt_tables_alias:
        name: eth1_table
        id: 100
    - name: Look up eth1_table for packets carrying mark 0x1
      pbr.linux.ip_rule:
        config:
          - priority: 1000
            fwmark: "0x1"
            table: eth1_table

- name: Asymmetric routing by source port inside the namespace ns_demo
  pbr.linux.ip_rule:
    namespace: ns_demo
    config:
      - priority: 100
        sport: 8080
        table: 100

- name: Make the rules we own exactly these (others we own are removed, foreign ones stay)
  pbr.linux.ip_rule:
    state: overridden
    config:
      - priority: 1000
        from: 198.51.100.0/24
        table: 101
      - priority: 1001
        from: 2001:db8:100::/48
        table: 101

- name: Audit - what would change? (run with --check --diff)
  pbr.linux.ip_rule:
    state: replaced
    config:
      - priority: 1000
        fwmark: "0x1"
        table: eth1_table
  check_mode: true
  register: drift

- name: Remove every rule this collection created
  pbr.linux.ip_rule:
    state: deleted

- name: Read the current rules
  pbr.linux.ip_rule:
    state: gathered
  register: rules

- name: Render commands for a change review, offline
  pbr.linux.ip_rule:
    state: rendered
    config:
      - priority: 1000
        fwmark: 1
        table: 100

- name: Migrate hand-written rules - parse `ip rule show` text
  pbr.linux.ip_rule:
    state: parsed
    running_config: |
      1000:	from all fwmark 0x1 lookup 100
      1001:	from 192.0.2.0/24 iif eth1 lookup 101
"""

RETURN = r"""
changes:
  description:
    - What the task changes (in check mode, would change), object by object - what the callback C(pbr.linux.drift)
      reports for a fleet audit. C(change) is V(missing) (the host lacks the object), V(extra) (the host has it and
      is to lose it) or V(different) (with C(before), the host's, and C(after), the wanted); C(object) is
      the object's line as the native listing prints it; C(where) names the listing it belongs in.
    - At most 1000 operations are listed; RV(changes_omitted) counts the rest. Not returned with O(report=summary).
  returned: when the task compares with the host (not gathered, rendered or parsed)
  type: list
  elements: dict
  sample:
    - change: missing
      where: "ip -4 rule show"
      object: "1000:\tfrom all fwmark 0x1 lookup 100 proto pbr"
changes_omitted:
  description: How many operations RV(changes) does not list.
  returned: when there are more than 1000 operations
  type: int
  sample: 49000
commands:
  description:
    - The C(ip) commands that were run, or would run in check mode, in order.
    - With O(report=auto) (the default) beyond 100 objects, the first 1000 of them (see O(report)).
  returned: when state is merged, replaced, overridden or deleted, unless O(report=summary)
  type: list
  elements: str
  sample:
    - ip -4 rule add priority 1000 from all fwmark 0x1 lookup 100 protocol 242
before:
  description: All rules (IPv4 and IPv6) before the task, structured, with their owner.
  returned: when state is merged, replaced, overridden or deleted in full form (see O(report); the default for at most 100 rules)
  type: list
  elements: dict
  sample:
    - {priority: 0, family: ipv4, action: lookup, table: 255, owner: kernel}
after:
  description: All rules after the task, read back from the kernel (in check mode, what they would be).
  returned: when state is merged, replaced, overridden or deleted in full form (see O(report); the default for at most 100 rules)
  type: list
  elements: dict
  sample:
    - {priority: 1000, family: ipv4, fwmark: '0x1', action: lookup, table: 100, owner: pbr}
gathered:
  description: All current rules, structured, with their owner.
  returned: when state is gathered
  type: list
  elements: dict
  sample:
    - {priority: 32766, family: ipv4, action: lookup, table: 254, owner: kernel}
rendered:
  description: C(ip rule add) commands for O(config).
  returned: when state is rendered
  type: list
  elements: str
  sample:
    - ip -4 rule add priority 1000 from all fwmark 0x1 lookup 100 protocol 242
parsed:
  description: O(running_config) as structured config.
  returned: when state is parsed
  type: list
  elements: dict
  sample:
    - {priority: 1000, fwmark: '0x1', action: lookup, table: 100}
summary:
  description:
    - In summary form (see O(report)), how many rules were (or in check mode would be) added, replaced and
      deleted, how many rules there were before and after, and how many files were written.
    - C(commands_omitted), when present, counts the operations whose commands RV(commands) does not list.
  returned: when state is merged, replaced, overridden or deleted in summary form (see O(report); the default beyond 100 rules)
  type: dict
  sample: {add: 5000, replace: 0, delete: 0, files: 1, before: 6, after: 5006}
engine_seconds:
  description: Time the engine spent reading, planning and applying, in seconds.
  returned: when the host is accessed
  type: float
  sample: 0.012
"""

from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import prepare
from ansible_collections.pbr.linux.plugins.module_utils._runner import (
    RESOURCE_MODULE_OPTIONS,
    resource_argument_spec,
    run_module,
)

RULE_OPTIONS = {
    "priority": {"type": "raw"},
    "family": {"type": "str", "choices": ["ipv4", "ipv6"]},
    "from": {"type": "str"},
    "to": {"type": "str"},
    "fwmark": {"type": "raw"},
    "fwmask": {"type": "raw"},
    "iif": {"type": "str"},
    "oif": {"type": "str"},
    "ipproto": {"type": "raw"},
    "sport": {"type": "raw"},
    "dport": {"type": "raw"},
    "uidrange": {"type": "raw"},
    "tos": {"type": "raw"},
    "suppress_prefixlength": {"type": "raw"},
    "invert": {"type": "bool", "default": False},
    "action": {
        "type": "str",
        "default": "lookup",
        "choices": ["lookup", "goto", "nop", "blackhole", "unreachable", "prohibit"],
    },
    "table": {"type": "raw"},
    "goto": {"type": "raw"},
    "owner": {"type": "str"},
}


def main() -> None:
    run_module(resource_argument_spec(RULE_OPTIONS), prepare, **RESOURCE_MODULE_OPTIONS)


if __name__ == "__main__":
    main()
