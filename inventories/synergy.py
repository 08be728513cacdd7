"""Pollution-carbon synergy (减污降碳协同度) of enterprises and sectors, year on year, from the fused inventory.

CO2 here is combustion CO2: the pollutants in the inventory are combustion pollutants, and process CO2 may be
reported in one year and not the next, which would make a change where nothing changed.

Methods and their status (../shared/reference/methods-factors.md §7 unless noted):
- Cross-elasticity Els = (ΔE_p / E_p) / (ΔE_CO2 / E_CO2), E at the previous year (V-S: the interpretation
  table of PMC11666946 Table 2). Reading: both reduced -> co-reduction, Els > 1 the pollutant cut more, 0..1
  CO2 cut more, = 1 the same; opposite signs -> trade-off; both up -> co-increase. A change is zero when its
  size is below ZERO; Els is then 0 (pollutant unchanged) or undefined (CO2 unchanged).
- Co-control coordinate system (邢有凯, 毛显强 et al. 2020; method V-S, details R): x = pollutant reduction %,
  y = CO2 reduction % (reductions, so quadrant I is the co-benefit the reference names), II and IV trade-offs.
- APeq = Σ_p E_p / w_p over SO2, NOx and PM, w_p the pollution-equivalent value (kg) of the Environmental
  Protection Tax Law table (status R, inventories/reference/pollution_equivalents.csv). VOCs have no aggregate
  equivalent in that table and are left out of APeq.
- Tapio decoupling D = %ΔE / %Δoutput (Tapio 2005, Transport Policy 12(2):137-151; eight states with the
  0.8 / 1.2 thresholds as in Heliyon 2023;9(9):e19871 Table 3, V-S). Bands are upper-inclusive: (0, 0.8],
  (0.8, 1.2], > 1.2; D = 0 (emissions flat) joins the weak band. No state where output did not change.

Inputs are the enterprise inventory and the output the execution reports or the power units give.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from inventories.reference import REFERENCE, industries
from inventories.sums import stable_sum
from schemas.fields import DECOUPLING_STATE_ZH, ELS_READING_ZH, QUADRANT_ZH

ZERO = 1e-9  # relative change (fraction) treated as no change; also the tolerance of Els = 1
MASS_COLUMNS = {"SO2": "so2_mass_t", "NOx": "nox_mass_t", "PM": "pm_mass_t", "VOCs": "vocs_mass_t"}
APEQ = "APeq"
ENTERPRISE_KEYS = ("uscc", "enterprise_name", "industry_code", "city_code")


@cache
def pollution_equivalents() -> dict[str, float]:
    """Pollutant -> kg per pollution equivalent (环境保护税法 附表二; status recalled)."""
    table = pl.read_csv(REFERENCE / "pollution_equivalents.csv", schema_overrides={"equivalent_kg": pl.Float64})
    return dict(zip(table["pollutant"], table["equivalent_kg"], strict=True))


def apeq_expr() -> pl.Expr:
    """APeq (pollution equivalents) of a row with so2/nox/pm_mass_t; null unless all three are known."""
    terms = [pl.col(MASS_COLUMNS[p]) * 1000.0 / w for p, w in pollution_equivalents().items()]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def direct_co2_expr() -> pl.Expr:
    """Direct CO2 (t): combustion + process; null only when neither is known (carbon intensity levels only)."""
    parts = pl.col("co2_combustion_t", "co2_process_t")
    return pl.when(pl.any_horizontal(parts.is_not_null())).then(pl.sum_horizontal(parts)).otherwise(None)


def relative_change(current: str, previous: str) -> pl.Expr:
    """(current - previous) / previous as a fraction; null without a positive base or a current value."""
    return pl.when((pl.col(previous) > 0) & pl.col(current).is_not_null()).then(
        (pl.col(current) - pl.col(previous)) / pl.col(previous)).otherwise(None)


def _sign(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr > ZERO).then(1).when(expr < -ZERO).then(-1).otherwise(0)


def els_reading(rp: pl.Expr, rc: pl.Expr) -> pl.Expr:
    """Reading of Els from the pollutant's (rp) and CO2's (rc) relative changes (fractions)."""
    sp, sc = _sign(rp), _sign(rc)
    ratio = rp / rc
    return (pl.when(rp.is_null() | rc.is_null()).then(pl.lit("no_baseline"))
            .when((sp == 0) & (sc == 0)).then(pl.lit("no_change"))
            .when(sc == 0).then(pl.lit("carbon_unchanged"))
            .when(sp == 0).then(pl.lit("pollutant_unchanged"))
            .when((sp < 0) & (sc < 0) & ((ratio - 1).abs() <= ZERO)).then(pl.lit("co_reduction_equal"))
            .when((sp < 0) & (sc < 0) & (ratio > 1)).then(pl.lit("co_reduction_pollutant_led"))
            .when((sp < 0) & (sc < 0)).then(pl.lit("co_reduction_carbon_led"))
            .when((sp > 0) & (sc > 0)).then(pl.lit("co_increase"))
            .when(sp < 0).then(pl.lit("trade_off_pollutant_down"))
            .otherwise(pl.lit("trade_off_carbon_down")))


def els_value(rp: pl.Expr, rc: pl.Expr) -> pl.Expr:
    """Els = rp / rc; 0 when the pollutant did not change, null when CO2 did not (or a base is missing)."""
    return (pl.when(rp.is_null() | rc.is_null() | (_sign(rc) == 0)).then(None)
            .when(_sign(rp) == 0).then(0.0).otherwise(rp / rc))


def quadrant(rp: pl.Expr, rc: pl.Expr) -> pl.Expr:
    """Quadrant of (pollutant reduction, CO2 reduction); null on an axis or without a base."""
    x, y = _sign(-rp), _sign(-rc)
    return (pl.when(rp.is_null() | rc.is_null() | (x == 0) | (y == 0)).then(None)
            .when((x > 0) & (y > 0)).then(1).when((x < 0) & (y > 0)).then(2)
            .when((x < 0) & (y < 0)).then(3).otherwise(4)).cast(pl.Int64)


def tapio_state(re: pl.Expr, rq: pl.Expr) -> pl.Expr:
    """Tapio's eight states from the emission (re) and output (rq) changes; null if either is missing or rq is 0."""
    d = re / rq
    grow = _sign(rq) > 0
    band = (pl.when(d < 0).then(0).when(d <= 0.8).then(1).when(d <= 1.2).then(2).otherwise(3))
    growing = ["strong_decoupling", "weak_decoupling", "expansive_coupling", "expansive_negative_decoupling"]
    shrinking = ["strong_negative_decoupling", "weak_negative_decoupling", "recessive_coupling", "recessive_decoupling"]
    state = pl.when(re.is_null() | rq.is_null() | (_sign(rq) == 0)).then(None)
    for i in range(4):
        state = state.when(grow & (band == i)).then(pl.lit(growing[i])).when(~grow & (band == i)).then(pl.lit(shrinking[i]))
    return state.otherwise(None)


def _pct(fraction: pl.Expr) -> pl.Expr:
    return fraction * 100.0


def classify(frame: pl.DataFrame) -> pl.DataFrame:
    """Changes, Els, its reading and the quadrant of rows with pollutant_amount and co2_combustion_t in two years."""
    rp = relative_change("pollutant_amount", "previous_pollutant_amount")
    rc = relative_change("co2_combustion_t", "previous_co2_combustion_t")
    return frame.with_columns(
        _pct(rp).alias("pollutant_change_pct"), _pct(rc).alias("co2_change_pct"), els_value(rp, rc).alias("els"),
        els_reading(rp, rc).alias("els_reading"), quadrant(rp, rc).alias("quadrant"),
    ).with_columns(pl.col("els_reading").replace_strict(ELS_READING_ZH).alias("els_reading_zh"),
                   pl.col("quadrant").replace_strict(QUADRANT_ZH, default=None, return_dtype=pl.String).alias("quadrant_zh"))


def _long(enterprise: pl.DataFrame) -> pl.DataFrame:
    """One row per enterprise, year and pollutant (masses and APeq) with direct CO2 and the flags."""
    base = enterprise.with_columns(apeq_expr().alias("_apeq"),
                                   (pl.col("is_co2_complete") & pl.col("is_pollutant_complete")).alias("_complete"))
    keep = [*ENTERPRISE_KEYS, "year", "co2_combustion_t", "_complete", "has_recalled_factor", "source_systems", "factor_set"]
    parts = [base.select(*keep, pl.lit(p).alias("pollutant"), pl.lit("t").alias("amount_unit"),
                         pl.col(c).alias("pollutant_amount")) for p, c in MASS_COLUMNS.items()]
    parts.append(base.select(*keep, pl.lit(APEQ).alias("pollutant"), pl.lit("pollution_eq").alias("amount_unit"),
                             pl.col("_apeq").alias("pollutant_amount")))
    return pl.concat(parts, how="vertical")


def enterprise_output(production: pl.DataFrame, power_monthly: pl.DataFrame) -> pl.DataFrame:
    """Output per enterprise and year for decoupling: the power units' generation, else the one product reported.

    An enterprise with several products in a year has no single output, so it gets none (units differ).
    """
    generation = (power_monthly.filter(pl.col("uscc").is_not_null()).group_by("uscc", "year")
                  .agg(stable_sum("generation_mwh").alias("output_quantity"))
                  .filter(pl.col("output_quantity") > 0).with_columns(pl.lit("generation_mwh").alias("output_product")))
    products = (production.filter(pl.col("uscc").is_not_null() & (pl.col("production_quantity") > 0))
                .with_columns(pl.format("{} {}", "product_name", pl.col("production_unit").fill_null("")).str.strip_chars()
                              .alias("output_product"))
                .group_by("uscc", "year", "output_product").agg(stable_sum("production_quantity").alias("output_quantity"))
                .filter(pl.len().over("uscc", "year") == 1)
                .join(generation.select("uscc", "year"), on=["uscc", "year"], how="anti"))
    columns = ["uscc", "year", "output_product", "output_quantity"]
    return pl.concat([generation.select(columns), products.select(columns)], how="vertical")


def enterprise_synergy(enterprise: pl.DataFrame, output: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """out_synergy__yearly_enterprise for `years`: each enterprise-year with a previous-year row, per pollutant."""
    long = _long(enterprise)
    previous = long.select("uscc", "pollutant", (pl.col("year") + 1).alias("year"),
                           pl.col("pollutant_amount").alias("previous_pollutant_amount"),
                           pl.col("co2_combustion_t").alias("previous_co2_combustion_t"),
                           pl.col("_complete").alias("_prev_complete"),
                           pl.col("has_recalled_factor").alias("_prev_recalled"))
    pairs = long.filter(pl.col("year").is_in(years)).join(previous, on=["uscc", "year", "pollutant"], how="inner")
    prior_output = output.select("uscc", "output_product", (pl.col("year") + 1).alias("year"),
                                 pl.col("output_quantity").alias("previous_output_quantity"))
    paired_output = output.join(prior_output, on=["uscc", "year", "output_product"], how="inner")
    rq = relative_change("output_quantity", "previous_output_quantity")
    re_p = relative_change("pollutant_amount", "previous_pollutant_amount")
    re_c = relative_change("co2_combustion_t", "previous_co2_combustion_t")
    table = classify(pairs.join(paired_output, on=["uscc", "year"], how="left")).with_columns(
        (pl.col("year") - 1).alias("previous_year"), _pct(rq).alias("output_change_pct"),
        (re_p / rq).alias("pollutant_decoupling_index"), tapio_state(re_p, rq).alias("pollutant_decoupling_state"),
        (re_c / rq).alias("co2_decoupling_index"), tapio_state(re_c, rq).alias("co2_decoupling_state"),
        (pl.col("_complete") & pl.col("_prev_complete")).fill_null(False).alias("is_complete_both_years"),
        (pl.col("has_recalled_factor").fill_null(False) | pl.col("_prev_recalled").fill_null(False)
         | (pl.col("pollutant") == APEQ)).alias("has_recalled_factor"),
    ).with_columns(
        pl.when(pl.col("pollutant_decoupling_state").is_null()).then(None).otherwise(pl.col("pollutant_decoupling_index"))
        .alias("pollutant_decoupling_index"),
        pl.when(pl.col("co2_decoupling_state").is_null()).then(None).otherwise(pl.col("co2_decoupling_index"))
        .alias("co2_decoupling_index"),
        *(pl.col(f"{q}_decoupling_state").replace_strict(DECOUPLING_STATE_ZH, default=None, return_dtype=pl.String)
          .alias(f"{q}_decoupling_state_zh") for q in ("pollutant", "co2")),
    )
    return table.sort("uscc", "year", "pollutant")


def sector_synergy(enterprise_rows: pl.DataFrame) -> pl.DataFrame:
    """out_synergy__yearly_sector: like-for-like sums (enterprises with both years' values) per GB/T 4754 大类 and all."""
    divisions = industries().select("industry_code", "division_code", "division_name")
    comparable = (enterprise_rows.filter(pl.col("previous_pollutant_amount").is_not_null()
                                         & pl.col("pollutant_amount").is_not_null()
                                         & pl.col("previous_co2_combustion_t").is_not_null()
                                         & pl.col("co2_combustion_t").is_not_null())
                  .join(divisions, on="industry_code", how="left")
                  .with_columns(pl.col("division_code").fill_null("unknown"), pl.col("division_name").fill_null("行业不详")))
    by_division = comparable.with_columns(pl.lit("gbt4754_division").alias("sector_scheme"),
                                          pl.col("division_code").alias("sector_class_code"),
                                          pl.col("division_name").alias("sector_class_name"))
    overall = comparable.with_columns(pl.lit("all").alias("sector_scheme"), pl.lit("ALL").alias("sector_class_code"),
                                      pl.lit("全部行业").alias("sector_class_name"))
    reading = pl.col("els_reading")
    sums = (pl.concat([by_division, overall], how="vertical")
            .group_by("year", "previous_year", "sector_scheme", "sector_class_code", "sector_class_name", "pollutant",
                      "amount_unit")
            .agg(pl.len().cast(pl.Int64).alias("enterprise_count"),
                 *(stable_sum(c) for c in ("pollutant_amount", "previous_pollutant_amount", "co2_combustion_t",
                                             "previous_co2_combustion_t")),
                 reading.str.starts_with("co_reduction").sum().cast(pl.Int64).alias("co_reduction_enterprise_count"),
                 reading.str.starts_with("trade_off").sum().cast(pl.Int64).alias("trade_off_enterprise_count"),
                 (reading == "co_increase").sum().cast(pl.Int64).alias("co_increase_enterprise_count"),
                 pl.col("has_recalled_factor").any().alias("has_recalled_factor")))
    return classify(sums).sort("year", "sector_scheme", "sector_class_code", "pollutant")
