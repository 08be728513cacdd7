"""Publish: build a new warehouse.duckdb beside the old one and swap it in atomically.

Only this step writes the analysts' database. Readers holding the old file keep reading it; new
connections see the new one; a failure before the rename leaves the last good warehouse untouched.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from schemas.generate import conform, duckdb_ddl, pandera_schema
from schemas.tables import TABLES

T = TypeVar("T")


def read_published(warehouse: Path, query: Callable[[duckdb.DuckDBPyConnection], T | None]) -> T | None:
    """query(con) on the published warehouse opened read-only; None when there is none or it cannot be read (the
    status command says why elsewhere), so a summary line never stops the command that shows it."""
    if not warehouse.exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return query(con)
    except duckdb.Error:
        return None


@contextmanager
def publish_lock(target: Path) -> Iterator[None]:
    """Hold the warehouse's publish lock: one publisher at a time, however the run was launched (CLI, UI, daemon).

    The run queue keeps two queued runs from publishing together; this lock also covers in-process CLI runs.
    The lock dies with its process, so a killed run never leaves the warehouse locked.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(f".{target.name}.lock"), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


PUBLISH_MEMORY_LIMIT = "1GB"


def publish_warehouse(tables: Mapping[str, pl.DataFrame], target: Path) -> dict[str, int]:
    """Write every table with DDL and COMMENTs into a fresh file, then rename it over `target`.

    Under the publish lock; a half-built file a killed publisher left behind is removed first.
    """
    with publish_lock(target):
        for stale in target.parent.glob(f".{target.name}.building-*"):
            stale.unlink(missing_ok=True)
        return _build_and_swap(tables, target)


def _build_and_swap(tables: Mapping[str, pl.DataFrame], target: Path) -> dict[str, int]:
    tmp = target.with_name(f".{target.name}.building-{os.getpid()}")
    counts: dict[str, int] = {}
    try:
        # a bounded buffer pool: DuckDB writes the new file's blocks out instead of holding the warehouse in memory
        with duckdb.connect(str(tmp), config={"memory_limit": PUBLISH_MEMORY_LIMIT}) as con:
            for name in sorted(tables):
                frame = canonical_order(conform(tables[name], name), name)
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


def canonical_order(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """Rows sorted by the table's key (all plain columns for a table without one): the same inputs give the same
    table byte for byte, whatever order the steps produced the rows in."""
    key = list(TABLES[name].primary_key) or [c for c, t in frame.schema.items() if not t.is_nested()]
    return frame.sort(key, nulls_last=True, maintain_order=True)


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
