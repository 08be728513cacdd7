"""The register export on a hand-made out_key_emitters__register: layout, numbers, CSV and XLSX details, CLI."""

import csv
import hashlib
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.deliver import register_export
from pipelines.deliver.register_export import RULE_ZH, RegisterExportError, export_register, refresh_register
from pipelines.deliver.tabular_files import AS_OF_LABEL, INPUTS_LABEL, NO_FILE_MANIFEST

HOME = "410100"  # 郑州市
POWER_A = "91410200MA00000001"  # 开封, 火力发电, reports both years
CEMENT_C = "91410100MA00000003"  # 郑州, 水泥, key emitter both years, never reports
STARCH_B = "91410100MA00000002"  # 郑州, 淀粉 with a captive power unit, key emitter 2023 by energy only, no report
FIBRE_D = "91410300MA00000004"  # 洛阳, 涤纶 (not covered), large but never a key emitter

RULE = {"emissions_basis": "direct_plus_indirect", "threshold_co2e_t": 26000.0, "threshold_energy_tce": 10000.0,
        "window_years": 2, "gwp_set": "SAR", "factor_set": "cn_default@2026.11"}


def _row(uscc, name, industry, city, year, sector, basis, co2e, tce, key, criterion, trigger, reporter, new, status,
         recalled=False) -> dict:
    return {
        "uscc": uscc, "enterprise_name": name, "industry_code": industry, "city_code": city, "year": year,
        "sector_code": sector, "coverage_basis": basis,
        "captive_power_evidence": "排污许可证 X 行业类别含「热电联产」" if basis == "captive_power" else None,
        "is_covered_sector": sector is not None, "co2e_t": co2e * 0.9, "co2_indirect_t": co2e * 0.1,
        "basis_co2e_t": co2e, "energy_tce": tce, "meets_co2e_threshold": co2e >= 26000,
        "meets_energy_threshold": tce >= 10000, "is_key_emitter": key, "key_emitter_criterion": criterion,
        "trigger_year": trigger, "trigger_basis_co2e_t": co2e if trigger else None,
        "trigger_energy_tce": tce if trigger else None, "is_ghg_reporter": reporter,
        "ghg_reported_co2_t": co2e * 0.8 if reporter else None, "is_newly_entering": new,
        "years_below_threshold": 0 if key else 1, "register_status": status, "evidence_zh": f"{name} {year} 说明",
        "source_systems": "envstat;ghg;permit" if reporter else "envstat;permit", "co2_method": "reported",
        "has_recalled_factor": recalled, "has_gap_filled": False, **RULE,
    }


ROWS = [
    _row(POWER_A, "演示发电A", "4411", "410200", 2022, "power", "industry_code", 150000.5, 40000.0, True, "co2e_and_energy_tce",
         2022, True, False, "reporting"),
    _row(POWER_A, "演示发电A", "4411", "410200", 2023, "power", "industry_code", 160000.25, 42000.0, True,
         "co2e_and_energy_tce", 2023, True, False, "reporting"),
    _row(STARCH_B, "演示淀粉B", "1391", HOME, 2022, "power", "captive_power", 20000.0, 9000.0, False, None, None, False, False,
         "below_threshold"),
    _row(STARCH_B, "演示淀粉B", "1391", HOME, 2023, "power", "captive_power", 21000.0, 12000.0, True, "energy_tce", 2023,
         False, True, "newly_entering"),
    _row(CEMENT_C, "演示水泥C", "3011", HOME, 2022, "building_materials", "industry_code", 80000.0, 9500.0, True, "co2e",
         2022, False, False, "missing_from_ghg_reporting"),
    _row(CEMENT_C, "演示水泥C", "3011", HOME, 2023, "building_materials", "industry_code", 85000.0, 9600.0, True, "co2e",
         2023, False, False, "missing_from_ghg_reporting", recalled=True),
    _row(FIBRE_D, "演示化纤D", "2822", "410300", 2022, None, None, 90000.0, 30000.0, False, "co2e_and_energy_tce", 2022,
         True, False, "not_covered_sector"),
    _row(FIBRE_D, "演示化纤D", "2822", "410300", 2023, None, None, 91000.0, 31000.0, False, "co2e_and_energy_tce", 2023,
         True, False, "not_covered_sector"),
]

REGISTER_HEADER = ["序号", "企业名称", "统一社会信用代码", "行业", "所在地市", "2022年排放量(tCO2e)", "2023年排放量(tCO2e)",
                   "2022年综合能耗(tce)", "2023年综合能耗(tce)", "纳入依据", "名录状态", "判定说明"]
FOLLOW_UP_HEADER = ["序号", "企业名称", "统一社会信用代码", "行业", "所在地市", "年度", "判定排放量(tCO2e)", "综合能耗(tce)",
                    "判定依据", "名录状态", "判定说明", "数据来源"]


# the inbox files behind the warehouse: the newest received_at is the data's time; an unreadable file has no hash
INPUT_FILES = [("ghg/a.xlsx", "b" * 64, datetime(2024, 3, 1, 9, 30, 15, 250000)),
               ("permit/b.csv", "a" * 64, datetime(2024, 3, 2, 17, 5, 0)),
               ("envstat/c.doc", None, datetime(2024, 2, 28, 8, 0, 0))]
AS_OF = datetime(2024, 3, 2, 17, 5, 0)
INPUTS_SHA256 = hashlib.sha256(f"{'a' * 64}\n{'b' * 64}".encode()).hexdigest()


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    frame = pl.DataFrame(ROWS, infer_schema_length=None)
    with duckdb.connect(str(path)) as con:
        con.register("frame", frame)
        con.execute("create table out_key_emitters__register as select * from frame")
        con.execute("create table core_qa__file_manifest (source_file varchar, file_sha256 varchar, received_at timestamp)")
        con.executemany("insert into core_qa__file_manifest values (?, ?, ?)", INPUT_FILES)
    return path


def _csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _xlsx(path: Path, sheet: int = 0) -> list[list]:
    book = openpyxl.load_workbook(path)
    return [list(row) for row in book.worksheets[sheet].iter_rows(values_only=True)]


def _by_name(paths: list[Path]) -> dict[str, Path]:
    return {p.name: p for p in paths}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_register_layout_and_numbers(warehouse, tmp_path):
    paths = _by_name(export_register(warehouse, tmp_path / "out"))
    assert set(paths) == {"重点排放单位名录_2022-2023.xlsx", "重点排放单位名录_2022-2023.csv",
                          "未报告重点排放单位_2022-2023.xlsx", "未报告重点排放单位_2022-2023.csv"}
    rows = _xlsx(paths["重点排放单位名录_2022-2023.xlsx"])
    assert rows[0] == REGISTER_HEADER
    body = [dict(zip(REGISTER_HEADER, r, strict=True)) for r in rows[1:]]
    # key emitters in any year only (not D); by city code then name: 郑州 水泥 < 淀粉 (code point order), then 开封
    assert [r["统一社会信用代码"] for r in body] == [CEMENT_C, STARCH_B, POWER_A]
    assert [r["序号"] for r in body] == [1, 2, 3]
    cement, starch, power = body
    assert (power["2022年排放量(tCO2e)"], power["2023年排放量(tCO2e)"]) == (150000.5, 160000.25)
    assert (starch["2022年综合能耗(tce)"], starch["2023年综合能耗(tce)"]) == (9000.0, 12000.0)
    assert cement["2023年排放量(tCO2e)"] == 85000.0
    assert power["行业"] == "发电(火力发电)" and power["所在地市"] == "开封市"
    assert starch["行业"] == "发电(淀粉及淀粉制品制造)(自备电厂)" and starch["所在地市"] == "郑州市"
    assert cement["行业"] == "建材(水泥制造)"
    assert (starch["纳入依据"], starch["名录状态"], starch["判定说明"]) == ("综合能耗(2023年)", "新纳入", "演示淀粉B 2023 说明")
    assert (power["纳入依据"], power["名录状态"]) == ("排放量及综合能耗(2023年)", "已报告")
    assert (cement["纳入依据"], cement["名录状态"]) == ("排放量(2023年)", "未报告温室气体排放")


def test_follow_up_list_holds_exactly_the_non_reporting_key_emitter_rows(warehouse, tmp_path):
    paths = _by_name(export_register(warehouse, tmp_path / "out"))
    rows = _xlsx(paths["未报告重点排放单位_2022-2023.xlsx"])
    assert rows[0] == FOLLOW_UP_HEADER
    body = [dict(zip(FOLLOW_UP_HEADER, r, strict=True)) for r in rows[1:]]
    expected = [(r["uscc"], r["year"]) for r in ROWS if r["is_key_emitter"] and not r["is_ghg_reporter"]]
    assert sorted((r["统一社会信用代码"], r["年度"]) for r in body) == sorted(expected)
    assert [(r["序号"], r["统一社会信用代码"], r["年度"]) for r in body] == [
        (1, CEMENT_C, 2022), (2, CEMENT_C, 2023), (3, STARCH_B, 2023)]
    assert body[0]["判定排放量(tCO2e)"] == 80000.0 and body[2]["综合能耗(tce)"] == 12000.0
    assert (body[0]["判定依据"], body[0]["数据来源"]) == ("排放量(2022年)", "排放源统计、排污许可")


@pytest.mark.parametrize("stem", ["重点排放单位名录_2022-2023", "未报告重点排放单位_2022-2023"])
def test_csv_has_bom_and_matches_the_xlsx(warehouse, tmp_path, stem):
    export_register(warehouse, tmp_path)
    csv_path = tmp_path / f"{stem}.csv"
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    from_csv, from_xlsx = _csv(csv_path), _xlsx(tmp_path / f"{stem}.xlsx")
    assert from_csv[0] == from_xlsx[0] and len(from_csv) == len(from_xlsx) == 4
    for text_row, cell_row in zip(from_csv[1:], from_xlsx[1:], strict=True):
        for text, cell in zip(text_row, cell_row, strict=True):
            assert (float(text) == cell) if isinstance(cell, int | float) else (text == (cell or ""))


def test_xlsx_frozen_header_formats_and_readme(warehouse, tmp_path):
    paths = _by_name(export_register(warehouse, tmp_path))
    book = openpyxl.load_workbook(paths["重点排放单位名录_2022-2023.xlsx"])
    data, readme = book.worksheets
    assert data.freeze_panes == "A2"
    assert data["F2"].number_format == "#,##0.000" and data["A2"].number_format == "0"  # t to the kilogram; 序号
    assert readme.title == "说明 README"
    notes = {item: content for item, content in readme.iter_rows(min_row=2, values_only=True)}
    assert notes["排放量门槛 CO2e threshold"] == "26,000 tCO2e"
    assert notes["综合能耗门槛 energy threshold"] == "10,000 tce"
    assert notes["判定年数 window"].startswith("2 年")
    assert notes["排放量口径 emissions basis"] == "直接排放+外购电力热力间接排放 (direct_plus_indirect)"
    assert notes["GWP版本 GWP set"] == "SAR" and notes["因子库版本 factor set"] == "cn_default@2026.11"
    assert notes["判定规则 rule"] == RULE_ZH
    assert notes["待核实因子 recalled factors"].startswith("含待核实因子: 1 行")
    assert notes["数据来源表 source table"].startswith("out_key_emitters__register")
    assert notes["记录 rows"].startswith("3 家企业")
    assert (notes[AS_OF_LABEL], notes[INPUTS_LABEL]) == (AS_OF, INPUTS_SHA256)  # the data's time, not the export's
    assert not any("生成时间" in item for item in notes)
    assert book.properties.created == AS_OF


def test_two_exports_of_one_warehouse_are_byte_identical(warehouse, tmp_path):
    paths = export_register(warehouse, tmp_path / "first")
    first = _files(tmp_path / "first")
    assert set(first) == {p.name for p in paths}
    copy = tmp_path / "elsewhere" / "warehouse.duckdb"  # the same content, another path and file time
    copy.parent.mkdir()
    shutil.copyfile(warehouse, copy)
    export_register(copy, tmp_path / "second")
    assert _files(tmp_path / "second") == first  # the workbooks too: no time of export, no path
    export_register(copy, tmp_path / "second")  # over its own files: replaced, no temporary left
    assert _files(tmp_path / "second") == first and not list((tmp_path / "second").glob(".*"))


def test_without_a_file_manifest_the_export_says_so_and_stays_repeatable(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table core_qa__file_manifest")
    export_register(warehouse, tmp_path / "first")
    export_register(warehouse, tmp_path / "second")
    assert _files(tmp_path / "second") == _files(tmp_path / "first")
    book = openpyxl.load_workbook(tmp_path / "first" / "重点排放单位名录_2022-2023.xlsx")
    notes = dict(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert notes[AS_OF_LABEL] == notes[INPUTS_LABEL] == NO_FILE_MANIFEST
    assert book.properties.created == datetime(1980, 1, 1)  # a fixed date, never the day of export


def test_a_failed_export_keeps_the_previous_files_and_the_users_own(warehouse, tmp_path, monkeypatch):
    export_register(warehouse, tmp_path, years=(2022, 2023))
    (tmp_path / "mine.txt").write_text("the user's")
    before = _files(tmp_path)
    written, original = [], register_export.write_csv

    def fail_second(frame: pl.DataFrame, path: Path, headers: list[str] | None = None) -> Path:
        if written:
            raise OSError("disk full")
        written.append(path)
        return original(frame, path, headers)

    monkeypatch.setattr(register_export, "write_csv", fail_second)
    with pytest.raises(OSError, match="disk full"):
        export_register(warehouse, tmp_path, years=(2022, 2023))
    assert written and _files(tmp_path) == before  # the first new CSV was written, but not renamed in


def test_the_builds_refresh_replaces_the_folder_whole(warehouse, tmp_path):
    folder = tmp_path / "exports" / "register"
    export_register(warehouse, folder, years=(2022, 2022))  # an older set (`synergy register --years 2022`)
    paths = refresh_register(warehouse, folder)
    assert sorted(p.name for p in paths) == sorted(_files(folder)) == sorted(
        f"{stem}_2022-2023.{ext}" for stem in ("重点排放单位名录", "未报告重点排放单位") for ext in ("xlsx", "csv"))
    export_register(warehouse, tmp_path / "direct")
    assert _files(folder) == _files(tmp_path / "direct")  # the same files `synergy register` writes
    assert sorted(p.name for p in folder.parent.iterdir()) == ["register"]  # no temporary left beside it


def test_the_builds_refresh_keeps_the_previous_files_on_failure_and_refuses_foreign_ones(warehouse, tmp_path,
                                                                                          monkeypatch):
    folder = tmp_path / "register"
    refresh_register(warehouse, folder)
    before = _files(folder)

    def disk_full(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(register_export, "write_csv", disk_full)
    with pytest.raises(OSError, match="disk full"):
        refresh_register(warehouse, folder)
    assert _files(folder) == before and sorted(p.name for p in tmp_path.iterdir()) == ["register", "warehouse.duckdb"]
    monkeypatch.undo()
    (folder / "mine.txt").write_text("the user's")
    with pytest.raises(RegisterExportError, match=r"mine\.txt.*choose an empty folder"):
        refresh_register(warehouse, folder)
    assert _files(folder) == {**before, "mine.txt": b"the user's"}


def test_empty_selection_writes_headers_and_says_so(warehouse, tmp_path):
    paths = _by_name(export_register(warehouse, tmp_path, years=(2019, 2020)))
    assert _csv(paths["重点排放单位名录_2019-2020.csv"]) == [
        ["序号", "企业名称", "统一社会信用代码", "行业", "所在地市", "2019年排放量(tCO2e)", "2020年排放量(tCO2e)",
         "2019年综合能耗(tce)", "2020年综合能耗(tce)", "纳入依据", "名录状态", "判定说明"]]
    assert _xlsx(paths["未报告重点排放单位_2019-2020.xlsx"]) == [FOLLOW_UP_HEADER]
    notes = dict(_xlsx(paths["未报告重点排放单位_2019-2020.xlsx"], sheet=1)[1:])
    assert notes["记录 rows"].startswith("无记录")
    assert notes["排放量门槛 CO2e threshold"].startswith("26,000 tCO2e (规则文件")  # no row selected: the rule file


def test_one_year_selection(warehouse, tmp_path):
    paths = _by_name(export_register(warehouse, tmp_path, years=(2022, 2022)))
    rows = _csv(paths["重点排放单位名录_2022-2022.csv"])
    assert rows[0][5:7] == ["2022年排放量(tCO2e)", "2022年综合能耗(tce)"]
    assert [r[2] for r in rows[1:]] == [CEMENT_C, POWER_A]  # B enters only in 2023
    assert [r[2] for r in _csv(paths["未报告重点排放单位_2022-2022.csv"])[1:]] == [CEMENT_C]


def test_missing_warehouse_or_table_is_a_clear_error(tmp_path):
    with pytest.raises(RegisterExportError, match="synergy build"):
        export_register(tmp_path / "absent.duckdb", tmp_path)
    duckdb.connect(str(tmp_path / "other.duckdb")).close()
    with pytest.raises(RegisterExportError, match="no such table"):
        export_register(tmp_path / "other.duckdb", tmp_path)


def test_cli_register(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNERGY_HOME", str(warehouse.parent))
    result = CliRunner().invoke(app, ["register", "--years", "2022-2023", "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert "重点排放单位名录_2022-2023.xlsx" in result.output
    assert (tmp_path / "cli" / "未报告重点排放单位_2022-2023.csv").is_file()
    monkeypatch.setenv("SYNERGY_HOME", str(tmp_path / "empty_home"))
    result = CliRunner().invoke(app, ["register"])
    assert result.exit_code == 2 and "no workspace at" in result.output  # a read-only command creates none
    (tmp_path / "empty_home").mkdir()
    result = CliRunner().invoke(app, ["register"])
    assert result.exit_code == 2 and "请先运行 synergy build" in result.output
