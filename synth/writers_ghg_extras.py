"""More tables of the 2023 GHG report workbook, so the readers for those layouts have known answers.

Sheets: purchased / exported electricity and heat (GHG_ENERGY_FLOWS), industrial process emissions
(GHG_PROCESS_LINES) and the enterprise's own totals (GHG_REPORTED_TOTALS), headers spelled as the
official variant of schemas/layouts.py. Factors are taken from /work/shared/reference/methods-factors.md
with their status; where it gives none (process emissions) the factor cell stays blank and only a
reported 排放量 is written, which the pipeline takes as reported, not recomputed. Quantities are sized
from each enterprise's fuel heat and are illustrative, not benchmarks.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

import openpyxl

from inventories.reference import power_industry_codes
from schemas.layouts import GHG_ENERGY_FLOWS, GHG_PROCESS_LINES, GHG_REPORTED_TOTALS, Layout
from synth.world import Enterprise

ENERGY_SHEET, PROCESS_SHEET, TOTALS_SHEET = "购入输出电力热力", "工业生产过程排放", "排放量汇总"


@dataclass(frozen=True)
class Factor:
    """A value written into the sheets, with where it comes from (methods-factors.md status legend)."""

    value: float
    unit: str
    status: str
    source: str


GRID_2023 = Factor(0.5703, "tCO2/MWh", "V-S", "methods-factors.md §2.1 line 99: 2022年度全国电网平均碳排放因子, "
                   "used in 2023–2025 key-sector reporting (copy of the MEE 2023–2025 notice)")
HEAT = Factor(0.11, "tCO2/GJ", "V-S", "methods-factors.md §2.3 line 123: purchased or exported heat default, "
              "GB/T 32150—2025 §7.5.6–7.5.7 as cited in public code")
GJ_PER_TCE = Factor(29.3076, "GJ/tce", "V-S", "methods-factors.md §3 line 133: 1 kgce = 29,307.6 kJ (GB/T 2589-2020)")
TCE_PER_MWH = Factor(0.1229, "tce/MWh", "V-S", "methods-factors.md §3 line 150: 电力当量值 0.1229 kgce/kWh")
MWH_PER_WAN_KWH = 10.0

# Illustrative sizing only, never written as 排放因子 (methods-factors.md has no process factors):
# industry -> (工序, 原料/产品, GJ of fuel heat per t of activity, tCO2 per t of activity)
PROCESS = {
    "3011": ("熟料生产", "熟料", 3.5, 0.52),
    "3110": ("烧结及炼铁熔剂", "石灰石", 150.0, 0.43),
    "3120": ("炼钢熔剂", "白云石", 200.0, 0.46),
    "3216": ("炭阳极消耗", "炭阳极", 100.0, 3.4),
    "2614": ("碳酸盐使用", "石灰石", 400.0, 0.43),
}
# purchased electricity, MWh per GJ of fuel heat (power plants buy little; electrolytic aluminium a lot)
ELECTRICITY_PER_GJ = {"4411": (0.001, 0.003), "4412": (0.001, 0.003), "3216": (0.4, 0.7)}


@dataclass(frozen=True)
class Flow:
    """One 购入/输出 row; quantity in MWh for electricity, GJ for heat, whatever unit it is written in."""

    enterprise: Enterprise
    item: str
    quantity: float
    in_wan_kwh: bool = False

    @property
    def factor(self) -> Factor:
        return HEAT if self.item.endswith("热力") else GRID_2023

    @property
    def co2(self) -> float:
        return round(self.quantity * self.factor.value, 2)


@dataclass(frozen=True)
class ProcessLine:
    """One process-emission row with its reported CO2."""

    enterprise: Enterprise
    process: str
    material: str
    quantity_t: float
    co2_t: float


def headers(layout: Layout, columns: dict[str, str | None]) -> list[str]:
    """Official header of each column, with its unit in brackets when given."""
    return [layout.official_header(c) + (f"({unit})" if unit else "") for c, unit in columns.items()]


ENERGY_HEADERS = headers(GHG_ENERGY_FLOWS, dict.fromkeys(
    ("year", "uscc", "enterprise_name", "item", "quantity", "unit", "emission_factor", "co2_reported")))
PROCESS_HEADERS = headers(GHG_PROCESS_LINES, {
    **dict.fromkeys(("year", "uscc", "enterprise_name", "process", "material", "quantity", "unit", "emission_factor",
                     "factor_unit")), "co2_reported": "tCO2"})
TOTALS_HEADERS = headers(GHG_REPORTED_TOTALS, {
    **dict.fromkeys(("year", "uscc", "enterprise_name", "industry_code")),
    **dict.fromkeys(("combustion", "process", "purchased_electricity", "purchased_heat", "total"), "tCO2"),
    "energy": "万吨标煤"})


def fuel_heat_gj(enterprise: Enterprise, year: int) -> float:
    return sum(sum(site.fuel_heat_gj[year].values()) for site in enterprise.sites)


def plan_flows(enterprises: list[Enterprise], year: int, rng: random.Random) -> list[Flow]:
    """Purchased electricity for every reporter, purchased heat for about a third, exported power for power plants."""
    power = power_industry_codes()
    flows = []
    for e in enterprises:
        heat = fuel_heat_gj(e, year)
        low, high = ELECTRICITY_PER_GJ.get(e.industry_code, (0.01, 0.04))
        flows.append(Flow(e, "购入电力", round(heat * rng.uniform(low, high), 1), rng.random() < 0.1))
        if e.industry_code in power:
            generation = heat / 9.0 * 0.94  # same illustrative heat rate as the monthly 存证 file
            flows.append(Flow(e, "输出电力", round(generation * rng.uniform(0.97, 1.03), 1), rng.random() < 0.1))
        elif rng.random() < 1 / 3:
            flows.append(Flow(e, "购入热力", round(heat * rng.uniform(0.02, 0.08), 1)))
    return flows


def plan_process(enterprises: list[Enterprise], year: int, rng: random.Random) -> list[ProcessLine]:
    """One process row per enterprise of a process-emitting industry, sized from its fuel heat."""
    lines = []
    for e in (e for e in enterprises if e.industry_code in PROCESS):
        process, material, gj_per_t, intensity = PROCESS[e.industry_code]
        quantity = round(fuel_heat_gj(e, year) / gj_per_t * rng.uniform(0.95, 1.05), 1)
        lines.append(ProcessLine(e, process, material, quantity, round(quantity * intensity * rng.uniform(0.97, 1.03), 2)))
    return lines


def _flow_row(flow: Flow, year: int) -> list:
    quantity, unit = flow.quantity, ("MWh" if flow.factor is GRID_2023 else "GJ")
    if flow.in_wan_kwh:
        quantity, unit = round(flow.quantity / MWH_PER_WAN_KWH, 2), "万千瓦时"
    e = flow.enterprise
    return [str(year), e.uscc, e.name, flow.item, quantity, unit, flow.factor.value, flow.co2]


def _process_row(line: ProcessLine, year: int) -> list:
    e = line.enterprise
    return [str(year), e.uscc, e.name, line.process, line.material, line.quantity_t, "t", None, None, line.co2_t]


def _totals_row(e: Enterprise, year: int, combustion: float, flows: list[Flow], processes: list[ProcessLine]) -> list:
    """Combustion + process + purchased electricity + purchased heat; 综合能耗 from fuel heat and electricity (当量值)."""
    def co2(item: str) -> float:
        return round(sum(f.co2 for f in flows if f.enterprise is e and f.item == item), 2)

    parts = [round(combustion, 2), round(sum(p.co2_t for p in processes if p.enterprise is e), 2), co2("购入电力"),
             co2("购入热力")]
    electricity = sum(f.quantity for f in flows if f.enterprise is e and f.item == "购入电力")
    energy = (fuel_heat_gj(e, year) / GJ_PER_TCE.value + electricity * TCE_PER_MWH.value) / 1e4
    return [str(year), e.uscc, e.name, e.industry_code, *parts, round(sum(parts), 2), round(energy, 4)]


def _append_sheet(book: openpyxl.Workbook, title: str, header: list[str], rows: list[list]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append(row)


def _sum(values: list[float], digits: int) -> float:
    return round(sum(values), digits)


@dataclass(frozen=True)
class Extras:
    """One year's purchased/exported energy and process lines, planned before any file is written."""

    flows: list[Flow]
    processes: list[ProcessLine]


def plan_extras(enterprises: list[Enterprise], year: int, rng: random.Random) -> Extras:
    return Extras(plan_flows(enterprises, year, rng), plan_process(enterprises, year, rng))


def add_extra_sheets(book: openpyxl.Workbook, enterprises: list[Enterprise], year: int,
                     combustion: dict[str, float], extras: Extras) -> dict:
    """Append the three sheets after the fuel-line sheet; returns their ground truth for the manifest."""
    flows, processes = extras.flows, extras.processes
    totals = [_totals_row(e, year, combustion.get(e.uscc, 0.0), flows, processes) for e in enterprises]
    _append_sheet(book, ENERGY_SHEET, ENERGY_HEADERS, [_flow_row(f, year) for f in flows])
    _append_sheet(book, PROCESS_SHEET, PROCESS_HEADERS, [_process_row(p, year) for p in processes])
    _append_sheet(book, TOTALS_SHEET, TOTALS_HEADERS, totals)
    return _truth(flows, processes, totals)


def _truth(flows: list[Flow], processes: list[ProcessLine], totals: list[list]) -> dict:
    """Row counts and sums per sheet, as written, so a test can check the ingest against them."""
    def of(item: str) -> list[Flow]:
        return [f for f in flows if f.item == item]

    energy_totals = {"purchased_electricity_mwh": _sum([f.quantity for f in of("购入电力")], 3),
                     "exported_electricity_mwh": _sum([f.quantity for f in of("输出电力")], 3),
                     "purchased_heat_gj": _sum([f.quantity for f in of("购入热力")], 3),
                     "co2_reported_t": _sum([f.co2 for f in flows], 2)}
    names = ("combustion_co2_t", "process_co2_t", "purchased_electricity_co2_t", "purchased_heat_co2_t", "total_co2_t")
    reported = {name: _sum([row[4 + i] for row in totals], 2) for i, name in enumerate(names)}
    return {
        "sheets": [
            {"sheet": ENERGY_SHEET, "rows": len(flows), "totals": energy_totals},
            {"sheet": PROCESS_SHEET, "rows": len(processes),
             "totals": {"process_co2_t": _sum([p.co2_t for p in processes], 2)}},
            {"sheet": TOTALS_SHEET, "rows": len(totals),
             "totals": {**reported, "energy_10k_tce": _sum([row[9] for row in totals], 4)}},
        ],
        "wan_kwh_rows": {"sheet": ENERGY_SHEET, "row_numbers": [i + 2 for i, f in enumerate(flows) if f.in_wan_kwh]},
        "factors": {name: asdict(f) for name, f in
                    (("grid_electricity", GRID_2023), ("heat", HEAT), ("gj_per_tce", GJ_PER_TCE),
                     ("electricity_tce_per_mwh", TCE_PER_MWH))},
        "notes": ["工业生产过程排放: 排放因子 blank (methods-factors.md gives no process factor); 排放量 is a synthetic "
                  "reported value", "输出电力 rows carry factor and 排放量 but are not part of 法人边界排放总量",
                  "综合能耗 = fuel heat / 29.3076 + purchased electricity × 0.1229 (当量值), in 万吨标煤; purchased heat "
                  "not included"],
    }
