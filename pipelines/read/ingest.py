"""One file through extract and transform without Dagster: what `synergy ingest` copies (and refuses up front), source
detection, and the path tests use to check a reader on a hand-written file (the assets run the same functions)."""

from __future__ import annotations

import os
import shutil
import stat
from collections import Counter
from pathlib import Path

import polars as pl

from pipelines.read.files import CHUNK, open_regular, sha256_of
from pipelines.read.inbox import SUPPORTED, inbox_entries, skip_reason, type_refusal
from pipelines.read.layouts import FileRead, raw_frame, read_layout_file
from pipelines.read.limits import DEFAULT_LIMITS, FileRefused, ReadLimits
from pipelines.read.transforms import TRANSFORMS
from schemas.layouts import LAYOUTS, layouts_of


def ingest_plan(paths: list[Path]) -> list[tuple[Path, FileRefused | None]]:
    """Every file named (folders walked, never through a symlink), each with why it is refused up front, if it is:
    what the build would skip (hidden names, Office lock files, symlinks, not a regular file) or not read (types
    other than CSV/XLSX/XLSM). A symlink is never copied, so nothing outside the workspace comes in through one."""
    plan: list[tuple[Path, FileRefused | None]] = []
    for path in paths:
        try:
            mode = path.lstat().st_mode
        except OSError as err:
            plan.append((path, FileRefused("unreadable", f"无法读取：{err.strerror}", f"cannot read: {err.strerror}")))
            continue
        refusal = skip_reason(path, mode)
        if refusal is None and stat.S_ISDIR(mode):
            plan += sorted(((e.path, e.skip or type_refusal(e.path, SUPPORTED)) for e in inbox_entries(path)),
                           key=lambda item: item[0])
        else:
            plan.append((path, refusal or type_refusal(path, SUPPORTED)))
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


def detect_source(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> str | None:
    """The source system of the layouts that best match this file's sheets (most matched headers), or None."""
    read = read_layout_file(path, path.name, "0" * 64, list(LAYOUTS.values()), limits)
    sources = Counter(LAYOUTS[table].source_system for table in read.tables)
    return sources.most_common(1)[0][0] if sources else None


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
