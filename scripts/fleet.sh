#!/usr/bin/env bash
# A simulated fleet on this machine, for the fleet audit's tests and benchmark (pbr.linux.drift).
#
#   scripts/fleet.sh up N DIR      N hosts (h01 ... hNN) and a controller; writes DIR/inventory.yml
#   scripts/fleet.sh down DIR      stops the servers and removes the namespaces and DIR
#   scripts/fleet.sh ctl DIR CMD…  runs CMD in the controller's namespace (ansible-playbook, ssh)
#   scripts/fleet.sh host DIR hNN CMD…  runs CMD on host hNN as an SSH session would see it (drift by hand)
#
# Every host is a network namespace running its own OpenSSH server (Debian's openssh-server, unpacked into
# .build/openssh: installing the package would start a server on this machine), in its own mount namespace
# whose /etc is an overlay of the machine's: what a module writes to /etc (rt_tables.d, sysctl.d, pbr-linux,
# systemd units) lands in DIR/hosts/hNN/etc-upper, never in this machine's /etc. The restore script goes to
# DIR/hosts/hNN/root (the roles' persist_root). Ansible reaches the hosts over SSH from the controller's
# namespace (bridge br0, 198.18.0.1/16; host i at 198.18.i/200.i%200+10) - a network with no route out.
# Each host also has the links the fleet's policy uses: lan0 (the proxies' clients), up1 and up2 (uplinks),
# veth pairs with both ends in the host (this kernel has no dummy links).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PREFIX=${PBR_FLEET_PREFIX:-pbrfleet}
SSHD=$ROOT/.build/openssh/usr/sbin/sshd
say() { echo "fleet: $*" >&2; }

need_tools() {
    if ! command -v ssh >/dev/null || ! command -v ssh-keygen >/dev/null; then
        say "apt-get install openssh-client"
        apt-get install -y -qq --no-install-recommends openssh-client >/dev/null ||
            { apt-get update -qq && apt-get install -y -qq --no-install-recommends openssh-client >/dev/null; }
    fi
    if [ ! -x "$SSHD" ]; then
        local tmp
        tmp=$(mktemp -d)
        say "unpacking openssh-server into .build/openssh (apt-get download: no service started here)"
        (cd "$tmp" && { apt-get download openssh-server >/dev/null 2>&1 ||
            { apt-get update -qq && apt-get download openssh-server >/dev/null; }; })
        mkdir -p "$ROOT/.build/openssh"
        dpkg-deb -x "$tmp"/openssh-server_*.deb "$ROOT/.build/openssh"
        rm -rf "$tmp"
    fi
    if ldd "$SSHD" | grep -q 'not found'; then
        say "sshd lacks libraries: $(ldd "$SSHD" | grep 'not found' | tr -s ' \n' ' ')"
        exit 1
    fi
}

addr_of() { echo "198.18.$(($1 / 200)).$(($1 % 200 + 10))"; }

up() {
    local n=$1 dir=$2 i h ns addr
    if [ "$n" -lt 1 ] || [ "$n" -gt 999 ]; then say "N: $n; expected 1 to 999 hosts"; exit 2; fi
    need_tools
    mkdir -p "$dir/ssh" "$dir/cp"
    dir=$(cd "$dir" && pwd)
    echo "$PREFIX" >"$dir/prefix"
    [ -f "$dir/ssh/client" ] || ssh-keygen -q -t ed25519 -N '' -C pbr-fleet -f "$dir/ssh/client"
    [ -f "$dir/ssh/host" ] || ssh-keygen -q -t ed25519 -N '' -C pbr-fleet-host -f "$dir/ssh/host"
    cp "$dir/ssh/client.pub" "$dir/ssh/authorized_keys"
    if [ ! -d /run/sshd ]; then  # sshd's compiled-in privilege-separation directory
        mkdir -m 0755 /run/sshd
        touch "$dir/made-run-sshd"
    fi
    ip netns add "${PREFIX}_ctl"
    ip -n "${PREFIX}_ctl" link set lo up
    ip -n "${PREFIX}_ctl" link add br0 type bridge
    ip -n "${PREFIX}_ctl" addr add 198.18.0.1/16 dev br0
    ip -n "${PREFIX}_ctl" link set br0 up
    {
        echo "# written by scripts/fleet.sh up $n: the fleet's hosts, reached over SSH from ${PREFIX}_ctl"
        echo "all:"
        echo "  vars:"
        echo "    ansible_user: root"
        echo "    ansible_ssh_private_key_file: $dir/ssh/client"
        echo "    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
        echo "    ansible_python_interpreter: /usr/bin/python3"
        echo "    ansible_ssh_pipelining: true"
        echo "  children:"
    } >"$dir/inventory.yml"
    local proxies="" multihomed=""
    for i in $(seq 1 "$n"); do
        h=$(printf 'h%02d' "$i")
        ns=${PREFIX}_$h
        addr=$(addr_of "$i")
        mkdir -p "$dir/hosts/$h/etc-upper" "$dir/hosts/$h/etc-work" "$dir/hosts/$h/root"
        ip netns add "$ns"
        ip -n "${PREFIX}_ctl" link add "v$h" type veth peer name mgmt0 netns "$ns"
        ip -n "${PREFIX}_ctl" link set "v$h" master br0 up
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "$addr/16" dev mgmt0
        ip -n "$ns" link set mgmt0 up
        for link in lan0 up1 up2; do ip -n "$ns" link add "$link" type veth peer name "${link}p"; done
        ip -n "$ns" addr add 192.0.2.1/24 dev lan0
        ip -n "$ns" addr add 2001:db8:2::1/64 dev lan0 nodad
        ip -n "$ns" addr add 203.0.113.10/24 dev up1
        ip -n "$ns" addr add 2001:db8:b::10/64 dev up1 nodad
        ip -n "$ns" addr add 198.51.100.10/24 dev up2
        ip -n "$ns" addr add 2001:db8:a::10/64 dev up2 nodad
        for link in lan0 up1 up2; do ip -n "$ns" link set "${link}p" up && ip -n "$ns" link set "$link" up; done
        ip -n "$ns" route add default via 203.0.113.1 dev up1
        cat >"$dir/hosts/$h/sshd_config" <<EOF
ListenAddress $addr
HostKey $dir/ssh/host
AuthorizedKeysFile $dir/ssh/authorized_keys
PidFile $dir/hosts/$h/sshd.pid
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
MaxStartups 200
MaxSessions 100
Subsystem sftp internal-sftp
LogLevel ERROR
EOF
        # its own /etc (an overlay: writes go to etc-upper) and the privilege-separation user sshd needs
        # shellcheck disable=SC2016  # $1 and $2 are the inner shell's arguments
        ip netns exec "$ns" unshare --mount --propagation private sh -ec '
            mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/etc-upper,workdir=$1/etc-work" /etc
            grep -q "^sshd:" /etc/passwd || echo "sshd:x:990:65534::/run/sshd:/usr/sbin/nologin" >>/etc/passwd
            exec "$2" -f "$1/sshd_config" -E "$1/sshd.log"' fleet "$dir/hosts/$h" "$SSHD"
        if [ $((i % 2)) -eq 1 ]; then proxies+="$h "; else multihomed+="$h "; fi
        printf '%s %s\n' "$h" "$addr" >>"$dir/hosts.txt"
    done
    local group
    for group in proxies multihomed; do
        echo "    $group:" >>"$dir/inventory.yml"
        echo "      hosts:" >>"$dir/inventory.yml"
        [ "$group" = proxies ] && list=$proxies || list=$multihomed
        [ -n "$list" ] || echo "        {}" >>"$dir/inventory.yml"
        for h in $list; do
            i=$((10#${h#h}))
            echo "        $h: {ansible_host: $(addr_of "$i"), fleet_root: $dir/hosts/$h/root}" >>"$dir/inventory.yml"
        done
    done
    # every server answers before we return
    for i in $(seq 1 "$n"); do
        h=$(printf 'h%02d' "$i")
        for _ in $(seq 1 50); do
            ip netns exec "${PREFIX}_$h" ss -ltn "sport = :22" | grep -q LISTEN && break
            sleep 0.1
        done
        ip netns exec "${PREFIX}_$h" ss -ltn "sport = :22" | grep -q LISTEN ||
            { say "the server of $h does not listen: $(cat "$dir/hosts/$h/sshd.log" 2>/dev/null)"; exit 1; }
    done
    say "$n hosts up; inventory $dir/inventory.yml"
}

down() {
    local dir=$1 prefix ns
    [ -d "$dir" ] || return 0
    prefix=$(cat "$dir/prefix" 2>/dev/null || echo "$PREFIX")
    for pid in "$dir"/hosts/*/sshd.pid; do
        if [ -f "$pid" ]; then kill "$(cat "$pid")" 2>/dev/null || true; fi
    done
    for ns in $(ip netns list | awk '{print $1}' | grep "^${prefix}_" || true); do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$ns"
    done
    if [ -f "$dir/made-run-sshd" ]; then rmdir /run/sshd 2>/dev/null || true; fi
    rm -rf "$dir"
}

# a command as an SSH session on host H sees the host: its network namespace and its own /etc
on_host() {
    local dir=$1 h=$2 pid
    shift 2
    pid=$(cat "$dir/hosts/$h/sshd.pid")
    nsenter --target "$pid" --net --mount -- "$@"
}

case "${1:-}" in
up) up "$2" "$3" ;;
down) down "$2" ;;
ctl)
    dir=$2
    shift 2
    exec ip netns exec "$(cat "$dir/prefix")_ctl" "$@"
    ;;
host) on_host "${@:2}" ;;
*)
    echo "usage: $0 up N DIR | down DIR | ctl DIR CMD... | host DIR hNN CMD..." >&2
    exit 2
    ;;
esac
