"""Enterprise GHG report files as the carbon platform exports them, plus their ground truth.

The expected CO2 per enterprise-year is computed here from the values as written, with the default
parameters picked by an explicit table (not by the pipeline's factor join), so the integration test
checks the pipeline against an independent calculation.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

from inventories.factor_library import load_factor_set
from inventories.reference import fuels, key_emitter_rule, power_industry_codes, sector_scope
from synth.world import Enterprise, World
from synth.writers_permit import save_workbook_fixed as save_workbook

CO2_PER_C = 44.0 / 12.0
FIXED_TIME = dt.datetime(2026, 1, 1)
COVERED = set(sector_scope()["industry_code"].to_list())


@dataclass
class Line:
    """One fuel line as written, with the canonical values the accounting will use."""

    enterprise: Enterprise
    year: int
    unit_name: str
    fuel_code: str
    quantity: float  # canonical unit
    ncv: float | None  # measured, GJ per canonical unit
    carbon_content: float | None  # measured tC/GJ
    carbon_pct: float | None  # measured elemental carbon %
    oxidation: float | None  # measured fraction
    note: str = ""
    fuel_name: str | None = None  # the fuel as written when not the fuel table's name (`原煤（烟煤）`, `原煤` + 备注 rank)
    ncv_basis: str | None = None  # 取值方式 label of the NCV (`缺省值`: the default is written in, labelled so)
    carbon_basis: str | None = None  # 取值方式 label of the carbon content


def _defaults() -> dict[tuple[str, str], float]:
    factors = load_factor_set().factors
    return {(r["fuel_code"], r["parameter"]): r["value"] for r in factors.iter_rows(named=True)
            if r["sector"] == "all" and r["parameter"] in ("ncv", "carbon_content", "oxidation")}


def expected_co2(line: Line, defaults: dict[tuple[str, str], float]) -> float | None:
    """CO2 by the reference formula, measured values first; None when no carbon value applies."""
    power_coal = line.enterprise.industry_code in power_industry_codes() and line.fuel_code in (
        "bituminous", "anthracite", "lignite", "washed_coal", "other_washed_coal", "briquette", "raw_coal")
    ncv = line.ncv if line.ncv is not None or power_coal else defaults.get((line.fuel_code, "ncv"))  # power: no default
    if power_coal:
        of = line.oxidation if line.oxidation is not None else 0.99  # PWR-coal-of
        unmeasured_cc = 0.03085  # PWR2022-coal-cc-unmeasured, for 2021 data too (MEE's June 2022 notice)
    else:
        of = line.oxidation if line.oxidation is not None else defaults.get((line.fuel_code, "oxidation"))
        unmeasured_cc = defaults.get((line.fuel_code, "carbon_content"))
    if of is None:
        return None
    if line.carbon_pct is not None:
        return line.quantity * line.carbon_pct / 100.0 * of * CO2_PER_C
    cc = line.carbon_content if line.carbon_content is not None else unmeasured_cc
    if cc is None or ncv is None:
        return None
    return line.quantity * ncv * cc * of * CO2_PER_C


def plan_lines(world: World, rng: random.Random, defaults: dict) -> list[Line]:
    """Fuel lines for every enterprise and year with measured parameters drawn once per site-fuel-year."""
    units = {r["fuel_code"]: r["fuel_unit_code"] for r in fuels().iter_rows(named=True)}
    power = power_industry_codes()
    unmeasured_power = {e.uscc for e in world.enterprises if e.industry_code in power and rng.random() < 0.08}
    lines = []
    for enterprise in world.enterprises:
        for year in world.years:
            for seq, site in enumerate(enterprise.sites, start=1):
                for fuel, heat in site.fuel_heat_gj[year].items():
                    default_ncv = defaults[(fuel, "ncv")]
                    coal = units[fuel] == "t" and fuel in ("bituminous", "anthracite")
                    true_ncv = default_ncv * rng.uniform(0.94, 1.06) if coal else default_ncv
                    measured_ncv = round(true_ncv, 3) if coal or rng.random() < 0.3 else None
                    ncv_used = measured_ncv if measured_ncv is not None else default_ncv
                    # the physical quantity is the same in every system (permit/envstat use heat / default NCV);
                    # the measured NCV is what the lab found for it
                    quantity = round(heat / default_ncv, 2)
                    cc = pct = ox = None
                    true_cc = defaults[(fuel, "carbon_content")] * rng.uniform(0.97, 1.03)
                    if coal and enterprise.industry_code in power and enterprise.uscc not in unmeasured_power:
                        pct = round(true_cc * ncv_used * 100, 2)
                        ox = 0.99 if rng.random() < 0.5 else None
                    elif coal and enterprise.industry_code not in power and rng.random() < 0.3:
                        cc = round(true_cc, 5)
                    lines.append(Line(enterprise, year, f"{seq}#{'机组' if enterprise.industry_code in power else '设施'}",
                                      fuel, quantity, measured_ncv, cc, pct, ox))
    return lines


def enterprise_year_co2(lines: list[Line], defaults: dict) -> dict[tuple[str, int], float]:
    totals: dict[tuple[str, int], float] = {}
    for line in lines:
        value = expected_co2(line, defaults)
        if value is not None:
            key = (line.enterprise.uscc, line.year)
            totals[key] = totals.get(key, 0.0) + value
    return totals


def choose_reporters(world: World, totals: dict[tuple[str, int], float],
                     rng: random.Random) -> tuple[set[str], dict | None]:
    """Covered enterprises at >= 20,000 t in any year report; plus voluntary reporters; minus one missing (none when
    no covered enterprise reaches twice the threshold: a small province)."""
    threshold = float(key_emitter_rule()["threshold_co2e_t"])
    by_uscc = {e.uscc: e for e in world.enterprises}
    peak = {u: max(totals.get((u, y), 0.0) for y in world.years) for u in by_uscc}
    covered = sorted(u for u, e in by_uscc.items() if e.industry_code in COVERED and peak[u] >= 20_000)
    big_uncovered = sorted(u for u, e in by_uscc.items() if e.industry_code not in COVERED and peak[u] >= threshold)
    voluntary = set(rng.sample(big_uncovered, min(3, len(big_uncovered))))
    candidates = [u for u in covered if by_uscc[u].industry_code in ("3011", "2614") and peak[u] > 2 * threshold]
    candidates = candidates or [u for u in covered if peak[u] > 2 * threshold]  # small provinces
    if not candidates:
        return set(covered) | voluntary, None
    missing = rng.choice(candidates)
    anomaly = {"kind": "missing_from_ghg_reporting", "uscc": missing, "enterprise_name": by_uscc[missing].name,
               "industry_code": by_uscc[missing].industry_code,
               "co2_mass_t_by_year": {str(y): round(totals.get((missing, y), 0.0), 3) for y in world.years}}
    return (set(covered) | voluntary) - {missing}, anomaly


def _fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _fuel_names() -> dict[str, str]:
    return {r["fuel_code"]: r["fuel_name_zh"] for r in fuels().iter_rows(named=True)}


def _line_cells(line: Line, rng: random.Random, names: dict[str, str], flat: bool) -> dict[str, str]:
    """Cells of one line; units vary as in real exports (万吨, Nm3, MJ/kg, '93%')."""
    e, gas = line.enterprise, line.fuel_code in ("natural_gas", "coke_oven_gas", "blast_furnace_gas",
                                                  "converter_gas", "other_gas")
    if gas:
        qty, unit = (_fmt(line.quantity, 4), rng.choice(["万Nm3", "万立方米"]))
    elif line.quantity >= 100_000 and rng.random() < 0.5:
        qty, unit = (_fmt(line.quantity / 1e4, 6), "万吨")
    else:
        qty, unit = (f"{line.quantity:,.2f}" if flat and rng.random() < 0.3 else _fmt(line.quantity, 2), "吨")
    ncv, ncv_unit = _fmt(line.ncv, 3), ("GJ/万Nm3" if gas else "GJ/t")
    if line.ncv is not None and not gas and rng.random() < 0.2:
        ncv_unit = "MJ/kg"
    blank = rng.choice(["", "/", "—"]) if flat else ""
    oxidation = "" if line.oxidation is None else (f"{line.oxidation * 100:g}%" if flat else f"{line.oxidation * 100:g}")
    return {"unit_name": line.unit_name, "fuel": line.fuel_name or names[line.fuel_code], "qty": qty, "unit": unit,
            "ncv": ncv or blank, "ncv_unit": ncv_unit if ncv else "", "cc": _fmt(line.carbon_content, 5) or blank,
            "pct": _fmt(line.carbon_pct, 2) or blank, "ox": oxidation or blank, "note": line.note,
            "uscc": e.uscc, "name": e.name, "industry": e.industry_code, "region": e.county_code}


def _workbook() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.properties.creator = "synergy synth (演示数据)"
    return book


def write_xlsx_merged(path: Path, year: int, blocks: list[list[dict]], headers: list[str], title: str) -> list[int]:
    """Fuel lines with the enterprise columns merged down each enterprise's block; returns data row numbers."""
    book = _workbook()
    notes = book.active
    notes.title = "说明"
    notes.append([title])
    notes.append(["本文件为合成演示数据，企业名称均以“演示”开头，数值为虚构。"])
    sheet = book.create_sheet("化石燃料燃烧")
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    rows = []
    for block in blocks:
        start = sheet.max_row + 1
        for i, cells in enumerate(block):
            ent = [str(year), cells["uscc"], cells["name"], cells["industry"], cells["region"]] if i == 0 else [None] * 5
            sheet.append(ent + [cells["unit_name"], cells["fuel"], _num(cells["qty"]), cells["unit"], _num(cells["ncv"]),
                                cells["ncv_unit"], _num(cells["cc"]), _num(cells["pct"]), _num(cells["ox"]),
                                cells["note"]])
            rows.append(sheet.max_row)
        if len(block) > 1:
            for col in range(1, 6):
                sheet.merge_cells(start_row=start, start_column=col, end_row=start + len(block) - 1, end_column=col)
    save_workbook(book, path)
    return rows


def _num(text: str) -> float | str | None:
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        return text


def write_csv(path: Path, headers: list[str], rows: list[list[str]], encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
