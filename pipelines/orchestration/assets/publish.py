"""The one step that writes warehouse.duckdb (atomic swap; see pipelines.deliver.warehouse)."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import dagster as dg

from pipelines.deliver.docs import data_dictionary
from pipelines.deliver.warehouse import publish_warehouse, warehouse_years
from pipelines.orchestration.io_manager import StoredTables
from pipelines.orchestration.jobs import MEMORY_HEAVY, WAREHOUSE_PUBLISH
from pipelines.orchestration.partitions import run_years
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.run_metadata import asset_metadata
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
    step's memory is that of the largest table (the CEMS gaps at scale), not of the whole warehouse.
    """
    ws = synergy.workspace
    counts = publish_warehouse(StoredTables(ws.parquet, PUBLISHED), ws.warehouse)
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
    # workbooks are written cell by cell in Python: a second process writes other years' exports and the register
    # meanwhile (all only read the warehouse); "spawn", because forking a process that runs DuckDB and polars threads
    # can hang
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as helper:
        register = helper.submit(refresh_register, ws.warehouse, ws.exports / "register") if years else None
        later = [helper.submit(export_year, ws.warehouse, ws.exports / str(year), year) for year in years[1:]]
        manifests = [str(export_year(ws.warehouse, ws.exports / str(years[0]), years[0]))] if years else []
        reports = [str(build_report(ws.warehouse, ws.reports / str(year), year)) for year in years]
        manifests += [str(done.result()) for done in later]
        register_files = [str(path) for path in register.result()] if register else []
    context.add_output_metadata({**asset_metadata(context, len(manifests) + len(reports) + len(register_files),
                                                  ws.parquet),
                                 "years": ", ".join(map(str, years)), "export_manifests": "\n".join(manifests),
                                 "reports": "\n".join(reports), "register_files": "\n".join(register_files)})
