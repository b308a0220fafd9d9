#!/usr/bin/python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: src_valid_mark
short_description: Set net.ipv4.conf.<interface>.src_valid_mark (and rp_filter) for policy routing by mark
version_added: 0.1.0
description:
  - Sets the IPv4 sysctl C(net.ipv4.conf.<interface>.src_valid_mark) for one or more interfaces (or V(all) /
    V(default)), and optionally C(rp_filter) for the same interfaces, in the running kernel and in this
    collection's own file C(/etc/sysctl.d/60-pbr-linux.conf).
  - The two decide together whether a reply routed by its firewall mark passes reverse-path filtering. With
    C(rp_filter) strict (1), a packet whose source is only reachable through another interface is dropped,
    unless C(src_valid_mark) is on for the interface it arrived on, so that the source check takes the
    packet's mark into account (the connection-mark return path of a multi-homed host, see
    M(pbr.linux.conntrack_mark)). With C(rp_filter) off (0), the check does not happen at all.
  - The kernel uses the larger of C(net.ipv4.conf.all.rp_filter) and the interface's value, and turns
    C(src_valid_mark) on when it is on for the interface or for V(all). RV(effective) reports what applies
    to each interface after the task.
  - Interface names with dots (VLANs such as C(eth1.100)) work. In /proc/sys the name keeps its dot; in
    sysctl keys (RV(commands), the diff, the persistence file) it is written C(net.ipv4.conf.eth1/100.rp_filter),
    as sysctl(8) and sysctl.d(5) require.
  - An interface that does not exist yet is not an error - it is written to the persistence file (from which
    systemd applies it when the interface appears) and listed in RV(pending).
  - Every parameter is validated before the host is touched. A value the kernel refuses fails the task and sets
    the values already written back.
author:
  - pbr.linux contributors (@pbr-linux)
extends_documentation_fragment:
  - pbr.linux._attributes
options:
  interfaces:
    description:
      - Interface names (at most 15 characters, no C(/), C(:) or whitespace), or V(all) (every interface, see
        above how it combines) or V(default) (the template for interfaces created later).
      - Setting V(all) for src_valid_mark is known to break transparent proxies elsewhere on the host; prefer
        the interface the marked replies arrive on.
    type: list
    elements: str
    required: true
  src_valid_mark:
    description: The value to set, on (V(true), 1) or off (V(false), 0).
    type: bool
    default: true
  rp_filter:
    description:
      - Reverse-path filtering for the same interfaces, V(off) (0), V(strict) (1) or V(loose) (2); 0, 1 and 2 are
        accepted too. Left as it is when omitted.
      - Quote V(off) in YAML; an unquoted C(off) is read as boolean false, which is accepted as V(off).
    type: raw
  state:
    description:
      - V(present) sets the values (running and, with O(persist), in the file).
      - V(absent) removes every entry this collection persisted for the interfaces (src_valid_mark and
        rp_filter, whatever O(src_valid_mark) and O(rp_filter) say), and sets each running value that still
        equals the persisted one back to the value the file recorded it replaced (for an interface that did
        not exist when persisted, to C(net.ipv4.conf.default)'s value, which a new interface starts with).
        Values set with O(persist=false) are not recorded anywhere, so V(absent) leaves them; set
        O(src_valid_mark=false) to turn one off.
    type: str
    choices: [present, absent]
    default: present
  persist:
    description:
      - Also write the values to the persistence file, which systemd-sysctl loads at boot (and udev when an
        interface appears). The file lists only what this collection set, one C(key = value) line each, with a
        C(# pbr.linux previous:) comment keeping the value it replaced.
      - With O(namespace), the file is C(/etc/netns/NAMESPACE/sysctl.d/60-pbr-linux.conf). systemd does not
        apply sysctl.d inside a namespace; C(ip netns exec NAMESPACE) shows that directory as
        C(/etc/sysctl.d), so C(ip netns exec NAMESPACE sysctl -e -p /etc/sysctl.d/60-pbr-linux.conf) (for
        example in the unit that creates the namespace) loads it. Like every entry of C(/etc/netns/NAMESPACE),
        that directory then hides the root view's C(/etc/sysctl.d) from commands run with C(ip netns exec).
        The root view's C(/etc/sysctl.d) is never written for a namespace.
      - With V(false) only the running kernel changes; the file is left as it is (a warning says when it
        persists another value for the same key).
    type: bool
    default: true
  namespace:
    description:
      - Name of a network namespace (as listed by C(ip netns list)) to work in instead of the host's own.
        The namespace must exist; pbr.linux never creates one.
    type: str
notes:
  - Only C(net.ipv4.conf.*) is involved; IPv6 has no reverse-path filter sysctl (use an nft C(fib) rule).
  - Works without pyroute2; needs /proc/sys mounted.
seealso:
  - module: pbr.linux.ip_rule
  - name: ip-sysctl
    description: The kernel's documentation of rp_filter and src_valid_mark.
    link: https://docs.kernel.org/networking/ip-sysctl.html
"""

EXAMPLES = r"""
- name: FTP dropbox return path (seed 003) - marked replies on eth1 pass the source check
  pbr.linux.src_valid_mark:
    interfaces: [eth1]

- name: Strict reverse-path filtering on both uplinks, with marks taken into account
  pbr.linux.src_valid_mark:
    interfaces: [eth1, eth2.100]
    rp_filter: strict

- name: An interface created later by another role (reported in `pending`, applied by systemd when it appears)
  pbr.linux.src_valid_mark:
    interfaces: [wg0]

- name: Inside a namespace (persisted in /etc/netns/ns_demo/sysctl.d/60-pbr-linux.conf)
  pbr.linux.src_valid_mark:
    namespace: ns_demo
    interfaces: [veth1]
    rp_filter: loose

- name: Running kernel only
  pbr.linux.src_valid_mark:
    interfaces: [eth1]
    persist: false

- name: Undo - drop our entries and set back the values we had changed
  pbr.linux.src_valid_mark:
    interfaces: [eth1, eth2.100]
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
    - change: different
      where: "running kernel (sysctl -a)"
      object: "net.ipv4.conf.eth1.rp_filter = 1"
      before: "net.ipv4.conf.eth1.rp_filter = 2"
      after: "net.ipv4.conf.eth1.rp_filter = 1"
changes_omitted:
  description: How many operations RV(changes) does not list.
  returned: when there are more than 1000 operations
  type: int
  sample: 49000
commands:
  description:
    - What was done, or would be done in check mode, in order. Running values as C(sysctl -w) commands (run
      inside O(namespace) when given); changes of the persistence file as C(# write PATH:) lines.
  returned: always
  type: list
  elements: str
  sample:
    - sysctl -w net.ipv4.conf.eth1/100.src_valid_mark=1
    - "# write /etc/sysctl.d/60-pbr-linux.conf: net.ipv4.conf.eth1/100.src_valid_mark = 1"
before:
  description: The values in the task's scope before it, running and persisted.
  returned: always
  type: list
  elements: dict
  sample:
    - {key: net.ipv4.conf.eth1.src_valid_mark, interface: eth1, setting: src_valid_mark, value: 0,
       meaning: 'false', store: running}
after:
  description: The values in the task's scope after it, read back (in check mode, what they would be).
  returned: always
  type: list
  elements: dict
  sample:
    - {key: net.ipv4.conf.eth1.src_valid_mark, interface: eth1, setting: src_valid_mark, value: 1,
       meaning: 'true', store: persisted}
pending:
  description: Named interfaces that do not exist (yet); with O(persist), they are in the file only.
  returned: always
  type: list
  elements: str
  sample: [eth9]
effective:
  description:
    - For each named interface that exists, what the kernel applies after the task - C(src_valid_mark) on
      when on for the interface or for V(all), C(rp_filter) the larger of the interface's and V(all)'s.
  returned: always
  type: dict
  sample: {eth1: {src_valid_mark: true, rp_filter: strict}}
persist_file:
  description: The persistence file the task manages (null with O(persist=false) and O(state=present)).
  returned: always
  type: str
  sample: /etc/sysctl.d/60-pbr-linux.conf
engine_seconds:
  description: Time the engine spent reading, planning and applying, in seconds.
  returned: always
  type: float
  sample: 0.002
"""

from ansible_collections.pbr.linux.plugins.module_utils._runner import run_module
from ansible_collections.pbr.linux.plugins.module_utils._src_valid_mark import prepare

ARGUMENT_SPEC = {
    "interfaces": {"type": "list", "elements": "str", "required": True},
    "src_valid_mark": {"type": "bool", "default": True},
    "rp_filter": {"type": "raw"},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "persist": {"type": "bool", "default": True},
    "namespace": {"type": "str"},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, prepare)


if __name__ == "__main__":
    main()
