"""Fossil-fuel combustion CO2 per fuel line (methods-factors.md §1.1).

    E = FC x NCV x CC x OF x 44/12                (CC per GJ; measured where reported, else default)
    E = FC x C_ar/100 x OF x 44/12                (measured elemental carbon, power guideline)

Measured parameters win over defaults, parameter by parameter. Defaults come from the factor set in
force on 31 December of the data year, sector-specific rows (e.g. power) before general ones and an
exact fuel before its fuel group. A line with neither a measured carbon value nor an applicable
default is kept with co2_mass_t null and counted, never silently dropped.
"""

from __future__ import annotations

import polars as pl

from inventories.factor_library import FactorSet

CO2_PER_C = 44.0 / 12.0
PARAMETERS = ("ncv", "carbon_content", "oxidation")


def resolve_defaults(lines: pl.DataFrame, factors: pl.DataFrame, power_codes: set[str]) -> pl.DataFrame:
    """Pick, per line and parameter, the default factor that applies: value, id and status columns.

    `lines` needs line_key, fuel_code, fuel_group, industry_code, year.
    Adds default_<p>, default_<p>_id, default_<p>_status for p in PARAMETERS (null where none applies).
    """
    keys = lines.select(
        "line_key",
        "fuel_code",
        "fuel_group",
        pl.when(pl.col("industry_code").is_in(list(power_codes))).then(pl.lit("power")).otherwise(pl.lit("all"))
        .alias("line_sector"),
        pl.date(pl.col("year"), 12, 31).alias("ref_date"),
    )
    candidates = factors.filter(pl.col("parameter").is_in(PARAMETERS)).select(
        "parameter", pl.col("fuel_code").alias("factor_fuel"), "sector", "value", "factor_id", "status",
        "valid_from", "valid_to",
    )
    exact = keys.join(candidates, left_on="fuel_code", right_on="factor_fuel").with_columns(
        pl.lit(0).alias("fuel_rank"))
    group = keys.join(candidates, left_on="fuel_group", right_on="factor_fuel").with_columns(
        pl.lit(1).alias("fuel_rank"))
    chosen = (
        pl.concat([exact, group])
        .filter(
            ((pl.col("sector") == pl.col("line_sector")) | (pl.col("sector") == "all"))
            & (pl.col("valid_from").is_null() | (pl.col("valid_from") <= pl.col("ref_date")))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("ref_date")))
        )
        .with_columns((pl.col("sector") == "all").cast(pl.Int32).alias("sector_rank"))
        .sort(["line_key", "parameter", "sector_rank", "fuel_rank", "factor_id"])
        .unique(["line_key", "parameter"], keep="first", maintain_order=True)
    )
    out = lines
    for parameter in PARAMETERS:
        picked = chosen.filter(pl.col("parameter") == parameter).select(
            "line_key",
            pl.col("value").alias(f"default_{parameter}"),
            pl.col("factor_id").alias(f"default_{parameter}_id"),
            pl.col("status").alias(f"default_{parameter}_status"),
        )
        out = out.join(picked, on="line_key", how="left")
    return out


def _measured_or_default(measured: str, parameter: str) -> list[pl.Expr]:
    """Value, source and (when a default was used) factor id and status for one parameter."""
    is_measured = pl.col(measured).is_not_null()
    return [
        pl.coalesce(measured, f"default_{parameter}").alias(f"_{parameter}"),
        pl.when(is_measured).then(pl.lit("measured"))
        .when(pl.col(f"default_{parameter}").is_not_null()).then(pl.lit("default")).alias(f"_{parameter}_source"),
        pl.when(is_measured).then(None).otherwise(pl.col(f"default_{parameter}_id")).alias(f"_{parameter}_id"),
        pl.when(is_measured).then(None).otherwise(pl.col(f"default_{parameter}_status")).alias(f"_{parameter}_status"),
    ]


def fuel_line_co2(lines: pl.DataFrame, factor_set: FactorSet, fuels: pl.DataFrame, power_codes: set[str],
                  gj_per_tce: float) -> pl.DataFrame:
    """CO2, heat input and energy per fuel line, with the parameters used and their provenance.

    `lines` has the columns of core_ghg__fuel_lines. Returns the columns of
    core_inventory__ghg_fuel_line_co2 (see schemas.tables).
    """
    keyed = lines.with_columns(
        pl.format("{}:{}:{}", "source_file", pl.col("sheet_name").fill_null(""), "row_number").alias("line_key")
    ).join(fuels.select("fuel_code", "fuel_group"), on="fuel_code", how="left")
    resolved = resolve_defaults(keyed, factor_set.factors, power_codes)

    with_params = resolved.with_columns(
        *_measured_or_default("ncv_gj_per_unit", "ncv"),
        *_measured_or_default("oxidation_fraction", "oxidation"),
        *_measured_or_default("carbon_content_tc_per_gj", "carbon_content"),
    )
    has_elemental = pl.col("carbon_mass_fraction_pct").is_not_null()
    carbon_t = (
        pl.when(has_elemental)
        .then(pl.col("fuel_consumed_units") * pl.col("carbon_mass_fraction_pct") / 100.0)
        .otherwise(pl.col("fuel_consumed_units") * pl.col("_ncv") * pl.col("_carbon_content"))
    )
    # With measured elemental carbon the per-GJ carbon default plays no part: drop its provenance.
    carbon_source = pl.when(has_elemental).then(pl.lit("measured")).otherwise(pl.col("_carbon_content_source"))
    carbon_id = pl.when(has_elemental).then(None).otherwise(pl.col("_carbon_content_id"))
    carbon_status = pl.when(has_elemental).then(None).otherwise(pl.col("_carbon_content_status"))
    computed = with_params.with_columns(
        (carbon_t * pl.col("_oxidation") * CO2_PER_C).alias("co2_mass_t"),
        (pl.col("fuel_consumed_units") * pl.col("_ncv")).alias("heat_input_gj"),
        carbon_source.alias("carbon_source"),
        pl.when(has_elemental).then(None).otherwise(pl.col("_carbon_content")).alias("_cc_used"),
        pl.concat_list(pl.col("_ncv_id"), carbon_id, pl.col("_oxidation_id")).list.drop_nulls().alias("_ids"),
        pl.concat_list(pl.col("_ncv_status"), carbon_status, pl.col("_oxidation_status")).list.drop_nulls()
        .alias("_statuses"),
    )
    sources = pl.concat_list("_ncv_source", "carbon_source", "_oxidation_source")
    return computed.select(
        "uscc",
        "year",
        "fuel_code",
        "fuel_unit_code",
        "fuel_consumed_units",
        pl.col("_ncv").alias("ncv_gj_per_unit"),
        pl.col("_ncv_source").alias("ncv_source"),
        pl.col("_cc_used").alias("carbon_content_tc_per_gj"),
        "carbon_mass_fraction_pct",
        "carbon_source",
        pl.col("_oxidation").alias("oxidation_fraction"),
        pl.col("_oxidation_source").alias("oxidation_source"),
        "heat_input_gj",
        (pl.col("heat_input_gj") / gj_per_tce).alias("energy_tce"),
        "co2_mass_t",
        pl.lit("calculated").alias("method"),
        pl.when(sources.list.eval(pl.element() == "measured").list.all()).then(pl.lit("measured"))
        .when(sources.list.eval(pl.element() == "default").list.all()).then(pl.lit("default"))
        .otherwise(pl.lit("mixed")).alias("parameter_source"),
        pl.lit("ghg").alias("source_system"),
        pl.format("{}#{}", pl.col("line_key"), pl.col("file_sha256").str.slice(0, 12)).alias("source_record"),
        pl.lit(factor_set.label).alias("factor_set"),
        pl.col("_ids").list.join(";").alias("factor_ids"),
        pl.col("_statuses").list.contains("recalled").alias("has_recalled_factor"),
    )
