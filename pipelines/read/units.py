"""Units as written in Chinese exports -> canonical units with their multipliers.

Canonical units: fuel mass t, gas volume 10^4 Nm3, NCV GJ per canonical fuel unit, carbon content
tC/GJ. The tables are data, so adding a spelling is a one-line change.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from pipelines.read.values import CellError


def scale(value: float, multiplier: float) -> float:
    """value x multiplier in decimal arithmetic, so 0.123456 万吨 becomes exactly the float of 1234.56 t."""
    if multiplier == 1.0:
        return value
    result = float(Decimal(repr(value)) * Decimal(repr(multiplier)))
    if not math.isfinite(result):  # 1e308 万吨 is 1e312 t: beyond float range
        raise CellError(f"数值{value:g}乘以单位换算系数{multiplier:g}后超出可表示范围(溢出)",
                        f"{value:g} times the unit multiplier {multiplier:g} is too large to represent (overflow)")
    return result


def _key(unit: str) -> str:
    return unit.strip().replace(" ", "").replace("³", "3").replace("（", "(").replace("）", ")").lower()


# written unit -> (canonical fuel unit, multiplier to it)
QUANTITY_UNITS: dict[str, tuple[str, float]] = {
    "t": ("t", 1.0), "吨": ("t", 1.0), "万吨": ("t", 1e4), "万t": ("t", 1e4), "kg": ("t", 1e-3),
    "千克": ("t", 1e-3), "公斤": ("t", 1e-3),
    "万nm3": ("10^4Nm3", 1.0), "万m3": ("10^4Nm3", 1.0), "万立方米": ("10^4Nm3", 1.0), "万标立方米": ("10^4Nm3", 1.0),
    "万标准立方米": ("10^4Nm3", 1.0), "10^4nm3": ("10^4Nm3", 1.0), "10^4m3": ("10^4Nm3", 1.0), "10⁴nm3": ("10^4Nm3", 1.0),
    "nm3": ("10^4Nm3", 1e-4), "m3": ("10^4Nm3", 1e-4), "立方米": ("10^4Nm3", 1e-4), "标立方米": ("10^4Nm3", 1e-4),
    "标准立方米": ("10^4Nm3", 1e-4), "千立方米": ("10^4Nm3", 0.1), "千nm3": ("10^4Nm3", 0.1),
    "亿立方米": ("10^4Nm3", 1e4), "亿m3": ("10^4Nm3", 1e4),
}

# written NCV unit -> (canonical fuel unit it refers to, multiplier to GJ per canonical unit)
NCV_UNITS: dict[str, tuple[str, float]] = {
    "gj/t": ("t", 1.0), "mj/kg": ("t", 1.0), "kj/kg": ("t", 1e-3), "kcal/kg": ("t", 4.1868e-3),
    "gj/万nm3": ("10^4Nm3", 1.0), "gj/万m3": ("10^4Nm3", 1.0), "gj/10^4nm3": ("10^4Nm3", 1.0),
    "gj/万立方米": ("10^4Nm3", 1.0), "mj/nm3": ("10^4Nm3", 10.0), "mj/m3": ("10^4Nm3", 10.0),
    "kj/nm3": ("10^4Nm3", 0.01), "kj/m3": ("10^4Nm3", 0.01), "kcal/nm3": ("10^4Nm3", 4.1868e-2),
}

CARBON_CONTENT_UNITS: dict[str, float] = {"tc/gj": 1.0, "kgc/gj": 1e-3, "10^-3tc/gj": 1e-3, "吨碳/吉焦": 1.0}


def quantity_to_canonical(value: float, unit: str | None, fuel_unit_code: str) -> float:
    """A fuel quantity in the fuel's canonical unit; a mass given for a gas (or the reverse) is an error."""
    if unit is None:
        raise CellError("消耗量未注明计量单位", "fuel quantity has no unit")
    found = QUANTITY_UNITS.get(_key(unit))
    if found is None:
        raise CellError(f"无法识别的计量单位“{unit}”", f"unknown unit {unit!r}")
    canonical, multiplier = found
    if canonical != fuel_unit_code:
        raise CellError(f"计量单位“{unit}”与燃料不符(应为{fuel_unit_code})",
                        f"unit {unit!r} does not fit this fuel (expected {fuel_unit_code})")
    return scale(value, multiplier)


def ncv_to_canonical(value: float, unit: str | None, fuel_unit_code: str) -> float:
    """NCV in GJ per canonical fuel unit; without a unit, GJ per canonical unit is assumed."""
    if unit is None:
        return value
    found = NCV_UNITS.get(_key(unit))
    if found is None:
        raise CellError(f"无法识别的低位发热量单位“{unit}”", f"unknown NCV unit {unit!r}")
    canonical, multiplier = found
    if canonical != fuel_unit_code:
        raise CellError(f"低位发热量单位“{unit}”与燃料不符", f"NCV unit {unit!r} does not fit this fuel")
    return scale(value, multiplier)


def carbon_content_to_canonical(value: float, unit: str | None) -> float:
    """Carbon content per GJ in tC/GJ (header default)."""
    if unit is None:
        return value
    multiplier = CARBON_CONTENT_UNITS.get(_key(unit))
    if multiplier is None:
        raise CellError(f"无法识别的含碳量单位“{unit}”", f"unknown carbon-content unit {unit!r}")
    return scale(value, multiplier)


def fraction_from_percent(value: float) -> float:
    """Oxidation rate written as 93, 93 % or 0.93 -> 0.93 (rates under 1 % are not physical)."""
    return value / 100.0 if value > 1.0 else value


# Generic quantities: kind -> written unit -> multiplier to the kind's canonical unit.
MASS_T = {"t": 1.0, "吨": 1.0, "t/a": 1.0, "吨/年": 1.0, "万吨": 1e4, "万t": 1e4, "kg": 1e-3, "千克": 1e-3,
          "公斤": 1e-3, "kg/a": 1e-3, "千克/年": 1e-3, "g": 1e-6, "克": 1e-6, "tco2": 1.0, "tco2e": 1.0, "吨co2": 1.0,
          "吨二氧化碳": 1.0, "吨二氧化碳当量": 1.0, "万吨co2": 1e4, "万tco2": 1e4, "万吨二氧化碳": 1e4, "万吨二氧化碳当量": 1e4,
          "万tco2e": 1e4}
UNIT_KINDS: dict[str, dict[str, float]] = {
    "mass_t": MASS_T,
    "electricity_mwh": {"mwh": 1.0, "兆瓦时": 1.0, "kwh": 1e-3, "千瓦时": 1e-3, "度": 1e-3, "万千瓦时": 10.0, "万kwh": 10.0,
                        "gwh": 1e3, "亿千瓦时": 1e5},
    "heat_gj": {"gj": 1.0, "吉焦": 1.0, "mj": 1e-3, "兆焦": 1e-3, "tj": 1e3, "百万千焦": 1.0, "万gj": 1e4, "万吉焦": 1e4},
    "energy_tce": {"tce": 1.0, "吨标煤": 1.0, "吨标准煤": 1.0, "万吨标煤": 1e4, "万吨标准煤": 1e4, "万tce": 1e4,
                   "kgce": 1e-3, "千克标准煤": 1e-3},
    "concentration_mg_nm3": {"mg/nm3": 1.0, "mg/m3": 1.0, "毫克/立方米": 1.0, "毫克/标立方米": 1.0, "g/nm3": 1e3},
    "rate_kg_h": {"kg/h": 1.0, "千克/小时": 1.0, "t/h": 1e3, "g/h": 1e-3},
    "percent": {"%": 1.0, "％": 1.0},
    "hours_h": {"h": 1.0, "小时": 1.0, "时": 1.0},
    "steam_t_h": {"t/h": 1.0, "蒸吨/小时": 1.0, "蒸吨": 1.0, "吨/小时": 1.0},
}
CANONICAL_UNIT = {"mass_t": "t", "electricity_mwh": "MWh", "heat_gj": "GJ", "energy_tce": "tce",
                  "concentration_mg_nm3": "mg/Nm3", "rate_kg_h": "kg/h", "percent": "%", "hours_h": "h", "steam_t_h": "t/h"}
_UNIT_IN_REMARK = re.compile(r"单位\s*[:：]\s*(?P<unit>[^\s,，;；)]+)")


def to_canonical(value: float, unit: str | None, kind: str, default_unit: bool = True) -> float:
    """A value in the canonical unit of `kind`; without a unit the canonical unit is assumed when allowed."""
    if unit is None:
        if default_unit:
            return value
        raise CellError("未注明计量单位", "no unit given")
    multiplier = UNIT_KINDS[kind].get(_key(unit))
    if multiplier is None:
        raise CellError(f"计量单位“{unit}”不适用(应为{CANONICAL_UNIT[kind]}等)",
                        f"unit {unit!r} does not fit (expected {CANONICAL_UNIT[kind]} or equivalent)")
    return scale(value, multiplier)


def unit_in_remark(remark: str | None) -> str | None:
    """`单位:千克` in a remark cell -> `千克` (execution reports put row units there)."""
    if not remark:
        return None
    match = _UNIT_IN_REMARK.search(remark)
    return match.group("unit") if match else None
