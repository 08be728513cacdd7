"""Coal rank of a generic coal name (原煤): from the brackets after the name, or from the 备注 (issue 24, item 4).

原煤 has no official carbon-content default outside power, so a line that names its rank anywhere takes it, and
`fuel_rank_source` says where; a remark naming two ranks is not guessed from.
"""

from pathlib import Path

import pytest

from pipelines.read import parsers
from pipelines.read.ingest import transform_file
from pipelines.read.rows import apply_rules
from pipelines.read.transforms import TRANSFORMS
from pipelines.read.values import CellError
from schemas.headers import normalise_text
from schemas.layouts import LAYOUTS

FIXTURE = (Path(__file__).resolve().parents[2] / "fixtures" / "handwritten"
           / "温室气体排放报告_化石燃料燃烧_2023_煤种手工录入.csv")
P1 = "91130200699229617X001P"  # HJ 608-2017 Annex A example


@pytest.mark.parametrize(("text", "code"), [
    ("原煤(烟煤)", "bituminous"), ("原煤（无烟煤）", "anthracite"), ("煤炭〔褐煤〕", "lignite"),
    ("燃料煤【洗精煤】", "washed_coal"), ("煤〈其他洗煤〉", "other_washed_coal"), ("原煤 ( 型煤 )", "briquette"),
    ("原煤［烟煤］", "bituminous"),
    ("原煤(动力煤)", "bituminous"), ("煤炭（精煤）", "washed_coal"),  # a rank's alias in the brackets
    ("原煤(未分类)(烟煤)", None),  # nested brackets: not read (unknown fuel, as before)
])
def test_generic_coal_with_rank_in_brackets(text, code):
    if code is None:
        with pytest.raises(CellError, match="not in the fuel table"):
            parsers.fuel(text)
        return
    found = parsers.fuel(text)
    assert (found["fuel_code"], found["fuel_rank_source"], found["fuel_unit_code"]) == (code, "bracket", "t")
    assert found["fuel_name"] == normalise_text(text)  # the name as written (NFKC and the bracket map only)


@pytest.mark.parametrize(("text", "code", "source"), [
    ("烟煤", "bituminous", "name"), ("动力煤", "bituminous", "name"), ("烟煤(动力煤)", "bituminous", "name"),
    ("烟煤（烟煤）", "bituminous", "name"), ("无烟煤", "anthracite", "name"),
    ("原煤", "raw_coal", None), ("原煤(未分类)", "raw_coal", None),  # an alias in the table: as before
    ("天然气", "natural_gas", None), ("天然气（管道）", "natural_gas", None), ("焦炭", "coke", None),
])
def test_plain_names_keep_working(text, code, source):
    found = parsers.fuel(text)
    assert (found["fuel_code"], found["fuel_rank_source"]) == (code, source)


@pytest.mark.parametrize("text", ["原煤(入炉)", "煤炭", "原煤(烟煤或褐煤)", "混煤(烟煤)"])
def test_bracket_without_a_known_rank_is_rejected_as_before(text):
    with pytest.raises(CellError, match="not in the fuel table"):
        parsers.fuel(text)


@pytest.mark.parametrize(("text", "en"), [
    ("天然气(烟煤)", "'天然气' (natural_gas) is not coal, yet the brackets name the coal rank '烟煤'"),
    ("焦炭（无烟煤）", "'焦炭' (coke) is not coal"),
    ("柴油【褐煤】", "'柴油' (diesel) is not coal"),
    ("烟煤(褐煤)", "'烟煤' (bituminous) and the coal rank in brackets '褐煤' (lignite) differ"),
    ("动力煤(无烟煤)", "'动力煤' (bituminous) and the coal rank in brackets '无烟煤' (anthracite) differ"),
])
def test_rank_in_brackets_after_another_fuel_is_a_contradiction(text, en):
    with pytest.raises(CellError) as caught:
        parsers.fuel(text)
    assert "contradicts itself" in caught.value.en and en in caught.value.en
    assert "自相矛盾" in caught.value.zh


@pytest.mark.parametrize(("remark", "code"), [
    ("烟煤", "bituminous"), ("煤种：褐煤", "lignite"), ("煤种:褐煤", "lignite"), ("收到基 无烟煤", "anthracite"),
    ("褐煤，收到基", "lignite"), ("无烟煤", "anthracite"), ("入炉煤为洗精煤", "washed_coal"), ("动力煤", "bituminous"),
    ("烟煤（动力煤）", "bituminous"), ("精煤 洗精煤", "washed_coal"),  # one rank written twice
    ("烟煤或无烟煤", None), ("褐煤/烟煤", None),  # two ranks: not guessed
    ("非褐煤", None), ("掺烧褐煤20%", None), ("原煤未化验", None), ("更正：消耗量按核查结果调整", None), ("/", None),
    ("", None), (None, None),
])
def test_rank_named_in_a_remark(remark, code):
    assert parsers.coal_rank_in_text(remark) == code


def _fuel_rule(table):
    rules = TRANSFORMS[table].rules
    return next(r for r in rules if isinstance(r.target, tuple) and "fuel_rank_source" in r.target), rules


@pytest.mark.parametrize(("table", "fuel_column"), [
    ("raw_ghg__fuel_lines", "fuel_name"), ("raw_ghg__power_monthly", "fuel_name"), ("raw_envstat__boilers", "fuel"),
    ("raw_envstat__kilns", "fuel"), ("raw_permit__fuel_analysis", "fuel"),
])
def test_every_fuel_table_reads_its_remark(table, fuel_column):
    rule, _ = _fuel_rule(table)
    assert rule.column == fuel_column and rule.reads == ("remark",)
    assert {"备注", "说明", "备注说明"} <= set(LAYOUTS[table].columns["remark"])
    raw = {fuel_column: "原煤", "remark": "煤种：褐煤"}
    assert rule.parse(raw)["fuel_code"] == "lignite" and rule.parse(raw)["fuel_rank_source"] == "remark"
    assert rule.parse({fuel_column: "原煤(烟煤)", "remark": "褐煤"})["fuel_rank_source"] == "bracket"  # name first
    assert rule.parse({fuel_column: "原煤", "remark": "烟煤或无烟煤"})["fuel_code"] == "raw_coal"


def test_remark_rank_feeds_quantity_and_ncv_rules():
    raw = {"year": "2023", "uscc": "91130200699229617X", "enterprise_name": "演示", "fuel_name": "原煤",
           "fuel_quantity": "1.5", "fuel_unit": "万吨", "ncv": "12.1", "ncv_unit": "GJ/t", "remark": "褐煤"}
    typed, problems, _ = apply_rules(raw, TRANSFORMS["raw_ghg__fuel_lines"].rules)
    assert problems == []
    assert (typed["fuel_code"], typed["fuel_rank_source"], typed["fuel_consumed_units"], typed["ncv_gj_per_unit"]) == (
        "lignite", "remark", 15_000.0, 12.1)


def test_handwritten_gb18030_fuel_lines():
    """A hand-typed GB18030 GHG fuel-line file: rank from the brackets, from the remark, two ranks, plain 原煤."""
    read, core, rejected = transform_file(FIXTURE, "ghg")
    good = core["core_ghg__fuel_lines"]
    assert read.encoding == "gb18030"
    assert read.rows_read == good.height + rejected.height == 5
    rows = {r["row_number"]: r for r in good.iter_rows(named=True)}
    got = {n: (r["fuel_name"], r["fuel_code"], r["fuel_rank_source"], r["fuel_consumed_units"]) for n, r in rows.items()}
    assert got == {
        3: ("原煤(烟煤)", "bituminous", "bracket", 1000.0),
        4: ("原煤", "lignite", "remark", 500.0),
        5: ("原煤", "raw_coal", None, 200.0),  # 烟煤或无烟煤: not guessed
        6: ("原煤", "raw_coal", None, 100.0),
    }
    assert rows[3]["ncv_gj_per_unit"] == 20.93 and rows[4]["ncv_gj_per_unit"] == 12.1
    assert {(r["year"], r["uscc"], r["industry_code"], r["region_code"]) for r in rows.values()} == {
        (2023, "91130200699229617X", "3011", "410100")}
    bad = rejected.row(0, named=True)
    assert rejected.height == 1 and (bad["row_number"], bad["column_name"], bad["raw_value"]) == (7, "燃料品种",
                                                                                                   "天然气(烟煤)")
    assert "contradicts itself" in bad["reason_en"] and "自相矛盾" in bad["reason_zh"]
    assert bad["reason_en"].startswith("column '燃料品种' (fuel_name): ") and bad["reason_zh"].startswith("“燃料品种”列：")


def test_boiler_kiln_and_permit_fuel_rows_take_the_rank_from_the_remark(tmp_path):
    boilers = ("组织机构代码,单位名称,年度,锅炉编号,燃料类型,燃料消耗量,计量单位,备注说明\n"
               "69922961-7,演示丙钢铁有限公司,2023,1#,原煤,1200,吨,煤种：烟煤\n"
               "69922961-7,演示丙钢铁有限公司,2023,2#,煤炭【无烟煤】,300,吨,\n"
               "69922961-7,演示丙钢铁有限公司,2023,3#,原煤,100,吨,烟煤、褐煤混烧\n")
    path = tmp_path / "G103-1_2023年.csv"
    path.write_text(boilers, encoding="utf-8")
    _, core, rejected = transform_file(path, "envstat")
    got = [(r["fuel_code"], r["fuel_rank_source"]) for r in core["core_envstat__boilers"].iter_rows(named=True)]
    assert rejected.height == 0 and got == [("bituminous", "remark"), ("anthracite", "bracket"), ("raw_coal", None)]

    kilns = ("组织机构代码,单位名称,年度,炉窑编号,燃料类型,燃料消耗量,计量单位,说明\n"
             "69922961-7,演示丙钢铁有限公司,2023,1#,原煤,50,吨,褐煤\n")
    path = tmp_path / "G103-2_2023年.csv"
    path.write_text(kilns, encoding="utf-8")
    _, core, rejected = transform_file(path, "envstat")
    row = core["core_envstat__kilns"].row(0, named=True)
    assert rejected.height == 0 and (row["fuel_code"], row["fuel_rank_source"]) == ("lignite", "remark")

    fuel = ("报告年份,许可证编号,燃料种类,消耗量,单位,含硫量(%),备注\n"
            f"2023,{P1},原煤,800,t,0.6,收到基 无烟煤\n"
            f"2023,{P1},天然气（烟煤）,3,万立方米,,\n")
    path = tmp_path / "燃料分析.csv"
    path.write_text(fuel, encoding="utf-8")
    _, core, rejected = transform_file(path, "permit")
    row = core["core_permit__fuel_analysis"].row(0, named=True)
    assert (row["fuel_code"], row["fuel_rank_source"], row["fuel_consumed_units"]) == ("anthracite", "remark", 800.0)
    assert rejected.height == 1 and "contradicts itself" in rejected["reason_en"][0]


def test_one_basis_column_for_the_whole_line_labels_every_parameter(tmp_path):
    # a layout with one 取值方式/来源 column instead of one per parameter: 缺省值 applies to NCV, carbon and oxidation;
    # a per-parameter column, where present, wins over it
    text = ("报告年份,统一社会信用代码,单位名称,燃料品种,消耗量,计量单位,低位发热量,单位热值含碳量(tC/GJ),碳氧化率(%),"
            "碳氧化率来源,取值方式/来源\n"
            "2023,91130200699229617X,演示甲,天然气,200,万立方米,389.31,0.0153,99,,缺省值\n"
            "2023,91130200699229617X,演示甲,烟煤,1000,吨,20.1,0.0262,93,实测,缺省值\n")
    path = tmp_path / "温室气体_燃料_2023.csv"
    path.write_text(text, encoding="gbk")
    _, core, rejected = transform_file(path, "ghg")
    lines = core["core_ghg__fuel_lines"].sort("row_number")
    assert rejected.height == 0
    assert lines.select("ncv_basis", "carbon_basis", "oxidation_basis").rows() == [
        ("default", "default", "default"), ("default", "default", "measured")]
