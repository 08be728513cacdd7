"""An incremental publish (versions given) leaves what a full publish of the same tables leaves, table by table, and
falls back to a full rewrite when the last warehouse is missing, modified or damaged."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb
import polars as pl

from pipelines.deliver.warehouse import publish_warehouse

SUMMARY, SUPERSEDED, OUTLETS = "out_qa__match_summary", "core_qa__superseded_rows", "core_cems__outlets"


def summary(share: float) -> pl.DataFrame:
    return pl.DataFrame({"source_system": ["ghg", "permit"], "record_year": [2023, 2023],
                         "match_status": ["matched", "unmatched"], "match_method": ["uscc_site", None],
                         "record_count": [3, 1], "record_share": [share, 1 - share]})


def superseded(rows: int) -> pl.DataFrame:
    return pl.DataFrame({"source_system": ["ghg"] * rows, "target_table": ["raw_ghg__fuel"] * rows,
                         "submission_key": ["k"] * rows, "source_file": ["a.xlsx"] * rows, "sheet_name": ["s"] * rows,
                         "row_number": list(range(rows, 0, -1)), "file_sha256": ["0" * 64] * rows,
                         "superseded_by_file": ["b.xlsx"] * rows, "record_json": ["{}"] * rows})


OUTLET_ROWS = pl.DataFrame({"mn": ["MN2", "MN1"], "permit_no": ["91410100MA3X00001C001P", None],
                            "outlet_code": ["DA001", None], "outlet_name": ["1号排口", None],
                            "city_code": ["410100", None], "city_source": ["permit_list", None],
                            "source_file": ["c.csv", "c.csv"], "row_number": [2, 1]})


class Counted(Mapping[str, pl.DataFrame]):
    """Tables that remember which of them were read (a table copied from the last warehouse is not)."""

    def __init__(self, frames: dict[str, pl.DataFrame]) -> None:
        self.frames, self.read = frames, set()

    def __getitem__(self, name: str) -> pl.DataFrame:
        self.read.add(name)
        return self.frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.frames)

    def __len__(self) -> int:
        return len(self.frames)


def contents(path: Path) -> dict[str, object]:
    """Every table's rows (sorted) and columns with types, and every table and column comment."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [n for (n,) in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
        out: dict[str, object] = {n: sorted(con.execute(f'select * from "{n}"').fetchall(), key=repr) for n in names}
        out["columns"] = con.execute("select table_name, column_name, data_type, comment from duckdb_columns() "
                                     "order by 1, 2").fetchall()
        out["table_comments"] = con.execute("select table_name, comment from duckdb_tables() order by 1").fetchall()
    return out


def full(tmp_path: Path, frames: dict[str, pl.DataFrame]) -> dict[str, object]:
    target = tmp_path / "full" / "warehouse.duckdb"
    publish_warehouse(frames, target)
    return contents(target)


def first_publish(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    target = tmp_path / "warehouse.duckdb"
    versions = {SUMMARY: "s1", SUPERSEDED: "r1", OUTLETS: "o1"}
    publish_warehouse({SUMMARY: summary(0.75), SUPERSEDED: superseded(2), OUTLETS: OUTLET_ROWS}, target, versions)
    return target, versions


def test_one_changed_table_is_the_only_one_rewritten_and_the_result_is_a_full_publish(tmp_path):
    target, versions = first_publish(tmp_path)
    frames = {SUMMARY: summary(0.5), SUPERSEDED: superseded(2), OUTLETS: OUTLET_ROWS}
    tables = Counted(frames)
    counts = publish_warehouse(tables, target, {**versions, SUMMARY: "s2"})
    assert tables.read == {SUMMARY}
    assert counts == {SUMMARY: 2, SUPERSEDED: 2, OUTLETS: 2}
    assert contents(target) == full(tmp_path, frames)
    assert contents(target)[SUMMARY] == [("ghg", 2023, "matched", "uscc_site", 3, 0.5),
                                         ("permit", 2023, "unmatched", None, 1, 0.5)]
    again = Counted({**frames, SUPERSEDED: superseded(3)})  # and a second incremental publish builds on the first
    assert publish_warehouse(again, target, {**versions, SUMMARY: "s2", SUPERSEDED: "r2"})[SUPERSEDED] == 3
    assert again.read == {SUPERSEDED}
    assert contents(target) == full(tmp_path / "again", {**frames, SUPERSEDED: superseded(3)})


def test_a_table_no_longer_published_is_dropped(tmp_path):
    target, versions = first_publish(tmp_path)
    frames = {SUMMARY: summary(0.75), SUPERSEDED: superseded(2)}
    tables = Counted(frames)
    publish_warehouse(tables, target, {SUMMARY: "s1", SUPERSEDED: "r1"})
    assert tables.read == set()
    assert contents(target) == full(tmp_path, frames)
    assert OUTLETS not in contents(target)


def test_a_missing_or_modified_last_warehouse_means_a_full_rewrite(tmp_path):
    target, versions = first_publish(tmp_path)
    frames = {SUMMARY: summary(0.75), SUPERSEDED: superseded(2), OUTLETS: OUTLET_ROWS}
    with duckdb.connect(str(target)) as con:  # changed by hand: the record no longer describes the file
        con.execute(f'delete from "{OUTLETS}"')
    tables = Counted(frames)
    publish_warehouse(tables, target, versions)
    assert tables.read == set(frames)
    assert contents(target) == full(tmp_path, frames)
    target.unlink()
    tables = Counted(frames)
    publish_warehouse(tables, target, versions)
    assert tables.read == set(frames) and contents(target) == full(tmp_path / "again", frames)


def test_a_damaged_last_warehouse_with_its_size_and_time_kept_means_a_full_rewrite(tmp_path):
    target, versions = first_publish(tmp_path)
    stat = target.stat()
    target.write_bytes(b"\0" * stat.st_size)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    frames = {SUMMARY: summary(0.75), SUPERSEDED: superseded(2), OUTLETS: OUTLET_ROWS}
    tables = Counted(frames)
    publish_warehouse(tables, target, {**versions, SUMMARY: "s2"})
    assert tables.read == set(frames)
    assert contents(target) == full(tmp_path, frames)
    assert not list(tmp_path.glob(".warehouse.duckdb.building-*"))


def test_without_versions_every_table_is_written(tmp_path):
    target, _ = first_publish(tmp_path)
    tables = Counted({SUMMARY: summary(0.75), SUPERSEDED: superseded(2), OUTLETS: OUTLET_ROWS})
    publish_warehouse(tables, target)
    assert tables.read == {SUMMARY, SUPERSEDED, OUTLETS}
