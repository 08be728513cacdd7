"""Read one source system's inbox folder: archive every file by SHA-256, read each distinct file once.

Files are taken in the order they were dropped (modification time, then name): the first of two
identical files is read and the later one logged as its duplicate; for re-submissions, the later file
wins downstream. One bad file never stops the others: it is logged with its reason.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.extract.files import sha256_of
from pipelines.extract.layouts import FileRead, raw_frame, read_layout_file
from schemas.layouts import LAYOUTS, Layout

SUPPORTED = (".csv", ".xlsx", ".xlsm")
FILE_LOG_SCHEMA = {"source_system": pl.String, "source_file": pl.String, "file_sha256": pl.String,
                   "source_encoding": pl.String, "received_at": pl.Datetime("us"), "file_status": pl.String,
                   "duplicate_of": pl.String, "sheets_read": pl.String, "message": pl.String}


@dataclass
class InboxRead:
    """The file log and the raw rows per raw table of one source system."""

    files: list[dict] = field(default_factory=list)
    tables: dict[str, list[dict]] = field(default_factory=dict)

    def file_log(self) -> pl.DataFrame:
        return pl.DataFrame(self.files, schema=FILE_LOG_SCHEMA)

    def raw_frame(self, layout: Layout) -> pl.DataFrame:
        return raw_frame(layout, self.tables.get(layout.table, []))


def inbox_files(folder: Path) -> list[Path]:
    """Files of a folder (recursively) in drop order; hidden files and Office lock files (~$) skipped."""
    if not folder.exists():
        return []
    found = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".", "~$"))]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, str(p)))


def _status_message(read) -> tuple[str, str | None]:
    notes = [f"{zh} / {en}" for zh, en in (*read.layout_errors, *read.misplaced)]
    if read.skipped_sheets and read.tables:
        notes.append(f"跳过工作表(未识别) / sheets skipped (not recognised): {', '.join(read.skipped_sheets)}")
    if read.extra_headers:
        notes.append(f"未映射的列(原样保留在raw表) / unmapped columns kept in raw: {', '.join(read.extra_headers)}")
    if read.tables:
        return "ingested", "; ".join(notes) or None
    if read.layout_errors:
        return "missing_columns", "; ".join(notes)
    return "unrecognised", "; ".join(["未识别的表格格式 / layout not recognised: no sheet has the headers of a "
                                      "known export", *notes])


def _own_tables(read: FileRead, source_system: str) -> FileRead:
    """Keep the tables of this source system; sheets in another system's layout become a file-level note."""
    foreign = sorted({LAYOUTS[t].source_system for t in read.tables} - {source_system})
    for other in foreign:
        tables = [t for t in read.tables if LAYOUTS[t].source_system == other]
        read.misplaced.append((f"含{other}系统格式的工作表({', '.join(tables)})，请放入 inbox/{other}/",
                                   f"holds sheets in {other} layouts ({', '.join(tables)}): drop it into inbox/{other}/"))
        for table in tables:
            del read.tables[table]
        read.sheets_read = [s for s in read.sheets_read if s.rsplit("→", 1)[-1] not in tables]
    return read


def read_inbox(inbox: Path, archive: Path, source_system: str) -> InboxRead:
    """Archive and read every file in inbox/<source_system>/."""
    result = InboxRead()
    seen: dict[str, str] = {}
    for path in inbox_files(inbox / source_system):
        name = path.relative_to(inbox).as_posix()
        received = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)
        entry = {"source_system": source_system, "source_file": name, "file_sha256": None, "source_encoding": None,
                 "received_at": received, "file_status": "ingested", "duplicate_of": None, "sheets_read": None,
                 "message": None}
        if path.suffix.lower() not in SUPPORTED:
            result.files.append(entry | {"file_status": "unreadable",
                                         "message": f"不支持的文件类型 {path.suffix} / unsupported file type "
                                                    f"(CSV, XLSX)"})
            continue
        digest = sha256_of(path)
        entry["file_sha256"] = digest
        archived = archive / f"{digest}{path.suffix.lower()}"
        if not archived.exists():
            archive.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, archived)
        if digest in seen:
            result.files.append(entry | {"file_status": "duplicate", "duplicate_of": seen[digest],
                                         "message": "与已入库文件内容相同，未重复读取 / same content as a file already read"})
            continue
        seen[digest] = name
        try:  # matched against every layout, so a file in the wrong folder is named, not misread; the folder's own
            # layouts come first, so they win when another system's layout fits the headers exactly as well
            layouts = sorted(LAYOUTS.values(), key=lambda x: x.source_system != source_system)
            read = _own_tables(read_layout_file(path, name, digest, layouts), source_system)
        except Exception as err:  # noqa: BLE001 - any unreadable file is logged and the others go on
            result.files.append(entry | {"file_status": "unreadable",
                                         "message": f"文件无法读取 / cannot read file: {type(err).__name__}: {err}"})
            continue
        status, message = _status_message(read)
        result.files.append(entry | {"source_encoding": read.encoding, "file_status": status, "message": message,
                                     "sheets_read": "; ".join(read.sheets_read) or None})
        for table, rows in read.tables.items():
            result.tables.setdefault(table, []).extend(rows)
    return result
