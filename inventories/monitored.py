"""CEMS candidates: a site's annual SO2, NOx and PM from its monitored outlets (method monitored, source cems).

A site total from CEMS covers only the outlets that have CEMS. Where the site's execution report lists an
outlet with the pollutant that has no CEMS record, the candidate counts it in `uncomputed_line_count`, so the
hierarchy never chooses a total that leaves an outlet out (it stays visible as a candidate). Outlets are
placed on their site by permit number (the facility id of a permitted site); an outlet whose permit is not a
known site is left out.
"""

from __future__ import annotations

import polars as pl

from inventories.candidates import CANDIDATE_COLUMNS
from inventories.sums import stable_sum


def cems_candidates(outlet_yearly: pl.DataFrame, facilities: pl.DataFrame, execution: pl.DataFrame) -> pl.DataFrame:
    """One monitored candidate per site, year and pollutant with CEMS data."""
    sites = facilities.select("facility_id", "uscc")
    rows = outlet_yearly.join(sites, left_on="permit_no", right_on="facility_id", how="inner").with_columns(
        pl.col("permit_no").alias("facility_id"))
    keys = ["facility_id", "uscc", "year", "pollutant"]
    covered = rows.group_by(keys).agg(
        stable_sum("mass_t"), pl.col("outlet_code").unique().alias("_outlets"),
        pl.format("{}:{}", "mn", "outlet_code").sort().str.join(";").alias("source_record"),
        pl.len().cast(pl.Int64).alias("line_count"), pl.col("substitution_rule_status").eq("recalled").any()
        .alias("has_recalled_factor"))
    reported = execution.filter(pl.col("emission_scope") == "outlet").select(
        pl.col("permit_no").alias("facility_id"), "year", "pollutant", "outlet_code").unique()
    missing = covered.select(*keys, "_outlets").join(reported, on=["facility_id", "year", "pollutant"], how="inner").filter(
        ~pl.col("_outlets").list.contains(pl.col("outlet_code"))).group_by(keys).agg(
        pl.len().cast(pl.Int64).alias("uncomputed_line_count"))
    return covered.join(missing, on=keys, how="left").select(
        "facility_id", "uscc", "year", pl.col("pollutant").alias("species"), pl.lit("combustion").alias("scope"),
        pl.lit("cems").alias("source_system"), pl.lit("out_cems__outlet_yearly").alias("source_table"),
        pl.lit("monitored").alias("method"), "mass_t", pl.lit(None, pl.Float64).alias("energy_tce"),
        pl.lit(None, pl.Float64).alias("heat_input_gj"), pl.lit("measured").alias("parameter_source"), "source_record",
        "line_count", pl.col("uncomputed_line_count").fill_null(0), pl.lit("").alias("factor_ids"), "has_recalled_factor",
        pl.lit(None, pl.String).alias("filled_from"), pl.lit(None, pl.String).alias("gap_fill_kind"),
        pl.lit(1.0).alias("allocation_share"),
        pl.when(pl.col("uncomputed_line_count") > 0).then(pl.format("{} outlet(s) without CEMS", "uncomputed_line_count"))
        .alias("missing_parameters"),
    ).select(CANDIDATE_COLUMNS)
