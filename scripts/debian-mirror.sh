#!/usr/bin/env bash
# Print the Debian mirror this machine's apt already uses (deb822 .sources or a one-line sources.list),
# for debootstrap (scripts/debian13-tools.sh, scripts/images.sh). Fails when there is none.
set -euo pipefail
mirror=$(
    { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
      grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'
      true; } | grep -v -- '-security' | head -n1
)
[ -n "$mirror" ] || { echo "no Debian mirror found in /etc/apt/sources.list*" >&2; exit 1; }
echo "$mirror"
