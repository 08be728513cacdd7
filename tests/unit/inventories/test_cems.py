"""CEMS reader, flags, substitution and valid-data rate on small hand-made files (pollutant-factors.md §6)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from inventories.cems.codes import FLAGS
from inventories.cems.settings import load_settings
from inventories.cems.substitution import hour_state, substitute
from pipelines.read.cems.aggregate import duckdb_connection, outlet_monthly, substitution_gaps
from pipelines.read.cems.store import CemsStore, ingest

PERMIT = "91410100MA00000001001P"
T0 = dt.datetime(2023, 1, 1)


def _outlets() -> pl.DataFrame:
    return pl.DataFrame({"mn": ["MN01", "MN02"], "permit_no": [PERMIT, PERMIT], "outlet_code": ["DA001", "DA002"],
                         "city_code": ["410100", "410100"]})


def _wide_csv(path: Path, rows: list[tuple], encoding: str = "utf-8") -> Path:
    lines = ["MN,DataTime,a21026-Avg,a21026-ZsAvg,a21026-Cou,a21026-Flag,a00000-Cou,a00000-Flag"]
    lines += [",".join("" if v is None else str(v) for v in r) for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\n".join(lines).encode(encoding))
    return path


def _ingest(tmp_path: Path) -> tuple[CemsStore, pl.DataFrame]:
    store = CemsStore(tmp_path / "parquet" / "core_cems__hourly")
    return store, ingest(store, tmp_path / "inbox" / "cems", tmp_path / "archive", _outlets(), [])


def _hour(h: int) -> str:
    return (T0 + dt.timedelta(hours=h)).strftime("%Y%m%d%H%M%S")


def test_wide_gbk_csv_rows_accounted_with_each_rejection_named(tmp_path: Path) -> None:
    rows = [("MN01", _hour(0), 50, 55, 1.5, "N", 30000, "N"),
            ("MN09", _hour(1), 50, 55, 1.5, "N", 30000, "N"),  # unknown MN
            ("MN01", "2023-01-01 02:30:00", 50, 55, 1.5, "N", 30000, "N"),  # not in the file's time format
            ("MN01", _hour(3), 50, 55, -1, "N", 30000, "N"),  # negative
            ("MN01", _hour(4), 50, 55, 1.5, "X", 30000, "N"),  # unknown flag
            ("MN01", _hour(5), "abc", 55, 1.5, "N", 30000, "N"),  # not a number
            ("MN01", _hour(6), 50, 55, 1.5, "D", 30000, "N")]
    _wide_csv(tmp_path / "inbox" / "cems" / "郑州_小时.csv", rows, "gb18030")
    store, log = _ingest(tmp_path)
    row = log.row(0, named=True)
    assert (row["rows_read"], row["rows_accepted"], row["rows_rejected"]) == (7, 2, 5)
    rejected = pl.read_parquet(store.rejected / f"{row['file_sha256'][:12]}.parquet").sort("row_number")
    assert rejected["row_number"].to_list() == [3, 4, 5, 6, 7]
    assert rejected["column_name"].to_list() == ["MN", "DataTime", "a21026-Cou", "a21026-Flag", "a21026-Avg"]
    assert rejected["raw_value"].to_list() == ["MN09", "2023-01-01 02:30:00", "-1", "X", "abc"]
    assert "cems/郑州_小时.csv：第5行“a21026-Cou”列数值为负" in rejected["reason_zh"].to_list()
    assert rejected["reason_en"][1].endswith("hour not recognised (expected YYYYMMDDhhmmss)")
    assert "row 6, column 'a21026-Flag' (so2_flag): unknown data flag" in rejected["reason_en"][3]  # + internal name
    hourly = pl.read_parquet(store.parts(2023, "410100")).sort("data_time")
    assert hourly["so2_flag"].to_list() == ["N", "D"] and hourly["so2_mass_kg"].to_list() == [1.5, 1.5]


def test_long_export_pivots_to_outlet_hours_and_counts_long_rows(tmp_path: Path) -> None:
    folder = tmp_path / "inbox" / "cems"
    folder.mkdir(parents=True)
    long = pl.DataFrame({"time": [_hour(0)] * 3 + [_hour(1)] * 3, "mn": ["MN02"] * 6,
                         "code": ["a21026", "a21002", "a00000"] * 2, "avg": [40.0, 80.0, None, 42.0, 81.0, None],
                         "zsavg": [44.0, 88.0, None, 46.0, 89.0, None], "cou": [1.2, 2.4, 30000.0, 1.3, 2.5, 31000.0],
                         "flag": ["N", "N", "N", "C", "N", "N"]})
    long.write_parquet(folder / "long.parquet")
    store, log = _ingest(tmp_path)
    assert log.row(0, named=True)["layout"] == "long"
    assert (log["rows_read"][0], log["rows_accepted"][0], log["rows_rejected"][0]) == (6, 6, 0)
    hourly = pl.read_parquet(store.parts(2023, "410100")).sort("data_time")
    assert hourly["so2_flag"].to_list() == ["N", "C"]
    assert hourly["nox_mass_kg"].to_list() == [2.4, 2.5]
    assert hourly["flow_m3"].to_list() == [30000.0, 31000.0]


def test_mass_from_concentration_and_flow_when_no_cou(tmp_path: Path) -> None:
    folder = tmp_path / "inbox" / "cems"
    folder.mkdir(parents=True)
    pl.DataFrame({"MN": ["MN01"], "DataTime": [_hour(0)], "a21026-Avg": [50.0], "a21026-Flag": ["N"],
                  "a00000-Cou": [20000.0], "a00000-Flag": ["N"]}).write_parquet(folder / "x.parquet")
    store, _ = _ingest(tmp_path)
    assert pl.read_parquet(store.parts(2023, "410100"))["so2_mass_kg"].item() == pytest.approx(1.0)  # 50 mg x 20000 m3


@pytest.mark.parametrize("flag", sorted(FLAGS))
def test_each_flag_state(flag: str) -> None:
    frame = pl.DataFrame({"so2_flag": [flag], "flow_flag": ["N"], "so2_mass_kg": [1.0]})
    state = frame.select(hour_state("so2", ["N"])).item()
    assert state == {"N": "valid", "F": "stopped"}.get(flag, "invalid")


def test_manual_input_valid_only_when_configured_and_invalid_flow_invalidates() -> None:
    frame = pl.DataFrame({"so2_flag": ["S", "N", "N"], "flow_flag": ["N", "D", "F"], "so2_mass_kg": [1.0, 1.0, 1.0]})
    assert frame.select(hour_state("so2", ["N", "S"])).to_series().to_list() == ["valid", "invalid", "stopped"]


def _series(values: dict[int, tuple[float, str]], hours: int) -> pl.DataFrame:
    rows = [("MN01", T0 + dt.timedelta(hours=h), values[h][0], values[h][1]) for h in range(hours) if h in values]
    frame = pl.DataFrame(rows, schema=["mn", "data_time", "so2_mass_kg", "so2_flag"], orient="row")
    return frame.with_columns(pl.lit("N").alias("flow_flag")).with_columns(hour_state("so2", ["N"]).alias("state"))


def _full_year(bad: set[int], value: callable) -> dict[int, tuple[float, str]]:
    return {h: (value(h), "D" if h in bad else "N") for h in range(8760)}


def test_hj75_short_gap_takes_max_of_previous_180_valid_hours() -> None:
    # values rise 0..199 then repeat; a 5-hour fault at 1000: the previous 180 valid hours are 820..999
    values = _full_year(set(range(1000, 1005)), lambda h: float(h % 200))
    gaps = substitute(_series(values, 8760), "so2", 2023, "hj75_2017")
    gap = gaps.row(0, named=True)
    assert (gap["gap_hours"], gap["substitution"], gap["window_hours"]) == (5, "max_180h", 180)
    assert gap["substitute_kg_per_h"] == 199.0  # 820..999 covers a full 0..199 cycle
    assert gap["capture_rate_pct"] == pytest.approx(100 * (2160 - 5) / 2160)


def test_hj75_long_gap_uses_720_and_low_capture_uses_2160_or_nothing() -> None:
    # a high value at hour 100; long gap (30 h) at 700 sees it within 720 valid hours
    values = _full_year(set(range(700, 730)), lambda h: 500.0 if h == 100 else 1.0)
    gap = substitute(_series(values, 8760), "so2", 2023, "hj75_2017").row(0, named=True)
    assert (gap["substitution"], gap["substitute_kg_per_h"]) == ("max_720h", 500.0)
    # 300 bad hours in Q1 (α = 86 %) -> 2160-hour window, reaching back to hour 100
    values = _full_year(set(range(1800, 2100)), lambda h: 500.0 if h == 100 else 1.0)
    gap = substitute(_series(values, 8760), "so2", 2023, "hj75_2017").row(0, named=True)
    assert (gap["substitution"], gap["window_hours"], gap["substitute_kg_per_h"]) == ("max_2160h", 2160, 500.0)
    # 600 bad hours in Q1 (α < 75 %) -> nothing substituted
    values = _full_year(set(range(1500, 2100)), lambda h: 1.0)
    gap = substitute(_series(values, 8760), "so2", 2023, "hj75_2017").row(0, named=True)
    assert (gap["substitution"], gap["substitute_kg_per_h"]) == ("none_capture_below_75", None)


def test_recalled_rule_means_the_hours_either_side() -> None:
    values = _full_year({50, 51}, lambda h: float(h))
    gap = substitute(_series(values, 8760), "so2", 2023, "hj_t75_2007_recalled").row(0, named=True)
    assert (gap["substitution"], gap["substitute_kg_per_h"]) == ("mean_before_after", (49.0 + 52.0) / 2)


def test_stopped_hours_end_a_gap_and_missing_hours_join_it() -> None:
    values = {h: (1.0, "N") for h in range(8760)}
    values[10] = (1.0, "D")
    del values[11], values[12]  # no records: missing hours in the same gap
    values[13] = (0.0, "F")
    values[14] = (1.0, "D")
    gaps = substitute(_series(values, 8760), "so2", 2023, "hj75_2017").sort("gap_start")
    assert gaps["gap_hours"].to_list() == [3, 1]


def test_monthly_valid_rate_and_flags_below_required_rate(tmp_path: Path) -> None:
    folder = tmp_path / "inbox" / "cems"
    folder.mkdir(parents=True)
    hours = range(24 * 31 + 24 * 28)  # January and February
    flags = ["D" if (h >= 744 and h % 2 == 0) else ("F" if h < 24 else "N") for h in hours]  # February: half faulty
    pl.DataFrame({"MN": ["MN01"] * len(flags), "DataTime": [_hour(h) for h in hours], "a21026-Cou": [2.0] * len(flags),
                  "a21026-Flag": flags}).write_parquet(folder / "jan_feb.parquet")
    store, log = _ingest(tmp_path)
    settings = load_settings()
    gaps, _ = substitution_gaps(store, 2023, {log["file_sha256"][0]: 0}, settings)
    monthly = outlet_monthly(duckdb_connection(tmp_path / "tmp"), store, 2023, gaps, settings, _outlets()).filter(
        pl.col("pollutant") == "SO2")
    jan, feb, mar = (monthly.filter(pl.col("month") == m).row(0, named=True) for m in (1, 2, 3))
    assert (jan["stopped_hours"], jan["valid_hours"], jan["valid_data_rate_pct"]) == (24, 720, 100.0)
    assert feb["valid_data_rate_pct"] == pytest.approx(50.0) and feb["is_below_required_rate"]
    assert not jan["is_below_required_rate"]
    assert (mar["missing_hours"], mar["valid_data_rate_pct"], mar["is_below_required_rate"]) == (744, 0.0, True)
    # Q1 α = 1056 / (2160 - 24) < 75 %: February's faults are left unsubstituted
    assert feb["substituted_hours"] == 0 and feb["unsubstituted_hours"] == 336
    assert jan["mass_kg"] == pytest.approx(720 * 2.0)


def test_later_file_supersedes_the_same_outlet_hour(tmp_path: Path) -> None:
    first = _wide_csv(tmp_path / "inbox" / "cems" / "a.csv", [("MN01", _hour(0), 50, 55, 1.0, "N", 30000, "N")])
    second = _wide_csv(tmp_path / "inbox" / "cems" / "b.csv", [("MN01", _hour(0), 60, 66, 2.0, "N", 30000, "N")])
    import os
    os.utime(first, (1, 1))
    os.utime(second, (2, 2))
    store, log = _ingest(tmp_path)
    order = {sha: i for i, sha in enumerate(log["file_sha256"])}
    _, moved = substitution_gaps(store, 2023, order, load_settings())
    assert moved == 1
    hourly = pl.read_parquet(store.parts(2023, "410100"))
    assert hourly["so2_mass_kg"].to_list() == [2.0]
    assert ingest(store, tmp_path / "inbox" / "cems", tmp_path / "archive", _outlets(), [])["rows_superseded"].to_list() == [1, 0]


def test_unknown_rule_version_refused() -> None:
    with pytest.raises(ValueError, match="cems_substitution_rule_version"):
        load_settings(rule_version="hj75_1999")


def test_windows_and_gaps_stay_inside_their_outlet() -> None:
    # outlet A reads 1000 every hour; outlet B reads 1 with a fault at hours 0-1 and 50-51: B's window must not see A
    a = _series({h: (1000.0, "N") for h in range(8760)}, 8760)
    b = _series({h: (1.0, "D" if h in (0, 1, 50, 51) else "N") for h in range(8760)}, 8760).with_columns(
        pl.lit("MN02").alias("mn"))
    gaps = substitute(pl.concat([a, b]), "so2", 2023, "hj75_2017").sort("gap_start")
    assert gaps["mn"].to_list() == ["MN02", "MN02"]
    assert gaps["substitution"].to_list() == ["no_history", "max_180h"]
    assert gaps["substitute_kg_per_h"].to_list() == [None, 1.0]


def test_city_partitions_add_up_to_the_whole_year(tmp_path: Path) -> None:
    # the scale-out job computes one (year, city) at a time: its pieces must equal the province computed at once
    outlets = _outlets().with_columns(pl.Series("city_code", ["410100", "410200"]))
    hours = range(24 * 40)
    flags = ["D" if h % 7 == 0 else "N" for h in hours]
    frame = pl.DataFrame({"MN": ["MN01"] * len(flags) + ["MN02"] * len(flags), "DataTime": [_hour(h) for h in hours] * 2,
                          "a21026-Cou": [float(h % 11) for h in hours] * 2, "a21026-Flag": flags * 2})
    (tmp_path / "inbox" / "cems").mkdir(parents=True)
    frame.write_parquet(tmp_path / "inbox" / "cems" / "two_cities.parquet")
    store = CemsStore(tmp_path / "parquet" / "core_cems__hourly")
    log = ingest(store, tmp_path / "inbox" / "cems", tmp_path / "archive", outlets, [])
    settings, order = load_settings(), {log["file_sha256"][0]: 0}
    assert store.partitions(2023) == ["410100", "410200"]
    con = duckdb_connection(tmp_path / "tmp")
    whole_gaps, _ = substitution_gaps(store, 2023, order, settings)
    whole = outlet_monthly(con, store, 2023, whole_gaps, settings, outlets)
    pieces = []
    for city in store.partitions(2023):
        gaps, _ = substitution_gaps(store, 2023, order, settings, cities=[city])
        pieces.append(outlet_monthly(con, store, 2023, gaps, settings, outlets, city=city))
    assert pl.concat(pieces).sort("mn", "pollutant", "month").equals(whole.sort("mn", "pollutant", "month"))
    assert whole.filter(pl.col("pollutant") == "SO2")["invalid_hours"].sum() == 2 * flags.count("D")


def test_batches_of_outlets_give_the_same_gaps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a city too big for one batch is worked through a run of outlets at a time: same gaps as all at once
    from pipelines.read.cems import aggregate

    hours = range(24 * 40)
    flags = ["D" if h % 5 == 0 else "N" for h in hours]
    frame = pl.DataFrame({"MN": ["MN02"] * len(flags) + ["MN01"] * len(flags), "DataTime": [_hour(h) for h in hours] * 2,
                          "a21026-Cou": [float(h % 13) for h in hours] + [float(h % 7) for h in hours],
                          "a21026-Flag": flags * 2})
    (tmp_path / "inbox" / "cems").mkdir(parents=True)
    frame.write_parquet(tmp_path / "inbox" / "cems" / "one_city.parquet")
    store, log = _ingest(tmp_path)
    order = {log["file_sha256"][0]: 0}
    scan = pl.scan_parquet(store.parts(2023, "410100"))

    def outlets_per_batch() -> list[list[str]]:
        return [sorted(scan.filter(batch).select(pl.col("mn").unique()).collect()["mn"])
                for batch in aggregate._outlet_batches(scan)]

    assert outlets_per_batch() == [["MN01", "MN02"]]  # within BATCH_ROWS: one batch, every row
    whole, _ = substitution_gaps(store, 2023, order, load_settings())
    monkeypatch.setattr(aggregate, "BATCH_ROWS", len(flags))  # one outlet per batch
    assert outlets_per_batch() == [["MN01"], ["MN02"]]
    batched, _ = substitution_gaps(store, 2023, order, load_settings())
    keys = ["mn", "pollutant", "gap_start"]
    assert batched.sort(keys).equals(whole.sort(keys)) and whole["mn"].n_unique() == 2


@pytest.mark.parametrize("window", [1, 2, 3, 180])
def test_block_window_max_is_the_max_of_each_whole_window(window: int) -> None:
    """Every window of exactly `window` values, whether it sits inside one block or spans two, at the array's end too
    (the last block padded), against the plain definition."""
    from inventories.cems.substitution import _block_window_max

    values = np.random.default_rng(window).random(3 * window + 7) * 100
    last = np.arange(window - 1, len(values))
    expected = [values[i - window + 1:i + 1].max() for i in last]
    assert _block_window_max(values, last, window).tolist() == expected
