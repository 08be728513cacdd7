"""Read any inbox file (CSV in UTF-8/BOM/GB18030, or XLSX with merged cells) into text rows.

Pure functions, no Dagster. Every cell comes back as text (or None) so nothing is coerced before
the transform step can explain what it did; merged cells are forward-filled as readers otherwise
see values only in the top-left cell (source-formats.md §5).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.utils.cell import range_boundaries

ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")  # order matters: gb18030 first would garble UTF-8


@dataclass(frozen=True)
class Sheet:
    """One sheet (or a whole CSV) as text rows; row i of `rows` is Excel row i + 1."""

    name: str | None
    rows: list[list[str | None]]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Text and the encoding that decoded it strictly, trying UTF-8 (with BOM) before GB18030."""
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("gb18030", raw, 0, 1, "none of utf-8-sig, utf-8, gb18030 decodes this file")


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def read_csv_rows(path: Path) -> tuple[Sheet, str]:
    """A CSV file as one sheet, plus the detected encoding."""
    text, encoding = decode_bytes(path.read_bytes())
    rows = [[cell if cell.strip() else None for cell in row] for row in csv.reader(io.StringIO(text))]
    return Sheet(None, rows), encoding


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"')


def _merged_ranges(path: Path, worksheet_path: str) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of each merged range, read from the sheet's XML.

    openpyxl's read-only mode (4-5x faster on large exports) does not expose merged cells.
    """
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(worksheet_path.lstrip("/"))
    return [range_boundaries(ref.decode()) for ref in _MERGE_REF.findall(xml)]  # type: ignore[misc]


def read_xlsx_rows(path: Path, max_rows: int | None = None) -> list[Sheet]:
    """Every sheet of a workbook as text rows (the first `max_rows` only, if given), merged ranges filled with their
    top-left value."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheets = []
    try:
        for worksheet in workbook.worksheets:
            worksheet.reset_dimensions()  # some exporters write a wrong <dimension>; read what is there
            rows = [[_cell_text(v) for v in row] for row in worksheet.iter_rows(values_only=True, max_row=max_rows)]
            merges = _merged_ranges(path, worksheet._worksheet_path)
            width = max([len(r) for r in rows] + [m[2] for m in merges] + [0])
            rows = [r + [None] * (width - len(r)) for r in rows]
            for min_col, min_row, max_col, max_row in merges:
                if min_row > len(rows):
                    continue
                top_left = rows[min_row - 1][min_col - 1]
                for r in range(min_row - 1, min(max_row, len(rows))):
                    for c in range(min_col - 1, max_col):
                        rows[r][c] = top_left
            sheets.append(Sheet(worksheet.title, rows))
    finally:
        workbook.close()
    return sheets


def read_sheets(path: Path) -> tuple[list[Sheet], str | None]:
    """All sheets of a CSV or XLSX file and the CSV encoding (None for XLSX)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        sheet, encoding = read_csv_rows(path)
        return [sheet], encoding
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx_rows(path), None
    raise ValueError(f"不支持的文件类型 {suffix} / unsupported file type {suffix}")
