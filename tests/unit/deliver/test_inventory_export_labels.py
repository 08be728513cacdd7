"""The yearly workbook reads without a dictionary: Chinese labels where the CSV has codes, names beside region codes,
a display format on every number, each sheet described in Chinese and English; the CSV keeps the codes.

A tiny hand-made warehouse (every export table, a few rows) is exported; the workbook is read back with openpyxl.
"""

import json
import re
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from inventories.reference import FACTORS
from pipelines.deliver.inventory_export import (
    EXPORT_TABLES,
    SHEET_TITLES,
    export_year,
    number_format,
    sheet_names,
    vocabularies,
)
from schemas.fields import METHODS, SYNERGY_POLLUTANTS
from schemas.generate import polars_schema
from schemas.labels import VALUE_ZH
from schemas.tables import TABLES

YEAR = 2023
ZHENGZHOU, ZHONGYUAN, KAIFENG = "410100", "410102", "410200"  # 郑州市, its 中原区; 开封市 (GB/T 2260)
KEY, SMALL = "91410100MA00000001", "91410200MA00000002"


def _rows(table: str) -> list[dict]:
    """Rows of the tiny warehouse: a key emitter in 郑州 (county 中原区) and a small enterprise in 开封."""
    site = {"uscc": KEY, "enterprise_name": "演示水泥", "industry_code": "3011", "region_code": ZHONGYUAN,
            "city_code": ZHENGZHOU, "year": YEAR}
    small = {"uscc": SMALL, "enterprise_name": "演示食品", "industry_code": "1391", "region_code": KAIFENG,
             "city_code": KAIFENG, "year": YEAR}
    if table == "out_inventory__yearly_facility":
        return [{**site, "facility_id": "F-KEY", "co2_combustion_t": 30000.125, "co2_method": "gap_filled+reported",
                 "co2_status": "computed", "has_recalled_factor": True, "source_systems": "envstat;ghg;permit",
                 "gwp_set": "SAR"},
                {**small, "facility_id": "F-SMALL", "co2_combustion_t": 12.5, "co2_method": "calculated",
                 "co2_status": "lower_bound", "has_recalled_factor": False, "source_systems": "envstat"}]
    if table == "out_inventory__yearly_enterprise":
        return [{**site, "facility_count": 1, "co2e_t": 30000.125}, {**small, "facility_count": 1, "co2e_t": 12.5}]
    if table == "out_inventory__yearly_region_sector":
        return [{"year": YEAR, "region_level": "city", "region_code": ZHENGZHOU, "region_name": "郑州市",
                 "sector_scheme": "all", "sector_class_code": "ALL", "species": "CO2", "scope": "combustion",
                 "mass_t": 30000.125, "monitored_share": 0.25, "mass_change_pct": 12.5}]
    if table == "out_key_emitters__register":
        return [{**site, "sector_code": "building_materials", "is_key_emitter": True, "register_status": "reporting",
                 "key_emitter_criterion": "co2e", "basis_co2e_t": 30000.125},
                {**{k: v for k, v in small.items() if k != "region_code"}, "is_key_emitter": False,
                 "register_status": "not_covered_sector", "basis_co2e_t": 12.5}]
    if table == "out_crosscheck__findings":
        return [{**{k: v for k, v in site.items() if k != "region_code"}, "finding_id": "F0123456789ab",
                 "rule_id": "activity_fuel_quantity", "rule_group": "activity", "severity": "warn",
                 "compared_quantity": "fuel_consumed_units", "value_a": 0.02618, "value_b": 100.0,
                 "value_ratio": 0.0002618, "source_a": "ghg", "source_b": "envstat", "finding_status": "open"}]
    if table == "out_synergy__yearly_enterprise":
        return [{**{k: v for k, v in site.items() if k != "region_code"}, "previous_year": YEAR - 1,
                 "pollutant": "APeq", "amount_unit": "pollution_eq", "pollutant_amount": 718548.947368421,
                 "els": 0.9076819786620197, "els_reading": "co_reduction_carbon_led",
                 "is_complete_both_years": True}]
    if table == "core_inventory__factors":
        return [{"factor_set": "cn_default@test", "factor_id": "CC-bituminous", "parameter": "carbon_content",
                 "sector": "all", "guideline": "GBT32151.22-2024-C1", "value": 0.02618, "unit": "tC/GJ",
                 "source_doc": "GB/T 32151.22 表C.1", "status": "recalled", "factor_region": "410000",
                 "valid_from": date(2021, 1, 1)}]
    return []


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """The tiny warehouse exported in every format: its folder."""
    folder = tmp_path_factory.mktemp("labels")
    with duckdb.connect(str(folder / "warehouse.duckdb")) as con:
        for table in EXPORT_TABLES:
            schema = polars_schema(TABLES[table])
            frame = pl.DataFrame([{c: r.get(c) for c in schema} for r in _rows(table)], schema=schema)  # noqa: F841
            con.execute(f"create table {table} as select * from frame")
    export_year(folder / "warehouse.duckdb", folder / "out", YEAR)
    return folder / "out"


@pytest.fixture(scope="module")
def book(exported):
    return openpyxl.load_workbook(exported / f"融合清单_{YEAR}.xlsx")


def _sheet(book, table: str) -> list[dict]:
    """The sheet of a table as {header: cell} per data row."""
    rows = list(book[sheet_names(EXPORT_TABLES)[table]].iter_rows())
    headers = [c.value for c in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def _header_note(book, table: str, header: str) -> str:
    sheet = book[sheet_names(EXPORT_TABLES)[table]]
    return next(c.comment.text for c in sheet[1] if c.value == header)


def test_a_finding_shows_chinese_labels_and_its_codes_stay_in_the_csv_and_the_note(book, exported):
    (finding,) = _sheet(book, "out_crosscheck__findings")
    assert finding["严重程度"].value == "警告" and finding["核查状态"].value == "待处理"
    assert (finding["来源A"].value, finding["来源B"].value) == ("温室气体报告", "排放源统计")
    assert finding["规则类别"].value == "活动水平一致性" and finding["比较量"].value == "燃料消耗量"
    assert finding["规则编号"].value == "activity_fuel_quantity"  # an id, not a code to translate
    assert "warn = 警告" in _header_note(book, "out_crosscheck__findings", "严重程度")
    csv = pl.read_csv(exported / "out_crosscheck__findings.csv", infer_schema=False)
    assert (csv["严重程度"][0], csv["核查状态"][0], csv["来源A"][0]) == ("warn", "open", "ghg")
    assert "所在地市" not in csv.columns  # the machine format has no name columns


def test_inventory_codes_booleans_and_joined_codes_are_labelled(book, exported):
    key, small = _sheet(book, "out_inventory__yearly_facility")
    assert key["二氧化碳核算方法"].value == "补充+填报" and small["二氧化碳核算方法"].value == "核算"
    assert key["来源系统"].value == "排放源统计、温室气体报告、排污许可" and key["GWP版本"].value == "IPCC第二次评估报告(SAR)"
    assert (key["含待核实因子"].value, small["含待核实因子"].value) == ("是", "否")
    assert (key["CO2核算状态"].value, small["CO2核算状态"].value) == ("已核算", "下限值(部分燃料无法核算)")
    assert key["二氧化碳完整"].value is None  # no value stays empty, not 否
    (region,) = _sheet(book, "out_inventory__yearly_region_sector")
    labelled = [region[h].value for h in ("区划级别", "行业分类", "物种", "排放范围")]
    assert labelled == ["市", "全部行业", "二氧化碳", "化石燃料燃烧"]
    key_row, small_row = _sheet(book, "out_key_emitters__register")
    assert (key_row["覆盖行业"].value, key_row["名录状态"].value, key_row["判定依据"].value) == ("建材", "已报告", "排放量")
    assert (small_row["重点排放单位"].value, small_row["名录状态"].value) == ("否", "非覆盖行业")
    (synergy,) = _sheet(book, "out_synergy__yearly_enterprise")
    assert synergy["污染物"].value.startswith("大气污染物当量") and synergy["计量单位"].value == "污染当量"
    assert synergy["弹性判读"].value == "协同减排(碳减幅大于污染物)"
    (factor,) = _sheet(book, "core_inventory__factors")
    labelled = [factor[h].value for h in ("参数", "适用行业", "状态", "因子区域")]
    assert labelled == ["单位热值含碳量", "全部行业", "待核实", "河南省"]
    csv = pl.read_csv(exported / "out_inventory__yearly_facility.csv", infer_schema=False)
    assert csv["二氧化碳核算方法"].to_list() == ["gap_filled+reported", "calculated"]
    assert csv["含待核实因子"].to_list() == ["true", "false"]


def test_city_and_county_names_stand_beside_their_codes(book):
    for table in ("out_inventory__yearly_facility", "out_inventory__yearly_enterprise", "out_crosscheck__findings",
                  "out_key_emitters__register", "out_synergy__yearly_enterprise"):
        sheet = book[sheet_names(EXPORT_TABLES)[table]]
        headers = [c.value for c in sheet[1]]
        assert headers[headers.index("所在地市代码") + 1] == "所在地市", table
        first = _sheet(book, table)[0]
        assert (first["所在地市代码"].value, first["所在地市"].value) == (ZHENGZHOU, "郑州市"), table
    key, small = _sheet(book, "out_inventory__yearly_facility")
    assert (key["行政区划代码"].value, key["行政区划名称"].value) == (ZHONGYUAN, "中原区")
    assert (small["行政区划名称"].value, small["所在地市"].value) == ("开封市", "开封市")
    headers = [c.value for c in book[sheet_names(EXPORT_TABLES)["out_inventory__yearly_region_sector"]][1]]
    assert headers.count("行政区划名称") == 1  # the table names its regions itself: no second name column


def test_every_number_has_a_display_format(book):
    for table in EXPORT_TABLES:
        numeric = [f for f in TABLES[table].fields if f.dtype in ("int", "float", "date")]
        assert all(number_format(f) for f in numeric), table
        for row in _sheet(book, table):
            for header, cell in row.items():
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    assert cell.number_format != "General", (table, header)
    (synergy,) = _sheet(book, "out_synergy__yearly_enterprise")
    assert synergy["污染物排放量"].number_format == "#,##0.000"  # APeq: pollution equivalents, not 13 decimals
    assert synergy["协同减排弹性Els"].number_format == "0.000"
    key, _ = _sheet(book, "out_inventory__yearly_facility")
    assert key["燃烧二氧化碳(t)"].number_format == "#,##0.000" and key["燃烧二氧化碳(t)"].value == 30000.125
    (region,) = _sheet(book, "out_inventory__yearly_region_sector")
    assert region["监测占比"].number_format == "0.0%" and region["同比变化(%)"].number_format == "0.0"
    (finding,) = _sheet(book, "out_crosscheck__findings")
    assert finding["比较值A"].number_format == "#,##0.0#####" and finding["比较值A"].value == 0.02618  # shown whole
    (factor,) = _sheet(book, "core_inventory__factors")
    assert factor["适用起始"].number_format == "yyyy-mm-dd"


def test_readme_describes_every_sheet_in_chinese_and_english(book):
    rows = [list(r) for r in book["说明 README"].iter_rows(values_only=True)]
    at = rows.index(["工作表 sheet", "表名 table", "行数 rows", "说明", "description"])
    described = {r[1]: r for r in rows[at + 1:] if r[1] in EXPORT_TABLES}
    assert set(described) == set(EXPORT_TABLES)
    for table, (sheet, _, count, zh, en) in described.items():
        assert sheet == sheet_names(EXPORT_TABLES)[table] and count == len(_rows(table)), table
        assert re.search(r"[\u4e00-\u9fff]{6}", zh) and re.search(r"[A-Za-z]+ [a-z]+ [a-z]+", en), table
    items = {r[0]: r[1] for r in rows[:at] if r[0]}
    assert "警告" in items["代码与标签 codes and labels"] and "codes" in items["代码与标签 codes and labels"]
    assert "true/false" in items["CSV 与 Parquet 机器格式 machine formats"]


def test_the_sheet_of_every_enterprise_is_not_called_the_register(book):
    sheet = sheet_names(EXPORT_TABLES)["out_key_emitters__register"]
    assert sheet == SHEET_TITLES["out_key_emitters__register"] == "重点排放单位判定(全部企业)"
    assert "重点排放单位名录" not in book.sheetnames
    assert [r["统一社会信用代码"].value for r in _sheet(book, "out_key_emitters__register")] == [KEY, SMALL]  # not only key


def test_the_manifest_says_the_csv_is_the_machine_format(exported):
    manifest = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["format_notes"]) == {"csv", "xlsx", "parquet"}
    assert "machine format" in manifest["format_notes"]["csv"] and "labels" in manifest["format_notes"]["xlsx"]


def test_every_code_an_exported_column_may_hold_has_one_label():
    labels = vocabularies()
    for table in EXPORT_TABLES:
        for field in TABLES[table].fields:
            codes = [v for v in field.isin or () if isinstance(v, str) and v.isascii()]  # *_zh columns list labels
            missing = [c for c in codes if c not in labels.get(field.name, {})]
            assert not missing, f"{table}.{field.name}: no label for {missing}"
    assert set(METHODS) <= set(labels["co2_method"]) and set(SYNERGY_POLLUTANTS) <= set(labels["pollutant"])
    packaged = pl.read_csv(FACTORS / "cn_default" / "factors.csv", infer_schema=False)
    assert set(packaged["parameter"]) <= set(labels["parameter"]) and set(packaged["sector"]) <= set(labels["sector"])
    assert labels["sector_code"]["building_materials"] == "建材"  # from inventories/rules/sector_scope.csv
    for column, vocabulary in VALUE_ZH.items():
        if column != "compared_quantity":  # the schema's Chinese names: two columns may share one (排放量)
            assert len(set(vocabulary.values())) == len(vocabulary), f"{column}: two codes share a label"
