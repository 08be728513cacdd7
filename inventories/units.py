"""Units a factor set or an activity may be written in, and their canonical unit.

A user's factor set (a foreign one in kg CO2 per mmBtu, a grid factor in kg/kWh) must give the same
tonnes as the house set, so every value is converted once, on load, to the canonical unit the methods
use. Only definitions of units appear here (1 mmBtu = 1.055056 GJ, 1 short ton = 0.90718474 t), never an
emission factor.
"""

from __future__ import annotations

import polars as pl

GJ_PER_MMBTU = 1.055056  # international-table Btu: 1 Btu = 1,055.056 J
T_PER_SHORT_TON = 0.90718474
T_PER_LB = 0.45359237e-3

# unit as written -> (canonical unit, multiplier to the canonical unit)
UNITS: dict[str, tuple[str, float]] = {
    # net calorific value, per fuel unit
    "GJ/t": ("GJ/t", 1.0), "MJ/kg": ("GJ/t", 1.0), "kJ/kg": ("GJ/t", 1e-3),
    "GJ/10^4Nm3": ("GJ/10^4Nm3", 1.0), "MJ/Nm3": ("GJ/10^4Nm3", 10.0), "kJ/Nm3": ("GJ/10^4Nm3", 1e-2),
    # carbon content per unit heat
    "tC/GJ": ("tC/GJ", 1.0), "kgC/GJ": ("tC/GJ", 1e-3), "tC/TJ": ("tC/GJ", 1e-3),
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
# activity units (heat input, mass) -> canonical
HEAT_UNITS: dict[str, float] = {"GJ": 1.0, "MJ": 1e-3, "TJ": 1e3, "mmBtu": GJ_PER_MMBTU, "MMBtu": GJ_PER_MMBTU,
                                "MWh": 3.6}
MASS_UNITS: dict[str, float] = {"t": 1.0, "kg": 1e-3, "short ton": T_PER_SHORT_TON, "lb": T_PER_LB}


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


def mass_t(value: pl.Expr, unit: str) -> pl.Expr:
    """Mass in tonnes from a column written in `unit`."""
    return value * MASS_UNITS[unit]
