"""From candidates to one inventory: 相互补充 (missing lines), allocation, CO2e and the method hierarchy.

- Missing lines: a fuel the enterprise's GHG report lacks in a year but its statistics form (else its
  permit fuel analysis) shows at one of its sites in the same year is added at that site as method
  gap_filled (gap_fill_kind missing_line), chosen on top of the GHG figure. Coal ranks are named
  inconsistently across systems (原煤 vs 烟煤), so a coal fuel is filled only when the report has no coal
  at all. Never across years or sites.
- Allocation: a GHG figure that names only the enterprise of a multi-site enterprise is spread over its
  sites in proportion to their calculated combustion CO2 of the same year (allocation_share); with no
  site data it stays on `<USCC>-E`.
- Choice per facility, year, species and scope: monitored > reported > calculated > gap_filled, then the
  source order in rules/accounting.yaml, then the table (annual report before monthly records, G103 before 基101
  totals); an incomplete candidate (a line could not be computed) is chosen only when nothing complete exists,
  as a flagged lower bound (`is_lower_bound`, selection lower_bound) that names what it lacks, so the
  enterprise's known energy and partial CO2 are never lost. A 基101 total yields to G103 data of the same
  enterprise, year and species (covered_by_g103); an enterprise-level candidate yields to site candidates of the
  same enterprise. Nothing is overwritten: every candidate stays, with `selection` saying why it was or was not
  chosen.
"""

from __future__ import annotations

import polars as pl

from inventories.candidates import CANDIDATE_COLUMNS, line_defaults, summarise
from inventories.factor_library import FactorSet, select_factors
from inventories.sums import stable_sum
from schemas.identifiers import ENTERPRISE_SITE_SUFFIX

METHOD_RANK = {"monitored": 1, "reported": 2, "calculated": 3, "gap_filled": 4}
GHG_SPECIES = {"CO2": "gwp_co2", "CH4": "gwp_ch4", "N2O": "gwp_n2o"}


def missing_lines(ghg: pl.DataFrame, line_results: pl.DataFrame, fuel_groups: pl.DataFrame) -> pl.DataFrame:
    """Gap-filled candidates for fuels a GHG report lacks (statistics lines first, then permit lines).

    `ghg` is the GHG fuel-line results with uscc, year, fuel_code; `line_results` the calculated line results
    of the other systems (CO2 rows carry fuel_code).
    """
    groups = fuel_groups.select("fuel_code", "fuel_group")
    reported = ghg.join(groups, on="fuel_code", how="left").group_by("uscc", "year").agg(
        pl.col("fuel_code").unique().alias("_fuels"), pl.col("fuel_group").eq("coal").any().alias("_has_coal"))
    co2 = line_results.filter((pl.col("species") == "CO2") & pl.col("mass_t").is_not_null()).join(
        groups, on="fuel_code", how="left").join(reported, on=["uscc", "year"], how="inner")
    coal_reported = (pl.col("fuel_group").eq("coal") & pl.col("_has_coal")).fill_null(False)
    lacking = co2.filter(~pl.col("_fuels").list.contains(pl.col("fuel_code")) & ~coal_reported)
    # one donor system per site, year and fuel: statistics before permit
    lacking = lacking.with_columns((pl.col("source_system") == "envstat").alias("_stat"))
    first = lacking.group_by("facility_id", "year", "fuel_code").agg(pl.col("_stat").any().alias("_has_stat"))
    lacking = lacking.join(first, on=["facility_id", "year", "fuel_code"]).filter(pl.col("_stat") | ~pl.col("_has_stat"))
    filled = lacking.with_columns(
        pl.lit("gap_filled").alias("method"), pl.lit("missing_line").alias("gap_fill_kind"),
        pl.format("ghg 缺 missing {}", "fuel_code").alias("filled_from"),
    ).drop("_fuels", "_has_coal", "_stat", "_has_stat", "fuel_group")
    return summarise(line_defaults(filled))


ENTERPRISE_TOTAL_TABLES = ("core_envstat__enterprise",)
"""Tables whose figures are enterprise totals of a source that also has site-level forms (基101 vs G103)."""
G103_TABLES = ("core_envstat__boilers", "core_envstat__kilns")
TABLE_RANK = {"core_ghg__power_monthly": 1, "core_envstat__enterprise": 1}
"""Within one source and method: the annual report before the monthly records, G103 before 基101 totals."""


def allocate(candidates: pl.DataFrame, shares: pl.DataFrame) -> pl.DataFrame:
    """Spread enterprise-level GHG and 基101 candidates (`<USCC>-E` of an enterprise with site shares) over its sites."""
    enterprise_level = (pl.col("facility_id") == pl.col("uscc") + ENTERPRISE_SITE_SUFFIX) & (
        (pl.col("source_system") == "ghg") | pl.col("source_table").is_in(ENTERPRISE_TOTAL_TABLES))
    to_split = candidates.filter(enterprise_level).join(shares, on=["uscc", "year"], how="inner", suffix="_site")
    split_keys = to_split.select("uscc", "year").unique()
    kept = candidates.filter(~enterprise_level).vstack(
        candidates.filter(enterprise_level).join(split_keys, on=["uscc", "year"], how="anti"))
    spread = to_split.with_columns(
        pl.col("facility_id_site").alias("facility_id"),
        *(pl.col(c) * pl.col("share") for c in ("mass_t", "energy_tce", "heat_input_gj")),
        pl.col("share").alias("allocation_share"),
    ).select(CANDIDATE_COLUMNS)
    return pl.concat([kept, spread])


def site_shares(candidates: pl.DataFrame) -> pl.DataFrame:
    """uscc, year, facility_id, share: each site's part of its enterprise's calculated combustion CO2."""
    calc = candidates.filter((pl.col("species") == "CO2") & (pl.col("scope") == "combustion")
                             & (pl.col("method") == "calculated") & (pl.col("uncomputed_line_count") == 0)
                             & (pl.col("mass_t") > 0) & (pl.col("facility_id") != pl.col("uscc") + ENTERPRISE_SITE_SUFFIX))
    best = calc.with_columns(pl.col("source_system").replace_strict({"envstat": 0, "permit": 1}, default=2).alias("_r"))
    best = best.filter(pl.col("_r") == pl.col("_r").min().over("uscc", "year"))
    best = best.group_by("uscc", "year", "facility_id").agg(stable_sum("mass_t")).sort("uscc", "year", "facility_id")
    return best.with_columns((pl.col("mass_t") / pl.col("mass_t").sum().over("uscc", "year")).alias("share")).select(
        "uscc", "year", "facility_id", "share")


def with_co2e(candidates: pl.DataFrame, factor_set: FactorSet, gwp_set: str) -> pl.DataFrame:
    """co2e_t and gwp_set for greenhouse-gas species (null for air pollutants)."""
    gwp = []
    for species, parameter in GHG_SPECIES.items():
        picked = select_factors(pl.DataFrame({"request_key": [species], "year": [2000], "guideline": [gwp_set]}),
                                factor_set.factors, parameter)
        if picked.height:
            gwp.append({"species": species, "_gwp": picked["value"][0], "_gwp_id": picked["factor_id"][0]})
    table = pl.DataFrame(gwp, schema={"species": pl.String, "_gwp": pl.Float64, "_gwp_id": pl.String})
    is_ghg = pl.col("species").is_in(list(GHG_SPECIES))
    return candidates.join(table, on="species", how="left").with_columns(
        (pl.col("mass_t") * pl.col("_gwp")).alias("co2e_t"),
        pl.when(is_ghg).then(pl.lit(gwp_set)).alias("gwp_set"),
        pl.when(pl.col("_gwp_id").is_not_null() & (pl.col("species") != "CO2"))
        .then(pl.concat_str(pl.col("factor_ids"), pl.lit(";"), pl.col("_gwp_id")).str.strip_chars(";"))
        .otherwise(pl.col("factor_ids")).alias("factor_ids"),
    ).drop("_gwp", "_gwp_id")


def choose(candidates: pl.DataFrame, settings: dict) -> pl.DataFrame:
    """Adds method_rank, is_chosen and selection (chosen / supplement / lower_rank / incomplete / covered_by_sites)."""
    order = settings["source_preference"]
    indirect_order = settings["indirect_method_order"]
    key = ["facility_id", "year", "species", "scope"]
    is_indirect = pl.col("scope").str.starts_with("indirect")
    method_rank = (pl.when(is_indirect).then(pl.col("method").replace_strict(
        {m: i + 1 for i, m in enumerate(indirect_order)}, default=9))
        .otherwise(pl.col("method").replace_strict(METHOD_RANK, default=9)))
    source_rank = pl.when(pl.col("species") == "CO2").then(
        pl.col("source_system").replace_strict({s: i for i, s in enumerate(order["CO2"])}, default=9)
    ).otherwise(pl.col("source_system").replace_strict({s: i for i, s in enumerate(order["pollutant"])}, default=9))
    supplement = pl.col("gap_fill_kind").eq("missing_line").fill_null(False)
    complete = pl.col("mass_t").is_not_null() & (pl.col("uncomputed_line_count") == 0)
    covered_by_g103 = pl.col("_g103").fill_null(False) & pl.col("source_table").is_in(ENTERPRISE_TOTAL_TABLES)
    known = pl.col("mass_t").is_not_null() | pl.col("energy_tce").is_not_null()
    ranked = _with_g103(candidates).with_columns(
        method_rank.cast(pl.Int64).alias("method_rank"), source_rank.cast(pl.Int64).alias("_source_rank"),
        pl.col("source_table").replace_strict(TABLE_RANK, default=0).cast(pl.Int64).alias("_table_rank"),
        (complete & ~supplement & ~covered_by_g103).alias("_eligible"),
        (~complete & ~supplement & ~covered_by_g103 & known).alias("_lower_bound_ok"))
    ranked = ranked.sort([*key, "_eligible", "_lower_bound_ok", "method_rank", "_source_rank", "_table_rank",
                          "source_table"], descending=[False] * len(key) + [True, True, False, False, False, False])
    first = pl.int_range(pl.len()).over(key) == 0
    ranked = ranked.with_columns((first & (pl.col("_eligible") | pl.col("_lower_bound_ok"))).alias("is_chosen"),
                                 (first & ~pl.col("_eligible") & pl.col("_lower_bound_ok")).alias("is_lower_bound"))
    # an enterprise-level primary yields to the sites of the same enterprise
    site_level = ranked.filter(pl.col("is_chosen") & (pl.col("facility_id") != pl.col("uscc") + ENTERPRISE_SITE_SUFFIX))
    covered = site_level.select("uscc", "year", "species", "scope").unique().with_columns(pl.lit(True).alias("_covered"))
    ranked = ranked.join(covered, on=["uscc", "year", "species", "scope"], how="left").with_columns(
        (pl.col("is_chosen") & (pl.col("facility_id") == pl.col("uscc") + ENTERPRISE_SITE_SUFFIX)
         & pl.col("_covered").fill_null(False)).alias("_yield"))
    primary = ranked.filter(pl.col("is_chosen") & ~pl.col("_yield")).select(
        *key, pl.col("source_system").alias("_primary_source"))
    ranked = ranked.join(primary, on=key, how="left")
    supplement_chosen = supplement & complete & (pl.col("_primary_source") == "ghg")
    return ranked.with_columns(
        (pl.col("is_chosen") & ~pl.col("_yield") | supplement_chosen).alias("is_chosen"),
        pl.when(pl.col("_yield")).then(pl.lit("covered_by_sites"))
        .when(pl.col("is_chosen") & pl.col("is_lower_bound")).then(pl.lit("lower_bound"))
        .when(pl.col("is_chosen")).then(pl.lit("chosen"))
        .when(supplement_chosen).then(pl.lit("supplement"))
        .when(supplement).then(pl.lit("supplement_not_needed"))
        .when(covered_by_g103).then(pl.lit("covered_by_g103"))
        .when(~complete).then(pl.lit("incomplete"))
        .otherwise(pl.lit("lower_rank")).alias("selection"),
        (pl.col("is_lower_bound") & ~pl.col("_yield")).alias("is_lower_bound"),
    ).drop("_source_rank", "_table_rank", "_eligible", "_lower_bound_ok", "_g103", "_covered", "_yield",
           "_primary_source")


def _with_g103(candidates: pl.DataFrame) -> pl.DataFrame:
    """`_g103`: the enterprise has G103 boiler/kiln data for the year and species (its 基101 total then yields)."""
    g103 = candidates.filter((pl.col("source_system") == "envstat")
                             & pl.col("source_table").str.contains("|".join(G103_TABLES))).select(
        "uscc", "year", "species").unique().with_columns(pl.lit(True).alias("_g103"))
    return candidates.join(g103, on=["uscc", "year", "species"], how="left")
