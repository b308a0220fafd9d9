#!/usr/bin/env bash
# Container images for the molecule scenarios, built locally (no registry): Debian 12 (bookworm) and 13
# (trixie) trees made with debootstrap from this machine's own apt mirror, with systemd as PID 1, python3,
# iproute2, nftables, iptables, procps and the servers and clients the role scenarios run (squid, unbound, curl,
# dig), imported into podman as localhost/pbr-linux-debian12 and
# localhost/pbr-linux-debian13. Idempotent: an image whose build recipe has not changed is kept.
#   bash scripts/images.sh [debian12|debian13 ...]      (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CONTAINERS_CONF=$ROOT/extensions/molecule/containers.conf
say() { echo "images: $*" >&2; }
PACKAGES=systemd,systemd-sysv,dbus,python3,iproute2,nftables,iptables,procps,squid,unbound,curl,bind9-dnsutils
RECIPE=$(printf '%s\n' "$PACKAGES" "$(sha256sum "$0" | cut -d' ' -f1)" | sha256sum | cut -c1-16)

mirror=$(bash scripts/debian-mirror.sh)

build() {
    local name=$1 suite=$2 image=localhost/pbr-linux-$1
    if [ "$(podman image inspect --format '{{ index .Config.Labels "pbr.recipe" }}' "$image" 2>/dev/null)" = "$RECIPE" ]; then
        say "$image ok"
        return
    fi
    local dir
    dir=$(mktemp -d "$ROOT/.build/image-$name.XXXXXX")
    say "debootstrap $suite into $dir"
    local started=$SECONDS
    if ! debootstrap --variant=minbase --include="$PACKAGES" "$suite" "$dir" "$mirror" >"$dir.log" 2>&1; then
        tail -n 20 "$dir.log" >&2
        rm -rf "$dir"
        say "debootstrap $suite failed (log: $dir.log)"
        exit 1
    fi
    # a container has no getty, no udev to wait for and no network to configure at boot
    rm -f "$dir"/etc/systemd/system/getty.target.wants/* "$dir"/etc/machine-id
    : >"$dir/etc/machine-id"
    chroot "$dir" systemctl mask systemd-udevd.service systemd-udev-trigger.service getty.target \
        systemd-networkd-wait-online.service >/dev/null 2>&1 || true
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    tar -C "$dir" -c . | podman import --change 'CMD ["/sbin/init"]' --change "LABEL pbr.recipe=$RECIPE" - "$image" >/dev/null
    rm -rf "$dir" "$dir.log"
    say "$image ready in $((SECONDS - started)) s"
}

[ $# -gt 0 ] || set -- debian12 debian13
for want in "$@"; do
    case $want in
        debian12) build debian12 bookworm ;;
        debian13) build debian13 trixie ;;
        *) say "unknown image $want (debian12, debian13)"; exit 2 ;;
    esac
done
