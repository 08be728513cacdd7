"""Property: the same report content, re-encoded (UTF-8 BOM / GB18030), re-united (t / 万吨) and
re-formatted (CSV / XLSX), yields identical core tables."""

import csv
import io

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.read.ingest import transform_file

pytestmark = pytest.mark.slow  # 25 examples, five files each

USCCS = ["91130200699229617X", "91370285MACJTLFM79", "913600007363561816"]
FUELS = {"烟煤": "t", "天然气": "万立方米", "柴油": "t"}
PROVENANCE = ["source_file", "sheet_name", "row_number", "file_sha256"]

line = st.fixed_dictionaries({
    "year": st.integers(2019, 2025),
    "uscc": st.sampled_from(USCCS),
    "name": st.sampled_from(["演示甲热电有限公司", "演示（乙）水泥有限公司", "演示丙化工"]),
    "fuel": st.sampled_from(sorted(FUELS)),
    "quantity_cents": st.integers(0, 10**9),  # quantities with two decimals, as reports write them
    "ncv_milli": st.one_of(st.none(), st.integers(1, 60_000)),
    "oxidation_pct": st.one_of(st.none(), st.integers(80, 100)),
})


def _cells(row: dict, wan: bool) -> list[str]:
    quantity = row["quantity_cents"] / 100
    unit = FUELS[row["fuel"]]
    if unit == "t" and wan:
        text, unit = f"{row['quantity_cents'] / 10**6:.6f}", "万吨"
    elif unit == "t":
        text = f"{quantity:.2f}"
    else:
        text = f"{quantity:.2f}"
    ncv = "" if row["ncv_milli"] is None else f"{row['ncv_milli'] / 1000:.3f}"
    oxidation = "" if row["oxidation_pct"] is None else f"{row['oxidation_pct']}%"
    return [str(row["year"]), row["uscc"], row["name"], row["fuel"], text, unit, ncv, oxidation]


HEADER = ["报告年度", "统一社会信用代码", "单位名称", "燃料品种", "消耗量", "计量单位", "低位发热量", "碳氧化率"]


def _write(path, rows: list[dict], fmt: str, wan: bool):
    table = [HEADER, *(_cells(r, wan) for r in rows)]
    if fmt == "xlsx":
        book = openpyxl.Workbook()
        for cells in table:
            book.active.append([_number_or_text(c) if i in (0, 4, 6) else (c or None) for i, c in enumerate(cells)])
        book.save(path)
        return
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(table)
    path.write_bytes(buffer.getvalue().encode(fmt))


def _number_or_text(cell: str):
    try:
        return float(cell) if "." in cell else int(cell)
    except ValueError:
        return cell or None


def _core(path) -> pl.DataFrame:
    _, core, rejected = transform_file(path, "ghg")
    assert rejected.height == 0, rejected["reason_en"].to_list()
    return core["core_ghg__fuel_lines"].drop(PROVENANCE)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(line, min_size=1, max_size=8))
def test_same_content_same_core_table(tmp_path, rows):
    variants = [("utf-8-sig", False, "csv"), ("gb18030", False, "csv"), ("utf-8-sig", True, "csv"),
                ("xlsx", False, "xlsx"), ("xlsx", True, "xlsx")]
    frames = []
    for i, (fmt, wan, suffix) in enumerate(variants):
        path = tmp_path / f"report_{i}.{suffix}"
        _write(path, rows, fmt, wan)
        frames.append(_core(path))
    for other in frames[1:]:
        assert other.equals(frames[0])
    assert frames[0].height == len(rows)
