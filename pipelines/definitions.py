"""Dagster entry point: `defs = build_defs()`; tests and the CLI pass resource overrides."""

from __future__ import annotations

import dagster as dg

from pipelines.assets import crosscheck, entities, inventory, publish, qa, quality, register_list, sources
from pipelines.checks import CHECKS
from pipelines.io import ParquetIOManager
from pipelines.resources import SynergyConfig
from pipelines.workspace import workspace_from_env

ASSETS = [*sources.SOURCE_ASSETS, sources.core_permit__annual_limits,
          *dg.load_assets_from_modules([qa, entities, inventory, register_list, crosscheck, publish, quality])]
build_all = dg.define_asset_job("build_all", selection=dg.AssetSelection.all() - dg.AssetSelection.groups("quality"),
                                description="Ingest the inbox, compute the inventory, publish the warehouse.",
                                tags={"synergy/publishes-warehouse": "true"})
quality_check = dg.define_asset_job("quality_check", selection=dg.AssetSelection.groups("quality"),
                                    description="great-expectations suites over the warehouse; Data Docs in reports/.")


def build_defs(resource_overrides: dict | None = None) -> dg.Definitions:
    """All assets, checks and the build job, with resources rooted at $SYNERGY_HOME."""
    ws = workspace_from_env()
    resources = {
        "io_manager": ParquetIOManager(base_dir=str(ws.parquet)),
        "synergy": SynergyConfig(home=str(ws.home)),
    }
    resources.update(resource_overrides or {})
    return dg.Definitions(assets=ASSETS, asset_checks=[*CHECKS, *dg.load_asset_checks_from_modules([register_list, crosscheck])],
                          jobs=[build_all, quality_check], resources=resources, executor=dg.in_process_executor)


defs = build_defs()
