"""Corrected re-submissions: for the same enterprise or permit and period, the file dropped last wins.

Rows of earlier files for that key leave the core table (so nothing is counted twice) and are kept,
typed, in core_qa__superseded_rows with the file that replaced them: the history stays queryable.
"""

from __future__ import annotations

import polars as pl

from schemas.generate import conform
from schemas.tables import SUBMISSION_KEYS

PROVENANCE = ["source_file", "sheet_name", "row_number", "file_sha256"]


def supersede(core: pl.DataFrame, table: str, file_order: dict[str, int], source_system: str,
              ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(current rows, superseded rows) of one core table; `file_order` ranks file_sha256 by drop time."""
    key = list(SUBMISSION_KEYS[table])
    ranked = core.with_columns(
        pl.col("file_sha256").replace_strict(file_order, default=-1, return_dtype=pl.Int64).alias("_order"))
    latest = (ranked.drop_nulls(key).group_by(key)
              .agg(pl.col("_order").max().alias("_latest"),
                   pl.col("source_file").sort_by("_order").last().alias("superseded_by_file")))
    joined = ranked.join(latest, on=key, how="left", nulls_equal=False)
    is_old = pl.col("_latest").is_not_null() & (pl.col("_order") < pl.col("_latest"))
    current = joined.filter(~is_old).drop("_order", "_latest", "superseded_by_file")
    old = joined.filter(is_old)
    superseded = old.select(
        pl.lit(source_system).alias("source_system"), pl.lit(table).alias("target_table"),
        pl.concat_str([pl.format("{}={}", pl.lit(k), pl.col(k).cast(pl.String)) for k in key], separator=";")
        .alias("submission_key"),
        *PROVENANCE, "superseded_by_file",
        pl.struct(pl.exclude([*PROVENANCE, "_order", "_latest", "superseded_by_file"])).struct.json_encode()
        .alias("record_json"),
    )
    return current, conform(superseded, "core_qa__superseded_rows")
