"""GHG reports: raw text tables -> typed core tables (fuel lines, power monthly, electricity/heat, process
lines, reported totals). Values the enterprise reports are kept as reported; our own calculation is
done later and never overwrites them.
"""

from __future__ import annotations

from functools import partial

from inventories.units import carbon_content_to_canonical, fraction_from_percent, to_canonical
from pipelines.read import parsers
from pipelines.read.bounds import within
from pipelines.read.fuel_rules import fuel_rules
from pipelines.read.rows import Raw, Rule, TableTransform, amount, cell, number_with_unit
from pipelines.read.values import CellError, is_missing, parse_number, parse_year

_year = cell("year", parse_year)
_uscc = cell("uscc", parsers.uscc)
_name = cell("enterprise_name", partial(parsers.required, zh="单位名称", en="enterprise name"))
_pct = partial(amount, kind="percent", bound="percent")


def _basis(column: str) -> Rule:
    """A parameter's 实测/缺省值 label: its own column, else the line's one 取值方式 column for every parameter."""
    choice = partial(parsers.choice, allowed=parsers.PARAMETER_BASIS, zh="取值方式", en="parameter basis")

    def parse(raw: Raw) -> str | None:
        own = raw.get(column)
        return choice(raw.get("parameter_basis") if is_missing(own) else own)  # type: ignore[arg-type]

    return Rule(column, parse, column, ("parameter_basis",))


def _carbon_content(raw: Raw) -> float | None:
    value, unit = parse_number(raw.get("carbon_content"))  # type: ignore[arg-type]
    if value is None:
        return None
    result = carbon_content_to_canonical(value, unit or raw.get("carbon_content_header_unit"))  # type: ignore[arg-type]
    return within(result, "carbon_content_tc_per_gj", "单位热值含碳量", "carbon content", raw.get("carbon_content"))


def _oxidation(raw: Raw) -> float | None:
    value, _ = parse_number(raw.get("oxidation"))  # type: ignore[arg-type]
    if value is None:
        return None
    return within(fraction_from_percent(value), "oxidation_fraction", "碳氧化率", "oxidation rate", raw.get("oxidation"))


FUEL_LINE_RULES = [
    _year, _uscc, _name,
    cell("industry_code", parsers.industry_code), cell("region_code", parsers.region_code),
    *fuel_rules("fuel_name", "fuel_quantity", "fuel_unit", "ncv", "ncv_unit", remark_column="remark"),
    Rule("carbon_content", _carbon_content, "carbon_content_tc_per_gj", also_reads=("carbon_content_header_unit",)),
    _pct("carbon_fraction", "carbon_mass_fraction_pct", zh="元素碳含量", en="elemental carbon"),
    Rule("oxidation", _oxidation, "oxidation_fraction"),
    cell("emission_source_name", parsers.optional_text),
    _basis("ncv_basis"), _basis("carbon_basis"), _basis("oxidation_basis"),
]


def _period(raw: Raw) -> dict[str, int]:
    year, month = parsers.month(raw.get("period"))  # type: ignore[arg-type]
    return {"year": year, "month": month}


_mwh = partial(amount, kind="electricity_mwh", bound="electricity_mwh")
POWER_MONTHLY_RULES = [
    _uscc, _name, cell("unit_id", partial(parsers.required, zh="机组编号", en="unit id")),
    Rule("period", _period, ("year", "month")),
    *fuel_rules("fuel_name", "fuel_quantity", None, "ncv", remark_column="remark"),
    _pct("carbon_fraction", "carbon_mass_fraction_pct", zh="元素碳含量", en="elemental carbon"),
    _pct("hydrogen", "hydrogen_pct", bound="hydrogen_pct", zh="氢含量", en="hydrogen content"),
    _pct("sulfur", "sulfur_pct", bound="sulfur_pct", zh="全硫", en="sulfur content"),
    _pct("moisture", "moisture_pct", bound="moisture_pct", zh="水分", en="moisture"),
    _mwh("purchased_electricity", "purchased_electricity_mwh", zh="购入使用电量", en="purchased electricity"),
    _mwh("generation", "generation_mwh", zh="发电量", en="generation"),
    _mwh("supply", "supply_mwh", zh="供电量", en="electricity supplied"),
    amount("heat_supply", "heat_supply_gj", "heat_gj", "heat_gj", "供热量", "heat supplied"),
    _pct("load_factor", "load_factor_pct", zh="负荷(出力)系数", en="load factor"),
    amount("operating_hours", "operating_hours_h", "hours_h", "operating_hours_month", "运行小时数",
           "operating hours in the month"),
]

ENERGY_FLOWS = {"购入电力": "purchased_electricity", "外购电力": "purchased_electricity",
                "净购入电力": "purchased_electricity", "购入使用电力": "purchased_electricity",
                "输出电力": "exported_electricity", "外供电力": "exported_electricity",
                "购入热力": "purchased_heat", "外购热力": "purchased_heat", "净购入热力": "purchased_heat",
                "输出热力": "exported_heat", "外供热力": "exported_heat"}


def _flow_quantity(raw: Raw) -> dict[str, float | None]:
    flow = ENERGY_FLOWS.get(str(raw.get("item") or "").replace(" ", ""))
    value, cell_unit = parse_number(raw.get("quantity"))  # type: ignore[arg-type]
    if flow is None or value is None:
        return {"electricity_mwh": None, "heat_gj": None}
    unit = cell_unit or raw.get("unit") or raw.get("quantity_header_unit")
    kind = "electricity_mwh" if flow.endswith("electricity") else "heat_gj"  # unit kind, target field and bound alike
    result = to_canonical(value, unit, kind, default_unit=False)  # type: ignore[arg-type]
    return {"electricity_mwh": None, "heat_gj": None, kind: within(result, kind, "数量", "quantity", raw.get("quantity"))}


_co2 = partial(amount, kind="mass_t", bound="co2_t")
_CO2_REPORTED = _co2("co2_reported", "reported_co2_mass_t", zh="排放量", en="reported CO2")
_factor = partial(number_with_unit, "emission_factor", "reported_factor", "reported_factor_unit", "factor_unit",
                  zh="排放因子", en="reported factor", bound="reported_factor")
ENERGY_FLOW_RULES = [
    _year, _uscc, _name,
    cell("item", partial(parsers.choice, allowed=ENERGY_FLOWS, zh="电力热力类别", en="energy flow"), "energy_flow"),
    Rule("quantity", _flow_quantity, ("electricity_mwh", "heat_gj"), ("unit",), ("item", "quantity_header_unit")),
    _factor(),
    _CO2_REPORTED,
]


def _required_co2(raw: Raw) -> float:
    value = _CO2_REPORTED.parse(raw)
    if value is None:
        raise CellError("过程排放量为空", "process CO2 is missing")
    return value  # type: ignore[return-value]


PROCESS_LINE_RULES = [
    _year, _uscc, _name,
    cell("process", partial(parsers.required, zh="工序", en="process"), "process_name"),
    cell("material", parsers.optional_text, "material_name"),
    number_with_unit("quantity", "activity_quantity", "activity_unit", "unit", zh="活动数据", en="activity data",
                     bound="activity_quantity"),
    _factor(),
    Rule("co2_reported", _required_co2, "reported_co2_mass_t", also_reads=_CO2_REPORTED.also_reads),
]

REPORTED_TOTAL_RULES = [
    _year, _uscc, _name, cell("industry_code", parsers.industry_code),
    _co2("combustion", "reported_combustion_co2_t", zh="化石燃料燃烧排放量", en="combustion CO2"),
    _co2("process", "reported_process_co2_t", zh="工业生产过程排放量", en="process CO2"),
    _co2("purchased_electricity", "reported_electricity_co2_t", zh="购入电力排放量", en="electricity CO2"),
    _co2("purchased_heat", "reported_heat_co2_t", zh="购入热力排放量", en="heat CO2"),
    _co2("total", "reported_total_co2e_t", zh="法人边界排放总量", en="reported total"),
    _co2("supplementary_total", "reported_supplementary_co2e_t", zh="补充数据表排放总量", en="supplementary total"),
    amount("energy", "reported_energy_tce", "energy_tce", "energy_tce", "综合能耗", "energy use"),
]

GHG_TRANSFORMS = {
    "raw_ghg__fuel_lines": TableTransform("core_ghg__fuel_lines", FUEL_LINE_RULES),
    "raw_ghg__power_monthly": TableTransform("core_ghg__power_monthly", POWER_MONTHLY_RULES),
    "raw_ghg__energy_flows": TableTransform("core_ghg__energy_flows", ENERGY_FLOW_RULES),
    "raw_ghg__process_lines": TableTransform("core_ghg__process_lines", PROCESS_LINE_RULES),
    "raw_ghg__reported_totals": TableTransform("core_ghg__reported_totals", REPORTED_TOTAL_RULES),
}
