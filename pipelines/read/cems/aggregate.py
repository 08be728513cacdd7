"""From hourly records to outlet-month and outlet-year masses, valid-data rates and flags.

Two steps, each bounded in memory:
- `substitution_gaps`: per (year, city) partition, the gaps of each pollutant with their substitute
  (inventories.cems.substitution); only the columns it needs are read, one partition at a time.
- `outlet_monthly`: one DuckDB GROUP BY over the year's Hive files (memory_limit and temp_directory set,
  so it spills instead of failing), joined with the gaps split by month.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from inventories.cems.codes import POLLUTANTS, SPECIES
from inventories.cems.settings import CemsSettings
from inventories.cems.substitution import GAP_COLUMNS, Timeline, hour_state, monthly_pieces, substitute
from pipelines.read.cems.store import CemsStore, resolve_duplicates

DUCKDB_MEMORY_LIMIT = "1GB"
"""DuckDB's buffer pool for the CEMS GROUP BYs (outlet x month groups: kilobytes per outlet); it spills beyond it."""
BATCH_ROWS = 6_000_000
"""Hours per substitution batch: about 1.5 GB of working memory, whatever the size of the city."""


def duckdb_connection(temp_dir: Path, memory_limit: str = DUCKDB_MEMORY_LIMIT, threads: int = 2) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that spills to `temp_dir` rather than running out of memory."""
    temp_dir.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(config={"memory_limit": memory_limit, "threads": threads,  # settings, not SQL text
                                  "temp_directory": temp_dir.as_posix(), "preserve_insertion_order": False})


def substitution_gaps(store: CemsStore, year: int, order: dict[str, int], settings: CemsSettings,
                      cities: list[str] | None = None) -> tuple[pl.DataFrame, int]:
    """(gaps of every outlet and pollutant of the year (of `cities` only, if given) with their substitutes, rows
    moved to history)."""
    found, moved = [], 0
    flags = list(settings.valid_flags)
    for city in store.partitions(year) if cities is None else cities:
        moved += resolve_duplicates(store, year, city, order)
        scan = pl.scan_parquet(store.parts(year, city), hive_partitioning=False)
        for batch in _outlet_batches(scan):
            # states are worked out while reading, so the flag strings are never held or reordered
            hourly = _sorted(scan.filter(batch).select(
                "mn", "data_time", *(f"{p}_mass_kg" for p in POLLUTANTS.values()),
                *(hour_state(p, flags).alias(f"{p}_state") for p in POLLUTANTS.values())).collect())
            line = Timeline.of(hourly, year)
            for prefix in POLLUTANTS.values():
                series = hourly.select("mn", "data_time", f"{prefix}_mass_kg", pl.col(f"{prefix}_state").alias("state"))
                found.append(substitute(series, prefix, year, settings.rule_version, line)
                             .with_columns(pl.lit(city).alias("city")))
    if not found:
        return pl.DataFrame(schema={**GAP_COLUMNS, "city": pl.String}), moved
    return pl.concat(found), moved


def _outlet_batches(scan: pl.LazyFrame) -> list[pl.Expr]:
    """Row filters, each a range of MNs holding at most BATCH_ROWS hours together: a city of any size is worked
    through in bounded memory, and a range of MNs lets the Parquet row-group statistics skip the rest. A city within
    the limit (its row count read from the files' metadata) is one batch, with no per-outlet count."""
    if scan.select(pl.len()).collect().item() <= BATCH_ROWS:
        return [pl.lit(True)]
    counts = scan.group_by("mn").len().sort("mn").collect()
    batch = (counts["len"].cum_sum() - 1) // BATCH_ROWS
    bounds = counts.with_columns(batch.alias("_batch")).group_by("_batch", maintain_order=True).agg(
        pl.col("mn").first().alias("first"), pl.col("mn").last().alias("last"))
    return [pl.col("mn").is_between(pl.lit(first), pl.lit(last))
            for first, last in zip(bounds["first"], bounds["last"], strict=True)]


def _sorted(hourly: pl.DataFrame) -> pl.DataFrame:
    """Sorted by mn and data_time, cheaply when the rows come in runs of one outlet's rising hours.

    Exports are sorted, and the streaming writer keeps rows in order within chunks but may interleave chunks, so the
    runs (a few per outlet) are put in order and the rows gathered, instead of sorting millions of rows.
    """
    mn, hour = hourly["mn"], hourly["data_time"]
    first = (mn != mn.shift(1)).fill_null(True) | (hour <= hour.shift(1)).fill_null(True)
    starts = first.arg_true()
    runs = pl.DataFrame({"start": starts, "mn": mn.gather(starts), "first_hour": hour.gather(starts),
                         "last_hour": hour.gather(pl.concat([starts.slice(1) - 1, pl.Series([hourly.height - 1],
                                                                                          dtype=starts.dtype)]))})
    runs = runs.with_columns(pl.col("start").shift(-1, fill_value=hourly.height).alias("end")).sort("mn", "first_hour")
    same_outlet = runs["mn"] == runs["mn"].shift(1)
    if (same_outlet & (runs["first_hour"] <= runs["last_hour"].shift(1))).any():  # runs overlap: a real sort
        return hourly.sort("mn", "data_time")
    if runs["start"].is_sorted():
        return hourly
    order = np.concatenate([np.arange(a, b) for a, b in zip(runs["start"].to_numpy(), runs["end"].to_numpy(), strict=True)])
    return hourly[order]


def _month_stats_sql(glob: str, flags: list[str]) -> str:
    """Hours by state and valid mass per outlet and month; each hour's state is coded once (0 invalid, 1 valid,
    2 stopped) in the inner query, so the outer GROUP BY only counts and sums, close to a bare GROUP BY."""
    valid_flags = ", ".join(f"'{f}'" for f in flags)
    states, parts = [], []
    for p in POLLUTANTS.values():
        states.append(f"CASE WHEN {p}_flag = 'F' OR flow_flag = 'F' THEN 2 WHEN {p}_flag IN ({valid_flags}) "
                      f"AND coalesce(flow_flag IN ({valid_flags}), true) AND {p}_mass_kg IS NOT NULL THEN 1 ELSE 0 END "
                      f"AS {p}_state")
        parts += [f"count(*) FILTER ({p}_state = 1) AS {p}_valid_hours",
                  f"count(*) FILTER ({p}_state = 2) AS {p}_stopped_hours",
                  f"CAST(sum(CAST({p}_mass_kg AS DECIMAL(38, 6))) FILTER ({p}_state = 1) AS DOUBLE) AS {p}_valid_mass_kg"]
    masses = ", ".join(f"{p}_mass_kg" for p in POLLUTANTS.values())
    return (f"SELECT mn, any_value(city) AS city_code, month, count(*) AS record_hours, {', '.join(parts)} "
            f"FROM (SELECT mn, city, CAST(month(data_time) AS TINYINT) AS month, {masses}, {', '.join(states)} "
            f"FROM read_parquet('{glob}', hive_partitioning = true, hive_types = {{'year': INTEGER, 'city': VARCHAR}})) "
            f"GROUP BY mn, month")


def month_hours(year: int) -> pl.DataFrame:
    starts = [dt.datetime(year, m, 1) for m in range(1, 13)] + [dt.datetime(year + 1, 1, 1)]
    return pl.DataFrame({"month": list(range(1, 13)),
                         "month_hours": [int((b - a).total_seconds() // 3600) for a, b in zip(starts, starts[1:], strict=False)]},
                        schema={"month": pl.Int8, "month_hours": pl.Int64})


def outlet_monthly(con: duckdb.DuckDBPyConnection, store: CemsStore, year: int, gaps: pl.DataFrame,
                   settings: CemsSettings, outlets: pl.DataFrame, city: str = "*") -> pl.DataFrame:
    """One row per outlet, month and pollutant: hours by state, valid-data rate, valid and substituted mass.

    `outlets` (core_cems__outlets) names each MN's permit and outlet code; the hourly store keeps only the MN.
    `city` narrows it to one city partition (the scale-out job's unit).
    """
    stats = con.execute(_month_stats_sql(store.glob(year, city), list(settings.valid_flags))).pl()
    outlets = stats.select("mn", "city_code").unique("mn").join(outlets.select("mn", "permit_no", "outlet_code"),
                                                                on="mn", how="left")
    grid = outlets.join(month_hours(year), how="cross")
    long = pl.concat([stats.select("mn", "month", "record_hours", pl.lit(species).alias("pollutant"),
                                   pl.col(f"{p}_valid_hours").alias("valid_hours"),
                                   pl.col(f"{p}_stopped_hours").alias("stopped_hours"),
                                   pl.col(f"{p}_valid_mass_kg").alias("valid_mass_kg"))
                      for p, species in SPECIES.items()])
    grid = grid.join(pl.DataFrame({"pollutant": list(SPECIES.values())}), how="cross")
    pieces = monthly_pieces(gaps)
    table = grid.join(long, on=["mn", "month", "pollutant"], how="left").join(
        pieces, on=["mn", "pollutant", "month"], how="left")
    zero = ("record_hours", "valid_hours", "stopped_hours", "substituted_hours", "unsubstituted_hours")
    table = table.with_columns(pl.col(zero).fill_null(0), pl.col("valid_mass_kg").fill_null(0.0),
                               pl.col("substituted_mass_kg").fill_null(0.0))
    operating = pl.col("month_hours") - pl.col("stopped_hours")
    rate = pl.when(operating > 0).then(100.0 * pl.col("valid_hours") / operating)
    return table.with_columns(
        pl.lit(year).cast(pl.Int32).alias("year"),
        (pl.col("month_hours") - pl.col("record_hours")).alias("missing_hours"),
        (pl.col("record_hours") - pl.col("valid_hours") - pl.col("stopped_hours")).alias("invalid_hours"),
        rate.alias("valid_data_rate_pct"),
        (pl.col("valid_mass_kg") + pl.col("substituted_mass_kg")).alias("mass_kg"),
        (rate < settings.required_valid_rate_pct).fill_null(False).alias("is_below_required_rate"),
        pl.lit(settings.required_valid_rate_pct).alias("required_valid_rate_pct"),
        pl.lit(settings.rule_version).alias("substitution_rule_version"),
    ).sort("city_code", "mn", "pollutant", "month")
