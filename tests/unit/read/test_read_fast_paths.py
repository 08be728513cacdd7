"""The read path's short cuts (issue 28) give what the long way gives: inline strings read as openpyxl reads them,
and the row engine, which parses each distinct combination of a rule's cells once, puts every outcome on every row
and rejects every bad row with its own row number."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipelines.read import parsers
from pipelines.read.files import read_sheets
from pipelines.read.layouts import raw_frame
from pipelines.read.rows import Rule, apply_rules, cell, transform_rows
from pipelines.read.sources.ghg import REPORTED_TOTAL_RULES
from schemas.layouts import LAYOUTS

NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# inline strings as exporters write them, and the shapes openpyxl's rich-text reading must take
INLINE = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>plain</t></is></c>'
          b'<c r="B1" s="1" t="inlineStr"><is><t xml:space="preserve">  kept  </t></is></c>'
          b'<c r="C1" t="inlineStr"><is><t/></is></c>'
          b'<c r="D1" t="inlineStr"><is><r><t>ri</t></r><r><rPr><b/></rPr><t>ch</t></r></is></c>'
          b'<c r="E1" t="inlineStr"><is><t>bing</t><rPh sb="0" eb="1"><t>BING</t></rPh></is></c>'
          b'<c r="F1" t="inlineStr"><is><t>first</t><t>second</t></is></c>'
          b'<c r="G1" t="inlineStr"></c><c r="H1"><v>2.5</v></c></row>'
          b'<row r="3"><c t="inlineStr"><is><t>no reference</t></is></c><c t="inlineStr"><is><t>next</t></is></c>'
          b'<c r="E3" t="inlineStr"><is><t>E</t></is></c><c t="inlineStr"><is><t>after E</t></is></c></row>')


def _workbook(path: Path, rows: bytes) -> Path:
    """A workbook openpyxl writes, its sheet XML replaced by `rows`."""
    book = openpyxl.Workbook()
    book.active["A1"] = "x"
    made = io.BytesIO()
    book.save(made)
    sheet = b'<?xml version="1.0"?><worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (NS, rows)
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, sheet if info.filename == "xl/worksheets/sheet1.xml" else source.read(info))
    return path


def test_inline_strings_read_as_openpyxl_reads_them(tmp_path):
    path = _workbook(tmp_path / "inline.xlsx", INLINE)
    [sheet], _ = read_sheets(path)
    assert sheet.rows == [["plain", "  kept  ", None, "rich", "bing", "second", None, "2.5"], [],
                          ["no reference", "next", None, None, "E", "after E"]]
    # openpyxl's own reading of the same workbook (its generic cell parser, no short cut)
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    theirs = [[None if v in (None, "") else str(v) for v in row] for row in book.active.iter_rows(values_only=True)]
    book.close()
    assert [_trimmed(row) for row in sheet.rows] == [_trimmed(row) for row in theirs]


def _trimmed(row: list[str | None]) -> list[str | None]:
    while row and row[-1] is None:
        row = row[:-1]
    return row


def test_an_inline_string_openpyxl_refuses_is_refused_the_same_way(tmp_path):
    path = _workbook(tmp_path / "odd.xlsx", b'<row r="1"><c r="A1" t="inlineStr"><is odd="1"><t>x</t></is></c></row>')
    with pytest.raises(TypeError):  # openpyxl's rich-text object takes no such attribute: the file is unreadable
        read_sheets(path)


U1, U2, BAD = "91130200699229617X", "91110000600037341L", "91130200699229617Y"  # two valid USCCs, a wrong check


def _totals(usccs: list[str | None]) -> pl.DataFrame:
    layout = LAYOUTS["raw_ghg__reported_totals"]
    rows = [{"source_file": "ghg/t.csv", "sheet_name": None, "row_number": n, "file_sha256": "0" * 64,
             "year": "2023", "uscc": code, "enterprise_name": f"演示{n}", "total": f"{n},000"}
            for n, code in enumerate(usccs, start=2)]
    return raw_frame(layout, rows)


def test_each_distinct_cell_is_parsed_once_and_every_row_gets_its_outcome():
    calls: list[str | None] = []

    def counted(text: str | None) -> str:
        calls.append(text)
        return parsers.uscc(text)

    rules = [cell("uscc", counted) if rule.column == "uscc" else rule for rule in REPORTED_TOTAL_RULES]
    raw = _totals([U1, U2, BAD, U1, BAD, U1, None])
    good, bad = transform_rows(raw, rules, "core_ghg__reported_totals", "ghg")
    assert sorted(calls, key=str) == sorted([U1, U2, BAD, None], key=str)  # 4 distinct cells for 7 rows
    assert good.select("row_number", "uscc", "reported_total_co2e_t").rows() == [
        (2, U1, 2000.0), (3, U2, 3000.0), (5, U1, 5000.0), (7, U1, 7000.0)]
    assert bad["row_number"].to_list() == [4, 6, 8]  # each bad row on its own, in file order
    assert bad["raw_value"].to_list() == [BAD, BAD, None]
    assert bad["reason_en"].to_list() == [f"column 'uscc': USCC check character is wrong: {BAD!r}"] * 2 + [
        "column 'uscc': USCC is missing"]


def test_the_engine_and_a_single_row_agree():
    raw = _totals([U1, BAD, None])
    good, bad = transform_rows(raw, REPORTED_TOTAL_RULES, "core_ghg__reported_totals", "ghg")
    for row in raw.iter_rows(named=True):
        typed, problems, _ = apply_rules(row, REPORTED_TOTAL_RULES)
        if problems:
            assert row["row_number"] in bad["row_number"].to_list()
        else:
            assert good.filter(pl.col("row_number") == row["row_number"]).select(list(typed)).rows() == [
                tuple(typed.values())]


def test_a_rule_reading_a_column_it_does_not_declare_fails_loudly():
    # its outcome would otherwise be shared between rows that differ in that column
    sneaky = Rule("uscc", lambda raw: f"{raw.get('uscc')}:{raw.get('enterprise_name')}", "uscc")
    with pytest.raises(KeyError, match="enterprise_name"):
        transform_rows(_totals([U1]), [sneaky], "core_ghg__reported_totals", "ghg")
