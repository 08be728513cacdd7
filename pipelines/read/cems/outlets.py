"""The outlet map (监测点位对照表): which permit outlet (DA001 …) each data logger (MN) measures.

HJ 212 records name only the logger's MN; the platform's point register ties it to the permit number
and the permit's outlet code. A map file is any inbox/cems file whose header has MN, 许可证编号 and
排放口编号. A later file's row for the same MN replaces an earlier one. The outlet's city (the Hive
partition) is the permit list's, else the registration region inside the permit number's USCC.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from inventories.cems.codes import MN_HEADERS
from inventories.reference import city_code_expr
from pipelines.read.cems.reader import header_key
from pipelines.read.files import read_sheets
from pipelines.read.parsers import permit_no
from pipelines.read.values import CellError

PERMIT_HEADERS = ("许可证编号", "排污许可证编号", "permit-no", "permit_no")
OUTLET_HEADERS = ("排放口编号", "排放口编码", "outlet-code", "outlet_code")
NAME_HEADERS = ("排放口名称", "监测点名称", "outlet-name")
OUTLET_CODE = re.compile(r"^D[AW]\d{3}$")
OUTLET_COLUMNS = {"mn": pl.String, "permit_no": pl.String, "outlet_code": pl.String, "outlet_name": pl.String,
                  "source_file": pl.String, "row_number": pl.Int64}


def is_outlet_map(headers: list[str]) -> bool:
    keys = {header_key(h) for h in headers if h}
    return bool(keys & set(MN_HEADERS)) and bool(keys & set(PERMIT_HEADERS)) and bool(keys & set(OUTLET_HEADERS))


def map_headers(path: Path) -> list[str]:
    """The header row of a small tabular file (CSV/XLSX first sheet; Parquet schema)."""
    if path.suffix.lower() == ".parquet":
        return pl.read_parquet_schema(path).names()
    sheets, _ = read_sheets(path)
    return [h or "" for h in (sheets[0].rows[0] if sheets and sheets[0].rows else [])]


def read_outlet_map(path: Path, source_file: str) -> tuple[list[dict], list[dict]]:
    """(map rows, rejected rows) of one map file; rejected rows name the row, column and reason."""
    sheets, _ = read_sheets(path)
    rows, rejected = [], []
    for sheet in sheets[:1]:
        header = [header_key(h or "") for h in sheet.rows[0]]
        index = {h: i for i, h in enumerate(header)}

        def cell(values: list, names: tuple[str, ...], index: dict[str, int] = index) -> str | None:
            col = next((index[header_key(n)] for n in names if header_key(n) in index), None)
            value = values[col] if col is not None and col < len(values) else None
            return str(value).strip() if value not in (None, "") else None

        for number, values in enumerate(sheet.rows[1:], start=2):
            if not any(values):
                continue
            mn, outlet = cell(values, MN_HEADERS), cell(values, OUTLET_HEADERS)
            raw = {"MN": mn, "许可证编号": cell(values, PERMIT_HEADERS), "排放口编号": outlet}
            try:
                if not mn:
                    raise CellError("缺少数采仪编号MN", "MN missing")
                permit = permit_no(raw["许可证编号"])
                if not outlet or not OUTLET_CODE.match(outlet.upper()):
                    raise CellError(f"排放口编号应为DA/DW加3位数字“{outlet}”",
                                    f"outlet code must be DA/DW + 3 digits: {outlet!r}")
            except CellError as err:
                rejected.append({"source_file": source_file, "sheet_name": sheet.name, "row_number": number,
                                 "raw_record": raw, "reason_zh": f"{source_file}：第{number}行 {err.zh}",
                                 "reason_en": f"{source_file}: row {number}: {err.en}"})
                continue
            rows.append({"mn": mn, "permit_no": permit, "outlet_code": outlet.upper(),
                         "outlet_name": cell(values, NAME_HEADERS), "source_file": source_file, "row_number": number})
    return rows, rejected


def outlet_table(rows: list[dict], registry: pl.DataFrame) -> pl.DataFrame:
    """One row per MN (the last file's), with the outlet's city from the permit list or the permit's USCC."""
    frame = pl.DataFrame(rows, schema=OUTLET_COLUMNS).unique("mn", keep="last", maintain_order=True)
    cities = registry.select("permit_no", pl.col("city_code").alias("_listed")).unique("permit_no")
    return frame.join(cities, on="permit_no", how="left").with_columns(
        pl.coalesce("_listed", city_code_expr(pl.col("permit_no").str.slice(2, 6))).alias("city_code"),
        pl.when(pl.col("_listed").is_not_null()).then(pl.lit("permit_list")).otherwise(pl.lit("permit_no_uscc"))
        .alias("city_source"),
    ).drop("_listed").sort("mn")
