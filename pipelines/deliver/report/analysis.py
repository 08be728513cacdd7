"""The report's numbers derived from what data.py read: rankings, shares, changes, ratios, the synergy tables.

Pure polars on frames, no warehouse and no HTML, so each figure can be checked by hand. Every ranking has a
tie-breaker: the same data gives the same order, whatever order DuckDB returned the rows in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from inventories.reference import regions
from pipelines.deliver.report.data import Synergy

PARETO_SHARE = 0.8
ZOOM_STEPS = (5.0, 10.0, 20.0, 25.0)  # ±% of the coordinate chart's zoom panel, the smallest that holds ZOOM_SHARE
ZOOM_SHARE = 0.75  # of the sector points; none of the steps does: no zoom panel
# the readings counted one by one (in this order, as report_synergy_readings.sql counts them); any other (unchanged,
# no base) is counted as 其他 other
READINGS_EN = {"co_reduction_pollutant_led": "co-reduction, pollutant-led", "co_reduction_carbon_led": "co-reduction, carbon-led",
               "co_reduction_equal": "co-reduction, equal", "trade_off_pollutant_down": "trade-off, pollutant down",
               "trade_off_carbon_down": "trade-off, CO2 down", "co_increase": "co-increase"}
OTHER_READINGS_EN = {"pollutant_unchanged": "pollutant unchanged", "carbon_unchanged": "CO2 unchanged",
                     "no_change": "both unchanged", "no_baseline": "no base"}


def largest_first(frame: pl.DataFrame, value: str, key: str) -> pl.DataFrame:
    """Largest `value` first, nulls last, ties by `key`: one order, whatever order DuckDB returned the rows in."""
    return frame.sort([value, key], descending=[True, False], nulls_last=True)


def pareto(enterprises: pl.DataFrame, value: str = "co2e_t") -> pl.DataFrame:
    """Enterprises largest first with rank, share, cumulative share and the share of enterprises up to each one."""
    ranked = largest_first(enterprises.filter(pl.col(value) > 0), value, "uscc")
    total = ranked[value].sum()
    return ranked.with_columns(
        pl.int_range(1, ranked.height + 1).alias("rank"),
        (pl.col(value) / total).alias("share"),
        (pl.col(value).cum_sum() / total).alias("cumulative_share"),
        (pl.int_range(1, ranked.height + 1) / ranked.height).alias("enterprise_share"),
    )


def count_to_share(cumulative_share: Sequence[float], share: float = PARETO_SHARE) -> int:
    """How many of the largest emitters together reach `share` of the total (0 when there are none)."""
    return next((i + 1 for i, c in enumerate(cumulative_share) if c >= share - 1e-12), len(cumulative_share))


def with_city_names(enterprises: pl.DataFrame) -> pl.DataFrame:
    """city_name beside city_code (GB/T 2260), the code itself where the reference does not know it."""
    city_names = dict(regions().select("region_code", "region_name").iter_rows())
    return enterprises.with_columns(pl.col("city_code").replace_strict(city_names, default=pl.col("city_code"))
                                    .alias("city_name"))


def has_previous_year(total: dict) -> bool:
    """Whether the roll-up carries previous-year values (it does even when the warehouse holds one year only)."""
    return any(total.get(f"{k}_previous_t") is not None for k in ("co2e", "so2", "nox"))


def yoy_changes(frame: pl.DataFrame, keys: Sequence[str] = ("co2e", "so2", "nox")) -> pl.DataFrame:
    """Change % against the previous year on the rows both years have (`<key>_t` less `<key>_new_t`)."""
    changes = []
    for key in keys:
        comparable = pl.col(f"{key}_t").fill_null(0) - pl.col(f"{key}_new_t").fill_null(0)
        previous = pl.col(f"{key}_previous_t")
        changes.append(pl.when(previous > 0).then((comparable - previous) / previous * 100).alias(f"{key}_change_pct"))
    return frame.with_columns(changes)


def yoy_table(cities: pl.DataFrame, total: dict) -> pl.DataFrame:
    """The province (全省) then the cities largest CO2e first, each with its like-for-like changes."""
    province = pl.DataFrame([total]).select(pl.lit("全省 province").alias("region_name"),
                                            *(pl.col(c) for c in cities.columns if c != "region_name" and c in total))
    frame = yoy_changes(pl.concat([province, cities.select(province.columns)], how="vertical_relaxed"))
    return frame.head(1).vstack(largest_first(frame.tail(-1), "co2e_t", "region_name"))


def intensity_ratios(frame: pl.DataFrame) -> pl.DataFrame:
    """kg SO2 and kg NOx per t of direct CO2 (combustion + process), where there is CO2."""
    co2 = pl.when(pl.col("co2_direct_t") > 0).then(pl.col("co2_direct_t"))
    return frame.with_columns((pl.col("so2_t") * 1000 / co2).alias("so2_kg_per_t_co2"),
                              (pl.col("nox_t") * 1000 / co2).alias("nox_kg_per_t_co2"))


def reading_text(reading: pl.Expr, reading_zh: pl.Expr) -> pl.Expr:
    """An Els reading in Chinese and English."""
    english = reading.replace_strict({**READINGS_EN, **OTHER_READINGS_EN}, default=reading, return_dtype=pl.String)
    return pl.concat_str([reading_zh, english], separator=" ")


def readable(data: Synergy) -> Synergy:
    """The synergy rows with each reading in Chinese and English, and the sectors in the order shown: all sectors
    first, then the divisions with the most enterprises."""
    reading = reading_text(pl.col("els_reading"), pl.col("els_reading_zh")).alias("reading")
    sectors = data.sectors.with_columns(reading).sort(
        pl.col("sector_scheme") != "all", pl.col("enterprise_count"), pl.col("sector_class_code"),
        descending=[False, True, False], nulls_last=True)
    return Synergy(data.readings.with_columns(reading), sectors, data.enterprises, data.index, data.aspects, data.levels)


def sector_points(sectors: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The divisions and the all-sectors row that have both reductions (the points of the coordinate chart)."""
    both = pl.col("pollutant_reduction_pct").is_not_null() & pl.col("co2_reduction_pct").is_not_null()
    return (sectors.filter((pl.col("sector_scheme") != "all") & both),
            sectors.filter((pl.col("sector_scheme") == "all") & both))


def zoom_limit(extents: Sequence[float], steps: Sequence[float] = ZOOM_STEPS, share: float = ZOOM_SHARE) -> float | None:
    """The zoom panel's ±range: the smallest step within which `share` of the points lie (extent = max(|x|, |y|)),
    None when there are no points or no step holds that many (the main panel shows them well enough then)."""
    if not extents:
        return None
    needed = sorted(extents)[math.ceil(share * len(extents)) - 1]
    return next((step for step in steps if step >= needed), None)


def index_contributions(aspects: pl.DataFrame) -> pl.DataFrame:
    """Each 方面's part of its city's index: weight × score / the weight of the 方面 that have a score.

    A node's score is the weighted mean of its children that have one, so the parts add up to the index.
    """
    scored_weight = pl.when(pl.col("score").is_not_null()).then(pl.col("weight")).sum().over("city_code")
    return aspects.with_columns(
        pl.when(scored_weight > 0).then(pl.col("weight") * pl.col("score") / scored_weight).alias("contribution"))


def index_table(data: Synergy) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The 方面 (largest weight first) and the cities by rank, each with part_<id> (its contribution) and score_<id>."""
    aspects = (data.aspects.select("indicator_id", "indicator_name", "weight").unique("indicator_id")
               .sort(["weight", "indicator_id"], descending=[True, False]))
    parts = index_contributions(data.aspects).pivot("indicator_id", index="city_code", values="contribution")
    scores = data.aspects.pivot("indicator_id", index="city_code", values="score")
    ranked = (data.index.join(parts.rename({a: f"part_{a}" for a in aspects["indicator_id"]}), on="city_code", how="left")
              .join(scores.rename({a: f"score_{a}" for a in aspects["indicator_id"]}), on="city_code", how="left")
              .sort(["city_rank", "city_code"], nulls_last=True))
    return aspects, ranked
