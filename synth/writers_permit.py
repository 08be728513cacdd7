"""Permit-platform files of the synthetic province: registry list, limit tables, execution reports.

Renders a `World` the way a bureau receives it from permit.mee.gov.cn (source-formats.md §1): an XLSX
export of the public list (许可信息公开), the 大气污染物排放信息 limit tables with their two-row merged
header, and annual execution reports (年报) flattened to CSV, plus a fuel-analysis CSV per year.

Actual emissions come from one deterministic model (`site_year_emissions`, T/CSES 144-2024 factors) that
`writers_envstat` imports too, so both sources report the same fuel quality and the same emissions unless
an anomaly says otherwise. Anomalies are injected here; the returned manifest entries are their truth.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import openpyxl
import polars as pl
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.merge import MergedCellRange

from inventories.factor_library import DEFAULT_FACTOR_SET
from inventories.reference import fuels, industries, regions
from synth.world import Enterprise, Site, World

FIXED_TIME = dt.datetime(2026, 1, 1)
SYNTH_NOTE = "（演示数据：合成数据，非真实企业，数值为虚构，仅供流程测试）"
PERMIT_DIR = "permit"
POLLUTANTS = ("SO2", "NOx", "PM")
HJ524 = {"SO2": ("A21026", "二氧化硫"), "NOx": ("A21002", "氮氧化物"), "PM": ("A34013", "烟尘")}
NAME_VARIANTS = {"SO2": ("二氧化硫", "SO2"), "NOx": ("氮氧化物", "NOx"), "PM": ("颗粒物", "烟尘"),
                 "VOCs": ("挥发性有机物", "VOCs")}
YEAR_LABELS = ("第一年", "第二年", "第三年", "第四年", "第五年")
EXEC_HEADER = ("报告年份,报告类型,许可证编号,排放口类型,排放口编码,排放口名称,污染物代码,污染物名称,"
               "第一个月,第二个月,第三个月,合计(t),核算方法,备注").split(",")
FUEL_HEADER = ("报告年份,许可证编号,燃料种类,消耗量,单位,含硫量(%),灰分(%),"
               "低位发热量(MJ/kg),核算方法").split(",")
REGISTRY_HEADER = ("省/直辖市,地市,许可证编号,单位名称,行业类别,所在地区,有效期限,发证日期,"
                   "管理类别,经度,纬度").split(",")
LIMIT_HEADER = ["许可证编号", "排放口编号", "排放口名称", "污染物种类", "许可排放小时浓度限值", "许可排放日均浓度限值",
                "许可排放速率限值(kg/h)", "许可年排放量限值(t/a)", None, None, None, None, "承诺更加严格排放浓度限值"]
# share of 重点管理 permits whose 许可排放量 is given per main outlet and as 主要排放口合计 only (no 全厂有组织排放总计 rows)
OUTLET_ONLY_SHARE = 0.4
OUTLET_EXCEEDANCE_RATIO = 1.25  # the planted outlet case: actual = ratio x the outlet's annual limit
OUTLET_CASE_HEADROOM = 0.95  # ... while its main outlets together stay at or below 95 % of the 主要排放口合计 limit

# --- emission model: T/CSES 144-2024 (pollutant-factors.md §2-§5) ----------------------------------------
POWER_CODES = frozenset({"4411", "4412"})  # D.1 "电力生产" department (pollutant-factors.md §3.1 mapping)
SULFUR_RETAINED = 0.15  # Table C.1, sr for every coal department/technology
# Table C.1-C.2: (ar = ash to bottom ash, f_PM2.5, f_PM10) by department and technology
COAL_PM_PARAMS = {
    ("power", "煤粉炉"): (0.25, 0.06, 0.23), ("power", "流化床炉"): (0.44, 0.07, 0.29),
    ("power", "自动炉排层燃炉"): (0.85, 0.10, 0.33),
    ("industrial", "煤粉炉"): (0.25, 0.06, 0.23), ("industrial", "流化床炉"): (0.40, 0.07, 0.20),
    ("industrial", "自动炉排层燃炉"): (0.85, 0.07, 0.20),
}
COAL_NOX_INDUSTRIAL = {"煤粉炉": 5.47, "流化床炉": 7.5, "自动炉排层燃炉": 4.0}  # Table E.7, g/kg
# Table A.1 average removal efficiencies (fractions)
FGD_LIMESTONE_GYPSUM = 0.80
LNB_SCR = 0.64
DUST_COLLECTORS = {"普通静电": (0.93, 0.98), "袋式": (0.945, 0.95)}  # (PM2.5, PM2.5-10)
# Tables D.1 / E.7 for non-coal fuels: (NOx industrial, NOx power, SO2, PM10 industrial, PM10 power),
# g/kg for fuels in t, g/m3 for fuels in 10^4 Nm3 (E.7 gas units as interpreted by the transcription).
OTHER_FACTORS: dict[str, tuple[float, float, float, float, float]] = {
    "natural_gas": (2.09, 4.1, 0.0, 0.03, 0.03),
    "coke_oven_gas": (0.96, 1.35, 0.0, 0.03, 0.03),
    "blast_furnace_gas": (0.13, 1.35, 0.0, 0.03, 0.03),
    "converter_gas": (0.13, 1.35, 0.0, 0.03, 0.03),
    "other_gas": (0.13, 1.35, 0.0, 0.03, 0.03),
    "lng": (2.63, 3.74, 0.0, 0.17, 0.17),
    "lpg": (2.63, 3.74, 0.0, 0.17, 0.17),
    "refinery_gas": (2.63, 3.74, 0.0, 0.17, 0.17),  # assumption: LNG/LPG row (refinery gas is metered in t)
    "fuel_oil": (5.84, 10.06, 20.0, 1.03, 0.85),
    "diesel": (9.62, 7.4, 3.0, 0.5, 0.5),
    "crude_oil": (5.09, 7.24, 0.0, 0.85, 0.85),
}
EXTRA_SOLIDS = ("coke", "petroleum_coke")  # mass balance as for coal (T/CSES names coke; pet coke is assumed)


@cache
def fuel_info() -> dict[str, dict[str, str]]:
    """fuel_code -> fuels.csv row (name, group, unit code)."""
    return {r["fuel_code"]: r for r in fuels().iter_rows(named=True)}


@cache
def default_ncv() -> dict[str, float]:
    """Default NCV per fuel (GJ/t or GJ/10^4 Nm3), factor rows 'C1-<fuel>-ncv'."""
    table = pl.read_csv(DEFAULT_FACTOR_SET / "factors.csv", infer_schema=False)
    rows = table.filter(pl.col("parameter") == "ncv").iter_rows(named=True)
    return {r["fuel_code"]: float(r["value"]) for r in rows if r["factor_id"] == f"C1-{r['fuel_code']}-ncv"}


@cache
def c1_defaults() -> dict[tuple[str, str], float]:
    """(fuel, 'ncv' | 'cc' | 'of') -> value of the default factor rows 'C1-<fuel>-<parameter>'."""
    table = pl.read_csv(DEFAULT_FACTOR_SET / "factors.csv", infer_schema=False)
    out = {}
    for r in table.iter_rows(named=True):
        parts = (r["factor_id"] or "").split("-")
        if len(parts) == 3 and parts[0] == "C1" and parts[1] == r["fuel_code"]:
            out[(parts[1], parts[2])] = float(r["value"])
    return out


def fuel_quantity(fuel_code: str, heat_gj: float) -> float:
    """True quantity (t or 10^4 Nm3) = heat / default NCV; the single place to change if NCVs vary."""
    return heat_gj / default_ncv()[fuel_code]


def is_coal(fuel_code: str) -> bool:
    return fuel_info()[fuel_code]["fuel_group"] == "coal"


def is_solid(fuel_code: str) -> bool:
    """Fuels accounted by sulfur/ash mass balance and fired in boilers with FGD and dust collectors."""
    return is_coal(fuel_code) or fuel_code in EXTRA_SOLIDS


def is_gas_volume(fuel_code: str) -> bool:
    return fuel_info()[fuel_code]["fuel_unit_code"] == "10^4Nm3"


@dataclass(frozen=True)
class FuelQuality:
    """Per-site fuel quality and controls, drawn once so permit and statistics files agree."""

    sulfur_pct: float  # coal, as received
    ash_pct: float
    coke_sulfur_pct: float
    coke_ash_pct: float
    petcoke_sulfur_pct: float
    petcoke_ash_pct: float
    technology: str  # 煤粉炉 / 流化床炉 / 自动炉排层燃炉
    dust_collector: str  # 普通静电 / 袋式
    hours: int  # 年正常生产时间

    def solid(self, fuel_code: str) -> tuple[float, float]:
        """(sulfur %, ash %) of a solid fuel at this site."""
        if fuel_code == "coke":
            return self.coke_sulfur_pct, self.coke_ash_pct
        if fuel_code == "petroleum_coke":
            return self.petcoke_sulfur_pct, self.petcoke_ash_pct
        return self.sulfur_pct, self.ash_pct


@cache
def site_fuel_quality(permit_no: str, power: bool = False) -> FuelQuality:
    """Deterministic from the permit number (random.Random(permit_no)), whatever rng the writers get."""
    rng = random.Random(permit_no)
    sulfur = round(rng.uniform(0.5, 1.5), 2)
    ash = round(rng.uniform(15.0, 30.0), 2)
    coke_s, coke_a = round(rng.uniform(0.6, 0.9), 2), round(rng.uniform(11.0, 14.0), 2)
    pet_s, pet_a = round(rng.uniform(2.0, 4.5), 2), round(rng.uniform(0.3, 0.8), 2)
    tech_weights = [0.8, 0.2, 0.0] if power else [0.3, 0.3, 0.4]
    technology = rng.choices(["煤粉炉", "流化床炉", "自动炉排层燃炉"], tech_weights)[0]
    dust = rng.choice(sorted(DUST_COLLECTORS))
    hours = rng.choice([4800, 6000, 7200, 7920, 8000])
    return FuelQuality(sulfur, ash, coke_s, coke_a, pet_s, pet_a, technology, dust, hours)


def coal_nox_power(capacity_mw: float) -> float:
    """Table D.1 电力生产 coal NOx (g/kg) by unit size class."""
    if capacity_mw <= 100:
        return 8.96
    return 8.19 if capacity_mw < 300 else 7.21


def line_emissions(fuel_code: str, quantity: float, *, power: bool, key_site: bool, quality: FuelQuality,
                   capacity_mw: float) -> tuple[dict[str, float], dict[str, float]]:
    """Generated and emitted SO2, NOx, PM (t) of one fuel line, by T/CSES 144-2024.

    - G = A x EF / 10^6 (t), E = G x (1 - eta)                          formula (2)
    - solid fuels: EF_SO2 (g/kg) = 20 x S% x (1 - 0.15)                 formula (3), Table C.1
      EF_PM (g/kg) = 10 x A% x (1 - ar) x f_PM for PM2.5 and PM10       formula (4), Tables C.1-C.2;
      颗粒物 is taken as PM10 (T/CSES gives no TSP factor)
      E_PM10 = G_PM2.5 (1 - eta_fine) + (G_PM10 - G_PM2.5)(1 - eta_coarse)
    - NOx: D.1 power rows (by size class) for 4411/4412, else E.7 industrial-boiler rows; other fuels as in
      pollutant-factors.md §3.2 (natural gas 2.09 g/m3 industrial, 4.1 power)
    - controls (Table A.1): limestone-gypsum FGD 80 % on solid fuels of 重点管理 sites; ordinary ESP 93/98 %
      or bag filter 94.5/95 % on solid fuels; LNB+SCR 64 % on every line of a power site.
    """
    dept = "power" if power else "industrial"
    mass_kg = quantity * 1000.0 if not is_gas_volume(fuel_code) else quantity * 1e4  # kg, or m3 for gases
    gen: dict[str, float] = {}
    eff = {"SO2": 0.0, "NOx": LNB_SCR if power else 0.0}
    if is_solid(fuel_code):
        sulfur, ash = quality.solid(fuel_code)
        ar, f25, f10 = COAL_PM_PARAMS[(dept, quality.technology)]
        gen["SO2"] = mass_kg * 20.0 * sulfur * (1 - SULFUR_RETAINED) / 1e6
        nox_ef = coal_nox_power(capacity_mw) if power else COAL_NOX_INDUSTRIAL[quality.technology]
        gen["NOx"] = mass_kg * nox_ef / 1e6
        g25 = mass_kg * 10.0 * ash * (1 - ar) * f25 / 1e6
        g10 = mass_kg * 10.0 * ash * (1 - ar) * f10 / 1e6
        gen["PM"] = g10
        fine, coarse = DUST_COLLECTORS[quality.dust_collector]
        e_pm = g25 * (1 - fine) + (g10 - g25) * (1 - coarse)
        if key_site:
            eff["SO2"] = FGD_LIMESTONE_GYPSUM
    else:
        nox_i, nox_p, so2, pm_i, pm_p = OTHER_FACTORS.get(fuel_code, OTHER_FACTORS["diesel"])
        gen["SO2"] = mass_kg * so2 / 1e6
        gen["NOx"] = mass_kg * (nox_p if power else nox_i) / 1e6
        gen["PM"] = mass_kg * (pm_p if power else pm_i) / 1e6
        e_pm = gen["PM"]
    emitted = {"SO2": gen["SO2"] * (1 - eff["SO2"]), "NOx": gen["NOx"] * (1 - eff["NOx"]), "PM": e_pm}
    return gen, emitted


def removal_pct(fuel_code: str, *, power: bool, key_site: bool, quality: FuelQuality) -> dict[str, float | None]:
    """脱硫/脱硝/除尘效率 (%) that `line_emissions` applies to a line; None where it applies no facility.

    SO2: FGD on solid fuels of 重点管理 sites; NOx: LNB+SCR on every line of a power site; PM: the effective
    removal 1 - E_PM10 / G_PM10 of the site's dust collector on solid fuels (the model is linear in quantity).
    """
    pm = None
    if is_solid(fuel_code):
        gen, emitted = line_emissions(fuel_code, 1.0, power=power, key_site=key_site, quality=quality, capacity_mw=0.0)
        pm = round(100.0 * (1.0 - emitted["PM"] / gen["PM"]), 2) if gen["PM"] > 0 else None
    return {"SO2": round(FGD_LIMESTONE_GYPSUM * 100, 2) if is_solid(fuel_code) and key_site else None,
            "NOx": round(LNB_SCR * 100, 2) if power else None, "PM": pm}


@dataclass(frozen=True)
class Outlet:
    """One boiler and its stack; the DA code is shared by the limit table, reports and G103-1."""

    code: str  # DA001
    name: str
    boiler_no: str
    fuel_code: str
    share: float  # fraction of the site's fuel line fired here
    rated_tph: float  # 额定出力, 蒸吨/小时
    main: bool  # 主要排放口 (only on 重点管理 sites)


STEAM_SIZES = (2, 4, 6, 10, 15, 20, 35, 75, 130, 220, 410, 670, 1025, 2000)
FUEL_WORD = {"coal": "燃煤", "coke": "燃焦", "oil": "燃油", "gas": "燃气"}


def site_outlets(site: Site) -> list[Outlet]:
    """Boilers/outlets of a site from its mean heat input per fuel; identical for every year and writer."""
    quality = site_fuel_quality(site.permit_no)
    years = sorted(site.fuel_heat_gj)
    mean_heat: dict[str, float] = {}
    for year in years:
        for fuel, heat in site.fuel_heat_gj[year].items():
            mean_heat[fuel] = mean_heat.get(fuel, 0.0) + heat / len(years)
    plan = []
    for fuel, heat in sorted(mean_heat.items(), key=lambda kv: (-kv[1], kv[0])):
        if heat <= 0:
            continue
        n = 1 if heat < 3e6 else (2 if heat < 1.2e7 else 3)
        tph = heat / n / quality.hours / 2.8  # ~2.8 GJ fuel heat per tonne of steam
        rated = next((s for s in STEAM_SIZES if s >= tph * 1.15), STEAM_SIZES[-1])
        plan += [(fuel, 1.0 / n, float(rated))] * n
    key = site.management_category == "重点管理"
    mains = [key and (is_solid(f) or r >= 65) for f, _, r in plan]
    if key and plan and not any(mains):
        mains[0] = True
    outlets = []
    for i, ((fuel, share, rated), main) in enumerate(zip(plan, mains, strict=True), start=1):
        word = FUEL_WORD.get(fuel_info()[fuel]["fuel_group"], "燃料")
        outlets.append(Outlet(f"DA{i:03d}", f"{i}#{word}锅炉废气排放口", f"{i}#", fuel, share, rated, main))
    return outlets


@dataclass
class OutletYear:
    outlet: Outlet
    quantity: float
    emitted: dict[str, float]  # t, rounded to 3 decimals as written
    generated: dict[str, float]  # t, before controls, rounded the same way


@dataclass
class SiteYear:
    """A site's true fuel use and emissions in one year; totals are sums of the rounded outlet values."""

    site: Site
    year: int
    quantities: dict[str, float]
    generated: dict[str, float]
    emitted: dict[str, float]
    outlets: list[OutletYear] = field(default_factory=list)


def site_year_emissions(site: Site, industry_code: str, year: int) -> SiteYear:
    """Fuel quantities and SO2/NOx/PM of one site-year, per outlet, from the shared emission model."""
    power = industry_code in POWER_CODES
    quality = site_fuel_quality(site.permit_no, power)
    heat = site.fuel_heat_gj.get(year, {})
    solid_heat = sum(h for f, h in heat.items() if is_solid(f))
    capacity_mw = solid_heat * 0.38 / 3.6 / quality.hours  # GJ -> MWh_e at 38 %, over operating hours
    quantities = {f: fuel_quantity(f, h) for f, h in heat.items() if h > 0}
    line_gen: dict[str, dict[str, float]] = {}
    line_emit: dict[str, dict[str, float]] = {}
    for fuel, qty in quantities.items():
        line_gen[fuel], line_emit[fuel] = line_emissions(
            fuel, qty, power=power, key_site=site.management_category == "重点管理", quality=quality,
            capacity_mw=capacity_mw)
    outlets = [OutletYear(o, quantities.get(o.fuel_code, 0.0) * o.share,
                          {p: round(line_emit.get(o.fuel_code, {}).get(p, 0.0) * o.share, 3) for p in POLLUTANTS},
                          {p: round(line_gen.get(o.fuel_code, {}).get(p, 0.0) * o.share, 3) for p in POLLUTANTS})
               for o in site_outlets(site)]
    generated = {p: round(sum(o.generated[p] for o in outlets), 3) for p in POLLUTANTS}
    emitted = {p: round(sum(o.emitted[p] for o in outlets), 3) for p in POLLUTANTS}
    return SiteYear(site, year, quantities, generated, emitted, outlets)


# --- file helpers ----------------------------------------------------------------------------------------
def new_workbook() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    book.properties.creator = "synergy synth (演示数据)"
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    return book


_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def save_workbook_fixed(book: openpyxl.Workbook, path: Path) -> None:
    """Save byte-identically: openpyxl stamps `modified` with now and zip entries with local time; fix both."""
    buffer = io.BytesIO()
    book.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"<dcterms:modified\1>" + stamp + rb"</dcterms:modified>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


def merge_many(sheet, ranges: list[str]) -> None:
    """Merge many non-overlapping ranges at once: `merge_cells` checks each against all others (quadratic)."""
    new = [MergedCellRange(sheet, r) for r in ranges]
    sheet.merged_cells = MultiCellRange([*sheet.merged_cells.ranges, *new])
    for cell_range in new:
        sheet._clean_merge_range(cell_range)  # what merge_cells does after its overlap check


def write_csv_fixed(path: Path, header: list[str], rows: list[list], encoding: str) -> None:
    """CSV with CRLF line ends as Excel writes them; `utf-8-sig` puts the BOM in front of the header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def title_row(sheet, text: str, width: int) -> None:
    """Row 1: a merged title that says the data are synthetic."""
    sheet.append([text + SYNTH_NOTE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(1, 1).font = Font(bold=True)


def file_entry(source: str, inbox: Path, path: Path, rows: int, encoding: str, **extra) -> dict:
    return {"source": source, "kind": "file", "path": path.relative_to(inbox).as_posix(), "rows": rows,
            "encoding": encoding, **extra}


@cache
def region_names() -> dict[str, str]:
    return {r["region_code"]: r["region_name"] for r in regions().iter_rows(named=True)}


@cache
def industry_rows() -> dict[str, dict[str, str]]:
    return {r["industry_code"]: r for r in industries().iter_rows(named=True)}


def permit_sites(world: World) -> list[tuple[Enterprise, Site]]:
    """Sites holding a permit (重点/简化管理); 登记管理 sites only have a registration."""
    return [(e, s) for e in world.enterprises for s in e.sites if s.management_category != "登记管理"]


def _industry_label(enterprise: Enterprise) -> str:
    """行业类别 as the permit list shows it: one industry per activity, a captive power unit adding 热电联产."""
    own = industry_rows()[enterprise.industry_code]["industry_name"]
    return f"{own}，{industry_rows()['4412']['industry_name']}" if enterprise.captive_power else own


def _dms(value: float) -> str:
    centis = round(value * 360000)
    deg, rest = divmod(centis, 360000)
    minutes, sec = divmod(rest, 6000)
    return f"{deg}/{minutes}/{sec / 100:.2f}"


def _city_label(code: str, rng: random.Random) -> str:
    name = region_names()[code]
    draw = rng.random()
    if draw < 0.10 and name.endswith("市"):
        return name[:-1]
    if draw < 0.16:
        return " " + name
    return name


# --- a. registry list ------------------------------------------------------------------------------------
def _write_registry(world: World, folder: Path, rng: random.Random) -> tuple[Path, int]:
    book = new_workbook()
    sheet = book.active
    sheet.title = "许可信息公开"
    title_row(sheet, "全国排污许可证管理信息平台 许可信息公开 导出（河南省）", len(REGISTRY_HEADER))
    sheet.append(REGISTRY_HEADER)
    rows = 0
    for enterprise, site in permit_sites(world):
        sep = rng.choices(["-", "－", "—"], [0.7, 0.15, 0.15])[0]
        parts = ["河南省", region_names()[site.city_code]]
        if site.county_code != site.city_code:
            parts.append(region_names()[site.county_code])
        issued = dt.date.fromisoformat(site.valid_from) - dt.timedelta(days=rng.randint(1, 20))
        lon: float | str = site.lon
        lat: float | str = site.lat
        if rng.random() < 0.2:
            lon, lat = _dms(site.lon), _dms(site.lat)
        sheet.append(["河南省", _city_label(site.city_code, rng), site.permit_no, site.name,
                      _industry_label(enterprise), sep.join(parts),
                      f"{site.valid_from}至{site.valid_to}", issued.isoformat(), site.management_category, lon, lat])
        rows += 1
    path = folder / "排污许可证信息公开_河南省_演示数据.xlsx"
    save_workbook_fixed(book, path)
    return path, rows


# --- b. limit tables -------------------------------------------------------------------------------------
def _concentration(fuel_code: str, power: bool) -> dict[str, int]:
    """Illustrative hourly limits (mg/Nm3) in the style of GB 13223 / GB 13271 (values recalled, not checked)."""
    if is_solid(fuel_code):
        return {"SO2": 35, "NOx": 50, "PM": 10} if power else {"SO2": 200, "NOx": 200, "PM": 30}
    if is_gas_volume(fuel_code) or fuel_info()[fuel_code]["fuel_group"] == "gas":
        return {"SO2": 35, "NOx": 50, "PM": 5} if power else {"SO2": 50, "NOx": 150, "PM": 20}
    return {"SO2": 50, "NOx": 100, "PM": 20} if power else {"SO2": 100, "NOx": 200, "PM": 30}


def site_limits(enterprise: Enterprise, site: Site, years: list[int]) -> tuple[dict[str, float], dict[str, dict]]:
    """Annual limits (t/a): site total per pollutant and per main outlet, constant over 第一年…第五年.

    Site limit = max over the world's years of the site's actual emission x a factor 1.3-2.5 drawn from the
    permit number; split over the main outlets in proportion to their mean emissions.
    """
    rng = random.Random(f"{site.permit_no}:limits")
    factors = {p: rng.uniform(1.3, 2.5) for p in POLLUTANTS}
    per_year = [site_year_emissions(site, enterprise.industry_code, y) for y in years]
    mains = [o for o in site_outlets(site) if o.main]
    outlet_limits: dict[str, dict[str, float]] = {o.code: {} for o in mains}
    totals: dict[str, float] = {}
    for p in POLLUTANTS:
        site_limit = max(sy.emitted[p] for sy in per_year) * factors[p]
        weights = {o.code: sum(oy.emitted[p] for sy in per_year for oy in sy.outlets if oy.outlet.code == o.code)
                   for o in mains}
        total_w = sum(weights.values())
        if site_limit <= 0 or not mains:
            totals[p] = 0.0
            continue
        if total_w <= 0:
            weights, total_w = {mains[0].code: 1.0}, 1.0
        for code, w in weights.items():
            if w > 0:
                outlet_limits[code][p] = round(site_limit * w / total_w, 3)
        totals[p] = round(sum(v.get(p, 0.0) for v in outlet_limits.values()), 3)
    return totals, outlet_limits


def gives_site_limit(permit_no: str) -> bool:
    """Whether a 重点管理 permit's limit table has 全厂有组织排放总计 rows (deterministic from the permit number).

    The others give 许可排放量 per main outlet and as 主要排放口合计 only, as many 重点管理 permits do.
    """
    return random.Random(f"{permit_no}:limit_levels").random() >= OUTLET_ONLY_SHARE


def _write_limits(world: World, folder: Path, rng: random.Random) -> tuple[Path, int, dict[str, dict[str, float]]]:
    book = new_workbook()
    sheet = book.active
    sheet.title = "大气污染物排放信息"
    width = len(LIMIT_HEADER)
    title_row(sheet, "排污许可证副本 大气污染物排放信息—许可排放限值（重点管理）", width)
    sheet.append(LIMIT_HEADER)
    sheet.append([None] * 7 + list(YEAR_LABELS) + [None])
    for col in [1, 2, 3, 4, 5, 6, 7, 13]:
        sheet.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    sheet.merge_cells(start_row=2, start_column=8, end_row=2, end_column=12)
    for row in sheet.iter_rows(min_row=2, max_row=3):
        for cell in row:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    all_limits: dict[str, dict[str, float]] = {}

    def name(p: str) -> str:
        return rng.choice(NAME_VARIANTS[p])

    merges: list[str] = []
    last_row = 3

    def block(permit_no: str, label: str, outlet_name: str | None, rows: list[list]) -> None:
        nonlocal last_row
        start = last_row + 1
        for values in rows:
            sheet.append([permit_no, label, outlet_name, *values])
        last_row = end = start + len(rows) - 1
        if outlet_name is None:  # subtotal label spans 排放口编号 and 排放口名称
            merges.append(f"B{start}:C{end}")
        elif end > start:
            merges.extend([f"B{start}:B{end}", f"C{start}:C{end}"])

    def annual(value: float | None) -> list:
        return [value] * 5 if value else ["/"] * 5

    for enterprise, site in permit_sites(world):
        if site.management_category != "重点管理":
            continue
        power = enterprise.industry_code in POWER_CODES
        totals, per_outlet = site_limits(enterprise, site, world.years)
        all_limits[site.permit_no] = totals
        outlets = site_outlets(site)
        for main in (True, False):
            group = [o for o in outlets if o.main == main]
            if not group:
                continue
            for o in group:
                conc = _concentration(o.fuel_code, power)
                rows = []
                for p in ("PM", "SO2", "NOx"):
                    daily = rng.choice(["/", "/", "mg/Nm3"])
                    commit = rng.choice(["/", "/", "无", str(max(5, conc[p] // 4))])
                    limit = per_outlet.get(o.code, {}).get(p) if main else None
                    rows.append([name(p), f"{conc[p]}mg/Nm3", daily, "/", *annual(limit), commit])
                if is_solid(o.fuel_code):
                    rows.append(["林格曼黑度", "1级", "/", "/", *annual(None), "/"])
                block(site.permit_no, o.code, o.name, rows)
            label = "主要排放口合计" if main else "一般排放口合计"
            rows = [[name(p), "/", "/", "/", *annual(totals.get(p) if main else None), "/"]
                    for p in ("PM", "SO2", "NOx", "VOCs")]
            block(site.permit_no, label, None, rows)
        rows = [[name(p), "/", "/", "/", *annual(totals.get(p)), "/"] for p in ("PM", "SO2", "NOx", "VOCs")]
        if gives_site_limit(site.permit_no):  # names are drawn either way: the rng stream does not depend on it
            block(site.permit_no, "全厂有组织排放总计", None, rows)
    merge_many(sheet, merges)
    path = folder / "排污许可证_大气污染物许可排放限值_演示数据.xlsx"
    save_workbook_fixed(book, path)
    return path, last_row - 3, all_limits


# --- c. execution reports and fuel analysis --------------------------------------------------------------
def _pick_exceedance(world: World, spec: dict, rng: random.Random, taken: set[str]) -> tuple[Enterprise, Site] | None:
    """A 重点管理 coal site with its permit in force all that year, of an enterprise no other anomaly names (None if
    none fits)."""
    year = int(spec.get("year", 2022))
    if year not in world.years:
        raise ValueError(f"permit_limit_exceeded: year {year} not in world years {world.years}")
    wanted = spec.get("permit_no")
    candidates = [(e, s) for e, s in permit_sites(world)
                  if s.management_category == "重点管理" and int(s.valid_from[:4]) < year < int(s.valid_to[:4])
                  and any(is_coal(f) and h > 0 for f, h in s.fuel_heat_gj.get(year, {}).items())
                  and (s.permit_no == wanted if wanted else e.uscc not in taken and gives_site_limit(s.permit_no))]
    return rng.choice(candidates) if candidates else None


@dataclass(frozen=True)
class OutletCase:
    """The planted outlet case: one main outlet's SO2 above its own limit, every total of the permit kept."""

    enterprise: Enterprise
    site: Site
    year: int
    outlet_code: str
    limit_t: float  # the outlet's annual limit
    actual_t: float  # as written in the execution report
    true_actual_t: float
    main_actual_t: float  # the main outlets' sum as written, with the raised outlet
    main_limit_t: float  # 主要排放口合计


def _pick_outlet_exceedance(world: World, spec: dict, rng: random.Random, taken: set[str]) -> OutletCase | None:
    """A 重点管理 permit that gives 许可排放量 per main outlet and 主要排放口合计 only, in force all that year, of an
    enterprise no other case names, with two or more main outlets limited for SO2: one of them is raised to
    OUTLET_EXCEEDANCE_RATIO x its limit while the main outlets' sum stays within OUTLET_CASE_HEADROOM of the total."""
    year = int(spec.get("year", world.years[0]))
    ratio = float(spec.get("ratio", OUTLET_EXCEEDANCE_RATIO))
    if year not in world.years:
        raise ValueError(f"outlet_limit_exceeded: year {year} not in world years {world.years}")
    wanted = spec.get("permit_no")
    cases = []
    for enterprise, site in permit_sites(world):
        if (site.management_category != "重点管理" or gives_site_limit(site.permit_no)
                or not int(site.valid_from[:4]) < year < int(site.valid_to[:4])
                or (site.permit_no != wanted if wanted else enterprise.uscc in taken)):
            continue
        totals, per_outlet = site_limits(enterprise, site, world.years)
        sy = site_year_emissions(site, enterprise.industry_code, year)
        mains = [oy for oy in sy.outlets if oy.outlet.main and per_outlet[oy.outlet.code].get("SO2")]
        if len(mains) < 2 or not totals.get("SO2"):
            continue
        main_sum = sum(oy.emitted["SO2"] for oy in sy.outlets if oy.outlet.main)
        for oy in mains:
            limit_t = per_outlet[oy.outlet.code]["SO2"]
            actual_t = round(ratio * limit_t, 3)
            main_actual = round(main_sum - oy.emitted["SO2"] + actual_t, 3)
            if main_actual <= OUTLET_CASE_HEADROOM * totals["SO2"]:
                cases.append(OutletCase(enterprise, site, year, oy.outlet.code, limit_t, actual_t, oy.emitted["SO2"],
                                        main_actual, totals["SO2"]))
                break
    return rng.choice(cases) if cases else None


def accounting_method(site: Site, outlet: Outlet) -> str:
    """核算方法 of an outlet's actual emissions; deterministic so the permit and G103-1 files agree."""
    if outlet.main:
        return "自动监测"
    if is_solid(outlet.fuel_code):
        return "物料衡算"
    return random.Random(f"{site.permit_no}:{outlet.code}:method").choice(["产排污系数", "产排污系数", "手工监测"])


def _fmt(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}"


def write_permit_files(world: World, inbox: Path, rng: random.Random, anomalies: dict) -> list[dict]:
    """Write registry list, limit tables, execution reports and fuel analysis into inbox/permit/.

    `anomalies.get("permit_limit_exceeded")` may be a dict with year (2022), ratio (1.4) and permit_no to
    force the site; absent means pick one 重点管理 coal site for 2022 (skipped if 2022 is not a world year or no site
    fits) of an enterprise no other entry of `anomalies` names; None/False disables the anomaly.
    `anomalies.get("outlet_limit_exceeded")` likewise (year: the first world year, away from the last-year synergy
    rewrites and the 2022 site case; ratio 1.25; permit_no): one main outlet of a permit whose limits are per main
    outlet and 主要排放口合计 only goes above its own limit while the permit's total stays under.
    """
    folder = Path(inbox) / PERMIT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    inbox = Path(inbox)
    manifest: list[dict] = []

    path, rows = _write_registry(world, folder, rng)
    manifest.append(file_entry("permit", inbox, path, rows, "xlsx", table="permit_registry", sheet="许可信息公开",
                               header_rows=[2]))
    path, rows, limits = _write_limits(world, folder, rng)
    limits_path = path
    without_site = sorted(s.permit_no for _, s in permit_sites(world)
                          if s.management_category == "重点管理" and not gives_site_limit(s.permit_no))
    manifest.append(file_entry("permit", inbox, path, rows, "xlsx", table="permit_limits", sheet="大气污染物排放信息",
                               header_rows=[2, 3], permits_without_site_limit=without_site))

    spec = anomalies.get("permit_limit_exceeded", {})
    target = None
    ex_year, ratio = 2022, 1.4
    if spec is not None and spec is not False:
        spec = spec if isinstance(spec, dict) else {}
        ex_year, ratio = int(spec.get("year", ex_year)), float(spec.get("ratio", ratio))
        if "permit_limit_exceeded" in anomalies or ex_year in world.years:  # the default needs 2022 in the world
            taken = {a["uscc"] for a in anomalies.values() if isinstance(a, dict) and "uscc" in a}
            target = _pick_exceedance(world, spec, rng, taken)
            if target is None and "permit_limit_exceeded" in anomalies:  # the default is skipped in a tiny world
                raise ValueError("permit_limit_exceeded: no 重点管理 coal site with a permit in force all that year")
    outlet_spec = anomalies.get("outlet_limit_exceeded", {})
    outlet_case = None
    if outlet_spec is not None and outlet_spec is not False:
        taken = {a["uscc"] for a in anomalies.values() if isinstance(a, dict) and "uscc" in a}
        outlet_case = _pick_outlet_exceedance(world, outlet_spec if isinstance(outlet_spec, dict) else {}, rng,
                                              taken | ({target[0].uscc} if target else set()))
        if outlet_case is None and "outlet_limit_exceeded" in anomalies:  # the default is skipped in a tiny world
            raise ValueError("outlet_limit_exceeded: no 重点管理 permit with outlet-only limits fits")

    names = {code: row["fuel_name_zh"] for code, row in fuel_info().items()}
    for year in world.years:
        exec_rows: list[list] = []
        fuel_rows: list[list] = []
        for enterprise, site in permit_sites(world):
            if not int(site.valid_from[:4]) <= year <= int(site.valid_to[:4]):
                continue  # no permit in force that year, so no annual report
            sy = site_year_emissions(site, enterprise.industry_code, year)
            outlet_values = {oy.outlet.code: dict(oy.emitted) for oy in sy.outlets}
            is_target = target is not None and target[1] is site and year == ex_year
            if is_target:
                limit_t = limits[site.permit_no]["SO2"]
                scale = ratio * limit_t / sy.emitted["SO2"]
                for values in outlet_values.values():
                    values["SO2"] = round(values["SO2"] * scale, 3)
            is_outlet_case = outlet_case is not None and outlet_case.site is site and year == outlet_case.year
            if is_outlet_case:
                outlet_values[outlet_case.outlet_code]["SO2"] = outlet_case.actual_t
            totals = {p: round(sum(v[p] for v in outlet_values.values()), 3) for p in POLLUTANTS}
            for oy in sy.outlets:
                o = oy.outlet
                port = "主要排放口" if o.main else "一般排放口"
                for p in POLLUTANTS:
                    code, pname = HJ524[p]
                    value, note = _fmt(outlet_values[o.code][p]), ""
                    if not (is_target or is_outlet_case) and outlet_values[o.code][p] > 0 and rng.random() < 0.03:
                        value, note = _fmt(outlet_values[o.code][p] * 1000, 1), "单位:千克"
                    exec_rows.append([year, "年报", site.permit_no, port, o.code, o.name, code, pname, "", "", "",
                                      value, accounting_method(site, o), note])
            for p in POLLUTANTS:
                code, pname = HJ524[p]
                exec_rows.append([year, "年报", site.permit_no, "全厂合计", "", "", code, pname, "", "", "",
                                  _fmt(totals[p]), "", ""])
            if is_target:
                limit_t = limits[site.permit_no]["SO2"]
                n = year - int(site.valid_from[:4]) + 1
                manifest.append({
                    "source": "permit", "kind": "anomaly", "anomaly": "permit_limit_exceeded",
                    "permit_no": site.permit_no, "uscc": enterprise.uscc, "year": year, "pollutant": "SO2",
                    "pollutant_code": "A21026", "limit_t": limit_t, "actual_t": totals["SO2"],
                    "true_actual_t": sy.emitted["SO2"], "ratio": ratio, "permit_year_index": n,
                    "permit_year_label": YEAR_LABELS[n - 1], "valid_from": site.valid_from, "valid_to": site.valid_to,
                    "permit_year_rule": "第N年 with N = calendar year - validity start year + 1",
                    "report_file": f"{PERMIT_DIR}/{_exec_name(year)}",
                    "limit_file": limits_path.relative_to(inbox).as_posix(),
                    "note": "execution-report SO2 (outlet rows and 全厂合计) scaled to ratio x annual limit; "
                            "limit table and environmental statistics keep the true values",
                })
            if is_outlet_case:
                case = outlet_case
                n = year - int(site.valid_from[:4]) + 1
                manifest.append({
                    "source": "permit", "kind": "anomaly", "anomaly": "outlet_limit_exceeded",
                    "permit_no": site.permit_no, "uscc": enterprise.uscc, "year": year, "pollutant": "SO2",
                    "pollutant_code": "A21026", "outlet_code": case.outlet_code, "compliance_level": "outlet",
                    "limit_t": case.limit_t, "actual_t": case.actual_t, "true_actual_t": case.true_actual_t,
                    "ratio": round(case.actual_t / case.limit_t, 4), "main_outlets_actual_t": case.main_actual_t,
                    "main_outlets_limit_t": case.main_limit_t, "site_limit_t": None,
                    "permit_year_index": n, "permit_year_label": YEAR_LABELS[n - 1],
                    "valid_from": site.valid_from, "valid_to": site.valid_to,
                    "report_file": f"{PERMIT_DIR}/{_exec_name(year)}",
                    "limit_file": limits_path.relative_to(inbox).as_posix(),
                    "expected": "one permit_limit_exceeded finding at compliance_level outlet (subject 'SO2 "
                                f"{case.outlet_code}'); none at main_outlets_total (the main outlets stay under "
                                "主要排放口合计) or site_total (the permit gives no 全厂 limit)",
                    "note": "the permit's 许可排放量 is per main outlet and 主要排放口合计 only; one outlet's SO2 in the "
                            "execution report (its row and 全厂合计) raised to ratio x the outlet's limit; limit table "
                            "and environmental statistics keep the true values",
                })
            quality = site_fuel_quality(site.permit_no, enterprise.industry_code in POWER_CODES)
            by_fuel = {o.fuel_code: o for o in site_outlets(site)}
            for fuel, qty in sorted(sy.quantities.items(), key=lambda kv: (-kv[1], kv[0])):
                sulfur: str
                ash: str
                if is_solid(fuel):
                    s, a = quality.solid(fuel)
                    sulfur, ash = _fmt(s, 2), _fmt(a, 2)
                elif fuel in OTHER_FACTORS and OTHER_FACTORS[fuel][2] > 0:
                    sulfur, ash = _fmt(OTHER_FACTORS[fuel][2] / 20.0, 2), "/"  # S% implied by 2 x S x 10 g/kg
                else:
                    sulfur, ash = "/", "/"
                ncv = default_ncv()[fuel]
                if is_gas_volume(fuel):
                    unit, ncv_text = "万立方米", f"{ncv / 10:.3f}MJ/Nm3"  # GJ/10^4 Nm3 -> MJ/Nm3, unit in the cell
                else:
                    unit, ncv_text = "吨", _fmt(ncv, 3)
                fuel_rows.append([year, site.permit_no, names[fuel], _fmt(qty, 2 if unit == "吨" else 4), unit,
                                  sulfur, ash, ncv_text, accounting_method(site, by_fuel[fuel])])
        path = folder / _exec_name(year)
        write_csv_fixed(path, EXEC_HEADER, exec_rows, "utf-8-sig")
        manifest.append(file_entry("permit", inbox, path, len(exec_rows), "utf-8-sig", table="execution_report",
                                   year=year))
        path = folder / f"排污许可证执行报告_燃料分析_{year}_演示数据.csv"
        write_csv_fixed(path, FUEL_HEADER, fuel_rows, "gb18030")
        manifest.append(file_entry("permit", inbox, path, len(fuel_rows), "gb18030", table="fuel_analysis", year=year))
    return manifest


def _exec_name(year: int) -> str:
    return f"排污许可证执行报告_年报_{year}_演示数据.csv"

