"""Rejected rows: one shape for every source, and the pandera split of a typed frame.

pandera runs on collected DataFrames (LazyFrames would only check the schema, stack-notes §2), and
rows failing a value check move to quarantine with the check named, instead of failing the build.
"""

from __future__ import annotations

import json

import polars as pl
from pandera.errors import SchemaErrors

from schemas.generate import conform, pandera_schema
from schemas.tables import TABLES

REJECTED = "core_qa__rejected_rows"
PROVENANCE = ["source_file", "sheet_name", "row_number", "file_sha256"]


def rejected_frame(rows: list[dict], source_system: str, target_table: str) -> pl.DataFrame:
    """Rejected-row dicts (provenance, column_name, raw_value, reasons, raw_record) as the QA table."""
    if not rows:
        return conform(pl.DataFrame(schema={c: pl.String for c in TABLES[REJECTED].columns}), REJECTED)
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.lit(source_system).alias("source_system"), pl.lit(target_table).alias("target_table"))
    return conform(frame, REJECTED)


def split_by_schema(typed: pl.DataFrame, table_name: str, raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows passing the generated pandera schema, rejected rows for those failing a value check)."""
    source_system = table_name.split("_")[1] if table_name.startswith("core_") else "qa"
    try:
        pandera_schema(table_name).validate(typed, lazy=True)
        return typed, rejected_frame([], source_system, table_name)
    except SchemaErrors as err:
        cases = err.failure_cases
        if cases["index"].null_count():
            raise  # a schema-level failure (dtype, missing column) is a bug, not bad data
        reasons = cases.group_by("index").agg(
            pl.col("column").first().alias("column_name"),
            pl.col("failure_case").first().alias("raw_value"),
            pl.format("{}: {}", "column", "check").str.join("; ").alias("checks"),
        )
    indexed = typed.with_row_index("_i").with_columns(pl.col("_i").cast(pl.Int64))
    reasons = reasons.with_columns(pl.col("index").cast(pl.Int64))
    bad = indexed.join(reasons, left_on="_i", right_on="index")
    raw_records = raw.select(*PROVENANCE, pl.struct(pl.exclude(PROVENANCE)).alias("_raw"))
    bad = bad.join(raw_records, on=PROVENANCE, how="left", nulls_equal=True)
    rows = [
        {**{k: r[k] for k in PROVENANCE}, "column_name": r["column_name"], "raw_value": str(r["raw_value"]),
         "reason_zh": f"未通过数据校验：{r['checks']}", "reason_en": f"failed validation: {r['checks']}",
         "raw_record": json.dumps(r["_raw"], ensure_ascii=False, sort_keys=True)}
        for r in bad.iter_rows(named=True)
    ]
    good = indexed.join(reasons, left_on="_i", right_on="index", how="anti").drop("_i")
    return good, rejected_frame(rows, source_system, table_name)
