#!/bin/sh
# Everything of ours the persist scenario's policy consists of, as the tools print it.
#   policy-dump.sh nftables|iptables
set -eu
ip -4 rule show | grep 'proto pbr'
ip -6 rule show | grep 'proto pbr'
ip route show table 100
ip -4 route show table 101
ip -6 route show table 101
if [ "$1" = nftables ]; then
    nft list table inet pbr_linux
else
    iptables-save -t mangle | grep -E '^(:PBR_|-A .*PBR_)' | sed 's/\[[0-9]*:[0-9]*\]//'
    ip6tables-save -t mangle | grep -E '^(:PBR_|-A .*PBR_)' | sed 's/\[[0-9]*:[0-9]*\]//'
fi
sysctl net.ipv4.conf.eth0.src_valid_mark net.ipv4.conf.eth0.rp_filter
ip route show table uplink | sed -n 1p
