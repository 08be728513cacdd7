"""Enterprise GHG reports (全国碳市场管理平台 / 环境信息平台 exports): fuel lines as raw text rows.

Any sheet whose header names the year, the USCC, the fuel and its quantity is read as fuel lines,
whatever the header's spelling variant (schemas.headers.GHG_FUEL_LINES). Sheets without such a header
(a 说明 sheet, a layout this version does not know) are reported, not guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.extract.files import data_rows, find_header, read_sheets
from schemas.headers import GHG_FUEL_LINES, GHG_FUEL_LINES_REQUIRED, build_lookup

RAW_COLUMNS = tuple(GHG_FUEL_LINES)
HEADER_UNIT_COLUMNS = tuple(f"{c}_header_unit" for c in ("fuel_quantity", "ncv", "carbon_content"))
PROVENANCE = ("source_file", "sheet_name", "row_number", "file_sha256", "source_encoding")
_LOOKUP = build_lookup(GHG_FUEL_LINES)


@dataclass
class ReadResult:
    """Raw rows of one file plus what was skipped, for the file log."""

    rows: list[dict[str, object]] = field(default_factory=list)
    encoding: str | None = None
    skipped_sheets: list[str] = field(default_factory=list)


def read_ghg_file(path: Path, source_file: str, file_sha256: str) -> ReadResult:
    """Raw fuel-line rows of one GHG report file; every value stays text."""
    sheets, encoding = read_sheets(path)
    result = ReadResult(encoding=encoding)
    for sheet in sheets:
        header = find_header(sheet, _LOOKUP, GHG_FUEL_LINES_REQUIRED)
        if header is None:
            result.skipped_sheets.append(sheet.name or path.name)
            continue
        units = {f"{c}_header_unit": header.units.get(c) for c in ("fuel_quantity", "ncv", "carbon_content")}
        for row_number, record in data_rows(sheet, header):
            result.rows.append({
                "source_file": source_file, "sheet_name": sheet.name, "row_number": row_number,
                "file_sha256": file_sha256, "source_encoding": encoding,
                **{c: record.get(c) for c in RAW_COLUMNS}, **units,
            })
    return result


def empty_raw_frame() -> pl.DataFrame:
    schema = {c: pl.String for c in (*PROVENANCE, *RAW_COLUMNS, *HEADER_UNIT_COLUMNS)}
    schema["row_number"] = pl.Int64
    return pl.DataFrame(schema=schema)


def to_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """Raw rows as a frame with a fixed all-text schema (row_number as integer)."""
    empty = empty_raw_frame()
    if not rows:
        return empty
    return pl.DataFrame(rows, schema=empty.schema)
