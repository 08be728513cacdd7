"""One year of the fused inventory as the files a bureau hands on: exports/<year>/.

Per table a CSV (Chinese headers with units, UTF-8 with BOM) and a Parquet file (English names, schema types): the
machine formats, holding the codes as the warehouse does; and one workbook 融合清单_<year>.xlsx for people (说明
README first, describing every sheet in Chinese and English, then a sheet per table), where codes show as Chinese
labels (schemas.labels; each header's note lists the codes), booleans as 是/否, city and county names stand beside
their codes and every number has a display format. manifest.json, written last, lists every file with its rows, size
and SHA-256 so a recipient can check the set is complete and unchanged. Columns, headers and types come from
schemas.tables, never from this file. Every file is a function of the warehouse's data alone, so
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

from inventories.reference import accounting_settings, regions, sector_scope
from pipelines.deliver.output_dirs import atomic_dir
from pipelines.deliver.tabular_files import (
    COUNT_FORMAT,
    CSV_TEXT_NOTE,
    DATE_FORMATS,
    INT_FORMAT,
    MASS_FORMAT,
    RATIO_FORMAT,
    README_SHEET,
    SCORE_FORMAT,
    SHARE_FORMAT,
    UNIT_FORMATS,
    VARIABLE_FORMAT,
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
from schemas.labels import JOINED, VALUE_ZH, label_expr
from schemas.sources import SOURCE_SYSTEM_ZH
from schemas.tables import TABLES

EXPORT_TABLES = ("out_inventory__yearly_facility", "out_inventory__yearly_enterprise",
                 "out_inventory__yearly_region_sector", "out_key_emitters__register", "out_crosscheck__findings",
                 "out_synergy__yearly_enterprise", "out_synergy__yearly_sector", "out_synergy__yearly_city_index",
                 "core_inventory__factors")
ALL_YEARS = frozenset({"core_inventory__factors"})  # the factor set of the build: every row, whatever the year
FORMATS = ("csv", "xlsx", "parquet")
MANIFEST = "manifest.json"
# unitless floats by what they are; any other one (compared values, factor values: the unit is in another column)
# shows VARIABLE_FORMAT
FLOAT_FORMATS = {"weight": "0.00%", "value_ratio": RATIO_FORMAT, "els": RATIO_FORMAT,
                 "pollutant_decoupling_index": RATIO_FORMAT, "co2_decoupling_index": RATIO_FORMAT,
                 "score": SCORE_FORMAT, "base_year_score": SCORE_FORMAT,
                 **dict.fromkeys(("pollutant_amount", "previous_pollutant_amount", "output_quantity",
                                  "previous_output_quantity"), MASS_FORMAT)}  # t or pollution equivalents; outputs
# the table's Chinese name says 名录 (register), but it holds every enterprise with its key-emitter judgement
SHEET_TITLES = {"out_key_emitters__register": "重点排放单位判定(全部企业)"}
REGISTER_FILES = "exports/register/重点排放单位名录_<年度 years>.xlsx"
# what each sheet holds, in Chinese (the English is the table's description in schemas.tables)
DESCRIPTIONS_ZH = {
    "out_inventory__yearly_facility":
        "每个设施(场所)一年一行: 分范围二氧化碳、二氧化碳当量(直接排放)、二氧化硫、氮氧化物、颗粒物、"
        "挥发性有机物和能源消费量, 以及各值的核算方法与完整性标记。空白表示没有来源给出该值",
    "out_inventory__yearly_enterprise": "设施清单按法人企业(统一社会信用代码)和年度汇总",
    "out_inventory__yearly_region_sector":
        "设施清单汇总到省、市、县 × 行业(国民经济行业门类/大类/中类、碳市场行业及全部行业) × 物种和排放范围: "
        "设施数、企业数、排放量、二氧化碳当量、能源消费量、各核算方法占比及与上年相比的变化。"
        "同一级别和分类内各行之和与设施清单精确一致(到1克)",
    "out_key_emitters__register":
        "全部企业(不只重点排放单位)每年一行: 是否属覆盖行业(或自备电厂)、排放量或综合能耗是否在判定年数内"
        "任一年达到门槛、判定依据与说明、是否报告温室气体排放。"
        f"重点排放单位名录本身见 {REGISTER_FILES}",
    "out_crosscheck__findings":
        "交叉校核规则(inventories/rules/crosscheck.yaml)发现的问题, 一条一行: 设施或企业和年度、"
        "比较的两个值及其来源、差值、比值、超出的容差、中英文说明, "
        "以及分析人员是否已解释或确认(curation/findings.csv)",
    "out_synergy__yearly_enterprise":
        "每家企业、年度和污染物(二氧化硫、氮氧化物、颗粒物、挥发性有机物、大气污染物当量)相对上年"
        "与燃烧二氧化碳的协同: 变化率、协同减排弹性Els及判读、协同控制坐标系象限, 已知产出时的脱钩状态",
    "out_synergy__yearly_sector":
        "每个年度、行业(国民经济行业大类及全部行业)和污染物: 两年均有数据的企业之和的同样指标, "
        "以及协同减排、此消彼长、协同增排的企业数",
    "out_synergy__yearly_city_index":
        "城市减污降碳协同指数(指标体系见 inventories/synergy_index/): 每个年度、城市和指标节点的原始值、"
        "标准化得分、权重及覆盖率、缺失指标、排名和较基准年的变化",
    "core_inventory__factors": "本次构建使用的排放因子库, 一个因子一行, 含来源文件和核实状态(全部年度)",
}
REGISTER_NOTE_EN = (" Every enterprise, not only the key emitters; the register itself (key emitters only) is "
                    f"{REGISTER_FILES}.")
# codes shown with their names beside them, unless the table has its own region_name: (header, note)
NAMED_CODES = {
    "city_code": ("所在地市", "所在地市代码的名称 / name of city_code (GB/T 2260, inventories/reference/regions_henan.csv)"),
    "region_code": ("行政区划名称", "行政区划代码的名称(区县, 或区县不详时的地市) / name of region_code (county, or the city "
                                "where the county is not known; GB/T 2260, inventories/reference/regions_henan.csv)"),
}
CODES_AND_LABELS = ("代码与标签 codes and labels",
                    "本工作簿以中文显示代码值(如 严重程度 警告、排放范围 化石燃料燃烧、是/否), "
                    "每列表头批注列出该列的代码与中文对照; 地市和区县代码旁加名称列 / "
                    "this workbook shows coded values in Chinese (severity 警告 for warn, scope "
                    "化石燃料燃烧 for combustion, 是/否 for true/false); each header's note lists the column's codes and "
                    "their labels; city and county codes have a name column beside them")
MACHINE_FORMATS = ("CSV 与 Parquet 机器格式 machine formats",
                   "同名 CSV(中文表头, UTF-8 带 BOM)与 Parquet(英文字段名, 数据类型)是供程序读取的格式: 保存代码值(warn、"
                   "combustion、true/false), 不含中文标签和名称列, 与数据仓库一致 / the CSV (Chinese headers, UTF-8 with "
                   "BOM) and Parquet (English names, typed) files of the same tables are for programs: they keep the "
                   "codes (warn, combustion, true/false) as the warehouse does, without labels or name columns")
# manifest.json says what each format is for, so a program reading it knows the CSV holds codes, not labels
FORMAT_NOTES = {
    "csv": "机器格式: 中文表头, 代码值, UTF-8 带 BOM / machine format: Chinese headers, coded values, UTF-8 with BOM",
    "parquet": "机器格式: 英文字段名, 代码值, 数据类型 / machine format: English names, coded values, typed",
    "xlsx": "阅读格式: 中文标签与名称列, 代码见表头批注 / for people: Chinese labels and name columns, codes in the "
            "header notes",
}
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
    """Display format of a number column by its unit (masses and energy to the kilogram), shares as percent, the
    unitless ones by what they are (FLOAT_FORMATS), counts with thousands separators, years plain; ISO dates; None
    for text and booleans."""
    if field.dtype == "float":
        if field.name.endswith("_share"):
            return SHARE_FORMAT
        return UNIT_FORMATS.get(field.unit or "") or FLOAT_FORMATS.get(field.name, VARIABLE_FORMAT)
    if field.dtype == "int":
        return COUNT_FORMAT if field.name.endswith("_count") else INT_FORMAT
    return DATE_FORMATS.get(field.dtype)


def vocabularies() -> dict[str, dict[str, str]]:
    """Column -> code -> label: schemas.labels, with the labels that are reference data (the key-emitter sectors of
    inventories/rules/sector_scope.csv, the region codes a factor may name)."""
    sectors = dict(sector_scope().select("sector_code", "sector_zh").unique().iter_rows())
    return {**VALUE_ZH, "sector_code": sectors, "factor_region": {**VALUE_ZH["factor_region"], **region_names()}}


def region_names() -> dict[str, str]:
    """GB/T 2260 code -> name (regions(), code to name: region_name_lookup maps names to codes)."""
    return dict(regions().select("region_code", "region_name").iter_rows())


def _codes_note(column: pl.Series, labels: dict[str, str]) -> str:
    """The codes a labelled column holds, each with its label: the key back to the CSV and the warehouse."""
    if not labels:
        return ""
    values = column.drop_nulls()
    if column.name in JOINED:
        values = values.str.split(JOINED[column.name][0]).explode()
    codes = sorted(set(values.unique().to_list()) & set(labels))
    return "\n代码 codes: " + "; ".join(f"{code} = {labels[code]}" for code in codes) if codes else ""


def people_view(name: str, frame: pl.DataFrame,
                labels: dict[str, dict[str, str]]) -> tuple[pl.DataFrame, list[str], list[str | None], list[str]]:
    """A table as its sheet shows it, with the headers, display formats and header notes of its columns: codes as
    Chinese labels (schemas.labels; the codes in the notes), booleans as 是/否, and a name column after each city
    or region code (NAMED_CODES) unless the table names its regions itself. The CSV keeps the stored values."""
    names = region_names()
    columns: list[pl.Expr] = []
    headers: list[str] = []
    formats: list[str | None] = []
    notes: list[str] = []
    for field in TABLES[name].fields:
        dtype = frame.schema[field.name]
        columns.append(label_expr(field.name, dtype, labels.get(field.name)).alias(field.name))
        headers.append(field.header_zh)
        formats.append(number_format(field))
        coded = "\n是 = true, 否 = false" if dtype == pl.Boolean else _codes_note(frame[field.name],
                                                                                labels.get(field.name) or {})
        notes.append(f"{field.name}{f' [{field.unit}]' if field.unit else ''}\n{field.en}{coded}")
        if field.name in NAMED_CODES and "region_name" not in frame.columns:
            header, note = NAMED_CODES[field.name]
            columns.append(pl.col(field.name).replace_strict(names, default=None, return_dtype=pl.String)
                           .alias(f"{field.name}:name"))
            headers.append(header)
            formats.append(None)
            notes.append(note)
    assert len(set(headers)) == len(headers), f"{name}: two columns of its sheet share a header"
    return frame.select(columns), headers, formats, notes


def sheet_names(tables: Iterable[str]) -> dict[str, str]:
    """Table -> sheet name: SHEET_TITLES or its Chinese name, without the characters Excel forbids, at most 31 long,
    unique."""
    used, names = {README_SHEET.casefold()}, {}
    for name in tables:
        base = SHEET_NAME_BAD.sub("_", SHEET_TITLES.get(name, TABLES[name].zh))[:SHEET_NAME_MAX]
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
        CODES_AND_LABELS,
        MACHINE_FORMATS,
        CSV_TEXT_NOTE,
    ]
    tables = [(sheets[name], name, frames[name].height, DESCRIPTIONS_ZH[name],
               TABLES[name].en + (REGISTER_NOTE_EN if name == "out_key_emitters__register" else ""))
              for name in EXPORT_TABLES]
    return [(("项目 item", "内容 content"), items),
            (("工作表 sheet", "表名 table", "行数 rows", "说明", "description"), tables)]


def _write_workbook(path: Path, frames: dict[str, pl.DataFrame], year: int, warehouse: Path, stamp: DataStamp) -> None:
    """融合清单_<year>.xlsx: README first, then one sheet per table with noted headers and display formats; the
    document date is the data's (数据截至), so the workbook's bytes do not change with the day it is written."""
    sheets, labels = sheet_names(EXPORT_TABLES), vocabularies()
    book, bold = new_workbook(path, created=stamp.as_of)
    write_readme(book, bold, _readme(frames, sheets, year, warehouse, stamp), widths=(36, 60, 10, 80, 80))
    for name in EXPORT_TABLES:
        view, headers, formats, notes = people_view(name, frames[name], labels)
        write_table(book, bold, sheets[name], view, headers=headers, num_formats=formats, notes=notes)
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
                    "gwp_sets": distinct(frames, "gwp_set"), "files": files,
                    "format_notes": {fmt: FORMAT_NOTES[fmt] for fmt in chosen}}
        text = json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
        (folder / MANIFEST).write_text(text, encoding="utf-8", newline="\n")
    return out_dir / MANIFEST
