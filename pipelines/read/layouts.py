"""Find which export layout a sheet is in, where its header is, and read its rows as raw text.

Works for any source system: a sheet's header row (or two-row header, joined `parent/child`) is matched
against every candidate layout in `schemas.layouts`; the layout naming all its required columns with the
most matched headers wins. A sheet that clearly means a layout but lacks a required column is a
file-level error with the missing headers named; help sheets (填表说明, 说明, README) are listed as help and
other sheets (封面) as skipped. Each raw row keeps the headers as the file writes them (`source_headers`), so a
rejected row names the column the way the user typed it, not by its internal name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.read.files import Sheet, gb18030_doubt, read_sheets
from pipelines.read.limits import DEFAULT_LIMITS, ReadLimits
from schemas.headers import YEAR_SPAN, normalise_text, split_header
from schemas.layouts import Layout, header_key, is_help_sheet, lookup

SCAN_ROWS = 15
PROVENANCE = ("source_file", "sheet_name", "row_number", "file_sha256", "source_encoding")
SOURCE_HEADERS = "source_headers"
"""Raw column holding, as JSON, {"found": {raw column: header as written}, "absent": {raw column: official header}}."""
_YEAR_IN_TEXT = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_PERMIT_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])([0-9A-HJ-NPQRTUWXY]{18}\d{3}[A-Z])(?![0-9A-Za-z])")
# a list period: one year or a span (`2019-2020年`, `2019—2020年度`, `2025年`); in a file name the 年 may be missing
_PERIOD_IN_TEXT = re.compile(rf"(?<!\d)({YEAR_SPAN})\s*年")
_PERIOD_IN_NAME = re.compile(rf"(?<!\d)({YEAR_SPAN})(?!\d)")


@dataclass(frozen=True)
class HeaderMatch:
    """A sheet's header: which layout, where, how its cells map, and what is missing or extra."""

    layout: Layout
    row_index: int  # 0-based index of the first header row
    header_rows: int  # 1, or 2 for a joined two-row header
    columns: dict[int, str]  # cell position -> raw column
    units: dict[str, str]  # raw column -> unit written in its header
    extra: dict[int, str]  # cell position -> header text that maps to no column (kept, listed)
    missing: tuple[str, ...]  # required raw columns not found
    headers: dict[str, str] = field(default_factory=dict)  # raw column -> header as written (two rows: parent/child)

    @property
    def first_data_index(self) -> int:
        return self.row_index + self.header_rows


@dataclass
class FileRead:
    """Raw rows of one file per raw table, plus what the file log must say about it."""

    encoding: str | None = None
    tables: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    sheets_read: list[str] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)
    help_sheets: list[str] = field(default_factory=list)  # 填表说明 and the like: instructions, not data
    layout_errors: list[tuple[str, str]] = field(default_factory=list)  # (zh, en) per sheet
    misplaced: list[tuple[str, str]] = field(default_factory=list)  # sheets in another source system's layout
    notes: list[tuple[str, str]] = field(default_factory=list)  # file-level doubts (a likely mis-decoding)
    extra_headers: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


def _header_cells(sheet: Sheet, index: int, two_rows: bool) -> list[str | None]:
    """Header texts of row `index`, or of rows index and index+1 joined as parent/child.

    A top row with a single text (a title merged across the sheet, or written once in a CSV) is no parent: joined,
    its words (`计量单位：万吨`) would become the unit of every column below it.
    """
    top = list(sheet.rows[index])
    if not two_rows:
        return top
    if len({c for c in top if c}) <= 1:
        return []
    bottom = sheet.rows[index + 1] if index + 1 < len(sheet.rows) else []
    cells: list[str | None] = []
    parent: str | None = None
    for position in range(max(len(top), len(bottom))):
        upper = top[position] if position < len(top) else None
        lower = bottom[position] if position < len(bottom) else None
        parent = upper if upper is not None else (parent if lower is not None else None)  # CSV: parent cell once
        if lower is None or lower == upper:
            cells.append(upper)
        elif parent is None:
            cells.append(lower)
        else:
            cells.append(f"{parent}/{lower}")
    return cells


class _HeaderForms(dict):
    """Header text -> its ((full, bare) keys and unit), the same of its child part after a `/` (or None) and its
    normalised text: worked out once per sheet, as the scan matches the same cells against every layout."""

    def __missing__(self, text: str) -> tuple[tuple[str, str, str | None], tuple[str, str, str | None] | None, str]:
        child = None
        if "/" in text:
            parent, part = text.rsplit("/", 1)
            child = (*header_key(part), split_header(part)[1] or split_header(parent)[1])
        forms = self[text] = ((*header_key(text), split_header(text)[1]), child, normalise_text(text))
        return forms


def _column_of(text: str, table: dict[str, str], forms: _HeaderForms) -> tuple[str | None, str | None]:
    """(raw column, header unit) of one header text; a joined header may match on its child part."""
    (full, bare, unit), child, _ = forms[text]
    if column := table.get(full) or table.get(bare):
        return column, unit
    if child and (column := table.get(child[0]) or table.get(child[1])):
        return column, child[2]
    return None, None


def _match(cells: list[str | None], layout: Layout, forms: _HeaderForms,
           ) -> tuple[dict[int, str], dict[str, str], dict[int, str], dict[str, str]]:
    """(position -> raw column, raw column -> header unit, position -> unmapped header, raw column -> header as
    written: only its runs of whitespace (line breaks in a cell) made one space)."""
    table = lookup(layout)
    columns: dict[int, str] = {}
    units: dict[str, str] = {}
    extra: dict[int, str] = {}
    headers: dict[str, str] = {}
    for position, cell in enumerate(cells):
        if cell is None:
            continue
        column, unit = _column_of(cell, table, forms)
        if column and column not in columns.values():
            columns[position] = column
            headers[column] = " ".join(cell.split())
            if unit:
                units[column] = unit
        else:
            extra[position] = forms[cell][2]
    return columns, units, extra, headers


def detect_header(sheet: Sheet, layouts: list[Layout]) -> HeaderMatch | None:
    """Best complete header match in the first rows; else a signature match that lacks required columns."""
    best: HeaderMatch | None = None
    partial: HeaderMatch | None = None
    forms = _HeaderForms()
    for index in range(min(SCAN_ROWS, len(sheet.rows))):
        for header_rows in (1, 2):
            cells = _header_cells(sheet, index, header_rows == 2)
            for layout in layouts:
                columns, units, extra, headers = _match(cells, layout, forms)
                found = set(columns.values())
                missing = tuple(c for c in layout.required if c not in found)
                candidate = HeaderMatch(layout, index, header_rows, columns, units, extra, missing, headers)
                if not missing and (best is None or len(columns) > len(best.columns)):
                    best = candidate
                elif missing and set(layout.signature) <= found and (
                        partial is None or len(columns) > len(partial.columns)):
                    partial = candidate
    return best or partial


def context_values(sheet: Sheet, match: HeaderMatch, file_name: str) -> dict[str, str | None]:
    """Values the layout takes from title rows, the sheet name or the file name (year, list period, permit number)."""
    texts = [c for row in sheet.rows[:match.row_index] for c in row if c] + [sheet.name or "", Path(file_name).stem]
    out: dict[str, str | None] = {}
    for column in match.layout.context:
        found: str | None = None
        for text in texts:
            norm = normalise_text(text)
            if column == "year":
                hit = _YEAR_IN_TEXT.search(norm) or _YEAR_IN_NAME.search(norm)
            elif column == "list_period":
                hit = _PERIOD_IN_TEXT.search(norm) or _PERIOD_IN_NAME.search(norm)
            else:
                hit = _PERMIT_IN_TEXT.search(norm.upper())
            if hit:
                found = hit.group(1)
                break
        out[f"{column}_from_context"] = found
    return out


class _Texts(dict):
    """Cell text -> normalised text (None when nothing is left), each distinct text normalised once per sheet:
    codes, names, units and years repeat down a column."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, value: str) -> str | None:
        text = self[value] = normalise_text(value) or None
        return text


def help_note(sheets: list[str] | tuple[str, ...]) -> str:
    """The file log's word on the help sheets it skipped (every reader says it the same way)."""
    return f"跳过填表说明工作表 / help sheets skipped (instructions, not data): {', '.join(sheets)}"


def headers_json(match: HeaderMatch) -> str:
    """The sheet's `source_headers`: each found column's header as written; the official header of the others."""
    absent = {c: match.layout.official_header(c) for c in match.layout.columns if c not in match.headers}
    return json.dumps({"found": match.headers, "absent": absent}, ensure_ascii=False, sort_keys=True)


def sheet_rows(sheet: Sheet, match: HeaderMatch, base: dict[str, object]) -> list[dict[str, object]]:
    """Raw rows under the header: every mapped cell as normalised text, unmapped cells as JSON, the headers as
    written (one string shared by the sheet's rows)."""
    layout = match.layout
    template = {**base, "row_number": None, **dict.fromkeys(layout.columns),
                **{f"{c}_header_unit": match.units.get(c) for c in layout.unit_columns},
                "extra_columns": None, SOURCE_HEADERS: headers_json(match)}
    positions, columns = list(match.columns), list(match.columns.values())
    extra = list(match.extra.items())
    texts = _Texts()
    out = []
    for index in range(match.first_data_index, len(sheet.rows)):
        row = sheet.rows[index]
        width = len(row)
        cells = [texts[row[p]] if p < width else None for p in positions]
        extras = {name: text for p, name in extra if p < width and (text := texts[row[p]]) is not None}
        if not extras and all(v is None for v in cells):
            continue
        record = template.copy()
        record["row_number"] = index + 1
        record.update(zip(columns, cells, strict=True))
        if extras:
            record["extra_columns"] = json.dumps(extras, ensure_ascii=False, sort_keys=True)
        out.append(record)
    return out


def raw_frame(layout: Layout, rows: list[dict[str, object]]) -> pl.DataFrame:
    """Raw rows of one layout as an all-text frame (row_number as integer), empty frames included."""
    schema = {c: pl.String for c in (*PROVENANCE, *layout.raw_columns, "extra_columns", SOURCE_HEADERS)}
    schema["row_number"] = pl.Int64
    return pl.DataFrame(rows, schema=schema)


def read_layout_file(path: Path, source_file: str, file_sha256: str, layouts: list[Layout],
                     limits: ReadLimits = DEFAULT_LIMITS) -> FileRead:
    """Every sheet of one file read with the layout it matches; nothing coerced, nothing guessed."""
    sheets, encoding = read_sheets(path, limits)
    result = FileRead(encoding=encoding)
    if encoding == "gb18030" and (doubt := gb18030_doubt(path)):
        result.notes.append(doubt)
    for sheet in sheets:
        label = sheet.name or Path(source_file).name
        if is_help_sheet(sheet.name):  # instructions, even where a line of them reads like a header
            result.help_sheets.append(label)
            continue
        match = detect_header(sheet, layouts)
        if match is None:
            result.skipped_sheets.append(label)
            continue
        if match.missing:
            names = "、".join(match.layout.official_header(c) for c in match.missing)
            result.layout_errors.append((
                f"工作表“{label}”像是{match.layout.zh}，但缺少必需列：{names}",
                f"sheet {label!r} looks like {match.layout.table} but lacks required column(s): {', '.join(match.missing)}"))
            continue
        base = {"source_file": source_file, "sheet_name": sheet.name, "file_sha256": file_sha256,
                "source_encoding": encoding, **context_values(sheet, match, source_file)}
        rows = sheet_rows(sheet, match, base)
        result.tables.setdefault(match.layout.table, []).extend(rows)  # a header without rows still counts
        result.sheets_read.append(f"{label}→{match.layout.table}")
        result.extra_headers.extend(f"{label}:{name}" for name in match.extra.values())
    return result
