# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of pbr.linux.ip_rule: check mode sees table names defined earlier in the run."""

from __future__ import annotations

from ansible_collections.pbr.linux.plugins.plugin_utils.check_mode_tables import UsesTableNames


class ActionModule(UsesTableNames):
    MODULE = "ip_rule"
