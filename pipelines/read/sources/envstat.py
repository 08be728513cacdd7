"""Environmental-statistics forms (基101/G101 enterprise rows, G103-1 boilers) -> typed core tables.

Old 9-character organisation codes stay as they are (the USCC is filled only when the form gives it),
names written as 现用名（曾用名） are split, and 万吨 sheets come back in tonnes via the header unit.
"""

from __future__ import annotations

from functools import partial

from inventories.reference import city_of
from inventories.units import quantity_to_canonical
from pipelines.read import parsers
from pipelines.read.bounds import within
from pipelines.read.fuel_rules import fuel_rules
from pipelines.read.rows import Raw, Rule, TableTransform, amount, cell, with_context
from pipelines.read.values import CellError, parse_number, parse_year

_fuel = partial(amount, kind="mass_t", bound="fuel_mass_t")
_emitted = partial(amount, kind="mass_t", bound="pollutant_emitted_t")
_pct = partial(amount, kind="percent", bound="percent")
_year = with_context("year", parse_year)
_identity = [cell("org_code", parsers.enterprise_code, ("uscc", "org_code", "sub_unit_code")),
             cell("enterprise_name", parsers.name_with_former, ("enterprise_name", "former_names"))]


def _region(raw: Raw) -> dict[str, str | None]:
    code = parsers.region_code(raw.get("region_code"))  # type: ignore[arg-type]
    return {"region_code": code, "city_code": city_of(code) if code else None}


def _gas(raw: Raw) -> float | None:
    value, unit = parse_number(raw.get("natural_gas"))  # type: ignore[arg-type]
    if value is None:
        return None
    if value < 0:
        raise CellError(f"天然气消耗量为负“{raw.get('natural_gas')}”", f"negative gas use {raw.get('natural_gas')!r}")
    gas = quantity_to_canonical(value, unit or raw.get("natural_gas_header_unit") or "万立方米", "10^4Nm3")  # type: ignore[arg-type]
    return within(gas, "fuel_gas_10k_nm3", "天然气消耗量", "gas use", raw.get("natural_gas"))


def _count(raw: Raw) -> int | None:
    value, _ = parse_number(raw.get("boiler_count"))  # type: ignore[arg-type]
    if value is None:
        return None
    if value < 0 or value != int(value):
        raise CellError(f"锅炉台数应为非负整数“{raw.get('boiler_count')}”", f"boiler count must be a whole number: "
                        f"{raw.get('boiler_count')!r}")
    return int(within(value, "boiler_count", "锅炉台数", "boiler count", raw.get("boiler_count")))


ENTERPRISE_RULES = [
    *_identity, _year, Rule("region_code", _region, ("region_code", "city_code")), cell("industry_code", parsers.industry_code),
    amount("hours", "operating_hours_h", "hours_h", "operating_hours_year", "年正常生产时间", "operating hours"),
    _fuel("coal", "coal_consumed_t", zh="煤炭消耗量", en="coal use"),
    _fuel("fuel_coal", "fuel_coal_consumed_t", zh="燃料煤消耗量", en="fuel coal use"),
    _pct("coal_sulfur", "coal_sulfur_pct", bound="sulfur_pct", zh="燃料煤平均含硫量", en="coal sulfur content"),
    _fuel("fuel_oil", "fuel_oil_consumed_t", zh="燃料油消耗量", en="fuel oil use"),
    Rule("natural_gas", _gas, "natural_gas_10k_nm3", also_reads=("natural_gas_header_unit",)),
    Rule("boiler_count", _count),
    amount("boiler_steam", "boiler_capacity_t_steam_h", "steam_t_h", "site_steam_capacity_t_h", "工业锅炉蒸吨数",
           "boiler capacity"),
    *(amount(f"{p}_{kind}", f"{p}_{'generated_t' if kind == 'generated' else 'mass_t'}", "mass_t",
             f"pollutant_{kind}_t", zh=f"{zh}{kind_zh}", en=f"{p} {kind}")
      for p, zh in (("so2", "二氧化硫"), ("nox", "氮氧化物"), ("pm", "烟(粉)尘"))
      for kind, kind_zh in (("generated", "产生量"), ("emitted", "排放量"))),
]


def _enterprise_check(typed: dict) -> list[tuple[str, CellError]]:
    """其中燃料煤 is part of 煤炭消耗量: a larger part than the whole is an impossible row."""
    coal, fuel_coal = typed.get("coal_consumed_t"), typed.get("fuel_coal_consumed_t")
    if coal is not None and fuel_coal is not None and fuel_coal > coal * (1 + 1e-9):
        return [("fuel_coal", CellError(f"其中燃料煤消耗量({fuel_coal:g}吨)大于煤炭消耗量({coal:g}吨)",
                                        f"fuel coal ({fuel_coal:g} t) exceeds total coal use ({coal:g} t)"))]
    return []


_UNIT_RULES = [  # what G103-1 boilers and G103-2 kilns share
    *_identity, _year,
    Rule("permit_no", lambda raw: None if raw.get("permit_no") is None else parsers.permit_no(raw["permit_no"])),  # type: ignore[arg-type]
    amount("operating_hours", "operating_hours_h", "hours_h", "operating_hours_year", "年运行时间", "operating hours"),
    *fuel_rules("fuel", "quantity", "unit", "ncv", remark_column="remark"),
    _pct("sulfur", "sulfur_pct", bound="sulfur_pct", zh="含硫量", en="sulfur content"),
    _pct("ash", "ash_pct", bound="ash_pct", zh="灰分", en="ash content"),
    cell("outlet_code", parsers.optional_text),
    *(_pct(f"{p}_removal", f"{p}_removal_pct", zh=zh, en=f"{p} removal") for p, zh in
      (("so2", "脱硫效率"), ("nox", "脱硝效率"), ("pm", "除尘效率"))),
    *(_emitted(f"{p}_emitted", f"{p}_mass_t", zh=f"{zh}排放量", en=f"{p} emitted")
      for p, zh in (("so2", "二氧化硫"), ("nox", "氮氧化物"), ("pm", "颗粒物"))),
    cell("accounting_method", partial(parsers.choice, allowed=parsers.ACCOUNTING_METHODS, zh="核算方法",
                                      en="accounting method")),
]
BOILER_RULES = [
    *_UNIT_RULES, cell("boiler_id", partial(parsers.required, zh="锅炉编号", en="boiler id")),
    amount("rated_capacity", "rated_capacity_t_steam_h", "steam_t_h", "boiler_rated_steam_t_h", "额定出力",
           "rated capacity"),
    cell("combustion_mode", parsers.optional_text),
]
KILN_RULES = [
    *_UNIT_RULES, cell("kiln_id", partial(parsers.required, zh="炉窑编号", en="kiln id")),
    cell("kiln_type", parsers.optional_text),
]

ENVSTAT_TRANSFORMS = {
    "raw_envstat__enterprise": TableTransform("core_envstat__enterprise", ENTERPRISE_RULES, _enterprise_check),
    "raw_envstat__boilers": TableTransform("core_envstat__boilers", BOILER_RULES),
    "raw_envstat__kilns": TableTransform("core_envstat__kilns", KILN_RULES),
}
