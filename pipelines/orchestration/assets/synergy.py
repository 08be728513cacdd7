"""Synergy assets (减污降碳协同度 and 协同指数): enterprise and sector readings, and the city index.

The methods live in `inventories.synergy` and `inventories.synergy_index`; the index tree and its
settings are files (SynergyConfig.synergy_index_path, read through SynergyConfig.index_settings), so a weight
changes without a code change.
"""


import dagster as dg
import polars as pl

from inventories.synergy import enterprise_output, enterprise_synergy, sector_synergy
from inventories.synergy_index import city_index, leaf_values
from inventories.synergy_tree import load_tree
from pipelines.orchestration.assets.inventory import ALL_YEARS, up_to
from pipelines.orchestration.partitions import YEARLY, run_years
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.step_checks import checked_asset
from schemas.generate import conform


def _counts(table: pl.DataFrame, column: str) -> dict[str, int]:
    return {f"{column}_{k}": int(v) for k, v in sorted(table.group_by(column).len().drop_nulls().iter_rows())}


@checked_asset(group_name="out_synergy", kinds={"polars"}, ins={"out_inventory__yearly_enterprise": ALL_YEARS}, **YEARLY)
def out_synergy__yearly_enterprise(context: dg.AssetExecutionContext, out_inventory__yearly_enterprise: pl.DataFrame,
                                   core_permit__production: pl.DataFrame,
                                   core_ghg__power_monthly: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Per enterprise, year and pollutant against CO2 on the previous year: Els, reading, quadrant, decoupling.

    Reads every built year up to the run's last, so a one-year run still has the previous year.
    """
    years = run_years(context)
    output = enterprise_output(core_permit__production, core_ghg__power_monthly)
    table = conform(enterprise_synergy(up_to(out_inventory__yearly_enterprise, years), output, years),
                    "out_synergy__yearly_enterprise")
    apeq = table.filter(pl.col("pollutant") == "APeq")
    return dg.Output(table, metadata={"rows": table.height, "enterprises": table["uscc"].n_unique(),
                                      "with_output": int(apeq["output_product"].is_not_null().sum()),
                                      **_counts(apeq.rename({"els_reading": "apeq"}), "apeq")})


@checked_asset(group_name="out_synergy", kinds={"polars"}, **YEARLY)
def out_synergy__yearly_sector(out_synergy__yearly_enterprise: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Per year, GB/T 4754 大类 (and all sectors) and pollutant: the readings on like-for-like sums."""
    table = conform(sector_synergy(out_synergy__yearly_enterprise), "out_synergy__yearly_sector")
    overall = table.filter((pl.col("sector_scheme") == "all") & (pl.col("pollutant") == "APeq"))
    return dg.Output(table, metadata={"rows": table.height,
                                      "sectors": table.filter(pl.col("sector_scheme") != "all")["sector_class_code"].n_unique(),
                                      **_counts(overall.rename({"els_reading": "all_sectors_apeq"}), "all_sectors_apeq")})


@checked_asset(group_name="out_synergy", kinds={"polars"}, **YEARLY,
          ins={"out_inventory__yearly_facility": ALL_YEARS, "out_synergy__yearly_enterprise": ALL_YEARS,
               "out_key_emitters__register": ALL_YEARS})
def out_synergy__yearly_city_index(context: dg.AssetExecutionContext, synergy: SynergyConfig,
                                   out_inventory__yearly_facility: pl.DataFrame,
                                   out_synergy__yearly_enterprise: pl.DataFrame, out_key_emitters__register: pl.DataFrame,
                                   core_envstat__enterprise: pl.DataFrame,
                                   core_city__indicators: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """The city index per year, city and node of the indicator tree; bounds and base year from the settings file."""
    years = run_years(context)
    settings = synergy.index_settings()
    tree = load_tree(settings.tree_path)
    values = leaf_values(up_to(out_inventory__yearly_facility, years), up_to(out_synergy__yearly_enterprise, years),
                         up_to(core_envstat__enterprise, years), up_to(out_key_emitters__register, years),
                         up_to(core_city__indicators, years), settings)
    table = conform(city_index(values, tree, settings, years), "out_synergy__yearly_city_index")
    root = table.filter(pl.col("indicator_level") == 0)
    return dg.Output(table, metadata={
        "rows": table.height, "cities": root["city_code"].n_unique(), "tree": settings.tree_label,
        "base_year": settings.base_year, "normalisation": settings.normalisation,
        "min_weight_coverage_pct": float(root["weight_coverage_pct"].min() or 0.0)})


@dg.asset_check(asset="out_synergy__yearly_city_index",
                description="Each city's index covers the tree's whole weight; WARN names the cities, years and the "
                            "indicators missing (city file rows or inventory values).")
def city_index_weight_coverage(out_synergy__yearly_city_index: pl.DataFrame) -> dg.AssetCheckResult:
    root = out_synergy__yearly_city_index.filter(pl.col("indicator_level") == 0)
    partial = root.filter(pl.col("weight_coverage_pct") < 100 - 1e-9).sort("year", "city_code")
    lines = [f"{r['year']} {r['city_code']} {r['region_name']}: {r['weight_coverage_pct']:.1f} % ({r['missing_indicators']})"
             for r in partial.head(20).iter_rows(named=True)]
    return dg.AssetCheckResult(passed=partial.is_empty(), severity=dg.AssetCheckSeverity.WARN, metadata={
        "city_years": root.height, "partial_city_years": partial.height, "partial": "\n".join(lines)})
