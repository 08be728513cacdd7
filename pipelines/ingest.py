"""One file through extract and transform without Dagster: source detection for `synergy ingest`, and
the path tests use to check a reader on a hand-written file (the assets run the same functions)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl

from pipelines.extract.files import sha256_of
from pipelines.extract.layouts import FileRead, raw_frame, read_layout_file
from pipelines.transform.registry import TRANSFORMS
from schemas.layouts import LAYOUTS, layouts_of


def detect_source(path: Path) -> str | None:
    """The source system of the layouts that best match this file's sheets (most matched headers), or None."""
    read = read_layout_file(path, path.name, "0" * 64, list(LAYOUTS.values()))
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
