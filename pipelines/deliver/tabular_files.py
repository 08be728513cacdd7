"""XLSX sheets and CSV files as the bureau's users open them, shared by every export.

One place decides how a table looks in Excel (bold header, frozen first row, autofilter, column widths that count
CJK characters double, display formats that leave the stored value whole), that a CSV carries the UTF-8 BOM
without which Excel shows the Chinese as mojibake, and which time an output states: `data_stamp`, read from the
warehouse's data, never the clock or a file's mtime, so that every export of one warehouse gives the same bytes.
A text cell that Excel or another spreadsheet would run as a formula (it begins with = + - @, a tab or a carriage
return: OWASP "CSV Injection") is written with a leading apostrophe in every CSV; codes are text in every workbook.
A data sheet's cells are not written one by one through xlsxwriter (about 8 µs a cell in Python: 15 s for a year's
1.8 M cells) but made as XML by polars, a column at a time, exactly as xlsxwriter writes them, and put into the
finished file when it closes (TableWorkbook): everything around them (headers, notes, formats, widths, filter,
README) is still xlsxwriter's.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
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
FIXED_DECIMALS = frozenset(SHOWN) - {VARIABLE_FORMAT}  # shown no wider for a smaller magnitude: min and max are widest
WIDE_CHARACTER = r"[^\x00-\x{2E7F}]"  # CJK (and full-width) characters: two column units (text_width)
CELL_TEXT_MAX = 32767  # Excel's limit for one cell's text, in UTF-16 units; xlsxwriter cuts longer text there too
# a text cell as xlsxwriter writes it (xmlwriter._escape_control_characters, _escape_data): a literal _xHHHH_ keeps
# its underscore escaped, control characters (not tab or newline) and the two non-characters become _xHHHH_, then
# & < > become entities
ESCAPED_ESCAPE = (r"(_x[0-9a-fA-F]{4}_)", "_x005F$1")
TEXT_ESCAPES = {**{chr(code): f"_x{code:04X}_" for code in (*range(0x09), *range(0x0B, 0x20), 0xFFFE, 0xFFFF)},
                "&": "&amp;", "<": "&lt;", ">": "&gt;"}
EXCEL_EPOCH = datetime(1899, 12, 31)  # day 0 of Excel's 1900 date system, which counts a 1900-02-29 after day 59
DAY_MICROSECONDS = 86_400_000_000
SHEET_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')
EDGE_SPACE = r"^\s|\s$"  # a text with a space at either end: xml:space="preserve" keeps it (xlsxwriter's rule)
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


class TableWorkbook(xlsxwriter.Workbook):
    """An xlsxwriter workbook whose data sheets (write_table) get their cells at close(), as XML made by polars.

    close() lets xlsxwriter write the file with each data sheet's header row only, then rewrites the zip with the
    sheet's rows put after it (_sheet_rows) and its <dimension> to match: the cells are those xlsxwriter would write
    (values, styles, escapes, error cells for NaN and infinity), except that text is inline (<is>, as in xlsxwriter's
    constant_memory mode) instead of in the shared-string table, and numbers are in their shortest exact form, not
    cut to 16 digits. A cell's style is its column's format, whose index xlsxwriter gives it while writing the file.
    """

    def __init__(self, path: Path, options: dict) -> None:
        super().__init__(str(path), options)
        self.tables: list[tuple[Worksheet, pl.DataFrame, list[Format | None]]] = []
        self.number_formats: dict[str, Format] = {}

    def number_format(self, num_format: str) -> Format:
        """The workbook's one Format for a display format (a second object of the same format gets no own index)."""
        if num_format not in self.number_formats:
            self.number_formats[num_format] = self.add_format({"num_format": num_format})
        return self.number_formats[num_format]

    def close(self) -> None:
        """Write the file, then put the data sheets' rows into it, each sheet's extent from A1 (its header row) to
        its last row holding a value, as xlsxwriter states it."""
        super().close()
        sheets = {}
        for sheet, frame, formats in self.tables:
            rows = _sheet_rows(frame, [f and f.xf_index for f in formats])
            if not rows.is_empty():
                extent = f"A1:{xl_rowcol_to_cell(rows['r'][-1] - 1, frame.width - 1)}"
                sheets[f"xl/worksheets/sheet{sheet.index + 1}.xml"] = (rows, extent)
        if sheets:
            _splice_rows(Path(self.filename), sheets)


def new_workbook(path: Path, created: datetime | None = None) -> tuple[TableWorkbook, Format]:
    """A workbook that keeps text as text (no formula or link from a cell value) and its header format.

    `created` (UTC; UNDATED when None, never now) is the document date, the only time xlsxwriter would take from the
    clock: it stamps every zip entry 1980-01-31 (whatever the time zone) and gives them fixed file modes, so the same
    data gives the same bytes. Datetimes without a format of their own show as yyyy-mm-dd hh:mm:ss.
    """
    book = TableWorkbook(path, {"strings_to_formulas": False, "strings_to_urls": False,
                                "strings_to_numbers": False,  # codes (410100, USCC) stay text
                                "nan_inf_to_errors": True, "remove_timezone": True,
                                "default_date_format": TIMESTAMP_FORMAT})
    book.set_properties({"created": created or UNDATED})
    return book, book.add_format(HEADER_STYLE)


def text_width(text: str) -> int:
    """Excel column units a text takes: CJK (and full-width) characters take two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def column_width(header: str, values: Sequence, num_format: str | None = None) -> int:
    """Width that shows the header and the widest value as formatted, capped at MAX_WIDTH."""
    show = SHOWN.get(num_format or "")
    shown = {header, *(show(v) if show and isinstance(v, float) else str(v) for v in values if v is not None)}
    return min(MAX_WIDTH, max(map(text_width, shown)) + 2)


def widest_values(series: pl.Series, num_format: str | None = None) -> list:
    """The values of a column that can be its widest as shown, for column_width: the widest text (counted by polars),
    the smallest and largest number where the shown width only grows with the magnitude, else every distinct value."""
    values = series.drop_nulls()
    if values.dtype == pl.String:
        widths = values.str.len_chars() + values.str.count_matches(WIDE_CHARACTER)
        return [] if values.is_empty() else [values[widths.arg_max()]]
    if values.dtype.is_integer() or (values.dtype.is_float() and num_format in FIXED_DECIMALS):
        nan = values.dtype.is_float() and values.is_nan().any()
        return [values.min(), values.max(), *([float("nan")] if nan else [])]
    return values.unique().to_list()


def _number_cell(value: pl.Expr, finite: bool) -> list[pl.Expr]:
    """The end of a number's <c>: its shortest exact text; NaN and infinity (looked for only where present) as the
    errors xlsxwriter writes for them (nan_inf_to_errors)."""
    number = [pl.lit("><v>"), value.cast(pl.String), pl.lit("</v></c>")]
    if finite:
        return number
    return [pl.when(value.is_finite()).then(pl.concat_str(number))
            .when(value.is_nan()).then(pl.lit(' t="e"><f>#NUM!</f><v>#NUM!</v></c>'))
            .when(value > 0).then(pl.lit(' t="e"><f>1/0</f><v>#DIV/0!</v></c>'))
            .when(value < 0).then(pl.lit(' t="e"><f>-1/0</f><v>#DIV/0!</v></c>'))]


def _excel_day(value: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A date or datetime as Excel's day number, computed as xlsxwriter does (its wall time for an aware one)."""
    if isinstance(dtype, pl.Datetime) and dtype.time_zone:
        value = value.dt.replace_time_zone(None)
    micros = (value.cast(pl.Datetime("us")) - EXCEL_EPOCH).dt.total_microseconds()
    rest = micros % DAY_MICROSECONDS
    day = micros // DAY_MICROSECONDS + ((rest // 1_000_000).cast(pl.Float64) + (rest % 1_000_000) / 1e6) / 86400
    return pl.when(day > 59).then(day + 1).otherwise(day)


def _text_cell(value: pl.Expr, series: pl.Series, styled: bool) -> list[pl.Expr]:
    """The end of a text's <c>: inline, escaped as xlsxwriter escapes text, spaces at either end kept; an empty text
    is a blank cell (only if it has a format, like xlsxwriter's write_blank). The per-row choices are made only for a
    column that needs them."""
    text = value.str.replace_all(*ESCAPED_ESCAPE).str.replace_many(TEXT_ESCAPES)
    start = pl.lit(' t="inlineStr"><is><t>')
    if series.str.contains(EDGE_SPACE).any():  # escaping turns no character into a space: the stored text tells
        start = pl.when(text.str.contains(EDGE_SPACE)).then(pl.lit(' t="inlineStr"><is><t xml:space="preserve">')
                                                              ).otherwise(start)
    inline = [start, text, pl.lit("</t></is></c>")]
    if not (series == "").any():
        return inline
    return [pl.when(value == "").then(pl.lit("/>" if styled else None, dtype=pl.String)).otherwise(pl.concat_str(inline))]


def _cell_end(value: pl.Expr, series: pl.Series, styled: bool) -> list[pl.Expr] | None:
    """What follows a cell's r and s attributes, as parts of one concat_str, by the column's type; None for a column
    of nulls only."""
    dtype = series.dtype
    if dtype == pl.Null:
        return None
    if dtype == pl.Boolean:
        return [pl.lit(' t="b"><v>'), value.cast(pl.UInt8).cast(pl.String), pl.lit("</v></c>")]
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return _number_cell(_excel_day(value, dtype), finite=True)
    if dtype.is_integer() or dtype.is_float():
        return _number_cell(value, finite=dtype.is_integer() or bool(series.is_finite().all()))
    if dtype == pl.String:
        return _text_cell(value, series, styled)
    raise TypeError(f"{series.name}: {dtype} 列不能写入工作表 / a {dtype} column cannot be written to a sheet")


def _as_written(series: pl.Series) -> pl.Series:
    """A column as its cells hold it: categories as text, text cut to CELL_TEXT_MAX UTF-16 units as xlsxwriter cuts
    it (no UTF-16 text is longer than its UTF-8 bytes, so only those longer than the limit are looked at in Python)."""
    if series.dtype == pl.Categorical or isinstance(series.dtype, pl.Enum):
        series = series.cast(pl.String)
    if series.dtype != pl.String or not (series.str.len_bytes() > CELL_TEXT_MAX).any():
        return series
    return series.map_elements(lambda text: text.encode("utf-16-le")[:2 * CELL_TEXT_MAX].decode("utf-16-le", "ignore"),
                               return_dtype=pl.String)


def _sheet_rows(frame: pl.DataFrame, styles: Sequence[int | None]) -> pl.DataFrame:
    """The frame's rows as <row> elements (column `xml`) by sheet row (`r`, from 2; a row without a value left out)."""
    columns = [_as_written(series).rename(str(position)) for position, series in enumerate(frame.iter_columns())]
    data = pl.DataFrame(columns).with_row_index("r", offset=2).with_columns(pl.col("r").cast(pl.String).alias("row"))
    cells = []
    for position, (series, style) in enumerate(zip(columns, styles, strict=True)):
        end = _cell_end(pl.col(series.name), series, style is not None)
        if end is not None:
            start = [pl.lit(f'<c r="{xl_col_to_name(position)}'), pl.col("row"), pl.lit(f'" s="{style}"' if style else '"')]
            cells.append(pl.concat_str([*start, *end]).alias(series.name))
    if not cells:
        return pl.DataFrame(schema={"r": pl.UInt32, "xml": pl.String})
    return (data.select("r", "row", pl.concat_str(cells, ignore_nulls=True).alias("cells")).filter(pl.col("cells") != "")
            .select("r", pl.concat_str([pl.lit('<row r="'), "row", pl.lit('">'), "cells", pl.lit("</row>")]).alias("xml")))


def _splice_rows(path: Path, sheets: dict[str, tuple[pl.DataFrame, str]]) -> None:
    """Rewrite the xlsx with each named sheet's rows (_sheet_rows) after its header row and its <dimension> the
    given extent; the zip entries keep their names, order, dates and modes, so the same cells give the same bytes.
    The rows go from polars to bytes (one XML element a line), never through one Python string."""
    with zipfile.ZipFile(path) as packed:
        parts = [(entry, packed.read(entry)) for entry in packed.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as packed:
        for entry, data in parts:
            if entry.filename not in sheets:
                packed.writestr(entry, data)
                continue
            rows, extent = sheets[entry.filename]
            xml = SHEET_DIMENSION.sub(f'<dimension ref="{extent}"/>', data.decode("utf-8"), 1)
            head, tail = xml.split("</sheetData>")
            body = io.BytesIO()
            rows.select("xml").write_csv(body, include_header=False, quote_style="never")
            # zlib's default level, as the other parts: level 1 would save ~0.85 s a year at 1x for a file a quarter
            # larger (10.4 MB instead of 8.3 MB), and the recipients get the file, not the seconds
            packed.writestr(entry, b"".join((head.encode(), body.getbuffer(), f"</sheetData>{tail}".encode())))


def _note_options(text: str) -> dict:
    """A note box wide enough to read a long English description without resizing it."""
    lines = sum(len(line) // 55 + 1 for line in text.splitlines())
    return {"width": 380, "height": 24 + 16 * lines}


def write_table(book: TableWorkbook, header_format: Format, name: str, frame: pl.DataFrame,
                headers: Sequence[str] | None = None, num_formats: Sequence[str | None] | None = None,
                notes: Sequence[str | None] | None = None) -> Worksheet:
    """One data sheet: header row (optionally a note per header cell), every value as stored with a display format
    per column, widths, frozen header and autofilter. Empty (null) cells stay empty: no source, not zero. The values
    are written when the book closes (TableWorkbook), so the frame must not change before then."""
    sheet = book.add_worksheet(name)
    headers = list(headers or frame.columns)
    sheet.write_row(0, 0, headers, header_format)
    formats: list[Format | None] = []
    for position, series in enumerate(frame.iter_columns()):
        num_format = (num_formats[position] if num_formats else None) or (
            TIMESTAMP_FORMAT if series.dtype.is_temporal() else None)  # as xlsxwriter's default_date_format
        formats.append(num_format and book.number_format(num_format))
        width = column_width(headers[position], widest_values(series, num_format), num_format)
        sheet.set_column(position, position, width, formats[-1])  # the column's format: its cells' style index
        if notes and notes[position]:
            sheet.write_comment(0, position, notes[position], _note_options(notes[position]))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, frame.height, frame.width - 1)
    book.tables.append((sheet, frame, formats))
    return sheet


def write_readme(book: xlsxwriter.Workbook, header_format: Format, blocks: Sequence[tuple[Sequence[str], Sequence[Sequence]]],
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
