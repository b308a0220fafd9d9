#!/usr/bin/python
# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: persist
short_description: Save the policy pbr.linux owns so that it survives reboots, link flaps and network-manager restarts
version_added: 0.1.0
description:
  - The other modules change the running kernel. This one saves what the collection owns there now - its rules and
    routes (protocol 242, both families), its nft table C(inet pbr_linux), its iptables chains C(PBR_*) and the jumps to
    them - in native formats that need no Python or Ansible to replay, under C(/etc/pbr-linux/) (with O(namespace),
    C(/etc/netns/NAMESPACE/pbr-linux/)).
  - "The files: C(rules-4.batch), C(rules-6.batch) (C(ip -4|-6 -batch) input, C(rule add ... protocol 242)),
    C(routes-4.batch), C(routes-6.batch) (C(route replace ... proto 242): every table), C(nftables.nft) (C(nft -f) input
    that replaces our table in one transaction), C(iptables-4.rules), C(iptables-6.rules) (C(iptables-restore --noflush)
    input: only our chains). Sysctls and table names already live in the files M(pbr.linux.src_valid_mark) and
    M(pbr.linux.rt_tables_alias) write; the restore script applies the sysctl file."
  - It installs C(pbr-linux-restore) in C(/usr/local/sbin) (a POSIX sh script using iproute2, nft, iptables-restore and
    flock) and, for the host's own namespace, two systemd units (C(pbr-linux-restore-early.service) - sysctls, rules and
    netfilter before the network starts - and C(pbr-linux-restore.service) - the routes once the network is online,
    retrying for 30 seconds), enabled, plus the hooks of the network managers the host has (O(hooks)).
  - Check mode reports whether the saved state differs from the running one, and diff mode shows the difference as
    the saved files' lines - the "running against boot" half of an audit. Saving an unchanged policy is changed=false.
  - Every file is written root-owned (C(0644), the script and hooks C(0755)) through a temporary file and a rename;
    when any of them cannot be written, none is (the old saved state stays). C(pbr-linux-restore) refuses a saved file
    or directory that is not root-owned or is writable by group or others, and never runs saved content as shell.
  - Like every pbr.linux module it holds the host's (or namespace's) lock while it reads and writes, so it never saves
    half of another task's change.
author:
  - pbr.linux contributors (@pbr-linux)
extends_documentation_fragment:
  - pbr.linux._attributes
options:
  state:
    description:
      - V(saved) writes the running policy's files (and removes saved files of objects that are gone) and installs
        the restore machinery.
      - V(absent) removes the saved state and what the module installed (the script only once no namespace has
        saved state left).
    type: str
    choices: [saved, absent]
    default: saved
  namespace:
    description:
      - Name of a network namespace (as listed by C(ip netns list)) whose policy to save, in
        C(/etc/netns/NAMESPACE/pbr-linux/). The namespace must exist.
      - No unit or hook is installed for a namespace - whatever creates the namespace at boot has to run
        C(pbr-linux-restore --namespace NAMESPACE) after creating it and its links (RV(boot) says so).
    type: str
  hooks:
    description:
      - What re-applies the policy at boot and when a link comes back. V(auto) installs the hooks for what the host
        has; V(none) installs only the script.
      - V(systemd) - the two units and their C(.wants) links (in C(/etc/systemd/system)).
      - V(networkd) - C(/etc/systemd/networkd.conf.d/pbr-linux.conf) with C(ManageForeignRoutingPolicyRules=no) and
        C(ManageForeignRoutes=no). systemd-networkd deletes every rule and route it did not configure itself whenever
        it configures a link or restarts (both default to yes); re-applying afterwards would race with it, so the
        drop-in stops it from deleting foreign objects at all. It then leaves every other tool's rules and routes in
        place too.
      - V(networkd-dispatcher) - a C(routable.d) hook that runs C(pbr-linux-restore --interface IFACE).
      - V(networkmanager) - a dispatcher script (C(/etc/NetworkManager/dispatcher.d/50-pbr-linux)) that does the same on
        C(up).
      - V(ifupdown) - C(/etc/network/if-up.d/pbr-linux), the same for ifupdown.
      - Hooks not selected are removed if an earlier run installed them.
    type: list
    elements: str
    choices: [auto, none, systemd, networkd, networkd-dispatcher, networkmanager, ifupdown]
    default: [auto]
  root:
    description:
      - Install the restore machinery (script, units, hooks) under this directory instead of C(/) - for building
        an image, and for tests. The saved state always goes to the host's C(/etc) view (see O(namespace)).
    type: path
    default: /
notes:
  - On a host where systemd is not running (a plain container) the files are saved and installed, and a warning says
    that nothing replays them at boot.
  - "C(pbr-linux-restore [--namespace NAME] [--interface IFNAME] [--early] [--wait SECONDS]): without C(--interface) it
    restores everything saved; with it, the saved routes through that interface and its sysctls. Running it again
    changes nothing and prints nothing on stderr. It exits 1 and names each file and line that could not be restored
    (and restores the rest; a corrupted nft or iptables file leaves the running table as it is), 3 when another run holds
    the lock (C(PBR_LINUX_LOCK_TIMEOUT) seconds, default 60)."
  - Rules are replayed with C(ip rule add) (an existing one is not an error) and routes with C(ip route replace), so
    a restore only adds and corrects; it never removes a rule or route.
seealso:
  - module: pbr.linux.ip_rule
  - module: pbr.linux.ip_route_table
  - module: pbr.linux.tproxy_divert
  - module: pbr.linux.conntrack_mark
attributes:
  check_mode:
    details:
      - Check mode compares the saved files with what the running kernel holds now.
"""

EXAMPLES = r"""
# Seed 000/004 (transparent proxy): make the divert survive a reboot
- name: Proxy rule, route and TPROXY chains
  pbr.linux.tproxy_divert:
    port: 3129
    mark: 1
- name: Save them; install pbr-linux-restore and its units
  pbr.linux.persist:

# Seed 003 (multi-homed return path): save after the rules, routes, CONNMARK chains and sysctls
- name: Persist the return path
  pbr.linux.persist:
    hooks: [systemd, networkd]

# Seed 002 (a namespace): saved under /etc/netns/ns_demo/pbr-linux
- name: Save the namespace's policy
  pbr.linux.persist:
    namespace: ns_demo
# then, in the unit that creates ns_demo and its links:
#   ExecStartPost=/usr/local/sbin/pbr-linux-restore --namespace ns_demo

# Audit: does the boot state match the running one?
- name: Running against saved
  pbr.linux.persist:
  check_mode: true
  diff: true
  register: boot_drift

- name: Remove the saved state and the machinery
  pbr.linux.persist:
    state: absent
"""

RETURN = r"""
saved:
  description: The saved-state files after the task (in check mode, those it would write).
  returned: always
  type: list
  elements: str
  sample: [/etc/pbr-linux/rules-4.batch, /etc/pbr-linux/routes-4.batch, /etc/pbr-linux/nftables.nft]
installed:
  description: The restore machinery after the task - the script, units, C(.wants) links and hooks.
  returned: always
  type: list
  elements: str
  sample: [/usr/local/sbin/pbr-linux-restore, /etc/systemd/system/pbr-linux-restore.service]
state_dir:
  description: The directory of the saved state.
  returned: always
  type: str
  sample: /etc/pbr-linux
boot:
  description: What replays the saved state at boot.
  returned: always
  type: str
  sample: "systemd: pbr-linux-restore-early.service, pbr-linux-restore.service"
hooks:
  description: The hooks selected (see O(hooks)); none for a namespace.
  returned: always
  type: list
  elements: str
  sample: [systemd, networkd]
changes:
  description:
    - What the task changes (in check mode, would change), object by object - what the callback C(pbr.linux.drift)
      reports for a fleet audit. C(change) is V(missing) (the host lacks the object), V(extra) (the host has it and
      is to lose it) or V(different) (with C(before), the host's, and C(after), the wanted); C(object) is
      a line of a saved file (V(missing) - the running policy has it and the saved file does not; V(extra) - the
      saved file has it and the running policy no longer does; the restore machinery as whole files); C(where)
      names the listing it belongs in.
    - At most 1000 operations are listed; RV(changes_omitted) counts the rest.
  returned: when the task compares with the host (not gathered, rendered or parsed)
  type: list
  elements: dict
  sample:
    - change: missing
      where: "/etc/pbr-linux/rules-4.batch"
      object: "rule add priority 1000 from all fwmark 0x1/0xff lookup 101 protocol 242"
changes_omitted:
  description: How many operations RV(changes) does not list.
  returned: when there are more than 1000 operations
  type: int
  sample: 49000
commands:
  description: What the task does (or would do), one line per file, as shell commands.
  returned: always
  type: list
  elements: str
  sample: ["install -o root -g root -m 0644 /dev/stdin /etc/pbr-linux/rules-4.batch  # 3 lines"]
before:
  description: The saved and installed files before the task (path, mode, owner uid, lines; or path and link).
  returned: always
  type: list
  elements: dict
after:
  description: The same after the task, read back from disk (in check mode, what it would be).
  returned: always
  type: list
  elements: dict
engine_seconds:
  description: Time the engine spent reading, planning and writing, in seconds.
  returned: always
  type: float
  sample: 0.01
"""

from ansible_collections.pbr.linux.plugins.module_utils._persist import prepare
from ansible_collections.pbr.linux.plugins.module_utils._runner import run_module

ARGUMENT_SPEC = {
    "state": {"type": "str", "default": "saved", "choices": ["saved", "absent"]},
    "namespace": {"type": "str"},
    "hooks": {
        "type": "list",
        "elements": "str",
        "default": ["auto"],
        "choices": ["auto", "none", "systemd", "networkd", "networkd-dispatcher", "networkmanager", "ifupdown"],
    },
    "root": {"type": "path", "default": "/"},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, prepare)


if __name__ == "__main__":
    main()
