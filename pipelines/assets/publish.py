"""The one step that writes warehouse.duckdb (atomic swap; see pipelines.warehouse)."""


import dagster as dg
import polars as pl

from pipelines.docs import data_dictionary
from pipelines.resources import SynergyConfig
from pipelines.warehouse import publish_warehouse
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
