"""Publish: build a new warehouse.duckdb beside the old one and swap it in atomically.

Only this step writes the analysts' database. Readers holding the old file keep reading it; new
connections see the new one; a failure before the rename leaves the last good warehouse untouched.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
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


def publish_warehouse(tables: Mapping[str, pl.DataFrame], target: Path,
                      versions: Mapping[str, str] | None = None) -> dict[str, int]:
    """Write every table with DDL and COMMENTs into a fresh file, then rename it over `target`; rows per table.

    `versions`, if given, holds per table a string that changes whenever what would be published does (its data, or
    the code that conforms, checks and declares it): a table whose version is the one the last publish recorded is
    copied from the current warehouse instead of being read, checked and written again (an incremental build
    changes a few tables of some fifty). Without versions, or when the record does not describe the file at `target`
    (missing, replaced, modified or unreadable since), every table is written.
    Under the publish lock; a half-built file a killed publisher left behind is removed first.
    """
    with publish_lock(target):
        for stale in target.parent.glob(f".{target.name}.building-*"):
            stale.unlink(missing_ok=True)
        return _build_and_swap(tables, target, versions)


def _record_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.versions.json")


def _file_stamp(target: Path) -> list[int]:
    """Size and modification time: a copy of the workspace that keeps times (cp -p, shutil.copytree) stays valid."""
    stat = target.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _recorded_versions(target: Path) -> dict[str, str]:
    """The table versions the last publish recorded, if its record still describes the file at target (else none)."""
    try:
        record = json.loads(_record_path(target).read_text(encoding="utf-8"))
        return dict(record["tables"]) if record["warehouse"] == _file_stamp(target) else {}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _build_and_swap(tables: Mapping[str, pl.DataFrame], target: Path, versions: Mapping[str, str] | None) -> dict[str, int]:
    tmp = target.with_name(f".{target.name}.building-{os.getpid()}")
    recorded = _recorded_versions(target) if versions else {}
    kept = {name for name in tables if versions and name in recorded and recorded[name] == versions[name]}
    _record_path(target).unlink(missing_ok=True)  # from here on the record may no longer describe the file
    try:
        if kept:
            shutil.copyfile(target, tmp)
        try:
            counts = _write(tmp, tables, kept, set(recorded) - set(tables))
        except duckdb.Error:
            if not kept:
                raise
            _remove(tmp)  # the copy cannot be opened or lacks a table: the last warehouse is damaged, write all
            counts = _write(tmp, tables, set(), set())
        os.replace(tmp, target)
    finally:
        _remove(tmp)
    if versions:
        record = {"warehouse": _file_stamp(target), "tables": {name: versions[name] for name in tables}}
        _record_path(target).write_text(json.dumps(record, sort_keys=True, indent=1), encoding="utf-8")
    return counts


def _write(tmp: Path, tables: Mapping[str, pl.DataFrame], kept: set[str], dropped: set[str]) -> dict[str, int]:
    """Into the file at tmp (a copy of the last warehouse, or new): every table but those kept written anew, the
    tables no longer published dropped; rows per table."""
    counts: dict[str, int] = {}
    # a bounded buffer pool: DuckDB writes the new file's blocks out instead of holding the warehouse in memory
    with duckdb.connect(str(tmp), config={"memory_limit": PUBLISH_MEMORY_LIMIT}) as con:
        for name in sorted(dropped):
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
        for name in sorted(tables):
            if name in kept:
                counts[name] = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                continue
            frame = canonical_order(conform(tables[name], name), name)
            pandera_schema(name).validate(frame, lazy=True)  # never publish what breaks the contract
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
            for statement in duckdb_ddl(name):
                con.execute(statement)
            con.register("_frame", frame)
            con.execute(f'INSERT INTO "{name}" SELECT * FROM _frame')
            con.unregister("_frame")
            counts[name] = frame.height
        con.execute("CHECKPOINT")
    return counts


def _remove(tmp: Path) -> None:
    tmp.unlink(missing_ok=True)
    Path(f"{tmp}.wal").unlink(missing_ok=True)


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
