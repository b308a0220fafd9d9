#!/usr/bin/python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ip_route_table
short_description: Manage the routes of Linux routing tables (policy routing), IPv4 and IPv6
version_added: 0.1.0
description:
  - Declares routes inside routing tables (what C(ip route show table N) shows), in the resource-module model of
    C(ansible.netcommon) - O(state=merged), O(state=replaced), O(state=overridden), O(state=deleted),
    O(state=gathered), O(state=rendered) and O(state=parsed).
  - Routes the module creates carry the routing protocol C(pbr) (number 242), registered in
    C(/etc/iproute2/rt_protos.d/pbr-linux.conf) so C(ip route show) prints C(proto pbr). States that remove
    routes (V(replaced), V(overridden), V(deleted)) only ever remove routes with that protocol; routes of the
    kernel, added by hand (C(boot), C(static)), by DHCP clients, routing daemons or NetworkManager are never
    altered or removed, in any table, C(main) and C(local) included.
  - A route is identified the way the kernel identifies it, by (table, family, destination, metric, tos). A
    changed gateway, device, source, type or other attribute of a route we own is one atomic
    C(ip route replace), never a second route. A route of another protocol already in that place is not
    replaced - the task fails and names it.
  - An equivalent route that already exists (same table, destination and attributes) is never added again,
    whoever added it.
  - The whole input is validated before the host is touched (addresses, families, types, devices). Changes are
    applied in one C(ip -batch) run; if the kernel refuses one of them (a gateway it cannot reach, a source
    address that is not local, ...), the ones done before it are undone and the task fails naming the refused
    route and the kernel's reason.
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
      - The routes, grouped by table. Errors name the entry, for example C(config[0].routes[3].via).
    type: list
    elements: dict
    suboptions:
      table:
        description:
          - The routing table, a number from 1 to 4294967295 or a name from C(rt_tables) or C(rt_tables.d) (see
            M(pbr.linux.rt_tables_alias)), including V(main) (254), V(local) (255) and V(default) (253).
          - An unknown name is an error; a route never lands in C(main) by accident.
        type: raw
        required: true
      routes:
        description:
          - The routes of this table.
          - With O(state=replaced), an entry with neither O(config[].routes) nor O(config[].prefixes) removes
            every route we own in this table; with O(state=deleted) too.
        type: list
        elements: dict
        suboptions:
          dst:
            description:
              - Destination prefix in CIDR notation (a bare address is a host route), or V(default).
              - Host bits must be clear (V(198.51.100.0/26), not V(198.51.100.58/26)) - the kernel refuses such a route
                (C(ip route add 198.51.100.58/26) fails with C(Invalid prefix for given prefix length)), unlike a rule
                prefix of M(pbr.linux.ip_rule).
              - V(default) is C(0.0.0.0/0), or C(::/0) when the route is IPv6 (see O(config[].routes[].family)).
            type: str
          family:
            description:
              - V(ipv4) or V(ipv6). Inferred from O(config[].routes[].dst), O(config[].routes[].via) or
                O(config[].routes[].src) when omitted, else V(ipv4) (as C(ip route) does).
            type: str
          type:
            description:
              - The route type, one of V(unicast) (default), V(local) (deliver to this host, the transparent
                proxy route), V(blackhole) (drop silently), V(unreachable) and V(prohibit) (drop with an ICMP
                error), V(throw) (stop looking in this table, continue with the next rule).
              - V(broadcast), V(anycast) and V(multicast) are accepted too, for the kernel's C(local) table.
            type: str
          via:
            description:
              - Gateway address, of the route's family. Only for V(unicast) routes.
            type: str
          dev:
            description:
              - Output device. Required for V(local) routes (usually V(lo)) and for V(unicast) routes without
                O(config[].routes[].via); not allowed on V(blackhole), V(unreachable), V(prohibit) and
                V(throw) routes.
              - The device must exist when the task runs.
            type: str
          src:
            description: Preferred source address for traffic this route sends (must be local to the host).
            type: str
          metric:
            description:
              - Route metric (priority), 0 to 4294967295; lower wins. Part of the route's identity.
              - Default 0 for IPv4 and 1024 for IPv6, as the kernel stores them; for IPv6, 0 also means 1024.
            type: raw
          scope:
            description:
              - IPv4 route scope, V(global), V(site), V(link), V(host) or a number. Default as C(ip route add)
                chooses it - V(host) for V(local) routes, V(link) for routes without gateway, else V(global).
              - IPv6 routes have no scope; only V(global) is accepted for them.
            type: raw
          tos:
            description: IPv4 only. TOS/DSCP value to match (0 to 0xfc, ECN bits clear). Part of the identity.
            type: raw
          onlink:
            description: Treat the gateway as on-link even if no local prefix covers it.
            type: bool
          mtu:
            description: Path MTU of the route (68 to 65520; IPv6 from 1280).
            type: raw
          advmss:
            description: Advertised TCP MSS for connections using the route (1 to 65495).
            type: raw
          nexthops:
            description:
              - Multipath route. A list of paths instead of O(config[].routes[].via) and
                O(config[].routes[].dev).
            type: list
            elements: dict
            suboptions:
              via:
                description: Gateway of this path.
                type: str
              dev:
                description: Device of this path.
                type: str
              weight:
                description: Relative weight of this path, 1 to 256 (default 1).
                type: raw
              onlink:
                description: Treat the gateway as on-link.
                type: bool
          owner:
            description:
              - Ignored on input. RV(gathered), RV(before) and RV(after) report here the protocol that owns a
                route (V(pbr) for this collection's, V(kernel), V(boot), V(static), ...), so that their output
                can be given back as O(config).
            type: str
      prefixes:
        description:
          - Destinations of more routes of this table, each getting the fields of O(config[].defaults) - the
            compact form for long prefix lists (country lists, blocklists).
          - A list of prefixes, or text with one or more prefixes per line (blanks and commas separate them,
            C(#) starts a comment), for example the content of a file read with C(lookup('file', ...)).
          - Text is much cheaper for Ansible to pass to the module than a list of dictionaries - Ansible spends
            about 3.5 s per 10,000 route dictionaries (templating, passing, parsing) before the module runs, against
            about 0.1 s for the same prefixes as text. The module warns when O(config[].routes) lists 10,000 or more.
          - Errors name the prefix by its position, for example C(config[0].prefixes[1234]).
        type: raw
      defaults:
        description:
          - Fields (as in O(config[].routes), without C(dst)) that every route of O(config[].routes) and
            O(config[].prefixes) in this entry gets unless it sets them itself.
        type: dict
        suboptions:
          family:
            description: As O(config[].routes[].family).
            type: str
          type:
            description: As O(config[].routes[].type).
            type: str
          via:
            description: As O(config[].routes[].via).
            type: str
          dev:
            description: As O(config[].routes[].dev).
            type: str
          src:
            description: As O(config[].routes[].src).
            type: str
          metric:
            description: As O(config[].routes[].metric).
            type: raw
          scope:
            description: As O(config[].routes[].scope).
            type: raw
          tos:
            description: As O(config[].routes[].tos).
            type: raw
          onlink:
            description: As O(config[].routes[].onlink).
            type: bool
          mtu:
            description: As O(config[].routes[].mtu).
            type: raw
          advmss:
            description: As O(config[].routes[].advmss).
            type: raw
  state:
    description:
      - V(merged) adds the listed routes that are missing and replaces our routes whose attributes differ.
      - V(replaced) makes each table named in O(config) hold exactly the listed routes among the ones we own
        (other routes we own in those tables are removed; foreign routes stay).
      - V(overridden) makes all routes we own, in every table, exactly O(config) (an empty list removes them
        all).
      - V(deleted) removes the listed routes, every route we own in a table listed without routes, or with no
        O(config) every route we own. A listed route owned by somebody else is left in place with a warning.
      - V(gathered) returns every current route of every table (IPv4 and IPv6), structured, in RV(gathered).
      - V(rendered) returns the C(ip route add) commands for O(config) in RV(rendered), without host access.
      - V(parsed) turns O(running_config) into RV(parsed), without host access.
    type: str
    choices: [merged, replaced, overridden, deleted, gathered, rendered, parsed]
    default: merged
  running_config:
    description:
      - Text for O(state=parsed) - C(ip route show table N) / C(ip -6 route show table N) output, or C(ip route
        add ...) command lines.
      - Lines of C(ip route show) do not name their table or (for V(default) and reject routes) their family;
        a line C(table N) or a heading C(# ip -6 route show table N) (as in this module's diffs) before them
        gives both. Without one, routes are in C(main).
    type: str
notes:
  - Routes in a custom table disappear when their device goes down or loses the address they depend on, like
    every route through that device (the kernel removes them; they do not come back by themselves). Run the
    task again after the interface is back up, or restore the routes from the interface's up hook.
  - The kernel's own routes (C(proto kernel)) and the C(local) table it maintains are read but never changed.
  - Multipath routes are compared as a whole; the order of O(config[].routes[].nexthops) matters.
  - Source-specific IPv6 routes (C(from PREFIX)), nexthop objects (C(nhid)) and lightweight tunnel
    encapsulations are not managed.
seealso:
  - module: pbr.linux.ip_rule
  - module: pbr.linux.rt_tables_alias
  - name: ip-route(8)
    description: The iproute2 manual page for routes.
    link: https://man7.org/linux/man-pages/man8/ip-route.8.html
"""

EXAMPLES = r"""
- name: Transparent proxy (kernel tproxy documentation) - deliver marked packets locally, IPv4 and IPv6
  pbr.linux.ip_route_table:
    config:
      - table: 100
        routes:
          - {dst: default, type: local, dev: lo}               # ip route add local 0.0.0.0/0 dev lo table 100
          - {dst: default, family: ipv6, type: local, dev: lo}  # ip -6 route add local ::/0 dev lo table 100

- name: FTP dropbox return path - replies to connections from eth1 leave by eth1
  block:
    - name: Name table 100
      pbr.linux.rt_tables_alias:
        name: eth1_table
        id: 100
    - name: Default route of eth1_table via the eth1 gateway, sourced from the eth1 address
      pbr.linux.ip_route_table:
        config:
          - table: eth1_table
            routes:
              - dst: default
                via: 203.0.113.1
                dev: eth1
                src: 203.0.113.10

- name: Asymmetric routing in the namespace ns_demo - replies of the port 8080 service go downstream
  pbr.linux.ip_route_table:
    namespace: ns_demo
    config:
      - table: 100
        routes:
          - {dst: default, via: 192.0.2.1, dev: if_dnlink_demo}

- name: Country list into one table - tens of thousands of prefixes from a file, one per line, in one task
  pbr.linux.ip_route_table:
    state: replaced
    report: summary
    config:
      - table: 200
        defaults: {via: 198.51.100.1, dev: eth0}
        prefixes: "{{ lookup('ansible.builtin.file', 'country.zone') }}"

- name: Unreachable and throw routes, a metric and an MTU
  pbr.linux.ip_route_table:
    config:
      - table: 101
        routes:
          - {dst: 198.51.100.0/24, type: unreachable}
          - {dst: 2001:db8:100::/48, type: throw}
          - {dst: 203.0.113.0/24, via: 192.0.2.254, dev: eth0, metric: 100, mtu: 1400}

- name: Make the routes we own exactly these, in every table (foreign routes stay)
  pbr.linux.ip_route_table:
    state: overridden
    config:
      - table: 100
        routes:
          - {dst: default, type: local, dev: lo}

- name: Remove every route we own in table 101
  pbr.linux.ip_route_table:
    state: deleted
    config:
      - table: 101

- name: Audit - what would change? (run with --check --diff)
  pbr.linux.ip_route_table:
    state: replaced
    config:
      - table: 100
        routes:
          - {dst: default, type: local, dev: lo}
  check_mode: true
  register: drift

- name: Read every route of every table
  pbr.linux.ip_route_table:
    state: gathered
  register: routes

- name: Render commands for a change review, offline
  pbr.linux.ip_route_table:
    state: rendered
    config:
      - table: 100
        routes:
          - {dst: default, via: 192.0.2.1, dev: if_dnlink_demo}

- name: Migrate hand-written routes - parse `ip route show table 100` text
  pbr.linux.ip_route_table:
    state: parsed
    running_config: |
      table 100
      local default dev lo scope host
      default via 192.0.2.1 dev eth1 src 192.0.2.10
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
      where: "ip -4 route show table 100"
      object: "default via 203.0.113.1 dev eth1 proto 242"
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
    - ip -4 route add local 0.0.0.0/0 dev lo table 100 proto 242
    - ip -4 route replace 0.0.0.0/0 via 192.0.2.1 dev eth1 table 100 proto 242
before:
  description: All routes of all tables before the task, structured by table as O(config), with their owner.
  returned: when state is merged, replaced, overridden or deleted in full form (see O(report); the default for at most 100 routes)
  type: list
  elements: dict
  sample:
    - table: 254
      routes:
        - {dst: 192.0.2.0/24, family: ipv4, dev: eth1, src: 192.0.2.10, owner: kernel}
after:
  description: All routes after the task, read back from the kernel (in check mode, what they would be).
  returned: when state is merged, replaced, overridden or deleted in full form (see O(report); the default for at most 100 routes)
  type: list
  elements: dict
  sample:
    - table: 100
      routes:
        - {dst: default, family: ipv4, type: local, dev: lo, owner: pbr}
gathered:
  description: All current routes of all tables (IPv4 and IPv6), structured by table, with their owner.
  returned: when state is gathered
  type: list
  elements: dict
  sample:
    - table: 100
      routes:
        - {dst: default, family: ipv6, type: local, dev: lo, owner: pbr}
rendered:
  description: C(ip route add) commands for O(config).
  returned: when state is rendered
  type: list
  elements: str
  sample:
    - ip -4 route add 0.0.0.0/0 via 192.0.2.1 dev if_dnlink_demo table 100 proto 242
parsed:
  description: O(running_config) as structured config.
  returned: when state is parsed
  type: list
  elements: dict
  sample:
    - table: 100
      routes:
        - {dst: default, family: ipv4, type: local, dev: lo, owner: boot}
summary:
  description:
    - In summary form (see O(report)), how many routes were (or in check mode would be) added, replaced and
      deleted, how many routes there were before and after, and how many files were written.
    - C(commands_omitted), when present, counts the operations whose commands RV(commands) does not list.
  returned: when state is merged, replaced, overridden or deleted in summary form (see O(report); the default beyond 100 routes)
  type: dict
  sample: {add: 50000, replace: 0, delete: 0, files: 0, before: 12, after: 50012}
engine_seconds:
  description: Time the engine spent reading, planning and applying, in seconds.
  returned: when the host is accessed
  type: float
  sample: 0.012
"""

from ansible_collections.pbr.linux.plugins.module_utils._ip_route_table import prepare
from ansible_collections.pbr.linux.plugins.module_utils._runner import (
    RESOURCE_MODULE_OPTIONS,
    resource_argument_spec,
    run_module,
)

NEXTHOP_OPTIONS = {
    "via": {"type": "str"},
    "dev": {"type": "str"},
    "weight": {"type": "raw"},
    "onlink": {"type": "bool"},
}
ROUTE_OPTIONS = {
    "dst": {"type": "str"},
    "family": {"type": "str"},
    "type": {"type": "str"},
    "via": {"type": "str"},
    "dev": {"type": "str"},
    "src": {"type": "str"},
    "metric": {"type": "raw"},
    "scope": {"type": "raw"},
    "tos": {"type": "raw"},
    "onlink": {"type": "bool"},
    "mtu": {"type": "raw"},
    "advmss": {"type": "raw"},
    "nexthops": {"type": "list", "elements": "dict", "options": NEXTHOP_OPTIONS},
    "owner": {"type": "str"},
}
DEFAULTS_OPTIONS = {k: v for k, v in ROUTE_OPTIONS.items() if k not in ("dst", "nexthops", "owner")}
TABLE_OPTIONS = {
    "table": {"type": "raw", "required": True},
    "routes": {"type": "list", "elements": "dict", "options": ROUTE_OPTIONS},
    "prefixes": {"type": "raw"},
    "defaults": {"type": "dict", "options": DEFAULTS_OPTIONS},
}


def main() -> None:
    spec = resource_argument_spec(TABLE_OPTIONS)
    run_module(spec, prepare, **RESOURCE_MODULE_OPTIONS)


if __name__ == "__main__":
    main()
