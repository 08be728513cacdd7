"""Synthetic permit and environmental-statistics files: layout, anomaly truth and byte-identical reruns."""

from __future__ import annotations

import csv
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest

from synth.world import build_world
from synth.writers_envstat import write_envstat_files
from synth.writers_permit import FIXED_TIME, YEAR_LABELS, write_permit_files

pytestmark = pytest.mark.slow  # two 60-site worlds written


def _write(out: Path) -> list[dict]:
    world = build_world(n_sites=60)
    target = next(e for e in world.enterprises
                  if any(s.fuel_heat_gj[2022].get("bituminous", 0) > 0 for s in e.sites))
    anomalies = {"fuel_disagreement": {"kind": "fuel_disagreement", "uscc": target.uscc, "year": 2022,
                                       "fuel_code": "bituminous", "ghg_factor": 0.62}}
    manifest = write_permit_files(world, out, random.Random(11), anomalies)
    return manifest + write_envstat_files(world, out, random.Random(12), anomalies)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[tuple[Path, list[dict]], tuple[Path, list[dict]]]:
    first, second = tmp_path_factory.mktemp("run1"), tmp_path_factory.mktemp("run2")
    return (first, _write(first)), (second, _write(second))


def _files(manifest: list[dict]) -> list[dict]:
    return [m for m in manifest if m["kind"] == "file"]


def test_files_exist_with_demo_names(runs):
    inbox, manifest = runs[0]
    files = _files(manifest)
    assert {m["source"] for m in files} == {"permit", "envstat"}
    assert len([m for m in files if m.get("table") == "execution_report"]) == 3
    assert len([m for m in files if m["source"] == "envstat"]) == 3
    for entry in files:
        path = inbox / entry["path"]
        assert path.is_file() and path.stat().st_size > 0
        assert "演示数据" in path.name
        assert entry["rows"] > 0 and entry["encoding"]
    for entry in manifest:
        assert entry["source"] in ("permit", "envstat") and entry["kind"] in ("file", "anomaly", "malformed_row")


def test_registry_lists_permits_only(runs):
    inbox, manifest = runs[0]
    entry = next(m for m in manifest if m.get("table") == "permit_registry")
    sheet = openpyxl.load_workbook(inbox / entry["path"])["许可信息公开"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == entry["rows"]
    assert {r[8] for r in rows} <= {"重点管理", "简化管理"}
    assert all("至" in r[6] for r in rows)


def test_permit_limit_header_is_merged_over_five_years(runs):
    inbox, manifest = runs[0]
    entry = next(m for m in manifest if m.get("table") == "permit_limits")
    sheet = openpyxl.load_workbook(inbox / entry["path"])["大气污染物排放信息"]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "H2:L2" in merged and "A2:A3" in merged and "M2:M3" in merged
    assert sheet["H2"].value == "许可年排放量限值(t/a)"
    assert tuple(sheet.cell(3, c).value for c in range(8, 13)) == YEAR_LABELS
    assert "演示数据" in sheet["A1"].value


def test_exceeded_limit_is_in_the_execution_report(runs):
    inbox, manifest = runs[0]
    truth = next(m for m in manifest if m.get("anomaly") == "permit_limit_exceeded")
    assert truth["year"] == 2022 and truth["pollutant"] == "SO2"
    # the limit as written in the limit table, 全厂有组织排放总计 row (labels are merged: forward-fill them)
    sheet = openpyxl.load_workbook(inbox / truth["limit_file"])["大气污染物排放信息"]
    label, limit = None, None
    for row in sheet.iter_rows(min_row=4, values_only=True):
        label = row[1] if row[1] is not None else label
        if row[0] == truth["permit_no"] and label == "全厂有组织排放总计" and row[3] in ("SO2", "二氧化硫"):
            limit = row[7 + truth["permit_year_index"] - 1]
    assert limit == pytest.approx(truth["limit_t"])
    with (inbox / truth["report_file"]).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = next(float(r["合计(t)"]) for r in rows if r["许可证编号"] == truth["permit_no"]
                 and r["排放口类型"] == "全厂合计" and r["污染物代码"] == "A21026")
    assert total == pytest.approx(truth["actual_t"])
    assert total > limit and total == pytest.approx(1.4 * limit, rel=1e-3)
    assert truth["true_actual_t"] < limit


def test_envstat_malformed_rows_and_fuel_truth(runs):
    inbox, manifest = runs[0]
    bad = [m for m in manifest if m["kind"] == "malformed_row"]
    assert sorted(m["problem"] for m in bad) == ["impossible_sulfur", "missing_identity", "non_numeric_consumption"]
    for entry in bad:
        sheet = openpyxl.load_workbook(inbox / entry["file"])[entry["sheet"]]
        column = [c.value for c in sheet[2]].index(entry["column"]) + 1
        assert sheet.cell(entry["row"], column).value == entry["value_written"]
    truth = next(m for m in manifest if m.get("anomaly") == "fuel_disagreement")
    book = openpyxl.load_workbook(inbox / truth["file"])
    boilers = book["G103-1"]
    quantity = [c.value for c in boilers[2]].index("燃料消耗量") + 1
    assert sum(boilers.cell(r, quantity).value for r in truth["boiler_rows"]) == pytest.approx(
        truth["envstat_quantity"], abs=0.05)


def test_same_seed_gives_identical_bytes(runs):
    (first, manifest), (second, _) = runs
    for entry in _files(manifest):
        assert (first / entry["path"]).read_bytes() == (second / entry["path"]).read_bytes(), entry["path"]
        if entry["path"].endswith(".xlsx"):  # fixed zip and document timestamps, not just equal within one run
            with zipfile.ZipFile(first / entry["path"]) as archive:
                assert {i.date_time for i in archive.infolist()} == {FIXED_TIME.timetuple()[:6]}
                assert FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ") in archive.read("docProps/core.xml").decode()
