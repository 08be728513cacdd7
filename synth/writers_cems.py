"""Synthetic HJ 212 hourly exports (wide, one row per outlet and hour) and the outlet map, made by DuckDB.

Every outlet emits its annual SO2/NOx/PM (kg) spread over its operating hours with a daily profile and
noise, so valid plus substituted hours come back close to the annual figure. Flags follow a pattern a
real logger shows: a stop of some days (F), daily calibration of the gas analysers on a third of the
outlets (C), a monthly maintenance window (M), fault days (D), single-hour communication failures (B),
rare over-range (T) and manual input (S), and about one hour in a thousand with no record at all.
`low_rate_month` (per outlet, 0 = none) flags 40 % of that month's hours D: that month is below the rate.
"""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import polars as pl

from synth.world import World
from synth.writers_permit import site_year_emissions

PARAMS = {"mn": pl.String, "permit_no": pl.String, "outlet_code": pl.String, "city_code": pl.String,
          "so2_kg": pl.Float64, "nox_kg": pl.Float64, "pm_kg": pl.Float64, "flow_m3_h": pl.Float64,
          "stop_start_h": pl.Int64, "stop_hours": pl.Int64, "low_rate_month": pl.Int64, "mass_scale": pl.Float64}


def mn_code(index: int) -> str:
    """A 24-character MN of the demo's own series (HJ 212-2017 MN length; the digits mean nothing)."""
    return f"DEMO{index:020d}"


def _flag(kind: str) -> str:
    """SQL for one analyser's flag; `kind` is gas (SO2, NOx) or pm."""
    calibration = "WHEN o.cal AND hour(t) = o.cal_hour THEN 'C' " if kind == "gas" else ""
    salt = 1 if kind == "gas" else 2
    return ("CASE WHEN h >= stop_start_h AND h < stop_start_h + stop_hours THEN 'F' "
            "WHEN month(t) = low_rate_month AND hash(mn, h, 7) % 10 < 4 THEN 'D' "
            f"{calibration}"
            "WHEN day(t) = 3 + hash(mn) % 20 AND hour(t) BETWEEN 9 AND 12 THEN 'M' "
            f"WHEN hash(mn, h // 24, {salt}) % 97 = 0 AND hour(t) BETWEEN 2 AND 2 + hash(mn, h // 24) % 20 THEN 'D' "
            "WHEN hash(mn, h, 3) % 500 = 0 THEN 'B' "
            f"WHEN hash(mn, h, {salt + 10}) % 2000 = 0 THEN 'T' "
            f"WHEN hash(mn, h, {salt + 20}) % 3000 = 0 THEN 'S' ELSE 'N' END")


def hourly_sql(year: int) -> str:
    """Wide HJ 212 rows for every outlet in the `params` relation, over the calendar year."""
    hours = _hours_in(year)
    mass = ("{p}_kg / ({hours} - stop_hours) * mass_scale * (1 + 0.3 * sin(2 * pi() * hour(t) / 24)) "
            "* (0.8 + 0.4 * (hash(mn, h, {salt}) % 1000) / 1000.0)")
    pollutants = {"a21026": ("so2", 31, "so2_flag"), "a21002": ("nox", 32, "so2_flag"), "a34013": ("pm", 33, "pm_flag")}
    columns = []
    for code, (p, salt, flag) in pollutants.items():
        m = mass.format(p=p, hours=hours, salt=salt)
        columns += [f"round(({m}) / flow * 1e6, 3) AS \"{code}-Avg\"", f"round(({m}) / flow * 1e6 * 1.12, 3) AS \"{code}-ZsAvg\"",
                    f"CASE WHEN {flag} = 'F' THEN 0 ELSE round({m}, 4) END AS \"{code}-Cou\"", f"{flag} AS \"{code}-Flag\""]
    return f"""
        WITH o AS (SELECT *, hash(mn) % 3 = 0 AS cal, hash(mn, 5) % 24 AS cal_hour FROM params),
        g AS (SELECT o.*, h, TIMESTAMP '{year}-01-01' + to_hours(h) AS t,
                     flow_m3_h * (0.9 + 0.2 * (hash(mn, h, 4) % 1000) / 1000.0) AS flow,
                     {_flag("gas")} AS so2_flag, {_flag("pm")} AS pm_flag
              FROM o, range({hours}) r(h)
              WHERE hash(mn, h, 9) % 1000 <> 1)
        SELECT mn AS "MN", strftime(t, '%Y%m%d%H%M%S') AS "DataTime", {", ".join(columns)},
               CASE WHEN so2_flag = 'F' THEN 0 ELSE round(flow, 1) END AS "a00000-Cou",
               CASE WHEN so2_flag = 'F' THEN 'F' WHEN so2_flag = 'B' THEN 'B' ELSE 'N' END AS "a00000-Flag",
               round(9 + (hash(mn, h, 5) % 300) / 100.0, 2) AS "a19001-Avg",
               round(120 + (hash(mn, h, 6) % 400) / 10.0, 1) AS "a01012-Avg",
               round(6 + (hash(mn, h, 8) % 500) / 100.0, 2) AS "a01014-Avg",
               city_code
        FROM g"""


def _hours_in(year: int) -> int:
    return 8784 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 8760


def write_hourly(params: pl.DataFrame, year: int, folder: Path, con: duckdb.DuckDBPyConnection | None = None,
                 fmt: str = "parquet") -> list[Path]:
    """One export per city (`<city>_<year>_小时数据.<fmt>`), as a platform's bulk download gives them."""
    con = con or duckdb.connect()
    con.register("params", params.select(list(PARAMS)).to_arrow())
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for city in sorted(params["city_code"].unique()):
        path = folder / f"{city}_{year}_小时数据.{fmt}"
        query = f"SELECT * EXCLUDE (city_code) FROM ({hourly_sql(year)}) WHERE city_code = '{city}' ORDER BY \"MN\", \"DataTime\""
        options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
        con.execute(f"COPY ({query}) TO '{path.as_posix()}' ({options})")
        paths.append(path)
    con.unregister("params")
    return paths


def write_outlet_map(params: pl.DataFrame, path: Path) -> Path:
    """The 监测点位对照表 as a CSV (UTF-8 with BOM, as Excel saves it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = params.select(pl.col("mn").alias("MN"), pl.col("permit_no").alias("许可证编号"),
                          pl.col("outlet_code").alias("排放口编号"),
                          pl.format("{}排放口", "outlet_code").alias("排放口名称"))
    path.write_bytes(b"\xef\xbb\xbf" + frame.write_csv().encode("utf-8"))
    return path


COVERAGE = {"key_main": "main outlets of 重点管理 sites (the demo)",
            "permitted": "every outlet of 重点管理 and 简化管理 sites (登记管理 sites only register: no monitoring duty)"}


def world_params(world: World, year: int, rng: random.Random, coverage: str, skip_usccs: set[str] = frozenset(),
                 limit: int | None = None) -> pl.DataFrame:
    """One row per monitored outlet (COVERAGE): its annual masses (as the permit writer's outlets emit them) and its stop."""
    rows = []
    for enterprise in world.enterprises:
        if enterprise.uscc in skip_usccs:
            continue
        for site in enterprise.sites:
            wanted = ("重点管理",) if coverage == "key_main" else ("重点管理", "简化管理")
            if site.management_category not in wanted:
                continue
            for oy in site_year_emissions(site, enterprise.industry_code, year).outlets:
                if (coverage == "key_main" and not oy.outlet.main) or oy.emitted["SO2"] + oy.emitted["NOx"] <= 0:
                    continue
                stop = rng.choice([0, 0, 72, 168, 336])
                rows.append({"mn": mn_code(len(rows) + 1), "permit_no": site.permit_no, "outlet_code": oy.outlet.code,
                             "city_code": site.city_code, **{f"{p.lower()}_kg": oy.emitted[p] * 1000 for p in
                                                             ("SO2", "NOx", "PM")},
                             "flow_m3_h": oy.outlet.rated_tph * 1300.0, "stop_start_h": rng.randrange(0, 8000),
                             "stop_hours": stop, "low_rate_month": 0, "mass_scale": 1.0})
                if limit and len(rows) >= limit:
                    return pl.DataFrame(rows, schema=PARAMS)
    return pl.DataFrame(rows, schema=PARAMS)


def write_cems_province(world: World, inbox: Path, rng: random.Random) -> dict:
    """The benchmark's CEMS year: every permitted outlet (COVERAGE), one Parquet export per city, nothing planted."""
    year = world.years[-1]
    params = world_params(world, year, rng, coverage="permitted")
    folder = inbox / "cems"
    write_outlet_map(params, folder / "监测点位对照表.csv")
    write_hourly(params, year, folder)
    return {"year": year, "outlets": params.height, "coverage": COVERAGE["permitted"], "bad_file": None,
            "bad_row_numbers": []}


BAD_ROWS = (("DEMO99999999999999999999", "20230105000000", "1.0", "N", "MN not in the outlet map"),
            (None, "2023-01-05 01:30:00", "1.0", "N", "time is not on the hour"),
            (None, "20230105020000", "-3", "N", "negative value"),
            (None, "20230105030000", "1.0", "X", "unknown data flag"))


def write_cems_demo(world: World, inbox: Path, rng: random.Random, touched: set[str]) -> dict:
    """The demo's CEMS year: key sites' main outlets (clean enterprises), one outlet reading 60 % above its
    execution report, one with a month below the required rate, and a GBK CSV with four bad rows."""
    year = world.years[-1]
    params = world_params(world, year, rng, coverage="key_main", skip_usccs=touched, limit=150)
    if params.height < 3:  # a tiny test world: no CEMS
        return {"year": year, "outlets": 0, "bad_file": None, "bad_row_numbers": []}
    params = params.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(1.6).otherwise(pl.col("mass_scale")).alias("mass_scale"),
        pl.when(pl.int_range(pl.len()) == 1).then(3).otherwise(pl.col("low_rate_month")).alias("low_rate_month"))
    folder = inbox / "cems"
    write_outlet_map(params, folder / "监测点位对照表.csv")
    write_hourly(params, year, folder)
    mn = params["mn"][2]
    lines = ["MN,DataTime,a21026-Avg,a21026-Cou,a21026-Flag"]
    lines += [f"{m or mn},{t},30,{v},{f}" for m, t, v, f, _ in BAD_ROWS]
    (folder / f"补传数据_{year}.csv").write_bytes("\n".join(lines).encode("gb18030"))
    first, second = params.row(0, named=True), params.row(1, named=True)
    return {"year": year, "outlets": params.height, "bad_file_rows": [r[4] for r in BAD_ROWS],
            "bad_file": f"cems/补传数据_{year}.csv", "bad_row_numbers": list(range(2, 2 + len(BAD_ROWS))),
            "over_report": {"permit_no": first["permit_no"], "outlet_code": first["outlet_code"], "mn": first["mn"],
                            "mass_scale": 1.6, "expected": "cems_vs_execution_report finding"},
            "low_rate": {"mn": second["mn"], "month": 3, "expected": "is_below_required_rate in March"}}
