"""Rejected rows: one shape for every source, and the pandera split of a typed frame.

pandera runs on collected DataFrames (LazyFrames would only check the schema, stack-notes §2), and
rows failing a value check move to quarantine with the check named, instead of failing the build.
A rejection names the column by the header the file writes (`消耗量(万吨)`), which is what the user can find
in the file; the English text adds the internal column (`fuel_quantity`) for whoever reads the code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl
from pandera.errors import SchemaErrors

from pipelines.read.layouts import SOURCE_HEADERS
from schemas.generate import conform, pandera_schema
from schemas.tables import TABLES

REJECTED = "core_qa__rejected_rows"
PROVENANCE = ["source_file", "sheet_name", "row_number", "file_sha256"]


@dataclass(frozen=True)
class ColumnLabel:
    """How a rejection names one raw column: `name` for column_name, `zh`/`en` to open each reason."""

    name: str
    zh: str
    en: str

    def reasons(self, zh: str, en: str) -> tuple[str, str]:
        return f"{self.zh}：{zh}", f"{self.en}: {en}"


def column_label(raw: Mapping[str, object], column: str) -> ColumnLabel:
    """The raw column named by its header as written in the file; a column the file lacks by its official header
    (saying where a value from the title or file name came from); a row read without headers by the column itself."""
    headers = json.loads(str(raw.get(SOURCE_HEADERS) or "{}"))
    if written := headers.get("found", {}).get(column):
        return ColumnLabel(written, f"“{written}”列", f"column {written!r} ({column})")
    official = headers.get("absent", {}).get(column)
    if official is None:
        return ColumnLabel(column, f"“{column}”列", f"column {column!r}")
    if f"{column}_from_context" not in raw:
        return ColumnLabel(official, f"“{official}”列(文件中没有此列)", f"column {official!r} ({column}; not in the file)")
    if raw.get(f"{column}_from_context") is None:
        return ColumnLabel(official, f"“{official}”列(文件中没有此列，标题行、工作表名和文件名中也没有)",
                           f"column {official!r} ({column}; not in the file, nor in its title rows, sheet name or "
                           "file name)")
    return ColumnLabel(official, f"“{official}”列(文件中没有此列，取自标题行、工作表名或文件名)",
                       f"column {official!r} ({column}; not in the file: taken from its title rows, sheet name or "
                       "file name)")


def raw_record(raw: Mapping[str, object]) -> str:
    """The row's written cells as JSON (provenance and the sheet's header map left out: they repeat on every row)."""
    return json.dumps({k: v for k, v in raw.items() if k not in (*PROVENANCE, SOURCE_HEADERS) and v is not None},
                      ensure_ascii=False, sort_keys=True)


def rejected_frame(rows: list[dict], source_system: str, target_table: str) -> pl.DataFrame:
    """Rejected-row dicts (provenance, column_name, raw_value, reasons, raw_record) as the QA table."""
    if not rows:
        return conform(pl.DataFrame(schema={c: pl.String for c in TABLES[REJECTED].columns}), REJECTED)
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.lit(source_system).alias("source_system"), pl.lit(target_table).alias("target_table"))
    return conform(frame, REJECTED)


def split_by_schema(typed: pl.DataFrame, table_name: str, raw: pl.DataFrame, blame: Mapping[str, str] | None = None,
                    ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows passing the generated pandera schema, rejected rows for those failing a value check).

    `blame`: typed field -> the raw column it was read from, so the rejection names the file's header."""
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
    rows = []
    for r in bad.iter_rows(named=True):
        written = r["_raw"] or {}
        label = column_label(written, (blame or {}).get(r["column_name"], r["column_name"]))
        zh, en = label.reasons(f"未通过数据校验：{r['checks']}", f"failed validation: {r['checks']}")
        rows.append({**{k: r[k] for k in PROVENANCE}, "column_name": label.name, "raw_value": str(r["raw_value"]),
                     "reason_zh": zh, "reason_en": en, "raw_record": raw_record(written)})
    good = indexed.join(reasons, left_on="_i", right_on="index", how="anti").drop("_i")
    return good, rejected_frame(rows, source_system, table_name)
