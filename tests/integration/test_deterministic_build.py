"""Identical inputs give byte-identical exports, reports and findings.

A float summed in an order that changes from run to run made two builds differ: DuckDB's hash aggregate adds a
group's rows in whatever order its threads and distinct aggregates leave them, and the cross-check's implied CO2 came
out 677919.102369755 in one build and 677919.1023697552 in the next. The findings must therefore not depend on the
order of their input rows at all (the cross-check sums exactly: exact_sum in inventories/sql/crosscheck/_views.sql),
and a second build of the session's inputs must reproduce every exported and reported file.
"""

import hashlib
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from inventories.crosscheck import catalogue_inputs, fuel_defaults, load_catalogue, run_catalogue
from inventories.factor_library import DEFAULT_FACTOR_SET, load_factor_set
from pipelines.orchestration.build import run_build
from pipelines.orchestration.definitions import build_defs
from pipelines.orchestration.io_manager import ParquetIOManager, read_stored
from pipelines.orchestration.resources import SynergyConfig
from pipelines.workspace import Workspace, init_workspace

SHUFFLES = (2, 3, 4)  # with a plain sum(), each of these orders changes a finding of the demo build in its last digit


def _findings(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    years = sorted(tables["out_inventory__yearly_enterprise"]["year"].unique().to_list())
    return run_catalogue(load_catalogue(), tables, fuel_defaults(load_factor_set(DEFAULT_FACTOR_SET), years), years)


def test_findings_do_not_depend_on_the_order_of_the_input_rows(built):
    names = {*catalogue_inputs(load_catalogue()), "out_inventory__yearly_enterprise"}
    tables = {name: read_stored(built[0].parquet, name) for name in names}
    stored = _findings(tables)
    assert stored.filter(pl.col("rule_id") == "implied_co2_vs_reported").height > 0
    for seed in SHUFFLES:
        shuffled = _findings({name: frame.sample(fraction=1.0, shuffle=True, seed=seed) for name, frame in tables.items()})
        assert shuffled.equals(stored), f"rows shuffled with seed {seed}"


def _digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under folder, by its path relative to it."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_two_builds_of_identical_inputs_give_identical_files(built, tmp_path):
    first = built[0]
    second = Workspace(tmp_path / "home")
    init_workspace(second)
    shutil.copytree(first.inbox, second.inbox, dirs_exist_ok=True)  # copy2: same bytes and modification times
    defs = build_defs({"synergy": SynergyConfig(home=str(second.home)),
                       "io_manager": ParquetIOManager(base_dir=str(second.parquet))})
    with dg.instance_for_test() as instance:
        assert run_build(defs, instance, second).success

    with duckdb.connect(str(second.warehouse), read_only=True) as con:
        (implied,) = con.execute("select count(*) from out_crosscheck__findings "
                                 "where rule_id = 'implied_co2_vs_reported'").fetchone()
    assert implied > 0
    exports, reports = _digests(second.exports), _digests(second.reports)
    assert any(name.endswith("/out_crosscheck__findings.parquet") for name in exports)
    assert any(name.endswith("/out_crosscheck__findings.csv") for name in exports)
    assert any(name.endswith(".html") for name in reports)
    for folder, after in (("exports", exports), ("reports", reports)):
        before = _digests(first.home / folder)
        assert set(after) == set(before), folder
        assert sorted(name for name in after if after[name] != before[name]) == [], folder
