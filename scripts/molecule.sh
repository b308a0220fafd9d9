#!/usr/bin/env bash
# The molecule scenarios of extensions/molecule (podman driver, images built locally, systemd as PID 1).
#   bash scripts/molecule.sh [SCENARIO ...]      (default: every scenario)
# Installs what it needs: podman, runc and netavark (apt), the images (scripts/images.sh), .venv-molecule
# (requirements/molecule.txt) and the containers.podman collection (from the pinned ansible wheel).
# podman and molecule run inside a throwaway network namespace: netavark sets sysctls and creates
# bridges in the namespace podman runs in, and this machine's own must not change. The containers sit
# on --internal networks (no route out): pbr-mol-up (192.0.2.0/24) for persist, pbr-mol-a (198.51.100.0/24,
# 2001:db8:a::/64) and pbr-mol-b (203.0.113.0/24, 2001:db8:b::/64) for the roles' scenarios. netavark puts
# the first address of each (.1, ::1) on its bridge, so the scenarios give their own routers other addresses.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { echo "molecule: $*" >&2; }
ANSIBLE_WHEEL="ansible==12.3.0"   # carries containers.podman for the driver
export CONTAINERS_CONF=$ROOT/extensions/molecule/containers.conf

# --- what it needs ------------------------------------------------------------------------
missing=()
for p in podman runc netavark debootstrap; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
bash scripts/images.sh

VENV=$ROOT/.venv-molecule
REQ=$ROOT/requirements/molecule.txt
want=$(cat "$REQ" <(echo "$ANSIBLE_WHEEL") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$VENV/.pbr-requirements.sha256" 2>/dev/null)" != "$want" ]; then
    say "creating $VENV"
    rm -rf "$VENV"
    /usr/bin/python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ" 2>&1 \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
    wheels=$(mktemp -d)
    "$VENV/bin/python" -m pip download -q --disable-pip-version-check --no-deps "$ANSIBLE_WHEEL" -d "$wheels" 2>&1 \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
    rm -rf "$VENV/collections"
    mkdir -p "$VENV/collections"
    "$VENV/bin/python" - "$wheels"/ansible-*.whl "$VENV/collections" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    members = [n for n in z.namelist() if n.startswith("ansible_collections/containers/podman/")]
    z.extractall(dest, members)
print(f"containers.podman: {len(members)} files", file=sys.stderr)
PY
    rm -rf "$wheels"
    echo "$want" > "$VENV/.pbr-requirements.sha256"
fi

# --- run ----------------------------------------------------------------------------------
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
    for d in extensions/molecule/*/molecule.yml; do scenarios+=("$(basename "$(dirname "$d")")"); done
fi
NS=pbrmol$$
NETWORKS=(
    "pbr-mol-up --subnet 192.0.2.0/24 --gateway 192.0.2.1"
    "pbr-mol-a --disable-dns --ipv6 --subnet 198.51.100.0/24 --subnet 2001:db8:a::/64"
    "pbr-mol-b --disable-dns --ipv6 --subnet 203.0.113.0/24 --subnet 2001:db8:b::/64"
)
HOME_DIR=$(mktemp -d)
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    # containers a failed scenario left (platform names start with pbr-SCENARIO-), then the network
    for scenario in "${scenarios[@]}"; do
        nsenter --net="/run/netns/$NS" podman ps -aq --filter "name=pbr-$scenario-" 2>/dev/null \
            | xargs -r nsenter --net="/run/netns/$NS" podman rm -f >/dev/null 2>&1 || true
    done
    for net in "${NETWORKS[@]}"; do
        nsenter --net="/run/netns/$NS" podman network rm -f "${net%% *}" >/dev/null 2>&1 || true
    done
    ip netns delete "$NS" 2>/dev/null || true
    rm -rf "$HOME_DIR"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
in_ns() { nsenter --net="/run/netns/$NS" "$@"; }
for net in "${NETWORKS[@]}"; do
    read -ra parts <<<"$net"   # name, then its options
    in_ns podman network rm -f "${parts[0]}" >/dev/null 2>&1 || true
    in_ns podman network create --internal "${parts[@]:1}" "${parts[0]}" >/dev/null
done

export HOME=$HOME_DIR   # molecule writes ~/.ansible and ~/.cache
export ANSIBLE_COLLECTIONS_PATH=$ROOT/.build:$VENV/collections
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1 PY_COLORS=0 ANSIBLE_LOCALHOST_WARNING=0
export PATH=$VENV/bin:$PATH
rc=0
for scenario in "${scenarios[@]}"; do
    started=$SECONDS
    say "scenario $scenario"
    if (cd extensions && in_ns molecule test -s "$scenario"); then
        say "scenario $scenario passed in $((SECONDS - started)) s"
    else
        rc=1
        say "scenario $scenario FAILED after $((SECONDS - started)) s"
    fi
done
exit "$rc"
