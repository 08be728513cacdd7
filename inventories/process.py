"""Process CO2: cement clinker, lime and a steel carbon balance, or the process lines as reported.

Stoichiometry uses the integer molar masses the accounting guidelines use for carbon (44/12), extended
to CaO (56) and MgO (40): a convention, not an emission factor. Where a report gives no composition, the
enterprise's own process line is taken as reported (activity x its factor, or its stated CO2).
"""

from __future__ import annotations

import polars as pl

CO2_PER_C = 44.0 / 12.0
CO2_PER_CAO = 44.0 / 56.0
CO2_PER_MGO = 44.0 / 40.0


def clinker_co2_t(clinker_t: float, cao_pct: float, mgo_pct: float, cao_noncarbonate_pct: float = 0.0,
                  mgo_noncarbonate_pct: float = 0.0) -> float:
    """Calcination CO2 of clinker from its CaO and MgO content, less what came from non-carbonate sources."""
    return clinker_t * ((cao_pct - cao_noncarbonate_pct) / 100 * CO2_PER_CAO
                        + (mgo_pct - mgo_noncarbonate_pct) / 100 * CO2_PER_MGO)


def lime_co2_t(lime_t: float, cao_pct: float, mgo_pct: float) -> float:
    """Calcination CO2 of quicklime or dolomitic lime from its CaO and MgO content."""
    return lime_t * (cao_pct / 100 * CO2_PER_CAO + mgo_pct / 100 * CO2_PER_MGO)


def carbon_balance_co2_t(inputs: list[tuple[float, float]], outputs: list[tuple[float, float]]) -> float:
    """Steel-works carbon balance: (carbon in - carbon out) x 44/12, each item (mass t, carbon %)."""
    carbon_in = sum(mass * pct / 100 for mass, pct in inputs)
    carbon_out = sum(mass * pct / 100 for mass, pct in outputs)
    return (carbon_in - carbon_out) * CO2_PER_C


def process_lines_as_reported(lines: pl.DataFrame) -> pl.DataFrame:
    """line_key, co2_mass_t, parameter_source from core_ghg__process_lines rows.

    The stated CO2 wins; otherwise activity x the reported factor when that factor is in tCO2 per tonne.
    """
    per_tonne = pl.col("reported_factor_unit").str.replace_all(" ", "").is_in(["tCO2/t", "tCO2/吨"])
    recomputed = pl.when(per_tonne).then(pl.col("activity_quantity") * pl.col("reported_factor"))
    return lines.select(
        "line_key",
        pl.coalesce("reported_co2_mass_t", recomputed).alias("co2_mass_t"),
        pl.when(pl.col("reported_co2_mass_t").is_not_null()).then(pl.lit("reported"))
        .when(per_tonne).then(pl.lit("measured")).alias("parameter_source"),
    )
