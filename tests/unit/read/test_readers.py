"""Each reader on a small file in its official layout, written here the way the platforms export them."""

import datetime as dt
import json

import openpyxl
import polars as pl
import pytest

from pipelines.read.inbox import read_inbox
from pipelines.read.ingest import detect_source, transform_file
from pipelines.read.sources.permit import annual_limits

P1 = "91130200699229617X001P"  # HJ 608-2017 Annex A example (河钢唐山分公司)
P2 = "91130200699229617X002P"


def _xlsx(path, rows, merges=(), title=None, sheet="Sheet1"):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for merge in merges:
        ws.merge_cells(merge)
    book.save(path)
    return path


def _reasons(rejected: pl.DataFrame) -> dict[int, tuple[str, str]]:
    return {r["row_number"]: (r["column_name"], r["reason_en"]) for r in rejected.iter_rows(named=True)}


def test_permit_limits_two_row_merged_header_and_subtotals(tmp_path):
    years = ["第一年", "第二年", "第三年", "第四年", "第五年"]
    rows = [
        [f"排污许可证副本 大气污染物排放信息 许可证编号：{P1}"] + [None] * 11,
        ["排放口编号", "排放口名称", "污染物种类", "许可排放小时浓度限值", "许可排放日均浓度限值", "许可排放速率限值(kg/h)",
         "许可年排放量限值(t/a)", None, None, None, None, "承诺更加严格排放浓度限值"],
        [None] * 6 + years + [None],
        ["DA001", "锅炉废气排放口1#", "二氧化硫", "35mg/Nm3", "mg/Nm3", "/", 120.5, 120.5, 120.5, 120.5, 120.5, "无"],
        ["DA001", "锅炉废气排放口1#", "SO2", "35mg/Nm3", "/", "/", "/", "/", "/", "/", "/", "/"],
        ["DA001", "锅炉废气排放口1#", "林格曼黑度", "1级", "/", "/", "/", "/", "/", "/", "/", "/"],
        ["DA002", "锅炉废气排放口2#", "氮氧化物", "５０mg/Nm3", "/", "12.5", "80", "80", "80", "80", "80", "30"],
        ["主要排放口合计", "主要排放口合计", "二氧化硫", "/", "/", "/", "120.5", "120.5", "120.5", "120.5", "120.5", "/"],
        ["全厂有组织排放总计", "全厂有组织排放总计", "SO2", "/", "/", "/", "120.5", "120.5", "120.5", "120.5", "120.5", "/"],
    ]
    merges = [f"{c}2:{c}3" for c in "ABCDEFL"] + ["G2:K2", "A1:L1", "B4:B6", "A8:B8", "A9:B9"]
    path = _xlsx(tmp_path / "许可排放限值.xlsx", rows, merges)
    assert detect_source(path) == "permit"
    read, core, rejected = transform_file(path, "permit")
    limits = core["core_permit__limits"]
    assert rejected.height == 0 and limits.height == read.rows_read == 6
    assert limits["permit_no"].unique().to_list() == [P1]  # from the title row: the official page has no column
    by_row = {r["row_number"]: r for r in limits.iter_rows(named=True)}
    assert by_row[4]["conc_hourly_limit_mg_nm3"] == 35 and by_row[4]["conc_daily_limit_mg_nm3"] is None
    assert by_row[4]["limit_year_1_t"] == 120.5 and by_row[4]["stricter_conc_limit_mg_nm3"] is None
    assert by_row[6]["pollutant"] == "ringelmann" and by_row[6]["hourly_limit_text"] == "1级"
    assert by_row[7]["conc_hourly_limit_mg_nm3"] == 50 and by_row[7]["rate_limit_kg_h"] == 12.5
    assert "limit_year_1_t" in by_row[5]["not_applicable_fields"]
    assert [by_row[r]["emission_scope"] for r in (4, 8, 9)] == ["outlet", "main_outlets_total", "site_total"]
    outlets = limits.filter(pl.col("emission_scope") == "outlet", pl.col("pollutant") == "SO2")["limit_year_1_t"].sum()
    assert outlets == by_row[9]["limit_year_1_t"]  # totals are kept beside, never added to, the outlet rows

    registry = pl.DataFrame({"permit_no": [P1], "valid_from": [dt.date(2021, 6, 1)], "valid_to": [dt.date(2026, 5, 31)]})
    anchored = annual_limits(limits, registry)
    site = anchored.filter(pl.col("emission_scope") == "site_total")
    assert site["year"].to_list() == [2021, 2022, 2023, 2024, 2025] and site["permit_year_index"].to_list() == [1, 2, 3, 4, 5]


REGISTRY_CSV = (
    "省/直辖市,地市,许可证编号,单位名称,统一社会信用代码,行业类别,所在地区,有效期限,发证日期,管理类别,经度,纬度\n"
    f"河南省,郑州,{P1},演示甲热电有限公司,91130200699229617X,热电联产,河南省－郑州市－中原区,"
    "2023-06-01至2028-05-31,2023年5月28日,重点管理,113/39/0.36,34.75\n"
    f"河南省, 漯河市,{P2.replace('9', '９')},演示甲热电有限公司,,火力发电,河南省-漯河市,2023/06/01至2028/05/31,45074,"
    "简化,113.9,33.58\n"
    f"河南省,郑州市,{P1},演示乙公司,,热电联产,河南省-郑州市-不存在区,2028-06-01至2023-05-31,,重点管理,200,34\n"
)


def test_permit_registry_gb18030_dms_and_ranges(tmp_path):
    path = tmp_path / "许可证列表.csv"
    path.write_bytes(REGISTRY_CSV.encode("gb18030"))
    read, core, rejected = transform_file(path, "permit")
    assert read.encoding == "gb18030"
    good = core["core_permit__registry"].sort("row_number")
    assert good.height == 2 and rejected.height == 1
    first, second = good.row(0, named=True), good.row(1, named=True)
    assert (first["city_code"], first["region_code"]) == ("410100", "410102")
    assert first["lon_deg"] == pytest.approx(113 + 39 / 60 + 0.36 / 3600)
    assert (first["valid_from"], first["valid_to"], first["issue_date"]) == (
        dt.date(2023, 6, 1), dt.date(2028, 5, 31), dt.date(2023, 5, 28))
    assert second["permit_no"] == P2 and second["uscc"] == P2[:18]  # full-width digits, USCC from the permit number
    assert second["issue_date"] == dt.date(2023, 5, 28)  # Excel serial number 45074
    assert (second["city_code"], second["management_category"]) == ("411100", "简化管理")
    bad = rejected.row(0, named=True)
    assert bad["row_number"] == 4 and bad["column_name"] == "所在地区"
    assert bad["reason_en"].startswith("column '所在地区' (region): ")  # each problem opens with its column
    assert "column '有效期限' (validity): " in bad["reason_en"] and "“有效期限”列：" in bad["reason_zh"]
    assert "不存在区" in bad["reason_zh"] and "validity" in bad["reason_en"] and "longitude" not in bad["reason_en"]
    assert "经度" in bad["reason_zh"]  # every problem of the row is named, not just the first


def test_execution_report_units_from_header_and_remark(tmp_path):
    text = (
        "报告年份,报告类型,许可证编号,排放口类型,排放口编码,排放口名称,污染物代码,污染物名称,第一个月,第二个月,第三个月,合计(t),备注\n"
        f"2023,年报,{P1},主要排放口,DA001,锅炉1#,A21026,二氧化硫,,,,\"1,234.5\",\n"
        f"2023,年报,{P1},一般排放口,DA002,锅炉2#,A21002,NOx,,,,500,单位:千克\n"
        f"2023,年报,{P1},全厂合计,,,A21026,SO2,,,,1234.5,\n"
        f"2023,年报,{P1},主要排放口,DA001,锅炉1#,A21026,氮氧化物,,,,3,\n"
    )
    path = tmp_path / "执行报告.csv"
    path.write_text(text, encoding="utf-8-sig")
    _, core, rejected = transform_file(path, "permit")
    rows = {r["row_number"]: r for r in core["core_permit__execution_emissions"].iter_rows(named=True)}
    assert rows[2]["emission_mass_t"] == 1234.5 and rows[2]["pollutant"] == "SO2"
    assert rows[3]["emission_mass_t"] == pytest.approx(0.5) and rows[3]["pollutant"] == "NOx"  # 千克 in the remark
    assert rows[4]["emission_scope"] == "site_total" and rows[4]["outlet_code"] is None
    assert _reasons(rejected)[5][0] == "污染物代码" and "disagree" in _reasons(rejected)[5][1]


def test_envstat_org_codes_former_names_and_wan_units(tmp_path):
    header = ["组织机构代码", "单位名称", "行政区划代码", "行业类别代码", "煤炭消耗量(吨)", "天然气消耗量(万立方米)",
              "工业锅炉数(台)", "工业锅炉数(蒸吨)", "二氧化硫排放量(吨)"]
    rows = [["2023年 排放源统计调查 基101"] + [None] * 8, header,
            ["69922961-7", "演示丙钢铁有限公司（演示丙钢铁厂）", "410102", "C3120", "12,345.6", "/", 2, 35, 12.5],
            ["69922961-7(01)", "演示丙钢铁有限公司二分厂", "410102", "3120", 0, "1.5", "—", None, "零"],
            ["91130200699229617X", "演示甲热电有限公司", "419000", "4412", 100, None, 1, 10, 1]]
    path = _xlsx(tmp_path / "排放源统计_2023年_基101.xlsx", rows, ["A1:I1"], sheet="基101")
    book = openpyxl.load_workbook(path)
    wan = book.create_sheet("基101(万吨)")
    wan.append([h.replace("(吨)", "(万吨)") for h in header])
    wan.append(["699229617", "演示丁公司", "410102", "3011", 1.2, None, 1, 10, 0.0005])
    book.save(path)
    read, core, rejected = transform_file(path, "envstat")
    assert rejected.height == 0 and read.rows_read == 4
    rows = {(r["sheet_name"], r["row_number"]): r for r in core["core_envstat__enterprise"].iter_rows(named=True)}
    first = rows[("基101", 3)]
    assert (first["org_code"], first["uscc"], first["year"]) == ("699229617", None, 2023)  # year from the title row
    assert (first["enterprise_name"], first["former_names"]) == ("演示丙钢铁有限公司", "演示丙钢铁厂")
    assert first["coal_consumed_t"] == 12345.6 and first["boiler_count"] == 2 and first["boiler_capacity_t_steam_h"] == 35
    assert first["not_applicable_fields"] == "natural_gas_10k_nm3"
    second = rows[("基101", 4)]
    assert second["sub_unit_code"] == "01" and second["so2_mass_t"] == 0.0 and second["natural_gas_10k_nm3"] == 1.5
    third = rows[("基101", 5)]
    assert (third["uscc"], third["org_code"], third["city_code"]) == ("91130200699229617X", "699229617", "419001")
    wan_row = rows[("基101(万吨)", 2)]
    assert wan_row["coal_consumed_t"] == 12_000 and wan_row["so2_mass_t"] == pytest.approx(5.0)
    assert wan_row["year"] == 2023  # no title row on this sheet: the year comes from the file name


def test_merged_title_row_is_no_header_parent(tmp_path):
    """A title merged across the sheet gives the year, never a unit to the columns below it."""
    header = ["组织机构代码", "单位名称", "行政区划代码", "行业类别代码", "煤炭消耗量", "二氧化硫排放量"]
    rows = [["2022年排放源统计调查 基101（计量单位：万吨）"] + [None] * 5, header,
            ["699229617", "演示戊水泥有限公司", "410102", "3011", "1200", "3.5"]]
    read, core, rejected = transform_file(_xlsx(tmp_path / "基101.xlsx", rows, ["A1:F1"]), "envstat")
    row = core["core_envstat__enterprise"].row(0, named=True)
    assert rejected.height == 0 and read.rows_read == 1 and row["year"] == 2022
    assert row["coal_consumed_t"] == 1200 and row["so2_mass_t"] == 3.5


def test_ghg_monthly_periods_and_energy_flows(tmp_path):
    monthly = ("统一社会信用代码,单位名称,机组编号,年月,燃料品种,燃料消耗量(t),低位发热量(GJ/t),元素碳含量(%),购入使用电量(MWh)\n"
               "91130200699229617X,演示甲热电有限公司,1号机组,2023年6月,烟煤,1000,20.5,55.2,10\n"
               "91130200699229617X,演示甲热电有限公司,1号机组,202307,烟煤,1100,20.1,54.9,\n"
               "91130200699229617X,演示甲热电有限公司,1号机组,2023-13,烟煤,1100,20.1,54.9,\n")
    path = tmp_path / "月度存证.csv"
    path.write_text(monthly, encoding="utf-8")
    assert detect_source(path) == "ghg"
    _, core, rejected = transform_file(path, "ghg")
    got = core["core_ghg__power_monthly"].sort("row_number")
    assert got.select("year", "month").rows() == [(2023, 6), (2023, 7)]
    assert _reasons(rejected)[4][0] == "年月"
    flows = ("报告年度,统一社会信用代码,单位名称,类别,数量,计量单位,排放因子,排放量\n"
             "2023,91130200699229617X,演示甲,购入电力,12.5,万千瓦时,0.5703,71.29\n"
             "2023,91130200699229617X,演示甲,购入热力,1000,GJ,0.11,110\n"
             "2023,91130200699229617X,演示甲,购入电力,1000,GJ,0.11,110\n")
    path = tmp_path / "电力热力.csv"
    path.write_text(flows, encoding="utf-8")
    _, core, rejected = transform_file(path, "ghg")
    got = core["core_ghg__energy_flows"].sort("row_number")
    assert got.select("energy_flow", "electricity_mwh", "heat_gj").rows() == [
        ("purchased_electricity", 125.0, None), ("purchased_heat", None, 1000.0)]
    assert _reasons(rejected)[4][0] == "数量"  # GJ is not an electricity unit


def test_missing_required_column_and_extra_columns(tmp_path):
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    (inbox / "ghg").mkdir(parents=True)
    (inbox / "ghg" / "缺列.csv").write_text("报告年度,单位名称,燃料品种,消耗量(t)\n2023,演示甲,烟煤,10\n", encoding="utf-8")
    (inbox / "ghg" / "多列.csv").write_text(
        "报告年度,统一社会信用代码,单位名称,燃料品种,消耗量(t),填报人\n2023,91130200699229617X,演示甲,烟煤,10,张三\n",
        encoding="utf-8")
    (inbox / "ghg" / "放错.csv").write_text(
        "组织机构代码,单位名称,二氧化硫排放量(吨),氮氧化物排放量(吨)\n69922961-7,演示丙,1,2\n", encoding="utf-8")
    read = read_inbox(inbox, archive, "ghg")
    log = {r["source_file"]: r for r in read.file_log().iter_rows(named=True)}
    missing = log["ghg/缺列.csv"]
    assert missing["file_status"] == "missing_columns" and "统一社会信用代码" in missing["message"]
    extra = log["ghg/多列.csv"]
    assert extra["file_status"] == "ingested" and "填报人" in extra["message"]
    assert json.loads(read.tables["raw_ghg__fuel_lines"][0]["extra_columns"]) == {"填报人": "张三"}
    misplaced = log["ghg/放错.csv"]
    assert misplaced["file_status"] == "unrecognised" and "inbox/envstat/" in misplaced["message"]
    assert len(list(archive.iterdir())) == 3  # every file is archived by its SHA-256, read or not


def test_filled_template_ingests(tmp_path):
    from pipelines.deliver.templates import write_templates

    paths = {p.name.split("_")[1] + "_" + p.name.split("_")[2]: p for p in write_templates(tmp_path / "t")}
    path = paths["permit_limits"]
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    sheet.append([P1, "DA001", "锅炉1#", "二氧化硫", 35, None, None, 10, 10, 10, 10, 10, None])
    book.save(path)
    assert detect_source(path) == "permit"
    _, core, rejected = transform_file(path, "permit")
    row = core["core_permit__limits"].row(0, named=True)
    assert rejected.height == 0 and row["limit_year_5_t"] == 10 and row["conc_hourly_limit_mg_nm3"] == 35


def test_kilns_and_production(tmp_path):
    kilns = [["组织机构代码", "单位名称", "炉窑编号", "炉窑类型", "燃料类型", "燃料消耗量", "计量单位", "含硫量(%)",
              "二氧化硫排放量(吨)", "脱硫效率(%)"],
             ["69922961-7", "演示丙钢铁有限公司", "1#", "烧结机", "焦炭", "1.2", "万吨", "0.6", "3.2", "95"]]
    path = _xlsx(tmp_path / "G103-2_2022年.xlsx", kilns, sheet="G103-2")
    assert detect_source(path) == "envstat"
    _, core, rejected = transform_file(path, "envstat")
    row = core["core_envstat__kilns"].row(0, named=True)
    assert rejected.height == 0 and (row["year"], row["fuel_code"], row["fuel_consumed_units"]) == (2022, "coke", 12_000)
    assert row["so2_removal_pct"] == 95 and row["kiln_type"] == "烧结机"
    production = ("报告年份,许可证编号,生产设施编号,产品名称,产量,计量单位,运行时间(h)\n"
                  f"2023,{P1},MF0001,熟料,\"1,250,000\",吨,7200\n")
    path = tmp_path / "生产运行.csv"
    path.write_text(production, encoding="utf-8")
    _, core, rejected = transform_file(path, "permit")
    row = core["core_permit__production"].row(0, named=True)
    assert (row["product_name"], row["production_quantity"], row["production_unit"], row["operating_hours_h"]) == (
        "熟料", 1_250_000, "吨", 7200)
