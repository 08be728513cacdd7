"""Every candidate value per facility, year, species and scope, with its provenance (issue 5 §3).

Each source row is placed on its site through the entity crosswalk (`core_facility__assn_sources`); rows
a matching guard holds back (is_countable false) and unmatched rows are left out. A record that names
only the enterprise of a multi-site enterprise lands on `<USCC>-E` until `hierarchy.allocate` spreads it.

Candidates:
- monitored / reported: permit execution reports (site total, method from the outlets' 核算方法),
  statistics G103 forms (reported masses), the GHG report (its fuel lines computed with its own
  parameters, process lines, purchased electricity and heat as stated);
- calculated: statistics boiler/kiln lines and permit fuel analyses x the factor set;
- gap_filled: a calculated value that needed a parameter only the other system had for the same site
  and year (sulfur, ash, NCV from the permit fuel analysis), named in `filled_from`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from inventories.combustion import combustion_co2, source_record_expr
from inventories.factor_library import FactorSet
from inventories.indirect import indirect_co2
from inventories.pollutants import pollutant_lines
from inventories.process import process_lines_as_reported
from inventories.sums import stable_sum
from schemas.identifiers import ENTERPRISE_SITE_SUFFIX

MONITORING_METHODS = ("自动监测", "在线监测", "手工监测", "执法监测", "监测")
GROUP_KEYS = ("facility_id", "uscc", "year", "species", "scope", "source_system")
CANDIDATE_COLUMNS = (*GROUP_KEYS, "source_table", "method", "mass_t", "energy_tce", "heat_input_gj", "parameter_source",
                     "source_record", "line_count", "uncomputed_line_count", "factor_ids", "has_recalled_factor",
                     "filled_from", "gap_fill_kind", "allocation_share", "missing_parameters")


@dataclass(frozen=True)
class Sources:
    """The core tables the candidates come from (polars frames as published)."""

    assn: pl.DataFrame
    facilities: pl.DataFrame
    enterprises: pl.DataFrame
    ghg_fuel_line_co2: pl.DataFrame
    ghg_energy_flows: pl.DataFrame
    ghg_process_lines: pl.DataFrame
    envstat_boilers: pl.DataFrame
    envstat_kilns: pl.DataFrame
    permit_fuel_analysis: pl.DataFrame
    permit_execution: pl.DataFrame
    cems_outlet_yearly: pl.DataFrame
    envstat_enterprise: pl.DataFrame
    ghg_power_monthly: pl.DataFrame


def place(rows: pl.DataFrame, table: str, sources: Sources) -> pl.DataFrame:
    """Rows with facility_id, uscc (as matched), industry_code, region_code and line_key; held-back rows dropped."""
    assn = sources.assn.filter((pl.col("source_table") == table) & pl.col("is_countable") & pl.col("uscc").is_not_null())
    placed = rows.drop([c for c in ("uscc", "facility_id") if c in rows.columns]).join(
        assn.select("file_sha256", "sheet_name", "row_number", "facility_id", "uscc"),
        on=["file_sha256", "sheet_name", "row_number"], how="inner", nulls_equal=True)
    placed = placed.with_columns(pl.coalesce("facility_id", pl.col("uscc") + ENTERPRISE_SITE_SUFFIX).alias("facility_id"),
                                 source_record_expr().alias("line_key"))
    attrs = sources.facilities.select("facility_id", pl.col("industry_code").alias("_site_industry"),
                                      pl.col("region_code").alias("_site_region"))
    firm = sources.enterprises.select("uscc", pl.col("industry_code").alias("_firm_industry"),
                                      pl.col("region_code").alias("_firm_region"))
    return (placed.join(attrs, on="facility_id", how="left").join(firm, on="uscc", how="left")
            .with_columns(pl.coalesce("_site_industry", "_firm_industry").alias("industry_code"),
                          pl.coalesce("_site_region", "_firm_region").alias("region_code"))
            .drop("_site_industry", "_firm_industry", "_site_region", "_firm_region"))


def summarise(lines: pl.DataFrame) -> pl.DataFrame:
    """Line results -> one candidate per GROUP_KEYS (method gap_filled when any line was filled).

    A site's boiler and kiln lines are one candidate (source_table lists both), so neither is left out.
    """
    return lines.sort(*GROUP_KEYS, "line_key", nulls_last=True).group_by(GROUP_KEYS).agg(
        pl.col("source_table").unique().sort().str.join(";"),
        pl.when(pl.col("method").eq("gap_filled").any()).then(pl.lit("gap_filled"))
        .otherwise(pl.col("method").first()).alias("method"),
        *(_known_sum(c) for c in ("mass_t", "energy_tce", "heat_input_gj")),
        pl.when(pl.col("parameter_source").eq("measured").all()).then(pl.lit("measured"))
        .when(pl.col("parameter_source").eq("default").all()).then(pl.lit("default"))
        .otherwise(pl.lit("mixed")).alias("parameter_source"),
        pl.col("line_key").sort().str.join(";").alias("source_record"),
        pl.len().cast(pl.Int64).alias("line_count"),
        pl.col("mass_t").is_null().sum().cast(pl.Int64).alias("uncomputed_line_count"),
        pl.col("factor_ids").fill_null("").str.join(";").alias("factor_ids"),
        pl.col("has_recalled_factor").any(),
        pl.col("filled_from").drop_nulls().unique().sort().str.join(";").alias("filled_from"),
        pl.col("gap_fill_kind").drop_nulls().first(),
        pl.col("missing_parameters").drop_nulls().unique().sort().str.join(" | ").alias("missing_parameters"),
    ).with_columns(
        pl.when(pl.col("missing_parameters") == "").then(None).otherwise(pl.col("missing_parameters"))
        .alias("missing_parameters"),
        pl.when(pl.col("filled_from") == "").then(None).otherwise(pl.col("filled_from")).alias("filled_from"),
        pl.col("factor_ids").str.split(";").list.eval(pl.element().filter(pl.element() != "")).list.unique().list.sort()
        .list.join(";").alias("factor_ids"),
        pl.lit(1.0).alias("allocation_share"),
    ).select(CANDIDATE_COLUMNS)


def _known_sum(column: str) -> pl.Expr:
    """The sum of the known values; null (unknown), never 0, when no line has one."""
    return pl.when(pl.col(column).is_not_null().any()).then(stable_sum(column)).alias(column)


def line_defaults(frame: pl.DataFrame) -> pl.DataFrame:
    """Fill the optional line columns `summarise` reads."""
    defaults = {"energy_tce": pl.Float64, "heat_input_gj": pl.Float64, "filled_from": pl.String,
                "gap_fill_kind": pl.String, "factor_ids": pl.String, "has_recalled_factor": pl.Boolean,
                "missing_parameters": pl.String}
    return frame.with_columns(pl.lit(None, t).alias(c) for c, t in defaults.items() if c not in frame.columns)


def statistics_lines(sources: Sources) -> pl.DataFrame:
    """G103-1 boiler and G103-2 kiln rows, placed, with sulfur/ash/NCV gap-filled from the permit fuel analysis."""
    boilers = place(sources.envstat_boilers, "core_envstat__boilers", sources).with_columns(
        pl.lit("core_envstat__boilers").alias("source_table"))
    kilns = place(sources.envstat_kilns, "core_envstat__kilns", sources).with_columns(
        pl.lit("core_envstat__kilns").alias("source_table"), pl.lit(None, pl.String).alias("combustion_mode"))
    columns = ("line_key", "facility_id", "uscc", "year", "industry_code", "region_code", "fuel_code", "fuel_unit_code",
               "fuel_consumed_units", "sulfur_pct", "ash_pct", "ncv_gj_per_unit", "combustion_mode", "so2_removal_pct",
               "nox_removal_pct", "pm_removal_pct", "so2_mass_t", "nox_mass_t", "pm_mass_t", "accounting_method",
               "source_table")
    lines = pl.concat([boilers.select(columns), kilns.select(columns)])
    donors = permit_lines(sources).group_by("facility_id", "year", "fuel_code").agg(
        pl.col("sulfur_pct").drop_nulls().first().alias("_d_sulfur"), pl.col("ash_pct").drop_nulls().first().alias("_d_ash"),
        pl.col("ncv_gj_per_unit").drop_nulls().first().alias("_d_ncv"), pl.col("line_key").first().alias("_donor"))
    lines = lines.join(donors, on=["facility_id", "year", "fuel_code"], how="left")
    filled = {c: pl.col(c).is_null() & pl.col(f"_d_{k}").is_not_null()
              for c, k in (("sulfur_pct", "sulfur"), ("ash_pct", "ash"), ("ncv_gj_per_unit", "ncv"))}
    return lines.with_columns(
        *(flag.alias(f"{c}_filled") for c, flag in filled.items()),
        pl.coalesce("sulfur_pct", "_d_sulfur").alias("sulfur_pct"),
        pl.coalesce("ash_pct", "_d_ash").alias("ash_pct"),
        pl.coalesce("ncv_gj_per_unit", "_d_ncv").alias("ncv_gj_per_unit"),
        pl.when(pl.any_horizontal(*filled.values())).then(pl.col("_donor")).alias("_donor_used"),
    ).drop("_d_sulfur", "_d_ash", "_d_ncv", "_donor")


def permit_lines(sources: Sources) -> pl.DataFrame:
    """Permit execution-report fuel analyses, placed on their sites."""
    return place(sources.permit_fuel_analysis, "core_permit__fuel_analysis", sources).with_columns(
        pl.lit("core_permit__fuel_analysis").alias("source_table"))


def calculated_lines(lines: pl.DataFrame, system: str, factor_set: FactorSet, fuels: pl.DataFrame,
                power_codes: set[str], with_pollutants: bool) -> pl.DataFrame:
    """Calculated CO2 (and pollutants) per line, as line results ready for `summarise`."""
    co2 = combustion_co2(lines, factor_set, fuels, power_codes)
    ncv_filled = pl.col("ncv_gj_per_unit_filled") if "ncv_gj_per_unit_filled" in lines.columns else pl.lit(False)
    base = lines.select("line_key", "facility_id", "uscc", "year", "source_table", "fuel_code",
                        ncv_filled.alias("_ncv_filled"),
                        *(["sulfur_pct_filled", "ash_pct_filled", "_donor_used"] if with_pollutants else []))
    co2_rows = base.join(co2, on="line_key").select(
        "line_key", "facility_id", "uscc", "year", "source_table", pl.lit("CO2").alias("species"),
        pl.col("co2_mass_t").alias("mass_t"), "energy_tce", "heat_input_gj", "parameter_source", "factor_ids",
        "has_recalled_factor", pl.col("_ncv_filled").alias("_filled"), _named_missing(),
    )
    results = [co2_rows]
    if with_pollutants:
        poll = pollutant_lines(lines, factor_set, fuels, power_codes)
        filled = (pl.when(pl.col("species") == "SO2").then(pl.col("sulfur_pct_filled"))
                  .when(pl.col("species") == "PM").then(pl.col("ash_pct_filled")).otherwise(False))
        results.append(base.join(poll, on="line_key").select(
            "line_key", "facility_id", "uscc", "year", "source_table", "species", "mass_t",
            pl.lit(None, pl.Float64).alias("energy_tce"), pl.lit(None, pl.Float64).alias("heat_input_gj"),
            "parameter_source", "factor_ids", "has_recalled_factor", filled.alias("_filled"),
            pl.lit(None, pl.String).alias("missing_parameters")))
    donors = lines.select("line_key", pl.col("_donor_used") if "_donor_used" in lines.columns
                          else pl.lit(None, pl.String).alias("_donor_used"))
    out = pl.concat(results).join(donors, on="line_key", how="left")
    return out.with_columns(
        pl.lit("combustion").alias("scope"), pl.lit(system).alias("source_system"),
        pl.when(pl.col("_filled")).then(pl.lit("gap_filled")).otherwise(pl.lit("calculated")).alias("method"),
        pl.when(pl.col("_filled")).then(pl.col("_donor_used")).alias("filled_from"),
        pl.when(pl.col("_filled")).then(pl.lit("parameter")).alias("gap_fill_kind"),
    ).drop("_filled", "_donor_used")


def _named_missing() -> pl.Expr:
    """`<fuel>: <parameters>` for a line without CO2 (what the lower-bound flag and the findings name)."""
    return pl.when(pl.col("missing_parameters").is_not_null()).then(
        pl.format("{}: {}", "fuel_code", "missing_parameters")).alias("missing_parameters")


def _reported_method(method: pl.Expr) -> pl.Expr:
    """monitored when every outlet row says a monitoring method, else reported."""
    all_monitored = method.is_in(MONITORING_METHODS).fill_null(False).all()
    return pl.when(all_monitored).then(pl.lit("monitored")).otherwise(pl.lit("reported"))


def permit_reported(sources: Sources) -> pl.DataFrame:
    """Site totals of the permit execution reports (全厂合计, else the sum of outlet rows)."""
    rows = place(sources.permit_execution, "core_permit__execution_emissions", sources)
    rows = rows.filter(pl.col("pollutant").is_in(["SO2", "NOx", "PM", "VOCs"]) & pl.col("emission_mass_t").is_not_null())
    outlets = rows.filter(pl.col("emission_scope") != "site_total").group_by("facility_id", "uscc", "year", "pollutant").agg(
        stable_sum("emission_mass_t").alias("_outlet_sum"), _reported_method(pl.col("accounting_method")).alias("method"),
        pl.col("line_key").sort().str.join(";").alias("_outlet_records"))
    totals = rows.filter(pl.col("emission_scope") == "site_total").group_by("facility_id", "uscc", "year", "pollutant").agg(
        stable_sum("emission_mass_t").alias("_total"), pl.col("line_key").sort().str.join(";").alias("_total_records"))
    joined = outlets.join(totals, on=["facility_id", "uscc", "year", "pollutant"], how="full", coalesce=True)
    return joined.select(
        "facility_id", "uscc", "year", pl.col("pollutant").alias("species"), pl.lit("combustion").alias("scope"),
        pl.lit("permit").alias("source_system"), pl.lit("core_permit__execution_emissions").alias("source_table"),
        pl.coalesce("method", pl.lit("reported")).alias("method"), pl.coalesce("_total", "_outlet_sum").alias("mass_t"),
        pl.lit(None, pl.Float64).alias("energy_tce"), pl.lit(None, pl.Float64).alias("heat_input_gj"),
        pl.lit("measured").alias("parameter_source"), pl.coalesce("_total_records", "_outlet_records").alias("source_record"),
        pl.lit(1, pl.Int64).alias("line_count"), pl.lit(0, pl.Int64).alias("uncomputed_line_count"),
        pl.lit("").alias("factor_ids"), pl.lit(False).alias("has_recalled_factor"), pl.lit(None, pl.String).alias("filled_from"),
        pl.lit(None, pl.String).alias("gap_fill_kind"), pl.lit(1.0).alias("allocation_share"),
        pl.lit(None, pl.String).alias("missing_parameters"),
    )


def statistics_reported(lines: pl.DataFrame) -> pl.DataFrame:
    """Masses the G103 forms report per site (method from their 核算方法)."""
    long = pl.concat([lines.select("line_key", "facility_id", "uscc", "year", "source_table", "accounting_method",
                                   pl.lit(species).alias("species"), pl.col(column).alias("mass_t"))
                      for species, column in (("SO2", "so2_mass_t"), ("NOx", "nox_mass_t"), ("PM", "pm_mass_t"))])
    long = long.filter(pl.col("mass_t").is_not_null())
    keys = ["facility_id", "uscc", "year", "species"]
    method = long.group_by(keys).agg(_reported_method(pl.col("accounting_method")).alias("_reported"))
    long = long.join(method, on=keys).with_columns(
        pl.col("_reported").alias("method"), pl.lit("combustion").alias("scope"), pl.lit("envstat").alias("source_system"),
        pl.lit("measured").alias("parameter_source"), pl.lit("").alias("factor_ids"), pl.lit(False).alias("has_recalled_factor"))
    return summarise(line_defaults(long))


def ghg_fuel_lines(sources: Sources) -> pl.DataFrame:
    """GHG fuel-line CO2 rows that count, with facility_id and the matched uscc (line_key = source_record)."""
    fuel = sources.ghg_fuel_line_co2.with_columns(
        pl.col("source_record").str.split("#").list.first().alias("_src"),
        pl.col("source_record").str.split("#").list.last().alias("_sha12"))
    assn = sources.assn.filter((pl.col("source_table") == "core_ghg__fuel_lines") & pl.col("is_countable")
                               & pl.col("uscc").is_not_null()).select(
        pl.col("source_record").alias("_src"), pl.col("file_sha256").str.slice(0, 12).alias("_sha12"),
        "facility_id", pl.col("uscc").alias("_uscc"))
    return fuel.join(assn, on=["_src", "_sha12"], how="inner").with_columns(
        pl.col("_uscc").alias("uscc"), pl.col("source_record").alias("line_key"),
        pl.coalesce("facility_id", pl.col("_uscc") + ENTERPRISE_SITE_SUFFIX).alias("facility_id"),
    ).drop("_src", "_sha12", "_uscc")


def ghg_reported(sources: Sources, factor_set: FactorSet, grid_purpose: str) -> pl.DataFrame:
    """GHG-report candidates: combustion (its fuel lines), process lines, purchased electricity and heat."""
    fuel = ghg_fuel_lines(sources)
    combustion = fuel.select(
        "line_key", "facility_id", "uscc", "year", pl.lit("CO2").alias("species"), pl.lit("combustion").alias("scope"),
        pl.lit("ghg").alias("source_system"), pl.lit("core_ghg__fuel_lines").alias("source_table"),
        pl.lit("reported").alias("method"), pl.col("co2_mass_t").alias("mass_t"), "energy_tce", "heat_input_gj",
        "parameter_source", "factor_ids", "has_recalled_factor", _named_missing())
    process = place(sources.ghg_process_lines, "core_ghg__process_lines", sources)
    process = process.join(process_lines_as_reported(process), on="line_key").select(
        "line_key", "facility_id", "uscc", "year", pl.lit("CO2").alias("species"), pl.lit("process").alias("scope"),
        pl.lit("ghg").alias("source_system"), pl.lit("core_ghg__process_lines").alias("source_table"),
        pl.lit("reported").alias("method"), pl.col("co2_mass_t").alias("mass_t"), "parameter_source",
        pl.lit("").alias("factor_ids"), pl.lit(False).alias("has_recalled_factor"))
    flows = place(sources.ghg_energy_flows, "core_ghg__energy_flows", sources)
    flows = flows.filter(pl.col("energy_flow").is_in(["purchased_electricity", "purchased_heat"]))
    scope_of = pl.when(pl.col("energy_flow") == "purchased_electricity").then(pl.lit("indirect_electricity")) \
        .otherwise(pl.lit("indirect_heat"))
    computed = flows.join(indirect_co2(flows, factor_set, grid_purpose), on="line_key").select(
        "line_key", "facility_id", "uscc", "year", pl.lit("CO2").alias("species"), "scope", pl.lit("ghg").alias("source_system"),
        pl.lit("core_ghg__energy_flows").alias("source_table"), pl.lit("calculated").alias("method"),
        pl.col("co2_mass_t").alias("mass_t"), "energy_tce", pl.lit("mixed").alias("parameter_source"), "factor_ids",
        "has_recalled_factor")
    stated = flows.filter(pl.col("reported_co2_mass_t").is_not_null()).select(
        "line_key", "facility_id", "uscc", "year", pl.lit("CO2").alias("species"), scope_of.alias("scope"),
        pl.lit("ghg").alias("source_system"), pl.lit("core_ghg__energy_flows").alias("source_table"),
        pl.lit("reported").alias("method"), pl.col("reported_co2_mass_t").alias("mass_t"),
        pl.lit("measured").alias("parameter_source"), pl.lit("").alias("factor_ids"), pl.lit(False).alias("has_recalled_factor"))
    parts = [combustion, process, computed, stated]
    return pl.concat([summarise(line_defaults(p)) for p in parts if p.height], how="vertical_relaxed") if any(
        p.height for p in parts) else pl.DataFrame(schema=summarise(line_defaults(combustion)).schema)


def calculated_candidates(sources: Sources, factor_set: FactorSet, fuels: pl.DataFrame,
                          power_codes: set[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(candidates, line results) from the statistics and permit fuel lines; line results feed gap filling."""
    stats = statistics_lines(sources)
    permit = permit_lines(sources)
    stat_results = calculated_lines(stats, "envstat", factor_set, fuels, power_codes, with_pollutants=True)
    permit_results = calculated_lines(permit, "permit", factor_set, fuels, power_codes, with_pollutants=False)
    line_results = pl.concat([stat_results, permit_results], how="diagonal_relaxed").join(
        pl.concat([stats.select("line_key", "fuel_code"), permit.select("line_key", "fuel_code")]), on="line_key", how="left")
    candidates = pl.concat([summarise(line_defaults(stat_results)), summarise(line_defaults(permit_results)),
                            statistics_reported(stats)])
    return candidates, line_results
