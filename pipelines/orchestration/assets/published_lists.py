"""Published key-emitter lists (inbox/register/) compared with the computed register, per USCC.

The lists themselves are ingested like every source (raw_register -> core_register__published_list); the
comparison is the SQL model in `inventories/` (inventories.published_lists).
"""


import dagster as dg
import polars as pl

from inventories.published_lists import COMPARISONS, published_comparison
from pipelines.orchestration.step_checks import checked_asset
from schemas.generate import conform

TABLE = "out_key_emitters__published_comparison"


def comparison_counts(table: pl.DataFrame) -> dict[str, int]:
    """Rows per comparison value, every value named (0 when absent)."""
    counts = dict(table.group_by("comparison").len().iter_rows())
    return {value: int(counts.get(value, 0)) for value in COMPARISONS}


@checked_asset(group_name="out_key_emitters", kinds={"duckdb"})
def out_key_emitters__published_comparison(core_register__published_list: pl.DataFrame,
                                           out_key_emitters__register: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Per USCC: on a published list and computed (on_both), only published, or only computed; with the list
    periods, computed key years, the latest computed status and every name the lists give the enterprise."""
    table = conform(published_comparison(core_register__published_list, out_key_emitters__register), TABLE)
    periods = sorted(core_register__published_list["list_period"].unique().to_list())
    return dg.Output(table, metadata={"enterprises": table.height, **comparison_counts(table),
                                      "list_periods": ", ".join(periods) or "none",
                                      "with_name_variants": int(table["published_name_variants"].str.contains(";").sum())})


@dg.asset_check(asset=TABLE, description="One row per USCC; comparison agrees with is_on_published_list and "
                                         "is_computed_key_emitter; counts per comparison value in the metadata.")
def published_comparison_consistent(out_key_emitters__published_comparison: pl.DataFrame) -> dg.AssetCheckResult:
    table = out_key_emitters__published_comparison
    expected = (pl.when(pl.col("is_on_published_list") & pl.col("is_computed_key_emitter")).then(pl.lit("on_both"))
                .when(pl.col("is_on_published_list")).then(pl.lit("only_published"))
                .when(pl.col("is_computed_key_emitter")).then(pl.lit("only_computed")))
    wrong = table.filter(expected.is_null() | (expected != pl.col("comparison"))).height
    duplicated = table.height - table["uscc"].n_unique()
    return dg.AssetCheckResult(passed=wrong == 0 and duplicated == 0,
                               metadata={**comparison_counts(table), "inconsistent_rows": wrong,
                                         "duplicated_uscc": duplicated})
