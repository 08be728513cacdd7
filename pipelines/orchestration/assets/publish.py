"""The one step that writes warehouse.duckdb (atomic swap; see pipelines.deliver.warehouse)."""

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import dagster as dg

from pipelines.deliver.docs import data_dictionary
from pipelines.deliver.warehouse import publish_warehouse, warehouse_years
from pipelines.orchestration.io_manager import StoredTables, stored_version
from pipelines.orchestration.jobs import MEMORY_HEAVY, WAREHOUSE_PUBLISH
from pipelines.orchestration.partitions import run_years
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.run_metadata import asset_metadata, code_version
from schemas.tables import TABLES

PUBLISHED = tuple(TABLES)


@dg.asset(
    group_name="publish",
    kinds={"duckdb"},
    deps=list(PUBLISHED),
    pool=WAREHOUSE_PUBLISH,
)
def out_publish__warehouse(context: dg.AssetExecutionContext, synergy: SynergyConfig) -> None:
    """Build warehouse.duckdb from every published table (every stored year), with COMMENTs, and swap it in.

    The tables are read from their Parquet one at a time as they are written, not loaded all at once as inputs: the
    step's memory is that of the largest table (the CEMS gaps at scale), not of the whole warehouse. A table whose
    Parquet files hold the same bytes as at the last publish (and with the same code) is copied from the last
    warehouse instead (publish_warehouse's versions): an incremental build rewrites only the tables it changed.
    """
    ws = synergy.workspace
    code = code_version()  # a table's definition, conforming and checks are code: a new version rewrites every table
    versions = {name: f"{code} {stored_version(ws.parquet, name)}" for name in PUBLISHED}
    counts = publish_warehouse(StoredTables(ws.parquet, PUBLISHED), ws.warehouse, versions)
    (ws.home / "data_dictionary.md").write_text(data_dictionary(), encoding="utf-8")
    context.add_output_metadata({**asset_metadata(context, sum(counts.values()), ws.parquet),
                                 "path": str(ws.warehouse), **counts})


@dg.asset(group_name="publish", kinds={"csv", "parquet", "html"}, deps=[out_publish__warehouse], pool=MEMORY_HEAVY)
def out_publish__exports_and_reports(context: dg.AssetExecutionContext, synergy: SynergyConfig) -> None:
    """exports/<year>/ (CSV, XLSX, Parquet, manifest), reports/<year>/ (HTML) and exports/register/ (the key-emitter
    register and its follow-up list over every year, XLSX + CSV) from the warehouse just published.

    Written after every build (`synergy build`, `ingest`, the sensor's runs), so the files the bureau hands on never
    lag the warehouse: the years the run built, or every year for a run without years; the register always covers
    every year, since a year's data can change who is on it later (the lookback window, 新纳入).
    """
    from pipelines.deliver.inventory_export import export_year
    from pipelines.deliver.register_export import refresh_register
    from pipelines.deliver.report import build_report  # matplotlib: imported by this step only, not by every CLI call

    ws = synergy.workspace
    years = run_years(context) or warehouse_years(ws.warehouse)
    # the helper takes the exports from the front: it then never imports matplotlib, which this process has loaded
    jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
        (export_year, (ws.warehouse, ws.exports / str(year), year)) for year in years]
    jobs += [(refresh_register, (ws.warehouse, ws.exports / "register"))]
    jobs += [(build_report, (ws.warehouse, ws.reports / str(year), year)) for year in years]
    done = shared(jobs) if years else []
    manifests = [str(path) for path in done[:len(years)]]
    register_files = [str(path) for path in done[len(years)]] if done else []
    reports = [str(path) for path in done[len(years) + 1:]]
    context.add_output_metadata({**asset_metadata(context, len(manifests) + len(reports) + len(register_files),
                                                  ws.parquet),
                                 "years": ", ".join(map(str, years)), "export_manifests": "\n".join(manifests),
                                 "reports": "\n".join(reports), "register_files": "\n".join(register_files)})


def shared(jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> list[Any]:
    """Every job's result, in order, the jobs shared between this process and one helper process.

    Charts are drawn in Python, one core each: the helper takes jobs from the front of the list, this process from
    the back, until they meet (a job the helper has not started is cancelled there and run here), so one year's
    export and its report run side by side, and several years spread out by themselves. All jobs only read the
    warehouse. "spawn", because forking a process that runs DuckDB and polars threads can hang; a failing job stops
    the jobs not yet started. The helper imports only the modules of the jobs it runs and the program's __main__
    (the synergy CLI's; none for Dagster's run workers, `python -m dagster`, whose __main__ spawn never re-imports),
    so never Dagster: production code outside pipelines/orchestration/ does not import it (tests/unit/project/).
    """
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as helper:
        futures = [helper.submit(job, *args) for job, args in jobs]
        results: list[Any] = [None] * len(jobs)
        try:
            for index in reversed(range(len(jobs))):
                if not futures[index].cancel():  # the helper has it: it has every earlier one too
                    break
                job, args = jobs[index]
                results[index] = job(*args)
            return [result if future.cancelled() else future.result() for result, future in zip(results, futures, strict=True)]
        except BaseException:
            helper.shutdown(cancel_futures=True)
            raise
