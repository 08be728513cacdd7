"""Enterprises (legal persons, by USCC) and facilities (sites, by permit number) from identified records.

Only records that carry a USCC or a permit number create entities; records known only by an old
organisation code or a name are matched to these afterwards, never turned into entities of their own.
A site keeps its permit number as `facility_id`; an enterprise with no permit number on file gets one
enterprise-level site, `<USCC>-E`.
"""

from __future__ import annotations

import polars as pl

from inventories.reference import city_code_expr
from pipelines.read.parsers import uscc_of_permit
from schemas.identifiers import ENTERPRISE_SITE_SUFFIX, org_code_expr

SYSTEM_RANK = {"ghg": 0, "envstat": 1, "permit": 2, "cems": 3}  # whose spelling of the legal name wins
REGISTRY = "core_permit__registry"


def _ranked(records: pl.DataFrame) -> pl.DataFrame:
    """Latest year first, enterprise-level rows before site rows, then the system that names the legal person."""
    return records.with_columns(
        (pl.col("record_grain") != "enterprise").cast(pl.Int8).alias("_grain_rank"),
        pl.col("source_system").replace_strict(SYSTEM_RANK, default=9, return_dtype=pl.Int8).alias("_system_rank"),
    ).sort(["year", "_grain_rank", "_system_rank", "source_record"], descending=[True, False, False, False],
           nulls_last=True)


def with_permit_uscc(records: pl.DataFrame) -> pl.DataFrame:
    """`permit_uscc`: the USCC inside a 22-character permit number (null for H9 numbers and no number)."""
    return records.with_columns(pl.col("permit_no").map_elements(uscc_of_permit, return_dtype=pl.String)
                                .alias("permit_uscc"))


def enterprises(records: pl.DataFrame) -> pl.DataFrame:
    """One row per USCC seen written (or inside a permit number): current name, industry, region, span."""
    records = with_permit_uscc(records)
    holders = records.filter(pl.col("permit_uscc").is_not_null() & (pl.col("uscc") != pl.col("permit_uscc")).fill_null(True))
    claimed = pl.concat([records.filter(pl.col("uscc").is_not_null()), holders.with_columns(pl.col("permit_uscc").alias("uscc"))])
    ranked = _ranked(claimed)
    return (
        ranked.group_by("uscc", maintain_order=True)
        .agg(
            pl.col("enterprise_name").drop_nulls().first(),
            pl.col("region_code").drop_nulls().first(),
            pl.col("industry_code").drop_nulls().mode().sort().first(),
            pl.col("source_system").unique().sort().str.join(";").alias("source_systems"),
            pl.col("year").min().alias("first_year"), pl.col("year").max().alias("last_year"),
        )
        .with_columns(
            org_code_expr(pl.col("uscc")).alias("org_code"),
            pl.col("uscc").str.slice(2, 6).alias("registration_region_code"),
            city_code_expr(pl.coalesce("region_code", pl.col("uscc").str.slice(2, 6))).alias("city_code"),
        )
        .sort("uscc")
    )


def facilities(records: pl.DataFrame, firms: pl.DataFrame) -> pl.DataFrame:
    """Permit sites (registry attributes where listed) and one enterprise-level site per permit-less enterprise."""
    permits = with_permit_uscc(records.filter(pl.col("permit_no").is_not_null()))
    listed = (
        permits.filter(pl.col("source_table") == REGISTRY)
        .sort(["valid_from", "source_record"], descending=[True, False], nulls_last=True)
        .unique("permit_no", keep="first", maintain_order=True)
        .select("permit_no", pl.col("enterprise_name").alias("facility_name"), "region_code", "lat_deg", "lon_deg",
                "management_category", "valid_from", "valid_to", pl.col("uscc").alias("_registry_uscc"))
    )
    seen = permits.group_by("permit_no").agg(
        pl.col("permit_uscc").drop_nulls().first(),
        pl.col("source_system").unique().sort().str.join(";").alias("source_systems"),
        pl.col("year").min().alias("first_year"), pl.col("year").max().alias("last_year"),
    )
    sites = (
        seen.join(listed, on="permit_no", how="left")
        .with_columns(
            pl.col("permit_no").alias("facility_id"),
            pl.when(pl.col("_registry_uscc").is_not_null() | pl.col("facility_name").is_not_null())
            .then(pl.lit("permit_site")).otherwise(pl.lit("permit_unlisted")).alias("facility_kind"),
            pl.coalesce("permit_uscc", "_registry_uscc").alias("uscc"),
        )
        .drop("permit_uscc", "_registry_uscc")
    )
    firm_attrs = firms.select("uscc", pl.col("enterprise_name").alias("_firm_name"),
                              pl.col("region_code").alias("_firm_region"), "industry_code")
    sites = sites.join(firm_attrs, on="uscc", how="left").with_columns(
        pl.coalesce("facility_name", "_firm_name").alias("facility_name"),
        pl.coalesce("region_code", "_firm_region").alias("region_code"),
    ).drop("_firm_name", "_firm_region")
    without_site = firms.join(sites.select("uscc").drop_nulls().unique(), on="uscc", how="anti").select(
        (pl.col("uscc") + ENTERPRISE_SITE_SUFFIX).alias("facility_id"), pl.lit("enterprise_site").alias("facility_kind"),
        "uscc", pl.lit(None, pl.String).alias("permit_no"), pl.col("enterprise_name").alias("facility_name"),
        "region_code", "industry_code", "source_systems", "first_year", "last_year",
    )
    return pl.concat([sites, without_site], how="diagonal_relaxed").with_columns(
        city_code_expr(pl.col("region_code")).alias("city_code")).sort("facility_id")
