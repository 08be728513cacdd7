"""write_table's cells, made as XML by polars (TableWorkbook), read back as the cells xlsxwriter's own per-cell write
gives: values, types, display formats, escapes, errors for NaN and infinity, empty cells; and column widths from the
few widest values equal those from every value."""

import math
import re
import zipfile
from datetime import UTC, date, datetime

import openpyxl
import polars as pl
import pytest
import xlsxwriter

from pipelines.deliver.tabular_files import (
    CELL_TEXT_MAX,
    MASS_FORMAT,
    SHARE_FORMAT,
    SHOWN,
    TIMESTAMP_FORMAT,
    VARIABLE_FORMAT,
    column_width,
    new_workbook,
    widest_values,
    write_table,
)

LONG = "长" * 20000 + "𝄞" * 7000 + "x" * 100  # 20,000 + 14,000 + 100 UTF-16 units: cut to 32,767 at most
TEXTS = ["410100", "=HYPERLINK(\"http://x\")", "http://example.com", "a & b < c > d", " leading", "trailing\n",
         "bell\x07 and \x1f", "_x0041_ literal", "\ufffe", "", None, "郑州市", "<r>not rich</r>", LONG]
FLOATS = [0.1 + 0.2, -1.5, 1e-7, 1.2345678901234567e16, float("nan"), float("inf"), float("-inf"), -0.0, None,
          30000.125, 1e300, 5e-324, 2.0, 123456.789]
FORMATS = {"text": None, "mass": MASS_FORMAT, "share": SHARE_FORMAT, "int": "0", "flag": None, "day": "yyyy-mm-dd",
           "stamp": None, "aware": None}


def _frame() -> pl.DataFrame:
    """One column per cell type the exports write, with the values xlsxwriter treats specially."""
    n = len(TEXTS)
    return pl.DataFrame({
        "text": TEXTS,
        "mass": FLOATS,
        "share": [0.125, None, *([0.5] * (n - 2))],
        "int": [2023, -7, 10**15 + 1, None, *range(n - 4)],
        "flag": [True, False, None, *([True] * (n - 3))],
        "day": [date(2023, 12, 31), date(1900, 2, 28), date(1900, 3, 1), None, *([date(2024, 1, 1)] * (n - 4))],
        "stamp": [datetime(2024, 3, 2, 17, 5, 0, 250000), None, *([datetime(1999, 12, 31, 23, 59, 59)] * (n - 2))],
        "aware": pl.Series([datetime(2024, 3, 2, 9, 0, tzinfo=UTC), None, *([None] * (n - 2))],
                           dtype=pl.Datetime("us", "Asia/Shanghai")),
    })


def _reference(path, frame: pl.DataFrame) -> None:
    """The same sheet the way write_table wrote it before: xlsxwriter's write, value by value."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "strings_to_numbers": False, "nan_inf_to_errors": True,
                                           "remove_timezone": True, "default_date_format": TIMESTAMP_FORMAT})
    sheet = book.add_worksheet("data")
    sheet.write_row(0, 0, frame.columns)
    for position, series in enumerate(frame.iter_columns()):
        num_format = FORMATS[series.name]
        cell_format = book.add_format({"num_format": num_format}) if num_format else None
        for row, value in enumerate(series.to_list(), start=1):
            if value is not None:
                sheet.write(row, position, value, cell_format)
    book.close()


def _written(path, frame: pl.DataFrame) -> None:
    book, bold = new_workbook(path)
    write_table(book, bold, "data", frame, num_formats=list(FORMATS.values()))
    book.close()


def _cells(path) -> list[list[openpyxl.cell.Cell]]:
    return [list(row) for row in openpyxl.load_workbook(path)["data"].iter_rows()]


def test_cells_read_back_as_xlsxwriter_writes_them(tmp_path):
    frame = _frame()
    _reference(tmp_path / "reference.xlsx", frame)
    _written(tmp_path / "written.xlsx", frame)
    reference, written = _cells(tmp_path / "reference.xlsx"), _cells(tmp_path / "written.xlsx")
    assert len(written) == len(reference) == frame.height + 1
    for old_row, new_row in zip(reference[1:], written[1:], strict=True):
        for old, new in zip(old_row, new_row, strict=True):
            where = (new.coordinate, frame.columns[new.column - 1])
            if old.data_type == "s":  # text: compared as written, in test_text_is_escaped_as_xlsxwriter_escapes_it
                assert new.data_type == "s", where
            elif isinstance(old.value, int | float) and not isinstance(old.value, bool):  # -0 or -0.0: both 0
                assert new.value == pytest.approx(old.value, rel=1e-15, abs=0, nan_ok=True), where  # 16 digits there
            else:
                assert (type(new.value), new.value) == (type(old.value), old.value), where
            if new.value is not None:
                assert new.number_format == old.number_format, where


def test_text_is_escaped_as_xlsxwriter_escapes_it(tmp_path):
    """The <t> of every text cell, inline here, equals the shared string xlsxwriter writes for it (openpyxl reads
    the two forms differently: it undoes _x005F_ in shared strings only, Excel in both)."""
    frame = _frame()
    _reference(tmp_path / "reference.xlsx", frame)
    _written(tmp_path / "written.xlsx", frame)
    with zipfile.ZipFile(tmp_path / "reference.xlsx") as packed:
        shared = re.findall(r"<si>(.*?)</si>", packed.read("xl/sharedStrings.xml").decode(), re.S)
        cells = re.findall(r'<c r="A(\d+)" t="s"><v>(\d+)</v>', packed.read("xl/worksheets/sheet1.xml").decode())
        reference = {int(row): shared[int(index)] for row, index in cells if row != "1"}  # below the header
    del reference[TEXTS.index("<r>not rich</r>") + 2]  # xlsxwriter writes it as raw rich-text XML: Excel shows nothing
    with zipfile.ZipFile(tmp_path / "written.xlsx") as packed:
        xml = packed.read("xl/worksheets/sheet1.xml").decode()
        written = {int(row): text for row, text in re.findall(r'<c r="A(\d+)" t="inlineStr"><is>(<t[^>]*>.*?</t>)', xml, re.S)}
    assert {row: text for row, text in written.items() if row in reference} == reference
    assert written[TEXTS.index("<r>not rich</r>") + 2] == "<t>&lt;r&gt;not rich&lt;/r&gt;</t>"
    assert written[9] == "<t>_x005F_x0041_ literal</t>" and written[8] == "<t>bell_x0007_ and _x001F_</t>"
    assert written[6] == '<t xml:space="preserve"> leading</t>' and written[5] == "<t>a &amp; b &lt; c &gt; d</t>"


def test_values_are_whole_and_special_cells_are_what_excel_shows(tmp_path):
    _written(tmp_path / "written.xlsx", _frame())
    rows = [[c.value for c in row] for row in _cells(tmp_path / "written.xlsx")]
    text = [r[0] for r in rows[1:]]
    mass = [r[1] for r in rows[1:]]
    assert text[:7] == ["410100", "=HYPERLINK(\"http://x\")", "http://example.com", "a & b < c > d", " leading",
                        "trailing\n", "bell_x0007_ and _x001F_"]  # codes, formulas and links stay text
    assert text[9:13] == [None, None, "郑州市", "<r>not rich</r>"]  # "" is no cell
    assert text[13] == "长" * 20000 + "𝄞" * 6383  # 32,766 UTF-16 units: the next 𝄞 (two units) is not split
    assert len(text[13].encode("utf-16-le")) // 2 == CELL_TEXT_MAX - 1
    assert mass[0] == 0.1 + 0.2 and mass[3] == 1.2345678901234567e16 and mass[11] == 5e-324  # not cut to 16 digits
    assert mass[4:7] == ["=#NUM!", "=1/0", "=-1/0"] and mass[8] is None  # Excel shows #NUM! and #DIV/0!
    assert [r[3] for r in rows[1:4]] == [2023, -7, 10**15 + 1]
    assert [r[4] for r in rows[1:4]] == [True, False, None]
    assert [r[5] for r in rows[1:4]] == [datetime(2023, 12, 31), datetime(1900, 2, 28), datetime(1900, 3, 1)]
    assert rows[1][6] == datetime(2024, 3, 2, 17, 5, 0, 250000)
    assert rows[1][7] == datetime(2024, 3, 2, 17, 0)  # an aware time: its wall time in its zone


def test_the_sheet_states_its_extent_and_rows_without_values_are_left_out(tmp_path):
    frame = pl.DataFrame({"a": ["x", None, None], "b": [1.5, None, None]})  # the last two rows hold nothing
    book, bold = new_workbook(tmp_path / "t.xlsx")
    write_table(book, bold, "data", frame)
    write_table(book, bold, "empty", frame.clear())
    book.close()
    with zipfile.ZipFile(tmp_path / "t.xlsx") as packed:
        xml = packed.read("xl/worksheets/sheet1.xml").decode()
        assert '<dimension ref="A1:B2"/>' in xml and '<row r="3"' not in xml  # as xlsxwriter: up to the last value
        assert '<dimension ref="A1:B1"/>' in packed.read("xl/worksheets/sheet2.xml").decode()
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx", read_only=True)["data"]
    assert (sheet.max_row, sheet.max_column) == (2, 2)


def test_the_same_frame_gives_the_same_bytes(tmp_path):
    for name in ("first.xlsx", "second.xlsx"):
        _written(tmp_path / name, _frame())
    assert (tmp_path / "first.xlsx").read_bytes() == (tmp_path / "second.xlsx").read_bytes()


@pytest.mark.parametrize("num_format", [None, *SHOWN])
def test_widths_from_the_widest_values_equal_those_from_every_value(num_format):
    floats = pl.Series([-1234567.891, -0.0004, 0.0, 0.5, 99.9996, 12345.6789, 1e-7, float("nan"), None])
    assert column_width("h", widest_values(floats, num_format), num_format) == column_width("h", floats.to_list(),
                                                                                            num_format)
    for values in (pl.Series([3, -1_000_000, 42, None]), pl.Series(["a", "郑州市中原区", "abcdefghij", None]),
                   pl.Series([date(2023, 1, 1), None]), pl.Series([True, False])):
        assert column_width("h", widest_values(values, num_format), num_format) == column_width("h", values.to_list(),
                                                                                                num_format)
    negatives = pl.Series([-5.0, -0.00001])
    assert column_width("h", widest_values(negatives, num_format), num_format) == column_width("h", negatives.to_list(),
                                                                                               num_format)


def test_a_variable_format_looks_at_every_distinct_value():
    values = pl.Series([0.1, 1.234567, 100.0, 1.234567])  # shown 0.1, 1.234567, 100.: the widest is neither end
    assert sorted(widest_values(values, VARIABLE_FORMAT)) == [0.1, 1.234567, 100.0]
    assert column_width("h", widest_values(values, VARIABLE_FORMAT), VARIABLE_FORMAT) == len("1.234567") + 2
    assert math.isnan(widest_values(pl.Series([float("nan"), 1.0]), MASS_FORMAT)[-1])  # shown as nan
