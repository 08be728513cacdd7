"""`synergy build` is incremental (issue 27): one new GHG file re-runs its source and its year only, and the warehouse
it publishes is the one a full build of the same inbox publishes, table by table.

One small world (`synergy synth --sites 60`), three builds: the first (full), the incremental one after a resubmitted
2023 report, and a full build of the resulting inbox in a fresh workspace to compare with.
"""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from worlds import run_cli

from pipelines.workspace import Workspace
from synth.bench import resubmitted_report

pytestmark = pytest.mark.slow

OTHER_SOURCES = tuple(f"{layer}_{s}" for s in ("permit", "envstat", "city", "register", "cems") for layer in ("raw", "core"))


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> dict[str, list[str]]:
    rows = con.execute("select table_name, column_name from duckdb_columns() where database_name = ? "
                       "order by table_name, column_index", [db]).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def warehouse_differences(first: Path, second: Path) -> list[str]:
    """Tables, columns, row counts and per-column order-free fingerprints that differ between two warehouses."""
    con = duckdb.connect()
    con.execute(f"attach '{first}' as a (read_only)")
    con.execute(f"attach '{second}' as b (read_only)")
    a, b = _tables(con, "a"), _tables(con, "b")
    differences = [f"only in one: {sorted(set(a) ^ set(b))}"] if set(a) != set(b) else []
    for table in sorted(set(a) & set(b)):
        if a[table] != b[table]:
            differences.append(f"{table}: columns {set(a[table]) ^ set(b[table])}")
            continue
        sums = ", ".join(f'count(*), sum(hash("{c}")::hugeint)' for c in a[table])
        left, right = (con.execute(f'select {sums} from {db}."{table}"').fetchone() for db in ("a", "b"))
        moved = [c for i, c in enumerate(a[table]) if left[2 * i:2 * i + 2] != right[2 * i:2 * i + 2]]
        if moved:
            differences.append(f"{table}: {left[0]} vs {right[0]} rows, columns differ: {moved}")
    con.close()
    return differences


def _last_runs(ws: Workspace, count: int) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(ws.dagster_home)) as instance:
        return list(instance.get_runs(limit=count))


def _steps_and_partitions(ws: Workspace, run_id: str) -> tuple[set[str], dict[str, set[str | None]]]:
    with dg.DagsterInstance.from_config(str(ws.dagster_home)) as instance:
        steps = {s.step_key for s in instance.get_run_step_stats(run_id)}
        partitions: dict[str, set[str | None]] = {}
        for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
            materialization = record.dagster_event.event_specific_data.materialization
            partitions.setdefault(materialization.asset_key.to_user_string(), set()).add(materialization.partition)
    return steps, partitions


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_one_new_file_reruns_its_source_and_year_and_publishes_what_a_full_build_publishes(tmp_path):
    ws = Workspace(tmp_path / "home")
    run_cli(ws.home, "synth", "--sites", "60", "--seed", "3")
    assert "全部重建 full build" in run_cli(ws.home, "build")
    untouched = {y: _mtimes(ws.exports / y) | _mtimes(ws.reports / y) for y in ("2021", "2022")}
    uscc, before, after = resubmitted_report(ws.inbox)

    output = run_cli(ws.home, "build")
    assert "增量构建 incremental build: 来源 sources ghg; 年度 years 2023" in output
    assert "ghg/2023年度温室气体排放报告_更正_演示数据.xlsx" in output
    (run, first) = _last_runs(ws, 2)
    assert (run.tags["synergy/plan"], first.tags["synergy/plan"]) == ("incremental", "full")  # no follow-up run
    steps, partitions = _steps_and_partitions(ws, run.run_id)
    assert {"raw_ghg", "core_ghg", "core_entity", "out_crosscheck", "out_publish__warehouse",
            "out_publish__exports_and_reports"} <= steps
    assert not [s for s in steps if s.startswith(OTHER_SOURCES)]  # the other sources were not re-read
    yearly = {k: v for k, v in partitions.items() if v != {None}}
    assert "out_inventory__yearly_facility" in yearly and set().union(*yearly.values()) == {"2023"}
    assert {y: _mtimes(ws.exports / y) | _mtimes(ws.reports / y) for y in untouched} == untouched
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        quantities = con.execute("select fuel_consumed_units from core_inventory__ghg_fuel_line_co2 where uscc = ? "
                                 "and year = 2023", [uscc]).fetchall()
    assert quantities == [(after,)] and after == pytest.approx(2 * before)  # the resubmission is what counts

    assert f"nothing changed since run {run.run_id}" in run_cli(ws.home, "build")
    assert _last_runs(ws, 1)[0].run_id == run.run_id  # and nothing ran

    full = Workspace(tmp_path / "full")
    full.home.mkdir()
    shutil.copytree(ws.inbox, full.inbox)  # copy2: the same bytes and modification times
    run_cli(full.home, "build")
    assert warehouse_differences(ws.warehouse, full.warehouse) == []
