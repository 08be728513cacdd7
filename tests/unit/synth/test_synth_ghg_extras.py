"""Extra GHG-report sheets and the corrected re-submission in the demo province, checked from the files written."""

from __future__ import annotations

import csv
import math
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from synth.demo import generate

pytestmark = pytest.mark.slow  # two 150-site provinces generated

GHG_2023 = "2023年度温室气体排放报告_演示数据.xlsx"
CSV_2022 = "2022年度温室气体排放报告汇总_演示数据.csv"
RESUBMISSION = "2022年度温室气体排放报告_更正_演示数据.xlsx"
HEADERS = {
    "购入输出电力热力": ["报告年度", "统一社会信用代码", "单位名称", "类别", "数量", "计量单位", "排放因子", "排放量"],
    "工业生产过程排放": ["报告年度", "统一社会信用代码", "单位名称", "工序", "原料/产品", "活动数据", "计量单位", "排放因子",
                         "排放因子单位", "排放量(tCO2)"],
    "排放量汇总": ["报告年度", "统一社会信用代码", "单位名称", "行业代码", "化石燃料燃烧排放量(tCO2)",
                   "工业生产过程排放量(tCO2)", "购入电力排放量(tCO2)", "购入热力排放量(tCO2)", "法人边界排放总量(tCO2)",
                   "综合能耗(万吨标煤)"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[tuple[Path, dict], tuple[Path, dict]]:
    out = []
    for name in ("run1", "run2"):
        home = tmp_path_factory.mktemp(name)
        out.append((home, generate(home / "inbox", home / "manifest.json", seed=7, n_sites=150)))
    return out[0], out[1]


def _rows(home: Path, file: str, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(home / "inbox" / "ghg" / file)[sheet].iter_rows(values_only=True))


def _extras(manifest: dict) -> dict[str, dict]:
    return {s["sheet"]: s for s in manifest["ghg"]["extras"]["sheets"]}


def test_sheets_in_order_with_official_headers(runs):
    home, manifest = runs[0]
    book = openpyxl.load_workbook(home / "inbox" / "ghg" / GHG_2023)
    assert book.sheetnames == ["燃料燃烧排放", *HEADERS]
    for sheet, header in HEADERS.items():
        assert list(next(book[sheet].iter_rows(values_only=True))) == header
    entry = next(f for f in manifest["ghg"]["files"] if f["path"] == f"ghg/{GHG_2023}")
    counts = {name: book[name].max_row - 1 for name in book.sheetnames}
    assert entry["sheets"] == counts and entry["rows"] == sum(counts.values())
    assert {s: e["rows"] for s, e in _extras(manifest).items()} == {s: counts[s] for s in HEADERS}


def test_energy_flows_match_manifest(runs):
    home, manifest = runs[0]
    rows = _rows(home, GHG_2023, "购入输出电力热力")[1:]
    sums: dict[str, float] = {}
    for row in rows:
        quantity = row[4] * 10 if row[5] == "万千瓦时" else row[4]
        assert row[5] in ({"GJ"} if row[3] == "购入热力" else {"MWh", "万千瓦时"})
        assert row[6] == (0.11 if row[3] == "购入热力" else 0.5703)
        assert row[7] == pytest.approx(round(quantity * row[6], 2), abs=0.011)
        sums[row[3]] = sums.get(row[3], 0.0) + quantity
    totals = _extras(manifest)["购入输出电力热力"]["totals"]
    assert totals["purchased_electricity_mwh"] == pytest.approx(sums["购入电力"], abs=1e-3)
    assert totals["exported_electricity_mwh"] == pytest.approx(sums.get("输出电力", 0.0), abs=1e-3)
    assert totals["purchased_heat_gj"] == pytest.approx(sums.get("购入热力", 0.0), abs=1e-3)
    assert totals["co2_reported_t"] == pytest.approx(sum(r[7] for r in rows), abs=1e-6)
    wan = [i for i, r in enumerate(rows, start=2) if r[5] == "万千瓦时"]
    assert wan and wan == manifest["ghg"]["extras"]["wan_kwh_rows"]["row_numbers"]


def test_process_and_totals_match_manifest(runs):
    home, manifest = runs[0]
    process = _rows(home, GHG_2023, "工业生产过程排放")[1:]
    assert process and all(r[7] is None and r[9] > 0 for r in process)
    cement = [r for r in process if r[3] == "熟料生产"]
    assert all(r[4] == "熟料" and r[6] == "t" for r in cement)
    extras = _extras(manifest)
    assert extras["工业生产过程排放"]["totals"]["process_co2_t"] == pytest.approx(sum(r[9] for r in process), abs=1e-6)
    totals = _rows(home, GHG_2023, "排放量汇总")[1:]
    expected = {r["uscc"]: r["co2_mass_t"] for r in manifest["ghg"]["expected_enterprise_year"] if r["year"] == 2023}
    assert {r[1] for r in totals} == set(expected)
    for row in totals:
        assert row[4] == pytest.approx(expected[row[1]], abs=0.006)
        assert row[8] == pytest.approx(sum(row[4:8]), abs=0.011)
    got = extras["排放量汇总"]["totals"]
    assert got["total_co2_t"] == pytest.approx(sum(r[8] for r in totals), abs=1e-6)
    assert got["process_co2_t"] == pytest.approx(extras["工业生产过程排放"]["totals"]["process_co2_t"], abs=0.011)


def _quantity(text: object, unit: str | None) -> float:
    """Canonical quantity of a written fuel cell: '1,234.5', '123吨', 万吨 -> t; gas stays in 万Nm3."""
    cell = unicodedata.normalize("NFKC", str(text)).replace(",", "")
    if cell.endswith("吨"):
        cell, unit = cell[:-1], "吨"
    return float(cell) * (1e4 if unit == "万吨" else 1.0)


def test_resubmission_corrects_one_line_by_ten_percent(runs):
    home, manifest = runs[0]
    resub = manifest["ghg"]["resubmission"]
    line = resub["corrected_line"]
    rows = _rows(home, RESUBMISSION, "燃料燃烧排放")
    assert len(rows) - 1 == resub["rows"] >= 2 and {r[1] for r in rows[1:]} == {resub["uscc"]}
    new = rows[line["row_number"] - 1]
    with (home / "inbox" / "ghg" / CSV_2022).open(encoding="gb18030", newline="") as handle:
        old = next(r for r in csv.reader(handle) if unicodedata.normalize("NFKC", r[1]) == resub["uscc"]
                   and r[5] == new[5] and r[6] == new[6])
    ratio = _quantity(new[7], new[8]) / _quantity(old[7], old[8])
    assert ratio == pytest.approx(0.9, rel=1e-4)
    assert line["corrected_co2_t"] / line["original_co2_t"] == pytest.approx(ratio, rel=1e-9)
    assert resub["co2_mass_t"] == pytest.approx(resub["superseded_co2_mass_t"] - 0.1 * line["original_co2_t"], rel=1e-4)
    expected = next(r for r in manifest["ghg"]["expected_enterprise_year"] if (r["uscc"], r["year"]) == (resub["uscc"], 2022))
    assert math.isclose(expected["co2_mass_t"], resub["co2_mass_t"], rel_tol=1e-12)
    assert f"ghg/{CSV_2022}" in resub["supersedes"]
    assert {"path": resub["path"], "rows": resub["rows"], "encoding": None, "rejected": 0} in manifest["ghg"]["files"]


def test_resubmission_is_the_latest_drop(runs):
    home, _ = runs[0]
    folder = home / "inbox" / "ghg"
    others = [p.stat().st_mtime for p in folder.iterdir() if p.name != RESUBMISSION]
    assert (folder / RESUBMISSION).stat().st_mtime >= max(others) + 10 - 1e-3


def test_generate_twice_is_byte_identical(runs):
    (first, m1), (second, m2) = runs
    files = sorted(p.relative_to(first) for p in (first / "inbox").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in (second / "inbox").rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)
    assert (first / "manifest.json").read_bytes() == (second / "manifest.json").read_bytes() and m1 == m2
