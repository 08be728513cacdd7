"""Power units' monthly 存证 as GHG candidates (issue 24 §3; the unmeasured-month rule of issue 30).

A power plant that files only the monthly records must still get its CO2. Per unit and month:
    E = FC x C_ar/100 x OF x 44/12                 (the month's measured elemental carbon)
A month without measured carbon takes, per unit and year (MEE's June 2022 adjustment notice, methods-factors §10):
- with 3 or more measured months: the mean of the measured months' elemental carbon (arithmetic mean of the
  monthly results, counted as a default: the value is a rule's, not the month's own test);
- with fewer: the power guideline's unmeasured-coal default per GJ x the month's NCV (factor set, sector power).
A month with neither carbon nor NCV stays uncomputed and names what it lacks, so the year is a lower bound.
Months are summed to the enterprise and year; the candidate (source ghg, method reported, table
core_ghg__power_monthly) ranks below the annual report's fuel lines, which a cross-check compares it with.
"""

from __future__ import annotations

import polars as pl

from inventories.candidates import Sources, calculated_lines, line_defaults, place, summarise
from inventories.factor_library import FactorSet

TABLE = "core_ghg__power_monthly"
MIN_MEASURED_MONTHS = 3
# The monthly records are the power guideline's (企业温室气体排放核算与报告指南 发电设施), so their lines are accounted
# in the power sector whatever the enterprise's own industry: as 4411 火力发电 (GB/T 4754-2017), a power code of
# inventories/rules/sector_scope.csv. The code only selects the factor set's power rows (combustion.line_sector).
POWER_GUIDELINE_INDUSTRY = "4411"


def monthly_lines(sources: Sources) -> pl.DataFrame:
    """Placed monthly rows with the unit-year rule applied to unmeasured months (carbon_basis says which)."""
    rows = place(sources.ghg_power_monthly, TABLE, sources).filter(pl.col("fuel_consumed_units").is_not_null())
    unit_year = ["uscc", "unit_id", "year", "fuel_code"]
    measured = pl.col("carbon_mass_fraction_pct").is_not_null()
    rows = rows.with_columns(
        measured.sum().over(unit_year).alias("_measured_months"),
        pl.col("carbon_mass_fraction_pct").mean().over(unit_year).alias("_measured_mean"),
    )
    use_mean = ~measured & (pl.col("_measured_months") >= MIN_MEASURED_MONTHS)
    return rows.with_columns(
        pl.when(use_mean).then(pl.col("_measured_mean")).otherwise(pl.col("carbon_mass_fraction_pct"))
        .alias("carbon_mass_fraction_pct"),
        pl.when(use_mean).then(pl.lit("default")).when(measured).then(pl.lit("measured")).alias("carbon_basis"),
        pl.lit(TABLE).alias("source_table"),
    ).drop("_measured_months", "_measured_mean")


def power_monthly_candidates(sources: Sources, factor_set: FactorSet, fuels: pl.DataFrame,
                             power_codes: set[str]) -> pl.DataFrame:
    """Combustion CO2 and energy per enterprise (or site) and year from the monthly records."""
    lines = monthly_lines(sources)
    if not lines.height:
        return pl.DataFrame()
    if POWER_GUIDELINE_INDUSTRY not in power_codes:
        raise ValueError(f"{POWER_GUIDELINE_INDUSTRY}不是inventories/rules/sector_scope.csv中的发电行业代码 / "
                         f"{POWER_GUIDELINE_INDUSTRY} is not a power-sector code in inventories/rules/sector_scope.csv")
    results = calculated_lines(lines.with_columns(pl.lit(POWER_GUIDELINE_INDUSTRY).alias("industry_code")), "ghg",
                               factor_set, fuels, power_codes, with_pollutants=False)
    return summarise(line_defaults(results.with_columns(pl.lit("reported").alias("method"))))
