"""Fossil-fuel combustion CO2 and energy per fuel line, for any source system (methods-factors.md §1.1).

    E = heat x CC x OF x 44/12, heat = FC x NCV        (CC per GJ; measured where reported, else default)
    E = FC x C_ar/100 x OF x 44/12                     (measured elemental carbon, power guideline)
    E = heat x EF                                      (a set that gives CO2 per heat unit, e.g. EPA's)

Measured parameters win over defaults, parameter by parameter; a measured heat input (GJ) wins over
FC x NCV. Defaults come from the factor set in force on 31 December of the data year, sector-specific rows
(e.g. power) before general ones and an exact fuel before its fuel group; power-sector coal has no NCV
default. A line with neither a carbon value nor a per-heat factor is kept with co2_mass_t null and counted,
never silently dropped.
"""

from __future__ import annotations

import polars as pl

from inventories.factor_library import FactorSet, select_factors

CO2_PER_C = 44.0 / 12.0
UNCONFIRMED_STATUSES = ("recalled", "judgement")  # counted in has_recalled_factor: not confirmed by an official text
PARAMETERS = ("ncv", "carbon_content", "oxidation", "co2_ef_per_heat")
LINE_INPUTS = ("ncv_gj_per_unit", "carbon_content_tc_per_gj", "carbon_mass_fraction_pct", "oxidation_fraction",
               "heat_input_gj")


def line_sector(industry_code: pl.Expr, power_codes: set[str]) -> pl.Expr:
    """The factor-set sector of a line: 'power' for power-guideline industries, else 'all'."""
    return pl.when(industry_code.is_in(list(power_codes))).then(pl.lit("power")).otherwise(pl.lit("all"))


def resolve_defaults(lines: pl.DataFrame, factor_set: FactorSet, power_codes: set[str]) -> pl.DataFrame:
    """Adds default_<p>, default_<p>_id, default_<p>_status per parameter p (null where none applies).

    `lines` needs line_key, fuel_code, fuel_group, industry_code, year.
    """
    requests = lines.select("line_key", "year", "fuel_code", "fuel_group",
                            line_sector(pl.col("industry_code"), power_codes).alias("sector"))
    out = lines
    for parameter in PARAMETERS:
        picked = select_factors(requests.rename({"line_key": "request_key"}), factor_set.factors, parameter)
        out = out.join(picked.select(pl.col("request_key").alias("line_key"),
                                     pl.col("value").alias(f"default_{parameter}"),
                                     pl.col("factor_id").alias(f"default_{parameter}_id"),
                                     pl.col("status").alias(f"default_{parameter}_status")), on="line_key", how="left")
    return _no_power_coal_ncv_default(out, power_codes)


def _no_power_coal_ncv_default(lines: pl.DataFrame, power_codes: set[str]) -> pl.DataFrame:
    """Power-sector coal takes no NCV default: the power guideline takes a month's NCV from the plant's own tests
    (入炉煤, else 入厂煤, else the supplier's analysis; methods-factors.md §10), so a line without one lacks `ncv`."""
    no_default = (line_sector(pl.col("industry_code"), power_codes) == "power") & (pl.col("fuel_group") == "coal")
    return lines.with_columns(pl.when(no_default).then(None).otherwise(pl.col(c)).alias(c)
                              for c in ("default_ncv", "default_ncv_id", "default_ncv_status"))


BASIS_COLUMNS = {"ncv": "ncv_basis", "carbon_content": "carbon_basis", "oxidation": "oxidation_basis"}
"""The reporter's own label of a stated value (实测 / 缺省值), as parsed into measured / default."""


def _stated_source(parameter: str) -> pl.Expr:
    """'default' when the reporter labels the stated value 缺省值, else 'measured' (a stated value is measured)."""
    basis = pl.col(BASIS_COLUMNS[parameter])
    return pl.when(basis == "default").then(pl.lit("default")).otherwise(pl.lit("measured"))


def _measured_or_default(measured: str, parameter: str) -> list[pl.Expr]:
    """Value, source and (when a library default was used) factor id and status for one parameter."""
    is_measured = pl.col(measured).is_not_null()
    return [
        pl.coalesce(measured, f"default_{parameter}").alias(f"_{parameter}"),
        pl.when(is_measured).then(_stated_source(parameter))
        .when(pl.col(f"default_{parameter}").is_not_null()).then(pl.lit("default")).alias(f"_{parameter}_source"),
        pl.when(is_measured).then(None).otherwise(pl.col(f"default_{parameter}_id")).alias(f"_{parameter}_id"),
        pl.when(is_measured).then(None).otherwise(pl.col(f"default_{parameter}_status")).alias(f"_{parameter}_status"),
    ]


def combustion_co2(lines: pl.DataFrame, factor_set: FactorSet, fuels: pl.DataFrame, power_codes: set[str]) -> pl.DataFrame:
    """CO2, heat input and energy of each fuel line, with the parameters used and their provenance.

    `lines` needs line_key, year, industry_code, fuel_code, fuel_consumed_units and may carry any of
    LINE_INPUTS (measured values). Returns line_key plus ncv/carbon/oxidation used and their sources,
    heat_input_gj, energy_tce, co2_mass_t, parameter_source, factor_ids, has_recalled_factor and
    missing_parameters (null when CO2 was computed). A line's `*_basis` columns (缺省值 / 实测 as the reporter
    labels a stated value) make a stated value count as a default, not as measured.
    """
    keyed = lines.with_columns(pl.lit(None, pl.Float64).alias(c) for c in LINE_INPUTS if c not in lines.columns)
    keyed = keyed.with_columns(pl.lit(None, pl.String).alias(c) for c in BASIS_COLUMNS.values() if c not in keyed.columns)
    keyed = keyed.join(fuels.select("fuel_code", "fuel_group"), on="fuel_code", how="left")
    resolved = resolve_defaults(keyed, factor_set, power_codes)
    gj_per_tce = factor_set.scalar("gj_per_tce", required=False)  # a CO2-only set (EPA's) gives no energy
    with_params = resolved.with_columns(
        *_measured_or_default("ncv_gj_per_unit", "ncv"),
        *_measured_or_default("oxidation_fraction", "oxidation"),
        *_measured_or_default("carbon_content_tc_per_gj", "carbon_content"),
    )
    has_heat = pl.col("heat_input_gj").is_not_null()
    heat = pl.coalesce("heat_input_gj", pl.col("fuel_consumed_units") * pl.col("_ncv"))
    has_elemental = pl.col("carbon_mass_fraction_pct").is_not_null()
    has_cc = pl.col("_carbon_content").is_not_null() & pl.col("_oxidation").is_not_null()
    uses_ef = ~has_elemental & ~has_cc & pl.col("default_co2_ef_per_heat").is_not_null()
    co2 = (
        pl.when(has_elemental).then(pl.col("fuel_consumed_units") * pl.col("carbon_mass_fraction_pct") / 100.0
                                    * pl.col("_oxidation") * CO2_PER_C)
        .when(has_cc).then(heat * pl.col("_carbon_content") * pl.col("_oxidation") * CO2_PER_C)
        .when(uses_ef).then(heat * pl.col("default_co2_ef_per_heat"))
    )
    ncv_used = ~has_heat | has_elemental  # a measured heat input makes the NCV irrelevant to CO2
    sources = [pl.when(ncv_used).then(pl.col("_ncv_source")).otherwise(pl.lit("measured")),
               pl.when(has_elemental).then(_stated_source("carbon_content")).when(uses_ef).then(pl.lit("default"))
               .otherwise(pl.col("_carbon_content_source")),
               pl.when(uses_ef).then(pl.lit("default")).otherwise(pl.col("_oxidation_source"))]
    ids = [pl.when(ncv_used).then(pl.col("_ncv_id")),
           pl.when(has_elemental).then(None).when(uses_ef).then(pl.col("default_co2_ef_per_heat_id"))
           .otherwise(pl.col("_carbon_content_id")),
           pl.when(uses_ef).then(None).otherwise(pl.col("_oxidation_id"))]
    statuses = [pl.when(ncv_used).then(pl.col("_ncv_status")),
                pl.when(has_elemental).then(None).when(uses_ef).then(pl.col("default_co2_ef_per_heat_status"))
                .otherwise(pl.col("_carbon_content_status")),
                pl.when(uses_ef).then(None).otherwise(pl.col("_oxidation_status"))]
    source_list = pl.concat_list(sources).list.drop_nulls()
    return with_params.select(
        "line_key",
        pl.when(has_heat).then(None).otherwise(pl.col("_ncv")).alias("ncv_gj_per_unit"),
        pl.when(has_heat).then(pl.lit("measured")).otherwise(pl.col("_ncv_source")).alias("ncv_source"),
        pl.when(has_elemental | uses_ef).then(None).otherwise(pl.col("_carbon_content")).alias("carbon_content_tc_per_gj"),
        "carbon_mass_fraction_pct",
        sources[1].alias("carbon_source"),
        pl.when(uses_ef).then(None).otherwise(pl.col("_oxidation")).alias("oxidation_fraction"),
        sources[2].alias("oxidation_source"),
        heat.alias("heat_input_gj"),
        (heat / gj_per_tce if gj_per_tce else pl.lit(None, pl.Float64)).alias("energy_tce"),
        co2.alias("co2_mass_t"),
        pl.when(source_list.list.eval(pl.element() == "measured").list.all()).then(pl.lit("measured"))
        .when(source_list.list.eval(pl.element() == "default").list.all()).then(pl.lit("default"))
        .otherwise(pl.lit("mixed")).alias("parameter_source"),
        pl.concat_list(ids).list.drop_nulls().list.join(";").alias("factor_ids"),
        pl.concat_list(statuses).list.drop_nulls().list.eval(pl.element().is_in(UNCONFIRMED_STATUSES)).list.any()
        .alias("has_recalled_factor"),
        pl.when(co2.is_null()).then(_missing_parameters(has_elemental, uses_ef)).alias("missing_parameters"),
    )


def _missing_parameters(has_elemental: pl.Expr, uses_ef: pl.Expr) -> pl.Expr:
    """Exactly the parameters a line without CO2 lacks: `ncv`, `carbon_content`, `oxidation` joined by ';'.

    Elemental carbon needs only the oxidation rate; a carbon content per GJ needs the heat (FC x NCV) and the
    oxidation rate; a per-heat factor needs the heat alone.
    """
    no_heat = pl.col("heat_input_gj").is_null() & pl.col("_ncv").is_null()
    no_oxidation = pl.col("_oxidation").is_null()
    no_carbon = ~has_elemental & pl.col("_carbon_content").is_null() & ~uses_ef
    return pl.concat_list(
        pl.when(~has_elemental & no_heat).then(pl.lit("ncv")),
        pl.when(no_carbon).then(pl.lit("carbon_content")),
        pl.when(~uses_ef & no_oxidation).then(pl.lit("oxidation")),
    ).list.drop_nulls().list.join(";")


def source_record_expr() -> pl.Expr:
    """`file:sheet:row#sha12`, the traceable id of a source row used across inventory tables."""
    return pl.format("{}:{}:{}#{}", "source_file", pl.col("sheet_name").fill_null(""), "row_number",
                     pl.col("file_sha256").str.slice(0, 12))


def fuel_line_co2(lines: pl.DataFrame, factor_set: FactorSet, fuels: pl.DataFrame, power_codes: set[str]) -> pl.DataFrame:
    """core_inventory__ghg_fuel_line_co2: combustion CO2 of each GHG-report fuel line (source system ghg)."""
    keyed = lines.with_columns(source_record_expr().alias("line_key"))
    computed = combustion_co2(keyed, factor_set, fuels, power_codes)
    return keyed.select("line_key", "uscc", "year", "fuel_code", "fuel_unit_code", "fuel_consumed_units").join(
        computed, on="line_key", how="left", maintain_order="left"
    ).select(
        "uscc", "year", "fuel_code", "fuel_unit_code", "fuel_consumed_units", "ncv_gj_per_unit", "ncv_source",
        "carbon_content_tc_per_gj", "carbon_mass_fraction_pct", "carbon_source", "oxidation_fraction",
        "oxidation_source", "heat_input_gj", "energy_tce", "co2_mass_t", pl.lit("reported").alias("method"),
        "parameter_source", pl.lit("ghg").alias("source_system"), pl.col("line_key").alias("source_record"),
        pl.lit(factor_set.label).alias("factor_set"), "factor_ids", "has_recalled_factor", "missing_parameters",
    )
