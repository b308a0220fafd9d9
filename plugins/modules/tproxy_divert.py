#!/usr/bin/python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tproxy_divert
short_description: The netfilter half of a transparent proxy - DIVERT (socket match) and TPROXY rules
version_added: 0.1.0
description:
  - Declares the firewall rules of the kernel's transparent proxy documentation (C(Documentation/networking/tproxy.rst))
    for one named task - packets of an existing transparent socket get O(mark) and are accepted (DIVERT), and new
    connections matching an entry of O(match) are handed to the local proxy on O(on_port) with O(mark) (TPROXY).
  - Packets whose destination is in O(bypass), or that already carry O(skip_mark), are never diverted.
  - "The task owns one chain. With nftables it is the base chain C(<name>_tproxy) (hook prerouting, priority
    mangle) in the collection's own table C(inet pbr_linux); with iptables it is the chain C(PBR_<NAME>_TPROXY)
    in the mangle table (of iptables and/or ip6tables) and the single rule C(-A PREROUTING -j PBR_<NAME>_TPROXY)
    that reaches it (TPROXY only works from mangle PREROUTING). Nothing else in the ruleset is read or changed -
    other tables, chains and rules (a host firewall, docker's, hand-written ones) survive every state."
  - Changes are applied in one transaction - one C(nft -f) script (checked first with C(nft -c)), or one
    C(iptables-restore --noflush) input per address family (each tested first with C(--test); if the second
    family fails, the first is set back). A failed task leaves the previous rules in place.
  - The module does only the netfilter part. Marked packets must be delivered locally by policy routing - a rule
    C(fwmark <mark> lookup <table>) (M(pbr.linux.ip_rule)) and a route C(local 0.0.0.0/0 dev lo) (and C(::/0) for
    IPv6) in that table (M(pbr.linux.ip_route_table)); see the examples. Without them diverted connections time out.
  - The proxy listening on O(on_port) needs the socket option C(IP_TRANSPARENT) (capability C(CAP_NET_ADMIN)); it
    sees the original destination as its socket's local address.
author:
  - pbr.linux contributors (@pbr-linux)
extends_documentation_fragment:
  - pbr.linux._attributes
  - pbr.linux._attributes.NETFILTER
options:
  name:
    description:
      - Name of the task's rule set, 1 to 16 characters - lowercase letters, digits and C(-). It names the chain
        (C(<name>_tproxy) / C(PBR_<NAME>_TPROXY)); tasks with different names do not touch each other's rules.
    type: str
    required: true
  state:
    description:
      - V(present) makes the task's chain exactly what the options describe.
      - V(absent) removes the task's chain(s) (of both address families) and the jump to it; the table
        C(inet pbr_linux) is removed when nothing else is left in it.
    type: str
    choices: [present, absent]
    default: present
  family:
    description:
      - Address families to divert. V(both) needs IPv6 local routes too (C(local ::/0 dev lo table T)).
      - Chains the task has in a family no longer listed are removed.
    type: str
    choices: [ipv4, ipv6, both]
    default: ipv4
  mark:
    description:
      - Firewall mark given to diverted packets, 1 to 0xffffffff, decimal or hex; V(0x1/0xff) gives the mask too.
      - The policy routing rule C(fwmark) has to match it.
    type: raw
    default: 1
  mask:
    description:
      - Bits of the packet mark O(mark) sets (the others are kept), 1 to 0xffffffff. Default all bits.
    type: raw
  on_port:
    description: Port the transparent proxy listens on (1 to 65535). Required with O(match).
    type: raw
  on_ip:
    description:
      - Address the proxy listens on (C(--on-ip) / C(tproxy ip to ADDR:PORT)). Omit it to use the address of the
        interface the packet came in on.
      - With O(family=both), a list of one IPv4 and one IPv6 address.
    type: raw
  match:
    description:
      - Traffic to hand to the proxy. Each entry is one TPROXY rule per protocol (and per family when it has no
        address). An empty list (the default) only sets up DIVERT, as in the first half of the kernel documentation.
    type: list
    elements: dict
    default: []
    suboptions:
      protocol:
        description: V(tcp), V(udp) or a list of both.
        type: raw
        default: tcp
      dport:
        description:
          - Destination port, range (V(1000-2000)) or list of those (with iptables at most 15 ports, a range
            counting as two). Omit it for every port.
        type: raw
      daddr:
        description: Destination prefix in CIDR notation (its family restricts the entry to that family).
        type: str
      saddr:
        description: Source prefix in CIDR notation.
        type: str
      on_port:
        description:
          - Port for this entry's connections (1 to 65535), for example a DNS listener beside the HTTP proxy. Default
            O(on_port). Entries are tried in order, so put the narrower entry first.
        type: raw
      in_interface:
        description:
          - Only packets arriving on this interface. Entries with an interface are not used for O(local_traffic).
          - A kernel interface name (1 to 15 bytes, no whitespace, control characters, C(/), C(:), C(#), C(") or C(\),
            not C(.) or C(..)) - the same rule as every interface option of the collection.
          - A trailing C(+) is a wildcard - V(eth+) matches every interface whose name starts with C(eth) (iptables
            C(-i eth+), nftables C(iifname "eth*")). A literal trailing C(*) is kept literal for both backends.
        type: str
  bypass:
    description:
      - Destination prefixes never diverted (for example the host's own and private networks), in CIDR notation.
        Their family must be one of O(family).
    type: list
    elements: str
    default: []
  bypass_local:
    description:
      - Packets to one of the host's own addresses (of any interface, as they are when the packet passes) are never
        diverted (C(fib daddr type local) / C(-m addrtype --dst-type LOCAL)).
    type: bool
    default: false
  skip_mark:
    description:
      - Packets already carrying this mark (V(0x2) or V(0x2/0x2) with a mask) are never diverted. The proxy sets it on
        its own upstream connections (C(SO_MARK)) so they cannot loop back into it. Must differ from O(mark).
    type: raw
  local_traffic:
    description:
      - Also divert the host's own outgoing connections that match an entry of O(match) without C(in_interface).
      - "A second chain (nftables: C(<name>_tproxy_out), hook output, type route; iptables: C(PBR_<NAME>_TPOUT) reached
        from mangle OUTPUT) gives their packets O(mark); the policy rule for O(mark) then routes them through C(lo)
        back into prerouting, where the TPROXY rules hand them to the proxy."
      - "In that chain these return first: packets in the reply direction of their connection (the host's servers'
        answers), O(skip_mark), O(skip_uids), O(skip_gids), O(bypass_local) and O(bypass). One of O(skip_mark),
        O(skip_uids) or O(skip_gids) is required: it keeps the proxy's own upstream connections from looping."
    type: bool
    default: false
  skip_uids:
    description:
      - With O(local_traffic), packets of sockets owned by these users (names of the managed host or numbers) are not
        diverted (C(meta skuid) / C(-m owner --uid-owner)). Give the proxy's user.
    type: list
    elements: raw
    default: []
  skip_gids:
    description:
      - With O(local_traffic), packets of sockets owned by these groups (names or numbers) are not diverted
        (C(meta skgid) / C(-m owner --gid-owner)).
    type: list
    elements: raw
    default: []
notes:
  - Check mode reports in RV(commands) the exact C(nft -f) script or C(iptables-restore) input apply would run;
    diff mode shows the task's chains before and after, as C(nft list) / C(iptables-save) print them.
  - Rules are compared in a canonical form parsed from the backend's listing, not as text, so nft's and iptables'
    own wording (which differs between releases) is no change; tested with nft 1.0.6 and 1.1.3, iptables 1.8.9
    and 1.8.11. A chain edited by hand is put back.
seealso:
  - module: pbr.linux.ip_rule
  - module: pbr.linux.conntrack_mark
  - name: Transparent proxy support (kernel documentation)
    description: The setup this module implements.
    link: https://docs.kernel.org/networking/tproxy.html
"""

EXAMPLES = r"""
- name: Transparent HTTP(S) proxy on port 50080 - netfilter, policy rule, local route (kernel tproxy documentation)
  block:
    - name: DIVERT and TPROXY with mark 1
      pbr.linux.tproxy_divert:
        name: web
        family: both
        mark: 1
        on_port: 50080
        match:
          - protocol: tcp
            dport: [80, 443]
            in_interface: eth1
        bypass: [127.0.0.0/8, 192.0.2.0/24, "::1/128"]
        skip_mark: 2

    - name: Marked packets look up table 100
      pbr.linux.ip_rule:
        config:
          - {priority: 100, fwmark: 1, table: 100}
          - {priority: 100, family: ipv6, fwmark: 1, table: 100}

    - name: Table 100 delivers everything locally
      pbr.linux.ip_route_table:
        config:
          - table: 100
            routes:
              - {dst: default, type: local, dev: lo}               # local 0.0.0.0/0 dev lo table 100
              - {dst: default, family: ipv6, type: local, dev: lo}  # local ::/0 dev lo table 100

- name: Only the DIVERT part (first half of the kernel documentation), with iptables
  pbr.linux.tproxy_divert:
    name: divert
    backend: iptables

- name: DNS over UDP and TCP to a local resolver at 192.0.2.1:5353 in namespace ns_demo, mark 0x10 under mask 0xf0
  pbr.linux.tproxy_divert:
    name: dns
    namespace: ns_demo
    mark: "0x10/0xf0"
    on_port: 5353
    on_ip: 192.0.2.1
    match:
      - {protocol: [udp, tcp], dport: 53}

- name: The gateway's own HTTP requests through the proxy too (seed 004), squid's own (user proxy) go out directly
  pbr.linux.tproxy_divert:
    name: local
    family: both
    on_port: 3129
    match:
      - {protocol: tcp, dport: 80}
    bypass_local: true
    bypass: [127.0.0.0/8, "::1/128"]
    local_traffic: true
    skip_uids: [proxy]

- name: HTTP to the proxy on 3129, DNS (UDP and TCP port 53) to its resolver on 5353
  pbr.linux.tproxy_divert:
    name: web-dns
    on_port: 3129
    match:
      - {protocol: [udp, tcp], dport: 53, on_port: 5353}
      - {protocol: tcp, dport: 80}

- name: Remove the web proxy's rules
  pbr.linux.tproxy_divert:
    name: web
    state: absent
"""

RETURN = r"""
backend:
  description: The backend used (V(nftables) or V(iptables)).
  returned: always
  type: str
  sample: nftables
changes:
  description:
    - What the task changes (in check mode, would change), object by object - what the callback C(pbr.linux.drift)
      reports for a fleet audit. C(change) is V(missing) (the host lacks the object), V(extra) (the host has it and
      is to lose it) or V(different) (with C(before), the host's, and C(after), the wanted); C(object) is
      a rule of one of the task's chains (or its hook), as C(nft list) or C(iptables-save) prints it (compared in
      the backend's canonical form); C(where) names the listing it belongs in.
    - At most 1000 operations are listed; RV(changes_omitted) counts the rest.
  returned: when the task compares with the host (not gathered, rendered or parsed)
  type: list
  elements: dict
  sample:
    - change: missing
      where: "nft list table inet pbr_linux: chain tproxy_tproxy"
      object: "meta l4proto tcp socket transparent 1 meta mark set 0x00000001 accept"
changes_omitted:
  description: How many operations RV(changes) does not list.
  returned: when there are more than 1000 operations
  type: int
  sample: 49000
commands:
  description:
    - The backend input that was run (or would run in check mode) - an C(nft -f) script or C(iptables-restore
      --noflush) input, as a here-document an engineer could paste. Empty when nothing changes.
  returned: always
  type: list
  elements: str
  sample:
    - "nft -f - <<'EOF'"
    - "table inet pbr_linux {}"
    - "add chain inet pbr_linux web_tproxy { type filter hook prerouting priority mangle; policy accept; }"
    - "flush chain inet pbr_linux web_tproxy"
    - "add rule inet pbr_linux web_tproxy meta nfproto ipv4 meta l4proto tcp socket transparent 1 meta mark set
      0x00000001 accept"
    - "add rule inet pbr_linux web_tproxy meta nfproto ipv4 tcp dport { 80, 443 } tproxy ip to :50080 meta mark set
      0x00000001 accept"
    - EOF
before:
  description: The task's chains before, with their rules as the backend prints them.
  returned: always
  type: list
  elements: dict
  sample: []
after:
  description: The task's chains after the task, read back from the backend (in check mode, what they would be).
  returned: always
  type: list
  elements: dict
  sample:
    - backend: nftables
      family: inet
      chain: web_tproxy
      hook: "type filter hook prerouting priority mangle; policy accept;"
      rules:
        - meta nfproto ipv4 meta l4proto tcp socket transparent 1 meta mark set 0x00000001 accept
engine_seconds:
  description: Time the engine spent reading, planning and applying, in seconds.
  returned: always
  type: float
  sample: 0.02
"""

from ansible_collections.pbr.linux.plugins.module_utils._netfilter import COMMON_OPTIONS
from ansible_collections.pbr.linux.plugins.module_utils._runner import run_module
from ansible_collections.pbr.linux.plugins.module_utils._tproxy_divert import prepare

ARGUMENT_SPEC = dict(
    COMMON_OPTIONS,
    mark={"type": "raw", "default": 1},
    mask={"type": "raw"},
    on_port={"type": "raw"},
    on_ip={"type": "raw"},
    match={
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {
            "protocol": {"type": "raw", "default": "tcp"},
            "dport": {"type": "raw"},
            "daddr": {"type": "str"},
            "saddr": {"type": "str"},
            "in_interface": {"type": "str"},
            "on_port": {"type": "raw"},
        },
    },
    bypass={"type": "list", "elements": "str", "default": [], "no_log": False},
    bypass_local={"type": "bool", "default": False},
    skip_mark={"type": "raw"},
    local_traffic={"type": "bool", "default": False},
    skip_uids={"type": "list", "elements": "raw", "default": []},
    skip_gids={"type": "list", "elements": "raw", "default": []},
)


def main() -> None:
    run_module(ARGUMENT_SPEC, prepare)


if __name__ == "__main__":
    main()
