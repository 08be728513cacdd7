"""Run settings every asset may need: the workspace, the factor set and match thresholds (years are partitions)."""

from __future__ import annotations

import dagster as dg

from inventories.factor_library import DEFAULT_FACTOR_SET
from inventories.synergy_tree import SETTINGS_FILE as SYNERGY_INDEX_SETTINGS
from pipelines.workspace import Workspace


class SynergyConfig(dg.ConfigurableResource):
    """Where the workspace is, which factor set and city-index settings to use, and match thresholds."""

    home: str
    factor_set_path: str = str(DEFAULT_FACTOR_SET)
    synergy_index_path: str = str(SYNERGY_INDEX_SETTINGS)  # city index settings; its `tree` names the indicator tree
    cems_substitution_rule_version: str = ""  # empty: the version inventories/rules/cems.yaml names
    duckdb_memory_limit: str = "4GB"  # DuckDB spills to $SYNERGY_HOME/tmp/duckdb beyond this
    min_matched_share: float = 0.97  # per source system and year; below it the match_share check fails

    @property
    def workspace(self) -> Workspace:
        from pathlib import Path

        return Workspace(Path(self.home))
