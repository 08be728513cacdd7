"""Rejections name the column the way the file writes it (issue 27): a bad value under `消耗量` is reported under
`消耗量`, not `fuel_quantity` (which the English text adds), for every source, in CSV (GB18030) and XLSX alike; help
sheets (填表说明, 说明, README) are skipped as help, never as unrecognised; every template, CEMS included, round-trips."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipelines.deliver.templates import write_templates
from pipelines.read.cems.outlets import is_outlet_map, map_headers, read_outlet_map
from pipelines.read.cems.reader import read_file
from pipelines.read.inbox import read_inbox
from pipelines.read.ingest import transform_file
from pipelines.read.transforms import TRANSFORMS
from schemas.layouts import LAYOUTS

P1 = "91130200699229617X001P"  # HJ 608-2017 Annex A example
USCC = "91130200699229617X"

# source -> (file name, header, a good row, the row with one bad cell, the bad cell's header and internal column)
CASES = {
    "permit": ("许可证列表.csv", ["许可证编号", "单位名称", "有效期", "所在地区"],
               [P1, "演示甲热电有限公司", "2023-06-01至2028-05-31", "河南省-郑州市-中原区"],
               [P1, "演示乙热电有限公司", "长期有效", "河南省-郑州市-中原区"], "有效期", "validity"),
    "envstat": ("基101_2022年.csv", ["组织机构代码", "单位名称", "年份", "二氧化硫排放量(吨)"],
                ["69922961-7", "演示丙钢铁有限公司", "2022", "3.5"],
                ["69922961-7", "演示丁钢铁有限公司", "2022", "很多"], "二氧化硫排放量(吨)", "so2_emitted"),
    "ghg": ("燃料燃烧.csv", ["核算年度", "社会信用代码", "企业名称", "燃料种类", "消耗量(万吨)"],
            ["2023", USCC, "演示甲热电有限公司", "烟煤", "1.2"],
            ["2023", USCC, "演示甲热电有限公司", "洗精煤", "一点二"], "消耗量(万吨)", "fuel_quantity"),
    "city": ("城市指标.csv", ["年份", "城市名称", "指标名称", "指标值", "计量单位"],
             ["2022", "郑州市", "地区生产总值", "13000", "亿元"],
             ["2022", "开封市", "地区生产总值", "约5000", "亿元"], "指标值", "value"),
    "register": ("名录_2025.csv", ["序号", "省份", "企业名称", "社会信用代码"],
                 ["1", "河南省", "演示甲热电有限公司", USCC],
                 ["2", "河南省", "演示乙水泥有限公司", "91130200699229617Y"], "社会信用代码", "uscc"),
}


def _write(path: Path, rows: list[list[str]]) -> Path:
    """A hand-written file: CSV in GB18030 (as Excel on a Chinese Windows saves it) or a one-sheet workbook."""
    if path.suffix == ".csv":
        path.write_bytes("\n".join(",".join(r) for r in rows).encode("gb18030"))
        return path
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("source", sorted(CASES))
def test_a_bad_value_is_named_by_the_header_as_written(tmp_path, source, suffix):
    name, header, good, bad, written, column = CASES[source]
    path = _write((tmp_path / name).with_suffix(suffix), [header, good, bad])
    read, core, rejected = transform_file(path, source)
    assert read.rows_read == 2 and sum(t.height for t in core.values()) == 1 and rejected.height == 1
    row = rejected.row(0, named=True)
    raw = bad[header.index(written)]
    assert (row["row_number"], row["column_name"], row["raw_value"]) == (3, written, raw)
    assert row["reason_zh"].startswith(f"“{written}”列：") and raw in row["reason_zh"]
    assert row["reason_en"].startswith(f"column '{written}' ({column}): ")


def test_a_two_row_header_is_named_parent_slash_child(tmp_path):
    years = ["第一年", "第二年", "第三年", "第四年", "第五年"]
    path = tmp_path / "许可排放限值.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([f"许可证编号：{P1}"])
    sheet.append(["排放口编号", "污染物种类", "许可年排放量限值(t/a)", None, None, None, None])
    sheet.append([None, None, *years])
    sheet.append(["DA001", "二氧化硫", "120.5", "一百", "120.5", "120.5", "120.5"])
    for merge in ("A2:A3", "B2:B3", "C2:G2"):
        sheet.merge_cells(merge)
    book.save(path)
    _, _, rejected = transform_file(path, "permit")
    row = rejected.row(0, named=True)
    assert (row["column_name"], row["raw_value"]) == ("许可年排放量限值(t/a)/第二年", "一百")
    assert row["reason_en"].startswith("column '许可年排放量限值(t/a)/第二年' (limit_year_2): ")


def test_a_header_with_a_line_break_and_a_schema_failure_are_named_as_written(tmp_path):
    """A header cell typed over two lines reads as one line; a value the rules pass but the table schema refuses
    (year 1999: the inventory starts in 2000) is named by the header it was read from, too."""
    rows = [["核算年度", "统一社会信用代码", "单位名称", "燃料品种", "消耗量\n(万吨)"],
            ["1999", USCC, "演示甲热电有限公司", "烟煤", "1.2"], ["2023", USCC, "演示甲热电有限公司", "烟煤", "多"]]
    _, _, rejected = transform_file(_write(tmp_path / "燃料.xlsx", rows), "ghg")
    by_row = {r["row_number"]: r for r in rejected.iter_rows(named=True)}
    assert (by_row[2]["column_name"], by_row[2]["raw_value"]) == ("核算年度", "1999")
    assert by_row[2]["reason_en"].startswith("column '核算年度' (year): failed validation: year")
    assert by_row[2]["reason_zh"].startswith("“核算年度”列：未通过数据校验")
    assert (by_row[3]["column_name"], by_row[3]["raw_value"]) == ("消耗量 (万吨)", "多")
    assert "raw_record" in by_row[3] and "source_headers" not in by_row[3]["raw_record"]


def test_a_value_taken_from_the_title_is_named_as_such(tmp_path):
    """The permit number of a limits page is in its title row: a wrong one is blamed on that, not on a column."""
    wrong = "91130200699229617Y001P"  # the USCC inside has a wrong check character
    path = _write(tmp_path / "限值.xlsx", [[f"许可证编号：{wrong}"], ["排放口编号", "污染物种类", "第一年"],
                                          ["DA001", "二氧化硫", "10"]])
    _, _, rejected = transform_file(path, "permit")
    row = rejected.row(0, named=True)
    assert (row["column_name"], row["raw_value"]) == ("许可证编号", wrong)
    assert row["reason_zh"].startswith("“许可证编号”列(文件中没有此列，取自标题行、工作表名或文件名)：")
    assert row["reason_en"].startswith("column '许可证编号' (permit_no; not in the file: taken from its title rows")


@pytest.mark.parametrize("sheet_name", ["填表说明", "说明", "填报说明", "README", "Read Me"])
def test_help_sheets_are_skipped_as_help_not_unrecognised(tmp_path, sheet_name):
    inbox = tmp_path / "inbox"
    (inbox / "ghg").mkdir(parents=True)
    name, header, good, _, _, _ = CASES["ghg"]
    book = openpyxl.Workbook()
    book.active.append(header)
    book.active.append(good)
    help_sheet = book.create_sheet(sheet_name)
    help_sheet.append(["列 / column", "必填 / required"])
    help_sheet.append(["消耗量", "是"])  # a help line that names a header
    book.save(inbox / "ghg" / "燃料燃烧.xlsx")
    only_help = openpyxl.Workbook()
    only_help.active.title = sheet_name
    only_help.active.append(["请按模板填写"])
    only_help.save(inbox / "ghg" / "只有说明.xlsx")
    read = read_inbox(inbox, tmp_path / "archive", "ghg")
    log = {r["source_file"]: r for r in read.file_log().iter_rows(named=True)}
    filled, empty = log["ghg/燃料燃烧.xlsx"], log["ghg/只有说明.xlsx"]
    assert filled["file_status"] == "ingested" and "not recognised" not in filled["message"]
    assert f"help sheets skipped (instructions, not data): {sheet_name}" in filled["message"]
    assert "跳过填表说明工作表" in filled["message"]
    assert empty["file_status"] == "unrecognised" and sheet_name in empty["message"]  # nothing else to read


FILLED = {  # one valid row per source for its template (layout columns not named stay empty)
    "raw_permit__registry": {"permit_no": P1, "enterprise_name": "演示甲热电有限公司",
                             "validity": "2023-06-01至2028-05-31", "region": "河南省-郑州市-中原区"},
    "raw_envstat__enterprise": {"org_code": "69922961-7", "enterprise_name": "演示丙钢铁有限公司", "year": 2022,
                                "so2_emitted": 3.5},
    "raw_ghg__fuel_lines": {"year": 2023, "uscc": USCC, "enterprise_name": "演示甲热电有限公司", "fuel_name": "烟煤",
                            "fuel_quantity": 10, "fuel_unit": "t"},
    "raw_city__indicators": {"year": 2023, "city_name": "郑州市", "indicator_name": "地区生产总值", "value": 13600.5,
                             "unit": "亿元"},
    "raw_register__published_list": {"sequence_no": 1, "province": "河南省", "enterprise_name": "演示甲热电有限公司",
                                     "uscc": USCC, "list_period": "2025"},
}


@pytest.mark.parametrize("table", sorted(FILLED))
def test_a_filled_template_ingests_with_its_help_sheet_skipped(tmp_path, table):
    layout = LAYOUTS[table]
    template = next(p for p in write_templates(tmp_path / "t") if p.name.startswith(
        f"模板_{layout.source_system}_{table.split('__')[1]}_"))
    book = openpyxl.load_workbook(template)
    book.worksheets[0].append([FILLED[table].get(column) for column in layout.columns])
    inbox = tmp_path / "inbox"
    (inbox / layout.source_system).mkdir(parents=True)
    book.save(inbox / layout.source_system / template.name)
    read = read_inbox(inbox, tmp_path / "archive", layout.source_system)
    log = read.file_log().row(0, named=True)
    assert log["file_status"] == "ingested" and "填表说明" in log["message"] and "not recognised" not in log["message"]
    good, rejected = TRANSFORMS[table].run(read.raw_frame(layout), layout.source_system)
    assert rejected.height == 0 and good.height == 1


def _cems_template(folder: Path) -> tuple[Path, Path]:
    paths = write_templates(folder)
    return (next(p for p in paths if p.name.startswith("模板_cems_hourly_")),
            next(p for p in paths if p.name.startswith("模板_cems_outlets_")))


def test_the_cems_templates_round_trip_through_the_cems_reader(tmp_path):
    hourly, outlets = _cems_template(tmp_path / "t")
    book = openpyxl.load_workbook(outlets)  # the outlet map: the MN's permit and outlet
    book.worksheets[0].append(["MN01", P1, "DA001", "1号锅炉排放口"])
    book.save(outlets)
    assert is_outlet_map(map_headers(outlets)) and not is_outlet_map(map_headers(hourly))
    mapped, refused = read_outlet_map(outlets, "cems/outlets.xlsx")
    assert refused == [] and [(r["mn"], r["permit_no"], r["outlet_code"]) for r in mapped] == [("MN01", P1, "DA001")]

    book = openpyxl.load_workbook(hourly)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["MN", "DataTime"] and "a21026-Cou" in header and book.sheetnames == ["小时数据", "填表说明"]
    sheet.delete_cols(header.index("a21026-Cou") + 1)  # no SO2 mass column: the reader derives it (avg x flow)
    header = [c.value for c in sheet[1]]

    def row(**cells: object) -> list[object]:
        return [cells.get(h.replace("-", "_")) for h in header]

    # typed hours as Excel stores them (midnight included); one hour keyed in as text, the form the help asks for
    sheet.append(row(MN="MN01", DataTime=dt.datetime(2024, 1, 1, 0, 0), a21026_Avg=50, a21026_Flag="N",
                     a21002_Cou=2.5, a21002_Flag="N", a00000_Cou=20000, a00000_Flag="N"))
    sheet.append(row(MN="MN01", DataTime=dt.datetime(2024, 1, 1, 1, 0), a21026_Avg=40, a21026_Flag="D",
                     a21002_Cou=2.0, a21002_Flag="C", a00000_Cou=21000, a00000_Flag="N"))
    sheet.append(row(MN="MN01", DataTime=dt.datetime(2024, 1, 1, 2, 0), a21026_Avg=40, a21026_Flag="N",
                     a21002_Cou="两公斤", a21002_Flag="N", a00000_Cou=21000, a00000_Flag="N"))
    book.save(hourly)

    outlet_frame = pl.DataFrame({"mn": ["MN01"], "city_code": ["410100"]})
    result = read_file(hourly, "cems/郑州_2024_小时数据.xlsx", "a" * 64, outlet_frame, tmp_path / "hourly",
                       tmp_path / "rejected")
    assert (result.layout, result.rows_read, result.rows_accepted, result.rows_rejected, result.years) == (
        "wide", 3, 2, 1, (2024,))
    assert "help sheets skipped (instructions, not data): 填表说明" in result.message
    stored = pl.read_parquet(tmp_path / "hourly" / "year=2024" / "city=410100").sort("data_time")
    assert stored["data_time"].to_list() == [dt.datetime(2024, 1, 1, 0), dt.datetime(2024, 1, 1, 1)]
    # SO2 kg = mg/m3 x m3 / 1e6: 50 x 20,000 / 1e6 = 1.0; 40 x 21,000 / 1e6 = 0.84
    assert stored["so2_mass_kg"].to_list() == pytest.approx([1.0, 0.84])
    assert stored["so2_flag"].to_list() == ["N", "D"] and stored["nox_flag"].to_list() == ["N", "C"]
    assert stored["nox_mass_kg"].to_list() == [2.5, 2.0] and stored["flow_m3"].to_list() == [20000.0, 21000.0]
    assert stored["row_number"].to_list() == [2, 3]  # Excel rows: the header is row 1
    bad = pl.read_parquet(tmp_path / "rejected" / f"{'a' * 12}.parquet").row(0, named=True)
    assert (bad["sheet_name"], bad["row_number"], bad["column_name"], bad["raw_value"]) == (
        "小时数据", 4, "a21002-Cou", "两公斤")
    assert bad["reason_zh"] == "cems/郑州_2024_小时数据.xlsx：第4行“a21002-Cou”列数值无法识别"
    assert bad["reason_en"] == "cems/郑州_2024_小时数据.xlsx: row 4, column 'a21002-Cou' (nox_mass_kg): not a number"


def test_a_long_cems_export_names_the_value_header_and_factor_code(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("监测时间,数采仪编号,监测因子代码,实测浓度,排放量,数据标记\n"
                    "20240101000000,MN01,a21026,50,1.0,N\n20240101000000,MN01,a00000,,20000,N\n"
                    "20240101010000,MN01,a21026,50,1.0,X\n20240101010000,MN01,a00000,,20000,N\n", encoding="utf-8")
    result = read_file(path, "cems/long.csv", "b" * 64, pl.DataFrame({"mn": ["MN01"], "city_code": ["410100"]}),
                       tmp_path / "hourly", tmp_path / "rejected")
    assert (result.layout, result.rows_accepted, result.rows_rejected) == ("long", 2, 2)  # long rows
    bad = pl.read_parquet(tmp_path / "rejected" / f"{'b' * 12}.parquet").row(0, named=True)
    assert (bad["column_name"], bad["raw_value"]) == ("数据标记", "X")
    assert "“数据标记”列(因子代码a21026)数据标记无效" in bad["reason_zh"]
    assert "column '数据标记' (a21026, so2_flag): unknown data flag" in bad["reason_en"]
