"""permit_limit_exceeded at every level where both sides exist: outlet, 主要排放口合计 and 全厂 (issue 24 §3).

Cases are written by hand with their arithmetic; the last two read hand-written files in the official layouts
(source-formats.md §1.3 limit table with its two-row header, §1.4 execution report) through the real readers.
"""

import csv
import dataclasses
import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from inventories.crosscheck import fuel_defaults, load_catalogue, run_catalogue
from inventories.factor_library import load_factor_set
from pipelines.read.ingest import transform_file
from pipelines.read.sources.permit import annual_limits

YEARS = [2021, 2022, 2023]
RULE = next(r for r in load_catalogue() if r.rule_id == "permit_limit_exceeded")
CEMS_RULE = next(r for r in load_catalogue() if r.rule_id == "cems_vs_execution_report")
U1, U2, U3, U4 = (f"91410100MA{n}0000000" for n in range(1, 5))  # codes only need to differ here
HANDWRITTEN = Path(__file__).resolve().parents[2] / "fixtures" / "handwritten"
LIMIT_FILE = HANDWRITTEN / "排污许可证_大气污染物许可排放限值_主要排放口_手工录入.csv"
REPORT_FILE = HANDWRITTEN / "排污许可证执行报告_年报_2023_主要排放口限值_手工录入.csv"
FIXTURE_PERMIT = "91410100MA9XL0001B001P"  # fictitious; the USCC check character is right


@pytest.fixture(scope="module")
def defaults() -> pl.DataFrame:
    return fuel_defaults(load_factor_set(), YEARS)


@pytest.fixture
def run(defaults, table_frame):
    """Findings of permit_limit_exceeded (or the given rule) over tables given as {table: rows}."""

    def go(tables: dict[str, list[dict]], rule=RULE) -> pl.DataFrame:
        frames = {name: table_frame(name, rows) for name, rows in tables.items()}
        return run_catalogue([rule], frames, defaults, YEARS)

    return go


def _report(uscc: str, rows: list[tuple], year: int = 2022) -> list[dict]:
    """Execution-report rows (排放口类型, outlet code, pollutant, t); 主要/一般排放口 rows are outlet rows."""
    scope = {"主要排放口合计": "main_outlets_total", "全厂合计": "site_total"}
    return [{"year": year, "report_type": "年报", "permit_no": uscc + "001P", "uscc": uscc,
             "emission_scope": scope.get(kind, "outlet"), "outlet_type": kind, "outlet_code": code, "pollutant": p,
             "emission_mass_t": t, "source_file": f"permit/{uscc}.csv", "row_number": n}
            for n, (kind, code, p, t) in enumerate(rows, start=2)]


def _limits(uscc: str, rows: list[tuple], year: int = 2022, index: int = 2) -> list[dict]:
    """Annual-limit rows (scope, outlet code, pollutant, t/a) of permit year `index`."""
    return [{"permit_no": uscc + "001P", "uscc": uscc, "emission_scope": scope, "outlet_code": code, "pollutant": p,
             "permit_year_index": index, "year": year, "limit_mass_t": t, "source_record": f"limits.xlsx:S:{n}"}
            for n, (scope, code, p, t) in enumerate(rows, start=4)]


def _by_subject(found: pl.DataFrame) -> dict[tuple, dict]:
    return {(r["facility_id"], r["subject"]): r for r in found.iter_rows(named=True)}


def test_outlet_limits_only(run):
    # DA001: 130 t > 100 t (130 %) -> one outlet finding; DA002: 40 t <= 50 t -> none.
    # The permit gives no 主要排放口合计 or 全厂 limit, so the main sum 130 + 40 = 170 t and the report's
    # 全厂合计 170 t are compared with nothing.
    report = _report(U1, [("主要排放口", "DA001", "SO2", 130.0), ("主要排放口", "DA002", "SO2", 40.0),
                          ("全厂合计", None, "SO2", 170.0)])
    limits = _limits(U1, [("outlet", "DA001", "SO2", 100.0), ("outlet", "DA002", "SO2", 50.0)])
    found = run({"core_permit__execution_emissions": report, "core_permit__annual_limits": limits})
    assert list(_by_subject(found)) == [(U1 + "001P", "SO2 DA001")]
    row = found.row(0, named=True)
    assert (row["compliance_level"], row["value_a"], row["value_b"], row["severity"]) == ("outlet", 130.0, 100.0, "error")
    assert row["value_difference"] == pytest.approx(30.0) and row["value_ratio"] == pytest.approx(1.3)
    assert row["message_zh"] == (f"排污许可证{U1}001P 2022年（许可第2年）排放口DA001 SO2实际排放量130.000吨，"
                                 "超过许可排放量100.000吨（130%）。")
    assert row["message_en"] == (f"Permit {U1}001P, 2022 (permit year 2), outlet DA001: actual SO2 130.000 t above "
                                 "the permitted 100.000 t (130%).")
    assert row["source_record"] == f"permit/{U1}.csv::2"


def test_main_outlets_total_only(run):
    # Sum of the report's main-outlet rows: 90 + 80 = 170 t > 150 t (113 %); the 一般排放口 DA003 (30 t) is not a
    # main outlet and is not added. The outlets have no limits of their own, so only the total is compared.
    summed = _report(U1, [("主要排放口", "DA001", "NOx", 90.0), ("主要排放口", "DA002", "NOx", 80.0),
                          ("一般排放口", "DA003", "NOx", 30.0)])
    # U2 writes its own 主要排放口合计 row, 160 t: preferred over the sum of its rows (90 + 80 = 170 t).
    reported = _report(U2, [("主要排放口", "DA001", "NOx", 90.0), ("主要排放口", "DA002", "NOx", 80.0),
                            ("主要排放口合计", None, "NOx", 160.0)])
    limits = [*_limits(U1, [("main_outlets_total", None, "NOx", 150.0)]),
              *_limits(U2, [("main_outlets_total", None, "NOx", 150.0)])]
    found = run({"core_permit__execution_emissions": summed + reported, "core_permit__annual_limits": limits})
    rows = _by_subject(found)
    assert set(rows) == {(U1 + "001P", "NOx 主要排放口合计"), (U2 + "001P", "NOx 主要排放口合计")}
    one, two = rows[(U1 + "001P", "NOx 主要排放口合计")], rows[(U2 + "001P", "NOx 主要排放口合计")]
    assert (one["compliance_level"], one["value_a"], one["value_b"]) == ("main_outlets_total", 170.0, 150.0)
    assert "执行报告2个主要排放口之和" in one["message_zh"] and "sum of the report's 2 main-outlet rows" in one["message_en"]
    assert "（113%）" in one["message_zh"] and "主要排放口合计" in one["message_zh"]
    assert (two["value_a"], two["value_b"]) == (160.0, 150.0)  # 160 / 150 = 107 %
    assert "执行报告主要排放口合计行" in two["message_zh"] and "own 主要排放口合计 row" in two["message_en"]
    assert two["source_record"] == f"permit/{U2}.csv::4"  # the subtotal row, not the outlet rows


def test_all_three_levels_only_the_outlet_breaks(run):
    # DA001 70 t > 60 t (117 %); DA002 30 t <= 60 t. Main outlets 70 + 30 = 100 t <= 120 t; the report's
    # 全厂合计 100 + 20 (一般排放口 DA003) = 120 t <= 200 t. One finding, at the outlet.
    report = _report(U3, [("主要排放口", "DA001", "SO2", 70.0), ("主要排放口", "DA002", "SO2", 30.0),
                          ("一般排放口", "DA003", "SO2", 20.0), ("全厂合计", None, "SO2", 120.0)])
    limits = _limits(U3, [("outlet", "DA001", "SO2", 60.0), ("outlet", "DA002", "SO2", 60.0),
                          ("main_outlets_total", None, "SO2", 120.0), ("site_total", None, "SO2", 200.0)])
    found = run({"core_permit__execution_emissions": report, "core_permit__annual_limits": limits})
    assert [(r["subject"], r["compliance_level"], r["value_a"], r["value_b"]) for r in found.iter_rows(named=True)] == [
        ("SO2 DA001", "outlet", 70.0, 60.0)]


def test_one_finding_per_level_that_breaks(run):
    # DA001 is written on two rows (60 + 50 = 110 t > 100 t): one outlet finding, not two. The 全厂合计 150 t > 140 t
    # is a second finding at the site level; the main sum 110 + 20 = 130 t <= 130 t is not above its limit.
    report = _report(U4, [("主要排放口", "DA001", "SO2", 60.0), ("主要排放口", "DA001", "SO2", 50.0),
                          ("主要排放口", "DA002", "SO2", 20.0), ("全厂合计", None, "SO2", 150.0)])
    limits = _limits(U4, [("outlet", "DA001", "SO2", 100.0), ("outlet", "DA002", "SO2", 50.0),
                          ("main_outlets_total", None, "SO2", 130.0), ("site_total", None, "SO2", 140.0)])
    found = run({"core_permit__execution_emissions": report, "core_permit__annual_limits": limits})
    levels = {r["compliance_level"]: (r["subject"], r["value_a"], r["value_b"]) for r in found.iter_rows(named=True)}
    assert levels == {"outlet": ("SO2 DA001", 110.0, 100.0), "site_total": ("SO2", 150.0, 140.0)}
    assert found["finding_id"].n_unique() == 2
    site = found.filter(pl.col("compliance_level") == "site_total").row(0, named=True)
    assert "全厂" in site["message_zh"] and "site total" in site["message_en"]


def test_within_tolerance_not_flagged(run):
    # tolerance_relative 0 (the catalogue): actual = limit (100 t against 100 t) is not above it.
    report = _report(U1, [("主要排放口", "DA001", "SO2", 100.0), ("主要排放口", "DA002", "SO2", 104.0),
                          ("主要排放口", "DA003", "SO2", 106.0)])
    limits = _limits(U1, [("outlet", code, "SO2", 100.0) for code in ("DA001", "DA002", "DA003")])
    tables = {"core_permit__execution_emissions": report, "core_permit__annual_limits": limits}
    assert set(_by_subject(run(tables))) == {(U1 + "001P", "SO2 DA002"), (U1 + "001P", "SO2 DA003")}
    # with 5 %: 104 <= 100 x 1.05 = 105 is within; 106 > 105 is not
    loose = dataclasses.replace(RULE, parameters={"tolerance_relative": 0.05})
    found = run(tables, rule=loose)
    assert set(_by_subject(found)) == {(U1 + "001P", "SO2 DA003")}
    assert found["tolerance"][0] == 0.05 and "1.05" in found["tolerance_text"][0]


def test_other_rules_have_no_level(run):
    report = _report(U1, [("主要排放口", "DA001", "SO2", 10.0)])
    cems = [{"mn": "MN1", "permit_no": U1 + "001P", "outlet_code": "DA001", "city_code": "410100", "year": 2022,
             "pollutant": "SO2", "mass_t": 20.0, "unsubstituted_hours": 0, "valid_data_rate_pct": 95.0,
             "substitution_rule_version": "hj75_2017"}]
    found = run({"core_permit__execution_emissions": report, "out_cems__outlet_yearly": cems}, rule=CEMS_RULE)
    assert found.height == 1 and found["compliance_level"].to_list() == [None]


# --- hand-written files through the real readers ---------------------------------------------------------------
# Limit table (许可排放量 per main outlet and 主要排放口合计 only, no 全厂 rows), validity 2021-07-01 to 2026-06-30, so
# 2023 is 第三年 (2023 - 2021 + 1 = 3):       SO2      NOx      PM
#   DA001 第三年                              100      150      12
#   DA002 第三年                               50       75       6
#   主要排放口合计 第三年                      150      225      18
# Execution report 2023 (年报):
#   DA001 主要排放口                          130      140      11.5
#   DA002 主要排放口                           12 (12000 千克)   80    5.0
#   主要排放口合计 (the report's own row)        -        -      18.6
#   DA003 一般排放口                           20       10       -
#   全厂合计                                  162      230      18.6
# Expected:
#   SO2 DA001  130 > 100 (130 %)                           outlet
#   NOx DA002   80 > 75  (107 %)                           outlet
#   PM 主要排放口合计 18.6 > 18 (103 %), the report's own row (its outlet rows sum to 11.5 + 5.0 = 16.5, under)
#   not: SO2 DA002 12 <= 50; NOx DA001 140 <= 150; SO2 main 130 + 12 = 142 <= 150; NOx main 140 + 80 = 220 <= 225;
#        全厂合计 SO2 162 (above the 150 main limit) has no 全厂 limit to be compared with.
EXPECTED = {("SO2 DA001", "outlet", 130.0, 100.0), ("NOx DA002", "outlet", 80.0, 75.0),
            ("PM 主要排放口合计", "main_outlets_total", 18.6, 18.0)}


def _fixture_findings(limit_path: Path, defaults: pl.DataFrame, table_frame) -> pl.DataFrame:
    _, limit_core, limit_rejected = transform_file(limit_path, "permit")
    _, report_core, report_rejected = transform_file(REPORT_FILE, "permit")
    assert limit_rejected.height == 0 and report_rejected.height == 0
    limits = limit_core["core_permit__limits"]
    assert limits.height == 11 and limits.filter(pl.col("emission_scope") == "site_total").is_empty()
    registry = table_frame("core_permit__registry", [{"permit_no": FIXTURE_PERMIT, "uscc": FIXTURE_PERMIT[:18],
                                                     "valid_from": dt.date(2021, 7, 1), "valid_to": dt.date(2026, 6, 30)}])
    tables = {"core_permit__execution_emissions": report_core["core_permit__execution_emissions"],
              "core_permit__annual_limits": annual_limits(limits, registry), "core_permit__registry": registry}
    return run_catalogue([RULE], tables, defaults, YEARS)


def _assert_fixture_findings(found: pl.DataFrame) -> None:
    got = {(r["subject"], r["compliance_level"], r["value_a"], r["value_b"]) for r in found.iter_rows(named=True)}
    assert got == EXPECTED
    assert set(found["facility_id"]) == {FIXTURE_PERMIT} and set(found["year"]) == {2023}
    assert all("许可第3年" in m for m in found["message_zh"])
    pm = found.filter(pl.col("compliance_level") == "main_outlets_total").row(0, named=True)
    assert "执行报告主要排放口合计行" in pm["message_zh"] and pm["source_record"].endswith(":9")  # file row 9


def test_handwritten_limit_table_csv(defaults, table_frame):
    _assert_fixture_findings(_fixture_findings(LIMIT_FILE, defaults, table_frame))


def test_handwritten_limit_table_as_merged_xlsx(tmp_path, defaults, table_frame):
    """The same cells as the page renders them: merged header cells, outlet names and 主要排放口合计 label merged."""
    with LIMIT_FILE.open(encoding="utf-8-sig", newline="") as handle:
        rows = [[cell or None for cell in row] for row in csv.reader(handle)]
    merges = ["A1:L1", "A2:L2", *(f"{c}3:{c}4" for c in "ABCDEFL"), "G3:K3", "B5:B8", "B9:B11", "A12:B15"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "大气污染物排放信息"
    for row in rows:
        sheet.append([float(c) if c and c.replace(".", "").isdigit() else c for c in row])
    for merge in merges:
        sheet.merge_cells(merge)  # keeps the top-left value only, as on the page
    path = tmp_path / "排污许可证_大气污染物许可排放限值_主要排放口.xlsx"
    book.save(path)
    assert sheet["A13"].value is None and sheet["B6"].value is None
    _assert_fixture_findings(_fixture_findings(path, defaults, table_frame))
