#!/usr/bin/env bash
# ansible-test sanity for pbr.linux on Python 3.11, in ansible-test's own venvs (--venv).
#
# ansible-test needs its cwd to be a real .../ansible_collections/pbr/linux (a symlink
# confuses it), so the repo's tracked + untracked-not-ignored files are copied to
# .build/sanity/ansible_collections/pbr/linux and the test runs there. The copy gets its
# own `git init`: ansible-test looks for .git upwards and would otherwise find this repo,
# where .build/ is ignored, and test no file at all.
#
# --venv bootstraps pip from a script it downloads from a host that is not reachable here,
# unless ~/.ansible/test/cache/get_pip_<ver>.py exists: this script writes a stand-in there
# (ensurepip + pip install from PyPI), so it works on a fresh machine.
#
# Usage: scripts/sanity.sh [extra ansible-test sanity args, e.g. --test validate-modules]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${PBR_SANITY_VENV:-$ROOT/.venv}  # PBR_SANITY_VENV: another ansible-core (scripts/ansible-matrix.sh)
PY=$VENV/bin/python
[ -x "$PY" ] || { echo "sanity: $VENV missing: run scripts/bootstrap.sh first" >&2; exit 2; }

# --- get_pip stand-in -------------------------------------------------------------------
PIP_VER=$("$PY" - <<'EOF'
import re, ansible_test, pathlib
src = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
m = re.search(r"default_packages = dict\(\s*pip='([0-9.]+)'", src)
print(m.group(1) if m else "24.2")
EOF
)
CACHE=$HOME/.ansible/test/cache/get_pip_${PIP_VER//./_}.py
MARK="# pbr.linux get_pip stand-in v1"
if [ ! -f "$CACHE" ] || grep -q '^# pbr.linux get_pip stand-in' "$CACHE"; then
    mkdir -p "$(dirname "$CACHE")"
    cat > "$CACHE.tmp" <<EOF
$MARK
# Replaces https://ci-files.testing.ansible.com/ansible-test/get-pip-${PIP_VER}.py (not
# reachable here). ansible-test runs it as: python get_pip.py [--disable-pip-version-check]
# pip==X [--no-setuptools] [--no-wheel], with a stripped environment.
import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap()
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
env = dict(os.environ)
env["PIP_CERT"] = "/etc/ssl/certs/ca-certificates.crt"
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args, env=env))
EOF
    if ! cmp -s "$CACHE.tmp" "$CACHE"; then mv "$CACHE.tmp" "$CACHE"; else rm -f "$CACHE.tmp"; fi
fi

# --- copy the collection to a real ansible_collections path ------------------------------
DEST=$ROOT/.build/sanity/ansible_collections/pbr/linux
rm -rf "$DEST"
mkdir -p "$DEST"
git ls-files -z -co --exclude-standard \
    | rsync -a --from0 --files-from=- --exclude='/.venv/' --exclude='/.build/' ./ "$DEST/"
git -C "$DEST" init -q

# --- run ------------------------------------------------------------------------------
cd "$DEST"
export PATH=$VENV/bin:$PATH
# --venv: ansible-test creates venvs for each sanity test from the python3.11 found first
# on PATH (this .venv's, i.e. /usr/bin/python3.11), and installs its pinned requirements
# from PyPI into them. --color/--truncate keep CI logs readable.
start=$(date +%s)
rc=0
"$VENV/bin/ansible-test" sanity --venv --python 3.11 --color no --truncate 0 "$@" || rc=$?
echo "sanity: ansible-test exited $rc after $(( $(date +%s) - start ))s (copy in ${DEST#"$ROOT"/})"
exit "$rc"
