"""The city-indicator file (城市指标) of the synthetic province: what the city synergy index reads besides the inventory.

One XLSX in inbox/city/ in the long layout (年份, 城市代码, 城市名称, 指标代码, 指标名称, 数值, 单位, 数据来源) for every
city the world's enterprises sit in, every world year and every indicator of `city_file_indicators()` the writer
can invent values for. The values are invented but plausible (PM2.5 falling, good-air days and green building
rising, GDP growing), so the index has something to rank. Two things are deliberate and go into the manifest: one
city never reports green_building_share (the index must show partial coverage for it, not fail), and the file ends
with two bad rows (a PM2.5 value in mg/m3, an indicator the tree does not know) that the ingest must reject.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from inventories.synergy_tree import city_file_indicators
from synth.world import World
from synth.writers_permit import file_entry, new_workbook, region_names, save_workbook_fixed, title_row

CITY_DIR = "city"
SHEET = "城市指标"
HEADER = ["年份", "城市代码", "城市名称", "指标代码", "指标名称", "数值", "单位", "数据来源"]
MISSING_INDICATOR = "green_building_share"
_SOURCES = {"pm25_annual_mean": "环境状况公报", "good_air_days_share": "环境状况公报", "green_building_share": "住房城乡建设部门",
            "non_fossil_energy_share": "统计年鉴", "coal_share_of_energy": "统计年鉴", "gdp": "统计年鉴",
            "industrial_value_added": "统计年鉴"}
Series = Callable[[int], float]  # year index (0 = first world year) -> value


def _city_series(rng: random.Random, n_years: int) -> dict[str, Series]:
    """One city's invented trajectories; every draw is made here, in a fixed order, so the file is repeatable."""
    pm25, pm25_fall = rng.uniform(30, 60), rng.uniform(0.02, 0.04)
    good, good_rise = rng.uniform(60, 80), rng.uniform(0.5, 2.0)
    non_fossil, non_fossil_rise = rng.uniform(8, 18), rng.uniform(0.2, 0.8)
    coal, coal_fall = rng.uniform(58, 75), rng.uniform(0.5, 2.0)
    green, green_rise = rng.uniform(40, 80), rng.uniform(2.0, 5.0)
    gdp, growth = rng.uniform(500, 13_000), rng.uniform(0.03, 0.07)
    industry_share = rng.uniform(0.30, 0.45)
    noise = [(rng.gauss(0, 0.02), rng.gauss(0, 0.5)) for _ in range(n_years)]  # PM2.5 (relative), good days (points)
    return {
        "pm25_annual_mean": lambda i: pm25 * (1 - pm25_fall) ** i * (1 + noise[i][0]),
        "good_air_days_share": lambda i: min(good + good_rise * i + noise[i][1], 99.0),
        "non_fossil_energy_share": lambda i: min(non_fossil + non_fossil_rise * i, 20.0),
        "coal_share_of_energy": lambda i: max(coal - coal_fall * i, 55.0),
        "green_building_share": lambda i: min(green + green_rise * i, 90.0),
        "gdp": lambda i: gdp * (1 + growth) ** i,
        "industrial_value_added": lambda i: gdp * (1 + growth) ** i * industry_share,
    }


def _cell(indicator_id: str, value: float) -> float:
    return round(value, 2 if indicator_id in ("gdp", "industrial_value_added") else 1)


def write_city_file(world: World, inbox: Path, rng: random.Random) -> dict:
    """Write inbox/city/城市减污降碳协同指标_<first>-<last>_演示数据.xlsx; returns its manifest entry with the deliberate gaps."""
    indicators = {k: v for k, v in city_file_indicators().items() if k in _SOURCES}
    cities = sorted({s.city_code for s in world.sites} | {e.city_code for e in world.enterprises})
    series = {code: _city_series(rng, len(world.years)) for code in cities}
    missing_city = cities[-1]
    years = list(world.years)
    book = new_workbook()
    sheet = book.active
    sheet.title = SHEET
    title_row(sheet, f"河南省城市减污降碳协同指标({years[0]}-{years[-1]}年)", len(HEADER))
    sheet.append(HEADER)
    rows = 0
    for i, year in enumerate(years):
        for code in cities:
            for key, (name, unit) in indicators.items():
                if key == MISSING_INDICATOR and code == missing_city:
                    continue
                sheet.append([year, code, region_names()[code], key, name, _cell(key, series[code][key](i)), unit or "",
                              _SOURCES[key]])
                rows += 1
    first = cities[0]
    bad = [([years[-1], first, region_names()[first], "pm25_annual_mean", indicators["pm25_annual_mean"][0],
             round(series[first]["pm25_annual_mean"](len(years) - 1) / 1000, 4), "mg/m3", _SOURCES["pm25_annual_mean"]],
            {"column": "unit", "reason": "wrong unit mg/m3 for pm25_annual_mean (the tree's unit is ug/m3; not converted)"}),
           ([years[-1], first, region_names()[first], "made_up_indicator", "虚构指标", 1.0, "", "演示"],
            {"column": "indicator_id", "reason": "unknown indicator code made_up_indicator (not in the index tree)"})]
    bad_rows = []
    for cells, truth in bad:
        sheet.append(cells)
        rows += 1
        bad_rows.append({"row_number": rows + 2, **truth})  # title row and header row above the data
    path = Path(inbox) / CITY_DIR / f"城市减污降碳协同指标_{years[0]}-{years[-1]}_演示数据.xlsx"
    save_workbook_fixed(book, path)
    return file_entry("city", Path(inbox), path, rows, "xlsx", table="city_indicators", sheet=SHEET, header_rows=[2],
                      cities=cities, years=years, rejected=len(bad_rows), missing_green_building_city=missing_city,
                      bad_rows=bad_rows)
