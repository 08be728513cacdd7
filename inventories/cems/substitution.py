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

The work is done on NumPy arrays of one city partition sorted by outlet and hour: outlet runs, valid-hour
counts and quarter tallies are cumulative sums and bincounts, gaps are a few hundred thousand segments, and each
gap's window maximum is gathered from the valid values just before it, so no hash group-by touches the hours.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np
import polars as pl

from inventories.cems.codes import SPECIES, STOPPED_FLAG

RULE_VERSIONS = ("hj75_2017", "hj_t75_2007_recalled")
RULE_STATUS = {"hj75_2017": "verified_code_logic", "hj_t75_2007_recalled": "recalled"}
GAP_COLUMNS = {"mn": pl.String, "pollutant": pl.String, "gap_start": pl.Datetime("us"), "gap_hours": pl.Int64,
               "quarter": pl.Int8, "capture_rate_pct": pl.Float64, "substitution_rule_version": pl.String,
               "substitution": pl.String,
               "window_hours": pl.Int64, "substitute_kg_per_h": pl.Float64}


STATE = pl.Enum(["invalid", "valid", "stopped"])
INVALID, VALID, STOPPED = 0, 1, 2
"""STATE's physical codes."""
WINDOWS = {"max_180h": 180, "max_720h": 720, "max_2160h": 2160}


def hour_state(prefix: str, valid_flags: list[str]) -> pl.Expr:
    """'valid', 'stopped' or 'invalid' (an Enum) for one pollutant's hour (flow validity and a known mass included)."""
    flag, flow = pl.col(f"{prefix}_flag"), pl.col("flow_flag")
    stopped = (flag == STOPPED_FLAG) | (flow == STOPPED_FLAG).fill_null(False)
    valid = flag.is_in(valid_flags) & (flow.is_null() | flow.is_in(valid_flags)) & pl.col(f"{prefix}_mass_kg").is_not_null()
    return pl.when(stopped.fill_null(False)).then(pl.lit("stopped")).when(valid.fill_null(False)).then(pl.lit("valid")) \
        .otherwise(pl.lit("invalid")).cast(STATE)


def _quarter_starts(year: int) -> np.ndarray:
    """Hour-of-year where each quarter starts, and the year's end."""
    start = dt.datetime(year, 1, 1)
    marks = [dt.datetime(year, m, 1) for m in (1, 4, 7, 10)] + [dt.datetime(year + 1, 1, 1)]
    return np.array([int((m - start).total_seconds() // 3600) for m in marks], dtype=np.int64)


@dataclass(frozen=True)
class Timeline:
    """Row positions of a frame sorted by mn and data_time: hour of year, outlet index, where outlets start."""

    year: int
    hour: np.ndarray
    outlet: np.ndarray
    starts: np.ndarray
    mn: pl.Series

    @classmethod
    def of(cls, frame: pl.DataFrame, year: int) -> Timeline:
        hour = (frame["data_time"] - dt.datetime(year, 1, 1)).dt.total_hours().to_numpy().astype(np.int64)
        first = (frame["mn"] != frame["mn"].shift(1)).fill_null(True).to_numpy()
        starts = np.flatnonzero(first)
        # a copy: a gather of text shares the source's buffers, which would keep every hour's MN alive with the gaps
        return cls(year, hour, np.cumsum(first) - 1, starts, pl.Series("mn", frame["mn"].gather(starts).to_list(), pl.String))

    @functools.cached_property
    def ends(self) -> np.ndarray:
        return np.r_[self.starts[1:] - 1, len(self.hour) - 1].astype(np.int64)

    @functools.cached_property
    def previous(self) -> np.ndarray:
        """The hour of the row before in the same outlet (-1 for an outlet's first row)."""
        previous = np.r_[-1, self.hour[:-1]]
        previous[self.starts] = -1
        return previous

    @functools.cached_property
    def quarter_cells(self) -> np.ndarray:
        """outlet x 4 + quarter of every row: the cells of capture_rates' tallies, the same for every pollutant."""
        quarter = np.searchsorted(_quarter_starts(self.year), self.hour, side="right") - 1
        return self.outlet * 4 + quarter


def _segments(line: Timeline, valid: np.ndarray, invalid: np.ndarray) -> tuple[np.ndarray, ...]:
    """(outlet, start hour, hours, valid hours before) of every missing run, tail and invalid record, in order."""
    cum = np.cumsum(valid)
    before_outlet = (cum - valid)[line.starts]
    valid_before_row = cum - valid - before_outlet[line.outlet]
    previous = line.previous
    missing = line.hour - previous - 1
    has_missing = np.flatnonzero(missing > 0)
    ends = line.ends
    year_hours = _quarter_starts(line.year)[-1]
    tail = year_hours - line.hour[ends] - 1
    has_tail = np.flatnonzero(tail > 0)
    bad = np.flatnonzero(invalid)
    outlet = np.concatenate([line.outlet[has_missing], has_tail, line.outlet[bad]])
    start = np.concatenate([previous[has_missing] + 1, line.hour[ends][has_tail] + 1, line.hour[bad]])
    hours = np.concatenate([missing[has_missing], tail[has_tail], np.ones(len(bad), dtype=np.int64)])
    valid_before = np.concatenate([valid_before_row[has_missing], (cum[ends] - before_outlet)[has_tail],
                                   valid_before_row[bad]])
    order = np.lexsort((start, outlet))
    return outlet[order], start[order], hours[order], valid_before[order]


def gaps(line: Timeline, state: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(outlet, gap start hour, gap hours, valid hours before) of one pollutant; `state` is the STATE code per row.

    Segments join into one gap when each starts where the last ended with no valid hour between them; a
    stopped hour leaves a hole in the hours, so it ends the gap.
    """
    outlet, start, hours, valid_before = _segments(line, state == VALID, state == INVALID)
    if not len(outlet):
        return outlet, start, hours, valid_before
    new = np.ones(len(outlet), dtype=bool)
    new[1:] = (outlet[1:] != outlet[:-1]) | (start[1:] != start[:-1] + hours[:-1]) | (valid_before[1:] != valid_before[:-1])
    first = np.flatnonzero(new)
    return outlet[first], start[first], np.add.reduceat(hours, first), valid_before[first]


def capture_rates(line: Timeline, state: np.ndarray) -> np.ndarray:
    """Capture rate α (%) per outlet and quarter, shape (outlets, 4): valid / (quarter hours - stopped) x 100."""
    bounds = _quarter_starts(line.year)
    cells = line.quarter_cells
    size = len(line.starts) * 4
    valid = np.bincount(cells, weights=state == VALID, minlength=size).reshape(-1, 4)
    stopped = np.bincount(cells, weights=state == STOPPED, minlength=size).reshape(-1, 4)
    operating = np.diff(bounds)[None, :] - stopped
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(operating > 0, 100.0 * valid / operating, 100.0)


def _block_window_max(values: np.ndarray, last: np.ndarray, window: int) -> np.ndarray:
    """Max of values[last - window + 1 .. last] per position (each window whole inside the array).

    Van Herk / Gil-Werman: the values cut into blocks of `window`, a running maximum forward and backward inside each
    block; a window of exactly that length spans at most two blocks, so its maximum is the backward maximum at its
    first value with the forward maximum at its last. Two NumPy passes, whatever the window, where a rolling maximum
    computes every position and costs several times more.
    """
    blocks = np.concatenate([values, np.full(-len(values) % window, -np.inf)]).reshape(-1, window)
    forward = np.maximum.accumulate(blocks, axis=1).ravel()
    backward = np.maximum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.maximum(backward[last - window + 1], forward[last])


def _window_max(values: np.ndarray, last: np.ndarray, first_allowed: np.ndarray, window: int) -> np.ndarray:
    """Max of values[max(first_allowed, last - window + 1) .. last] per gap.

    A gap whose whole window lies inside its outlet reads one rolling maximum over all values; the others (near an
    outlet's first hours) gather their window in bounded chunks, leaving out the previous outlet's values.
    """
    out = np.empty(len(last))
    full = last - first_allowed + 1 >= window
    if full.any():
        out[full] = _block_window_max(values, last[full], window)
    partial = np.flatnonzero(~full)
    step = max(1, (1 << 22) // window)
    back = np.arange(window)
    for i in range(0, len(partial), step):
        rows = partial[i:i + step]
        index = last[rows, None] - back[None, :]
        picked = np.where(index >= first_allowed[rows, None], values[np.maximum(index, 0)], -np.inf)
        out[rows] = picked.max(axis=1)
    return out


def substitute(series: pl.DataFrame, prefix: str, year: int, rule_version: str, line: Timeline | None = None) -> pl.DataFrame:
    """Gaps of one pollutant with their substitute hourly mass (GAP_COLUMNS); `series` sorted by mn, data_time."""
    if rule_version not in RULE_VERSIONS:
        raise ValueError(f"cems_substitution_rule_version 应为 {RULE_VERSIONS} 之一 / must be one of {RULE_VERSIONS}: "
                         f"{rule_version!r}")
    if series.is_empty():
        return pl.DataFrame(schema=GAP_COLUMNS)
    line = line or Timeline.of(series, year)
    state = series["state"].to_physical().to_numpy()
    outlet, start, hours, valid_before = gaps(line, state)
    is_valid = state == VALID
    values = series[f"{prefix}_mass_kg"].to_numpy()[is_valid]
    offset = (np.cumsum(is_valid) - is_valid)[line.starts]  # valid hours of earlier outlets
    n_valid = np.bincount(line.outlet, weights=is_valid, minlength=len(line.starts)).astype(np.int64)
    quarter = np.searchsorted(_quarter_starts(year), start, side="right") - 1
    alpha = capture_rates(line, state)[outlet, quarter]
    kind = _kind(rule_version, alpha, hours, valid_before, n_valid[outlet])
    substitute_value = np.full(len(outlet), np.nan)
    last = offset[outlet] + valid_before - 1
    for name, window in WINDOWS.items():
        chosen = np.flatnonzero(kind == name)
        if len(chosen):
            substitute_value[chosen] = _window_max(values, last[chosen], offset[outlet][chosen], window)
    chosen = np.flatnonzero(kind == "mean_before_after")
    substitute_value[chosen] = (values[last[chosen]] + values[last[chosen] + 1]) / 2
    window_hours = pl.Series(kind).replace_strict({**WINDOWS, "mean_before_after": 2}, default=None, return_dtype=pl.Int64)
    return pl.DataFrame({
        "mn": line.mn.gather(outlet), "pollutant": SPECIES[prefix],
        "gap_start": np.datetime64(f"{year}-01-01T00", "us") + start.astype("timedelta64[h]"),
        "gap_hours": hours, "quarter": (quarter + 1).astype(np.int8), "capture_rate_pct": alpha,
        "substitution_rule_version": rule_version, "substitution": kind, "window_hours": window_hours,
        "substitute_kg_per_h": pl.Series(substitute_value).fill_nan(None)}, schema=GAP_COLUMNS)


def _kind(rule_version: str, alpha: np.ndarray, hours: np.ndarray, valid_before: np.ndarray,
          n_valid: np.ndarray) -> np.ndarray:
    """The substitution each gap gets under the rule version."""
    if rule_version == "hj75_2017":
        kind = np.select([valid_before < 1, alpha < 75, alpha < 90, hours <= 24],
                         ["no_history", "none_capture_below_75", "max_2160h", "max_180h"], "max_720h")
    else:
        kind = np.select([valid_before < 1, (hours <= 24) & (valid_before < n_valid), hours <= 24],
                         ["no_history", "mean_before_after", "no_history"], "max_720h")
    return kind


def monthly_pieces(found: pl.DataFrame) -> pl.DataFrame:
    """Gaps split at month ends: mn, pollutant, month, substituted_hours, substituted_mass_kg (null = none)."""
    if found.is_empty():
        return pl.DataFrame(schema={"mn": pl.String, "pollutant": pl.String, "month": pl.Int8, "substituted_hours": pl.Int64,
                                    "unsubstituted_hours": pl.Int64, "substituted_mass_kg": pl.Float64})
    end = pl.col("gap_start") + pl.duration(hours=pl.col("gap_hours"))
    one_month = pl.col("gap_start").dt.month() == (end - pl.duration(hours=1)).dt.month()
    single = found.filter(one_month).select(  # most gaps: no month end inside, nothing to split
        "mn", "pollutant", pl.col("gap_start").dt.month().cast(pl.Int8).alias("month"), pl.col("gap_hours").alias("_hours"),
        "substitute_kg_per_h")
    split = found.filter(~one_month).with_columns(
        pl.datetime_ranges(pl.col("gap_start").dt.month_start(), end - pl.duration(hours=1), interval="1mo").alias("_month")
    ).explode("_month")
    piece_start = pl.max_horizontal("gap_start", "_month")
    piece_end = pl.min_horizontal(end, pl.col("_month").dt.offset_by("1mo"))
    split = split.select("mn", "pollutant", pl.col("_month").dt.month().cast(pl.Int8).alias("month"),
                         (piece_end - piece_start).dt.total_hours().alias("_hours"), "substitute_kg_per_h")
    has_value = pl.col("substitute_kg_per_h").is_not_null()
    return pl.concat([single, split]).group_by("mn", "pollutant", "month").agg(
        pl.col("_hours").filter(has_value).sum().alias("substituted_hours"),
        pl.col("_hours").filter(~has_value).sum().alias("unsubstituted_hours"),
        (pl.col("_hours") * pl.col("substitute_kg_per_h")).filter(has_value).sum().alias("substituted_mass_kg"))
