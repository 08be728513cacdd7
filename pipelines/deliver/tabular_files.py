"""XLSX sheets and CSV files as the bureau's users open them, shared by every export.

One place decides how a table looks in Excel (bold header, frozen first row, autofilter, column widths that count
CJK characters double, display formats that leave the stored value whole), that a CSV carries the UTF-8 BOM
without which Excel shows the Chinese as mojibake, and which time an output states: `data_stamp`, read from the
warehouse's data, never the clock or a file's mtime, so that every export of one warehouse gives the same bytes.
A text cell that Excel or another spreadsheet would run as a formula (it begins with = + - @, a tab or a carriage
return: OWASP "CSV Injection") is written with a leading apostrophe in every CSV; codes are text in every workbook.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipelines.deliver.warehouse import table_columns

MAX_WIDTH = 60
README_SHEET = "说明 README"
TIMESTAMP_FORMAT = "yyyy-mm-dd hh:mm:ss"
HEADER_STYLE = {"bold": True, "text_wrap": True, "align": "center", "valign": "vcenter", "border": 1,
                "bg_color": "#DDEBF7"}
# display formats (the cell keeps the full value): masses and energy to the kilogram, shares as percent
MASS_FORMAT = "#,##0.000"  # t, tCO2, tCO2e, tce; also pollution equivalents and outputs
UNIT_FORMATS = {"t": MASS_FORMAT, "tCO2": MASS_FORMAT, "tCO2e": MASS_FORMAT, "tce": MASS_FORMAT,
                "%": "0.0"}  # a (%) column holds the percent itself (12.5 for 12.5 %)
SHARE_FORMAT = "0.0%"  # a share from 0 to 1
RATIO_FORMAT = "0.000"  # ratios and elasticities
SCORE_FORMAT = "0.00"  # index scores (0-100)
VARIABLE_FORMAT = "#,##0.0#####"  # a value whose unit is in another column or a factor: up to 6 decimals, as stored
COUNT_FORMAT, INT_FORMAT = "#,##0", "0"  # counts with thousands separators; years, ranks and codes without
DATE_FORMATS = {"date": "yyyy-mm-dd", "datetime": TIMESTAMP_FORMAT}
# how a float shows under each number format the exports use: sizes its column as Excel will show it
SHOWN: dict[str, Callable[[float], str]] = {
    "#,##0.0": "{:,.1f}".format, MASS_FORMAT: "{:,.3f}".format, SHARE_FORMAT: "{:.1%}".format,
    "0.00%": "{:.2%}".format, "0.0": "{:.1f}".format, RATIO_FORMAT: "{:.3f}".format, SCORE_FORMAT: "{:.2f}".format,
    VARIABLE_FORMAT: lambda v: f"{v:,.6f}".rstrip("0")}  # as wide as shown, give or take the one trailing 0
FILE_MANIFEST = "core_qa__file_manifest"  # one row per inbox file: its received_at and file_sha256
AS_OF_LABEL = "数据截至 data as of (UTC)"
INPUTS_LABEL = "输入指纹 inputs sha256"
NO_FILE_MANIFEST = f"无 none: 数据仓库没有入库文件登记 / the warehouse has no {FILE_MANIFEST} (旧版本 older build)"
UNDATED = datetime(1980, 1, 1)  # the document date when the data gives none: the date xlsxwriter gives zip entries
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell beginning so (OWASP "CSV Injection")
INERT_MARK = "'"  # OWASP's prefix: the cell then opens as text, never as a formula
CSV_TEXT_NOTE = ("CSV 公式字符 CSV formula characters",
                 "CSV 中以 = + - @、制表符或回车开头的文本单元格前加一个单引号 ', 电子表格不会把它当作公式执行 (OWASP CSV "
                 "Injection); 数值不变, XLSX 保持原文 / in the CSV files a text cell beginning with = + - @, a tab or a "
                 "carriage return gets a leading apostrophe ', so no spreadsheet runs it as a formula (OWASP CSV "
                 "Injection); numbers are unchanged and the XLSX keeps the text as it is")


@dataclass(frozen=True)
class DataStamp:
    """What an output says about when and from what it was made, read from the warehouse's data.

    as_of: the newest input file's received_at (UTC, to the second); inputs_sha256: SHA-256 of the sorted
    file_sha256 values of core_qa__file_manifest, newline-joined. Both None for a warehouse without that table.
    """

    as_of: datetime | None
    inputs_sha256: str | None

    @property
    def as_of_text(self) -> str:
        """2023-12-31 08:00:00 UTC, for text outputs (HTML, notes)."""
        return f"{self.as_of:%Y-%m-%d %H:%M:%S} UTC" if self.as_of else NO_FILE_MANIFEST

    @property
    def as_of_iso(self) -> str | None:
        """2023-12-31T08:00:00Z, for machine-read outputs (manifest.json)."""
        return f"{self.as_of:%Y-%m-%dT%H:%M:%S}Z" if self.as_of else None

    def rows(self) -> list[tuple[str, datetime | str]]:
        """The two README lines; the time as a datetime, which a workbook shows as a time."""
        return [(AS_OF_LABEL, self.as_of or NO_FILE_MANIFEST), (INPUTS_LABEL, self.inputs_sha256 or NO_FILE_MANIFEST)]


def data_stamp(con: duckdb.DuckDBPyConnection) -> DataStamp:
    """The warehouse's DataStamp: the same data gives the same stamp, whenever and wherever it is read."""
    if not {"received_at", "file_sha256"} <= table_columns(con, FILE_MANIFEST):
        return DataStamp(None, None)
    (newest,) = con.execute(f"select max(received_at) from {FILE_MANIFEST}").fetchone()
    hashes = sorted(h for (h,) in con.execute(f"select file_sha256 from {FILE_MANIFEST} where file_sha256 is not null")
                    .fetchall())
    if newest is not None and newest.tzinfo is not None:  # stored as UTC without a zone (extract/inbox.py); else convert
        newest = newest.astimezone(UTC).replace(tzinfo=None)
    return DataStamp(None if newest is None else newest.replace(microsecond=0),
                     hashlib.sha256("\n".join(hashes).encode("ascii")).hexdigest())


def new_workbook(path: Path, created: datetime | None = None) -> tuple[Workbook, Format]:
    """A workbook that keeps text as text (no formula or link from a cell value) and its header format.

    `created` (UTC; UNDATED when None, never now) is the document date, the only time xlsxwriter would take from the
    clock: it stamps every zip entry 1980-01-31 (whatever the time zone) and gives them fixed file modes, so the same
    data gives the same bytes. Datetimes without a format of their own show as yyyy-mm-dd hh:mm:ss.
    """
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "strings_to_numbers": False,  # codes (410100, USCC) stay text
                                           "nan_inf_to_errors": True, "remove_timezone": True,
                                           "default_date_format": TIMESTAMP_FORMAT})
    book.set_properties({"created": created or UNDATED})
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


def inert_cell(value: object) -> object:
    """A text value as a CSV may carry it: prefixed with an apostrophe when a spreadsheet would run it as a formula
    (=HYPERLINK(…) as an enterprise name); any other value, numbers included, unchanged."""
    return INERT_MARK + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def inert_text(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with inert_cell applied to its text columns; number, date and boolean columns stay as they are."""
    return frame.with_columns(pl.when(pl.col(name).str.slice(0, 1).is_in(FORMULA_START)).then(INERT_MARK + pl.col(name))
                              .otherwise(pl.col(name)).alias(name)
                              for name, dtype in frame.schema.items() if dtype == pl.String)


def write_csv(frame: pl.DataFrame, path: Path, headers: Sequence[str] | None = None) -> Path:
    """CSV in UTF-8 with a BOM (Excel then shows the Chinese), headers in place of the column names if given, and
    no text cell a spreadsheet would run as a formula (inert_text)."""
    safe = inert_text(frame)
    (safe.rename(dict(zip(frame.columns, headers, strict=True))) if headers else safe).write_csv(path, include_bom=True)
    return path
