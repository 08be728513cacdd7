"""Scheduled, incremental and recoverable runs (issue 9) on a small synthetic province.

Two workspaces get the same input files (modification times kept: they are inputs too) and are built by the CLI
as a backfill over 2021-2023; their warehouse tables and exports must agree byte for byte.
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
import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.orchestration.build import run_build
from pipelines.orchestration.definitions import build_defs
from pipelines.orchestration.partitions import REPORTING_YEAR
from pipelines.orchestration.resources import SynergyConfig
from pipelines.workspace import SOURCES, Workspace, init_workspace
from schemas.tables import TABLES
from synth.demo import generate

SITES = 80
YEARS = ["2021", "2022", "2023"]


def _cli(home: Path, *args: str) -> str:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SYNERGY_HOME", str(home))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))
        result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Workspace, Workspace]:
    first = Workspace(tmp_path_factory.mktemp("first"))
    second = Workspace(tmp_path_factory.mktemp("second"))
    for ws in (first, second):
        init_workspace(ws)
    generate(first.inbox, first.manifest, seed=11, n_sites=SITES)
    shutil.rmtree(second.inbox)
    shutil.copytree(first.inbox, second.inbox, copy_function=shutil.copy2)
    for ws in (first, second):
        _cli(ws.home, "build", "--years", "2021-2023")
    return first, second


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


def test_two_builds_on_the_same_inputs_are_byte_identical(pair, tmp_path):
    first, second = pair
    tables = _tables(first.warehouse, tmp_path / "a")
    assert len(tables) == 2 * len(TABLES) and tables == _tables(second.warehouse, tmp_path / "b")
    exports = _files(first.exports)
    assert any(name.endswith(".xlsx") for name in exports) and any(name.endswith(".parquet") for name in exports)
    assert exports == _files(second.exports)
    assert _files(first.reports) == _files(second.reports)


def test_backfill_from_the_cli_builds_every_year_as_a_partition(pair):
    first, _ = pair
    with _instance(first) as instance:
        assert list(instance.get_dynamic_partitions(REPORTING_YEAR)) == YEARS
        for asset in ("core_inventory__yearly_facility_species", "out_inventory__yearly_facility",
                      "out_key_emitters__register", "out_inventory__yearly_region_sector"):
            assert instance.get_materialized_partitions(dg.AssetKey(asset)) == set(YEARS), asset
        run = instance.get_runs(limit=1)[0]
        event = instance.get_latest_materialization_event(dg.AssetKey("out_inventory__yearly_facility"))
    assert (run.tags["dagster/asset_partition_range_start"], run.tags["dagster/asset_partition_range_end"]) == ("2021", "2023")
    metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    assert metadata["rows_in"] > 0 and metadata["rows_out"] > 0 and metadata["duration_s"] >= 0
    assert metadata["peak_rss_mb"] > 50  # the building process's peak so far
    assert metadata["gwp_set"] == "SAR" and metadata["factor_set"].startswith("cn_default@")
    hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for s in SOURCES if (first.inbox / s).is_dir()
              for p in (first.inbox / s).iterdir()}  # every watched folder, CEMS included
    assert metadata["input_files"] == len(hashes)
    assert metadata["inputs_sha256"] == hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()
    with duckdb.connect(str(first.warehouse), read_only=True) as con:
        years = con.execute("select list(distinct year order by year) from out_inventory__yearly_facility").fetchone()[0]
    assert years == [2021, 2022, 2023]


def _correct_one_2023_fuel_line(ws: Workspace) -> tuple[str, float]:
    """A resubmitted 2023 GHG fuel sheet with one enterprise's first coal line doubled; returns (uscc, new quantity)."""
    source = next((ws.inbox / "ghg").glob("2023年度温室气体排放报告*.xlsx"))
    sheet = openpyxl.load_workbook(source, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header, line = rows[0], next(r for r in rows[1:] if r[6] == "烟煤" and isinstance(r[7], (int, float)))
    changed = list(line)
    changed[7] = round(line[7] * 2, 2)
    book = openpyxl.Workbook()
    book.active.title = sheet.title
    book.active.append(header)
    book.active.append(changed)
    book.save(ws.inbox / "ghg" / "2023年度温室气体排放报告_更正_演示数据.xlsx")
    return str(line[1]), changed[7]


def _materialized(instance: dg.DagsterInstance, run_id: str) -> dict[str, set[str | None]]:
    out: dict[str, set[str | None]] = {}
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = record.dagster_event.event_specific_data.materialization
        out.setdefault(materialization.asset_key.to_user_string(), set()).add(materialization.partition)
    return out


def test_inbox_sensor_reruns_only_the_changed_source_and_year(tmp_path):
    ws = Workspace(tmp_path / "home")
    init_workspace(ws)
    generate(ws.inbox, ws.manifest, seed=12, n_sites=SITES)
    config = SynergyConfig(home=str(ws.home))
    defs = build_defs({"synergy": config})
    query = "select year, co2e_t from out_inventory__yearly_enterprise where uscc = ? order by year"
    with dg.instance_for_test() as instance:
        assert run_build(defs, instance, ws).success
        sensor = defs.resolve_sensor_def("inbox_sensor")

        def tick() -> dg.SensorResult | dg.SkipReason:
            with dg.build_sensor_context(instance=instance, definitions=defs, resources={"synergy": config}) as context:
                return sensor(context)

        assert isinstance(tick(), dg.SkipReason)
        uscc, _ = _correct_one_2023_fuel_line(ws)
        with duckdb.connect(str(ws.warehouse), read_only=True) as con:
            before = dict(con.execute(query, [uscc]).fetchall())

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
    assert {y: after[y] for y in (2021, 2022)} == {y: before[y] for y in (2021, 2022)}  # untouched years kept
    assert after[2023] > before[2023] * 1.2  # the doubled coal line reached the published inventory


def _warehouse_state(ws: Workspace) -> tuple[str, int]:
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        rows = con.execute("select count(*) from out_inventory__yearly_facility").fetchone()[0]
    return hashlib.sha256(ws.warehouse.read_bytes()).hexdigest(), rows


def test_a_killed_build_leaves_the_warehouse_and_the_next_build_recovers(pair):
    _, ws = pair
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

    output = _cli(ws.home, "build")  # no manual clean-up in between
    assert "succeeded" in output
    assert not stale.exists() and not list(ws.home.glob(".warehouse.duckdb.building-*"))
    assert _warehouse_state(ws)[1] == before[1]
    with _instance(ws) as instance:
        killed = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        assert len(killed) == 1
        failure = instance.all_logs(killed[0].run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    assert "died" in failure[-1].message
    assert "FAILURE" in _cli(ws.home, "status")


def test_a_failed_step_is_named_and_the_warehouse_stays(pair, tmp_path):
    from inventories.factor_library import DEFAULT_FACTOR_SET

    first, _ = pair
    before = _warehouse_state(first)
    broken = tmp_path / "factor_set"
    shutil.copytree(DEFAULT_FACTOR_SET, broken)
    factors = pl.read_csv(broken / "factors.csv", infer_schema=False)
    factors.with_columns(pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("3,5")).otherwise(pl.col("value"))
                         .alias("value")).write_csv(broken / "factors.csv")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SYNERGY_HOME", str(first.home))
        env.setenv("DAGSTER_HOME", str(first.dagster_home))
        result = CliRunner().invoke(app, ["build", "--factor-set", str(broken)])
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "core_inventory__factors" in output and "factors.csv" in output and "第5行" in output
    assert "left in place" in output
    assert _warehouse_state(first) == before
    assert "succeeded" in _cli(first.home, "build")


def test_readers_see_the_old_or_the_new_warehouse_never_an_error(pair, tmp_path):
    from pipelines.deliver.warehouse import publish_warehouse

    first, _ = pair
    with duckdb.connect(str(first.warehouse), read_only=True) as con:
        facility = con.sql("select * from out_inventory__yearly_facility").pl()
    target = tmp_path / "warehouse.duckdb"
    versions = [facility.filter(pl.col("year") == 2021), facility]
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
