"""Dagster entry point: `defs = build_defs()`; tests and the CLI pass resource overrides."""

from __future__ import annotations

import dagster as dg

from pipelines.orchestration.assets import (
    cems,
    crosscheck,
    entities,
    expectations,
    file_accounting,
    inventory,
    publish,
    published_lists,
    sources,
)
from pipelines.orchestration.assets import synergy as synergy_assets
from pipelines.orchestration.checks import CHECKS
from pipelines.orchestration.io_manager import ParquetIOManager
from pipelines.orchestration.jobs import build_all, cems_by_city, quality_check
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.run_storage import use_wal_for_instance
from pipelines.orchestration.schedules import SCHEDULES
from pipelines.orchestration.sensors import inbox_sensor
from pipelines.workspace import workspace_from_env

ASSETS = [*sources.SOURCE_ASSETS, sources.core_permit__annual_limits,
          *dg.load_assets_from_modules([cems, file_accounting, entities, inventory, synergy_assets, published_lists, crosscheck,
                                        publish, expectations])]


def build_defs(resource_overrides: dict | None = None) -> dg.Definitions:
    """All assets, checks, jobs, schedules and the inbox sensor, with resources rooted at $SYNERGY_HOME.

    The IO manager stores under the given SynergyConfig's workspace unless one is given too.
    """
    overrides = dict(resource_overrides or {})
    synergy = overrides.pop("synergy", None) or SynergyConfig(home=str(workspace_from_env().home))
    resources = {
        "io_manager": ParquetIOManager(base_dir=str(synergy.workspace.parquet)),
        "synergy": synergy,
        **overrides,
    }
    checks = [*CHECKS, *dg.load_asset_checks_from_modules([published_lists, crosscheck, synergy_assets])]
    return dg.Definitions(assets=ASSETS, asset_checks=checks,
                          jobs=[build_all, quality_check, cems_by_city], schedules=SCHEDULES, sensors=[inbox_sensor],
                          resources=resources, executor=dg.in_process_executor)


use_wal_for_instance()  # runs the daemon and the UI start load this module: their events are stored the same way
defs = build_defs()
