"""Asset checks that read more than the one table they judge, so they run as steps of their own: the inventory
totals against the facility rows and the source rows behind a mismatch, and the matched share against the run's
setting. Checks that need only their own table run in the asset's step (pipelines/orchestration/step_checks.py)."""


import dagster as dg
import polars as pl

from inventories.sql_models import region_sector_mismatches
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.step_checks import rows_metadata, rows_text

RECONCILED = {"co2_combustion_t": ("CO2 combustion",), "co2_process_t": ("CO2 process",),
              "co2_indirect_t": ("CO2 indirect_electricity", "CO2 indirect_heat"), "co2e_t": ("co2e",),
              "so2_mass_t": ("SO2",), "nox_mass_t": ("NOx",), "pm_mass_t": ("PM",), "vocs_mass_t": ("VOCs",),
              "energy_tce": ("energy_tce",)}
"""Facility-table column -> the reconciliation quantities (as out_inventory__region_sector_reconciliation names them)."""
SPECIES_IN = {"species": dg.AssetIn("core_inventory__yearly_facility_species")}


def _rows_behind(off: pl.DataFrame, species: pl.DataFrame, facility: pl.DataFrame) -> list[str]:
    """The source rows (file:sheet:row#sha) of the chosen values behind mismatching totals: those behind the most
    mismatches first (a county's row is behind its city's, its province's and the year's too), then the largest.

    off: year, region_code (null: the whole year), quantity. A value is behind a total when its year and quantity are
    the total's and its site lies in the total's region (province, city or county code).
    """
    sites = facility.select("facility_id", "year", "city_code", "region_code").unique(["facility_id", "year"])
    values = species.join(sites, on=["facility_id", "year"], how="left")
    co2 = pl.col("species") == "CO2"
    long = pl.concat([
        values.select("year", pl.when(co2).then(pl.lit("CO2 ") + pl.col("scope")).otherwise("species").alias("quantity"),
                      pl.col("mass_t").alias("amount"), "city_code", "region_code", "source_record"),
        values.filter(pl.col("scope").is_in(["combustion", "process"])).select(
            "year", pl.lit("co2e").alias("quantity"), pl.col("co2e_t").alias("amount"), "city_code", "region_code",
            "source_record"),
        values.filter(co2).select("year", pl.lit("energy_tce").alias("quantity"), pl.col("energy_tce").alias("amount"),
                                  "city_code", "region_code", "source_record"),
    ]).drop_nulls("amount").with_columns(
        pl.concat_list(pl.col("city_code").str.slice(0, 2) + "0000", "city_code", "region_code").alias("_in"))
    keys = off.select("year", "region_code", "quantity").unique()
    anywhere = keys.filter(pl.col("region_code").is_null()).drop("region_code").join(long, on=["year", "quantity"])
    placed = (keys.filter(pl.col("region_code").is_not_null()).rename({"region_code": "_in"})
              .join(long.explode("_in"), on=["year", "quantity", "_in"]))
    behind = (pl.concat([anywhere.select("source_record", "amount"), placed.select("source_record", "amount")])
              .drop_nulls("source_record").with_columns(pl.col("source_record").str.split(";")).explode("source_record"))
    ranked = behind.group_by("source_record").agg(pl.len().alias("totals"), pl.col("amount").abs().max())
    return ranked.sort(["totals", "amount", "source_record"], descending=[True, True, False])["source_record"].to_list()


@dg.asset_check(asset="out_inventory__yearly_enterprise", blocking=True,
                additional_ins={"facility": dg.AssetIn("out_inventory__yearly_facility"), **SPECIES_IN},
                description="Enterprise totals equal the sums of their facilities, per year and quantity.")
def enterprise_equals_facility_sum(out_inventory__yearly_enterprise: pl.DataFrame, facility: pl.DataFrame,
                                   species: pl.DataFrame) -> dg.AssetCheckResult:
    sums = facility.group_by("year").agg(pl.col(c).sum() for c in RECONCILED)
    totals = out_inventory__yearly_enterprise.group_by("year").agg(pl.col(c).sum() for c in RECONCILED)
    both = sums.join(totals, on="year", suffix="_enterprise")
    off = {(c, y): (a, b) for row in both.iter_rows(named=True) for c in RECONCILED
           if abs((a := row[c]) - (b := row[f"{c}_enterprise"])) > 1e-6 * max(1.0, abs(a)) for y in [row["year"]]}
    keys = pl.DataFrame([(y, None, q) for c, y in off for q in RECONCILED[c]], orient="row",
                        schema={"year": pl.Int64, "region_code": pl.String, "quantity": pl.String})
    rows = _rows_behind(keys, species, facility) if off else []
    return dg.AssetCheckResult(
        passed=not off and both.height == sums.height,
        description=rows_text("企业合计与其设施之和不一致", "enterprise totals differ from the sums of their facilities",
                               rows) if off else None,
        metadata={"years": both.height, "mismatches": len(off),
                  "first": str([(f"{c} {y}", v) for (c, y), v in list(off.items())[:3]]), **rows_metadata(rows)})


@dg.asset_check(asset="out_inventory__yearly_region_sector", blocking=True,
                additional_ins={"facility": dg.AssetIn("out_inventory__yearly_facility"), **SPECIES_IN},
                description="Province, city and county rows add up exactly (to 1 g, or one unit in the last place of "
                            "a DOUBLE above 2^32 t) to the facility inventory at every level and sector scheme, sector "
                            "classes to their region's total, counties to their city, cities to the province. A failure "
                            "names the source rows behind the totals that differ.")
def region_sector_reconciles(out_inventory__yearly_region_sector: pl.DataFrame, facility: pl.DataFrame,
                             species: pl.DataFrame) -> dg.AssetCheckResult:
    off = region_sector_mismatches(out_inventory__yearly_region_sector, facility)
    first = off.head(3).select("test", "year", "region_level", "region_code", "sector_scheme", "quantity", "difference")
    rows = _rows_behind(off, species, facility) if off.height else []
    return dg.AssetCheckResult(
        passed=off.is_empty(),
        description=rows_text("区划×行业汇总与设施清单对不平", "region x sector totals do not add up to the facility "
                               "inventory", rows) if off.height else None,
        metadata={"mismatches": off.height, "rows_checked": out_inventory__yearly_region_sector.height,
                  "first": str(first.rows()), **rows_metadata(rows)})


@dg.asset_check(asset="out_qa__match_summary",
                description="Per source system and year, the share of records matched to an entity is at least "
                            "SynergyConfig.min_matched_share (default 0.97).")
def match_share(synergy: SynergyConfig, out_qa__match_summary: pl.DataFrame) -> dg.AssetCheckResult:
    shares = (out_qa__match_summary.group_by("source_system", "record_year")
              .agg(pl.col("record_share").filter(pl.col("match_status") == "matched").sum().alias("matched_share"))
              .sort("source_system", "record_year"))
    low = shares.filter(pl.col("matched_share") < synergy.min_matched_share)
    return dg.AssetCheckResult(passed=low.height == 0, metadata={
        "threshold": synergy.min_matched_share, "lowest_matched_share": float(shares["matched_share"].min() or 0),
        "below_threshold": ", ".join(f"{r[0]} {r[1]}: {r[2]:.3f}" for r in low.iter_rows()) or "none"})



CHECKS = [enterprise_equals_facility_sum, region_sector_reconciles, match_share]
