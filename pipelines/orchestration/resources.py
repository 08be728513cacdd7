"""Run settings every asset may need: the workspace, the factor set, rule settings and match thresholds.

The one way run parameters enter a build (years are partitions). The factor-set folder is read only by the
`core_inventory__factors` asset; the other assets take that asset's value. Rule settings are read through the
methods below, so every asset applies the same file and version.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from inventories.cems.settings import CemsSettings
from inventories.cems.settings import load_settings as load_cems_settings
from inventories.factor_library import DEFAULT_FACTOR_SET
from inventories.synergy_tree import SETTINGS_FILE as SYNERGY_INDEX_SETTINGS
from inventories.synergy_tree import IndexSettings
from inventories.synergy_tree import load_settings as load_index_settings
from pipelines.read.cems.aggregate import DUCKDB_MEMORY_LIMIT
from pipelines.workspace import Workspace


class SynergyConfig(dg.ConfigurableResource):
    """Where the workspace is, which factor set and city-index settings to use, and match thresholds."""

    home: str
    factor_set_path: str = str(DEFAULT_FACTOR_SET)  # read by core_inventory__factors; the assets take its value
    synergy_index_path: str = str(SYNERGY_INDEX_SETTINGS)  # city index settings; its `tree` names the indicator tree
    cems_substitution_rule_version: str = ""  # empty: the version inventories/rules/cems.yaml names
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT  # DuckDB spills to $SYNERGY_HOME/tmp/duckdb beyond this
    min_matched_share: float = 0.97  # per source system and year; below it the match_share check fails

    @property
    def workspace(self) -> Workspace:
        return Workspace(Path(self.home))

    def cems_settings(self) -> CemsSettings:
        """HJ 75 validity and substitution settings (inventories/rules/cems.yaml) under this build's rule version."""
        return load_cems_settings(rule_version=self.cems_substitution_rule_version)

    def index_settings(self) -> IndexSettings:
        """The city synergy index settings file this build uses (bounds, base year, the indicator tree)."""
        return load_index_settings(Path(self.synergy_index_path))
