"""Entity resolution end to end (pure): core tables + curation decisions -> entity and crosswalk tables."""

from __future__ import annotations

import polars as pl

from inventories.matching.decisions import Decision
from inventories.matching.names import name_key
from inventories.matching.passes import match_identities
from pipelines.resolve import match_outputs
from pipelines.resolve.entities import enterprises, facilities
from pipelines.resolve.identity import IDENTITY_COLUMNS, identity_records
from schemas.generate import polars_schema
from schemas.tables import TABLES


def _identities(records: pl.DataFrame) -> pl.DataFrame:
    """One row per identity_key; a site-level record makes the identity site-level."""
    first = [pl.col(c).drop_nulls().first() for c in IDENTITY_COLUMNS if c != "year"]
    return records.group_by("identity_key").agg(
        *first, pl.col("record_grain").min().alias("record_grain"))  # "enterprise" < "facility": any facility row wins


def _with_counts(sites: pl.DataFrame, firms: pl.DataFrame, assn: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    counted = assn.filter(pl.col("is_countable"))
    per_site = counted.group_by("facility_id").agg(pl.len().alias("record_count"))
    per_firm = counted.group_by("uscc").agg(pl.len().alias("record_count"))
    sites = sites.join(per_site, on="facility_id", how="left").with_columns(
        pl.col("record_count").fill_null(0),
        pl.col("facility_name").map_elements(lambda n: name_key(n).is_branch, return_dtype=pl.Boolean)
        .fill_null(False).alias("is_branch"))
    site_counts = sites.group_by("uscc").agg(pl.len().alias("facility_count"))
    firms = firms.join(per_firm, on="uscc", how="left").join(site_counts, on="uscc", how="left").with_columns(
        pl.col("record_count").fill_null(0), pl.col("facility_count").fill_null(0))
    return sites, firms


def _former_names(firms: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """Every other legal name the enterprise was known by (written 曾用名, or a different name key over the years)."""
    former = (names.filter(pl.col("alias_kind").is_in(["name", "former_name"]))
              .join(firms.select("uscc", pl.col("enterprise_name").alias("_current")), on="uscc")
              .filter(pl.col("name_key") != pl.col("_current").map_elements(lambda n: name_key(n).key,
                                                                            return_dtype=pl.String))
              .group_by("uscc").agg(pl.col("alias").unique().sort().str.join(";").alias("former_names")))
    return firms.join(former, on="uscc", how="left")


def resolve(tables: dict[str, pl.DataFrame], decisions: list[Decision]) -> dict:
    """Entities, crosswalk, guard findings, review list and curation outcome for one build."""
    records = identity_records(tables)
    firms = enterprises(records)
    sites = facilities(records, firms)
    result = match_identities(_identities(records), firms, sites, records, decisions)
    if result.curated_sites:
        sites = pl.concat([sites, pl.DataFrame(result.curated_sites)], how="diagonal_relaxed")
    assn = match_outputs.assn_sources(records, result.assignments)
    sites, firms = _with_counts(sites, firms, assn)
    names = match_outputs.aliases(assn)
    return {
        "records": records, "assn": assn, "sites": sites, "firms": _former_names(firms, names), "aliases": names,
        "conflicts": match_outputs.conflicts(assn, sites), "unmatched": match_outputs.unmatched(assn),
        "summary": match_outputs.summary(assn),
        "review": pl.DataFrame(result.review, schema=polars_schema(TABLES["out_qa__match_review"])),
        "curation_status": result.curation_status,
    }
