"""The one way the CLI lays out rows: a table that fits the terminal, else a record view; CSV or JSON for machines.

A bureau user copies identifiers out of the terminal (a finding id into `--explain`, a USCC into `synergy enterprise`,
a file name to find it in the inbox), so identifier columns are never cut or broken across lines: they keep their
full width and the text columns (names, messages) wrap instead. When that would leave a text column narrower than
TEXT_MIN, every row is printed as a block of `column  value` lines (a record view) that rich never breaks: the
terminal may soft-wrap a long line, and a copy of it still gets the value whole. csv and json write the same columns
and rows to stdout with nothing else on it (the CLI prints the workspace line on stderr), so they pipe into tools.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import IO

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

TEXT_MIN = 12  # narrowest a wrapping text column may get (6 Chinese characters a line) before the record view is used
GAP = 2  # cells between two columns: the right padding and the (blank) separator of box.SIMPLE_HEAD
# columns whose values are identifiers, by name (any query) or by ending; their values are never cut
IDENTIFIER_NAMES = frozenset({"uscc", "permit_no", "finding_id", "identity_key", "facility_id", "file", "path", "mn",
                              "run_id", "org_code", "code", "duplicate_of", "curation_line", "item", "warehouse"})
IDENTIFIER_SUFFIXES = ("_uscc", "_id", "_no", "_file", "_path", "_key", "_sha256", "_code", "_line")
# a value that reads as an identifier whatever its column is called: no blank, at least 6 characters, a digit or
# a slash in it (USCC, permit number, hash, path, 2023年报.xlsx), where a name or a sentence has blanks or no digit
IDENTIFIER_VALUE = re.compile(r"^(?=.*[0-9/])\S{6,}$")
BLANK = "—"  # how a caller shows a value that is not there
NUMBER_TEXT = re.compile(r"^-?[\d,]*\.?\d+ ?%?$")  # a number already formatted for reading (1,234.5 or 12 %)


class OutputFormat(StrEnum):
    """--format of sql, checks, matches and status: a table for people, csv or json (records) for tools."""

    table = "table"
    csv = "csv"
    json = "json"


def output_format(fmt: OutputFormat, as_csv: bool) -> OutputFormat:
    """The format asked for; the older `--csv` flag is shorthand for --format csv."""
    return OutputFormat.csv if as_csv else fmt


@dataclass(frozen=True)
class Column:
    """How one column is laid out: `fixed` columns (identifiers, numbers, dates) never wrap; `width` is its widest
    cell, the header (its lines) included, in terminal cells."""

    name: str
    header: str  # the name, or the name stacked on lines after each underscore and blank (matched_ / share)
    fixed: bool
    numeric: bool
    width: int


def cell_text(value: object) -> str:
    return "" if value is None else str(value)


def is_identifier(name: str, values: Sequence[object]) -> bool:
    """Whether a column holds identifiers: text values (blanks left out), by a word of the column's name (`uscc`,
    `source_file`, `文件 file`), else by every value looking like one."""
    if not all(isinstance(v, str) for v in values):  # a count in a column named permit_no is a number
        return False
    if any(word in IDENTIFIER_NAMES or word.endswith(IDENTIFIER_SUFFIXES) for word in name.lower().split()):
        return True
    return bool(values) and all(IDENTIFIER_VALUE.match(v) for v in values)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value in ("", BLANK))


def _is_number(value: object) -> bool:
    if isinstance(value, str):
        return bool(NUMBER_TEXT.match(value))
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def stacked(name: str) -> str:
    """The name on lines: a break after each underscore and at each blank (matched_share -> matched_ / share)."""
    return "\n".join(piece for piece in re.split(r"\s+|(?<=_)(?=.)", name) if piece)


def layout(columns: Sequence[str], rows: Sequence[Sequence[object]], stack: bool = False) -> list[Column]:
    """Each column's layout from its name and values; with `stack`, headers stacked on lines to narrow the table."""
    laid = []
    for index, name in enumerate(columns):
        values = [row[index] for row in rows]
        present = [v for v in values if not _blank(v)]
        identifier = is_identifier(name, present)
        numeric = not identifier and bool(present) and all(_is_number(v) for v in present)  # "410100" in city_code: a code
        fixed = identifier or numeric or all(isinstance(v, dt.date | dt.time) for v in present)
        header = stacked(name) if stack else name
        width = max([cell_len(line) for line in header.splitlines() or [""]] + [cell_len(cell_text(v)) for v in values])
        laid.append(Column(name, header, fixed and bool(present), numeric, width))
    return laid


def table_fits(laid: Sequence[Column], width: int) -> bool:
    """Whether a table fits `width` with every fixed column whole and every text column at least TEXT_MIN wide
    (or as wide as its widest cell): rich then narrows only the text columns, the widest first."""
    need = sum(c.width if c.fixed else min(c.width, TEXT_MIN) for c in laid) + GAP * (len(laid) - 1)
    return need <= width


def table(laid: Sequence[Column], rows: Sequence[Sequence[object]], title: str | None = None) -> Table:
    """The table: fixed columns no_wrap at their full width, text columns folding what is longer than a line."""
    shown = Table(title=Text(title) if title else None, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
                  show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    for column in laid:
        shown.add_column(Text(column.header), no_wrap=column.fixed, overflow="fold",
                         justify="right" if column.numeric else "left")
    for row in rows:
        shown.add_row(*(Text(cell_text(v)) for v in row))  # Text: a value is never read as Rich markup
    return shown


def print_records(console: Console, columns: Sequence[str], rows: Sequence[Sequence[object]],
                  title: str | None = None) -> None:
    """The title, then a block per row, `column  value` a line, each line soft-wrapped (rich never breaks it)."""
    names = [" ".join(c.split()) for c in columns]  # a header stacked on lines reads on one here
    label = max(cell_len(c) for c in names)
    if title:
        console.print(Text(title, style="bold"), soft_wrap=True)
    for number, row in enumerate(rows, start=1):
        console.print(Text(f"─ {number}/{len(rows)}", style="dim"), soft_wrap=True)
        for name, value in zip(names, row, strict=True):
            console.print(Text(f"  {name}{' ' * (label - cell_len(name))}  {cell_text(value)}"), soft_wrap=True)


def show_rows(console: Console, columns: Sequence[str], rows: Sequence[Sequence[object]],
              title: str | None = None) -> None:
    """Rows for a person: a table when it fits the console (headers stacked on lines if that makes it fit), else the
    record view; a line saying so when there are none."""
    if not rows:
        console.print(Text.assemble((f"{title}: " if title else "", "bold"), "无记录 / no rows"))
        return
    for stack in (False, True):
        laid = layout(columns, rows, stack)
        if table_fits(laid, console.width):
            console.print(table(laid, rows, title))
            return
    print_records(console, columns, rows, title)


def write_csv(columns: Sequence[str], rows: Sequence[Sequence[object]], out: IO[str]) -> None:
    """CSV as a spreadsheet reads it (the output is often opened in one): RFC 4180 line ends, so a cell holding a
    carriage return is quoted (with "\\n" alone Python leaves it bare and it starts a new row), and no text cell a
    spreadsheet would run as a formula (tabular_files.inert_cell)."""
    from pipelines.deliver.tabular_files import inert_cell  # here: it loads polars and DuckDB, which a table never needs

    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([inert_cell(c) for c in columns])
    writer.writerows([inert_cell(v) for v in row] for row in rows)


def json_value(value: object) -> object:
    """A value JSON can hold: dates as ISO text, decimals as numbers, NaN and infinities as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Decimal):
        return json_value(float(value))
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def write_json(columns: Sequence[str], rows: Sequence[Sequence[object]], out: IO[str]) -> None:
    """One JSON array of objects (a record per row, keyed by column name), UTF-8 text as written (not \\u-escaped)."""
    records = [{name: json_value(v) for name, v in zip(columns, row, strict=True)} for row in rows]
    json.dump(records, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")


def emit(console: Console, columns: Sequence[str], rows: Sequence[Sequence[object]], fmt: OutputFormat,
         title: str | None = None) -> None:
    """Rows in the format asked for: a table (or record view) on the console, or csv / json on its file alone."""
    if fmt is OutputFormat.csv:
        write_csv(columns, rows, console.file)
    elif fmt is OutputFormat.json:
        write_json(columns, rows, console.file)
    else:
        show_rows(console, columns, rows, title)
