"""Everything derived from the field and table registry: polars dtypes, pandera schemas, DuckDB DDL
with COMMENTs and the Markdown data dictionary. Nothing here is written by hand per table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from schemas.fields import Field
from schemas.tables import TABLES, Table

if TYPE_CHECKING:
    # imported where a schema is made: a process that only exports or queries (the exports step's helper, most CLI
    # commands) does not pay pandera's import, about a second
    import pandera.polars as pa

_POLARS = {
    "string": pl.String,
    "int": pl.Int64,
    "float": pl.Float64,
    "bool": pl.Boolean,
    "date": pl.Date,
    "datetime": pl.Datetime("us"),
}
_DUCKDB = {"string": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN", "date": "DATE",
           "datetime": "TIMESTAMP"}


def polars_schema(table: Table) -> dict[str, pl.DataType]:
    """Column -> polars dtype, in table order."""
    return {f.name: _POLARS[f.dtype] for f in table.fields}


def conform(frame: pl.DataFrame, table_name: str) -> pl.DataFrame:
    """Select and cast a frame to the published column order and types (fails on a missing column)."""
    schema = polars_schema(TABLES[table_name])
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def _checks(field: Field) -> list[pa.Check]:
    import pandera.polars as pa

    checks: list[pa.Check] = []
    if field.ge is not None:
        checks.append(pa.Check.ge(field.ge))
    if field.le is not None:
        checks.append(pa.Check.le(field.le))
    if field.isin is not None:
        checks.append(pa.Check.isin(list(field.isin)))
    if field.pattern is not None:
        checks.append(pa.Check.str_matches(field.pattern))
    return checks


def pandera_schema(table_name: str) -> pa.DataFrameSchema:
    """Value-checking pandera schema for a published table (validate collected DataFrames, lazy=True)."""
    import pandera.polars as pa

    table = TABLES[table_name]
    columns = {
        f.name: pa.Column(_POLARS[f.dtype], checks=_checks(f), nullable=f.nullable, coerce=False)
        for f in table.fields
    }
    unique = list(table.primary_key) or None
    return pa.DataFrameSchema(columns, name=table_name, strict=True, unique=unique)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def duckdb_ddl(table_name: str) -> list[str]:
    """CREATE TABLE plus COMMENT statements (zh | en | unit) for a published table."""
    table = TABLES[table_name]
    cols = ",\n  ".join(f'"{f.name}" {_DUCKDB[f.dtype]}' for f in table.fields)
    statements = [f'CREATE TABLE "{table.name}" (\n  {cols}\n)']
    statements.append(f'COMMENT ON TABLE "{table.name}" IS {_quote(f"{table.zh} | {table.en}")}')
    for f in table.fields:
        unit = f" [{f.unit}]" if f.unit else ""
        statements.append(
            f'COMMENT ON COLUMN "{table.name}"."{f.name}" IS {_quote(f"{f.zh}{unit} | {f.en}")}'
        )
    return statements


def data_dictionary_markdown() -> str:
    """The data dictionary for README/docs: one section per published table."""
    lines = ["# Data dictionary (generated from `schemas/`; do not edit by hand)", ""]
    for table in TABLES.values():
        lines += [f"## `{table.name}` — {table.zh}", "", table.en, ""]
        if table.primary_key:
            lines += [f"Key: {', '.join(f'`{k}`' for k in table.primary_key)}", ""]
        lines += ["| column | type | unit | 中文 | description |", "|---|---|---|---|---|"]
        for f in table.fields:
            lines.append(f"| `{f.name}` | {f.dtype} | {f.unit or ''} | {f.zh} | {f.en} |")
        lines.append("")
    return "\n".join(lines)
