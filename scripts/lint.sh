#!/usr/bin/env bash
# Static checks for pbr.linux: ruff (lint + format), ansible-lint (production profile,
# see .ansible-lint), antsibull-changelog lint. Runs every check, then exits non-zero if
# any failed. Fix most ruff findings with: .venv/bin/ruff check --fix DIR && .venv/bin/ruff format DIR
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
VENV=$PWD/.venv
[ -x "$VENV/bin/python" ] || { echo "lint: .venv missing: run scripts/bootstrap.sh first" >&2; exit 2; }
export PATH=$VENV/bin:$PATH

failed=()
check() {
    local name=$1
    shift
    echo "lint: $name"
    "$@" || failed+=("$name")
}

targets=()
for d in plugins tests benchmarks scripts; do
    [ -d "$d" ] && targets+=("$d")
done

check "ruff check ${targets[*]}" ruff check --output-format concise "${targets[@]}"
check "ruff format --check ${targets[*]}" ruff format --check "${targets[@]}"
# ANSIBLE_COLLECTIONS_PATH: resolve pbr.linux.* from this checkout through the .build link.
# mypy: the engine, modules and plugins, through the .build link (import ansible_collections.pbr.linux...)
check "mypy plugins" env MYPYPATH="$PWD/.build" mypy --python-executable "$VENV/bin/python" -p ansible_collections.pbr.linux.plugins
check "ansible-lint (profile production)" env ANSIBLE_COLLECTIONS_PATH="$PWD/.build" ansible-lint --nocolor
check "antsibull-changelog lint" antsibull-changelog lint

if [ ${#failed[@]} -gt 0 ]; then
    printf 'lint: FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "lint: ok"
