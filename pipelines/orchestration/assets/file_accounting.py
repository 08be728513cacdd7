"""Data-quality tables shared by every source: the file manifest with row accounting, quarantine, history."""


import polars as pl

from pipelines.orchestration.assets.sources import qa_inputs, union
from pipelines.orchestration.step_checks import checked_asset


@checked_asset(group_name="core_qa", kinds={"polars"}, ins=qa_inputs("rejected_rows"))
def core_qa__rejected_rows(**rejected: pl.DataFrame) -> pl.DataFrame:
    """Every rejected row of every source, with raw values and reasons (zh + en)."""
    return union(rejected, "core_qa__rejected_rows").sort("source_file", "sheet_name", "row_number", nulls_last=True)


@checked_asset(group_name="core_qa", kinds={"polars"}, ins=qa_inputs("superseded_rows"))
def core_qa__superseded_rows(**superseded: pl.DataFrame) -> pl.DataFrame:
    """Rows a later re-submission replaced, typed, with the file that replaced them."""
    return union(superseded, "core_qa__superseded_rows").sort("target_table", "source_file", "row_number")


@checked_asset(group_name="core_qa", kinds={"polars"}, ins=qa_inputs("file_counts"))
def core_qa__file_manifest(**file_counts: pl.DataFrame) -> pl.DataFrame:
    """One row per inbox file: status, sheets read, rows read = rows accepted + rows rejected."""
    return union(file_counts, "core_qa__file_manifest").sort("source_system", "source_file")
