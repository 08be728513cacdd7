"""Permit platform exports: registry list, limit tables, execution-report emissions and fuel analysis.

Subtotal rows (主要排放口合计, 全厂有组织排放总计, 全厂合计) are kept and tagged with their scope so
no one sums them with the outlet rows; 第一年…第五年 are anchored to calendar years with the registry.
"""

from __future__ import annotations

import re
from functools import partial

import polars as pl

from inventories.reference import industry_code_of
from inventories.units import to_canonical
from pipelines.read import parsers
from pipelines.read.bounds import within
from pipelines.read.fuel_rules import fuel_rules
from pipelines.read.rows import Raw, Rule, TableTransform, amount, cell, from_column_or_context, number_with_unit, with_context
from pipelines.read.values import CellError, is_missing, parse_number, parse_year
from schemas.generate import conform
from schemas.headers import normalise_text

SCOPES = {"主要排放口合计": "main_outlets_total", "一般排放口合计": "general_outlets_total",
          "无组织排放合计": "unorganised_total", "全厂无组织排放总计": "unorganised_total",
          "全厂有组织排放总计": "site_total", "全厂合计": "site_total", "全厂排放总计": "site_total", "全厂总计": "site_total",
          "合计": "site_total", "总计": "site_total"}
_OUTLET_TYPES = ("主要排放口", "一般排放口", "排放口")
_IDENTITY = ("permit_no", "uscc")
_OUTLET = ("emission_scope", "outlet_code", "outlet_name")


def _permit(raw: Raw) -> dict[str, str | None]:
    code = parsers.permit_no(from_column_or_context(raw, "permit_no"))
    return {"permit_no": code, "uscc": parsers.uscc_of_permit(code)}


_PERMIT_CONTEXT = ("permit_no_from_context",)
_permit_rule = Rule("permit_no", _permit, _IDENTITY, also_reads=_PERMIT_CONTEXT)


def _registry_identity(raw: Raw) -> dict[str, str | None]:
    found = _permit(raw)
    if not is_missing(raw.get("uscc")):  # type: ignore[arg-type]
        written = parsers.uscc(raw.get("uscc"))  # type: ignore[arg-type]
        if found["uscc"] and written != found["uscc"]:
            raise CellError(f"统一社会信用代码“{written}”与许可证编号前18位不一致", f"USCC {written!r} differs from the "
                            "first 18 characters of the permit number", column="uscc")
        found["uscc"] = written
    return found


def _region(raw: Raw) -> dict[str, str | None]:
    resolved = parsers.region_path(raw.get("region"))  # type: ignore[arg-type]
    if resolved["city_code"] is None:
        try:
            city = parsers.city_name(raw.get("city"))  # type: ignore[arg-type]
        except CellError as err:
            err.column = "city"
            raise
        resolved = {"city_code": city, "region_code": city}
    return resolved


def _industry(raw: Raw) -> dict[str, str | None]:
    """行业类别 as written, and the GB/T 4754 code of its first activity (sector roll-ups need a code)."""
    name = parsers.optional_text(raw.get("industry"))  # type: ignore[arg-type]
    return {"industry_name": name, "industry_code": industry_code_of(name)}


def _validity(raw: Raw) -> dict[str, object]:
    start, end = parsers.date_range(raw.get("validity"))  # type: ignore[arg-type]
    return {"valid_from": start, "valid_to": end}


REGISTRY_RULES = [
    Rule("permit_no", _registry_identity, _IDENTITY, ("uscc",), _PERMIT_CONTEXT),
    cell("enterprise_name", partial(parsers.required, zh="单位名称", en="enterprise name")),
    Rule("industry", _industry, ("industry_name", "industry_code")),
    Rule("region", _region, ("city_code", "region_code"), ("city",)),
    Rule("validity", _validity, ("valid_from", "valid_to")),
    cell("issue_date", parsers.date),
    cell("management_category", partial(parsers.choice, allowed=parsers.MANAGEMENT_CATEGORIES, zh="管理类别",
                                         en="management category")),
    cell("lon", partial(parsers.coordinate, low=73.0, high=136.0, label_zh="经度"), "lon_deg"),
    cell("lat", partial(parsers.coordinate, low=3.0, high=54.0, label_zh="纬度"), "lat_deg"),
    cell("address", parsers.optional_text), cell("issuing_authority", parsers.optional_text),
]


def _scope_label(text: object) -> str | None:
    return SCOPES.get(str(text).replace(" ", "")) if text else None


def _outlet(raw: Raw) -> dict[str, str | None]:
    """Outlet code and name, or the subtotal scope a label such as 主要排放口合计 names."""
    scope = _scope_label(raw.get("outlet_code")) or _scope_label(raw.get("outlet_name"))
    if scope:
        return {"emission_scope": scope, "outlet_code": None, "outlet_name": None}
    code = parsers.required(raw.get("outlet_code"), "排放口编号", "outlet code").replace(" ", "").upper()  # type: ignore[arg-type]
    return {"emission_scope": "outlet", "outlet_code": code, "outlet_name": parsers.optional_text(raw.get("outlet_name"))}  # type: ignore[arg-type]


def _concentration(column: str, target: str, keep_text: bool = False) -> Rule:
    """`150mg/Nm3` (unit in the cell) or a bare number; `mg/Nm3` alone means no value; `1级` is kept as text."""

    def parse(raw: Raw) -> dict[str, object]:
        text = raw.get(column)
        out: dict[str, object] = {target: None}
        if keep_text:
            out["hourly_limit_text"] = None if is_missing(text) else text  # type: ignore[arg-type]
        if is_missing(text) or not re.match(r"\s*[+-]?\.?\d", str(text)):  # type: ignore[arg-type]
            return out
        value, unit = parse_number(text)  # type: ignore[arg-type]
        if unit in ("级",):
            return out
        assert value is not None
        out[target] = within(to_canonical(value, unit or raw.get(f"{column}_header_unit"), "concentration_mg_nm3"),  # type: ignore[arg-type]
                             "concentration_mg_nm3", "浓度限值", "concentration limit", text)
        return out

    return Rule(column, parse, (target, "hourly_limit_text") if keep_text else (target,),
                also_reads=(f"{column}_header_unit",))


def _pollutant_name(raw: Raw) -> dict[str, str | None]:
    found = parsers.pollutant(None, raw.get("pollutant"))  # type: ignore[arg-type]
    return {"pollutant": found["pollutant"], "pollutant_name": found["pollutant_name"]}


LIMIT_RULES = [
    _permit_rule, Rule("outlet_code", _outlet, _OUTLET, ("outlet_name",)),
    Rule("pollutant", _pollutant_name, ("pollutant", "pollutant_name")),
    _concentration("conc_hourly", "conc_hourly_limit_mg_nm3", keep_text=True),
    _concentration("conc_daily", "conc_daily_limit_mg_nm3"),
    amount("rate_kg_h", "rate_limit_kg_h", "rate_kg_h", "rate_limit_kg_h", "许可排放速率限值", "rate limit"),
    *(amount(f"limit_year_{i}", f"limit_year_{i}_t", "mass_t", "pollutant_emitted_t", f"第{i}年许可排放量",
             f"year-{i} mass limit") for i in range(1, 6)),
    _concentration("stricter_conc", "stricter_conc_limit_mg_nm3"),
]


def _exec_scope(raw: Raw) -> dict[str, str | None]:
    outlet_type = parsers.optional_text(raw.get("outlet_type"))  # type: ignore[arg-type]
    scope = _scope_label(outlet_type) or _scope_label(raw.get("outlet_code"))
    if scope is None and outlet_type is not None and "无组织" in outlet_type:
        scope = "unorganised"  # fugitive emissions of a workshop or yard: no outlet, not a subtotal
    if scope is None and outlet_type is not None and not any(outlet_type.startswith(t) for t in _OUTLET_TYPES):
        raise CellError(f"无法识别的排放口类型“{outlet_type}”", f"unknown outlet type {outlet_type!r}")
    if scope is None and is_missing(raw.get("outlet_code")):  # type: ignore[arg-type]
        raise CellError("排放口编码为空", "outlet code is missing", column="outlet_code")
    has_outlet = scope in (None, "unorganised") and not is_missing(raw.get("outlet_code"))  # type: ignore[arg-type]
    return {"emission_scope": scope or "outlet", "outlet_type": outlet_type,
            "outlet_code": normalise_text(str(raw["outlet_code"])).replace(" ", "").upper() if has_outlet else None,
            "outlet_name": parsers.optional_text(raw.get("outlet_name"))}  # type: ignore[arg-type]


_year = with_context("year", parse_year)
_method = cell("accounting_method", partial(parsers.choice, allowed=parsers.ACCOUNTING_METHODS, zh="核算方法",
                                            en="accounting method"))
EXECUTION_RULES = [
    _year, cell("report_type", parsers.optional_text), _permit_rule,
    Rule("outlet_type", _exec_scope, ("outlet_type", *_OUTLET), ("outlet_code", "outlet_name")),
    Rule("pollutant_code", lambda raw: parsers.pollutant(raw.get("pollutant_code"), raw.get("pollutant_name")),  # type: ignore[arg-type]
         ("pollutant", "pollutant_code", "pollutant_name"), ("pollutant_name",)),
    amount("annual_total", "emission_mass_t", "mass_t", "pollutant_emitted_t", "年排放量", "annual emission",
           remark_column="remark"),
    _method, cell("remark", parsers.optional_text),
]

_pct = partial(amount, kind="percent")
FUEL_ANALYSIS_RULES = [
    _year, _permit_rule,
    *fuel_rules("fuel", "quantity", "unit", "ncv", remark_column="remark"),
    _pct("sulfur", "sulfur_pct", bound="sulfur_pct", zh="含硫量", en="sulfur content"),
    _pct("ash", "ash_pct", bound="ash_pct", zh="灰分", en="ash content"),
    _pct("volatile", "volatile_pct", bound="volatile_pct", zh="挥发分", en="volatile matter"),
    _method,
]

PRODUCTION_RULES = [
    _year, _permit_rule, cell("production_unit_id", parsers.optional_text),
    cell("product", partial(parsers.required, zh="产品名称", en="product"), "product_name"),
    number_with_unit("quantity", "production_quantity", "production_unit", "unit", zh="产量", en="production",
                     bound="activity_quantity"),
    amount("operating_hours", "operating_hours_h", "hours_h", "operating_hours_year", "运行时间", "operating hours"),
]

PERMIT_TRANSFORMS = {
    "raw_permit__registry": TableTransform("core_permit__registry", REGISTRY_RULES),
    "raw_permit__limits": TableTransform("core_permit__limits", LIMIT_RULES),
    "raw_permit__execution_emissions": TableTransform("core_permit__execution_emissions", EXECUTION_RULES),
    "raw_permit__fuel_analysis": TableTransform("core_permit__fuel_analysis", FUEL_ANALYSIS_RULES),
    "raw_permit__production": TableTransform("core_permit__production", PRODUCTION_RULES),
}


def annual_limits(limits: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """第N年 limits as calendar-year rows: year = validity start year of the permit + N - 1.

    The latest validity in the registry is used for a permit listed more than once; limits of permits
    missing from the registry cannot be anchored and are left out here (they stay in core_permit__limits).
    """
    validity = (registry.sort("valid_from").group_by("permit_no").agg(pl.col("valid_from", "valid_to").last()))
    long = limits.with_columns(
        pl.format("{}:{}:{}", "source_file", pl.col("sheet_name").fill_null(""), "row_number").alias("source_record"),
    ).unpivot(index=["permit_no", "uscc", "emission_scope", "outlet_code", "pollutant", "source_record"],
              on=[f"limit_year_{i}_t" for i in range(1, 6)], variable_name="_label", value_name="limit_mass_t")
    return conform(
        long.drop_nulls("limit_mass_t")
        .with_columns(pl.col("_label").str.extract(r"(\d)").cast(pl.Int64).alias("permit_year_index"))
        .join(validity, on="permit_no", how="inner")
        .with_columns((pl.col("valid_from").dt.year() + pl.col("permit_year_index") - 1).cast(pl.Int64).alias("year"))
        .sort("permit_no", "source_record", "permit_year_index"),
        "core_permit__annual_limits")
