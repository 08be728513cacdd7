"""The key-emitter register (重点排放单位名录) as the bureau publishes it, from the warehouse.

Two exports, each as XLSX (data sheet + 说明 README sheet) and CSV (UTF-8 with BOM, so Excel shows the Chinese):
- 重点排放单位名录_<first>-<last>: one row per enterprise that is a key emitter in any selected year, with its
  emissions and energy per year: the layout of the published provincial lists;
- 未报告重点排放单位_<first>-<last>: every key-emitter enterprise-year without a GHG report: the follow-up list.

Only out_key_emitters__register (and core_qa__file_manifest for the data's time, if present) is read (read-only), so the
export runs on any published warehouse without Dagster. The files depend on the warehouse's data only (rows in a fixed
order, 数据截至 data as of and the inputs' fingerprint instead of the time of export). `synergy register` may write
into a shared folder (several year ranges, a user's own folder), so each set of files is written under temporary names
and renamed in only once all are written (output_dirs.atomic_files): nothing else in the folder is touched. Every
build refreshes exports/register/ whole (`refresh_register`, output_dirs.atomic_dir), like exports/<year>/.
Both files are for people: the CSV carries the same labelled columns as the workbook (the layout of the published
lists), unlike the yearly export's CSV, which keeps the codes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import polars.selectors as cs

from inventories.reference import industries, key_emitter_rule, regions, sector_scope
from pipelines.deliver.output_dirs import atomic_dir, atomic_files
from pipelines.deliver.tabular_files import (
    CSV_TEXT_NOTE,
    INT_FORMAT,
    UNIT_FORMATS,
    DataStamp,
    data_stamp,
    new_workbook,
    write_csv,
    write_readme,
    write_table,
)
from pipelines.deliver.warehouse import table_columns
from schemas.labels import BASIS_ZH, CRITERION_ZH, STATUS_ZH
from schemas.sources import SOURCE_SYSTEM_ZH

TABLE = "out_key_emitters__register"
COLUMNS = ("uscc", "enterprise_name", "industry_code", "city_code", "year", "sector_code", "coverage_basis",
           "emissions_basis", "basis_co2e_t", "energy_tce", "is_key_emitter", "key_emitter_criterion", "trigger_year",
           "threshold_co2e_t", "threshold_energy_tce", "window_years", "is_ghg_reporter", "is_newly_entering",
           "register_status", "evidence_zh", "source_systems", "gwp_set", "factor_set", "has_recalled_factor")
RULE_ZH = "覆盖行业(含任何行业的自备电厂) 且 任一年排放量≥门槛 或 综合能耗≥门槛"
DECIMALS = 3  # t, tCO2e and tce kept to the kilogram in both files
TONNES_FORMAT = UNIT_FORMATS["tCO2e"]  # every float column of both exports is in t, tCO2e or tce
STEMS = ("重点排放单位名录", "未报告重点排放单位")
# a file this export writes into a folder (any year range), or its temporary (output_dirs) left by a crash
OUR_FILE = re.compile(rf"\.?(?:{'|'.join(STEMS)})(?:_\d{{4}}-\d{{4}})?\.(?:xlsx|csv)(?:\.building-\d+-[0-9a-f]+)?")


class RegisterExportError(RuntimeError):
    """No usable register in the warehouse (not built yet, or built before the register had these columns)."""


def read_register(warehouse: Path, years: tuple[int, int] | None = None) -> pl.DataFrame:
    """The register rows of the years (all by default); read-only, so a build elsewhere is not blocked for long."""
    return _read(warehouse, years)[0]


def _read(warehouse: Path, years: tuple[int, int] | None) -> tuple[pl.DataFrame, DataStamp]:
    """The register rows (by uscc, year) and the warehouse's DataStamp, from one connection: one published file."""
    if not warehouse.exists():
        raise RegisterExportError(f"没有数据仓库 / no warehouse at {warehouse}: 请先运行 synergy build / run synergy build first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        present = table_columns(con, TABLE)
        missing = [c for c in COLUMNS if c not in present]
        if missing:
            what = "没有该表 / no such table" if not present else f"缺少列 / missing columns {', '.join(missing)}"
            raise RegisterExportError(f"{TABLE} in {warehouse}: {what}; 请重新运行 synergy build / rerun synergy build")
        where = "where year between ? and ?" if years else ""
        rows = con.execute(f"select {', '.join(COLUMNS)} from {TABLE} {where} order by uscc, year",
                                 list(years or [])).pl()
        return rows, data_stamp(con)


def register_counts(rows: pl.DataFrame) -> pl.DataFrame:
    """Per year: key emitters, of which with / without a GHG report, and newly entering (flags, not the one status)."""
    key = rows.filter(pl.col("is_key_emitter"))
    reporter = pl.col("is_ghg_reporter").fill_null(False)
    return (key.group_by("year")
            .agg(pl.len().alias("key_emitters"), reporter.sum().alias("reporting"), (~reporter).sum().alias("not_reporting"),
                 pl.col("is_newly_entering").fill_null(False).sum().alias("newly_entering"))
            .sort("year"))


def _labelled(rows: pl.DataFrame) -> pl.DataFrame:
    """Adds the Chinese text columns the published lists show: 行业, 所在地市, 纳入依据, 名录状态, 数据来源."""
    sectors = dict(sector_scope().select("sector_code", "sector_zh").unique().iter_rows())
    names = dict(industries().select("industry_code", "industry_name").iter_rows())
    cities = dict(regions().filter(pl.col("level") == "city").select("region_code", "region_name").iter_rows())
    sector = pl.col("sector_code").replace_strict(sectors, default=None, return_dtype=pl.String)
    industry = pl.col("industry_code").replace_strict(names, default=pl.col("industry_code"), return_dtype=pl.String)
    criterion = pl.col("key_emitter_criterion").replace_strict(CRITERION_ZH, default=pl.col("key_emitter_criterion"),
                                                               return_dtype=pl.String)
    return rows.with_columns(
        pl.concat_str([sector, pl.when(sector.is_null()).then(industry).otherwise(pl.format("({})", industry)),
                       pl.when(pl.col("coverage_basis") == "captive_power").then(pl.lit("(自备电厂)"))],
                      ignore_nulls=True).alias("行业"),
        pl.col("city_code").replace_strict(cities, default=pl.col("city_code"), return_dtype=pl.String).alias("所在地市"),
        pl.when(pl.col("is_key_emitter"))
        .then(pl.concat_str([criterion, pl.format("({}年)", pl.col("trigger_year"))], ignore_nulls=True)).alias("纳入依据"),
        pl.col("register_status").replace_strict(STATUS_ZH, default=pl.col("register_status"),
                                                 return_dtype=pl.String).alias("名录状态"),
        pl.col("source_systems").str.split(";")
        .list.eval(pl.element().replace_strict(SOURCE_SYSTEM_ZH, default=pl.element(), return_dtype=pl.String))
        .list.join("、").alias("数据来源"),
    )


def _numbered(frame: pl.DataFrame, order: list[str], columns: dict[str, str]) -> pl.DataFrame:
    """Sorted, with 序号 from 1, the columns renamed to the published headers, tonnes to the kilogram (no float noise)."""
    return (frame.sort([*order, "uscc"], nulls_last=True)
            .with_row_index("序号", offset=1).with_columns(pl.col("序号").cast(pl.Int64))
            .select("序号", *(pl.col(source).alias(header) for source, header in columns.items()))
            .with_columns(cs.float().round(DECIMALS)))


def register_list(rows: pl.DataFrame, years: list[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """File 1 (one row per enterprise on the register in any year) and the enterprise-year rows behind it.

    Name, industry, city, status and evidence are the latest year's; 纳入依据 is the latest key-emitter year's.
    """
    labelled = _labelled(rows)
    behind = labelled.filter(pl.col("is_key_emitter").any().over("uscc")).sort("uscc", "year")  # groups keep this order
    latest = ["enterprise_name", "city_code", "行业", "所在地市", "名录状态", "evidence_zh"]
    per_year = [*((f"{y}年排放量(tCO2e)", "basis_co2e_t", y) for y in years),
                *((f"{y}年综合能耗(tce)", "energy_tce", y) for y in years)]
    wide = behind.group_by("uscc").agg(
        pl.col(*latest).last(),
        pl.col("纳入依据").filter(pl.col("is_key_emitter")).last(),
        *(pl.col(source).filter(pl.col("year") == year).first().alias(header) for header, source, year in per_year),
    )
    columns = {"enterprise_name": "企业名称", "uscc": "统一社会信用代码", "行业": "行业", "所在地市": "所在地市",
               **{header: header for header, _, _ in per_year}, "纳入依据": "纳入依据", "名录状态": "名录状态",
               "evidence_zh": "判定说明"}
    return _numbered(wide, ["city_code", "enterprise_name"], columns), behind


def follow_up_list(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """File 2 (every key-emitter enterprise-year without a GHG report) and those rows."""
    behind = _labelled(rows).filter(pl.col("is_key_emitter") & ~pl.col("is_ghg_reporter").fill_null(False))
    columns = {"enterprise_name": "企业名称", "uscc": "统一社会信用代码", "行业": "行业", "所在地市": "所在地市", "year": "年度",
               "basis_co2e_t": "判定排放量(tCO2e)", "energy_tce": "综合能耗(tce)", "纳入依据": "判定依据",
               "名录状态": "名录状态", "evidence_zh": "判定说明", "数据来源": "数据来源"}
    return _numbered(behind, ["city_code", "enterprise_name", "year"], columns), behind


def _values(rows: pl.DataFrame, column: str, fallback: object, text: Callable[[Any], str] = str) -> str:
    """Distinct values of a rule column as written in the table; the rule file's value when no row is selected."""
    found = rows[column].drop_nulls().unique().sort().to_list()
    if not found:
        return f"{text(fallback)} (规则文件 inventories/rules/key_emitters.yaml; 表中无所选年度数据)" if fallback else "无数据"
    return "; ".join(text(v) for v in found)


def _notes(title: str, what: str, count: str, rows: pl.DataFrame, behind: pl.DataFrame, years: str,
           warehouse: Path, stamp: DataStamp) -> list[tuple[str, object]]:
    """The README sheet: what the list is, the rule and its parameters as applied, and where the numbers come from."""
    rule = key_emitter_rule()
    lookback = rule.get("lookback_years")
    recalled = behind["has_recalled_factor"].fill_null(False).sum()
    return [
        ("名录 list", title),
        ("说明 what", what),
        ("年度 years", years or "无数据 no data"),
        ("记录 rows", count),
        ("判定规则 rule", RULE_ZH),
        ("排放量口径 emissions basis",
         _values(rows, "emissions_basis", rule.get("emissions_basis"), lambda v: f"{BASIS_ZH.get(v, v)} ({v})")),
        ("排放量门槛 CO2e threshold",
         _values(rows, "threshold_co2e_t", rule.get("threshold_co2e_t"), lambda v: f"{v:,.0f} tCO2e")),
        ("综合能耗门槛 energy threshold",
         _values(rows, "threshold_energy_tce", rule.get("threshold_energy_tce"), lambda v: f"{v:,.0f} tce")),
        ("判定年数 window", _values(rows, "window_years", None if lookback is None else int(lookback) + 1,
                                   lambda v: f"{v} 年 (当年及之前{v - 1}年, 任一年达到门槛即纳入)")),
        ("GWP版本 GWP set", _values(rows, "gwp_set", rule.get("gwp_set"))),
        ("因子库版本 factor set", _values(rows, "factor_set", None)),
        ("待核实因子 recalled factors", f"含待核实因子: {recalled} 行(企业-年度)使用了状态为待核实(recalled)的排放因子"
         if recalled else "无: 没有使用待核实(recalled)因子的行"),
        ("数据来源表 source table", f"{TABLE} ({warehouse.name})"),  # the name: a copy of the warehouse gives the same file
        *stamp.rows(),
        CSV_TEXT_NOTE,
    ]


def _write(frame: pl.DataFrame, stage: Callable[[str], Path], stem: str, sheet_name: str, notes: list[tuple[str, object]],
           stamp: DataStamp) -> list[str]:
    """One export as XLSX (frozen header, number formats, README sheet; dated with the data) and as CSV with the same
    headers and rows, each to its staged temporary path; returns the two file names."""
    xlsx, csv = f"{stem}.xlsx", f"{stem}.csv"
    book, bold = new_workbook(stage(xlsx), created=stamp.as_of)
    write_table(book, bold, sheet_name, frame, num_formats=[
        TONNES_FORMAT if dtype.is_float() else INT_FORMAT if dtype.is_integer() else None for dtype in frame.dtypes])
    write_readme(book, bold, [(("项目 item", "内容 content"), notes)], widths=(30, 100))
    book.close()
    write_csv(frame, stage(csv))
    return [xlsx, csv]


def export_register(warehouse: Path, out_dir: Path, years: tuple[int, int] | None = None) -> list[Path]:
    """Write the register and the follow-up list (XLSX + CSV each) into out_dir; returns the four paths.

    Years default to every year in the register; a selection with no key emitter still writes the headers. The four
    files replace earlier ones of the same names together, and only once all four are written.
    """
    rows, stamp = _read(warehouse, years)
    selected = list(range(years[0], years[1] + 1)) if years else sorted(rows["year"].unique().to_list())
    label = f"{selected[0]}-{selected[-1]}" if selected else ""
    suffix = f"_{label}" if label else ""
    register, register_rows = register_list(rows, selected)
    follow_up, follow_up_rows = follow_up_list(rows)
    empty = "无记录 no rows: 所选年度内没有{} (文件只有表头 headers only)"
    with atomic_files(out_dir) as stage:
        names = [
            *_write(register, stage, f"{STEMS[0]}{suffix}", STEMS[0], _notes(
                "重点排放单位名录 (key-emitter register)",
                "所选年度内任一年为重点排放单位的企业(统一社会信用代码, 各厂址合计), 每年的判定排放量与综合能耗; "
                "名录状态与判定说明为最近一年 / the enterprises (USCC, their sites summed) that are key emitters in "
                "any selected year, with their emissions and energy on the register's basis per year; status and "
                "evidence are the latest year's",
                f"{register.height} 家企业 enterprises" if register.height else empty.format("重点排放单位"),
                rows, register_rows, label, warehouse, stamp), stamp),
            *_write(follow_up, stage, f"{STEMS[1]}{suffix}", STEMS[1], _notes(
                "未报告重点排放单位 (key emitters without a GHG report, follow-up list)",
                "为重点排放单位但当年未报送温室气体排放报告的企业-年度, 供督促报告 / every enterprise-year on the "
                "register without a GHG report for that year, to follow up",
                f"{follow_up.height} 行(企业-年度) enterprise-years" if follow_up.height
                else empty.format("未报告的重点排放单位"),
                rows, follow_up_rows, label, warehouse, stamp), stamp),
        ]
    return [out_dir / name for name in names]


def register_files(folder: Path) -> set[str]:
    """The files in folder this export wrote, for any year range (and their leftover temporaries): what a build may
    replace in exports/register/."""
    return {p.name for p in folder.iterdir() if OUR_FILE.fullmatch(p.name)} if folder.is_dir() else set()


def refresh_register(warehouse: Path, folder: Path) -> list[Path]:
    """exports/register/ as every build leaves it: the register and follow-up list of every year in the warehouse,
    swapped in whole (output_dirs.atomic_dir), so a recipient never finds the files of an older build or a year range
    the data no longer has. Raises RegisterExportError, before writing, if the folder holds files this export did not
    write (they would be lost); returns the four paths."""
    with atomic_dir(folder, register_files, RegisterExportError) as building:
        names = [path.name for path in export_register(warehouse, building)]
    return [folder / name for name in names]
