"""Units: every spelling a factor set or an export may use, and the canonical unit the methods use (one registry).

A user's factor set (a foreign one in kg CO2 per mmBtu, a grid factor in kg/kWh) and a Chinese export (万吨, 万立方米,
kcal/kg, `单位:千克` in a remark) must give the same tonnes as the house set, so every value is converted once, on
load, to its canonical unit: fuel mass t, gas volume 10^4 Nm3, NCV GJ per fuel unit, carbon content tC/GJ. Only
definitions of units appear here (1 mmBtu = 1.055056 GJ, 1 万吨 = 10^4 t), never an emission factor; the tables are
data, so adding a spelling is a one-line change.

A factor set's unit is matched as written (`UNITS`); a unit in an export is matched case-, space- and bracket-width-
insensitively (`_key`). A unit that cannot be used raises `UnitError` with the reason in Chinese and English (the
readers turn it into the row's quarantine reason).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

import polars as pl

GJ_PER_MMBTU = 1.055056  # international-table Btu: 1 Btu = 1,055.056 J
T_PER_SHORT_TON = 0.90718474
T_PER_LB = 0.45359237e-3


class UnitError(ValueError):
    """A unit the methods cannot use, or a conversion beyond float range; the reason in Chinese and English.

    Not the readers' CellError: the methodology layer does not import pipelines (pipelines/read/rows.py converts it).
    """

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


def _key(unit: str) -> str:
    """An export's unit as looked up: no spaces, ³ as 3, ASCII brackets, lower case (万Nm3 = 万nm3 = 万 Nm³)."""
    return unit.strip().replace(" ", "").replace("³", "3").replace("（", "(").replace("）", ")").lower()


def _keyed(spellings: dict[str, float]) -> dict[str, float]:
    return {_key(unit): multiplier for unit, multiplier in spellings.items()}


# --- spellings both a factor set and an export use (written as a factor set writes them) ------------------------------
_NCV_PER_T = {"GJ/t": 1.0, "MJ/kg": 1.0, "kJ/kg": 1e-3}  # -> GJ/t
_NCV_PER_10K_NM3 = {"GJ/10^4Nm3": 1.0, "MJ/Nm3": 10.0, "kJ/Nm3": 1e-2}  # -> GJ/10^4Nm3
_CARBON_PER_GJ = {"tC/GJ": 1.0, "kgC/GJ": 1e-3}  # -> tC/GJ
_HEAT = {"GJ": 1.0, "MJ": 1e-3, "TJ": 1e3}  # -> GJ
_TONNES = {"t": 1.0, "吨": 1.0, "万吨": 1e4, "万t": 1e4, "kg": 1e-3, "千克": 1e-3, "公斤": 1e-3}  # -> t

# --- factor sets: unit as written -> (canonical unit, multiplier to the canonical unit) -------------------------------
UNITS: dict[str, tuple[str, float]] = {
    # net calorific value, per fuel unit
    **{unit: ("GJ/t", m) for unit, m in _NCV_PER_T.items()},
    **{unit: ("GJ/10^4Nm3", m) for unit, m in _NCV_PER_10K_NM3.items()},
    # carbon content per unit heat
    **{unit: ("tC/GJ", m) for unit, m in _CARBON_PER_GJ.items()}, "tC/TJ": ("tC/GJ", 1e-3),
    # fractions
    "fraction": ("fraction", 1.0), "%": ("fraction", 0.01),
    # CO2 per unit heat
    "tCO2/GJ": ("tCO2/GJ", 1.0), "kgCO2/GJ": ("tCO2/GJ", 1e-3), "tCO2/TJ": ("tCO2/GJ", 1e-3),
    "tCO2/mmBtu": ("tCO2/GJ", 1.0 / GJ_PER_MMBTU), "kgCO2/mmBtu": ("tCO2/GJ", 1e-3 / GJ_PER_MMBTU),
    "ton CO2/mmBtu": ("tCO2/GJ", T_PER_SHORT_TON / GJ_PER_MMBTU), "lbCO2/mmBtu": ("tCO2/GJ", T_PER_LB / GJ_PER_MMBTU),
    # CO2 per unit electricity
    "tCO2/MWh": ("tCO2/MWh", 1.0), "kgCO2/kWh": ("tCO2/MWh", 1.0), "gCO2/kWh": ("tCO2/MWh", 1e-3),
    "lbCO2/MWh": ("tCO2/MWh", T_PER_LB),
    # standard coal
    "GJ/tce": ("GJ/tce", 1.0),
    "tce/t": ("tce/t", 1.0), "kgce/kg": ("tce/t", 1.0),
    "tce/10^4Nm3": ("tce/10^4Nm3", 1.0), "kgce/m3": ("tce/10^4Nm3", 10.0),
    "tce/MWh": ("tce/MWh", 1.0), "kgce/kWh": ("tce/MWh", 1.0),
    "tce/GJ": ("tce/GJ", 1.0), "kgce/MJ": ("tce/GJ", 1.0),
    # global warming potentials
    "tCO2e/t": ("tCO2e/t", 1.0),
    # pollutant generation per fuel unit
    "kg/t": ("kg/t", 1.0), "g/kg": ("kg/t", 1.0),
    "kg/10^4Nm3": ("kg/10^4Nm3", 1.0), "g/m3": ("kg/10^4Nm3", 10.0), "g/Nm3": ("kg/10^4Nm3", 10.0),
}
# activity heat input of a foreign data set (eGRID's mmBtu) -> GJ
HEAT_UNITS: dict[str, float] = {**_HEAT, "mmBtu": GJ_PER_MMBTU, "MMBtu": GJ_PER_MMBTU, "MWh": 3.6}

# --- exports, keyed by `_key` ------------------------------------------------------------------------------------------
# fuel quantity: written unit -> (canonical fuel unit, multiplier to it)
QUANTITY_UNITS: dict[str, tuple[str, float]] = {
    **{unit: ("t", m) for unit, m in _keyed(_TONNES).items()},
    "万nm3": ("10^4Nm3", 1.0), "万m3": ("10^4Nm3", 1.0), "万立方米": ("10^4Nm3", 1.0), "万标立方米": ("10^4Nm3", 1.0),
    "万标准立方米": ("10^4Nm3", 1.0), "10^4nm3": ("10^4Nm3", 1.0), "10^4m3": ("10^4Nm3", 1.0), "10⁴nm3": ("10^4Nm3", 1.0),
    "nm3": ("10^4Nm3", 1e-4), "m3": ("10^4Nm3", 1e-4), "立方米": ("10^4Nm3", 1e-4), "标立方米": ("10^4Nm3", 1e-4),
    "标准立方米": ("10^4Nm3", 1e-4), "千立方米": ("10^4Nm3", 0.1), "千nm3": ("10^4Nm3", 0.1),
    "亿立方米": ("10^4Nm3", 1e4), "亿m3": ("10^4Nm3", 1e4),
}
# NCV: written unit -> (canonical fuel unit it refers to, multiplier to GJ per canonical unit); 1 kcal = 4.1868 kJ
NCV_UNITS: dict[str, tuple[str, float]] = {
    **{unit: ("t", m) for unit, m in _keyed(_NCV_PER_T).items()}, "kcal/kg": ("t", 4.1868e-3),
    **{unit: ("10^4Nm3", m) for unit, m in _keyed(_NCV_PER_10K_NM3).items()},
    "gj/万nm3": ("10^4Nm3", 1.0), "gj/万m3": ("10^4Nm3", 1.0), "gj/万立方米": ("10^4Nm3", 1.0),
    "mj/m3": ("10^4Nm3", 10.0), "kj/m3": ("10^4Nm3", 0.01), "kcal/nm3": ("10^4Nm3", 4.1868e-2),
}
CARBON_CONTENT_UNITS: dict[str, float] = {**_keyed(_CARBON_PER_GJ), "10^-3tc/gj": 1e-3, "吨碳/吉焦": 1.0}

# generic quantities: kind -> written unit -> multiplier to the kind's canonical unit
MASS_T = {**_keyed(_TONNES), "t/a": 1.0, "吨/年": 1.0, "kg/a": 1e-3, "千克/年": 1e-3, "g": 1e-6, "克": 1e-6,
          "tco2": 1.0, "tco2e": 1.0, "吨co2": 1.0, "吨二氧化碳": 1.0, "吨二氧化碳当量": 1.0, "万吨co2": 1e4, "万tco2": 1e4,
          "万吨二氧化碳": 1e4, "万吨二氧化碳当量": 1e4, "万tco2e": 1e4}
UNIT_KINDS: dict[str, dict[str, float]] = {
    "mass_t": MASS_T,
    "electricity_mwh": {"mwh": 1.0, "兆瓦时": 1.0, "kwh": 1e-3, "千瓦时": 1e-3, "度": 1e-3, "万千瓦时": 10.0, "万kwh": 10.0,
                        "gwh": 1e3, "亿千瓦时": 1e5},
    "heat_gj": {**_keyed(_HEAT), "吉焦": 1.0, "兆焦": 1e-3, "百万千焦": 1.0, "万gj": 1e4, "万吉焦": 1e4},
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


# --- factor sets -------------------------------------------------------------------------------------------------------
def canonical(unit: str) -> tuple[str, float]:
    """(canonical unit, multiplier) of a unit as written; KeyError for a unit the methods cannot use."""
    return UNITS[unit.strip()]


def canonical_columns(frame: pl.DataFrame, value: str = "value", unit: str = "unit") -> pl.DataFrame:
    """Adds `value_canonical` and `unit_canonical` (null where the unit is unknown)."""
    table = pl.DataFrame({"_unit": list(UNITS), "unit_canonical": [u for u, _ in UNITS.values()],
                          "_multiplier": [m for _, m in UNITS.values()]})
    return (frame.with_columns(pl.col(unit).str.strip_chars().alias("_unit"))
            .join(table, on="_unit", how="left")
            .with_columns((pl.col(value) * pl.col("_multiplier")).alias("value_canonical"))
            .drop("_unit", "_multiplier"))


def heat_gj(value: pl.Expr, unit: str) -> pl.Expr:
    """Heat input in GJ from a column written in `unit`."""
    return value * HEAT_UNITS[unit]


# --- exports -----------------------------------------------------------------------------------------------------------
def scale(value: float, multiplier: float) -> float:
    """value x multiplier in decimal arithmetic, so 0.123456 万吨 becomes exactly the float of 1234.56 t."""
    if multiplier == 1.0:
        return value
    result = float(Decimal(repr(value)) * Decimal(repr(multiplier)))
    if not math.isfinite(result):  # 1e308 万吨 is 1e312 t: beyond float range
        raise UnitError(f"数值{value:g}乘以单位换算系数{multiplier:g}后超出可表示范围(溢出)",
                        f"{value:g} times the unit multiplier {multiplier:g} is too large to represent (overflow)")
    return result


def quantity_to_canonical(value: float, unit: str | None, fuel_unit_code: str) -> float:
    """A fuel quantity in the fuel's canonical unit; a mass given for a gas (or the reverse) is an error."""
    if unit is None:
        raise UnitError("消耗量未注明计量单位", "fuel quantity has no unit")
    found = QUANTITY_UNITS.get(_key(unit))
    if found is None:
        raise UnitError(f"无法识别的计量单位“{unit}”", f"unknown unit {unit!r}")
    canonical_unit, multiplier = found
    if canonical_unit != fuel_unit_code:
        raise UnitError(f"计量单位“{unit}”与燃料不符(应为{fuel_unit_code})",
                        f"unit {unit!r} does not fit this fuel (expected {fuel_unit_code})")
    return scale(value, multiplier)


def ncv_to_canonical(value: float, unit: str | None, fuel_unit_code: str) -> float:
    """NCV in GJ per canonical fuel unit; without a unit, GJ per canonical unit is assumed."""
    if unit is None:
        return value
    found = NCV_UNITS.get(_key(unit))
    if found is None:
        raise UnitError(f"无法识别的低位发热量单位“{unit}”", f"unknown NCV unit {unit!r}")
    canonical_unit, multiplier = found
    if canonical_unit != fuel_unit_code:
        raise UnitError(f"低位发热量单位“{unit}”与燃料不符", f"NCV unit {unit!r} does not fit this fuel")
    return scale(value, multiplier)


def carbon_content_to_canonical(value: float, unit: str | None) -> float:
    """Carbon content per GJ in tC/GJ (header default)."""
    if unit is None:
        return value
    multiplier = CARBON_CONTENT_UNITS.get(_key(unit))
    if multiplier is None:
        raise UnitError(f"无法识别的含碳量单位“{unit}”", f"unknown carbon-content unit {unit!r}")
    return scale(value, multiplier)


def fraction_from_percent(value: float) -> float:
    """Oxidation rate written as 93, 93 % or 0.93 -> 0.93 (rates under 1 % are not physical)."""
    return value / 100.0 if value > 1.0 else value


def to_canonical(value: float, unit: str | None, kind: str, default_unit: bool = True) -> float:
    """A value in the canonical unit of `kind`; without a unit the canonical unit is assumed when allowed."""
    if unit is None:
        if default_unit:
            return value
        raise UnitError("未注明计量单位", "no unit given")
    multiplier = UNIT_KINDS[kind].get(_key(unit))
    if multiplier is None:
        raise UnitError(f"计量单位“{unit}”不适用(应为{CANONICAL_UNIT[kind]}等)",
                        f"unit {unit!r} does not fit (expected {CANONICAL_UNIT[kind]} or equivalent)")
    return scale(value, multiplier)


def unit_in_remark(remark: str | None) -> str | None:
    """`单位:千克` in a remark cell -> `千克` (execution reports put row units there)."""
    if not remark:
        return None
    match = _UNIT_IN_REMARK.search(remark)
    return match.group("unit") if match else None
