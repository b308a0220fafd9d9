#!/usr/bin/env bash
# Debian 13 (trixie) nft and iptables for the tool round-trip tests, without changing this machine:
# a minimal trixie tree (debootstrap, about 40 s and 220 MB) in .build/debian13, whose /usr/sbin/nft
# and iptables tools the tests run with chroot inside their own throwaway network namespaces.
# Idempotent: an existing, complete tree is only checked. Prints the tree's path on success.
#   bash scripts/debian13-tools.sh [DIR]      (default DIR: .build/debian13 in the repo)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-$PWD/.build/debian13}
STAMP=$DIR/.pbr-debian13-ready
say() { echo "debian13-tools: $*" >&2; }

if [ -f "$STAMP" ] && [ -x "$DIR/usr/sbin/nft" ] && [ -x "$DIR/usr/sbin/xtables-nft-multi" ]; then
    say "ok: $(chroot "$DIR" /usr/sbin/nft --version), $(chroot "$DIR" /usr/sbin/iptables --version)"
    echo "$DIR"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    say "needs root (debootstrap, chroot)"
    exit 1
fi
command -v debootstrap >/dev/null || {
    say "debootstrap is missing (scripts/bootstrap.sh installs it)"
    exit 1
}

# The Debian mirror this machine's apt already uses (deb822 .sources or a one-line sources.list).
mirror=$(bash scripts/debian-mirror.sh)

rm -rf "$DIR"
mkdir -p "$(dirname "$DIR")"
say "debootstrap trixie into $DIR"
started=$(date +%s)
if ! debootstrap --variant=minbase --include=nftables,iptables trixie "$DIR" "$mirror" >"$DIR.log" 2>&1; then
    tail -n 20 "$DIR.log" >&2
    say "debootstrap failed (log: $DIR.log)"
    exit 1
fi
touch "$STAMP"
say "ready in $(( $(date +%s) - started )) s: $(chroot "$DIR" /usr/sbin/nft --version), $(chroot "$DIR" /usr/sbin/iptables --version)"
echo "$DIR"
