#!/usr/bin/python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: conntrack_mark
short_description: Mark connections by the interface they came in on, and restore the mark on their replies
version_added: 0.1.0
description:
  - The netfilter half of the multi-homed return path - packets arriving on an entry's O(entries[].in_interface)
    (and from its O(entries[].source)) get the entry's mark, and so does their connection (C(MARK) + C(CONNMARK
    --save-mark) / C(meta mark set) + C(ct mark set)). Replies get the connection's mark back (C(restore)) so that a
    policy rule C(fwmark <mark> lookup <table>) sends them out through the interface the connection came in on.
  - O(entries[].mask) limits the bits an entry sets and restores, so several uplinks or other software can share
    the mark space. Restoring is per entry - only the marks this task sets are copied back, and the other bits of
    the packet mark stay.
  - "The task owns up to two chains. With nftables, base chains in the collection's own table C(inet pbr_linux) -
    C(<name>_ctmark_pre) (hook prerouting, priority mangle) and C(<name>_ctmark_out) (type route, hook output, so
    that a restored mark re-routes the reply). With iptables, the chains C(PBR_<NAME>_CTPRE) and
    C(PBR_<NAME>_CTOUT) in the mangle table, each reached by one jump from PREROUTING / OUTPUT. Nothing else in the
    ruleset is read or changed."
  - Changes are applied in one transaction (C(nft -f), or C(iptables-restore --noflush) per address family); a
    failed task leaves the previous rules in place.
  - The reply is routed by its mark only if the reverse-path filter lets the marked packets in - set
    C(src_valid_mark) on the ingress interfaces with M(pbr.linux.src_valid_mark) when C(rp_filter) is strict.
author:
  - pbr.linux contributors (@pbr-linux)
extends_documentation_fragment:
  - pbr.linux._attributes
  - pbr.linux._attributes.NETFILTER
options:
  name:
    description:
      - Name of the task's rule set, 1 to 16 characters - lowercase letters, digits and C(-). It names the chains.
    type: str
    required: true
  state:
    description:
      - V(present) makes the task's chains exactly what the options describe.
      - V(absent) removes the task's chains (of both address families) and the jumps to them.
    type: str
    choices: [present, absent]
    default: present
  family:
    description: Address families the rules apply to.
    type: str
    choices: [ipv4, ipv6, both]
    default: ipv4
  entries:
    description: One entry per ingress interface (and source). Required with O(state=present).
    type: list
    elements: dict
    suboptions:
      in_interface:
        description:
          - Interface the connections come in on.
          - A kernel interface name (1 to 15 bytes, no whitespace, control characters, C(/), C(:), C(#), C(") or C(\),
            not C(.) or C(..)) - the same rule as every interface option of the collection.
          - A trailing C(+) is a wildcard - V(eth+) matches every interface whose name starts with C(eth) (iptables
            C(-i eth+), nftables C(iifname "eth*")). A literal trailing C(*) is kept literal for both backends.
        type: str
        required: true
      source:
        description: Only connections from this prefix (CIDR notation); its family must be one of O(family).
        type: str
      mark:
        description: Mark for these connections, 1 to 0xffffffff, decimal or hex (V(0x1/0xff) gives the mask too).
        type: raw
        required: true
      mask:
        description: Bits of the packet and connection mark the entry sets and restores. Default all bits.
        type: raw
  restore:
    description:
      - Where the connection mark is copied back into the packet mark - V(output) for replies the host itself sends
        (a server answering on the interface the request came in on), V(prerouting) for replies it forwards (a
        router). An empty list restores nowhere.
    type: list
    elements: str
    choices: [output, prerouting]
    default: [output]
notes:
  - Check mode reports in RV(commands) the exact backend input apply would run; diff mode shows the task's chains
    before and after, as C(nft list) / C(iptables-save) print them.
seealso:
  - module: pbr.linux.src_valid_mark
  - module: pbr.linux.ip_rule
  - module: pbr.linux.tproxy_divert
"""

EXAMPLES = r"""
- name: FTP dropbox (seed 003) - connections in on eth1 are answered through eth1
  block:
    - name: Mark connections arriving on eth1 with 0x1, restore it on the host's replies
      pbr.linux.conntrack_mark:
        name: dropbox
        entries:
          - {in_interface: eth1, mark: 1}

    - name: Marked replies look up table 100
      pbr.linux.ip_rule:
        config:
          - {priority: 1000, fwmark: 1, table: 100}

    - name: Table 100 routes out of eth1
      pbr.linux.ip_route_table:
        config:
          - table: 100
            routes:
              - {dst: default, via: 198.51.100.1, dev: eth1}

    - name: Let marked packets pass the strict reverse-path filter on eth1
      pbr.linux.src_valid_mark:
        interfaces: [eth1]
        rp_filter: strict

- name: Two uplinks sharing the low byte of the mark, on a router (forwarded replies), nftables and iptables alike
  pbr.linux.conntrack_mark:
    name: uplinks
    family: both
    restore: [prerouting, output]
    entries:
      - {in_interface: wan1, mark: "0x1", mask: "0xff"}
      - {in_interface: wan2, mark: "0x2", mask: "0xff"}

- name: Remove them
  pbr.linux.conntrack_mark:
    name: uplinks
    state: absent
"""

RETURN = r"""
backend:
  description: The backend used (V(nftables) or V(iptables)).
  returned: always
  type: str
  sample: iptables
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
      where: "iptables-save -t mangle: chain PBR_RETURN-PATH_CTPRE"
      object: "-A PBR_RETURN-PATH_CTPRE -i eth1 -j CONNMARK --set-xmark 0x1/0xff"
changes_omitted:
  description: How many operations RV(changes) does not list.
  returned: when there are more than 1000 operations
  type: int
  sample: 49000
commands:
  description: The C(nft -f) script or C(iptables-restore --noflush) input run (or that would run in check mode).
  returned: always
  type: list
  elements: str
  sample:
    - "iptables-restore --noflush <<'EOF'"
    - "*mangle"
    - ":PBR_DROPBOX_CTPRE - [0:0]"
    - ":PBR_DROPBOX_CTOUT - [0:0]"
    - "-A PBR_DROPBOX_CTPRE -i eth1 -j MARK --set-xmark 0x1/0xffffffff"
    - "-A PBR_DROPBOX_CTPRE -i eth1 -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff"
    - "-A PREROUTING -j PBR_DROPBOX_CTPRE"
    - "-A PBR_DROPBOX_CTOUT -m connmark --mark 0x1 -j MARK --set-xmark 0x1/0xffffffff"
    - "-A OUTPUT -j PBR_DROPBOX_CTOUT"
    - COMMIT
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
    - backend: iptables
      family: ipv4
      chain: PBR_DROPBOX_CTOUT
      hook: OUTPUT
      jumps: 1
      rules: ["-m connmark --mark 0x1 -j MARK --set-xmark 0x1/0xffffffff"]
engine_seconds:
  description: Time the engine spent reading, planning and applying, in seconds.
  returned: always
  type: float
  sample: 0.02
"""

from ansible_collections.pbr.linux.plugins.module_utils._conntrack_mark import prepare
from ansible_collections.pbr.linux.plugins.module_utils._netfilter import COMMON_OPTIONS
from ansible_collections.pbr.linux.plugins.module_utils._runner import run_module

ARGUMENT_SPEC = dict(
    COMMON_OPTIONS,
    entries={
        "type": "list",
        "elements": "dict",
        "options": {
            "in_interface": {"type": "str", "required": True},
            "source": {"type": "str"},
            "mark": {"type": "raw", "required": True},
            "mask": {"type": "raw"},
        },
    },
    restore={"type": "list", "elements": "str", "choices": ["output", "prerouting"], "default": ["output"]},
)


def main() -> None:
    run_module(ARGUMENT_SPEC, prepare, required_if=[("state", "present", ("entries",))])


if __name__ == "__main__":
    main()
