"""One year of the fused inventory as the files a bureau hands on: exports/<year>/.

Per table a CSV (Chinese headers with units, UTF-8 with BOM), a Parquet file (English names, schema types) and one
workbook 融合清单_<year>.xlsx (说明 README first, then a sheet per table); manifest.json, written last, lists every
file with its rows, size and SHA-256 so a recipient can check the set is complete and unchanged. Columns, headers
and types come from schemas.tables, never from this file. Every file is a function of the warehouse's data alone, so
two exports of one warehouse give the same bytes: rows in primary-key order, and the only time stated is the data's
(数据截至 data as of, with the inputs' fingerprint: tabular_files.data_stamp), never the clock or the file's mtime.
The folder is written beside its target and swapped in whole (output_dirs.atomic_dir): a failed export leaves the
previous one. Only the published warehouse is read (read-only), so it runs without Dagster.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

import duckdb
import polars as pl

from inventories.reference import accounting_settings
from pipelines.deliver.output_dirs import atomic_dir
from pipelines.deliver.tabular_files import (
    CSV_TEXT_NOTE,
    README_SHEET,
    DataStamp,
    data_stamp,
    new_workbook,
    write_csv,
    write_readme,
    write_table,
)
from pipelines.deliver.warehouse import table_columns
from schemas.fields import Field
from schemas.generate import conform
from schemas.sources import SOURCE_SYSTEM_ZH
from schemas.tables import TABLES

EXPORT_TABLES = ("out_inventory__yearly_facility", "out_inventory__yearly_enterprise",
                 "out_inventory__yearly_region_sector", "out_key_emitters__register", "out_crosscheck__findings",
                 "out_synergy__yearly_enterprise", "out_synergy__yearly_sector", "out_synergy__yearly_city_index",
                 "core_inventory__factors")
ALL_YEARS = frozenset({"core_inventory__factors"})  # the factor set of the build: every row, whatever the year
FORMATS = ("csv", "xlsx", "parquet")
MANIFEST = "manifest.json"
MASS_FORMAT, SHARE_FORMAT, PCT_FORMAT, INT_FORMAT = "#,##0.000", "0.0%", "0.0", "0"
DATE_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss"}
SHEET_NAME_MAX = 31
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

for _name in EXPORT_TABLES:  # a CSV or sheet header must name one column
    _headers = [f.header_zh for f in TABLES[_name].fields]
    assert len(set(_headers)) == len(_headers), f"{_name}: two columns share a Chinese header"


class InventoryExportError(RuntimeError):
    """The warehouse cannot give the year: not built, built by an older version, or no data for that year."""


def parse_formats(values: Iterable[str]) -> tuple[str, ...]:
    """Formats from repeated and comma-separated options, in FORMATS order; all of them when none is given."""
    chosen = {part.strip().lower() for value in values for part in value.split(",") if part.strip()}
    unknown = sorted(chosen - set(FORMATS))
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: 未知格式 / unknown format (choose from {', '.join(FORMATS)})")
    return tuple(f for f in FORMATS if f in chosen) or FORMATS


def read_year(warehouse: Path, year: int) -> tuple[dict[str, pl.DataFrame], DataStamp]:
    """Every export table's rows of the year (the factor table whole), typed and in primary-key order, nulls last
    (ties, should a key repeat, by the other columns: never DuckDB's scan order); and the warehouse's DataStamp,
    read in the same connection so both come from one published file."""
    if not warehouse.exists():
        raise InventoryExportError(f"没有数据仓库 / no warehouse at {warehouse}: "
                                   "请先运行 synergy build / run synergy build first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name in EXPORT_TABLES:
            present = table_columns(con, name)
            missing = [c for c in TABLES[name].columns if c not in present]
            if missing:
                what = "没有该表 / no such table" if not present else f"缺少列 / missing columns {', '.join(missing)}"
                raise InventoryExportError(f"{name} in {warehouse}: {what} (数据仓库由旧版本生成 / built by an older "
                                           "version); 请重新运行 synergy build / rerun synergy build")
        yearly = [name for name in EXPORT_TABLES if name not in ALL_YEARS]
        years = [y for (y,) in con.execute(
            " union ".join(f"select distinct year from {name}" for name in yearly) + " order by 1").fetchall()]
        if year not in years:
            have = ", ".join(map(str, years)) or "无 none"
            raise InventoryExportError(f"数据仓库中没有 {year} 年的数据 / no data for {year} in {warehouse}; "
                                       f"已有年度 / years present: {have}")
        frames = {}
        for name in EXPORT_TABLES:
            table = TABLES[name]
            where, params = ("", []) if name in ALL_YEARS else ("where year = ?", [year])
            rows = conform(con.execute(f"select {', '.join(table.columns)} from {name} {where}", params).pl(), name)
            rest = [c for c, dtype in rows.schema.items() if c not in table.primary_key and not dtype.is_nested()]
            frames[name] = rows.sort([*table.primary_key, *rest], nulls_last=True, maintain_order=True)
        stamp = data_stamp(con)
    return frames, stamp


def number_format(field: Field) -> str | None:
    """Display format of a column: masses and energy to the kilogram, shares as percent, ints plain, ISO dates."""
    if field.dtype == "float":
        if field.name.endswith("_share"):
            return SHARE_FORMAT
        if field.name.endswith("_pct"):
            return PCT_FORMAT
        return MASS_FORMAT if field.unit else None  # unitless floats (factor values, ratios) keep Excel's General
    return INT_FORMAT if field.dtype == "int" else DATE_FORMATS.get(field.dtype)


def sheet_names(tables: Iterable[str]) -> dict[str, str]:
    """Table -> sheet name: its Chinese name, without the characters Excel forbids, at most 31 long, unique."""
    used, names = {README_SHEET.casefold()}, {}
    for name in tables:
        base = SHEET_NAME_BAD.sub("_", TABLES[name].zh)[:SHEET_NAME_MAX]
        sheet, number = base, 2
        while sheet.casefold() in used:  # Excel compares sheet names without case
            suffix = f"~{number}"
            sheet, number = base[:SHEET_NAME_MAX - len(suffix)] + suffix, number + 1
        used.add(sheet.casefold())
        names[name] = sheet
    return names


def distinct(frames: dict[str, pl.DataFrame], column: str) -> list[str]:
    """Distinct values of a column over every table that has it (e.g. the factor sets the data was computed with)."""
    found = {v for frame in frames.values() if column in frame.columns for v in frame[column].drop_nulls().to_list()}
    return sorted(found)


def _readme(frames: dict[str, pl.DataFrame], sheets: dict[str, str], year: int, warehouse: Path,
            stamp: DataStamp) -> list[tuple[tuple[str, ...], list[tuple]]]:
    """The README sheet: what the workbook holds, with which factors and settings, and how to read empty cells."""
    factors, facilities = frames["core_inventory__factors"], frames["out_inventory__yearly_facility"]
    recalled = factors.filter(pl.col("status") == "recalled").height
    flagged = facilities["has_recalled_factor"].fill_null(False).sum()
    settings = accounting_settings()
    systems = "、".join(SOURCE_SYSTEM_ZH[s] for s in ("permit", "envstat", "ghg"))
    items = [
        ("标题 title", f"{year}年大气污染物与温室气体融合排放清单 (减污降碳协同) / fused air-pollutant and GHG inventory {year}"),
        ("年度 year", str(year)),
        *stamp.rows(),
        ("数据仓库 warehouse", warehouse.name),  # the name, not the path: a copy of the warehouse gives the same file
        ("因子库版本 factor set", "; ".join(distinct(frames, "factor_set")) or "无数据 none"),
        ("GWP版本 GWP set", "; ".join(distinct(frames, "gwp_set")) or "无数据 none"),
        ("待核实因子 recalled factors",
         f"因子库中 {recalled} 条因子状态为待核实(recalled); {flagged} 行设施记录(共 {facilities.height} 行)使用了待核实因子 / "
         f"{recalled} factor rows are recalled (not yet checked against the official text); {flagged} of "
         f"{facilities.height} facility rows used one (has_recalled_factor)"),
        ("核算设置 accounting settings", f"GWP版本 gwp_set: {settings.get('gwp_set')}; 电网排放因子口径 grid_purpose: "
                                       f"{settings.get('grid_purpose')} (inventories/rules/accounting.yaml)"),
        ("数据来源 sources", f"{systems}: 每个值按方法优先级(监测 > 填报 > 核算 > 补充)从三个系统中选取, "
                           "source_systems 列给出来源 / "
                           "permits (排污许可), environmental statistics (排放源统计) and enterprise GHG reports (温室气体报告); "
                           "each value chosen by method hierarchy, its systems in source_systems"),
        ("空白单元格 empty cells", "空白表示没有任何来源给出该值, 不是零 / an empty cell means no source gave a value, not zero"),
        ("表头与格式 headers and formats", "表头为中文名(单位), 批注中为英文字段名和说明; 单元格保存完整数值, 格式只影响显示 / "
                                          "headers are Chinese names (unit), each with a note giving the English field and "
                                          "its meaning; cells keep the full stored value, formats only change the display"),
        CSV_TEXT_NOTE,
    ]
    tables = [(sheets[name], name, TABLES[name].zh, frames[name].height, TABLES[name].en) for name in EXPORT_TABLES]
    return [(("项目 item", "内容 content"), items),
            (("工作表 sheet", "表名 table", "中文名 name", "行数 rows", "说明 description"), tables)]


def _write_workbook(path: Path, frames: dict[str, pl.DataFrame], year: int, warehouse: Path, stamp: DataStamp) -> None:
    """融合清单_<year>.xlsx: README first, then one sheet per table with noted headers and display formats; the
    document date is the data's (数据截至), so the workbook's bytes do not change with the day it is written."""
    sheets = sheet_names(EXPORT_TABLES)
    book, bold = new_workbook(path, created=stamp.as_of)
    write_readme(book, bold, _readme(frames, sheets, year, warehouse, stamp), widths=(36, 60, 24, 10, 100))
    for name in EXPORT_TABLES:
        fields = TABLES[name].fields
        write_table(book, bold, sheets[name], frames[name], headers=[f.header_zh for f in fields],
                    num_formats=[number_format(f) for f in fields],
                    notes=[f"{f.name}{f' [{f.unit}]' if f.unit else ''}\n{f.en}" for f in fields])
    book.close()


def _entry(path: Path, out_dir: Path, fmt: str, table: str | None, rows: int) -> dict:
    """A manifest line: the file (relative), what it holds, its size and SHA-256."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return {"file": path.relative_to(out_dir).as_posix(), "format": fmt, "table": table, "rows": rows,
            "bytes": path.stat().st_size, "sha256": digest}


def manifest_files(folder: Path) -> set[str]:
    """The files an earlier export put in folder: those its manifest.json lists, and the manifest (none if unreadable)."""
    try:
        listed = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
        return {MANIFEST, *(str(entry["file"]) for entry in listed)}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def export_year(warehouse: Path, out_dir: Path, year: int, formats: Iterable[str] = FORMATS) -> Path:
    """Write the year's tables in the formats, then manifest.json, as the whole new content of out_dir; returns
    the manifest's path.

    Raises InventoryExportError (in Chinese and English) for no warehouse, a missing table or no data for the year,
    and for an out_dir holding files no earlier export listed in its manifest (the folder is replaced whole, so a
    user's own files there would be lost); a table without rows for the year (e.g. no findings) is still written,
    with headers only.
    """
    chosen = parse_formats(formats)
    frames, stamp = read_year(warehouse, year)
    files = []
    with atomic_dir(out_dir, manifest_files, InventoryExportError) as folder:
        if "csv" in chosen:
            for name, frame in frames.items():
                path = write_csv(frame, folder / f"{name}.csv", [f.header_zh for f in TABLES[name].fields])
                files.append(_entry(path, folder, "csv", name, frame.height))
        if "xlsx" in chosen:
            workbook = folder / f"融合清单_{year}.xlsx"
            _write_workbook(workbook, frames, year, warehouse, stamp)
            files.append({**_entry(workbook, folder, "xlsx", None, sum(f.height for f in frames.values())),
                          "sheets": [{"sheet": sheet, "table": name, "rows": frames[name].height}
                                     for name, sheet in sheet_names(EXPORT_TABLES).items()]})
        if "parquet" in chosen:
            for name, frame in frames.items():
                frame.write_parquet(folder / f"{name}.parquet")
                files.append(_entry(folder / f"{name}.parquet", folder, "parquet", name, frame.height))
        manifest = {"year": year, "data_as_of": stamp.as_of_iso, "inputs_sha256": stamp.inputs_sha256,
                    "warehouse": warehouse.name, "factor_sets": distinct(frames, "factor_set"),
                    "gwp_sets": distinct(frames, "gwp_set"), "files": files}
        text = json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
        (folder / MANIFEST).write_text(text, encoding="utf-8", newline="\n")
    return out_dir / MANIFEST
