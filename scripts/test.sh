#!/usr/bin/env bash
# THE test command of pbr.linux (what .ci/run executes):
#   bootstrap -> debian13-tools -> lint -> sanity -> build -> unit -> integration -> molecule -> ansible-matrix
# Stops at the first failing stage with its exit code; prints stage times at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

summary=()
total_start=$(date +%s)

finish() {
    local rc=$?
    echo
    echo "== summary: ${summary[*]:-none} | total $(( $(date +%s) - total_start ))s | exit $rc"
}
trap finish EXIT

stage() {
    local name=$1
    shift
    echo
    echo "== stage: $name: $*"
    local start rc=0
    start=$(date +%s)
    "$@" || rc=$?
    local took=$(( $(date +%s) - start ))
    if [ "$rc" -ne 0 ]; then
        summary+=("$name=FAILED(${took}s)")
        echo "== stage $name FAILED with exit $rc after ${took}s" >&2
        exit "$rc"
    fi
    summary+=("$name=${took}s")
}

# pytest exit 5 = no tests collected: a failure for unit tests (they must exist).
pytest_stage() {
    local dir=$1
    shift
    if [ ! -d "$dir" ]; then
        echo "$dir does not exist" >&2
        return 5
    fi
    PYTHONPATH=$ROOT/.build${PYTHONPATH:+:$PYTHONPATH} \
    ANSIBLE_COLLECTIONS_PATH=$ROOT/.build \
        "$ROOT/.venv/bin/pytest" "$dir" "$@"
}

stage bootstrap bash scripts/bootstrap.sh
# Debian 13's nft and iptables (a trixie tree run with chroot) for the tool round-trip tests
stage debian13-tools bash scripts/debian13-tools.sh
stage lint bash scripts/lint.sh
stage sanity bash scripts/sanity.sh
stage build bash scripts/build.sh
stage unit pytest_stage tests/unit -q -p no:cacheprovider
if [ -n "$(find tests/integration -name 'test_*.py' -print -quit 2>/dev/null)" ]; then
    stage integration pytest_stage tests/integration -q -p no:cacheprovider
else
    # Not run at all (rather than a pytest "no tests ran" line closing the log).
    echo
    echo "== stage: integration: skipped, no tests/integration/**/test_*.py yet"
    summary+=("integration=skipped")
fi
# extensions/molecule: podman containers of Debian 12 and 13 images built here, systemd as PID 1
stage molecule bash scripts/molecule.sh
# ansible-core 2.16, 2.17, 2.18 (meta/runtime.yml admits >=2.16): sanity and one playbook per module each
stage ansible-matrix bash scripts/ansible-matrix.sh
