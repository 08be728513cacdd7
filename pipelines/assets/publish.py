"""The one step that writes warehouse.duckdb (atomic swap; see pipelines.warehouse)."""


import dagster as dg
import polars as pl

from pipelines.docs import data_dictionary
from pipelines.resources import SynergyConfig
from pipelines.warehouse import publish_warehouse, warehouse_years
from schemas.tables import TABLES

PUBLISHED = tuple(TABLES)


@dg.asset(
    group_name="publish",
    kinds={"duckdb"},
    ins={name: dg.AssetIn() for name in PUBLISHED},
    tags={"synergy/publishes-warehouse": "true"},
)
def out_publish__warehouse(context: dg.AssetExecutionContext, synergy: SynergyConfig, **tables: pl.DataFrame) -> None:
    """Build warehouse.duckdb from every published table, with COMMENTs, and swap it in."""
    counts = publish_warehouse(tables, synergy.workspace.warehouse)
    (synergy.workspace.home / "data_dictionary.md").write_text(data_dictionary(), encoding="utf-8")
    context.add_output_metadata({"path": str(synergy.workspace.warehouse), **{k: v for k, v in counts.items()}})


@dg.asset(group_name="publish", kinds={"csv", "parquet", "html"}, deps=[out_publish__warehouse])
def out_publish__exports_and_reports(context: dg.AssetExecutionContext, synergy: SynergyConfig) -> None:
    """exports/<year>/ (CSV, XLSX, Parquet, manifest) and reports/<year>/ (HTML) from the warehouse just published.

    Written after every build, so the files the bureau hands on never lag the warehouse; the build's years, else all.
    """
    from pipelines.inventory_export import export_year
    from pipelines.report import build_report  # matplotlib: imported by this step only, not by every CLI call

    ws = synergy.workspace
    years = synergy.years or warehouse_years(ws.warehouse)
    manifests, reports = [], []
    for year in years:
        manifests.append(str(export_year(ws.warehouse, ws.exports / str(year), year)))
        reports.append(str(build_report(ws.warehouse, ws.reports / str(year), year)))
    context.add_output_metadata({"years": ", ".join(map(str, years)), "export_manifests": "\n".join(manifests),
                                 "reports": "\n".join(reports)})
