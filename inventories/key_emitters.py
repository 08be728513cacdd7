"""Inputs of the key-emitter register that are not plain sums: captive power units (自备电厂).

A captive unit makes an enterprise of any industry count as power (methods-factors.md §5, 环办气候函〔2023〕43号).
The evidence is what the bureau already receives: a permit whose 行业类别 names a power industry (permits list
one industry per activity, e.g. "淀粉及淀粉制品制造，热电联产"), or GHG power-unit 存证 rows filed by an enterprise
whose own industry is not power.
"""

from __future__ import annotations

import polars as pl

from inventories.reference import INDUSTRY_SEPARATORS, industries, key_emitter_rule, power_industry_codes

EVIDENCE_COLUMNS = {"uscc": pl.String, "captive_power_evidence": pl.String, "coverage_basis": pl.String}


def _power_names() -> dict[str, str]:
    """GB/T 4754 name -> code for the power-sector codes of the scope table."""
    codes = power_industry_codes()
    return {r["industry_name"]: r["industry_code"] for r in industries().iter_rows(named=True) if r["industry_code"] in codes}


def captive_power(permits: pl.DataFrame, facilities: pl.DataFrame, power_monthly: pl.DataFrame,
                  enterprises: pl.DataFrame) -> pl.DataFrame:
    """uscc, captive_power_evidence, coverage_basis for enterprises outside power that run a power unit.

    coverage_basis is captive_power for an enterprise whose own industry is known and not power; an enterprise whose
    industry no source gives but which files power-unit 存证 is a power plant by its records (power_unit_records), not
    a captive plant.

    permits: core_permit__registry (permit_no, industry_name); facilities: core_facility__entity (permit_no, uscc);
    power_monthly: core_ghg__power_monthly (uscc, unit_id); enterprises: core_enterprise__entity (uscc, industry_code).
    """
    if not key_emitter_rule().get("captive_power_counts_as_power", True):
        return pl.DataFrame(schema=EVIDENCE_COLUMNS)
    names = _power_names()
    from_permits = (
        permits.select("permit_no", pl.col("industry_name").str.replace_all(INDUSTRY_SEPARATORS, ",").str.split(",")
                       .alias("name"))
        .explode("name")
        .with_columns(pl.col("name").str.strip_chars())
        .filter(pl.col("name").is_in(list(names)))
        .join(facilities.select("permit_no", "uscc").drop_nulls(), on="permit_no")
        .select("uscc", pl.format("排污许可证 {} 行业类别含「{}」", "permit_no", "name").alias("evidence"))
    )
    from_ghg = power_monthly.select("uscc", pl.format("温室气体发电设施存证 机组 {}", "unit_id").alias("evidence"))
    power = power_industry_codes()
    outside_power = enterprises.filter(~pl.col("industry_code").fill_null("").is_in(list(power))).select(
        "uscc", pl.when(pl.col("industry_code").is_null()).then(pl.lit("power_unit_records"))
        .otherwise(pl.lit("captive_power")).alias("coverage_basis"))
    return (
        pl.concat([from_permits, from_ghg]).unique()
        .join(outside_power, on="uscc", how="inner")
        .group_by("uscc").agg(pl.col("evidence").sort().str.join("；").alias("captive_power_evidence"),
                              pl.col("coverage_basis").first())
        .sort("uscc")
        .cast(EVIDENCE_COLUMNS)
    )


def ghg_reporters(enterprise_ghg: pl.DataFrame, species: pl.DataFrame) -> pl.DataFrame:
    """uscc, year, co2_mass_t of every enterprise-year that reports to the carbon platform.

    enterprise_ghg: the annual reports' combustion CO2 per enterprise and year; species: the chosen inventory values.
    A power plant that files only the monthly 存证 reports too: its figure is the chosen monthly CO2.
    """
    annual = enterprise_ghg.select("uscc", "year", "co2_mass_t")
    monthly = species.filter((pl.col("source_table") == "core_ghg__power_monthly") & (pl.col("species") == "CO2")).group_by(
        "uscc", "year").agg(pl.col("mass_t").sort().sum().alias("co2_mass_t"))
    return pl.concat([annual, monthly.join(annual, on=["uscc", "year"], how="anti").select(annual.columns)],
                     how="vertical_relaxed")
