"""Who any source knows, and what each source contributes (issue 24: never lose an entity).

Principle: no enterprise or site that any source system knows may be absent from the inventory tables and the
register for a year in which any system has data on it. What cannot be computed is shown as such, with the
reason, never as zero and never as below the threshold.

- `known_site_years`: the site-years (or enterprise-years, for enterprise-level records) that matched, countable
  source records with a year name; the facility table gives each a row even when nothing could be valued.
- `coverage`: out_qa__coverage, per enterprise x year x source system: records present, matched and held back,
  the species the source's candidates give and the ones the inventory took from it, and why it gives nothing.
"""

from __future__ import annotations

import polars as pl

SPECIES_ORDER = ("CO2", "SO2", "NOx", "PM", "VOCs", "CH4", "N2O")


def known_site_years(assn: pl.DataFrame) -> pl.DataFrame:
    """facility_id (null for enterprise-level records), uscc, year, source_systems of matched, countable records."""
    rows = assn.filter(pl.col("is_countable") & pl.col("uscc").is_not_null() & pl.col("record_year").is_not_null())
    return rows.group_by("facility_id", "uscc", pl.col("record_year").cast(pl.Int64).alias("year")).agg(
        pl.col("source_system").unique().sort().str.join(";").alias("source_systems")).sort("uscc", "year", "facility_id")


def _species_list(column: pl.Expr) -> pl.Expr:
    order = {s: i for i, s in enumerate(SPECIES_ORDER)}
    return column.unique().sort_by(column.unique().replace_strict(order, default=99)).str.join(";")


def coverage(assn: pl.DataFrame, candidates: pl.DataFrame) -> pl.DataFrame:
    """out_qa__coverage: one row per enterprise, year and source system any record or candidate names."""
    records = assn.filter(pl.col("uscc").is_not_null() & pl.col("record_year").is_not_null()).group_by(
        "uscc", pl.col("record_year").cast(pl.Int64).alias("year"), "source_system").agg(
        pl.len().cast(pl.Int64).alias("record_count"),
        pl.col("is_countable").sum().cast(pl.Int64).alias("matched_record_count"),
        pl.col("source_table").unique().sort().str.join(";").alias("source_tables"))
    offered = candidates.group_by("uscc", "year", "source_system").agg(
        _species_list(pl.col("species")).alias("candidate_species"),
        _species_list(pl.col("species").filter(pl.col("is_chosen"))).alias("chosen_species"),
        pl.col("selection").filter(~pl.col("is_chosen")).unique().sort().str.join(";").alias("_not_chosen"),
        pl.col("missing_parameters").drop_nulls().unique().sort().str.join(" | ").alias("_missing"))
    table = records.join(offered, on=["uscc", "year", "source_system"], how="full", coalesce=True).with_columns(
        pl.col("record_count").fill_null(0), pl.col("matched_record_count").fill_null(0),
        *(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
          for c in ("candidate_species", "chosen_species", "_not_chosen", "_missing")))
    held = pl.col("record_count") - pl.col("matched_record_count")
    nothing_matched = (pl.col("matched_record_count") == 0) & (pl.col("record_count") > 0)
    no_candidates = pl.col("candidate_species").is_null()
    none_chosen = pl.col("chosen_species").is_null()
    reason_zh = (pl.when(nothing_matched).then(pl.lit("记录待人工复核，暂不计入（匹配存疑）"))
                 .when(no_candidates).then(pl.lit("记录无可核算的燃料或排放数据"))
                 .when(none_chosen & pl.col("_missing").is_not_null())
                 .then(pl.format("无法核算：缺少 {}", "_missing"))
                 .when(none_chosen).then(pl.format("其他来源或方法优先（{}）", "_not_chosen")))
    reason_en = (pl.when(nothing_matched).then(pl.lit("records held for review (uncertain match), not counted yet"))
                 .when(no_candidates).then(pl.lit("the records carry no fuel or emission figures to value"))
                 .when(none_chosen & pl.col("_missing").is_not_null())
                 .then(pl.format("not computable: missing {}", "_missing"))
                 .when(none_chosen).then(pl.format("another source or method ranks higher ({})", "_not_chosen")))
    return table.select(
        "uscc", "year", "source_system", (pl.col("record_count") > 0).alias("is_present"),
        (pl.col("matched_record_count") > 0).alias("is_matched"), "record_count", "matched_record_count",
        held.alias("held_record_count"), "source_tables", "candidate_species", "chosen_species",
        pl.col("_missing").alias("missing_parameters"), reason_zh.alias("coverage_reason_zh"),
        reason_en.alias("coverage_reason_en"),
    ).sort("uscc", "year", "source_system")

