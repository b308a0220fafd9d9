#!/usr/bin/env bash
# Prepare a Debian 12 machine (as root) and this repo for building and testing pbr.linux.
# Idempotent: a second run only checks and prints "ok" lines.
#   1. Debian packages (apt-get update only when a package is missing and the lists are
#      missing or older than a day)
#   2. .venv made with /usr/bin/python3 (3.11) holding requirements/dev.txt
#   3. .build/ansible_collections/pbr/linux -> the repo, for ANSIBLE_COLLECTIONS_PATH=.build
#      and PYTHONPATH=.build (import ansible_collections.pbr.linux...)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { echo "bootstrap: $*"; }

# --- 1. Debian packages ---------------------------------------------------------------
# Without the shellcheck package, ansible-test sanity skips its shellcheck test (warning only).
# python3-pyroute2 is Debian's 0.7.2: the managed-host side is tested against it with
# /usr/bin/python3, while .venv carries PyPI's pyroute2.
APT_PKGS=(python3-venv python3-pip iproute2 nftables iptables conntrack python3-pyroute2 shellcheck
          socat tcpdump rsync git debootstrap)
missing=()
for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    say "apt packages ok"
else
    if [ "$(id -u)" -ne 0 ]; then
        say "missing apt packages (${missing[*]}) and not root" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -n1)" ]; then
        say "apt-get update"
        apt-get update -qq
    fi
    say "apt-get install ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. .venv -------------------------------------------------------------------------
VENV=$ROOT/.venv
REQ=$ROOT/requirements/dev.txt
STAMP=$VENV/.pbr-requirements.sha256
if [ -x "$VENV/bin/python" ] && ! "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
    say "removing broken or foreign .venv"
    rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
    say "creating .venv with /usr/bin/python3 ($(/usr/bin/python3 -V 2>&1))"
    /usr/bin/python3 -m venv "$VENV"
fi
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
    say ".venv requirements ok"
else
    say "pip install -r requirements/dev.txt"
    # (this machine's pip config names local indexes that may be absent: drop that noise)
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ" 2>&1 \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
    "$VENV/bin/python" -m pip check -q >/dev/null || { "$VENV/bin/python" -m pip check; exit 1; }
    echo "$want" > "$STAMP"
    say ".venv ready: $("$VENV/bin/ansible" --version | head -n1)"
fi

# --- 3. collection path ---------------------------------------------------------------
LINK=$ROOT/.build/ansible_collections/pbr/linux
mkdir -p "$(dirname "$LINK")"
if [ "$(readlink "$LINK" 2>/dev/null)" != "../../.." ]; then
    rm -rf "$LINK"
    ln -s ../../.. "$LINK"   # relative: survives moving or re-cloning the repo
fi
[ -f "$LINK/galaxy.yml" ] || { say "$LINK does not reach the repo" >&2; exit 1; }
say "collection link ok: .build/ansible_collections/pbr/linux -> repo"
say "done"
