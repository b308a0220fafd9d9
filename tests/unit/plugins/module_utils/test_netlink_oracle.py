# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""netlink.py's decoder against pyroute2 as an independent oracle, on real kernel dumps.

A throwaway namespace gets a variety of rules; both readers must produce the same Rules.
pyroute2 0.9.x runs in this interpreter, Debian's 0.7.2 in /usr/bin/python3 (subprocess).
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.pbr.linux.plugins.module_utils import _netlink as netlink
from ansible_collections.pbr.linux.plugins.module_utils._host import Host
from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import from_netlink

RULES = """\
rule add priority 100 fwmark 0x1 lookup 100 protocol 242
rule add priority 200 not from 192.0.2.0/24 to 198.51.100.0/24 tos 0x10 fwmark 0x10/0xff iif eth9 oif eth8 \
uidrange 100-200 ipproto tcp sport 1000-2000 dport 80 lookup 300 suppress_prefixlength 0 protocol 242
rule add priority 301 blackhole
rule add priority 302 from 203.0.113.7 unreachable protocol boot
rule add priority 303 goto 400
rule add priority 304 ipproto udp dport 53 prohibit
rule add priority 305 fwmark 0x4/0x4 lookup 70000 protocol static
rule add priority 306 nop
"""
RULES6 = """\
rule add priority 100 fwmark 0x1 lookup 100 protocol 242
rule add priority 300 from 2001:db8::/32 to 2001:db8:1::/48 goto 400
rule add priority 301 iif veth0 sport 8080 lookup 100
"""

ORACLE = r"""
import json, sys
sys.path.insert(0, sys.argv[2])
from ansible_collections.pbr.linux.plugins.module_utils._ip_rule import from_netlink
from ansible_collections.pbr.linux.plugins.module_utils._host import Host
ipr = Host(sys.argv[1]).ipr()  # pyroute2's IPRoute, opened inside the namespace
rules = [from_netlink(m) for m in ipr.get_rules()]
print(json.dumps(sorted(repr(r) for r in rules if r is not None)))
"""


@pytest.fixture(scope="module")
def namespace():
    name = "pbru" + secrets.token_hex(4)
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "-n", name, "-batch", "-"], input=RULES, text=True, check=True)
        subprocess.run(["ip", "-n", name, "-6", "-batch", "-"], input=RULES6, text=True, check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=True)


def ours(ns: str) -> list:
    host = Host(ns)
    try:
        return sorted(repr(from_netlink(m)) for m in netlink.dump_rules(host.netlink()) if m["family"] in (2, 10))
    finally:
        host.close()


def collection_root() -> str:
    """The directory holding ``ansible_collections`` (as imported, links not resolved)."""
    return str(Path(netlink.__file__).parents[5])


def test_decoder_sees_every_rule(namespace):
    rules = ours(namespace)
    # 3 kernel rules + 8 added (IPv4), 2 kernel + 3 added (IPv6)
    assert len(rules) == 16
    assert any("priority=200" in r and "sport=(1000, 2000)" in r and "invert=True" in r for r in rules)
    assert any("table=70000" in r and "protocol=4" in r for r in rules)


def test_decoder_matches_pyroute2_in_this_interpreter(namespace):
    out = subprocess.run(
        [sys.executable, "-c", ORACLE, namespace, collection_root()], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == ours(namespace)


def test_decoder_matches_debian_pyroute2_072(namespace):
    # Debian's python3-pyroute2 (0.7.2), installed by scripts/bootstrap.sh
    out = subprocess.run(
        ["/usr/bin/python3", "-c", ORACLE, namespace, collection_root()], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == ours(namespace)
