"""From identity matches to the published crosswalk, its guards, and what analysts must look at.

Guards keep doubtful records out of sums (`is_countable` false) until curation resolves them:
a site that records tie to two enterprises, a record whose name fits several entities (it feeds no
facility), and, reported per enterprise-year, a GHG enterprise whose sites are only partly matched.
"""

from __future__ import annotations

import polars as pl

from inventories.matching.names import name_key

CONFLICT_TEXT = {
    "site_two_enterprises": ("同一设施的记录指向两个以上统一社会信用代码", "records of one site name two or more USCCs"),
    "ambiguous_match": ("一条记录可对应多个设施或企业", "one record fits several sites or enterprises"),
    "ghg_sites_partly_matched": ("温室气体报告企业的设施仅部分有许可或统计记录，企业总量不拆分到设施",
                                 "GHG enterprise whose sites are only partly matched; its totals are not split to sites"),
}


def assn_sources(records: pl.DataFrame, assignments: pl.DataFrame) -> pl.DataFrame:
    """Every source record -> facility and enterprise, method, score, status, guard and validity span."""
    assn = records.rename({"uscc": "written_uscc"}).join(assignments, on="identity_key", how="left")
    two = (assn.filter(pl.col("match_status") == "matched").drop_nulls(["facility_id", "uscc"])
           .group_by("facility_id").agg(pl.col("uscc").n_unique().alias("_usccs")).filter(pl.col("_usccs") > 1))
    assn = assn.join(two, on="facility_id", how="left").with_columns(
        pl.when(pl.col("_usccs").is_not_null() & (pl.col("match_status") == "matched"))
        .then(pl.lit("site_two_enterprises"))
        .when(pl.col("match_status") == "ambiguous").then(pl.lit("ambiguous_match"))
        .otherwise(pl.lit(None, pl.String)).alias("conflict_kind"),
    ).with_columns(((pl.col("match_status") == "matched") & pl.col("conflict_kind").is_null()).alias("is_countable"))
    span = assn.group_by("identity_key", "facility_id", "uscc").agg(
        pl.coalesce(pl.date(pl.col("year").min(), 1, 1), pl.col("valid_from").min()).alias("_from"),
        pl.coalesce(pl.date(pl.col("year").max(), 12, 31), pl.col("valid_to").max()).alias("_to"))
    return (assn.drop("valid_from", "valid_to")
            .join(span, on=["identity_key", "facility_id", "uscc"], how="left", nulls_equal=True)
            .rename({"_from": "valid_from", "_to": "valid_to"})
            .sort("source_table", "source_file", "sheet_name", "row_number", nulls_last=True))


def ghg_partly_matched(assn: pl.DataFrame, sites: pl.DataFrame) -> pl.DataFrame:
    """GHG enterprise-years of multi-site enterprises where only some sites have matched permit/statistics rows."""
    multi = sites.filter(pl.col("facility_kind") != "enterprise_site").group_by("uscc").agg(
        pl.col("facility_id").n_unique().alias("site_count")).filter(pl.col("site_count") > 1)
    ghg = assn.filter((pl.col("source_system") == "ghg") & pl.col("is_countable")).select("uscc", "year").unique()
    seen = (assn.filter(pl.col("source_system").is_in(["permit", "envstat"]) & pl.col("is_countable")
                        & pl.col("facility_id").is_not_null())
            .group_by("uscc", "year").agg(pl.col("facility_id").n_unique().alias("matched_site_count")))
    return (ghg.join(multi, on="uscc").join(seen, on=["uscc", "year"], how="left")
            .with_columns(pl.col("matched_site_count").fill_null(0))
            .filter((pl.col("matched_site_count") > 0) & (pl.col("matched_site_count") < pl.col("site_count"))))


def conflicts(assn: pl.DataFrame, sites: pl.DataFrame) -> pl.DataFrame:
    """One row per guard finding: kind, where, how many records, and what it blocks (zh + en)."""
    flagged = (assn.filter(pl.col("conflict_kind").is_not_null())
               .group_by("conflict_kind", "facility_id", "identity_key", "record_year")
               .agg(pl.col("uscc").drop_nulls().unique().sort().alias("_usccs"),
                    pl.col("candidate_ids").drop_nulls().first(), pl.len().alias("record_count"))
               .with_columns(pl.when(pl.col("_usccs").list.len() == 1).then(pl.col("_usccs").list.first())
                             .alias("uscc"),
                             pl.coalesce(pl.col("candidate_ids"), pl.col("_usccs").list.join(";")).alias("candidate_ids")))
    partial = ghg_partly_matched(assn, sites).select(
        pl.lit("ghg_sites_partly_matched").alias("conflict_kind"), pl.lit(None, pl.String).alias("facility_id"),
        pl.lit(None, pl.String).alias("identity_key"), pl.col("year").alias("record_year"), "uscc",
        pl.lit(None, pl.String).alias("candidate_ids"),
        (pl.col("site_count") - pl.col("matched_site_count")).cast(pl.UInt32).alias("record_count"))
    out = pl.concat([flagged.select(partial.columns), partial], how="vertical_relaxed")  # record_count: sites
    return out.with_columns(
        pl.col("conflict_kind").replace_strict({k: v[0] for k, v in CONFLICT_TEXT.items()}).alias("detail_zh"),
        pl.col("conflict_kind").replace_strict({k: v[1] for k, v in CONFLICT_TEXT.items()}).alias("detail_en"),
    ).sort("conflict_kind", "uscc", "facility_id", "record_year", nulls_last=True)


def unmatched(assn: pl.DataFrame) -> pl.DataFrame:
    """Records that feed no entity (unmatched or ambiguous), with identifiers as written and the reason."""
    held = assn.filter(~pl.col("is_countable") & pl.col("conflict_kind").ne("site_two_enterprises").fill_null(True))
    return held.with_columns(pl.col("written_uscc").alias("uscc"))  # as written: an unmatched record has no entity


def summary(assn: pl.DataFrame) -> pl.DataFrame:
    """Records per source system, year, status and method, with their share of the source-year."""
    counts = assn.group_by("source_system", "record_year", "match_status", "match_method").agg(
        pl.len().alias("record_count"))
    return counts.with_columns(
        (pl.col("record_count") / pl.col("record_count").sum().over("source_system", "record_year")).alias("record_share"),
    ).sort("source_system", "record_year", "match_status", "match_method", nulls_last=True)


def aliases(assn: pl.DataFrame) -> pl.DataFrame:
    """Name and code history per enterprise: every spelling, former name and code seen, with years and sources."""
    matched = assn.filter(pl.col("is_countable") & pl.col("uscc").is_not_null())
    names = matched.select("uscc", pl.lit("name").alias("alias_kind"), pl.col("enterprise_name").alias("alias"),
                           "facility_id", "record_grain", "source_system", "year")
    names = names.with_columns(pl.when(pl.col("record_grain") == "facility").then(pl.lit("site_name"))
                               .otherwise(pl.col("alias_kind")).alias("alias_kind"))
    former = (matched.filter(pl.col("former_names").is_not_null())
              .with_columns(pl.col("former_names").str.split(";")).explode("former_names")
              .select("uscc", pl.lit("former_name").alias("alias_kind"), pl.col("former_names").alias("alias"),
                      "facility_id", "record_grain", "source_system", "year"))
    codes = (matched.filter(pl.col("org_code").is_not_null())
             .select("uscc", pl.lit("org_code").alias("alias_kind"), pl.col("org_code").alias("alias"), "facility_id",
                     "record_grain", "source_system", "year"))
    stacked = pl.concat([names, former, codes]).filter(pl.col("alias").is_not_null())
    stacked = stacked.with_columns(pl.when(pl.col("alias_kind") == "site_name").then(pl.col("facility_id"))
                                   .otherwise(pl.lit(None, pl.String)).alias("facility_id"))
    out = stacked.group_by("uscc", "alias_kind", "alias", "facility_id").agg(
        pl.col("source_system").unique().sort().str.join(";").alias("source_systems"),
        pl.col("year").min().alias("first_year"), pl.col("year").max().alias("last_year"),
        pl.len().alias("record_count"))
    keyed = out.filter(pl.col("alias_kind") != "org_code").select("alias").unique().with_columns(
        pl.col("alias").map_elements(lambda n: name_key(n).key, return_dtype=pl.String).alias("name_key"),
        pl.col("alias").map_elements(lambda n: ";".join(name_key(n).flags) or None, return_dtype=pl.String)
        .alias("name_flags"))
    return out.join(keyed, on="alias", how="left").sort("uscc", "alias_kind", "alias", "facility_id", nulls_last=True)
