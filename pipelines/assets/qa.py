"""Data-quality tables shared by every source: the file log with row accounting, and quarantine."""


import dagster as dg
import polars as pl

from schemas.generate import conform


@dg.asset(group_name="core_qa", kinds={"polars"})
def core_qa__rejected_rows(_core_ghg__rejected_rows: pl.DataFrame) -> pl.DataFrame:
    """Every rejected row of every source, with raw values and reasons (zh + en)."""
    return conform(_core_ghg__rejected_rows, "core_qa__rejected_rows").sort(
        "source_file", "sheet_name", "row_number", nulls_last=True)


@dg.asset(group_name="core_qa", kinds={"polars"})
def core_qa__ingested_files(raw_ghg__files: pl.DataFrame, raw_ghg__fuel_lines: pl.DataFrame,
                            core_ghg__fuel_lines: pl.DataFrame, core_qa__rejected_rows: pl.DataFrame) -> pl.DataFrame:
    """One row per inbox file: status and rows read = rows accepted + rows rejected."""

    def per_file(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        return frame.group_by("source_file").agg(pl.len().cast(pl.Int64).alias(name))

    log = (
        raw_ghg__files.join(per_file(raw_ghg__fuel_lines, "rows_read"), on="source_file", how="left")
        .join(per_file(core_ghg__fuel_lines, "rows_accepted"), on="source_file", how="left")
        .join(per_file(core_qa__rejected_rows, "rows_rejected"), on="source_file", how="left")
        .with_columns(pl.col("rows_read", "rows_accepted", "rows_rejected").fill_null(0))
    )
    return conform(log, "core_qa__ingested_files").sort("source_system", "source_file")
