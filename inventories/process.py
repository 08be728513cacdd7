"""Process CO2: the enterprise's own process lines as reported (activity x its factor, or its stated CO2).

The GHG report's process table gives a process, a material, an activity and a factor or a stated CO2, never the
composition (CaO/MgO of clinker or lime, carbon of a steel works' inputs and outputs) a stoichiometric method would
need, so the line is taken as the enterprise reported it.
"""

from __future__ import annotations

import polars as pl


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
