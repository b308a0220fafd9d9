# Copyright (c) 2026 pbr.linux contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of pbr.linux.rt_tables_alias: in check mode, records the names it would define."""

from __future__ import annotations

from ansible_collections.pbr.linux.plugins.plugin_utils.check_mode_tables import DefinesTableNames


class ActionModule(DefinesTableNames):
    MODULE = "rt_tables_alias"
