"""Enterprise totals of the statistics form 基101/G101 as candidates (issue 24 §2).

An enterprise known from 基101/G101 alone (no G103 boiler or kiln rows, no GHG report) must still reach the
inventory and the register. The form gives enterprise-level fuel use and pollutant totals:
- fuels: 燃料煤 (else 煤炭消耗量 when 其中燃料煤 is blank), 燃料油, 天然气 -> CO2 and energy with the factor set.
  The form does not name the coal rank, so coal is `raw_coal`: GB/T 2589 NCV and the team's judgement
  carbon content and oxidation rate (factor rows JDG-raw_coal-*, status judgement; methods docs);
- pollutants: SO2, NOx and PM 排放量 as reported (method reported, source envstat).

The candidates sit on `<USCC>-E` (or the site, when the match places the form on one) and are spread over the
enterprise's sites like enterprise-level GHG figures. They rank below G103 site data of the same enterprise,
year and species (selection `covered_by_g103`), so a fuel is never counted from both forms.
"""

from __future__ import annotations

import polars as pl

from inventories.candidates import Sources, calculated_lines, line_defaults, place, summarise
from inventories.factor_library import FactorSet

TABLE = "core_envstat__enterprise"
FUEL_COLUMNS = {  # fuel_code -> quantity column(s) of the form, first non-null wins
    "raw_coal": ("fuel_coal_consumed_t", "coal_consumed_t"),
    "fuel_oil": ("fuel_oil_consumed_t",),
    "natural_gas": ("natural_gas_10k_nm3",),
}
FUEL_UNITS = {"raw_coal": "t", "fuel_oil": "t", "natural_gas": "10^4Nm3"}
POLLUTANT_COLUMNS = {"SO2": "so2_mass_t", "NOx": "nox_mass_t", "PM": "pm_mass_t"}


def enterprise_rows(sources: Sources) -> pl.DataFrame:
    """The 基101/G101 rows that count, placed on their enterprise (or site)."""
    return place(sources.envstat_enterprise, TABLE, sources).with_columns(pl.lit(TABLE).alias("source_table"))


def fuel_lines(rows: pl.DataFrame) -> pl.DataFrame:
    """One fuel line per form row and reported fuel (a blank fuel is not a line; a reported 0 is)."""
    parts = []
    for fuel_code, columns in FUEL_COLUMNS.items():
        present = [c for c in columns if c in rows.columns]
        quantity = pl.coalesce(*present) if present else pl.lit(None, pl.Float64)
        parts.append(rows.select(
            pl.format("{}/{}", "line_key", pl.lit(fuel_code)).alias("line_key"), "facility_id", "uscc", "year",
            "industry_code", "region_code", "source_table", pl.lit(fuel_code).alias("fuel_code"),
            pl.lit(FUEL_UNITS[fuel_code]).alias("fuel_unit_code"), quantity.alias("fuel_consumed_units"),
        ).filter(pl.col("fuel_consumed_units").is_not_null()))
    return pl.concat(parts)


def statistics_total_candidates(sources: Sources, factor_set: FactorSet, fuels: pl.DataFrame,
                                power_codes: set[str]) -> pl.DataFrame:
    """Calculated CO2 (with energy) and reported SO2/NOx/PM per enterprise (or site) and year from 基101/G101."""
    rows = enterprise_rows(sources)
    candidates = []
    lines = fuel_lines(rows)
    if lines.height:
        results = calculated_lines(lines, "envstat", factor_set, fuels, power_codes, with_pollutants=False)
        candidates.append(summarise(line_defaults(results)))
    reported = pl.concat([rows.select("line_key", "facility_id", "uscc", "year", "source_table",
                                      pl.lit(species).alias("species"), pl.col(column).alias("mass_t"))
                          for species, column in POLLUTANT_COLUMNS.items()]).filter(pl.col("mass_t").is_not_null())
    if reported.height:
        candidates.append(summarise(line_defaults(reported.with_columns(
            pl.lit("reported").alias("method"), pl.lit("combustion").alias("scope"),
            pl.lit("envstat").alias("source_system"), pl.lit("measured").alias("parameter_source"),
            pl.lit("").alias("factor_ids"), pl.lit(False).alias("has_recalled_factor")))))
    return pl.concat(candidates, how="vertical_relaxed") if candidates else pl.DataFrame()
