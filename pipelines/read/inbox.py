"""Read one source system's inbox folder: archive every file by SHA-256, read each distinct file once.

Files are taken in the order they were dropped (modification time, then name): the first of two
identical files is read and the later one logged as its duplicate; for re-submissions, the later file
wins downstream. One bad file never stops the others: it is logged with its reason. Every entry of the folder
gets exactly one row in the file log, those the build does not read included (hidden names, Office lock files,
symlinks, which are never followed, and anything that is not a regular file), so nothing leaves without a word.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.read.files import archive_copy
from pipelines.read.layouts import FileRead, help_note, raw_frame, read_layout_file
from pipelines.read.limits import FileRefused, ReadLimits, load_limits
from pipelines.workspace import Workspace
from schemas.layouts import LAYOUTS, Layout

SUPPORTED = (".csv", ".xlsx", ".xlsm")
SKIPPED = "skipped"
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


@dataclass(frozen=True)
class InboxEntry:
    """One entry of an inbox folder; `skip` says why the build does not read it."""

    path: Path
    mtime_ns: int | None  # None: not even its metadata could be read
    skip: FileRefused | None = None

    @property
    def received_at(self) -> dt.datetime | None:
        """When it was dropped (its own modification time, a symlink's not its target's), UTC without a zone."""
        if self.mtime_ns is None:
            return None
        return dt.datetime.fromtimestamp(self.mtime_ns / 1e9, dt.UTC).replace(tzinfo=None)


def skip_reason(path: Path, mode: int) -> FileRefused | None:
    """Why an entry (its lstat mode) is not read, or None for a regular file or a folder, which is walked."""
    if stat.S_ISLNK(mode):
        target = os.readlink(path)
        return FileRefused(SKIPPED, f"符号链接（指向 {target}），未跟随读取", f"symbolic link (to {target}), not followed")
    if path.name.startswith("~$"):
        return FileRefused(SKIPPED, "Office锁定文件（文件正被打开），未读取", "Office lock file (the file is open "
                           "somewhere), not read")
    if path.name.startswith("."):
        return FileRefused(SKIPPED, "隐藏文件或文件夹（名称以.开头），未读取", "hidden name (starts with a dot), not read")
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    return FileRefused(SKIPPED, "不是普通文件（管道、设备或套接字），未读取", "not a regular file (pipe, device or "
                       "socket), not read")


def inbox_entries(folder: Path) -> list[InboxEntry]:
    """Every entry of a folder (walked recursively, never through a symlink) in drop order: regular files to read,
    and one entry with its reason for each thing not read (a hidden or unreadable folder counts once)."""
    found: list[InboxEntry] = []
    pending = [folder] if folder.is_dir() else []
    while pending:
        current = pending.pop()
        try:
            entries = [Path(e.path) for e in os.scandir(current)]
        except OSError as err:
            found.append(InboxEntry(current, None, _unreadable("文件夹无法读取", "cannot read folder", err)))
            continue
        for path in entries:
            try:
                info = path.lstat()
            except OSError as err:
                found.append(InboxEntry(path, None, _unreadable("文件无法读取", "cannot read file", err)))
                continue
            skip = skip_reason(path, info.st_mode)
            if skip is None and stat.S_ISDIR(info.st_mode):
                pending.append(path)
            else:
                found.append(InboxEntry(path, info.st_mtime_ns, skip))
    return sorted(found, key=lambda e: (e.mtime_ns or 0, str(e.path)))


def _unreadable(zh: str, en: str, err: OSError) -> FileRefused:
    return FileRefused("unreadable", f"{zh}：{err.strerror or err}", f"{en}: {err.strerror or err}")


def inbox_files(folder: Path) -> list[Path]:
    """The regular files of a folder (recursively) in drop order: what the readers read."""
    return [e.path for e in inbox_entries(folder) if e.skip is None]


def type_refusal(path: Path, supported: tuple[str, ...]) -> FileRefused | None:
    """The refusal of a file whose type no reader takes (status unrecognised; it is not hashed), else None."""
    if path.suffix.lower() in supported:
        return None
    kinds = ", ".join(s.lstrip(".").upper() for s in supported)
    return FileRefused("unrecognised", f"不支持的文件类型“{path.suffix}”（可读：{kinds}），未读取",
                       f"unsupported file type {path.suffix!r} (read: {kinds}), not read")


def archive_entry(item: InboxEntry, archive: Path, supported: tuple[str, ...]) -> tuple[str, Path]:
    """(SHA-256, archived copy) of an entry the readers read; FileRefused, with its file log status, for the others:
    skipped, of a type not read (unrecognised, not hashed) or unreadable (permissions, I/O errors)."""
    if refusal := item.skip or type_refusal(item.path, supported):
        raise refusal
    try:
        return archive_copy(item.path, archive)
    except OSError as err:
        raise _unreadable("文件无法读取", "cannot read file", err) from err


def _status_message(read) -> tuple[str, str | None]:
    notes = [f"{zh} / {en}" for zh, en in (*read.notes, *read.layout_errors, *read.misplaced)]
    if read.help_sheets:
        notes.append(help_note(read.help_sheets))
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


def read_inbox(inbox: Path, archive: Path, source_system: str, limits: ReadLimits | None = None) -> InboxRead:
    """Archive and read every file in inbox/<source_system>/, within the workspace's read limits."""
    limits = limits or load_limits(Workspace(inbox.parent).config)
    # matched against every layout, so a file in the wrong folder is named, not misread; the folder's own layouts
    # come first, so they win when another system's layout fits the headers exactly as well
    layouts = sorted(LAYOUTS.values(), key=lambda x: x.source_system != source_system)
    result = InboxRead()
    seen: dict[str, str] = {}
    for item in inbox_entries(inbox / source_system):
        name = item.path.relative_to(inbox).as_posix()
        entry = {"source_system": source_system, "source_file": name, "file_sha256": None, "source_encoding": None,
                 "received_at": item.received_at, "file_status": "ingested", "duplicate_of": None, "sheets_read": None,
                 "message": None}
        try:
            digest, archived = archive_entry(item, archive, SUPPORTED)
        except FileRefused as err:
            result.files.append(entry | err.log_fields())
            continue
        entry["file_sha256"] = digest
        if digest in seen:
            result.files.append(entry | {"file_status": "duplicate", "duplicate_of": seen[digest],
                                         "message": "与已入库文件内容相同，未重复读取 / same content as a file already read"})
            continue
        seen[digest] = name
        result.files.append(entry | _read_file(archived, name, digest, source_system, layouts, limits, result.tables))
    return result


def _read_file(path: Path, name: str, digest: str, source_system: str, layouts: list[Layout], limits: ReadLimits,
               tables: dict[str, list[dict]]) -> dict:
    """The file log fields of one file read from its archived copy (what was hashed); its rows go into `tables`."""
    try:
        read = _own_tables(read_layout_file(path, name, digest, layouts, limits), source_system)
    except FileRefused as err:
        return err.log_fields()
    except Exception as err:  # noqa: BLE001 - any unreadable file is logged and the others go on
        return {"file_status": "unreadable", "message": f"文件无法读取 / cannot read file: {type(err).__name__}: {err}"}
    status, message = _status_message(read)
    for table, rows in read.tables.items():
        tables.setdefault(table, []).extend(rows)
    return {"source_encoding": read.encoding, "file_status": status, "message": message,
            "sheets_read": "; ".join(read.sheets_read) or None}
