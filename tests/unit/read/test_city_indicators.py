"""City indicator files (城市指标, inbox/city/): detection, the row rules with their bilingual reasons, years from the
file name, the template round trip and the demo file with exactly its two deliberate bad rows."""

import random
import zipfile

import openpyxl
import polars as pl
import pytest

from inventories.synergy_tree import city_file_indicators
from pipelines.read.files import read_sheets
from pipelines.read.inbox import read_inbox
from pipelines.read.ingest import detect_source, transform_file
from pipelines.read.layouts import detect_header
from pipelines.read.sources.city import normalise_unit
from schemas.layouts import CITY_INDICATORS, LAYOUTS

HEADER = "年份,城市代码,城市名称,指标代码,指标名称,数值,单位,数据来源"
WRITTEN = dict(zip(("year", "city_code", "city_name", "indicator_id", "indicator_name", "value", "unit",
                    "data_source_note"), HEADER.split(","), strict=True))  # raw column -> its header in HEADER
GOOD = [
    "2022,410100,郑州市,pm25_annual_mean,PM2.5年均浓度,41.2,微克/立方米,环境状况公报",
    "2022,,郑州,good_air_days_share,,71.5,百分比,环境状况公报",  # city by name only, indicator name from the tree
    "2022,410300,洛阳市,,地区生产总值,\"5,102.3\",,统计年鉴",  # indicator by its Chinese name, unit from the tree
    "2022,,济源市,coal_share_of_energy,煤炭消费占能源消费比重,0,%,统计年鉴",
]


def _csv(path, lines, encoding="utf-8"):
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def _ingest(path):
    read, core, rejected = transform_file(path, "city")
    table = core.get("core_city__indicators", pl.DataFrame())
    assert read.rows_read == table.height + rejected.height  # every row read is accepted or rejected, once
    return read, table, rejected


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_a_good_file_is_detected_and_read(tmp_path, encoding):
    path = _csv(tmp_path / "城市指标.csv", [HEADER, *GOOD], encoding)
    assert detect_source(path) == "city"
    read, table, rejected = _ingest(path)
    assert read.encoding == ("utf-8-sig" if encoding == "utf-8-sig" else "gb18030")
    assert read.rows_read == len(GOOD) and rejected.height == 0
    rows = table.sort("row_number").select("year", "city_code", "city_name", "indicator_id", "indicator_name",
                                           "indicator_value", "indicator_unit", "data_source_note").rows()
    assert rows == [
        (2022, "410100", "郑州市", "pm25_annual_mean", "PM2.5年均浓度", 41.2, "ug/m3", "环境状况公报"),
        (2022, "410100", "郑州", "good_air_days_share", "空气质量优良天数比例", 71.5, "%", "环境状况公报"),
        (2022, "410300", "洛阳市", "gdp", "地区生产总值", 5102.3, "亿元", "统计年鉴"),
        (2022, "419001", "济源市", "coal_share_of_energy", "煤炭消费占能源消费比重", 0.0, "%", "统计年鉴"),
    ]


@pytest.mark.parametrize(("written", "canonical"), [
    ("ug/m3", "ug/m3"), ("μg/m3", "ug/m3"), ("µg/m³", "ug/m3"), ("微克/立方米", "ug/m3"), ("UG/M3", "ug/m3"),
    ("％", "%"), ("百分比", "%"), ("亿元", "亿元"), ("mg/m3", "mg/m3")])
def test_unit_spellings(written, canonical):
    assert normalise_unit(written) == canonical


@pytest.mark.parametrize(("row", "column", "zh", "en"), [
    ("2022,410100,郑州市,pm25_annual_mean,PM2.5年均浓度,0.041,mg/m3,公报", "unit", ("单位", "ug/m3", "mg/m3"),
     ("unit", "ug/m3", "mg/m3")),
    ("2022,410100,郑州市,pm25_annual_mean,,41,µg/m³,公报", None, (), ()),  # a spelling of the right unit: accepted
    ("2022,410100,郑州市,made_up_indicator,虚构指标,1,,", "indicator_id", ("指标代码", "made_up_indicator", "指标体系文件"),
     ("indicator code", "made_up_indicator", "index tree file")),
    ("2022,,郑州市,,空气质量综合指数,4.1,,", "indicator_name", ("指标名称", "空气质量综合指数", "指标体系文件"),
     ("indicator name", "index tree file")),
    ("2022,,杭州市,gdp,,100,亿元,", "city_name", ("城市名称", "杭州市", "郑州"), ("city name", "杭州市", "郑州市")),
    ("2022,410102,中原区,gdp,,100,亿元,", "city_code", ("城市代码", "410102", "地市级"), ("city code", "410102", "prefecture")),
    ("2022,4101,郑州市,gdp,,100,亿元,", "city_code", ("城市代码", "6位"), ("city code", "6-digit")),
    ("2022,410200,郑州市,gdp,,100,亿元,", "city_code", ("城市代码", "城市名称", "不一致"),
     ("city code", "city name", "disagree")),
    ("2022,410100,郑州市,good_air_days_share,,100.5,%,", "value", ("数值", "0–100"), ("value", "0-100")),
    ("2022,410100,郑州市,gdp,,约5000,亿元,", "value", ("数值", "约5000"), ("value", "not a number")),
    ("2022,410100,郑州市,gdp,,-3,亿元,", "value", ("数值", "为负"), ("value", "negative")),
    ("2022,410100,郑州市,gdp,,,亿元,", "value", ("数值为空",), ("value is missing",)),
    ("2022,410100,郑州市,gdp,,5000,万元,", "unit", ("单位", "亿元", "万元"), ("unit", "亿元")),
], ids=["wrong_unit", "unit_spelling", "unknown_indicator", "unknown_indicator_name", "unknown_city", "county_code",
        "short_code", "code_name_disagree", "percent_over_100", "not_a_number", "negative_gdp", "empty_value",
        "gdp_in_wan_yuan"])
def test_each_rule_rejects_with_a_reason_naming_the_column(tmp_path, row, column, zh, en):
    good = "2022,410500,安阳市,gdp,地区生产总值,2500,亿元,统计年鉴"
    read, table, rejected = _ingest(_csv(tmp_path / "城市指标.csv", [HEADER, good, row]))
    assert 2 in table["row_number"].to_list()  # the good row stays
    if column is None:
        assert rejected.height == 0 and table.height == 2
        return
    assert table["row_number"].to_list() == [2] and rejected.height == 1
    bad = rejected.row(0, named=True)
    assert (bad["row_number"], bad["column_name"], bad["source_system"]) == (3, WRITTEN[column], "city")
    assert all(word in bad["reason_zh"] for word in zh), bad["reason_zh"]
    assert all(word in bad["reason_en"] for word in en), bad["reason_en"]
    assert bad["reason_zh"].startswith(f"“{WRITTEN[column]}”列：")  # the header as the file writes it
    assert bad["reason_en"].startswith(f"column '{WRITTEN[column]}' ({column}): ")  # and the internal column


def test_a_city_given_by_name_alone_resolves_to_its_code(tmp_path):
    lines = [HEADER, *(f"2023,,{name},gdp,,{i + 1},亿元," for i, name in enumerate(("郑州", "郑州市", " 济源", "平顶山市")))]
    _, table, rejected = _ingest(_csv(tmp_path / "城市指标.csv", lines[:3]))
    assert rejected.height == 1 and "重复" in rejected["reason_zh"][0]  # 郑州 and 郑州市 are one city
    _, table, rejected = _ingest(_csv(tmp_path / "城市指标2.csv", [lines[0], *lines[2:]]))
    assert rejected.height == 0
    assert table.sort("row_number")["city_code"].to_list() == ["410100", "419001", "410400"]


def test_a_second_row_for_the_same_city_year_and_indicator_is_a_duplicate(tmp_path):
    lines = [HEADER,
             "2022,410100,郑州市,pm25_annual_mean,,41.2,ug/m3,公报",
             "2022,410100,郑州市,pm25_annual_mean,,39.0,ug/m3,公报",  # the later one goes
             "2023,410100,郑州市,pm25_annual_mean,,39.0,ug/m3,公报",  # another year: no duplicate
             "2022,410200,开封市,pm25_annual_mean,,44.0,ug/m3,公报",  # another city: no duplicate
             "2022,,郑州,,PM2.5年均浓度,40.0,ug/m3,公报"]  # the same by name: the third of the three
    read, table, rejected = _ingest(_csv(tmp_path / "城市指标.csv", lines))
    assert sorted(table["row_number"].to_list()) == [2, 4, 5]
    assert table.filter(pl.col("row_number") == 2)["indicator_value"].to_list() == [41.2]  # the first row is kept
    assert sorted(rejected["row_number"].to_list()) == [3, 6] and set(rejected["column_name"]) == {"指标代码"}
    first = rejected.sort("row_number").row(0, named=True)
    assert "重复" in first["reason_zh"] and "第2行" in first["reason_zh"] and "指标代码" in first["reason_zh"]
    assert "duplicate" in first["reason_en"] and "row 2" in first["reason_en"] and "indicator code" in first["reason_en"]
    assert '"value": "39.0"' in first["raw_record"]


def test_year_from_the_file_name_or_title_row(tmp_path):
    named = _csv(tmp_path / "城市指标_2024.csv", ["城市,指标名称,数值,单位", "郑州市,地区生产总值,13000,亿元"])
    assert detect_source(named) == "city"
    _, table, rejected = _ingest(named)
    assert rejected.height == 0 and table["year"].to_list() == [2024]
    book = openpyxl.Workbook()
    book.active.append(["2021年河南省各地市减污降碳协同指标"])
    book.active.append(["城市", "指标名称", "数值"])
    book.active.append(["开封", "工业增加值", 800])
    book.save(tmp_path / "城市指标.xlsx")
    _, table, _ = _ingest(tmp_path / "城市指标.xlsx")
    assert table.select("year", "city_code", "indicator_id").rows() == [(2021, "410200", "industrial_value_added")]
    undated = _csv(tmp_path / "城市指标.csv", ["城市,指标名称,数值", "郑州市,地区生产总值,13000"])
    _, table, rejected = _ingest(undated)
    assert table.height == 0 and rejected["column_name"].to_list() == ["报告年度"]  # the official header: none written
    assert rejected["reason_zh"][0] == "“报告年度”列(文件中没有此列，标题行、工作表名和文件名中也没有)：年度为空"
    assert rejected["reason_en"][0] == ("column '报告年度' (year; not in the file, nor in its title rows, sheet name or "
                                        "file name): year is missing")


def test_the_inbox_scan_finds_a_city_file_s_years(tmp_path):
    """The sensor and `synergy build` register reporting-year partitions from these years."""
    from pipelines.read.inbox_scan import file_years

    lines = [HEADER, *GOOD, "2023,410100,郑州市,gdp,,13000,亿元,"]
    assert file_years(_csv(tmp_path / "城市指标.csv", lines), "city") == (2022, 2023)
    assert file_years(_csv(tmp_path / "城市指标_2024.csv", ["城市,指标名称,数值", "郑州,地区生产总值,1"]), "city") == (2024,)


def test_a_city_file_without_a_required_column_is_a_file_level_error(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "city").mkdir(parents=True)
    _csv(inbox / "city" / "城市指标_2022.csv", ["城市,指标名称,单位", "郑州市,地区生产总值,亿元"])  # no 数值 column
    read = read_inbox(inbox, tmp_path / "archive", "city")
    log = read.file_log().row(0, named=True)
    assert log["file_status"] == "missing_columns" and "数值" in log["message"] and "value" in log["message"]
    assert read.tables == {}


def test_a_city_file_in_the_city_folder_is_ingested_and_in_another_folder_named(tmp_path):
    inbox = tmp_path / "inbox"
    for folder in ("city", "ghg"):
        (inbox / folder).mkdir(parents=True)
        _csv(inbox / folder / "城市指标.csv", [HEADER, *GOOD])
    city = read_inbox(inbox, tmp_path / "archive", "city")
    assert city.file_log()["file_status"].to_list() == ["ingested"]
    assert len(city.tables["raw_city__indicators"]) == len(GOOD)
    ghg = read_inbox(inbox, tmp_path / "archive", "ghg").file_log().row(0, named=True)
    assert ghg["file_status"] == "unrecognised" and "inbox/city/" in ghg["message"]


def test_the_city_template_round_trip(tmp_path):
    from pipelines.deliver.templates import write_templates

    paths = write_templates(tmp_path / "t")
    assert len(paths) == len(LAYOUTS) + 2  # and the CEMS hourly template with its outlet map
    path = next(p for p in paths if p.name.startswith("模板_city_indicators_"))
    header = [c.value for c in openpyxl.load_workbook(path).worksheets[0][1]]
    match = detect_header(read_sheets(path)[0][0], [CITY_INDICATORS])
    assert match is not None and not match.missing and set(match.columns.values()) == set(CITY_INDICATORS.columns)
    assert header[:2] == ["报告年度", "城市代码"]
    book = openpyxl.load_workbook(path)
    book.worksheets[0].append([2023, "410100", "郑州市", "gdp", "地区生产总值", 13600.5, "亿元", "统计年鉴"])
    book.worksheets[0].append([2023, None, "开封", None, "PM2.5年均浓度", 45.1, None, None])
    book.save(path)
    assert detect_source(path) == "city"
    read, table, rejected = _ingest(path)
    assert rejected.height == 0 and read.help_sheets == ["填表说明"]  # the notes sheet is never read as data
    assert read.skipped_sheets == []
    assert table.sort("row_number").select("city_code", "indicator_id", "indicator_value", "indicator_unit").rows() == [
        ("410100", "gdp", 13600.5, "亿元"), ("410200", "pm25_annual_mean", 45.1, "ug/m3")]


def _write_demo(folder):
    from synth.world import build_world
    from synth.writers_city import write_city_file

    return write_city_file(build_world(n_sites=40), folder, random.Random(5))


@pytest.mark.slow  # a synthetic world first
def test_the_demo_city_file_ingests_with_exactly_its_two_bad_rows(tmp_path):
    entry = _write_demo(tmp_path / "a")
    path = tmp_path / "a" / entry["path"]
    assert path.name == f"城市减污降碳协同指标_{entry['years'][0]}-{entry['years'][-1]}_演示数据.xlsx"
    assert detect_source(path) == "city"
    read, table, rejected = _ingest(path)
    assert read.rows_read == entry["rows"] and rejected.height == entry["rejected"] == 2
    assert sorted(zip(rejected["row_number"], rejected["column_name"], strict=True)) == sorted(
        (b["row_number"], WRITTEN[b["column"]]) for b in entry["bad_rows"])
    assert set(rejected["raw_value"]) == {"mg/m3", "made_up_indicator"}
    missing = entry["missing_green_building_city"]
    assert missing == max(entry["cities"])
    indicators = set(city_file_indicators())
    for (code, year), group in table.group_by("city_code", "year"):
        expected = indicators - {"green_building_share"} if code == missing else indicators
        assert set(group["indicator_id"]) == expected and group.height == len(expected), (code, year)
    assert table.select("city_code", "year").unique().height == len(entry["cities"]) * len(entry["years"])
    assert table.filter(pl.col("indicator_unit") == "%")["indicator_value"].is_between(0, 100).all()


@pytest.mark.slow
def test_the_demo_city_file_is_byte_identical_on_a_rerun(tmp_path):
    first, second = _write_demo(tmp_path / "a"), _write_demo(tmp_path / "b")
    assert first == second
    a, b = (tmp_path / d / first["path"] for d in ("a", "b"))
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as archive:
        assert all(info.date_time == (2026, 1, 1, 0, 0, 0) for info in archive.infolist())
