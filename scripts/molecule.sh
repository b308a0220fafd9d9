#!/usr/bin/env bash
# The molecule scenarios of extensions/molecule (podman driver, images built locally, systemd as PID 1).
#   bash scripts/molecule.sh [SCENARIO ...]      (default: every scenario)
# Installs what it needs: podman, runc and netavark (apt), the images (scripts/images.sh), .venv-molecule
# (requirements/molecule.txt) and the containers.podman collection (from the pinned ansible wheel).
# podman and molecule run inside a throwaway network namespace: netavark sets sysctls and creates
# bridges in the namespace podman runs in, and this machine's own must not change. The containers sit
# on an --internal network (192.0.2.0/24, no route out).
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
HOME_DIR=$(mktemp -d)
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    # containers a failed scenario left (platform names start with pbr-SCENARIO-), then the network
    for scenario in "${scenarios[@]}"; do
        nsenter --net="/run/netns/$NS" podman ps -aq --filter "name=pbr-$scenario-" 2>/dev/null \
            | xargs -r nsenter --net="/run/netns/$NS" podman rm -f >/dev/null 2>&1 || true
    done
    nsenter --net="/run/netns/$NS" podman network rm -f pbr-mol-up >/dev/null 2>&1 || true
    ip netns delete "$NS" 2>/dev/null || true
    rm -rf "$HOME_DIR"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
in_ns() { nsenter --net="/run/netns/$NS" "$@"; }
in_ns podman network rm -f pbr-mol-up >/dev/null 2>&1 || true
in_ns podman network create --internal --subnet 192.0.2.0/24 --gateway 192.0.2.1 pbr-mol-up >/dev/null

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
