#!/usr/bin/env bash
# THE main job of pbr.linux on a local default: a lab of network namespaces.
#   scripts/lab.sh        bootstrap, build the lab, show the rules before, apply the seed
#                         policy, show them after, re-run as an audit (--check --diff)
#                         judged by the callback pbr.linux.drift (report in .build/lab-audit)
#                         and fail if it reports drift, remove the lab
#   scripts/lab.sh down   remove the lab (namespaces pbrlab_tproxy, pbrlab_dropbox, pbrlab_ns_demo)
# Never touches the root network namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

bash scripts/bootstrap.sh >/dev/null
export ANSIBLE_COLLECTIONS_PATH=$ROOT/.build ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-}
play() {
    "$ROOT/.venv/bin/ansible-playbook" -i playbooks/inventory/lab.yml -e "ansible_python_interpreter=$ROOT/.venv/bin/python" "$@"
}

if [ "${1:-}" = down ]; then
    play playbooks/lab_down.yml
    exit 0
fi

trap 'echo "== removing the lab"; play playbooks/lab_down.yml >/dev/null' EXIT
echo "== building the lab (network namespaces pbrlab, pbrlab_ns_demo)"
play playbooks/lab_up.yml >/dev/null
echo "== applying the seed policy"
play playbooks/lab_policy.yml --diff
echo "== audit: the same playbook with --check --diff, judged by the callback pbr.linux.drift"
report=$ROOT/.build/lab-audit
rc=0
audit=$(ANSIBLE_CALLBACKS_ENABLED=pbr.linux.drift PBR_DRIFT_REPORT=$report PBR_DRIFT_FAIL=true \
    play playbooks/lab_policy.yml --check --diff) || rc=$?
echo "$audit" | sed -n '/PLAY RECAP/,$p'
sed -n '/^| host/,/^$/p' "$report/drift.md"
if [ "$rc" -eq 0 ]; then
    echo "== no drift: running kernel matches the policy (report: $report/drift.json, drift.md)"
else
    echo "$audit"
    cat "$report/drift.md" 2>/dev/null || true
    echo "== DRIFT: the audit run would change something (status $rc)" >&2
    exit 1
fi
