"""Published key-emitter lists: reading them (periods, codes, names) and the comparison SQL on hand-made frames."""

import openpyxl
import polars as pl
import pytest

from inventories.published_lists import published_comparison
from pipelines.read.ingest import detect_source, transform_file
from pipelines.read.sources.published_lists import list_period
from pipelines.read.values import CellError
from schemas.fields import FIELDS
from schemas.generate import conform
from schemas.tables import TABLES

A, B, C, D = "91130200699229617X", "91310116660779822N", "91310000747642554R", "91310120054592849H"
BAD = "914304007637985296"  # the national list's one wrong check character


def _published(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    """(list_period, uscc, enterprise_name) rows as core_register__published_list."""
    frame = pl.DataFrame([{"list_period": p, "uscc": u, "enterprise_name": n, "source_file": "register/list.xlsx",
                           "sheet_name": "名录", "row_number": i + 3, "file_sha256": "0" * 64}
                          for i, (p, u, n) in enumerate(rows)])
    return conform(frame.with_columns(pl.lit(None).alias(c) for c in TABLES["core_register__published_list"].columns
                                      if c not in frame.columns), "core_register__published_list")


def _register(rows: list[tuple[str, int, bool, str, float | None]]) -> pl.DataFrame:
    """(uscc, year, is_key_emitter, register_status, basis_co2e_t) rows with the columns the comparison reads."""
    return pl.DataFrame([{"uscc": u, "enterprise_name": f"核算{u[-4:]}", "city_code": "410100", "year": y,
                          "is_key_emitter": k, "register_status": s, "basis_co2e_t": b, "energy_tce": None,
                          "evidence_zh": f"{y}: {s}"} for u, y, k, s, b in rows],
                        schema_overrides={"energy_tce": pl.Float64, "basis_co2e_t": pl.Float64})


def _compare(published: pl.DataFrame, register: pl.DataFrame) -> dict[str, dict]:
    table = conform(published_comparison(published, register), "out_key_emitters__published_comparison")
    return {r["uscc"]: r for r in table.iter_rows(named=True)}


def test_on_both_only_published_only_computed():
    published = _published([("2019-2020", A, "演示甲笫一热电有限公司"), ("2025", A, "演示甲第一热电有限公司"),
                            ("2025", B, "演示乙水泥有限公司")])
    register = _register([(A, 2022, True, "reporting", 30_000.0), (A, 2023, True, "reporting", 31_000.0),
                          (B, 2022, False, "below_threshold", 20_000.0), (B, 2023, False, "below_threshold", 21_000.0),
                          (C, 2022, False, "below_threshold", 25_000.0), (C, 2023, True, "newly_entering", 27_000.0),
                          (D, 2023, False, "below_threshold", 1_000.0)])
    rows = _compare(published, register)
    assert set(rows) == {A, B, C}  # D: neither listed nor a computed key emitter
    a, b, c = rows[A], rows[B], rows[C]
    assert (a["comparison"], a["comparison_zh"]) == ("on_both", "名录与核算一致")
    assert a["list_periods"] == "2019-2020;2025" and a["computed_key_years"] == "2022;2023"
    assert a["enterprise_name"] == "演示甲第一热电有限公司"  # the latest list's spelling
    assert a["published_name_variants"] == "演示甲笫一热电有限公司;演示甲第一热电有限公司"  # both kept, one enterprise
    assert (b["comparison"], b["comparison_zh"]) == ("only_published", "仅在公布名录 (核算未达门槛或无数据)")
    assert (b["is_on_published_list"], b["is_computed_key_emitter"], b["computed_key_years"]) == (True, False, None)
    assert (b["latest_register_year"], b["latest_register_status"], b["basis_co2e_t"]) == (2023, "below_threshold", 21_000)
    assert (c["comparison"], c["comparison_zh"]) == ("only_computed", "仅核算达标 (未在公布名录)")
    assert (c["enterprise_name"], c["list_periods"], c["published_name_variants"]) == ("核算554R", None, None)
    assert (c["computed_key_years"], c["latest_register_status"], c["city_code"]) == ("2023", "newly_entering", "410100")


def test_listed_without_any_computed_data_and_no_list_at_all():
    rows = _compare(_published([("2025", B, "演示乙水泥有限公司")]), _register([(C, 2023, True, "reporting", 3e4)]))
    assert rows[B]["comparison"] == "only_published" and rows[B]["latest_register_status"] is None
    assert rows[C]["comparison"] == "only_computed"
    no_list = _compare(_published([]), _register([(C, 2023, True, "reporting", 3e4), (D, 2023, False, "below_threshold", 1.0)]))
    assert {u: r["comparison"] for u, r in no_list.items()} == {C: "only_computed"}


def test_latest_status_shares_the_register_enum():
    assert FIELDS["latest_register_status"].isin == FIELDS["register_status"].isin


@pytest.mark.parametrize(("written", "period"), [
    ("2019-2020", "2019-2020"), ("2019—2020年度", "2019-2020"), ("2019年-2020年", "2019-2020"), ("２０２５年", "2025"),
    ("2025.0", "2025"), ("2025年度", "2025"), ("2021至2022", "2021-2022"), ("2025-2025", "2025")])
def test_list_period_as_written(written, period):
    assert list_period({"list_period": written}) == period
    assert list_period({"list_period": None, "list_period_from_context": written}) == period


@pytest.mark.parametrize("written", [None, "第一批", "2022-2021", "20252"])
def test_list_period_rejected(written):
    with pytest.raises(CellError):
        list_period({"list_period": written})


def _xlsx(path, rows, merge_title=True):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge_title:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[1]))
    book.save(path)
    return path


def test_a_published_list_file_is_detected_and_read(tmp_path):
    path = _xlsx(tmp_path / "list.xlsx", [
        ["全国碳排放权交易市场重点排放单位名录(2019-2020年)"],
        ["序号", "省份", "企业名称", "统一社会信用代码", "行业", "行业代码"],
        [1, "上海市", "华能国际电力股份有限公司上海石洞口笫一电厂", "91310000660722180A", "发电", "44"],
        [2, "江苏省", "玖龙纸业〈太仓）有限公司", "91320585739426077D", "发电", 44],
        [3, "湖南省", "湖南裕华科技集团股份有限公司", BAD, "发电", "44"],
        [4, "福建省", "演示水泥有限公司", A, "水泥", "C3011"]])
    assert detect_source(path) == "register"
    read, core, rejected = transform_file(path, "register")
    listed = core["core_register__published_list"].sort("row_number")
    assert read.rows_read == 4 == listed.height + rejected.height
    assert listed["list_period"].unique().to_list() == ["2019-2020"]  # from the title row
    assert listed.select("sequence_no", "province_name", "enterprise_name", "listed_industry_code").rows() == [
        (1, "上海市", "华能国际电力股份有限公司上海石洞口笫一电厂", "44"), (2, "江苏省", "玖龙纸业(太仓)有限公司", "44"),
        (4, "福建省", "演示水泥有限公司", "3011")]
    bad = rejected.row(0, named=True)
    assert (bad["row_number"], bad["column_name"], bad["raw_value"]) == (5, "统一社会信用代码", BAD)
    assert "校验位错误" in bad["reason_zh"] and "check character" in bad["reason_en"]


def test_period_from_a_column_or_the_file_name(tmp_path):
    column = tmp_path / "list.csv"
    column.write_text("序号,地市,单位名称,统一社会信用代码,所属行业,名录年度\n1,郑州市,演示甲,91130200699229617X,水泥,2025年\n",
                      encoding="utf-8")
    _, core, rejected = transform_file(column, "register")
    row = core["core_register__published_list"].row(0, named=True)
    assert rejected.height == 0 and (row["list_period"], row["city_name"], row["industry_name"]) == ("2025", "郑州市", "水泥")
    named = tmp_path / "河南省重点排放单位名录_2023-2024.csv"
    named.write_text("企业名称,统一社会信用代码,行业\n演示甲,91130200699229617X,水泥\n", encoding="utf-8")
    assert detect_source(named) == "register"
    _, core, _ = transform_file(named, "register")
    assert core["core_register__published_list"]["list_period"].to_list() == ["2023-2024"]
    undated = tmp_path / "名录.csv"
    undated.write_text("企业名称,统一社会信用代码\n演示甲,91130200699229617X\n", encoding="utf-8")
    _, core, rejected = transform_file(undated, "register")
    assert core["core_register__published_list"].height == 0 and rejected["column_name"].to_list() == ["名录年度"]


def test_name_and_code_only_list_in_the_register_folder_is_read_as_a_list(tmp_path):
    """企业名称 + 统一社会信用代码 alone fit the statistics form's required columns just as well: the folder decides."""
    from pipelines.read.inbox import read_inbox

    (tmp_path / "inbox" / "register").mkdir(parents=True)
    (tmp_path / "inbox" / "register" / "名录2025.csv").write_text("企业名称,统一社会信用代码\n演示甲,91130200699229617X\n",
                                                                  encoding="utf-8")
    read = read_inbox(tmp_path / "inbox", tmp_path / "archive", "register")
    assert read.file_log()["file_status"].to_list() == ["ingested"]
    assert [r["list_period_from_context"] for r in read.tables["raw_register__published_list"]] == ["2025"]


def test_filled_register_template_ingests(tmp_path):
    from pipelines.deliver.templates import write_templates

    path = next(p for p in write_templates(tmp_path / "t") if p.name.startswith("模板_register_published_list_"))
    book = openpyxl.load_workbook(path)
    book.worksheets[0].append([1, "河南省", "郑州市", "演示甲水泥有限公司", A, "水泥", "3011", "2025"])
    book.save(path)
    assert detect_source(path) == "register"
    _, core, rejected = transform_file(path, "register")
    row = core["core_register__published_list"].row(0, named=True)
    assert rejected.height == 0 and (row["list_period"], row["city_name"], row["listed_industry_code"]) == (
        "2025", "郑州市", "3011")
