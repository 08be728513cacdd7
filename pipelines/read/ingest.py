"""One file through extract and transform without Dagster: what `synergy ingest` copies (and refuses up front), source
detection, and the path tests use to check a reader on a hand-written file (the assets run the same functions)."""

from __future__ import annotations

import csv
import os
import shutil
import stat
from collections import Counter
from pathlib import Path

import polars as pl

from inventories.cems.codes import CODE_HEADERS, MN_HEADERS, TIME_HEADERS
from pipelines.read.cems.outlets import is_outlet_map, map_headers
from pipelines.read.cems.reader import WIDE_COLUMN, header_key
from pipelines.read.cems.store import SUPPORTED as CEMS_SUPPORTED
from pipelines.read.files import CHUNK, ENCODINGS, open_regular, sha256_of
from pipelines.read.inbox import SUPPORTED, inbox_entries, skip_reason, type_refusal
from pipelines.read.layouts import FileRead, raw_frame, read_layout_file
from pipelines.read.limits import DEFAULT_LIMITS, FileRefused, ReadLimits
from pipelines.read.transforms import TRANSFORMS
from schemas.layouts import LAYOUTS, layouts_of

ANY_SUPPORTED = tuple(dict.fromkeys(SUPPORTED + CEMS_SUPPORTED))  # what some source reads: CEMS adds Parquet
HEADER_BYTES = 1 << 16  # a CSV header row is read from this much of the file, never the whole export


def accepted_types(source: str) -> tuple[str, ...]:
    """The file types the readers of a source take."""
    return CEMS_SUPPORTED if source == "cems" else SUPPORTED


def ingest_plan(paths: list[Path]) -> list[tuple[Path, FileRefused | None]]:
    """Every file named (folders walked, never through a symlink), each with why it is refused up front, if it is:
    what the build would skip (hidden names, Office lock files, symlinks, not a regular file) or not read (types
    other than CSV/XLSX/XLSM, and Parquet for CEMS). A symlink is never copied, so nothing outside the workspace comes in
    through one."""
    plan: list[tuple[Path, FileRefused | None]] = []
    for path in paths:
        try:
            mode = path.lstat().st_mode
        except OSError as err:
            plan.append((path, FileRefused("unreadable", f"无法读取：{err.strerror}", f"cannot read: {err.strerror}")))
            continue
        refusal = skip_reason(path, mode)
        if refusal is None and stat.S_ISDIR(mode):
            plan += sorted(((e.path, e.skip or type_refusal(e.path, ANY_SUPPORTED)) for e in inbox_entries(path)),
                           key=lambda item: item[0])
        else:
            plan.append((path, refusal or type_refusal(path, ANY_SUPPORTED)))
    return plan


def copy_into_inbox(path: Path, target: Path) -> None:
    """Copy a regular file to its inbox name, never through a symlink at either end: read without following one,
    written aside under a hidden name and renamed over the target (a symlink there is replaced, not written through).
    The copy gets a fresh modification time, so a re-submission copied now is the latest."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.tmp{os.getpid()}")
    try:
        with open_regular(path) as source, partial.open("xb") as copy:
            shutil.copyfileobj(source, copy, CHUNK)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def header_row(path: Path) -> list[str]:
    """The first row of a file; of a CSV read alone, as UTF-8 or GB18030 (an hourly export holds millions of rows)."""
    if path.suffix.lower() != ".csv":
        return map_headers(path)  # a Parquet schema, or the first sheet of a (small) XLSX outlet map
    with open_regular(path) as handle:
        line = handle.read(HEADER_BYTES).split(b"\n", 1)[0]  # 0x0A is never part of a GB18030 character
    for encoding in ENCODINGS:
        try:
            return next(csv.reader([line.decode(encoding).rstrip("\r")]), [])
        except UnicodeDecodeError:
            continue
    return []


def is_cems(headers: list[str]) -> bool:
    """An HJ 212 hourly export (MN, time and pollutant columns, wide `a21026-Avg` or long with a factor-code column)
    or an outlet map, by the header names pipelines/read/cems reads them by."""
    keys = {header_key(h) for h in headers if h}
    hourly = bool(keys & set(MN_HEADERS)) and bool(keys & set(TIME_HEADERS)) and (
        bool(keys & set(CODE_HEADERS)) or any(WIDE_COLUMN.match(k) for k in keys))
    return hourly or is_outlet_map(headers)


def detect_source(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> str | None:
    """The source system of a file: CEMS from its header row (checked first for CSV and Parquet, which the row
    engine would read whole), else the system of the layouts that best match its sheets (most matched headers), or
    None."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet") and is_cems(header_row(path)):
        return "cems"
    if suffix not in SUPPORTED:
        return None
    read = read_layout_file(path, path.name, "0" * 64, list(LAYOUTS.values()), limits)
    sources = Counter(LAYOUTS[table].source_system for table in read.tables)
    if sources:
        return sources.most_common(1)[0][0]
    return "cems" if suffix in CEMS_SUPPORTED and is_cems(header_row(path)) else None


def transform_file(path: Path, source: str, source_file: str | None = None,
                   ) -> tuple[FileRead, dict[str, pl.DataFrame], pl.DataFrame]:
    """(what was read, core table -> typed rows, rejected rows) of one file of one source system."""
    name = source_file or f"{source}/{path.name}"
    read = read_layout_file(path, name, sha256_of(path), layouts_of(source))
    core: dict[str, pl.DataFrame] = {}
    rejected = []
    for table, rows in read.tables.items():
        good, bad = TRANSFORMS[table].run(raw_frame(LAYOUTS[table], rows), source)
        core[TRANSFORMS[table].core_table] = good
        rejected.append(bad)
    return read, core, (pl.concat(rejected, how="vertical") if rejected else pl.DataFrame())
