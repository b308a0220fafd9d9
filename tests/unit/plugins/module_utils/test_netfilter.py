# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Netfilter chains: validation, rendering for nftables and iptables, parsing, planning.

The expected rule texts below are what ``nft list table`` (nft 1.0.6) and ``iptables-save``
(iptables 1.8.9, nft and legacy) printed on this project's CI machine for the same rules: if the
renderers drift from them, re-applying would never be idempotent.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Dict, List, Optional

import pytest

from ansible_collections.pbr.linux.plugins.module_utils import _conntrack_mark as conntrack
from ansible_collections.pbr.linux.plugins.module_utils import _engine as engine
from ansible_collections.pbr.linux.plugins.module_utils import _iptables as iptables
from ansible_collections.pbr.linux.plugins.module_utils import _nft as nft
from ansible_collections.pbr.linux.plugins.module_utils import _tproxy_divert as tproxy
from ansible_collections.pbr.linux.plugins.module_utils._netfilter import NetfilterKind, resolve_backend
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_config import parse_mark, parse_ports
from ansible_collections.pbr.linux.plugins.module_utils._netfilter_model import Chain, NfRule
from ansible_collections.pbr.linux.plugins.module_utils._values import U32_MAX, PbrError


def net(text: str) -> Any:
    return ipaddress.ip_network(text)


def which_all(name: str) -> Optional[str]:
    return f"/usr/sbin/{name}"


def which_none(name: str) -> Optional[str]:
    return None


def which_iptables_only(name: str) -> Optional[str]:
    return None if name == "nft" else f"/usr/sbin/{name}"


def desired(kind: NetfilterKind, **params: Any) -> List[Chain]:
    params.setdefault("name", "web")
    return kind.from_config([params], None)


def tproxy_kind() -> NetfilterKind:
    return NetfilterKind(list(tproxy.ROLES), tproxy.build, which=which_all)


def conntrack_kind() -> NetfilterKind:
    return NetfilterKind([conntrack.ROLE_PRE, conntrack.ROLE_OUT], conntrack.build, which=which_all)


# ---------------------------------------------------------------------------- values
def test_ports_are_sorted_and_merged_like_nft_sets() -> None:
    assert parse_ports("dport", [81, "80", 82, "90-95", 96, "1000:2000"]) == ((80, 82), (90, 96), (1000, 2000))
    assert parse_ports("dport", 443) == ((443, 443),)


@pytest.mark.parametrize("value", [0, 65536, "0-10", "20-10", "http", [], [80, 0], True])
def test_bad_ports_name_the_field_and_value(value: Any) -> None:
    with pytest.raises(PbrError) as err:
        parse_ports("match[0].dport", value)
    assert err.value.msg.startswith("match[0].dport: ")
    assert err.value.field == "match[0].dport"


def test_marks() -> None:
    assert parse_mark("mark", 1) == (1, U32_MAX)
    assert parse_mark("mark", "0x10/0xf0") == (0x10, 0xF0)
    assert parse_mark("mark", "0x10", 0xF0) == (0x10, 0xF0)
    for bad in (0, -1, U32_MAX + 1, "0x100/0xff", "x"):
        with pytest.raises(PbrError) as err:
            parse_mark("mark", bad)
        assert err.value.field == "mark"


def test_backend_auto_prefers_nft_then_iptables_then_fails() -> None:
    assert resolve_backend("auto", ("ipv4",), which_all)[0] == "nftables"
    assert resolve_backend("auto", ("ipv4", "ipv6"), which_iptables_only)[0] == "iptables"
    with pytest.raises(PbrError) as err:
        resolve_backend("auto", ("ipv4",), which_none)
    assert err.value.field == "backend" and "neither nft nor" in err.value.msg
    with pytest.raises(PbrError) as err:
        resolve_backend("nftables", ("ipv4",), which_iptables_only)
    assert err.value.msg.startswith("backend: 'nftables' is not installed")


def test_iptables_needs_ip6tables_only_for_ipv6() -> None:
    def no_v6(name: str) -> Optional[str]:
        return None if name.startswith("ip6") else f"/sbin/{name}"

    assert resolve_backend("iptables", ("ipv4",), no_v6)[0] == "iptables"
    with pytest.raises(PbrError, match="ip6tables-restore"):
        resolve_backend("iptables", ("ipv4", "ipv6"), no_v6)


# ---------------------------------------------------------------------------- bad input
BASE = {"name": "web", "backend": "nftables", "on_port": 50080, "match": [{"dport": 80}]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "Web Proxy"}, "name"),
        ({"name": "a_b"}, "name"),
        ({"name": "x" * 17}, "name"),
        ({"backend": "pf"}, "backend"),
        ({"family": "ipv5"}, "family"),
        ({"on_port": 0}, "on_port"),
        ({"on_port": 65536}, "on_port"),
        ({"on_port": None}, "on_port"),
        ({"mark": 0}, "mark"),
        ({"mark": 0x1_0000_0000}, "mark"),
        ({"mask": 0}, "mask"),
        ({"mark": "0x100", "mask": "0xff"}, "mark"),
        ({"skip_mark": 1}, "skip_mark"),
        ({"skip_mark": "0x1/0x1"}, "skip_mark"),
        ({"match": [{"protocol": "icmp"}]}, "match[0].protocol"),
        ({"match": [{"dport": 0}]}, "match[0].dport"),
        ({"match": [{"dport": 65536}]}, "match[0].dport"),
        ({"match": [{"daddr": "198.51.100.1/24"}]}, "match[0].daddr"),
        ({"match": [{"daddr": "2001:db8::/32"}]}, "match[0].daddr"),
        ({"match": [{"saddr": "192.0.2.0/24", "daddr": "2001:db8::/32"}], "family": "both"}, "match[0].daddr"),
        ({"match": [{"in_interface": "eth0 eth1"}]}, "match[0].in_interface"),
        ({"match": [{"in_interface": "a-very-long-name0"}]}, "match[0].in_interface"),
        ({"match": [{"sport": 80}]}, "match[0]"),
        ({"bypass": ["10.0.0.0/33"]}, "bypass[0]"),
        ({"bypass": ["192.0.2.0/24", "not-a-cidr"]}, "bypass[1]"),
        ({"bypass": ["2001:db8::/32"]}, "bypass[0]"),
        ({"on_ip": "192.0.2.300"}, "on_ip"),
        ({"on_ip": "192.0.2.1", "family": "both"}, "on_ip"),
        ({"backend": "iptables", "match": [{"dport": list(range(1, 33, 2))}]}, "match[0].dport"),
        ({"match": [{"dport": 53, "on_port": 0}]}, "match[0].on_port"),
        ({"skip_uids": [13]}, "skip_uids"),
        ({"skip_gids": ["proxy"]}, "skip_gids"),
        ({"local_traffic": True}, "local_traffic"),
        ({"local_traffic": True, "skip_uids": ["no-such-user-here"]}, "skip_uids[0]"),
        ({"local_traffic": True, "skip_uids": [0, 4294967295]}, "skip_uids[1]"),
        ({"local_traffic": True, "skip_gids": [-1]}, "skip_gids[0]"),
        ({"local_traffic": True, "skip_uids": ["proxy\n"]}, "skip_uids[0]"),
        ({"local_traffic": True, "skip_uids": [13], "match": [{"in_interface": "eth1"}]}, "local_traffic"),
    ],
)
def test_tproxy_bad_input_names_field(change: Dict[str, Any], field: str) -> None:
    params = dict(BASE, **change)
    with pytest.raises(PbrError) as err:
        tproxy_kind().from_config([params], None)
    assert err.value.field == field, err.value.msg
    assert err.value.msg.startswith(f"{field}: "), err.value.msg


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"entries": []}, "entries"),
        ({"entries": [{"mark": 1}]}, "entries[0].in_interface"),
        ({"entries": [{"in_interface": "eth1"}]}, "entries[0].mark"),
        ({"entries": [{"in_interface": "eth1", "mark": 1, "mask": "0x1_0000_0000"}]}, "entries[0].mask"),
        ({"entries": [{"in_interface": "eth1", "mark": "0x2", "mask": "0x1"}]}, "entries[0].mark"),
        ({"entries": [{"in_interface": "eth/1", "mark": 1}]}, "entries[0].in_interface"),
        ({"entries": [{"in_interface": "eth1", "mark": 1, "source": "2001:db8::/32"}]}, "entries[0].source"),
        (
            {"entries": [{"in_interface": "eth1", "mark": 1}, {"in_interface": "eth1", "mark": 2}]},
            "entries[1].in_interface",
        ),
        ({"entries": [{"in_interface": "eth1", "mark": 1}], "restore": ["input"]}, "restore[0]"),
    ],
)
def test_conntrack_bad_input_names_field(change: Dict[str, Any], field: str) -> None:
    params = dict({"name": "up", "backend": "iptables"}, **change)
    with pytest.raises(PbrError) as err:
        conntrack_kind().from_config([params], None)
    assert err.value.field == field, err.value.msg
    assert err.value.msg.startswith(f"{field}: "), err.value.msg


def test_absent_needs_no_rule_options() -> None:
    kind = tproxy_kind()
    assert kind.from_config([{"name": "web", "state": "absent", "on_port": None}], None) == []
    assert kind.backend == "nftables"


# ---------------------------------------------------------------------------- nft rendering
# (each expected string is a line `nft list table inet pbr_linux` printed for the rule)
@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (NfRule(mark=(2, 2), verdict="return"), "meta mark & 0x00000002 == 0x00000002 return"),
        (NfRule(mark=(2, U32_MAX), verdict="return"), "meta mark 0x00000002 return"),
        (
            NfRule(family="ipv4", daddr=(net("192.0.2.0/24"), net("10.0.0.0/8"), net("10.1.0.0/16")), verdict="return"),
            "ip daddr { 10.0.0.0/8, 192.0.2.0/24 } return",
        ),
        (
            NfRule(family="ipv4", daddr=(net("198.51.100.7/32"), net("203.0.113.0/24")), verdict="return"),
            "ip daddr { 198.51.100.7, 203.0.113.0/24 } return",
        ),
        (
            NfRule(family="ipv4", daddr=(net("192.0.2.0/25"), net("192.0.2.128/26")), verdict="return"),
            "ip daddr 192.0.2.0-192.0.2.191 return",
        ),
        (
            NfRule(family="ipv4", daddr=(net("192.0.2.0/25"), net("192.0.2.128/25")), verdict="return"),
            "ip daddr 192.0.2.0/24 return",
        ),
        (
            NfRule(
                family="ipv6",
                daddr=(net("2001:db8::/33"), net("2001:db8:8000::/33"), net("::1/128"), net("fe80::/10")),
                verdict="return",
            ),
            "ip6 daddr { ::1, 2001:db8::/32, fe80::/10 } return",
        ),
        (NfRule(family="ipv4", daddr=(net("0.0.0.0/0"),), verdict="return"), "ip daddr 0.0.0.0/0 return"),
        (
            NfRule(l4proto=("tcp", "udp"), socket_transparent=True, set_mark=(1, 0xFF), verdict="accept"),
            "meta l4proto { tcp, udp } socket transparent 1 meta mark set meta mark & 0xffffff01 | 0x00000001 accept",
        ),
        (
            NfRule(family="ipv4", l4proto=("tcp",), socket_transparent=True, set_mark=(1, U32_MAX), verdict="accept"),
            "meta nfproto ipv4 meta l4proto tcp socket transparent 1 meta mark set 0x00000001 accept",
        ),
        (
            NfRule(family="ipv4", l4proto=("tcp",), tproxy=(1, None), set_mark=(1, U32_MAX), verdict="accept"),
            "meta nfproto ipv4 meta l4proto tcp tproxy ip to :1 meta mark set 0x00000001 accept",
        ),
        (
            NfRule(
                family="ipv6",
                l4proto=("tcp",),
                dport=((80, 82), (90, 96)),
                tproxy=(1, None),
                set_mark=(1, U32_MAX),
                verdict="accept",
            ),
            "meta nfproto ipv6 tcp dport { 80-82, 90-96 } tproxy ip6 to :1 meta mark set 0x00000001 accept",
        ),
        (
            NfRule(
                family="ipv4",
                iif="eth0",
                saddr=(net("192.0.2.1/32"),),
                daddr=(net("198.51.100.0/24"),),
                l4proto=("tcp",),
                dport=((80, 90),),
                tproxy=(1, None),
                set_mark=(1, U32_MAX),
                verdict="accept",
            ),
            'iifname "eth0" ip saddr 192.0.2.1 ip daddr 198.51.100.0/24 tcp dport 80-90 tproxy ip to :1 '
            "meta mark set 0x00000001 accept",
        ),
        (
            NfRule(
                family="ipv4",
                l4proto=("udp",),
                dport=((53, 53),),
                tproxy=(53, "127.0.0.1"),
                set_mark=(1, U32_MAX),
                verdict="accept",
            ),
            "meta nfproto ipv4 udp dport 53 tproxy ip to 127.0.0.1:53 meta mark set 0x00000001 accept",
        ),
        (
            NfRule(
                family="ipv6",
                l4proto=("udp",),
                dport=((53, 53),),
                tproxy=(50080, "2001:db8::1"),
                set_mark=(1, U32_MAX),
                verdict="accept",
            ),
            "meta nfproto ipv6 udp dport 53 tproxy ip6 to [2001:db8::1]:50080 meta mark set 0x00000001 accept",
        ),
        (
            NfRule(family="ipv6", ctmark=(1, U32_MAX), set_mark=(1, U32_MAX)),
            "meta nfproto ipv6 ct mark 0x00000001 meta mark set 0x00000001",
        ),
        (
            NfRule(ctmark=(1, 0xFF), set_mark=(1, 0xFF)),
            "ct mark & 0x000000ff == 0x00000001 meta mark set meta mark & 0xffffff01 | 0x00000001",
        ),
        (
            NfRule(family="ipv4", iif="eth1", set_mark=(1, U32_MAX), save_ctmark=(1, U32_MAX)),
            'meta nfproto ipv4 iifname "eth1" meta mark set 0x00000001 ct mark set 0x00000001',
        ),
        (
            NfRule(family="ipv4", iif="eth1", saddr=(net("192.0.2.0/24"),), set_mark=(1, 0xFF), save_ctmark=(1, 0xFF)),
            'iifname "eth1" ip saddr 192.0.2.0/24 meta mark set meta mark & 0xffffff01 | 0x00000001 '
            "ct mark set ct mark & 0xffffff01 | 0x00000001",
        ),
    ],
)
def test_nft_renders_what_nft_lists(rule: NfRule, text: str) -> None:
    assert nft.render_rule(rule) == text


# ---------------------------------------------------------------------------- iptables rendering
# (each expected line is what `iptables-save -t mangle` / `ip6tables-save -t mangle` printed)
@pytest.mark.parametrize(
    ("rule", "family", "lines"),
    [
        (NfRule(mark=(2, 2), verdict="return"), "ipv4", ["-m mark --mark 0x2/0x2 -j RETURN"]),
        (NfRule(mark=(2, U32_MAX), verdict="return"), "ipv6", ["-m mark --mark 0x2 -j RETURN"]),
        (
            NfRule(family="ipv4", daddr=(net("127.0.0.0/8"), net("192.0.2.1/32")), verdict="return"),
            "ipv4",
            ["-d 127.0.0.0/8 -j RETURN", "-d 192.0.2.1/32 -j RETURN"],
        ),
        (NfRule(family="ipv4", daddr=(net("127.0.0.0/8"),), verdict="return"), "ipv6", []),
        (
            NfRule(l4proto=("tcp",), socket_transparent=True, set_mark=(1, 0xFF), verdict="accept"),
            "ipv4",
            ["-p tcp -m socket --transparent -j MARK --set-xmark 0x1/0xff", "-p tcp -m socket --transparent -j ACCEPT"],
        ),
        (
            NfRule(
                family="ipv4",
                iif="veth0",
                saddr=(net("192.0.2.0/24"),),
                daddr=(net("198.51.100.0/24"),),
                l4proto=("tcp",),
                dport=((80, 80), (443, 443), (1000, 2000)),
                tproxy=(50080, "192.0.2.1"),
                set_mark=(1, 0xFF),
                verdict="accept",
            ),
            "ipv4",
            [
                "-s 192.0.2.0/24 -d 198.51.100.0/24 -i veth0 -p tcp -m multiport --dports 80,443,1000:2000 "
                "-j TPROXY --on-port 50080 --on-ip 192.0.2.1 --tproxy-mark 0x1/0xff"
            ],
        ),
        (
            NfRule(
                family="ipv4",
                daddr=(net("192.0.2.1/32"),),
                l4proto=("udp",),
                dport=((1000, 2000),),
                tproxy=(1, None),
                set_mark=(1, U32_MAX),
                verdict="accept",
            ),
            "ipv4",
            [
                "-d 192.0.2.1/32 -p udp -m udp --dport 1000:2000 -j TPROXY --on-port 1 --on-ip 0.0.0.0 "
                "--tproxy-mark 0x1/0xffffffff"
            ],
        ),
        (
            NfRule(family="ipv6", l4proto=("tcp",), tproxy=(1, None), set_mark=(1, 0xFF), verdict="accept"),
            "ipv6",
            ["-p tcp -j TPROXY --on-port 1 --on-ip :: --tproxy-mark 0x1/0xff"],
        ),
        (
            NfRule(
                family="ipv6",
                iif="eth1",
                saddr=(net("2001:db8::1/128"),),
                l4proto=("udp",),
                dport=((53, 53), (1000, 2000)),
                tproxy=(1, "2001:db8::1"),
                set_mark=(1, 0xFF),
                verdict="accept",
            ),
            "ipv6",
            [
                "-s 2001:db8::1/128 -i eth1 -p udp -m multiport --dports 53,1000:2000 -j TPROXY --on-port 1 "
                "--on-ip 2001:db8::1 --tproxy-mark 0x1/0xff"
            ],
        ),
        (
            NfRule(ctmark=(1, U32_MAX), set_mark=(1, U32_MAX)),
            "ipv4",
            ["-m connmark --mark 0x1 -j MARK --set-xmark 0x1/0xffffffff"],
        ),
        (
            NfRule(iif="eth1", saddr=(), set_mark=(1, 0xFF), save_ctmark=(1, 0xFF)),
            "ipv4",
            ["-i eth1 -j MARK --set-xmark 0x1/0xff", "-i eth1 -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff"],
        ),
    ],
)
def test_iptables_renders_what_iptables_save_prints(rule: NfRule, family: str, lines: List[str]) -> None:
    assert iptables.render_rules(rule, family) == lines


# ---------------------------------------------------------------------------- parsing
NFT_LISTING = """table inet pbr_linux {
\tset other_set {
\t\ttype ipv4_addr
\t\tflags interval
\t\telements = { 192.0.2.0/24,
\t\t\t     198.51.100.0/24 }
\t}

\tchain web_tproxy {
\t\ttype filter hook prerouting priority mangle; policy accept;
\t\tip daddr { 127.0.0.0/8, 192.0.2.0/24 } return
\t\tmeta nfproto ipv4 meta l4proto tcp socket transparent 1 meta mark set 0x00000001 accept
\t}

\tchain dns_tproxy {
\t\ttype filter hook prerouting priority mangle; policy accept;
\t\tudp dport 53 tproxy ip to :53 meta mark set 0x00000001 accept comment "a } brace"
\t}

\tchain plain {
\t}
}
"""


def test_parse_nft_table() -> None:
    chains, others = nft.parse_table(NFT_LISTING)
    assert list(chains) == ["web_tproxy", "dns_tproxy", "plain"]
    assert chains["web_tproxy"] == (
        "type filter hook prerouting priority mangle; policy accept;",
        [
            "ip daddr { 127.0.0.0/8, 192.0.2.0/24 } return",
            "meta nfproto ipv4 meta l4proto tcp socket transparent 1 meta mark set 0x00000001 accept",
        ],
    )
    assert chains["dns_tproxy"][1] == [
        'udp dport 53 tproxy ip to :53 meta mark set 0x00000001 accept comment "a } brace"'
    ]
    assert chains["plain"] == ("", [])
    assert others == ["set other_set"]


IPT_SAVE = """# Generated by iptables-save v1.8.9 (nf_tables) on Sun Nov 22 21:11:43 2026
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FOREIGN - [0:0]
:PBR_WEB_TPROXY - [0:0]
-A PREROUTING -i eth9 -j FOREIGN
-A PREROUTING -j PBR_WEB_TPROXY
-A PREROUTING -j PBR_WEB_TPROXY
-A PREROUTING -i eth0 -j PBR_WEB_TPROXY
-A FOREIGN -j MARK --set-xmark 0x9/0xffffffff
-A PBR_WEB_TPROXY -m mark --mark 0x2 -j RETURN
COMMIT
# Completed on Sun Nov 22 21:11:43 2026
*filter
:INPUT ACCEPT [0:0]
:PBR_WEB_TPROXY - [0:0]
-A INPUT -j PBR_WEB_TPROXY
COMMIT
"""


def test_parse_iptables_save_counts_only_plain_jumps_in_mangle() -> None:
    chains, rules, jumps = iptables.parse_save(IPT_SAVE)
    assert "PBR_WEB_TPROXY" in chains and "FOREIGN" in chains
    assert rules["PBR_WEB_TPROXY"] == ["-m mark --mark 0x2 -j RETURN"]
    assert jumps[("PREROUTING", "PBR_WEB_TPROXY")] == [2, 3]
    assert ("INPUT", "PBR_WEB_TPROXY") not in jumps


# ---------------------------------------------------------------------------- planning
def plan_for(kind: NetfilterKind, want: List[Chain], current: List[Chain], state: str = "overridden") -> Any:
    plan = engine.make_plan(kind, want, current, state)
    return plan, kind.plan_commands(plan)


def test_nft_new_chain_is_one_script_with_table_add_flush() -> None:
    kind = tproxy_kind()
    want = desired(kind, backend="nftables", on_port=50080, match=[{"dport": [443, 80]}])
    kind.namespace = "ns1"
    plan, cmds = plan_for(kind, want, [])
    assert [op.action for op in plan.ops] == ["add"]
    assert cmds == [
        "ip netns exec ns1 nft -f - <<'EOF'",
        "table inet pbr_linux {}",
        "add chain inet pbr_linux web_tproxy { type filter hook prerouting priority mangle; policy accept; }",
        "flush chain inet pbr_linux web_tproxy",
        "add rule inet pbr_linux web_tproxy meta nfproto ipv4 meta l4proto tcp socket transparent 1 "
        "meta mark set 0x00000001 accept",
        "add rule inet pbr_linux web_tproxy meta nfproto ipv4 tcp dport { 80, 443 } tproxy ip to :50080 "
        "meta mark set 0x00000001 accept",
        "EOF",
    ]


def test_nft_same_chain_read_back_is_no_change() -> None:
    kind = tproxy_kind()
    want = desired(kind, backend="nftables", family="both", on_port=50080, match=[{"dport": 80}], bypass=["::1/128"])
    text = "table inet pbr_linux {\n" + "\n".join(nft.show(c) for c in want) + "\n}\n"
    chains, _others = nft.parse_table(text)
    current = [Chain("nftables", "inet", n, h, tuple(r)) for n, (h, r) in chains.items()]
    plan, cmds = plan_for(kind, want, current)
    assert plan.ops == [] and cmds == []


def test_nft_hand_edited_chain_is_put_back_and_hook_change_recreates() -> None:
    kind = tproxy_kind()
    want = desired(kind, backend="nftables", on_port=50080, match=[{"dport": 80}])
    edited = Chain("nftables", "inet", "web_tproxy", want[0].hook, want[0].rules[:1])
    plan, cmds = plan_for(kind, want, [edited])
    assert [op.action for op in plan.ops] == ["replace"]
    assert "delete chain inet pbr_linux web_tproxy" not in cmds
    assert cmds.count("flush chain inet pbr_linux web_tproxy") == 1
    moved = Chain("nftables", "inet", "web_tproxy", "type filter hook prerouting priority raw; policy accept;", ())
    plan, cmds = plan_for(kind, want, [moved])
    assert cmds.index("delete chain inet pbr_linux web_tproxy") < cmds.index(
        "add chain inet pbr_linux web_tproxy { type filter hook prerouting priority mangle; policy accept; }"
    )


def test_nft_absent_deletes_only_ours_and_the_table_when_empty() -> None:
    kind = tproxy_kind()
    assert desired(kind, backend="nftables", state="absent") == []
    ours = Chain("nftables", "inet", "web_tproxy", "type filter hook prerouting priority mangle; policy accept;", ())
    kind.table_chains, kind.table_others = ["web_tproxy"], []
    _plan, cmds = plan_for(kind, [], [ours], "deleted")
    assert cmds[1:] == [
        "flush chain inet pbr_linux web_tproxy",
        "delete chain inet pbr_linux web_tproxy",
        "delete table inet pbr_linux",
        "EOF",
    ]
    kind.table_chains = ["web_tproxy", "dns_tproxy"]
    _plan, cmds = plan_for(kind, [], [ours], "deleted")
    assert "delete table inet pbr_linux" not in cmds and "dns_tproxy" not in " ".join(cmds)
    kind.table_chains, kind.table_others = ["web_tproxy"], ["set other_set"]
    _plan, cmds = plan_for(kind, [], [ours], "deleted")
    assert "delete table inet pbr_linux" not in cmds


def test_iptables_jump_added_once_surplus_removed() -> None:
    kind = tproxy_kind()
    want = desired(kind, backend="iptables", on_port=50080, match=[{"dport": 80}])
    assert [(c.family, c.name, c.hook) for c in want] == [("ipv4", "PBR_WEB_TPROXY", "PREROUTING")]
    _plan, cmds = plan_for(kind, want, [])
    assert cmds[0] == "iptables-restore --noflush <<'EOF'"
    assert cmds.count("-A PREROUTING -j PBR_WEB_TPROXY") == 1
    assert cmds[1:3] == ["*mangle", ":PBR_WEB_TPROXY - [0:0]"] and cmds[-2:] == ["COMMIT", "EOF"]
    # already right: nothing
    _plan, cmds = plan_for(kind, want, [want[0]])
    assert cmds == []
    # jump missing (someone deleted it): the chain is refilled and the jump added
    _plan, cmds = plan_for(kind, want, [Chain("iptables", "ipv4", "PBR_WEB_TPROXY", "PREROUTING", want[0].rules, 0)])
    assert cmds.count("-A PREROUTING -j PBR_WEB_TPROXY") == 1
    # three jumps: the first stays where it is, the two others are removed by number (last first)
    three = Chain("iptables", "ipv4", "PBR_WEB_TPROXY", "PREROUTING", want[0].rules, 3, (2, 5, 7))
    _plan, cmds = plan_for(kind, want, [three])
    assert [c for c in cmds if c.startswith("-D ")] == ["-D PREROUTING 7", "-D PREROUTING 5"]
    assert "-A PREROUTING -j PBR_WEB_TPROXY" not in cmds
    # positions unknown: by rule text
    _plan, cmds = plan_for(kind, want, [Chain("iptables", "ipv4", "PBR_WEB_TPROXY", "PREROUTING", want[0].rules, 3)])
    assert cmds.count("-D PREROUTING -j PBR_WEB_TPROXY") == 2 and "-A PREROUTING -j PBR_WEB_TPROXY" not in cmds


def test_iptables_family_dropped_is_deleted_with_its_jump() -> None:
    kind = tproxy_kind()
    want = desired(kind, backend="iptables", family="ipv4")
    v6 = Chain("iptables", "ipv6", "PBR_WEB_TPROXY", "PREROUTING", ("-p tcp -m socket --transparent -j ACCEPT",), 1)
    plan, cmds = plan_for(kind, want, [v6])
    assert sorted(op.action for op in plan.ops) == ["add", "delete"]
    v6_part = cmds[cmds.index("ip6tables-restore --noflush <<'EOF'") :]
    assert v6_part == [
        "ip6tables-restore --noflush <<'EOF'",
        "*mangle",
        "-D PREROUTING -j PBR_WEB_TPROXY",
        "-F PBR_WEB_TPROXY",
        "-X PBR_WEB_TPROXY",
        "COMMIT",
        "EOF",
    ]


def test_tproxy_rule_order_skip_bypass_divert_tproxy() -> None:
    kind = tproxy_kind()
    chain = desired(
        kind,
        backend="nftables",
        family="both",
        mark="0x1/0xff",
        skip_mark=2,
        on_port=50080,
        on_ip=["192.0.2.1", "2001:db8::1"],
        bypass=["192.0.2.0/24", "::1/128"],
        match=[{"protocol": ["udp", "tcp"], "dport": 53}],
    )[0]
    assert chain.rules == (
        "meta mark 0x00000002 return",
        "ip daddr 192.0.2.0/24 return",
        "ip6 daddr ::1 return",
        "meta l4proto { tcp, udp } socket transparent 1 meta mark set meta mark & 0xffffff01 | 0x00000001 accept",
        "meta nfproto ipv4 tcp dport 53 tproxy ip to 192.0.2.1:50080 meta mark set meta mark & 0xffffff01 | 0x00000001 accept",
        "meta nfproto ipv4 udp dport 53 tproxy ip to 192.0.2.1:50080 meta mark set meta mark & 0xffffff01 | 0x00000001 accept",
        "meta nfproto ipv6 tcp dport 53 tproxy ip6 to [2001:db8::1]:50080 meta mark set meta mark & 0xffffff01 | 0x00000001 accept",
        "meta nfproto ipv6 udp dport 53 tproxy ip6 to [2001:db8::1]:50080 meta mark set meta mark & 0xffffff01 | 0x00000001 accept",
    )


def test_tproxy_local_traffic_output_chain() -> None:
    kind = tproxy_kind()
    pre, out = desired(
        kind,
        backend="nftables",
        family="both",
        skip_mark=2,
        on_port=3129,
        bypass=["127.0.0.0/8", "::1/128"],
        bypass_local=True,
        local_traffic=True,
        skip_uids=["root", 13],
        skip_gids=[0],
        match=[{"protocol": ["udp", "tcp"], "dport": 53, "on_port": 5353}, {"dport": 80, "in_interface": "eth1"}],
    )
    assert pre.name == "web_tproxy" and out.name == "web_tproxy_out"
    assert out.hook == "type route hook output priority mangle; policy accept;"
    assert pre.rules[1:4] == ("fib daddr type local return", "ip daddr 127.0.0.0/8 return", "ip6 daddr ::1 return")
    assert "meta nfproto ipv4 udp dport 53 tproxy ip to :5353 meta mark set 0x00000001 accept" in pre.rules
    assert (
        'meta nfproto ipv4 iifname "eth1" tcp dport 80 tproxy ip to :3129 meta mark set 0x00000001 accept' in pre.rules
    )
    assert out.rules == (
        "ct direction reply return",
        "meta mark 0x00000002 return",
        "meta skuid 0 return",
        "meta skuid 13 return",
        "meta skgid 0 return",
        "fib daddr type local return",
        "ip daddr 127.0.0.0/8 return",
        "ip6 daddr ::1 return",
        "meta nfproto ipv4 tcp dport 53 meta mark set 0x00000001",
        "meta nfproto ipv4 udp dport 53 meta mark set 0x00000001",
        "meta nfproto ipv6 tcp dport 53 meta mark set 0x00000001",
        "meta nfproto ipv6 udp dport 53 meta mark set 0x00000001",
    )
    ipt = desired(
        kind,
        backend="iptables",
        family="ipv4",
        on_port=3129,
        local_traffic=True,
        skip_uids=[13],
        bypass_local=True,
        match=[{"dport": 80}],
    )
    assert [c.name for c in ipt] == ["PBR_WEB_TPROXY", "PBR_WEB_TPOUT"]
    assert ipt[1].hook == "OUTPUT"
    assert ipt[1].rules == (
        "-m conntrack --ctdir REPLY -j RETURN",
        "-m owner --uid-owner 13 -j RETURN",
        "-m addrtype --dst-type LOCAL -j RETURN",
        "-p tcp -m tcp --dport 80 -j MARK --set-xmark 0x1/0xffffffff",
    )
    # local_traffic off again: the output chain is no longer desired (the engine deletes it)
    assert [c.name for c in desired(kind, backend="nftables", on_port=3129, match=[{"dport": 80}])] == ["web_tproxy"]


def test_conntrack_chains_and_restore_hooks() -> None:
    kind = conntrack_kind()
    chains = desired(
        kind,
        name="up",
        backend="iptables",
        restore=["prerouting", "output"],
        entries=[
            {"in_interface": "eth1", "mark": 1, "mask": "0xff"},
            {"in_interface": "eth2", "source": "198.51.100.0/24", "mark": 2, "mask": "0xff"},
        ],
    )
    assert [(c.name, c.hook) for c in chains] == [("PBR_UP_CTPRE", "PREROUTING"), ("PBR_UP_CTOUT", "OUTPUT")]
    assert chains[0].rules == (
        "-m connmark --mark 0x1/0xff -j MARK --set-xmark 0x1/0xff",
        "-m connmark --mark 0x2/0xff -j MARK --set-xmark 0x2/0xff",
        "-i eth1 -j MARK --set-xmark 0x1/0xff",
        "-i eth1 -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff",
        "-s 198.51.100.0/24 -i eth2 -j MARK --set-xmark 0x2/0xff",
        "-s 198.51.100.0/24 -i eth2 -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff",
    )
    assert chains[1].rules == chains[0].rules[:2]
    only_out = desired(conntrack_kind(), name="up", backend="nftables", entries=[{"in_interface": "eth1", "mark": 1}])
    assert [(c.name, c.hook) for c in only_out] == [
        ("up_ctmark_pre", "type filter hook prerouting priority mangle; policy accept;"),
        ("up_ctmark_out", "type route hook output priority mangle; policy accept;"),
    ]
    assert only_out[0].rules == ('meta nfproto ipv4 iifname "eth1" meta mark set 0x00000001 ct mark set 0x00000001',)
    assert only_out[1].rules == ("meta nfproto ipv4 ct mark 0x00000001 meta mark set 0x00000001",)


# ---------------------------------------------------------------------------- canonical form
# nft and iptables list rules in their own words; equal rules must compare equal however worded.
@pytest.mark.parametrize(
    ("ours", "listed"),
    [
        # the defect: mark 1 under mask 1 (and-mask 0xffffffff), listed without the no-op and
        ("meta mark set meta mark & 0xffffffff | 0x00000001 accept", "meta mark set meta mark | 0x00000001 accept"),
        ("meta mark set meta mark & 0xfffffffe | 0x00000001", "meta mark set meta mark | 0x00000001"),
        ("ct mark & 0xfffffffe == 0x00000002 return", "ct mark 0x00000002/31 return"),
        ("ip saddr 192.0.2.0/24 accept", "ip saddr { 192.0.2.0/24 } accept"),
        ("ip saddr 192.0.2.0/24 accept", "ip saddr { 192.0.2.0/25, 192.0.2.128/25 } accept"),
        ("tcp dport { 80-82, 90 } accept", "tcp dport { 80, 81, 82, 90 } accept"),
        ("meta l4proto tcp tcp dport 80 accept", "tcp dport 80 accept"),
        ("meta nfproto ipv4 ip saddr 192.0.2.1 accept", "ip saddr 192.0.2.1 accept"),
        ('iifname "eth*" accept', 'iifname "eth*"   accept'),
        ("meta mark set 0x1", "meta mark set 0x00000001"),
        ("meta skuid 0 return", 'meta skuid "root" return'),
        ("meta skgid 0 ct direction reply return", 'ct direction reply meta skgid "root" return'),
        ("fib daddr type local return", "fib  daddr type local return"),
    ],
)
def test_nft_equal_rules_in_other_words_compare_equal(ours: str, listed: str) -> None:
    assert nft.canon(ours) == nft.canon(listed)
    assert nft.canon(ours)[0] == "rule"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("meta mark set meta mark | 0x00000001", "meta mark set 0x00000001"),  # keeps other bits vs not
        ('iifname "eth*" accept', 'iifname "eth\\*" accept'),  # wildcard vs a literal '*'
        ("ip saddr 192.0.2.0/24 accept", "ip saddr 192.0.2.0/25 accept"),
        ("tcp dport 80 accept", "udp dport 80 accept"),
        ("meta nfproto ipv4 meta l4proto tcp tproxy ip to :8080", "meta l4proto tcp tproxy ip to :8080"),
        ("accept", "return"),
        ("meta skuid 13 return", "meta skgid 13 return"),
        ("meta skuid 13 return", "meta skuid 14 return"),
    ],
)
def test_nft_different_rules_stay_different(one: str, other: str) -> None:
    assert nft.canon(one) != nft.canon(other)


@pytest.mark.parametrize(
    "text", ["counter packets 1 bytes 2 accept", "accept meta mark 0x1", 'iifname "a\\b" accept', "meta mark set"]
)
def test_nft_rules_outside_our_grammar_are_unreadable_and_never_equal_ours(text: str) -> None:
    assert nft.canon(text)[0] == "unreadable"


@pytest.mark.parametrize(
    ("ours", "listed"),
    [
        ("-s 192.0.2.1 -j ACCEPT", "-s 192.0.2.1/32 -j ACCEPT"),
        ("-p tcp --dport 80 -j ACCEPT", "-p tcp -m tcp --dport 80 -j ACCEPT"),
        ("-p tcp -m multiport --dports 80,81,82 -j ACCEPT", "-p tcp -m multiport --dports 80:82 -j ACCEPT"),
        ("-j MARK --set-mark 0x1/0xff", "-j MARK --set-xmark 0x1/0xff"),
        # --set-mark V/M zeroes M and ors V in: xmark mask M|V (iptables prints it that way)
        ("-j MARK --set-mark 0x100/0xff", "-j MARK --set-xmark 0x100/0x1ff"),
        ("-j MARK --set-mark 0x1", "-j MARK --set-xmark 0x1/0xffffffff"),
        ("-j CONNMARK --save-mark", "-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff"),
        ("-p tcp -j TPROXY --on-port 80", "-p tcp -j TPROXY --on-port 80 --on-ip 0.0.0.0 --tproxy-mark 0x0/0x0"),
        ("-m mark --mark 0x1 -j RETURN", "-m mark --mark 0x1/0xffffffff -j RETURN"),
        ("-m owner --uid-owner 13 -j RETURN", "-m owner --uid-owner 13-13 -j RETURN"),
    ],
)
def test_iptables_equal_rules_in_other_words_compare_equal(ours: str, listed: str) -> None:
    assert iptables.canon(ours) == iptables.canon(listed)
    assert iptables.canon(ours)[0] == "rule"


def test_iptables_unknown_options_are_unreadable() -> None:
    assert iptables.canon("-m comment --comment x -j ACCEPT")[0] == "unreadable"
    assert iptables.canon("-i eth+ -j ACCEPT") != iptables.canon("-i eth -j ACCEPT")
    assert iptables.canon("-m owner --uid-owner 10-20 -j RETURN")[0] == "unreadable"
    assert iptables.canon("-m addrtype --dst-type UNICAST -j RETURN")[0] == "unreadable"
    assert iptables.canon("-m conntrack --ctdir ORIGINAL -j RETURN")[0] == "unreadable"


def test_nft_masked_mark_listing_is_no_change_for_the_module() -> None:
    """tproxy_divert mark 1 mask 1: nft lists the set without the and-mask; the next run is no change."""
    kind = tproxy_kind()
    want = desired(kind, backend="nftables", mark=1, mask=1, on_port=50080, match=[{"dport": 80}])
    assert any("& 0xffffffff | 0x00000001" in r for r in want[0].rules)
    listed = tuple(r.replace("meta mark & 0xffffffff | 0x00000001", "meta mark | 0x00000001") for r in want[0].rules)
    assert listed != want[0].rules
    plan, cmds = plan_for(kind, want, [Chain("nftables", "inet", "web_tproxy", want[0].hook, listed)])
    assert plan.ops == [] and cmds == []


def test_in_interface_wildcard_renders_per_backend() -> None:
    """A trailing '+' is the documented wildcard: iptables `-i eth+`, nft `iifname "eth*"`; a literal
    trailing '*' (a valid kernel name) is escaped for nft, where '*' would be the wildcard."""
    kind = conntrack_kind()
    entries = [{"in_interface": "eth+", "mark": 1}, {"in_interface": "we*", "mark": 2}]
    nft_rules = desired(kind, backend="nftables", entries=entries, restore=[])[0].rules
    assert nft_rules[0].startswith('meta nfproto ipv4 iifname "eth*" ')
    assert nft_rules[1].startswith('meta nfproto ipv4 iifname "we\\*" ')
    ipt_rules = desired(kind, backend="iptables", entries=entries, restore=[])[0].rules
    assert ipt_rules[0].startswith("-i eth+ ") and ipt_rules[2].startswith("-i we* ")


# ---------------------------------------------------------------------------- changes (the audit's objects)
def test_changes_of_a_chain_are_its_rules_in_the_backend_notation() -> None:
    from dataclasses import replace as dc_replace

    from ansible_collections.pbr.linux.plugins.module_utils._engine import Op

    kind = tproxy_kind()
    chain = desired(kind, backend="nftables", on_port=3129, match=[{"protocol": "tcp", "dport": 80}])[0]
    where = f"nft list table inet pbr_linux: chain {chain.name}"
    # our table flushed: the chain is back with no rules; the hook line is still there
    flushed = dc_replace(chain, rules=())
    got = kind.changes(Op("replace", chain, flushed))
    assert [c["object"] for c in got] == list(chain.rules) and {c["change"] for c in got} == {"missing"}
    assert {c["where"] for c in got} == {where}
    # the same chain is no change; one more rule on the host is extra
    assert kind.changes(Op("replace", chain, chain)) == []
    extra = dc_replace(chain, rules=chain.rules + ("tcp dport 22 accept",))
    assert kind.changes(Op("replace", chain, extra)) == [
        {"change": "extra", "object": "tcp dport 22 accept", "where": where}
    ]
    # a chain missing entirely: its hook and rules
    assert [c["object"] for c in kind.changes(Op("add", chain))] == [chain.hook, *chain.rules]


def test_changes_of_an_iptables_chain_include_its_jump() -> None:
    from dataclasses import replace as dc_replace

    from ansible_collections.pbr.linux.plugins.module_utils._engine import Op

    kind = conntrack_kind()
    chain = next(
        c
        for c in kind.from_config(
            [{"name": "rp", "backend": "iptables", "entries": [{"in_interface": "eth1", "mark": 1}]}], None
        )
        if c.family == "ipv4" and c.jumps
    )
    got = kind.changes(Op("replace", chain, dc_replace(chain, jumps=0)))
    assert got == [
        {
            "change": "missing",
            "object": f"-A {chain.hook} -j {chain.name}",
            "where": f"iptables-save -t mangle: chain {chain.name}",
        }
    ]
