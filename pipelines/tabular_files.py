"""XLSX sheets and CSV files as the bureau's users open them, shared by every export.

One place decides how a table looks in Excel (bold header, frozen first row, autofilter, column widths that count
CJK characters double, display formats that leave the stored value whole) and that a CSV carries the UTF-8 BOM
without which Excel shows the Chinese as mojibake.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

MAX_WIDTH = 60
README_SHEET = "说明 README"
TIMESTAMP_FORMAT = "yyyy-mm-dd hh:mm:ss"
HEADER_STYLE = {"bold": True, "text_wrap": True, "align": "center", "valign": "vcenter", "border": 1,
                "bg_color": "#DDEBF7"}
# how a float shows under each number format the exports use: sizes its column as Excel will show it
SHOWN: dict[str, Callable[[float], str]] = {"#,##0.0": "{:,.1f}".format, "#,##0.000": "{:,.3f}".format,
                                            "0.0%": "{:.1%}".format, "0.0": "{:.1f}".format}


def new_workbook(path: Path, created: datetime | None = None) -> tuple[Workbook, Format]:
    """A workbook that keeps text as text (no formula or link from a cell value) and its header format.

    `created` fixes the document date (else now), so two exports of the same data differ as little as possible.
    """
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "nan_inf_to_errors": True, "remove_timezone": True})
    if created is not None:
        book.set_properties({"created": created})
    return book, book.add_format(HEADER_STYLE)


def text_width(text: str) -> int:
    """Excel column units a text takes: CJK (and full-width) characters take two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def column_width(header: str, values: list, num_format: str | None = None) -> int:
    """Width that shows the header and the widest value as formatted, capped at MAX_WIDTH."""
    show = SHOWN.get(num_format or "")
    shown = {header, *(show(v) if show and isinstance(v, float) else str(v) for v in values if v is not None)}
    return min(MAX_WIDTH, max(map(text_width, shown)) + 2)


def _note_options(text: str) -> dict:
    """A note box wide enough to read a long English description without resizing it."""
    lines = sum(len(line) // 55 + 1 for line in text.splitlines())
    return {"width": 380, "height": 24 + 16 * lines}


def write_table(book: Workbook, header_format: Format, name: str, frame: pl.DataFrame,
                headers: Sequence[str] | None = None, num_formats: Sequence[str | None] | None = None,
                notes: Sequence[str | None] | None = None) -> Worksheet:
    """One data sheet: header row (optionally a note per header cell), every value as stored with a display format
    per column, widths, frozen header and autofilter. Empty (null) cells stay empty: no source, not zero."""
    sheet = book.add_worksheet(name)
    headers = list(headers or frame.columns)
    formats: dict[str, Format] = {}
    sheet.write_row(0, 0, headers, header_format)
    for position, series in enumerate(frame.iter_columns()):
        num_format = num_formats[position] if num_formats else None
        if num_format and num_format not in formats:
            formats[num_format] = book.add_format({"num_format": num_format})
        cell_format = formats.get(num_format or "")
        values = series.to_list()
        for row, value in enumerate(values, start=1):
            if value is not None:
                sheet.write(row, position, value, cell_format)
        sheet.set_column(position, position, column_width(headers[position], values, num_format))
        if notes and notes[position]:
            sheet.write_comment(0, position, notes[position], _note_options(notes[position]))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, frame.height, frame.width - 1)
    return sheet


def write_readme(book: Workbook, header_format: Format, blocks: Sequence[tuple[Sequence[str], Sequence[Sequence]]],
                 widths: Sequence[int]) -> Worksheet:
    """The 说明 README sheet: blocks of a bold header row and its rows, an empty row between blocks.

    Datetimes (time zone dropped: the wall time shown is the one given) are written as Excel times, not text.
    """
    sheet = book.add_worksheet(README_SHEET)
    stamp = None
    row = 0
    for header, rows in blocks:
        sheet.write_row(row, 0, header, header_format)
        for values in rows:
            row += 1
            for position, value in enumerate(values):
                if isinstance(value, datetime):  # a time as a time: only its number changes from one export to the next
                    stamp = stamp or book.add_format({"num_format": TIMESTAMP_FORMAT, "align": "left"})
                    sheet.write_datetime(row, position, value, stamp)
                else:
                    sheet.write(row, position, value)
        row += 2
    for position, width in enumerate(widths):
        sheet.set_column(position, position, width)
    return sheet


def write_csv(frame: pl.DataFrame, path: Path, headers: Sequence[str] | None = None) -> Path:
    """CSV in UTF-8 with a BOM (Excel then shows the Chinese), headers in place of the column names if given."""
    (frame.rename(dict(zip(frame.columns, headers, strict=True))) if headers else frame).write_csv(path, include_bom=True)
    return path
