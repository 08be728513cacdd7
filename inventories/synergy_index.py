"""The city 减污降碳协同指数: leaf values from the inventory and the city file, normalised, weighted up the tree.

- Leaves from the inventory (inventories/synergy_tree.py INVENTORY_INDICATORS): CO2 per GDP, coal per
  industrial value added, the pollution-carbon coupling coordination degree (methods-factors.md §7, R:
  C = 2√(U1·U2)/(U1+U2), T = αU1 + βU2, D = √(C·T)), the Tapio index of CO2 against GDP, the share of
  enterprises co-reducing APeq and CO2, and the share of key emitters that report GHG.
- Leaves from the city file are taken as given (validated at ingest).
- Normalisation is fixed at a bounds year (settings), so a city's score can rise over time; a node's score
  is the weighted mean of its children that have a score, and its coverage says how much weight that was.
"""

from __future__ import annotations

import math

import polars as pl

from inventories.reference import regions
from inventories.sums import stable_sum
from inventories.synergy import APEQ, apeq_expr, direct_co2_expr, relative_change
from inventories.synergy_tree import IndexSettings, leaves

KEYS = ["year", "city_code"]


def _city_sums(facility: pl.DataFrame) -> pl.DataFrame:
    """Direct CO2 (for intensity), combustion CO2 (for changes, as the enterprise readings) and APeq per city and year."""
    return (facility.filter(pl.col("city_code").is_not_null())
            .with_columns(direct_co2_expr().alias("_co2"), apeq_expr().alias("_apeq"))
            .group_by(KEYS).agg(stable_sum("_co2").alias("co2_t"), stable_sum("co2_combustion_t").alias("combustion_co2_t"),
                                stable_sum("_apeq").alias("apeq")))


def _with_previous(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    prior = frame.select("city_code", (pl.col("year") + 1).alias("year"), *(pl.col(c).alias(f"prev_{c}") for c in columns))
    return frame.join(prior, on=KEYS, how="left")


def _inputs(city_file: pl.DataFrame, ids: list[str]) -> pl.DataFrame:
    """The city file's values as columns, one row per city and year."""
    wide = (city_file.filter(pl.col("indicator_id").is_in(ids)).pivot("indicator_id", index=KEYS, values="indicator_value",
                                                                        aggregate_function="first"))
    return wide.with_columns(*(pl.lit(None, pl.Float64).alias(i) for i in ids if i not in wide.columns))


def _minmax_unit(value: str, bounds: pl.DataFrame) -> pl.Expr:
    """value scaled to 0..1 by the bounds (lo, hi columns), clipped; null where the bounds are equal."""
    span = pl.col("hi") - pl.col("lo")
    return pl.when(span > 0).then(((pl.col(value) - pl.col("lo")) / span).clip(0.0, 1.0)).otherwise(None)


def _coupling(sums: pl.DataFrame, settings: IndexSettings) -> pl.DataFrame:
    """Coupling coordination degree D of each city-year from its APeq and CO2 reduction rates."""
    rates = _with_previous(sums, ["combustion_co2_t", "apeq"]).with_columns(
        (-relative_change("apeq", "prev_apeq")).alias("u1_raw"),
        (-relative_change("combustion_co2_t", "prev_combustion_co2_t")).alias("u2_raw"))
    out = rates.select(*KEYS)
    for raw, name in (("u1_raw", "u1"), ("u2_raw", "u2")):
        bounds = _bounds(rates.select(*KEYS, pl.col(raw).alias("value")), settings)
        scaled = (rates.select(*KEYS, pl.col(raw).alias("value")).join(bounds, how="cross")
                  .select(*KEYS, _minmax_unit("value", bounds).alias(name)))
        out = out.join(scaled, on=KEYS, how="left")
    u1, u2 = pl.col("u1"), pl.col("u2")
    c = pl.when(u1 + u2 > 0).then(2 * (u1 * u2).sqrt() / (u1 + u2)).otherwise(0.0)
    t = settings.alpha * u1 + settings.beta * u2
    return out.select(*KEYS, (c * t).sqrt().alias("coupling_coordination_degree"))


def _bounds(values: pl.DataFrame, settings: IndexSettings) -> pl.DataFrame:
    """lo, hi and bounds_year of one indicator: the base year's cities, else the first year with enough cities."""
    counts = values.filter(pl.col("value").is_not_null()).group_by("year").agg(
        pl.len().alias("n"), pl.col("value").min().alias("lo"), pl.col("value").max().alias("hi"))
    usable = counts.filter(pl.col("n") >= settings.min_cities)
    chosen = usable.filter(pl.col("year") == settings.base_year)
    if chosen.is_empty():
        chosen = usable.filter(pl.col("year") > settings.base_year).sort("year").head(1)
    if chosen.is_empty():
        return pl.DataFrame({"lo": [None], "hi": [None], "bounds_year": [None]},
                            schema={"lo": pl.Float64, "hi": pl.Float64, "bounds_year": pl.Int64})
    return chosen.select("lo", "hi", pl.col("year").cast(pl.Int64).alias("bounds_year"))


def leaf_values(facility: pl.DataFrame, enterprise_synergy: pl.DataFrame, envstat: pl.DataFrame,
                register: pl.DataFrame, city_file: pl.DataFrame, settings: IndexSettings) -> pl.DataFrame:
    """Long (year, city_code, indicator_id, indicator_value) of every leaf the tree could use."""
    sums = _city_sums(facility)
    inputs = _inputs(city_file, ["gdp", "industrial_value_added"])
    coal = (envstat.filter(pl.col("city_code").is_not_null()).group_by(KEYS)
            .agg(stable_sum("coal_consumed_t").alias("coal_t")))
    gdp = _with_previous(inputs.select(*KEYS, "gdp"), ["gdp"])
    co2 = _with_previous(sums.select(*KEYS, "combustion_co2_t"), ["combustion_co2_t"])
    rq = relative_change("gdp", "prev_gdp")
    decoupling = co2.join(gdp, on=KEYS, how="inner").select(
        *KEYS, pl.when(rq.abs() > 0).then(relative_change("combustion_co2_t", "prev_combustion_co2_t") / rq).otherwise(None)
        .alias("co2_gdp_decoupling_index"))
    apeq = enterprise_synergy.filter((pl.col("pollutant") == APEQ) & (pl.col("els_reading") != "no_baseline"))
    co_reduction = apeq.group_by(KEYS).agg(
        (100.0 * pl.col("els_reading").str.starts_with("co_reduction").sum() / pl.len()).alias("co_reduction_enterprise_share"))
    keys = register.filter(pl.col("is_key_emitter"))
    reporting = keys.group_by(KEYS).agg((100.0 * pl.col("is_ghg_reporter").sum() / pl.len())
                                        .alias("key_emitter_reporting_share"))
    per_gdp = (sums.join(inputs, on=KEYS, how="full", coalesce=True).join(coal, on=KEYS, how="full", coalesce=True)
               .select(*KEYS, (pl.col("co2_t") / (pl.col("gdp") * 1e4)).alias("co2_per_gdp"),
                       (pl.col("coal_t") / (pl.col("industrial_value_added") * 1e4)).alias("coal_per_industrial_value_added")))
    computed = [per_gdp, _coupling(sums, settings), decoupling, co_reduction, reporting]
    long = [f.unpivot(index=KEYS, variable_name="indicator_id", value_name="indicator_value") for f in computed]
    long.append(city_file.select(*KEYS, "indicator_id", "indicator_value"))
    return (pl.concat([f.with_columns(pl.col("year").cast(pl.Int64), pl.col("indicator_value").cast(pl.Float64))
                       for f in long], how="vertical")
            .filter(pl.col("indicator_value").is_not_null() & pl.col("indicator_value").is_finite())
            .unique(subset=[*KEYS, "indicator_id"], keep="first", maintain_order=True))


def leaf_scores(values: pl.DataFrame, tree: pl.DataFrame, settings: IndexSettings) -> pl.DataFrame:
    """Score of every leaf value: min-max at fixed bounds or ratio to the city's bounds-year value."""
    out = []
    for leaf in leaves(tree).iter_rows(named=True):
        mine = (values.filter(pl.col("indicator_id") == leaf["indicator_id"])
                .select(*KEYS, pl.col("indicator_value").alias("value")))
        bounds = _bounds(mine, settings)
        x = pl.col("value")
        if settings.normalisation == "baseline_minmax":
            span = pl.col("hi") - pl.col("lo")
            up = (x - pl.col("lo")) if leaf["direction"] == "positive" else (pl.col("hi") - x)
            score = pl.when(span > 0).then(100.0 * up / span).otherwise(None)
            scored = mine.join(bounds, how="cross")
        else:
            base = mine.join(bounds, left_on="year", right_on="bounds_year", how="inner").select(
                "city_code", pl.col("value").alias("base"), pl.col("year").alias("bounds_year"))
            ok = (x > 0) & (pl.col("base") > 0)
            ratio = (x / pl.col("base")) if leaf["direction"] == "positive" else (pl.col("base") / x)
            score = pl.when(ok).then(100.0 * ratio).otherwise(None)
            scored = mine.join(base, on="city_code", how="left")
        if settings.clip:
            score = score.clip(0.0, 100.0)
        out.append(scored.select(*KEYS, pl.lit(leaf["indicator_id"]).alias("indicator_id"),
                                 pl.col("value").alias("indicator_value"), pl.col("bounds_year").cast(pl.Int64),
                                 score.alias("score")))
    return pl.concat(out, how="vertical")


def _shape(tree: pl.DataFrame) -> tuple[dict[str, dict], dict[str, list[str]]]:
    """The tree's rows by id and each node's children, read once for every city-year."""
    rows = {r["indicator_id"]: r for r in tree.iter_rows(named=True)}
    children: dict[str, list[str]] = {}
    for key, row in rows.items():
        if row["parent_indicator_id"] is not None:
            children.setdefault(row["parent_indicator_id"], []).append(key)
    return rows, children


def _aggregate(rows: dict[str, dict], children: dict[str, list[str]],
               leaf: dict[str, tuple[float | None, str | None]]) -> dict[str, tuple]:
    """(score, covered leaf weight, missing leaves) of every node of one city-year from its leaf scores."""
    result: dict[str, tuple] = {}

    def visit(key: str) -> tuple[float | None, float, list[str]]:
        kids = children.get(key, [])
        if not kids:
            score, reason = leaf.get(key, (None, "无数据 no value"))
            ok = score is not None and math.isfinite(score)
            result[key] = (score if ok else None, rows[key]["weight"] if ok else 0.0, [] if ok else [f"{key} ({reason})"])
            return result[key]
        parts = [visit(k) for k in kids]
        scored = [(rows[k]["weight"], p[0]) for k, p in zip(kids, parts, strict=True) if p[0] is not None]
        weight = sum(w for w, _ in scored)
        score = sum(w * s for w, s in scored) / weight if weight > 0 else None
        result[key] = (score, sum(p[1] for p in parts), [m for p in parts for m in p[2]])
        return result[key]

    visit(next(k for k, r in rows.items() if r["parent_indicator_id"] is None))
    return result


def city_index(values: pl.DataFrame, tree: pl.DataFrame, settings: IndexSettings, years: list[int]) -> pl.DataFrame:
    """out_synergy__yearly_city_index for `years`: every node of the tree for every city with any value."""
    scores = leaf_scores(values, tree, settings)
    cities = values.select("city_code").unique()
    frame = []
    by_cell = {(r["year"], r["city_code"], r["indicator_id"]): r for r in scores.iter_rows(named=True)}
    all_years = sorted(set(values["year"].to_list()) | set(years))
    rows, children = _shape(tree)
    leaf_ids = leaves(tree)["indicator_id"].to_list()
    for year in all_years:
        for city in sorted(cities["city_code"].to_list()):
            leaf = {}
            for lid in leaf_ids:
                cell = by_cell.get((year, city, lid))
                leaf[lid] = (None, "无数据 no value") if cell is None else (
                    cell["score"], None if cell["score"] is not None else "无法标准化 no bounds")
            for key, (score, covered, missing) in _aggregate(rows, children, leaf).items():
                cell = by_cell.get((year, city, key), {})
                frame.append({"year": year, "city_code": city, "indicator_id": key, "score": score,
                              "indicator_value": cell.get("indicator_value"), "bounds_year": cell.get("bounds_year"),
                              "covered_weight": covered, "missing_indicators": "; ".join(missing) or None})
    schema = {"year": pl.Int64, "city_code": pl.String, "indicator_id": pl.String, "score": pl.Float64,
              "indicator_value": pl.Float64, "bounds_year": pl.Int64, "covered_weight": pl.Float64,
              "missing_indicators": pl.String}
    table = pl.DataFrame(frame, schema=schema).join(tree, on="indicator_id", how="left")
    base = table.filter(pl.col("year") == settings.base_year).select("city_code", "indicator_id",
                                                                    pl.col("score").alias("base_year_score"))
    names = regions().filter(pl.col("level") == "city").select(pl.col("region_code").alias("city_code"),
                                                               pl.col("region_name"))
    return (table.join(base, on=["city_code", "indicator_id"], how="left").join(names, on="city_code", how="left")
            .with_columns(
                pl.when(pl.col("weight") > 0).then((100.0 * pl.col("covered_weight") / pl.col("weight")).clip(0.0, 100.0))
                .otherwise(None).alias("weight_coverage_pct"),
                pl.when(pl.col("base_year_score").abs() > 0)
                .then(100.0 * (pl.col("score") - pl.col("base_year_score")) / pl.col("base_year_score").abs())
                .otherwise(None).alias("score_change_pct"),
                pl.col("score").rank("min", descending=True).over("year", "indicator_id").cast(pl.Int64).alias("city_rank"),
                pl.lit(settings.base_year).cast(pl.Int64).alias("base_year"),
                pl.lit(settings.normalisation).alias("normalisation"))
            .filter(pl.col("year").is_in(years)).sort("year", "city_code", "indicator_level", "indicator_id"))
