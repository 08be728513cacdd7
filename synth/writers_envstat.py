"""Environmental-statistics files (基101 / G101 + G103-1 style) of the synthetic province, one XLSX per year.

Fuel quantities, sulfur, ash and emissions come from `writers_permit.site_year_emissions`, the same model
the permit files use, so the statistics agree with the permit reports except where an anomaly says
otherwise. The layout follows source-formats.md §2.1/§2.2 with the dirt the ingest adapters must survive:
old 9-character organisation codes, 现用名（曾用名）, letter-prefixed industry codes, `/`, `—` and blanks,
thousands separators, a sheet in 万吨, and three malformed rows whose truth goes into the manifest.
G103-1 carries 燃烧方式 and 脱硫/脱硝/除尘效率 from the same model (`writers_permit.removal_pct`), "/" where none.
Gap fill (相互补充): one site's coal rows of 2022 write 含硫量 "/" (the permit fuel analysis has it), and one site's
G103-1 rows keep the diesel/gas use its 2023 GHG report leaves out; their truth is completed here from the rows.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from synth.identity_dirt import IdentityCells, identity_cells, truth_row
from synth.world import Enterprise, World
from synth.writers_permit import (
    SULFUR_RETAINED,
    OutletYear,
    SiteYear,
    accounting_method,
    default_ncv,
    file_entry,
    fuel_info,
    industry_rows,
    is_coal,
    is_gas_volume,
    is_solid,
    new_workbook,
    removal_pct,
    save_workbook_fixed,
    site_fuel_quality,
    site_outlets,
    site_year_emissions,
    title_row,
)

ENVSTAT_DIR = "envstat"
COVERAGE_HEAT_GJ = 50_000.0  # enterprises with any coal or more heat input than this are surveyed
BASIC_HEADER = ["组织机构代码", "单位名称", "行政区划代码", "行业类别代码", "年正常生产时间(小时)", "煤炭消耗量(吨)",
                "其中燃料煤消耗量(吨)", "燃料煤平均含硫量(%)", "燃料油消耗量(吨)", "天然气消耗量(万立方米)",
                "工业锅炉数(台)", "工业锅炉数(蒸吨)", "二氧化硫产生量(吨)", "二氧化硫排放量(吨)", "氮氧化物产生量(吨)",
                "氮氧化物排放量(吨)", "烟(粉)尘产生量(吨)", "烟(粉)尘排放量(吨)"]
WAN_HEADER = [h.replace("(吨)", "(万吨)") for h in BASIC_HEADER]
BOILER_HEADER = ("组织机构代码,单位名称,排污许可证编号,锅炉编号,额定出力(蒸吨/小时),燃烧方式,燃料类型,燃料消耗量,计量单位,"
                 "含硫量(%),灰分(%),低位发热量(GJ/t或GJ/万立方米),排放口编号,脱硫效率(%),脱硝效率(%),除尘效率(%),"
                 "二氧化硫排放量(吨),氮氧化物排放量(吨),颗粒物排放量(吨),核算方法").split(",")
COL = {name: i for i, name in enumerate(BASIC_HEADER)}
BCOL = {name.split("(")[0]: i for i, name in enumerate(BOILER_HEADER)}  # G103-1 column index by header without unit
TONNE_COLUMNS = [i for i, h in enumerate(BASIC_HEADER) if h.endswith("(吨)")]
FUEL_COLUMN = {"fuel_oil": "燃料油消耗量(吨)", "natural_gas": "天然气消耗量(万立方米)"}  # coal: 煤炭消耗量(吨)
FIRST_DATA_ROW = 3  # row 1 title, row 2 header
# anomalies that rewrite one pollutant cell of one G103-1 row (spec: uscc, facility_id, outlet_code, year, pollutant,
# factor); the writer completes their truth (file, sheet, row, written and true tonnes)
ROW_SLIPS = ("so2_inconsistent_with_sulfur", "nox_decimal_slip")
SLIP_COLUMN = {"SO2": "二氧化硫排放量", "NOx": "氮氧化物排放量"}


@dataclass
class EnterpriseYear:
    """One enterprise's statistics row: sums over its sites (all management categories)."""

    enterprise: Enterprise
    year: int
    sites: list[SiteYear]
    power: bool
    coal_t: float = 0.0
    sulfur_mass: float = 0.0  # sum of coal t x S%
    fuel_oil_t: float = 0.0
    gas_wm3: float = 0.0
    heat_gj: float = 0.0
    boilers: int = 0
    steam_tph: float = 0.0
    hours: int = 0
    generated: dict[str, float] = field(default_factory=dict)
    emitted: dict[str, float] = field(default_factory=dict)

    @property
    def sulfur_pct(self) -> float | None:
        return self.sulfur_mass / self.coal_t if self.coal_t > 0 else None


def _enterprise_year(enterprise: Enterprise, year: int) -> EnterpriseYear:
    power = enterprise.industry_code in {"4411", "4412"}
    ey = EnterpriseYear(enterprise, year, [site_year_emissions(s, enterprise.industry_code, year)
                                           for s in enterprise.sites], power)
    for site, sy in zip(enterprise.sites, ey.sites, strict=True):
        quality = site_fuel_quality(site.permit_no, power)
        ey.heat_gj += sum(site.fuel_heat_gj.get(year, {}).values())
        for fuel, qty in sy.quantities.items():
            if is_coal(fuel):
                ey.coal_t += qty
                ey.sulfur_mass += qty * quality.solid(fuel)[0]
            elif fuel == "fuel_oil":
                ey.fuel_oil_t += qty
            elif fuel == "natural_gas":
                ey.gas_wm3 += qty
        outlets = site_outlets(site)
        ey.boilers += len(outlets)
        ey.steam_tph += sum(o.rated_tph for o in outlets)
        ey.hours = max(ey.hours, quality.hours)
    for p in ("SO2", "NOx", "PM"):
        ey.generated[p] = round(sum(sy.generated[p] for sy in ey.sites), 3)
        ey.emitted[p] = round(sum(sy.emitted[p] for sy in ey.sites), 3)
    return ey


def _covered(ey: EnterpriseYear) -> bool:
    return ey.coal_t > 0 or ey.heat_gj > COVERAGE_HEAT_GJ


def _in_wan_sheet(uscc: str) -> bool:
    return random.Random(f"{uscc}:wan").random() < 0.06


def _industry(code: str, rng: random.Random) -> str:
    return industry_rows()[code]["section_code"] + code if rng.random() < 0.3 else code


def _value(value: float, digits: int, rng: random.Random, messy: bool) -> float | str:
    """A number cell; some large values become text with thousands separators."""
    v = round(value, digits)
    if messy and abs(v) >= 1000 and rng.random() < 0.12:
        return f"{v:,.{digits}f}"
    return v


def _absent(rng: random.Random) -> str | int | None:
    """How forms say 'none': `/`, `—`, a blank cell or 0."""
    return rng.choice(["/", "—", None, 0])


def _basic_row(ey: EnterpriseYear, ids: IdentityCells, rng: random.Random, scale: float, messy: bool) -> list:
    """One 基101 row; `scale` 1e-4 renders every (吨) column in 万吨."""
    e = ey.enterprise
    digits = 6 if scale != 1 else 2

    def amount(v: float, d: int = digits) -> float | str | int | None:
        return _value(v * scale, d, rng, messy) if v > 0 else _absent(rng)

    sulfur = ey.sulfur_pct
    row = [ids.code, ids.name, e.county_code, _industry(e.industry_code, rng) if messy
           else e.industry_code, ey.hours, amount(ey.coal_t), amount(ey.coal_t),
           round(sulfur, 2) if sulfur is not None else rng.choice(["/", "—", None]), amount(ey.fuel_oil_t),
           _value(ey.gas_wm3, 4, rng, messy) if ey.gas_wm3 > 0 else _absent(rng), ey.boilers, round(ey.steam_tph, 1)]
    for p in ("SO2", "NOx", "PM"):
        row += [amount(ey.generated[p], 6 if scale != 1 else 3), amount(ey.emitted[p], 6 if scale != 1 else 3)]
    return row


def _boiler_rows(ey: EnterpriseYear, ids: IdentityCells, names: dict[str, str]) -> list[tuple[list, str, str]]:
    """G103-1 rows (row, fuel code, true permit number): one per boiler, emissions as in the execution report."""
    rows = []
    e = ey.enterprise
    for site, sy in zip(e.sites, ey.sites, strict=True):
        quality = site_fuel_quality(site.permit_no, ey.power)
        for oy in sy.outlets:
            o = oy.outlet
            if oy.quantity <= 0:
                continue
            gas = is_gas_volume(o.fuel_code)
            if is_solid(o.fuel_code):
                sulfur, ash = quality.solid(o.fuel_code)
                s_cell, a_cell, mode = round(sulfur, 2), round(ash, 2), quality.technology
            else:
                s_cell, a_cell, mode = "/", "/", "/"
            removal = removal_pct(o.fuel_code, power=ey.power, key_site=site.management_category == "重点管理",
                                  quality=quality)
            efficiencies = ["/" if removal[p] is None else removal[p] for p in ("SO2", "NOx", "PM")]
            rows.append(([ids.code, ids.name, site.permit_no if ids.keeps_permit else None, f"{o.boiler_no}锅炉", o.rated_tph,
                          mode, names[o.fuel_code], round(oy.quantity, 4 if gas else 2), "万立方米" if gas else "吨",
                          s_cell, a_cell, default_ncv()[o.fuel_code], o.code, *efficiencies, oy.emitted["SO2"],
                          oy.emitted["NOx"], oy.emitted["PM"], accounting_method(site, o)], o.fuel_code, site.permit_no))
    return rows


def identified_outlets(enterprise: Enterprise, year: int, first_year: int) -> list[tuple[str, OutletYear]]:
    """(permit number, outlet-year) of the G103-1 rows this enterprise-year gets that carry its permit number and a
    code (empty: none), so a cross-check finds them without name matching.

    For picking gap-fill and anomaly cases before the files are written; an anomaly's (clean) enterprise is not asked
    about.
    """
    ey = _enterprise_year(enterprise, year)
    ids = identity_cells(enterprise, year, first_year)
    if not _covered(ey) or not ids.keeps_permit or ids.code is None:
        return []
    return [(sy.site.permit_no, oy) for sy in ey.sites for oy in sy.outlets if oy.quantity > 0]


def boiler_fuels_with_permit(enterprise: Enterprise, year: int, first_year: int) -> set[str]:
    """Fuels of the G103-1 rows this enterprise-year gets that carry its permit number and a code (empty: none)."""
    return {oy.outlet.fuel_code for _, oy in identified_outlets(enterprise, year, first_year)}


def _gap_fill_entry(spec: dict, rows: list[tuple[int, list]], rel: str) -> None:
    """Complete one gap-fill case from its G103-1 rows (number, cells), blanking the sulfur cell if it is that case.

    fuel_line_missing_from_ghg: the rows stay as they are; the quantity as written is what the GHG side lacks.
    sulfur_missing_in_statistics: 含硫量 becomes "/"; the permit fuel analysis keeps the site's S % (same quality draw).
    """
    spec.update(file=rel, sheet="G103-1", boiler_rows=[n for n, _ in rows])
    quantity = round(sum(float(r[BCOL["燃料消耗量"]]) for _, r in rows), 4)
    if spec["kind"] == "fuel_line_missing_from_ghg":
        spec["fuel_consumed_units"] = quantity
        return
    sulfur = rows[0][1][BCOL["含硫量"]]
    if not all(r[BCOL["含硫量"]] == sulfur for _, r in rows) or not isinstance(sulfur, float):
        raise ValueError(f"gap fill: {spec['uscc']} {spec['fuel_code']} rows carry no single sulfur value")
    expected = 0.0
    for _, r in rows:
        fgd = r[BCOL["脱硫效率"]]
        so2_removal = fgd if isinstance(fgd, float) else 0.0
        expected += (float(r[BCOL["燃料消耗量"]]) * 20.0 * sulfur * (1 - SULFUR_RETAINED) / 1000.0
                     * (1 - so2_removal / 100.0))
        r[BCOL["含硫量"]] = "/"
    spec.update(sulfur_pct=sulfur, expected_so2_mass_t=round(expected, 6))


def _slip_entry(spec: dict, number: int, row: list, rel: str) -> None:
    """Write one G103-1 row's pollutant at `factor` x the model value and complete the anomaly's truth in place."""
    column = BCOL[SLIP_COLUMN[spec["pollutant"]]]
    true_t = row[column]
    row[column] = round(true_t * float(spec["factor"]), 3)
    key = spec["pollutant"].lower()
    spec.update({"file": rel, "sheet": "G103-1", "row": number, f"{key}_written_t": row[column], f"{key}_true_t": true_t})


def _malform(rows: list[list], eys: list[EnterpriseYear], protected: set[str], rng: random.Random,
             rel: str) -> list[dict]:
    """Three bad rows in the 基101 sheet: non-numeric coal use, 35 % sulfur, neither code nor name (each one only where
    a small province has a row that fits it)."""
    coal = sorted((i for i, ey in enumerate(eys) if ey.coal_t >= 100 and ey.enterprise.uscc not in protected),
                  key=lambda i: eys[i].enterprise.uscc)
    with_zero = [i for i in coal if "0" in f"{eys[i].coal_t:.1f}"[:-2]]
    bad_qty = rng.choice(with_zero or coal) if coal else None
    other_coal = [i for i in coal if i != bad_qty]
    bad_s = rng.choice(other_coal) if other_coal else None
    rest = sorted((i for i, ey in enumerate(eys) if i not in (bad_qty, bad_s) and ey.enterprise.uscc not in protected),
                  key=lambda i: eys[i].enterprise.uscc)
    bad_id = rng.choice(rest) if rest else None
    entries = []

    def entry(i: int, column: str, problem: str, written, true_value) -> dict:
        return {"source": "envstat", "kind": "malformed_row", "file": rel, "sheet": "基101",
                "row": FIRST_DATA_ROW + i, "column": column, "problem": problem, "value_written": written,
                "true_value": true_value, "uscc": eys[i].enterprise.uscc}

    if bad_qty is not None:
        text = f"{eys[bad_qty].coal_t:.1f}"
        pos = text.find("0") if "0" in text[:-2] else 1
        typo = text[:pos] + "O" + text[pos + 1:]
        rows[bad_qty][COL["煤炭消耗量(吨)"]] = typo
        entries.append(entry(bad_qty, "煤炭消耗量(吨)", "non_numeric_consumption", typo, round(eys[bad_qty].coal_t, 2)))
    if bad_s is not None:
        rows[bad_s][COL["燃料煤平均含硫量(%)"]] = 35.0
        entries.append(entry(bad_s, "燃料煤平均含硫量(%)", "impossible_sulfur", 35.0,
                             round(eys[bad_s].sulfur_pct or 0, 2)))
    if bad_id is not None:
        true_name = rows[bad_id][COL["单位名称"]]
        rows[bad_id][COL["组织机构代码"]] = rows[bad_id][COL["单位名称"]] = None
        entries.append(entry(bad_id, "单位名称", "missing_identity", None, true_name))
    return entries


def write_envstat_files(world: World, inbox: Path, rng: random.Random, anomalies: dict,
                        truth: list[dict] | None = None, gap_fill: list[dict] | None = None,
                        spared: frozenset[str] | set[str] = frozenset(), statistics_only: Sequence = ()) -> list[dict]:
    """One 基101/G103-1 workbook per year in inbox/envstat/; returns manifest entries (files, anomaly, bad rows).

    `anomalies["fuel_disagreement"]` ({uscc, year, fuel_code, ghg_factor}) marks the enterprise whose GHG
    report carries a wrong quantity; here the TRUE quantity is written and reported back.
    `truth` (if given) receives every data row's true enterprise and site (identity_dirt.truth_row).
    `gap_fill` (if given): case dicts ({kind, uscc, facility_id, year, fuel_code}) completed in place from the
    G103-1 rows of that site, year and fuel (`_gap_fill_entry`).
    `anomalies[kind]` for a kind in ROW_SLIPS: that outlet's row written off by a factor (`_slip_entry`).
    Malformed rows spare `spared` and every enterprise an anomaly or gap-fill case names: each problem on its own.
    `statistics_only` (synth/completeness.StatisticsOnly): enterprises outside the world that only this form
    reports; their 基101 rows go at the end of the 基101 sheet every year (after the malformed rows are chosen, so no
    other row moves) and each case records where.
    """
    cases = {(c["uscc"], int(c["year"])): c for c in gap_fill or []}
    slips = {(a["uscc"], int(a["year"])): a for k, a in anomalies.items() if k in ROW_SLIPS and a}
    spared = set(spared) | {a["uscc"] for a in anomalies.values() if isinstance(a, dict) and "uscc" in a} | {
        c["uscc"] for c in gap_fill or []}
    inbox = Path(inbox)
    folder = inbox / ENVSTAT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    names = {code: row["fuel_name_zh"] for code, row in fuel_info().items()}
    disagreement = anomalies.get("fuel_disagreement") or None
    protected = {disagreement["uscc"]} if disagreement else set()
    if disagreement and not any(e.uscc == disagreement["uscc"] for e in world.enterprises):
        raise ValueError(f"fuel_disagreement: enterprise {disagreement['uscc']} not in the world")
    malformed_year = world.years[-1]
    manifest: list[dict] = []
    for year in world.years:
        rel = (folder / _file_name(year)).relative_to(inbox).as_posix()
        book = new_workbook()
        main = book.active
        main.title = "基101"
        title_row(main, f"{year}年 排放源统计调查 基101/G101 工业企业污染排放及处理利用情况", len(BASIC_HEADER))
        main.append(BASIC_HEADER)
        wan = book.create_sheet("基101(万吨)")
        title_row(wan, f"{year}年 排放源统计调查 基101/G101（计量单位：万吨）", len(WAN_HEADER))
        wan.append(WAN_HEADER)
        boiler = book.create_sheet("G103-1")
        title_row(boiler, f"{year}年 G103-1 锅炉/燃气轮机废气治理与排放情况", len(BOILER_HEADER))
        boiler.append(BOILER_HEADER)

        main_eys: list[EnterpriseYear] = []
        main_rows: list[list] = []
        wan_rows: list[list] = []
        boiler_rows: list[list] = []
        boiler_row_of: dict[str, list[tuple[int, str]]] = {}
        where: dict[str, tuple[str, int]] = {}
        found: list[tuple] = []  # (sheet, row, enterprise, identity cells, true facility)
        for enterprise in world.enterprises:
            ey = _enterprise_year(enterprise, year)
            forced = enterprise.uscc in protected and disagreement and int(disagreement["year"]) == year
            if not (_covered(ey) or forced):
                continue
            clean = enterprise.uscc in protected
            ids = identity_cells(enterprise, year, world.years[0], clean=clean)
            single = enterprise.sites[0].permit_no if len(enterprise.sites) == 1 else None
            if _in_wan_sheet(enterprise.uscc) and not clean:
                wan_rows.append(_basic_row(ey, ids, rng, 1e-4, messy=False))
                where[enterprise.uscc] = ("基101(万吨)", FIRST_DATA_ROW + len(wan_rows) - 1)
            else:
                main_rows.append(_basic_row(ey, ids, rng, 1.0, messy=not clean))
                main_eys.append(ey)
                where[enterprise.uscc] = ("基101", FIRST_DATA_ROW + len(main_rows) - 1)
            found.append((*where[enterprise.uscc], enterprise, ids, single))
            case, slip = cases.get((enterprise.uscc, year)), slips.get((enterprise.uscc, year))
            case_rows: list[tuple[int, list]] = []
            for r, fuel, permit in _boiler_rows(ey, ids, names):
                boiler_rows.append(r)
                number = FIRST_DATA_ROW + len(boiler_rows) - 1
                boiler_row_of.setdefault(enterprise.uscc, []).append((number, fuel))
                found.append(("G103-1", number, enterprise, ids, permit))
                if case and fuel == case["fuel_code"] and permit == case["facility_id"] and r[BCOL["排污许可证编号"]]:
                    case_rows.append((number, r))
                if slip and permit == slip["facility_id"] and r[BCOL["排放口编号"]] == slip["outlet_code"]:
                    _slip_entry(slip, number, r, rel)
            if case_rows:
                _gap_fill_entry(case, case_rows, rel)
            if forced:
                manifest.append(_disagreement_entry(disagreement, ey, folder, inbox, where, boiler_row_of,
                                                    main_rows, bool(_covered(ey))))

        if year == malformed_year:
            manifest += _malform(main_rows, main_eys, protected | spared, rng, rel)
        for case in statistics_only:
            main_rows.append(case.row(year))
            case.record(year, rel, "基101", FIRST_DATA_ROW + len(main_rows) - 1)
            found.append(("基101", FIRST_DATA_ROW + len(main_rows) - 1, case.enterprise, case.identity(), None))
        for sheet, rows in ((main, main_rows), (wan, wan_rows), (boiler, boiler_rows)):
            for r in rows:
                sheet.append(r)
        path = folder / _file_name(year)
        save_workbook_fixed(book, path)
        if truth is not None:
            truth += [truth_row(rel, sheet, row, e, ids, facility) for sheet, row, e, ids, facility in found]
        manifest.append(file_entry("envstat", inbox, path, len(main_rows) + len(wan_rows) + len(boiler_rows), "xlsx",
                                   table="envstat_g101_g103", year=year,
                                   sheets={"基101": len(main_rows), "基101(万吨)": len(wan_rows),
                                           "G103-1": len(boiler_rows)}, header_rows=[2]))
    for case in cases.values():
        if not case.get("boiler_rows"):
            raise ValueError(f"gap fill {case['kind']}: no G103-1 row of {case['facility_id']} {case['year']} "
                             f"{case['fuel_code']} carries the permit number")
    for slip in slips.values():
        if "row" not in slip:
            raise ValueError(f"{slip['kind']}: no G103-1 row of {slip['facility_id']} {slip['outlet_code']} {slip['year']}")
    return manifest


def _file_name(year: int) -> str:
    return f"排放源统计_基101_G103-1_{year}年_演示数据.xlsx"


def _disagreement_entry(spec: dict, ey: EnterpriseYear, folder: Path, inbox: Path,
                        where: dict[str, tuple[str, int]], boiler_row_of: dict[str, list[tuple[int, str]]],
                        main_rows: list[list], covered: bool) -> dict:
    """Ground truth of the fuel_disagreement anomaly as written here (true quantity, not the GHG one)."""
    fuel = spec["fuel_code"]
    quantity = sum(sy.quantities.get(fuel, 0.0) for sy in ey.sites)
    sheet, row = where[ey.enterprise.uscc]
    column = "煤炭消耗量(吨)" if is_coal(fuel) else FUEL_COLUMN.get(fuel)
    basic_value = main_rows[row - FIRST_DATA_ROW][COL[column]] if column and sheet == "基101" else None
    factor = float(spec.get("ghg_factor", 1.0))
    return {
        "source": "envstat", "kind": "anomaly", "anomaly": "fuel_disagreement", "uscc": ey.enterprise.uscc,
        "year": ey.year, "fuel_code": fuel, "unit": fuel_info()[fuel]["fuel_unit_code"],
        "envstat_quantity": round(quantity, 2), "ghg_factor": factor,
        "envstat_quantity_x_ghg_factor": round(quantity * factor, 2),
        "file": (folder / _file_name(ey.year)).relative_to(inbox).as_posix(), "sheet": sheet, "row": row,
        "column": column, "basic_sheet_value": basic_value, "boiler_sheet": "G103-1",
        "boiler_rows": [r for r, f in boiler_row_of.get(ey.enterprise.uscc, []) if f == fuel],
        "forced_into_coverage": not covered,
        "note": "基101 煤炭消耗量 sums every coal type; the boiler rows of this fuel sum to envstat_quantity",
    }
