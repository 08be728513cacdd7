"""Publish: build a new warehouse.duckdb beside the old one and swap it in atomically.

Only this step writes the analysts' database. Readers holding the old file keep reading it; new
connections see the new one; a failure before the rename leaves the last good warehouse untouched.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl

from schemas.generate import conform, duckdb_ddl, pandera_schema


def publish_warehouse(tables: dict[str, pl.DataFrame], target: Path) -> dict[str, int]:
    """Write every table with DDL and COMMENTs into a fresh file, then rename it over `target`."""
    tmp = target.with_name(f".{target.name}.building-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    try:
        with duckdb.connect(str(tmp)) as con:
            for name in sorted(tables):
                frame = conform(tables[name], name)
                pandera_schema(name).validate(frame, lazy=True)  # never publish what breaks the contract
                for statement in duckdb_ddl(name):
                    con.execute(statement)
                con.register("_frame", frame)
                con.execute(f'INSERT INTO "{name}" SELECT * FROM _frame')
                con.unregister("_frame")
                counts[name] = frame.height
            con.execute("CHECKPOINT")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return counts


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """Columns a published table has (empty if absent): readers name what an older warehouse lacks."""
    return {c for (c,) in con.execute("select column_name from information_schema.columns where table_name = ?",
                                      [table]).fetchall()}


def warehouse_years(target: Path) -> list[int]:
    """The inventory years a published warehouse holds (none when it has no inventory yet)."""
    with duckdb.connect(str(target), read_only=True) as con:
        if not table_columns(con, "out_inventory__yearly_facility"):
            return []
        return [y for (y,) in con.execute("select distinct year from out_inventory__yearly_facility order by 1").fetchall()]
