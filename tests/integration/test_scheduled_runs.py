"""Scheduled, incremental and recoverable runs (issue 9) on the demo province.

`cli_built` is the session demo's inbox (same bytes, same modification times) built by the CLI as a backfill over
its years in a fresh workspace; its warehouse tables, exports and reports must equal those of the in-process session
build byte for byte: identical inputs give identical files, and the CLI's partitioned backfill gives what one
in-process run gives. Tests that run further builds do so on copies of a built workspace.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from worlds import copy_workspace, run_cli

from pipelines.orchestration.build import plan_build
from pipelines.orchestration.definitions import build_defs
from pipelines.orchestration.partitions import REPORTING_YEAR
from pipelines.orchestration.resources import SynergyConfig
from pipelines.workspace import Workspace
from schemas.sources import SOURCE_SYSTEMS
from schemas.tables import TABLES
from synth.bench import resubmitted_report


def _instance(ws: Workspace) -> dg.DagsterInstance:
    """The workspace's own Dagster instance (the CLI's runs); use as a context manager so it is disposed."""
    return dg.DagsterInstance.from_config(str(ws.dagster_home))


def _files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _tables(warehouse: Path, out: Path) -> dict[str, str]:
    """Every warehouse table written out by DuckDB as Parquet and CSV (no ORDER BY: stored order is compared too)."""
    out.mkdir()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [n for (n,) in con.execute("select table_name from information_schema.tables order by 1").fetchall()]
        for name in names:
            con.execute(f"COPY {name} TO '{out / name}.parquet' (FORMAT parquet)")
            con.execute(f"COPY {name} TO '{out / name}.csv' (HEADER)")
    return _files(out)


def test_two_builds_on_the_same_inputs_are_byte_identical(built, cli_built, tmp_path):
    """Also the order-independence of the findings end to end: a float summed in thread order once made the
    cross-check's implied CO2 differ in its last digit between two builds (test_deterministic_build.py)."""
    first, second = built[0], cli_built[0]
    tables = _tables(first.warehouse, tmp_path / "a")
    assert len(tables) == 2 * len(TABLES) and tables == _tables(second.warehouse, tmp_path / "b")
    with duckdb.connect(str(second.warehouse), read_only=True) as con:
        (implied,) = con.execute("select count(*) from out_crosscheck__findings "
                                 "where rule_id = 'implied_co2_vs_reported'").fetchone()
    assert implied > 0
    exports = _files(first.exports)
    assert any(name.endswith(".xlsx") for name in exports) and any(name.endswith(".parquet") for name in exports)
    assert any(name.endswith("/out_crosscheck__findings.csv") for name in exports)
    assert exports == _files(second.exports)
    # what the build writes; Data Docs come from `synergy quality` (test_quality.py runs it in the session workspace)
    reports, again = ({k: v for k, v in _files(ws.reports).items() if not k.startswith("data_docs/")}
                      for ws in (first, second))
    assert any(name.endswith(".html") for name in reports) and reports == again


def test_backfill_from_the_cli_builds_every_year_as_a_partition(built, cli_built):
    ws, years = cli_built[0], [str(y) for y in built[1]["years"]]
    with _instance(ws) as instance:
        assert list(instance.get_dynamic_partitions(REPORTING_YEAR)) == years
        for asset in ("core_inventory__yearly_facility_species", "out_inventory__yearly_facility",
                      "out_key_emitters__register", "out_inventory__yearly_region_sector"):
            assert instance.get_materialized_partitions(dg.AssetKey(asset)) == set(years), asset
        (run,) = instance.get_runs()
        event = instance.get_latest_materialization_event(dg.AssetKey("out_inventory__yearly_facility"))
    assert (run.tags["dagster/asset_partition_range_start"], run.tags["dagster/asset_partition_range_end"]) == (
        years[0], years[-1])
    metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    assert metadata["rows_in"] > 0 and metadata["rows_out"] > 0 and metadata["duration_s"] >= 0
    assert metadata["peak_rss_mb"] > 50  # the building process's peak so far
    assert metadata["gwp_set"] == "SAR" and metadata["factor_set"].startswith("cn_default@")
    inbox = ws.inbox
    hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for s in SOURCE_SYSTEMS if (inbox / s).is_dir()
              for p in (inbox / s).iterdir()}  # every watched folder, CEMS included
    assert metadata["input_files"] == len(hashes)
    assert metadata["inputs_sha256"] == hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        built_years = con.execute("select list(distinct year order by year) from out_inventory__yearly_facility"
                                  ).fetchone()[0]
    assert built_years == built[1]["years"]


LINES = ("select fuel_consumed_units, co2_mass_t from core_inventory__ghg_fuel_line_co2 where uscc = ? "
         "and year = 2023")
CHOSEN_COMBUSTION = ("select method, sum(mass_t) from core_inventory__yearly_facility_species where uscc = ? "
                     "and year = 2023 and species = 'CO2' and scope = 'combustion' group by method")


def _materialized(instance: dg.DagsterInstance, run_id: str) -> dict[str, set[str | None]]:
    out: dict[str, set[str | None]] = {}
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = record.dagster_event.event_specific_data.materialization
        out.setdefault(materialization.asset_key.to_user_string(), set()).add(materialization.partition)
    return out


def test_inbox_sensor_reruns_only_the_changed_source_and_year(built, tmp_path):
    ws = copy_workspace(built[0], tmp_path / "home")
    config = SynergyConfig(home=str(ws.home))
    defs = build_defs({"synergy": config})
    query = "select year, co2e_t from out_inventory__yearly_enterprise where uscc = ? order by year"
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(REPORTING_YEAR, [str(y) for y in built[1]["years"]])  # as the build left them
        build = plan_build(ws, instance, defs.resolve_asset_graph(), config, full=True)  # the build that made ws
        instance.add_run(dg.DagsterRun(job_name="build_all", tags=build.tags, status=dg.DagsterRunStatus.SUCCESS))
        sensor = defs.resolve_sensor_def("inbox_sensor")

        def tick() -> dg.SensorResult | dg.SkipReason:
            with dg.build_sensor_context(instance=instance, definitions=defs, resources={"synergy": config}) as context:
                return sensor(context)

        assert isinstance(tick(), dg.SkipReason)
        uscc, old, new = resubmitted_report(ws.inbox)
        with duckdb.connect(str(ws.warehouse), read_only=True) as con:
            before = dict(con.execute(query, [uscc]).fetchall())
            (old_co2,) = con.execute(f"{LINES} and fuel_consumed_units = ?", [uscc, old]).fetchone()[1:]

        result = tick()
        assert isinstance(result, dg.SensorResult) and len(result.run_requests) == 1
        request = result.run_requests[0]
        selected = {k.to_user_string() for k in request.asset_selection}
        assert {"raw_ghg__files", "core_ghg__fuel_lines", "core_enterprise__entity",
                "out_inventory__yearly_facility", "out_publish__warehouse"} <= selected
        assert not any(name.startswith(("raw_permit", "raw_envstat", "core_permit__", "core_envstat__")) for name in selected)
        assert (request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]) == (
            "2023", "2023")

        run = defs.resolve_job_def("build_all").execute_in_process(
            instance=instance, asset_selection=request.asset_selection, tags=request.tags)
        assert run.success
        done = _materialized(instance, run.run_id)
        assert set(done) == selected
        assert done["core_inventory__yearly_facility_species"] == {"2023"} == done["out_key_emitters__register"]
        assert done["raw_ghg__files"] == {None}
        assert isinstance(tick(), dg.SkipReason)
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        after = dict(con.execute(query, [uscc]).fetchall())
        lines = con.execute(LINES, [uscc]).fetchall()
        combustion = dict(con.execute(CHOSEN_COMBUSTION, [uscc]).fetchall())
        published = con.execute("select co2_combustion_t from out_inventory__yearly_enterprise where uscc = ? "
                                "and year = 2023", [uscc]).fetchone()[0]
    assert {y: after[y] for y in (2021, 2022)} == {y: before[y] for y in (2021, 2022)}  # untouched years kept
    # the doubled line reached the published inventory: the re-submission's one line, twice the CO2 it had, is the
    # reported combustion CO2; the fuels it leaves out are filled from the statistics form
    assert lines == [(new, pytest.approx(2 * old_co2, rel=1e-12))]
    assert set(combustion) <= {"reported", "gap_filled"} and combustion["reported"] == pytest.approx(lines[0][1])
    assert after[2023] != before[2023] and published == pytest.approx(sum(combustion.values()), rel=1e-9)


def _warehouse_state(ws: Workspace) -> tuple[str, int]:
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        rows = con.execute("select count(*) from out_inventory__yearly_facility").fetchone()[0]
    return hashlib.sha256(ws.warehouse.read_bytes()).hexdigest(), rows


def test_a_killed_build_leaves_the_warehouse_and_the_next_build_recovers(handwritten, tmp_path):
    """On a copy of the smallest built workspace (conftest.py `handwritten`): a build there is all fixed cost, still
    a hundred steps between the entity tables and the publish step to be killed in."""
    ws = copy_workspace(handwritten, tmp_path / "home")
    before = _warehouse_state(ws)
    env = {**os.environ, "SYNERGY_HOME": str(ws.home), "DAGSTER_HOME": str(ws.dagster_home)}
    started = time.time()
    build = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "build"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    marker = ws.parquet / "core_facility__entity.parquet"
    while build.poll() is None and marker.stat().st_mtime < started and time.time() - started < 120:
        time.sleep(0.05)
    assert build.poll() is None, "the build ended before it could be killed"
    os.killpg(build.pid, signal.SIGKILL)  # mid-run: ingest done, inventory not yet published
    build.wait()
    assert _warehouse_state(ws) == before  # the last published warehouse is untouched and readable
    stale = ws.parquet / "out_inventory__yearly_facility" / "year=2023.tmp99999"
    stale.write_bytes(b"torn")
    (ws.home / ".warehouse.duckdb.building-99999").write_bytes(b"torn")

    output = run_cli(ws.home, "build")  # no manual clean-up in between
    assert "succeeded" in output
    assert not stale.exists() and not list(ws.home.glob(".warehouse.duckdb.building-*"))
    assert _warehouse_state(ws)[1] == before[1]
    with _instance(ws) as instance:
        killed = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        assert len(killed) == 1
        failure = instance.all_logs(killed[0].run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    assert "died" in failure[-1].message
    assert "FAILURE" in run_cli(ws.home, "status")


def test_a_failed_step_is_named_and_the_warehouse_stays(handwritten, tmp_path):
    """(That the next good build succeeds is the recovery of the killed build above.)"""
    from inventories.factor_library import DEFAULT_FACTOR_SET

    ws = copy_workspace(handwritten, tmp_path / "home")
    before = _warehouse_state(ws)
    broken = tmp_path / "factor_set"
    shutil.copytree(DEFAULT_FACTOR_SET, broken)
    factors = pl.read_csv(broken / "factors.csv", infer_schema=False)
    factors.with_columns(pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("3,5")).otherwise(pl.col("value"))
                         .alias("value")).write_csv(broken / "factors.csv")
    output = " ".join(run_cli(ws.home, "build", "--factor-set", str(broken), exit_code=1).split())
    assert "core_inventory__factors" in output and "factors.csv" in output and "第5行" in output
    assert "left in place" in output
    assert _warehouse_state(ws) == before


def test_readers_see_the_old_or_the_new_warehouse_never_an_error(sql, tmp_path):
    from pipelines.deliver.warehouse import publish_warehouse

    facility = sql("select * from out_inventory__yearly_facility")
    target = tmp_path / "warehouse.duckdb"
    versions = [facility.filter(pl.col("year") == facility["year"].min()), facility]
    publish_warehouse({"out_inventory__yearly_facility": versions[0]}, target)
    reader = subprocess.Popen([sys.executable, "-c", f"""
import duckdb, time
seen, errors, end = set(), [], time.time() + 6
while time.time() < end:
    try:
        with duckdb.connect({str(target)!r}, read_only=True) as con:
            seen.add(con.execute("select count(*) from out_inventory__yearly_facility").fetchone()[0])
    except Exception as err:
        errors.append(repr(err))
print(sorted(seen)); print(errors[:3])
"""], stdout=subprocess.PIPE, text=True)
    publishes = 0
    while reader.poll() is None:
        publish_warehouse({"out_inventory__yearly_facility": versions[publishes % 2]}, target)
        publishes += 1
    seen, errors = reader.stdout.read().splitlines()
    assert errors == "[]" and publishes > 3
    assert eval(seen) == sorted({v.height for v in versions})  # noqa: S307 - our own subprocess's printout
