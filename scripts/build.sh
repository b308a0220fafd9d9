#!/usr/bin/env bash
# Build the pbr.linux collection tarball into .build/dist, install it into a temporary
# collections path, check that every module (and callback) renders with ansible-doc and
# that the installed collection runs a task.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
[ -x "$VENV/bin/python" ] || { echo "build: .venv missing: run scripts/bootstrap.sh first" >&2; exit 2; }
export PATH=$VENV/bin:$PATH

DIST=$ROOT/.build/dist
rm -rf "$DIST"
mkdir -p "$DIST"
echo "build: ansible-galaxy collection build -> .build/dist"
ansible-galaxy collection build --force --output-path "$DIST" . >/dev/null
shopt -s nullglob
tarballs=("$DIST"/pbr-linux-*.tar.gz)
[ ${#tarballs[@]} -eq 1 ] || { echo "build: expected one tarball in $DIST, got ${#tarballs[@]}" >&2; exit 1; }
TARBALL=${tarballs[0]}
echo "build: $(basename "$TARBALL") ($(du -h "$TARBALL" | cut -f1), $(tar -tzf "$TARBALL" | wc -l) entries)"

# Nothing from build_ignore may leak into the artifact.
if leaked=$(tar -tzf "$TARBALL" | grep -E '(^|/)(\.venv|\.build|\.git|\.ci|__pycache__|\.pytest_cache|\.ruff_cache|\.hypothesis)(/|$)|^(\./)?(scripts|benchmarks|playbooks|requirements)/|^tests/output/|\.tar\.gz$'); then
    echo "build: tarball contains ignored files:" >&2
    echo "$leaked" >&2
    exit 1
fi

listing=$(tar -tzf "$TARBALL")
for needed in LICENSE README.md meta/runtime.yml meta/execution-environment.yml bindep.txt requirements.txt \
    plugins/modules/ip_rule.py plugins/action/ip_rule.py \
    plugins/plugin_utils/check_mode_tables.py; do
    grep -qx "$needed" <<<"$listing" || { echo "build: tarball lacks $needed" >&2; exit 1; }
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "build: ansible-galaxy collection install into a temporary path"
ANSIBLE_COLLECTIONS_PATH=$TMP ansible-galaxy collection install --offline -p "$TMP" "$TARBALL" >/dev/null
[ -f "$TMP/ansible_collections/pbr/linux/MANIFEST.json" ] || { echo "build: install produced no MANIFEST.json" >&2; exit 1; }

modules=()
for f in plugins/modules/*.py plugins/callback/*.py; do
    name=$(basename "$f" .py)
    [ "$name" = "__init__" ] && continue
    kind=module
    [[ $f == plugins/callback/* ]] && kind=callback
    modules+=("$kind:$name")
done
if [ ${#modules[@]} -eq 0 ]; then
    echo "build: no modules in plugins/modules yet: ansible-doc check skipped"
fi
for entry in "${modules[@]}"; do
    kind=${entry%%:*} m=${entry#*:}
    out=$(ANSIBLE_COLLECTIONS_PATH=$TMP ansible-doc -t "$kind" "pbr.linux.$m" 2>&1) || {
        echo "build: ansible-doc -t $kind pbr.linux.$m failed:" >&2
        echo "$out" >&2
        exit 1
    }
    # ansible-doc prints a WARNING (rc 0 on some versions) instead of docs when it cannot load them
    if ! grep -q "pbr.linux.$m" <<<"$out" || grep -qi '^\[WARNING\]: .*pbr.linux' <<<"$out"; then
        echo "build: ansible-doc did not render pbr.linux.$m:" >&2
        echo "$out" >&2
        exit 1
    fi
    echo "build: ansible-doc -t $kind pbr.linux.$m ok ($(wc -l <<<"$out") lines)"
done
# The installed tarball runs: an offline render through ansible-playbook, using only the install.
cat > "$TMP/smoke.yml" <<'EOF_PLAY'
- name: Smoke test of the installed collection
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Render seed 003's rule
      pbr.linux.ip_rule:
        state: rendered
        config: [{priority: 1000, fwmark: "0x1", table: 100}]
      register: smoke
    - name: Check the command
      ansible.builtin.assert:
        that: smoke.rendered == ["ip -4 rule add priority 1000 from all fwmark 0x1 lookup 100 protocol 242"]
EOF_PLAY
ANSIBLE_COLLECTIONS_PATH=$TMP ansible-playbook -i localhost, -e "ansible_python_interpreter=$VENV/bin/python" \
    "$TMP/smoke.yml" >"$TMP/smoke.log" 2>&1 || { cat "$TMP/smoke.log" >&2; echo "build: installed collection failed" >&2; exit 1; }
echo "build: installed collection runs (ip_rule rendered through ansible-playbook)"
bash scripts/ee-check.sh "$TARBALL"
echo "build: ok"
