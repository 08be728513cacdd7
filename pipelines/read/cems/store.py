"""The CEMS hourly store: files in, Hive partitions (year, city) out, duplicates resolved per partition.

A file is read once: its outcome is kept in `<store>/_files/<sha>.json` with the outlet map it was read
against, so a later build reads only new files (or all of them again after the map changed). A file that
crashed half-way leaves no outcome and is read again from scratch. The same outlet-hour in two files:
the later-dropped file wins, and the earlier row moves to `_superseded/` (history, counted per file).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import polars as pl

from pipelines.read.cems.outlets import is_outlet_map, map_headers, read_outlet_map
from pipelines.read.cems.reader import FileResult, read_file
from pipelines.read.files import check_line_lengths
from pipelines.read.inbox import archive_entry, inbox_entries, inbox_files
from pipelines.read.limits import FileRefused, ReadLimits, load_limits
from pipelines.workspace import Workspace

SUPPORTED = (".csv", ".parquet", ".xlsx")  # what inbox/cems reads: hourly exports (CSV, Parquet) and outlet maps
HOURLY = (".csv", ".parquet", ".xlsx")
FILE_LOG = {"source_system": pl.String, "source_file": pl.String, "file_sha256": pl.String, "received_at": pl.Datetime("us"),
            "file_status": pl.String, "duplicate_of": pl.String, "layout": pl.String, "years": pl.String,
            "rows_read": pl.Int64, "rows_accepted": pl.Int64, "rows_rejected": pl.Int64, "rows_superseded": pl.Int64,
            "message": pl.String}


class CemsStore:
    """Paths of the hourly dataset and its bookkeeping under parquet/core_cems__hourly/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = root / "_files"
        self.rejected = root / "_rejected"
        self.superseded = root / "_superseded"

    def years(self) -> list[int]:
        return sorted(int(p.name.removeprefix("year=")) for p in self.root.glob("year=*") if p.is_dir())

    def partitions(self, year: int) -> list[str]:
        return sorted(p.name.removeprefix("city=") for p in (self.root / f"year={year}").glob("city=*") if p.is_dir())

    def parts(self, year: int, city: str) -> list[Path]:
        return sorted((self.root / f"year={year}" / f"city={city}").glob("*.parquet"))

    def glob(self, year: int, city: str = "*") -> str:
        return str(self.root / f"year={year}" / f"city={city}" / "*.parquet")

    def _forget(self, sha12: str) -> None:
        for part in self.root.glob(f"year=*/city=*/{sha12}.parquet"):
            part.unlink()
        (self.rejected / f"{sha12}.parquet").unlink(missing_ok=True)


def read_outlet_maps(folder: Path) -> tuple[list[dict], list[dict], list[str]]:
    """(map rows, rejected rows, map file names) of every outlet map in the folder, in drop order."""
    rows, rejected, names = [], [], []
    for path in inbox_files(folder):
        if path.suffix.lower() not in SUPPORTED or path.suffix.lower() == ".parquet":
            continue
        try:
            if not is_outlet_map(map_headers(path)):
                continue
        except Exception:  # noqa: BLE001 - not a readable small table: the hourly reader reports it
            continue
        name = path.relative_to(folder.parent).as_posix()
        good, bad = read_outlet_map(path, name)
        rows += good
        rejected += bad
        names.append(name)
    return rows, rejected, names


def map_digest(outlets: pl.DataFrame) -> str:
    return hashlib.sha256(outlets.select("mn", "permit_no", "outlet_code", "city_code").write_csv().encode()).hexdigest()


def ingest(store: CemsStore, folder: Path, archive: Path, outlets: pl.DataFrame, map_files: list[str],
           limits: ReadLimits | None = None) -> pl.DataFrame:
    """Read every new hourly file of inbox/cems into the store; the file log of every entry (FILE_LOG)."""
    limits = limits or load_limits(Workspace(folder.parent.parent).config)
    digest = map_digest(outlets)
    seen: dict[str, str] = {}
    log = []
    for item in inbox_entries(folder):
        name = item.path.relative_to(folder.parent).as_posix()
        entry = {"source_system": "cems", "source_file": name, "received_at": item.received_at, "file_status": "ingested"}
        try:
            sha, archived = archive_entry(item, archive, SUPPORTED)
        except FileRefused as err:
            log.append(entry | err.log_fields())
            continue
        entry["file_sha256"] = sha
        if name in map_files:
            log.append(entry | {"file_status": "outlet_map", "message": "监测点位对照表 / outlet map"})
            continue
        if item.path.suffix.lower() not in HOURLY:
            log.append(entry | {"file_status": "unrecognised", "message": "不是监测点位对照表；小时数据只读CSV、XLSX或Parquet / "
                                                                          "not an outlet map; hourly data are read from "
                                                                          "CSV, XLSX or Parquet only"})
            continue
        if sha in seen:
            log.append(entry | {"file_status": "duplicate", "duplicate_of": seen[sha],
                                "message": "与已入库文件内容相同，未重复读取 / same content as a file already read"})
            continue
        seen[sha] = name
        log.append(entry | _outcome(store, archived, name, sha, outlets, digest, limits))
    frame = pl.DataFrame(log, schema=FILE_LOG)
    return frame.with_columns(pl.col("rows_read", "rows_accepted", "rows_rejected", "rows_superseded").fill_null(0))


def _outcome(store: CemsStore, path: Path, name: str, sha: str, outlets: pl.DataFrame, digest: str,
             limits: ReadLimits) -> dict:
    """The file's outcome, read from the store when it was read against the same outlet map."""
    record = store.files / f"{sha}.json"
    if record.exists():
        kept = json.loads(record.read_text(encoding="utf-8"))
        if kept.get("map_digest") == digest:
            return kept["outcome"] | {"rows_superseded": _superseded_count(store, sha)}
    store._forget(sha[:12])
    try:
        if path.suffix.lower() == ".csv":  # polars holds a whole line, and a rejected row its raw text, many times over
            check_line_lengths(path, limits)
        result = read_file(path, name, sha, outlets, store.root, store.rejected, limits)
    except FileRefused as err:
        return err.log_fields()
    except Exception as err:  # noqa: BLE001 - one unreadable file is logged; the others go on
        store._forget(sha[:12])
        return {"file_status": "unreadable", "message": f"文件无法读取 / cannot read file: {type(err).__name__}: {err}"}
    outcome = _as_outcome(result)
    store.files.mkdir(parents=True, exist_ok=True)
    tmp = record.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps({"map_digest": digest, "outcome": outcome}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, record)
    return outcome | {"rows_superseded": _superseded_count(store, sha)}


def _as_outcome(result: FileResult) -> dict:
    fields = asdict(result)
    return {"layout": fields["layout"], "years": ",".join(map(str, fields["years"])) or None,
            "rows_read": fields["rows_read"], "rows_accepted": fields["rows_accepted"],
            "rows_rejected": fields["rows_rejected"], "message": fields["message"]}


def _superseded_count(store: CemsStore, sha: str) -> int:
    path = store.superseded / f"{sha[:12]}.parquet"
    return pl.read_parquet(path).height if path.exists() else 0


def rejected_rows(store: CemsStore, log: pl.DataFrame) -> pl.DataFrame:
    """The rejected rows of the files in the log (QA shape, without the long-row counts)."""
    paths = [store.rejected / f"{sha[:12]}.parquet" for sha in log["file_sha256"].drop_nulls()]
    paths = [p for p in paths if p.exists()]
    if not paths:
        return pl.DataFrame()
    return pl.concat([pl.read_parquet(p) for p in paths]).drop("source_rows")


def resolve_duplicates(store: CemsStore, year: int, city: str, order: dict[str, int]) -> int:
    """Keep the later file's row where two files hold the same outlet-hour; returns rows moved to history."""
    parts = store.parts(year, city)
    if len(parts) < 2:
        return 0
    keys = pl.scan_parquet(parts, hive_partitioning=False).select("mn", "data_time", "file_sha256", "row_number").with_columns(
        pl.col("file_sha256").replace_strict(order, default=-1, return_dtype=pl.Int64).alias("_order"))
    doubled = keys.filter(pl.len().over("mn", "data_time") > 1).collect()
    if doubled.is_empty():
        return 0
    group = ("mn", "data_time")
    doubled = doubled.sort("mn", "data_time", "_order", "row_number").with_columns(
        (pl.int_range(pl.len()).over(group) < pl.len().over(group) - 1).alias("_loses"),
        pl.col("file_sha256").last().over(group).alias("superseded_by_file"))
    losers = doubled.filter("_loses")
    store.superseded.mkdir(parents=True, exist_ok=True)
    for sha, rows in losers.group_by("file_sha256"):
        part = store.root / f"year={year}" / f"city={city}" / f"{str(sha[0])[:12]}.parquet"
        stored = pl.read_parquet(part)
        kept = stored.join(rows.select("row_number"), on="row_number", how="anti")
        moved = stored.join(rows.select("row_number", "superseded_by_file"), on="row_number")
        history = store.superseded / f"{str(sha[0])[:12]}.parquet"
        if history.exists():
            moved = pl.concat([pl.read_parquet(history), moved], how="vertical_relaxed")
        _write(moved, history)
        _write(kept, part)
    return losers.height


def _write(frame: pl.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    frame.write_parquet(tmp)
    os.replace(tmp, path)
