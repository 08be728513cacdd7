"""Missing and invalid CEMS hours: gaps, the quarter's capture rate and the substitute value per gap.

Per outlet, pollutant and year (pollutant-factors.md §6). An hour is valid when its flag is a valid flag
(N; S too if the settings say so), the flue-gas flow's flag is not invalid and the mass is known. F
(停运) hours are stopped: no emission, outside the rate. Every other hour, and every hour with no record,
is part of a gap: a run of such hours between valid or stopped hours.

Rule versions (`cems_substitution_rule_version`):
- `hj75_2017` (logic V-C, clause text R): quarter capture rate α = valid / (hours - stopped). α >= 90 %:
  gap <= 24 h -> the maximum of the previous 180 valid hours, longer -> of the previous 720; 75 % <= α
  < 90 % -> of the previous 2160; α < 75 % -> nothing substituted (the hours stay unaccounted, flagged).
- `hj_t75_2007_recalled` (R): gap <= 24 h -> the mean of the valid hours just before and just after the
  gap; longer -> the maximum of the previous 720 valid hours.
The α of a gap is its first hour's quarter. Look-back stays inside the data year. A gap with no valid
hour before it (and, for the mean, after it) gets no substitute ("no_history").

Maxima over the last N valid hours come from one 180-hour rolling maximum: 720 and 2160 are 4 and 12
of its windows end to end, read at the gap only, so the cost is one pass per pollutant.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.cems.codes import SPECIES, STOPPED_FLAG

RULE_VERSIONS = ("hj75_2017", "hj_t75_2007_recalled")
RULE_STATUS = {"hj75_2017": "verified_code_logic", "hj_t75_2007_recalled": "recalled"}
BLOCK = 180
GAP_COLUMNS = {"mn": pl.String, "pollutant": pl.String, "gap_start": pl.Datetime("us"), "gap_hours": pl.Int64,
               "quarter": pl.Int8, "capture_rate_pct": pl.Float64, "substitution_rule_version": pl.String,
               "substitution": pl.String,
               "window_hours": pl.Int64, "substitute_kg_per_h": pl.Float64}


def hour_state(prefix: str, valid_flags: list[str]) -> pl.Expr:
    """'valid', 'stopped' or 'invalid' for one pollutant's hour (flow validity and a known mass included)."""
    flag, flow = pl.col(f"{prefix}_flag"), pl.col("flow_flag")
    stopped = (flag == STOPPED_FLAG) | (flow == STOPPED_FLAG).fill_null(False)
    valid = flag.is_in(valid_flags) & (flow.is_null() | flow.is_in(valid_flags)) & pl.col(f"{prefix}_mass_kg").is_not_null()
    return pl.when(stopped.fill_null(False)).then(pl.lit("stopped")).when(valid.fill_null(False)).then(pl.lit("valid")) \
        .otherwise(pl.lit("invalid"))


def _quarter_hours(year: int) -> dict[int, int]:
    starts = [dt.datetime(year, m, 1) for m in (1, 4, 7, 10)] + [dt.datetime(year + 1, 1, 1)]
    return {q + 1: int((starts[q + 1] - starts[q]).total_seconds() // 3600) for q in range(4)}


def gaps(series: pl.DataFrame, year: int) -> pl.DataFrame:
    """Gaps of one pollutant: mn, gap_start, gap_hours, valid_before (count of valid hours before the gap).

    `series` has mn, data_time, state, sorted by mn and data_time, one row per recorded hour.
    """
    start, end = dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    frame = series.with_columns(
        (pl.col("state") == "valid").cast(pl.Int64).cum_sum().over("mn").alias("_valid_upto"),
        pl.col("data_time").shift(1).over("mn").fill_null(start - dt.timedelta(hours=1)).alias("_prev"),
    )
    missing = frame.select(
        "mn", (pl.col("_prev") + pl.duration(hours=1)).alias("seg_start"),
        ((pl.col("data_time") - pl.col("_prev")).dt.total_hours() - 1).alias("seg_hours"),
        (pl.col("_valid_upto") - (pl.col("state") == "valid").cast(pl.Int64)).alias("valid_before"),
    ).filter(pl.col("seg_hours") > 0)
    last = frame.group_by("mn").agg(pl.col("data_time").max(), pl.col("_valid_upto").max())
    tail = last.select("mn", (pl.col("data_time") + pl.duration(hours=1)).alias("seg_start"),
                       ((pl.lit(end) - pl.col("data_time")).dt.total_hours() - 1).alias("seg_hours"),
                       pl.col("_valid_upto").alias("valid_before")).filter(pl.col("seg_hours") > 0)
    recorded = frame.filter(pl.col("state") == "invalid").select(
        "mn", pl.col("data_time").alias("seg_start"), pl.lit(1, pl.Int64).alias("seg_hours"),
        pl.col("_valid_upto").alias("valid_before"))
    segments = pl.concat([missing, tail, recorded]).sort("mn", "seg_start")
    # a segment continues the previous gap when it starts right where that one ended and no valid hour came between
    segments = segments.with_columns(
        ((pl.col("seg_start") != (pl.col("seg_start") + pl.duration(hours=pl.col("seg_hours"))).shift(1).over("mn"))
         | (pl.col("valid_before") != pl.col("valid_before").shift(1).over("mn"))).fill_null(True).alias("_new"))
    segments = segments.with_columns(pl.col("_new").cum_sum().alias("_gap"))
    return segments.group_by("mn", "_gap").agg(
        pl.col("seg_start").min().alias("gap_start"), pl.col("seg_hours").sum().alias("gap_hours"),
        pl.col("valid_before").first()).drop("_gap").sort("mn", "gap_start")


def capture_rates(series: pl.DataFrame, year: int) -> pl.DataFrame:
    """mn, quarter, capture_rate_pct = valid / (quarter hours - stopped) x 100 (missing hours count as invalid)."""
    hours = _quarter_hours(year)
    counts = series.group_by("mn", pl.col("data_time").dt.quarter().alias("quarter")).agg(
        (pl.col("state") == "valid").sum().alias("_valid"), (pl.col("state") == "stopped").sum().alias("_stopped"))
    grid = series.select("mn").unique().join(pl.DataFrame({"quarter": list(hours)}, schema={"quarter": pl.Int8}),
                                             how="cross")
    quarter_hours = pl.col("quarter").replace_strict(hours, return_dtype=pl.Int64)
    return grid.join(counts, on=["mn", "quarter"], how="left").with_columns(
        pl.when(quarter_hours - pl.col("_stopped").fill_null(0) > 0)
        .then(100.0 * pl.col("_valid").fill_null(0) / (quarter_hours - pl.col("_stopped").fill_null(0)))
        .otherwise(100.0).alias("capture_rate_pct")).select("mn", "quarter", "capture_rate_pct")


def _window_max(rolling: pl.Series, gap_rows: pl.DataFrame, blocks: int) -> pl.Series:
    """Max of the last `blocks` x 180 valid hours before each gap: 180-hour rolling maxima read end to end."""
    picks = []
    for j in range(blocks):
        position = gap_rows["_offset"] + gap_rows["valid_before"] - 1 - j * BLOCK
        inside = (gap_rows["valid_before"] - j * BLOCK) >= 1
        picked = rolling.gather(position.clip(0).cast(pl.UInt32))
        picks.append(pl.select(pl.when(pl.lit(inside)).then(pl.lit(picked))).to_series().alias(f"p{j}"))
    return pl.DataFrame(picks).select(pl.max_horizontal(pl.all())).to_series()


def substitute(series: pl.DataFrame, prefix: str, year: int, rule_version: str) -> pl.DataFrame:
    """Gaps of one pollutant with their substitute hourly mass (GAP_COLUMNS); `series` sorted by mn, data_time."""
    if rule_version not in RULE_VERSIONS:
        raise ValueError(f"cems_substitution_rule_version 应为 {RULE_VERSIONS} 之一 / must be one of {RULE_VERSIONS}: "
                         f"{rule_version!r}")
    found = gaps(series, year)
    valid = series.filter(pl.col("state") == "valid").select("mn", pl.col(f"{prefix}_mass_kg").alias("v"))
    if found.is_empty() or valid.is_empty():
        found = found.with_columns(pl.lit(None, pl.Float64).alias("capture_rate_pct"))
        return pl.concat([pl.DataFrame(schema=GAP_COLUMNS), found.select(
            "mn", pl.lit(SPECIES[prefix]).alias("pollutant"), "gap_start", "gap_hours",
            pl.col("gap_start").dt.quarter().cast(pl.Int8).alias("quarter"), "capture_rate_pct",
            pl.lit(rule_version).alias("substitution_rule_version"), pl.lit("no_history").alias("substitution"),
            pl.lit(None, pl.Int64).alias("window_hours"), pl.lit(None, pl.Float64).alias("substitute_kg_per_h"))],
            how="vertical_relaxed")
    valid = valid.with_columns(pl.col("v").rolling_max(BLOCK, min_samples=1).over("mn").alias("_r180"))
    offsets = valid.with_row_index("_offset").group_by("mn").agg(pl.col("_offset").min().cast(pl.Int64),
                                                                   pl.len().alias("_n_valid"))
    found = found.join(offsets, on="mn", how="left").with_columns(pl.col("_offset").fill_null(0),
                                                                 pl.col("_n_valid").fill_null(0))
    found = found.join(capture_rates(series, year), left_on=["mn", pl.col("gap_start").dt.quarter()],
                       right_on=["mn", "quarter"], how="left").with_columns(pl.col("gap_start").dt.quarter().alias("quarter"))
    alpha, hours = pl.col("capture_rate_pct"), pl.col("gap_hours")
    if rule_version == "hj75_2017":
        kind = (pl.when(pl.col("valid_before") < 1).then(pl.lit("no_history"))
                .when(alpha < 75).then(pl.lit("none_capture_below_75"))
                .when(alpha < 90).then(pl.lit("max_2160h"))
                .when(hours <= 24).then(pl.lit("max_180h")).otherwise(pl.lit("max_720h")))
    else:
        has_after = pl.col("valid_before") < pl.col("_n_valid")
        kind = (pl.when(pl.col("valid_before") < 1).then(pl.lit("no_history"))
                .when(hours <= 24).then(pl.when(has_after).then(pl.lit("mean_before_after")).otherwise(pl.lit("no_history")))
                .otherwise(pl.lit("max_720h")))
    found = found.with_columns(kind.alias("substitution"))
    windows = {"max_180h": 1, "max_720h": 4, "max_2160h": 12}
    values = pl.Series("substitute_kg_per_h", [None] * found.height, dtype=pl.Float64)
    for name, blocks in windows.items():
        values = values.zip_with(found["substitution"] != name, _window_max(valid["_r180"], found, blocks))
    before = valid["v"].gather((found["_offset"] + found["valid_before"] - 1).clip(0).cast(pl.UInt32))
    after = valid["v"].gather((found["_offset"] + found["valid_before"]).clip(0, max(valid.height - 1, 0)).cast(pl.UInt32))
    values = values.zip_with(found["substitution"] != "mean_before_after", (before + after) / 2)
    window = pl.col("substitution").replace_strict({**{k: b * BLOCK for k, b in windows.items()}, "mean_before_after": 2},
                                                   default=None, return_dtype=pl.Int64)
    return found.with_columns(values.alias("substitute_kg_per_h"), window.alias("window_hours"),
                              pl.lit(SPECIES[prefix]).alias("pollutant"),
                              pl.lit(rule_version).alias("substitution_rule_version"),
                              pl.col("quarter").cast(pl.Int8)).select(list(GAP_COLUMNS))


def monthly_pieces(found: pl.DataFrame) -> pl.DataFrame:
    """Gaps split at month ends: mn, pollutant, month, substituted_hours, substituted_mass_kg (null = none)."""
    if found.is_empty():
        return pl.DataFrame(schema={"mn": pl.String, "pollutant": pl.String, "month": pl.Int8, "substituted_hours": pl.Int64,
                                    "unsubstituted_hours": pl.Int64, "substituted_mass_kg": pl.Float64})
    end = pl.col("gap_start") + pl.duration(hours=pl.col("gap_hours"))
    pieces = found.with_columns(pl.datetime_ranges(pl.col("gap_start").dt.month_start(), end - pl.duration(hours=1),
                                                   interval="1mo").alias("_month")).explode("_month")
    piece_start = pl.max_horizontal("gap_start", "_month")
    piece_end = pl.min_horizontal(end, pl.col("_month").dt.offset_by("1mo"))
    pieces = pieces.with_columns((piece_end - piece_start).dt.total_hours().alias("_hours"))
    has_value = pl.col("substitute_kg_per_h").is_not_null()
    return pieces.group_by("mn", "pollutant", pl.col("_month").dt.month().cast(pl.Int8).alias("month")).agg(
        pl.col("_hours").filter(has_value).sum().alias("substituted_hours"),
        pl.col("_hours").filter(~has_value).sum().alias("unsubstituted_hours"),
        (pl.col("_hours") * pl.col("substitute_kg_per_h")).filter(has_value).sum().alias("substituted_mass_kg"))
