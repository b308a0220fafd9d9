# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Standard attributes of every pbr.linux module
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
    details:
      - Check mode returns the exact commands apply would run, in RV(ignore:commands).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
"""

    # Options shared by the resource modules (ip_rule, ip_route_table)
    NAMESPACE = r"""
options:
  namespace:
    description:
      - Name of a network namespace (as listed by C(ip netns list)) to work in instead of the host's own.
      - The namespace must exist; pbr.linux never creates one.
      - Table and protocol names are read from the files C(ip netns exec) shows in that namespace
        (C(/etc/netns/NAME/iproute2) when it exists, else C(/etc/iproute2)).
    type: str
requirements:
  - python3 >= 3.9 on the managed host
  - iproute2 (the C(ip) command) on the managed host; no Python library beyond the standard one
"""
