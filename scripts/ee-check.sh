#!/usr/bin/env bash
# Execution-environment metadata check (an image cannot be built here: no container registry).
#   1. bindep parses bindep.txt and finds every dpkg package it names installed on this Debian machine;
#   2. ansible-builder introspect, on the collection installed from the tarball, reports exactly
#      bindep.txt's packages and requirements.txt's jmespath as coming from pbr.linux;
#   3. ansible-builder create turns an EE definition that installs the tarball into a build context.
# Usage: scripts/ee-check.sh TARBALL
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARBALL=$1
export PATH=$ROOT/.venv/bin:$PATH
say() { echo "ee-check: $*"; }

missing=$(bindep -f bindep.txt -b || true)
[ -z "$missing" ] || { say "bindep.txt names packages that are not installed here: $missing" >&2; exit 1; }
say "bindep: every package of bindep.txt for this platform is installed"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
ANSIBLE_COLLECTIONS_PATH=$TMP/collections ansible-galaxy collection install --offline -p "$TMP/collections" "$TARBALL" >/dev/null
found=$(ansible-builder introspect --sanitize "$TMP/collections")
want=$(grep -v '^\s*#' bindep.txt | sed '/^\s*$/d' | sed 's/$/  # from collection pbr.linux/' | sort)
got=$(sed -n "/^system:/,\$ s/^- '\(.*\)'$/\1/p" <<<"$found" | sort)
if [ "$got" != "$want" ] || ! grep -q "^- 'jmespath>=1.0.1  # from collection pbr.linux'$" <<<"$found"; then
    say "ansible-builder introspect does not report the collection's dependencies:" >&2
    echo "$found" >&2
    exit 1
fi
say "introspect: $(wc -l <<<"$got") system packages and jmespath (the drift callback) from pbr.linux"

cp "$TARBALL" "$TMP/pbr-linux.tar.gz"
cat > "$TMP/execution-environment.yml" <<EOF_EE
---
version: 3
images:
  base_image:
    name: localhost/ee-base:latest
dependencies:
  ansible_core:
    package_pip: ansible-core
  ansible_runner:
    package_pip: ansible-runner
  galaxy:
    collections:
      - name: pbr-linux.tar.gz
        type: file
EOF_EE
(cd "$TMP" && ansible-builder create -f execution-environment.yml -c context --output-filename Containerfile >/dev/null)
for f in context/Containerfile context/_build/requirements.yml context/_build/scripts/install-from-bindep; do
    [ -s "$TMP/$f" ] || { say "ansible-builder create made no $f" >&2; exit 1; }
done
grep -q 'pbr-linux.tar.gz' "$TMP/context/_build/requirements.yml" || { say "the context does not install the collection" >&2; exit 1; }
say "create: build context with Containerfile and the collection; ok"
