"""raw_ghg__fuel_lines -> core_ghg__fuel_lines (typed, canonical units) + rejected rows.

A row is accepted only if every cell it carries can be read; otherwise all its problems are recorded
(zh + en, first problem's column) and the raw values kept. pandera then checks the typed rows against
the generated schema, and rows failing a value check are rejected the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import polars as pl

from inventories.reference import fuel_name_lookup, fuels
from pipelines.transform.quarantine import rejected_frame, split_by_schema
from pipelines.transform.units import (
    carbon_content_to_canonical,
    fraction_from_percent,
    ncv_to_canonical,
    quantity_to_canonical,
)
from pipelines.transform.values import CellError, is_missing, parse_number, parse_year
from schemas.generate import conform
from schemas.headers import normalise_text
from schemas.identifiers import is_valid_uscc
from schemas.tables import TABLES

TARGET = "core_ghg__fuel_lines"
SUBTOTAL_LABELS = {"合计", "小计", "总计", "全厂合计", "企业合计"}
_INDUSTRY = re.compile(r"^[A-T]?(\d{4})$")


def _uscc(text: str | None) -> str:
    if is_missing(text):
        raise CellError("统一社会信用代码为空", "USCC is missing")
    code = normalise_text(text or "").replace(" ", "").upper()
    if len(code) != 18:
        raise CellError(f"统一社会信用代码应为18位，实为{len(code)}位“{text}”", f"USCC must have 18 characters: {text!r}")
    if not is_valid_uscc(code):
        raise CellError(f"统一社会信用代码校验位错误“{text}”", f"USCC check character is wrong: {text!r}")
    return code


def _name(text: str | None) -> str:
    if is_missing(text):
        raise CellError("单位名称为空", "enterprise name is missing")
    return normalise_text(text or "")


def _industry(text: str | None) -> str | None:
    if is_missing(text):
        return None
    match = _INDUSTRY.match((text or "").replace(" ", "").upper())
    if not match:
        raise CellError(f"行业代码应为GB/T 4754四位小类“{text}”", f"industry code must be a 4-digit GB/T 4754 code: {text!r}")
    return match.group(1)


def _region(text: str | None) -> str | None:
    if is_missing(text):
        return None
    digits = (text or "").replace(" ", "")
    if not digits.isdigit() or len(digits) not in (6, 12):
        raise CellError(f"行政区划代码应为6位或12位数字“{text}”", f"region code must have 6 or 12 digits: {text!r}")
    code = digits[:6]
    return "419001" if code == "419000" else code


def _fuel(text: str | None) -> tuple[str, str, str]:
    if is_missing(text):
        raise CellError("燃料品种为空", "fuel is missing")
    name = normalise_text(text or "")
    if name.replace(" ", "") in SUBTOTAL_LABELS:
        raise CellError(f"“{name}”为合计行，不作为燃料明细（避免重复计算）",
                        f"{name!r} is a subtotal row, not a fuel line (never summed with the lines)")
    code = fuel_name_lookup().get(name.replace(" ", "").upper())
    if code is None:
        raise CellError(f"燃料品种“{text}”不在燃料表中", f"fuel {text!r} is not in the fuel table")
    unit = fuels().filter(pl.col("fuel_code") == code)["fuel_unit_code"][0]
    return code, name, unit


def _optional_number(raw: dict, column: str, convert: Callable[[float, str | None], float],
                     lo: float, hi: float, label_zh: str, label_en: str) -> float | None:
    value, cell_unit = parse_number(raw.get(column))
    if value is None:
        return None
    unit = cell_unit or raw.get(f"{column}_header_unit")
    result = convert(value, unit)
    if not lo <= result <= hi:
        raise CellError(f"{label_zh}超出合理范围({lo}–{hi})：“{raw.get(column)}”",
                        f"{label_en} outside {lo}–{hi}: {raw.get(column)!r}")
    return result


def _parse_row(raw: dict) -> tuple[dict | None, list[tuple[str, CellError]]]:
    """Typed fields of one raw row, or the list of (column, problem)."""
    problems: list[tuple[str, CellError]] = []
    out: dict[str, object] = {}

    def attempt(column: str, func: Callable[[], object], target: str | None = None) -> None:
        try:
            out[target or column] = func()
        except CellError as err:
            problems.append((column, err))

    attempt("year", lambda: parse_year(raw.get("year")))
    attempt("uscc", lambda: _uscc(raw.get("uscc")))
    attempt("enterprise_name", lambda: _name(raw.get("enterprise_name")))
    attempt("industry_code", lambda: _industry(raw.get("industry_code")))
    attempt("region_code", lambda: _region(raw.get("region_code")))
    attempt("fuel_name", lambda: _fuel(raw.get("fuel_name")), "_fuel")
    if "_fuel" not in out:
        return None, problems
    fuel_code, fuel_name, unit_code = out.pop("_fuel")  # type: ignore[misc]
    out.update(fuel_code=fuel_code, fuel_name=fuel_name, fuel_unit_code=unit_code)

    def quantity() -> float:
        value, cell_unit = parse_number(raw.get("fuel_quantity"))
        if value is None:
            raise CellError("消耗量为空", "fuel quantity is missing")
        if value < 0:
            raise CellError(f"消耗量为负“{raw.get('fuel_quantity')}”", f"negative fuel quantity {raw.get('fuel_quantity')!r}")
        unit = cell_unit or raw.get("fuel_unit") or raw.get("fuel_quantity_header_unit")
        return quantity_to_canonical(value, unit, unit_code)

    attempt("fuel_quantity", quantity, "fuel_consumed_units")
    ncv_unit_raw = dict(raw, ncv_header_unit=raw.get("ncv_unit") or raw.get("ncv_header_unit"))
    attempt("ncv", lambda: _optional_number(ncv_unit_raw, "ncv", lambda v, u: ncv_to_canonical(v, u, unit_code),
                                            0.0, 60_000.0, "低位发热量", "NCV"), "ncv_gj_per_unit")
    attempt("carbon_content", lambda: _optional_number(raw, "carbon_content", carbon_content_to_canonical,
                                                       0.0, 0.2, "单位热值含碳量", "carbon content"),
            "carbon_content_tc_per_gj")
    attempt("carbon_fraction", lambda: _optional_number(raw, "carbon_fraction", lambda v, u: v,
                                                        0.0, 100.0, "元素碳含量", "elemental carbon"),
            "carbon_mass_fraction_pct")
    attempt("oxidation", lambda: _optional_number(raw, "oxidation", lambda v, u: fraction_from_percent(v),
                                                  0.0, 1.0, "碳氧化率", "oxidation rate"), "oxidation_fraction")
    out["emission_source_name"] = None if is_missing(raw.get("emission_source_name")) else raw["emission_source_name"]
    return (None if problems else out), problems


def transform_fuel_lines(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(core_ghg__fuel_lines, rejected rows) from raw_ghg__fuel_lines."""
    accepted: list[dict] = []
    rejected: list[dict] = []
    provenance = ("source_file", "sheet_name", "row_number", "file_sha256")
    for raw_row in raw.iter_rows(named=True):
        parsed, problems = _parse_row(raw_row)
        if parsed is None:
            column, first = problems[0]
            rejected.append({
                **{k: raw_row[k] for k in provenance}, "column_name": column, "raw_value": raw_row.get(column),
                "reason_zh": "；".join(p.zh for _, p in problems), "reason_en": "; ".join(p.en for _, p in problems),
                "raw_record": json.dumps({k: v for k, v in raw_row.items() if k not in provenance},
                                         ensure_ascii=False, sort_keys=True),
            })
            continue
        accepted.append({**parsed, **{k: raw_row[k] for k in provenance}})
    typed = conform(pl.DataFrame(accepted, infer_schema_length=None) if accepted else
                    pl.DataFrame({c: [] for c in TABLES[TARGET].columns}), TARGET)
    good, schema_rejects = split_by_schema(typed, TARGET, raw)
    rejects = pl.concat([rejected_frame(rejected, "ghg", TARGET), schema_rejects], how="vertical")
    return good, rejects

