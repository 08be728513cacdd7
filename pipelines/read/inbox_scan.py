"""What is in the inbox, what changed since the last ingest, and which data years the changed files carry.

Every source folder is watched, CEMS included: an hourly export's years come from its file name (reading a file of
millions of rows for its years would cost as much as ingesting it); a name without a year bears on every year.

The sensor, the schedules and `synergy build` share it. A file's SHA-256 and years are cached by path, size and
modification time (`dagster/inbox_index.json`), so a tick re-reads only files that changed. It lists exactly the files
the readers hash, of every type they accept (CEMS Parquet included); entries the build only logs (skipped, of a type
not read, unreadable) are neither new nor, once logged, removed, so they never start a run.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.read.cems.store import SUPPORTED as CEMS_SUPPORTED
from pipelines.read.files import read_xlsx_rows, sha256_of
from pipelines.read.inbox import SUPPORTED, inbox_files
from pipelines.read.layouts import SCAN_ROWS, detect_header, read_layout_file
from pipelines.read.limits import DEFAULT_LIMITS, ReadLimits, load_limits
from pipelines.workspace import Workspace
from schemas.layouts import layouts_of
from schemas.sources import INGESTED_SOURCES, SOURCE_SYSTEMS

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


@dataclass(frozen=True)
class InboxFile:
    source: str
    name: str  # inbox-relative, as the file log's source_file
    path: Path
    sha256: str
    years: tuple[int, ...] | None  # None: some table in it has no year (a permit list): it bears on every year


@dataclass
class SourceChanges:
    """A source's files added or changed since its last ingest, and files ingested then but gone now."""

    new: list[InboxFile] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def years(self) -> set[int] | None:
        """Years the change touches; None when a file without years (or a removal) touches every year."""
        if self.removed or any(f.years is None for f in self.new):
            return None
        return {y for f in self.new for y in (f.years or ())}


def file_log(ws: Workspace, source: str) -> Path:
    """The Parquet file log a source's last ingest wrote (file, SHA-256, status, rows)."""
    return ws.parquet / ("core_cems__file_counts.parquet" if source == "cems" else f"raw_{source}__files.parquet")


def supported(source: str) -> tuple[str, ...]:
    """The file types the source's readers accept (inbox/cems: hourly CSV and Parquet, and outlet maps)."""
    return CEMS_SUPPORTED if source == "cems" else SUPPORTED


def file_years(path: Path, source: str, limits: ReadLimits = DEFAULT_LIMITS) -> tuple[int, ...] | None:
    """The data years in a file's rows (a year column or a year in its title, sheet or file name); CEMS: its name's."""
    if source not in INGESTED_SOURCES:
        return tuple(sorted({int(y) for y in _YEAR.findall(path.name)})) or None
    if path.suffix.lower() in (".xlsx", ".xlsm") and _headers_have_no_year(path, source, limits):
        return None
    read = read_layout_file(path, path.name, "0" * 64, layouts_of(source), limits)
    years: set[int] = set()
    for rows in read.tables.values():
        for row in rows:
            if "year" not in row and "year_from_context" not in row:
                return None
            hit = _YEAR.search(str(row.get("year") or row.get("year_from_context") or ""))
            if hit:
                years.add(int(hit.group(1)))
    return tuple(sorted(years))


def _headers_have_no_year(path: Path, source: str, limits: ReadLimits) -> bool:
    """True when the workbook's tables, told by their headers alone, carry no year (a permit list, the limits): no
    year column and no year taken from the title or name. Reading a few rows spares parsing a large workbook."""
    layouts = layouts_of(source)
    sheets = read_xlsx_rows(path, SCAN_ROWS + 2, limits)
    matches = [m for sheet in sheets if (m := detect_header(sheet, layouts)) and not m.missing]
    return bool(matches) and all("year" not in m.columns.values() and "year" not in m.layout.context for m in matches)


class InboxIndex:
    """Path -> (size, mtime, sha256, years), kept in the workspace so hashing and reading happen once per file."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.limits = load_limits(ws.config)
        self.path = ws.dagster_home / "inbox_index.json"
        self.entries: dict[str, dict] = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}

    def files(self, source: str) -> list[InboxFile]:
        out = []
        for path in inbox_files(self.ws.inbox / source):
            if path.suffix.lower() not in supported(source):
                continue
            name = path.relative_to(self.ws.inbox).as_posix()
            entry = self._entry(name, path, source)
            if entry is None:  # unreadable: the ingest logs it; it is listed once it can be read
                continue
            years = entry["years"]
            out.append(InboxFile(source, name, path, entry["sha256"], tuple(years) if years is not None else None))
        return out

    def _entry(self, name: str, path: Path, source: str) -> dict | None:
        """The cached entry of a file, refreshed when its size or modification time changed; None if unreadable."""
        try:
            stat = path.stat()
            entry = self.entries.get(name)
            if not entry or entry["size"] != stat.st_size or entry["mtime_ns"] != stat.st_mtime_ns:
                try:
                    years = file_years(path, source, self.limits)
                except Exception:  # noqa: BLE001 - a file the readers refuse is the ingest's to report; every year
                    years = None
                entry = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256_of(path),
                         "years": list(years) if years is not None else None}
                self.entries[name] = entry
        except OSError:
            return None
        return entry

    def save(self) -> None:
        """Write the index atomically, keeping only files still in the inbox."""
        present = {p.relative_to(self.ws.inbox).as_posix() for s in SOURCE_SYSTEMS for p in inbox_files(self.ws.inbox / s)}
        self.entries = {k: v for k, v in self.entries.items() if k in present}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(self.entries, sort_keys=True, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)


def ingested_files(ws: Workspace, source: str) -> pl.DataFrame:
    """The files the source's last ingest hashed (empty before the first): what it skipped, or could not read, has no
    hash, is no input and so cannot be removed."""
    log = file_log(ws, source)
    if not log.exists():
        return pl.DataFrame(schema={"source_file": pl.String, "file_sha256": pl.String})
    return pl.read_parquet(log, columns=["source_file", "file_sha256"]).filter(pl.col("file_sha256").is_not_null())


def inbox_changes(ws: Workspace, contents: list[InboxFile] | None = None) -> dict[str, SourceChanges]:
    """Per source with something to ingest: files new or changed since its last ingest, and files gone since.

    `contents` is a listing the caller already took (inbox_contents), so the inbox is scanned once.
    """
    contents = inbox_contents(ws) if contents is None else contents
    changes: dict[str, SourceChanges] = {}
    for source in SOURCE_SYSTEMS:
        log = ingested_files(ws, source)
        known = set(log["file_sha256"].to_list())
        files = [f for f in contents if f.source == source]
        change = SourceChanges(new=[f for f in files if f.sha256 not in known],
                               removed=sorted(set(log["source_file"].to_list()) - {f.name for f in files}))
        if change.new or change.removed:
            changes[source] = change
    return changes


def inbox_contents(ws: Workspace) -> list[InboxFile]:
    """Every inbox file of the ingested sources, with its SHA-256 and years."""
    index = InboxIndex(ws)
    files = [f for source in SOURCE_SYSTEMS for f in index.files(source)]
    index.save()
    return files


def inbox_years(files: list[InboxFile]) -> list[int]:
    """Every data year some of the files carries."""
    return sorted({y for f in files for y in (f.years or ())})
