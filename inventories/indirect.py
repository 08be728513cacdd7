"""Indirect CO2 of purchased electricity and heat, kept apart from direct emissions (methods-factors.md §2).

    E_elec = MWh x grid factor (tCO2/MWh)      E_heat = GJ x heat factor (tCO2/GJ)

The grid factor depends on purpose: the MEE/NBS provincial value of the data year for a provincial
inventory (guideline `mee_nbs`, the default), or the value the carbon-market notice prescribes for
market reporting (guideline `carbon_market`). The province's own value is taken before the national one.
Energy in tce uses the GB/T 2589 当量值 coefficients (electricity 0.1229 tce/MWh, heat 0.03412 tce/GJ).
"""

from __future__ import annotations

import polars as pl

from inventories.factor_library import FactorSet, select_factors

GRID_PURPOSES = ("mee_nbs", "carbon_market")
FLOWS = {"purchased_electricity": ("indirect_electricity", "electricity_mwh", "grid_co2_ef", "electricity"),
         "purchased_heat": ("indirect_heat", "heat_gj", "heat_co2_ef", "heat")}


def indirect_co2(flows: pl.DataFrame, factor_set: FactorSet, grid_purpose: str) -> pl.DataFrame:
    """line_key, scope, co2_mass_t, energy_tce, factor_ids, has_recalled_factor per purchased flow.

    `flows` needs line_key, year, region_code (GB/T 2260), energy_flow, electricity_mwh, heat_gj; other
    flows (exported electricity) are ignored here.
    """
    if grid_purpose not in GRID_PURPOSES:
        raise ValueError(f"电网因子用途须为 {GRID_PURPOSES} / grid_purpose must be one of {GRID_PURPOSES}: {grid_purpose!r}")
    frames = []
    for flow, (scope, quantity, parameter, fuel) in FLOWS.items():
        rows = flows.filter(pl.col("energy_flow") == flow)
        requests = rows.select(pl.col("line_key").alias("request_key"), "year", pl.lit(fuel).alias("fuel_code"),
                               (pl.col("region_code").str.slice(0, 2) + "0000").alias("region_code"),
                               pl.lit(grid_purpose if flow == "purchased_electricity" else None, pl.String)
                               .alias("guideline"))
        ef = select_factors(requests, factor_set.factors, parameter).rename(
            {"value": "_ef", "factor_id": "_ef_id", "status": "_ef_status"})
        tce = select_factors(requests.drop("guideline"), factor_set.factors, "tce_per_unit").rename(
            {"value": "_tce", "factor_id": "_tce_id", "status": "_tce_status"})
        joined = rows.join(ef.drop("unit_canonical"), left_on="line_key", right_on="request_key", how="left").join(
            tce.drop("unit_canonical"), left_on="line_key", right_on="request_key", how="left")
        frames.append(joined.select(
            "line_key",
            pl.lit(scope).alias("scope"),
            (pl.col(quantity) * pl.col("_ef")).alias("co2_mass_t"),
            (pl.col(quantity) * pl.col("_tce")).alias("energy_tce"),
            pl.concat_list("_ef_id", "_tce_id").list.drop_nulls().list.join(";").alias("factor_ids"),
            pl.concat_list("_ef_status", "_tce_status").list.contains("recalled").alias("has_recalled_factor"),
        ))
    return pl.concat(frames)
