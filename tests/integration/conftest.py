"""The demo build every integration module checks: one small synthetic province, built once per session."""

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines.orchestration.build import run_build
from pipelines.orchestration.definitions import build_defs
from pipelines.orchestration.io_manager import ParquetIOManager
from pipelines.orchestration.resources import SynergyConfig
from pipelines.workspace import Workspace, init_workspace
from synth.demo import generate


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Workspace, dict, dg.ExecuteInProcessResult]:
    ws = Workspace(tmp_path_factory.mktemp("home"))
    init_workspace(ws)
    manifest = generate(ws.inbox, ws.manifest, seed=7, n_sites=400)
    defs = build_defs({"synergy": SynergyConfig(home=str(ws.home)),
                       "io_manager": ParquetIOManager(base_dir=str(ws.parquet))})
    with dg.instance_for_test() as instance:
        result = run_build(defs, instance, ws)
    return ws, manifest, result


@pytest.fixture(scope="session")
def sql(built):
    """Query the demo build's published warehouse (read-only) into a polars frame."""

    def run(query: str) -> pl.DataFrame:
        with duckdb.connect(str(built[0].warehouse), read_only=True) as con:
            return con.sql(query).pl()

    return run


