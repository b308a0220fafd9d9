#!/usr/bin/env bash
# Every ansible-core that meta/runtime.yml admits besides the main one (.venv, 2.19): for 2.16, 2.17
# and 2.18 each, a venv from requirements/ansible-core-X.txt (pinned), then
#   - ansible-test sanity (validate-modules, compile, import) of that version, and
#   - one integration playbook per module through that version's ansible-playbook (managed-host python:
#     Debian's /usr/bin/python3, as on a fleet), and
#   - on the oldest (2.16), the fleet audit over SSH (tests/integration/test_fleet.py: the callback
#     pbr.linux.drift on that version's ansible-playbook; 2 minutes, so once, where the API differs most).
# Usage: scripts/ansible-matrix.sh [VERSION ...]      (default: 2.16 2.17 2.18)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { echo "ansible-matrix: $*"; }
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(2.16 2.17 2.18)
# one playbook per module: ip_rule, ip_route_table, rt_tables_alias (check mode on a fresh host, then
# apply), tproxy_divert, conntrack_mark, src_valid_mark, and the action group
PLAYBOOKS=check_mode_fresh_host.yml,tproxy_divert_states.yml,conntrack_mark_states.yml,src_valid_mark.yml,module_defaults.yml,persist.yml,roles.yml

for v in "${versions[@]}"; do
    req=$ROOT/requirements/ansible-core-$v.txt
    venv=$ROOT/.build/core-$v
    [ -f "$req" ] || { say "no $req" >&2; exit 2; }
    want=$(sha256sum "$req" | cut -d' ' -f1)
    if [ "$(cat "$venv/.pbr-requirements.sha256" 2>/dev/null)" != "$want" ]; then
        rm -rf "$venv"
        /usr/bin/python3 -m venv "$venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" 2>&1 \
            | { grep -v "is ignored: it is neither a file nor a directory" || true; }
        echo "$want" > "$venv/.pbr-requirements.sha256"
    fi
    say "$("$venv/bin/ansible" --version 2>/dev/null | head -n1)"
    PBR_SANITY_VENV=$venv bash scripts/sanity.sh --test validate-modules --test compile --test import
    PYTHONPATH=$ROOT/.build ANSIBLE_COLLECTIONS_PATH=$ROOT/.build PBR_ANSIBLE_PLAYBOOK=$venv/bin/ansible-playbook \
        PBR_PLAYBOOKS=$PLAYBOOKS PBR_INTERPRETERS=system \
        "$ROOT/.venv/bin/pytest" tests/integration/test_playbooks.py -q -p no:cacheprovider
    if [ "$v" = "${versions[0]}" ]; then
        PYTHONPATH=$ROOT/.build ANSIBLE_COLLECTIONS_PATH=$ROOT/.build PBR_ANSIBLE_PLAYBOOK=$venv/bin/ansible-playbook \
            "$ROOT/.venv/bin/pytest" tests/integration/test_fleet.py -q -p no:cacheprovider
    fi
done
