"""Completeness cases (issue 24): enterprises and figures only one system reports, with their truth.

Every enterprise and every figure any system reports must reach the inventory, the register and the cross-checks.
The demo writes four shapes of it; their truth is `manifest["completeness"]`:
- statistics_only: enterprises (STATISTICS_ONLY_SHARE of the world's, at least 3) that appear ONLY in 基101/G101,
  every data year: no G103 rows, no GHG report, no permit. Their rows write the USCC (an old organisation code alone
  creates no enterprise), fuel coal, fuel oil or natural gas, and SO2/NOx/PM totals. The first is a covered-sector
  key emitter (cement, >= 20,000 t fuel coal a year: missing_from_ghg_reporting), the second a covered enterprise
  below the thresholds, the third a covered enterprise whose last-year row gives no fuel at all (insufficient_data);
  the rest are outside the covered sectors. Some write more 煤炭 than 其中燃料煤 (coal not burned), some leave
  其中燃料煤 blank (then 煤炭 is the fuel coal).
- monthly_only: power plants whose GHG report of the monthly year (the flat-layout year, 2022 of 2021-2023; none in a
  one-year world) has no annual fuel lines, only one unit's monthly 存证 in a file of that year: one with elemental
  carbon measured in 9 months (the other 3 take the mean of the measured months), one with 2 measured months (the
  other 10 take the power guideline's unmeasured-coal carbon per GJ x the month's NCV). They burn coal only (their
  other fuel is taken out of the world), so every system agrees.
- coal_rank_lines: in the last-year (2023) GHG report a new `原煤` line whose 备注 says `褐煤` and a bituminous line written
  `原煤（烟煤）`: expected fuel_code lignite / bituminous, fuel_rank_source remark / bracket.
- default_labels: one enterprise's unmeasured last-year lines write the 表C.1 NCV and carbon content, labelled 缺省值 in
  the 取值方式 columns: expected parameter_source default (and the CO2 of the defaults, unchanged).
Expected values are computed here from the values as written, with the factors written out below by their ids in
inventories/factors/cn_default/factors.csv, not from the pipeline's factor join.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from inventories.reference import fuels, key_emitter_rule, power_industry_codes
from synth.identity_dirt import IdentityCells
from synth.register_truth import Basis
from synth.world import ARCHETYPES, BRANDS, LEGAL_FORMS, Enterprise, World, _counties, _make_uscc
from synth.writers_ghg import COVERED, Line, expected_co2, write_csv
from synth.writers_permit import line_emissions, site_fuel_quality

CO2_PER_C = 44.0 / 12.0
GJ_PER_TCE = ("GB2589-gj_per_tce", 29.3076)
# 基101/G101 fuels -> (NCV, carbon content tC/GJ, oxidation), each (factor id, value). The form does not name the
# coal rank, so its coal is 原煤: GB/T 2589 NCV and the team's judgement rows (烟煤 of 表C.1) for carbon and oxidation.
STATISTICS_FACTORS = {
    "raw_coal": (("GB2589-raw_coal-ncv", 20.908), ("JDG-raw_coal-cc", 0.0261), ("JDG-raw_coal-of", 0.93)),
    "fuel_oil": (("C1-fuel_oil-ncv", 41.816), ("C1-fuel_oil-cc", 0.0211), ("C1-fuel_oil-of", 0.98)),
    "natural_gas": (("C1-natural_gas-ncv", 389.31), ("C1-natural_gas-cc", 0.0153), ("C1-natural_gas-of", 0.99)),
}
POWER_OXIDATION = ("PWR-coal-of", 0.99)
# the power guideline's carbon per GJ of unmeasured coal for any year the demo writes: the June 2022 notice set it for
# 2021 and 2022 data; the library keeps it open-ended (recalled) for later years
POWER_UNMEASURED_CC = ("PWR2022-coal-cc-unmeasured", 0.03085)
MIN_MEASURED_MONTHS = 3  # fewer measured months: the unmeasured ones take the default per GJ, not the mean

STATISTICS_ONLY_SHARE = 0.035
UNCOVERED = sorted(a[0] for a in ARCHETYPES if a[0] not in COVERED)
WORDS = {a[0]: a[1] for a in ARCHETYPES}
# (role, industry) of the first three statistics-only enterprises; the rest are ("not_covered", one of UNCOVERED)
COVERED_ROLES = (("key_emitter", "3011"), ("below_threshold", "2221"), ("no_fuel_last_year", "2614"))
ABSENT = "/"

MONTHLY_PATTERNS = (("mean_of_measured", tuple(range(4, 13))), ("unmeasured_default", (11, 12)))
MONTHLY_HEADERS = ["统一社会信用代码", "单位名称", "机组编号", "年月", "燃料品种", "燃料消耗量(t)", "低位发热量(GJ/t)",
                   "元素碳含量(%)", "氢含量(%)", "全硫(%)", "水分(%)", "购入使用电量(MWh)", "发电量(MWh)", "供电量(MWh)",
                   "供热量(GJ)", "负荷(出力)系数(%)", "运行小时数(h)"]

BRACKET_NAME, REMARK_NAME, REMARK_RANK = "原煤（烟煤）", "原煤", "褐煤"
REMARK_LINE_T = 1800.0
DEFAULT_LABEL = "缺省值"
BASIS_HEADERS = ["低位发热量取值方式", "含碳量取值方式", "碳氧化率取值方式"]  # schemas/layouts.py GHG_FUEL_LINES


# --- statistics-only enterprises -------------------------------------------------------------------------------
@dataclass
class FormYear:
    """One 基101 row's figures as written (None: the cell says `/`)."""

    coal_t: float | None  # 煤炭消耗量
    fuel_coal_t: float | None  # 其中燃料煤消耗量
    fuel_oil_t: float | None
    gas_10k_nm3: float | None
    sulfur_pct: float | None
    generated: dict[str, float]
    emitted: dict[str, float]

    def quantities(self) -> dict[str, float]:
        """fuel_code -> quantity the pipeline takes: 燃料煤, else 煤炭 when 燃料煤 is blank."""
        coal = self.fuel_coal_t if self.fuel_coal_t is not None else self.coal_t
        found = {"raw_coal": coal, "fuel_oil": self.fuel_oil_t, "natural_gas": self.gas_10k_nm3}
        return {f: q for f, q in found.items() if q is not None}

    def expected(self) -> tuple[float | None, float | None]:
        """(energy tce, CO2 t) by the factors above; (None, None) when the row gives no fuel."""
        quantities = self.quantities()
        if not quantities:
            return None, None
        heat = co2 = 0.0
        for fuel, quantity in quantities.items():
            (_, ncv), (_, cc), (_, of) = STATISTICS_FACTORS[fuel]
            heat += quantity * ncv
            co2 += quantity * ncv * cc * of * CO2_PER_C
        return heat / GJ_PER_TCE[1], co2


@dataclass
class StatisticsOnly:
    enterprise: Enterprise
    role: str
    hours: int
    boilers: int
    steam_tph: float
    forms: dict[int, FormYear]
    written: dict[int, dict] = field(default_factory=dict)  # year -> file, sheet, row (filled by the envstat writer)

    def identity(self) -> IdentityCells:
        return IdentityCells(self.enterprise.uscc, self.enterprise.name, True, None)

    def row(self, year: int) -> list:
        """The 基101 row (writers_envstat.BASIC_HEADER order)."""
        e, form = self.enterprise, self.forms[year]

        def cell(value: float | None) -> float | str:
            return ABSENT if value is None else value

        row = [e.uscc, e.name, e.county_code, e.industry_code, self.hours, cell(form.coal_t), cell(form.fuel_coal_t),
               cell(form.sulfur_pct), cell(form.fuel_oil_t), cell(form.gas_10k_nm3), self.boilers, self.steam_tph]
        for p in ("SO2", "NOx", "PM"):
            row += [form.generated[p], form.emitted[p]]
        return row

    def record(self, year: int, file: str, sheet: str, row: int) -> None:
        self.written[year] = {"file": file, "sheet": sheet, "row": row}


def _fresh_enterprise(industry: str, rng: random.Random, used: set[str], names: list[str]) -> Enterprise:
    """A new legal person (USCC not in `used`) whose name core (演示 + 3 brand characters + word) no name contains."""
    counties = _counties()
    city = rng.choice(sorted(counties))
    county = rng.choice(counties[city])
    uscc = _make_uscc(rng, county, used)
    word = WORDS[industry]
    while True:
        core = f"演示{''.join(rng.sample(BRANDS, 3))}{word}"
        if not any(core in n for n in names):
            break
    name = core + rng.choice(LEGAL_FORMS)
    names.append(name)
    return Enterprise(uscc, name, industry, word, county, city, sites=[])


def _form(role: str, pattern: int, rng: random.Random, uscc: str, last: bool, change: float = 1.0) -> FormYear:
    """One year's figures; pollutants from the demo's emission model (writers_permit.line_emissions).

    `rng` draws the enterprise's own level (the same seed every year); `change` is the year's change on it, so an
    enterprise moves by a few per cent a year as real ones do, not by the spread between enterprises.
    """
    coal = fuel_coal = oil = gas = None
    if role == "key_emitter":
        fuel_coal = round(rng.uniform(20_000.0, 23_000.0), 2)
        coal = fuel_coal
    elif role == "below_threshold":
        fuel_coal = round(rng.uniform(1_200.0, 2_500.0), 2)
        coal = round(fuel_coal * rng.uniform(1.1, 1.3), 2)  # some coal is not burned (raw material)
        gas = round(rng.uniform(20.0, 60.0), 4)
    elif role == "no_fuel_last_year":
        gas, oil = round(rng.uniform(30.0, 80.0), 4), round(rng.uniform(100.0, 300.0), 2)
    elif pattern == 0:  # 其中燃料煤 blank: the pipeline takes 煤炭
        coal = round(rng.uniform(300.0, 3_000.0), 2)
        gas = round(rng.uniform(5.0, 150.0), 4)
    elif pattern == 1:
        fuel_coal = round(rng.uniform(300.0, 3_000.0), 2)
        coal = round(fuel_coal * rng.uniform(1.05, 1.4), 2)
    else:
        oil, gas = round(rng.uniform(20.0, 400.0), 2), round(rng.uniform(5.0, 150.0), 4)
    coal, fuel_coal, oil = (None if q is None else round(q * change, 2) for q in (coal, fuel_coal, oil))
    gas = None if gas is None else round(gas * change, 4)
    quality = site_fuel_quality(f"{uscc}-E", False)
    burned = {"bituminous": fuel_coal if fuel_coal is not None else coal, "fuel_oil": oil, "natural_gas": gas}
    generated = dict.fromkeys(("SO2", "NOx", "PM"), 0.0)
    emitted = dict(generated)
    for fuel, quantity in burned.items():
        if quantity:
            gen, emit = line_emissions(fuel, quantity, power=False, key_site=role == "key_emitter", quality=quality,
                                       capacity_mw=0.0)
            for p in generated:
                generated[p] += gen[p]
                emitted[p] += emit[p]
    if role == "no_fuel_last_year" and last:
        oil = gas = None  # the form gives the pollutants but not the fuel they came from
    return FormYear(coal, fuel_coal, oil, gas, quality.sulfur_pct if (fuel_coal or coal) else None,
                    {p: round(v, 3) for p, v in generated.items()}, {p: round(v, 3) for p, v in emitted.items()})


def plan_statistics_only(world: World, rng: random.Random) -> list[StatisticsOnly]:
    """The statistics-only enterprises of this world (deterministic from `rng`)."""
    count = max(len(COVERED_ROLES), round(STATISTICS_ONLY_SHARE * len(world.enterprises)))
    used = {e.uscc for e in world.enterprises}
    names = [n for e in world.enterprises for n in (e.name, e.former_name, *(s.name for s in e.sites)) if n]
    cases = []
    for i in range(count):
        role, industry = COVERED_ROLES[i] if i < len(COVERED_ROLES) else ("not_covered", rng.choice(UNCOVERED))
        enterprise = _fresh_enterprise(industry, rng, used, names)
        level = rng.random()  # the enterprise's own level, drawn again each year from the same seed
        forms = {y: _form(role, i % 3, random.Random(level), enterprise.uscc, y == world.years[-1],
                          rng.uniform(0.92, 1.08)) for y in world.years}
        quality = site_fuel_quality(f"{enterprise.uscc}-E", False)
        cases.append(StatisticsOnly(enterprise, role, quality.hours, rng.randint(1, 3), round(rng.uniform(4.0, 35.0), 1),
                                    forms))
    return cases


def _register_statuses(case: StatisticsOnly, years: list[int]) -> dict[int, dict]:
    """Expected register status and criterion per year, restated from inventories/rules/key_emitters.yaml."""
    rule = key_emitter_rule()
    co2_limit, tce_limit, lookback = (float(rule["threshold_co2e_t"]), float(rule["threshold_energy_tce"]),
                                      int(rule["lookback_years"]))
    covered = case.enterprise.industry_code in COVERED

    def met(year: int) -> str | None:
        if year not in case.forms:
            return None
        energy, co2 = case.forms[year].expected()
        hits = [n for n, hit in (("co2e", co2 is not None and co2 >= co2_limit),
                                 ("energy_tce", energy is not None and energy >= tce_limit)) if hit]
        return "_and_".join(hits) or None

    def key(year: int) -> tuple[int, str] | None:
        if not covered:
            return None
        return next(((y, met(y)) for y in range(year, year - lookback - 1, -1) if met(y)), None)

    out = {}
    for year in years:
        trigger, co2 = key(year), case.forms[year].expected()[1]
        if trigger:
            status = "newly_entering" if year > years[0] and key(year - 1) is None else "missing_from_ghg_reporting"
        elif covered:
            status = "insufficient_data" if co2 is None else "below_threshold"
        else:
            status = "not_covered_sector"
        out[year] = {"register_status": status, "key_emitter_criterion": trigger[1] if trigger else None,
                     "trigger_year": trigger[0] if trigger else None}
    return out


def statistics_only_entry(cases: list[StatisticsOnly], years: list[int]) -> dict:
    out = []
    for case in cases:
        e = case.enterprise
        statuses = _register_statuses(case, years)
        per_year = {}
        for year in years:
            form = case.forms[year]
            energy, co2 = form.expected()
            per_year[str(year)] = {
                **case.written.get(year, {}), "coal_t": form.coal_t, "fuel_coal_t": form.fuel_coal_t,
                "fuel_oil_t": form.fuel_oil_t, "natural_gas_10k_nm3": form.gas_10k_nm3,
                "quantities_counted": form.quantities(), "so2_t": form.emitted["SO2"], "nox_t": form.emitted["NOx"],
                "pm_t": form.emitted["PM"], "expected_energy_tce": energy, "expected_co2_t": co2,
                "expected_co2e_t": co2, **{f"expected_{k}": v for k, v in statuses[year].items()}}
        out.append({"uscc": e.uscc, "org_code": None, "written_code": "uscc", "name": e.name,
                    "industry_code": e.industry_code, "covered_sector": e.industry_code in COVERED,
                    "region_code": e.county_code, "role": case.role, "years": per_year})
    return {
        "cases": out, "share": STATISTICS_ONLY_SHARE,
        "factors": {fuel: {"ncv": dict([ncv]), "carbon_content": dict([cc]), "oxidation": dict([of])}
                    for fuel, (ncv, cc, of) in STATISTICS_FACTORS.items()} | {"gj_per_tce": dict([GJ_PER_TCE])},
        "rule": "rows of the 基101 sheet only (no G103, GHG or permit rows); the form's 组织机构代码 cell carries the "
                "USCC. Counted fuel: 其中燃料煤 (else 煤炭, when 其中燃料煤 is '/') as raw_coal, 燃料油, 天然气 (万立方米); "
                "energy_tce = sum(q x NCV) / 29.3076; CO2 = sum(q x NCV x carbon content x oxidation x 44/12); "
                "CO2e = CO2 (no CH4/N2O); SO2/NOx/PM as reported (排放量). A year whose row gives no fuel has no CO2 "
                "(covered sector: insufficient_data)",
    }


# --- monthly-only power plants ---------------------------------------------------------------------------------
@dataclass
class MonthlyPlant:
    enterprise: Enterprise
    year: int
    rule: str
    measured_months: tuple[int, ...]
    truth: dict = field(default_factory=dict)


def pick_monthly_plants(world: World, lines: list[Line], reporters: set[str], excluded: set[str],
                        rng: random.Random, year: int | None) -> list[MonthlyPlant]:
    """Single-site power reporters with a coal line every year, none of `excluded`; one per MONTHLY_PATTERNS, whose
    `year` has monthly records only (none without a year)."""
    if year not in world.years:
        return []
    coal_years: dict[str, set[int]] = {}
    for ln in lines:
        if ln.fuel_code == "bituminous":
            coal_years.setdefault(ln.enterprise.uscc, set()).add(ln.year)
    candidates = sorted((e for e in world.enterprises if e.industry_code in power_industry_codes() and len(e.sites) == 1
                         and e.uscc in reporters and e.uscc not in excluded and not e.captive_power
                         and coal_years.get(e.uscc) == set(world.years)), key=lambda e: e.uscc)
    chosen = rng.sample(candidates, min(len(MONTHLY_PATTERNS), len(candidates)))
    return [MonthlyPlant(e, year, rule, months) for e, (rule, months) in zip(chosen, MONTHLY_PATTERNS, strict=False)]


def coal_only(plants: list[MonthlyPlant], lines: list[Line], statistics: list[Line]) -> tuple[list[Line], list[Line]]:
    """The plants burn bituminous coal only, in every year and system (their other fuel leaves the world)."""
    usccs = {p.enterprise.uscc for p in plants}
    for plant in plants:
        for site in plant.enterprise.sites:
            site.fuel_heat_gj = {y: {"bituminous": fuel["bituminous"]} for y, fuel in site.fuel_heat_gj.items()}
    keep = [ln.enterprise.uscc not in usccs or ln.fuel_code == "bituminous" for ln in lines]
    return ([ln for ln, k in zip(lines, keep, strict=True) if k],
            [ln for ln, k in zip(statistics, keep, strict=True) if k])


def write_monthly_only(folder: Path, plants: list[MonthlyPlant], lines: list[Line], defaults: dict,
                       rng: random.Random) -> dict | None:
    """The plants' monthly 存证 of their year (one coal line split over 12 months); fills each plant's truth."""
    rows = []
    for plant in plants:
        line = next(ln for ln in lines if ln.enterprise is plant.enterprise and ln.year == plant.year
                    and ln.fuel_code == "bituminous")
        ncv0 = line.ncv if line.ncv is not None else defaults[("bituminous", "ncv")]
        pct0 = line.carbon_pct if line.carbon_pct is not None else defaults[("bituminous", "carbon_content")] * ncv0 * 100
        weights = [rng.uniform(0.7, 1.3) for _ in range(12)]
        months = []
        for month, w in enumerate(weights, start=1):
            fuel_t = round(line.quantity * w / sum(weights), 2)
            ncv = round(ncv0 * rng.uniform(0.99, 1.01), 3)
            pct = round(pct0 * rng.uniform(0.99, 1.01), 2)
            months.append({"month": month, "fuel_t": fuel_t, "ncv_gj_per_t": ncv,
                           "carbon_pct": pct if month in plant.measured_months else None})
            generation = fuel_t * ncv / 9.0
            rows.append([plant.enterprise.uscc, plant.enterprise.name, line.unit_name, f"{plant.year}{month:02d}", "烟煤",
                         f"{fuel_t:.2f}", f"{ncv:.3f}", "" if months[-1]["carbon_pct"] is None else f"{pct:.2f}",
                         f"{rng.uniform(3, 4):.2f}", f"{rng.uniform(0.4, 1.2):.2f}", f"{rng.uniform(6, 12):.1f}",
                         f"{generation * 0.005:.1f}", f"{generation:.1f}", f"{generation * 0.94:.1f}", "",
                         f"{rng.uniform(55, 85):.1f}", f"{rng.randint(500, 744)}"])
        plant.truth = _monthly_truth(plant, line.unit_name, months)
    if not rows:
        return None
    path = folder / f"发电设施月度存证_{plants[0].year}_演示数据.csv"
    write_csv(path, MONTHLY_HEADERS, rows, "utf-8-sig")
    for plant in plants:
        plant.truth["file"] = f"ghg/{path.name}"
    return {"path": f"ghg/{path.name}", "rows": len(rows), "encoding": "utf-8-sig", "rejected": 0,
            "layout": "power_monthly"}


def _monthly_truth(plant: MonthlyPlant, unit_id: str, months: list[dict]) -> dict:
    """CO2 per month: FC x C% / 100 x OF x 44/12 with the month's carbon, else the unit-year rule's."""
    measured = [m["carbon_pct"] for m in months if m["carbon_pct"] is not None]
    of_id, of = POWER_OXIDATION
    cc_id, cc = POWER_UNMEASURED_CC
    mean = sum(measured) / len(measured) if measured else None
    for m in months:
        if m["carbon_pct"] is not None:
            m["carbon_used"], m["co2_t"] = "measured", m["fuel_t"] * m["carbon_pct"] / 100 * of * CO2_PER_C
        elif len(measured) >= MIN_MEASURED_MONTHS:
            m["carbon_used"], m["co2_t"] = "mean_of_measured", m["fuel_t"] * mean / 100 * of * CO2_PER_C
        else:
            m["carbon_used"], m["co2_t"] = cc_id, m["fuel_t"] * m["ncv_gj_per_t"] * cc * of * CO2_PER_C
    factor_ids = [of_id] + ([cc_id] if len(measured) < MIN_MEASURED_MONTHS else [])
    return {"uscc": plant.enterprise.uscc, "name": plant.enterprise.name, "industry_code": plant.enterprise.industry_code,
            "year": plant.year, "unit_id": unit_id, "fuel_code": "bituminous", "rule": plant.rule,
            "measured_months": list(plant.measured_months), "mean_measured_carbon_pct": mean, "months": months,
            "expected_co2_t": sum(m["co2_t"] for m in months),
            "expected_energy_tce": sum(m["fuel_t"] * m["ncv_gj_per_t"] for m in months) / GJ_PER_TCE[1],
            "factor_ids": factor_ids, "annual_fuel_lines": 0,
            "note": "the GHG report of this year has no fuel line of the enterprise (the unit's annual lines of the "
                    "other years are as usual); every month writes fuel and NCV, elemental carbon only in "
                    "measured_months. CO2 = sum over months FC x C%/100 x 0.99 x 44/12; unmeasured months take the "
                    "arithmetic mean of the measured months' C% when >= 3 are measured, else NCV x 0.03085 tC/GJ "
                    "(MEE's June 2022 notice, for 2021 data too). The enterprise burns bituminous coal only"}


# --- GHG report lines: coal rank and 缺省值 labels ---------------------------------------------------------------
@dataclass
class ReportCases:
    """The last-year GHG lines the completeness cases write (the Line objects themselves, to find their rows)."""

    bracket: Line | None = None
    remark: Line | None = None
    labelled: list[Line] = field(default_factory=list)
    rows: dict[int, int] = field(default_factory=dict)  # id(line) -> row number in the fuel sheet
    file: str | None = None
    sheet: str | None = None


def _enterprise_lines(lines: list[Line], year: int, excluded: set[str]) -> dict[str, list[Line]]:
    """Non-power enterprises' lines of `year`, by USCC in USCC order, leaving out `excluded`."""
    groups: dict[str, list[Line]] = {}
    for ln in lines:
        if (ln.year == year and ln.enterprise.uscc not in excluded
                and ln.enterprise.industry_code not in power_industry_codes()):
            groups.setdefault(ln.enterprise.uscc, []).append(ln)
    return dict(sorted(groups.items()))


def plan_report_cases(reported: list[Line], year: int, excluded: set[str], defaults: dict, rng: random.Random) -> tuple[
        list[Line], ReportCases]:
    """In `year`'s report (the layout with 取值方式 columns): rename one bituminous line `原煤（烟煤）`, add one `原煤` +
    备注 `褐煤` line, label one enterprise's unmeasured lines 缺省值; each on another enterprise none of `excluded`.
    Returns the lines with the added one."""
    cases = ReportCases()
    if year not in {ln.year for ln in reported}:
        return reported, cases
    taken = set(excluded)
    groups = _enterprise_lines(reported, year, taken)
    coal = [ln for group in groups.values() for ln in group if ln.fuel_code == "bituminous"]
    if coal:
        cases.bracket = rng.choice(coal)
        cases.bracket.fuel_name = BRACKET_NAME
        taken.add(cases.bracket.enterprise.uscc)
    rule = key_emitter_rule()
    limits = (1.1 * float(rule["threshold_co2e_t"]), 1.1 * float(rule["threshold_energy_tce"]))
    # well above both thresholds already, so the added coal cannot bring it near one
    big = [group[0].enterprise for uscc, group in _enterprise_lines(reported, year, taken).items()
           if sum(expected_co2(ln, defaults) or 0.0 for ln in group) >= limits[0]
           and sum(ln.quantity * (ln.ncv or defaults[(ln.fuel_code, "ncv")]) for ln in group) / GJ_PER_TCE[1] >= limits[1]]
    if big:
        owner = rng.choice(big)
        cases.remark = Line(owner, year, "锅炉房", "lignite", REMARK_LINE_T, None, None, None, None, REMARK_RANK,
                            fuel_name=REMARK_NAME)
        reported = [*reported, cases.remark]
        taken.add(owner.uscc)
    unmeasured = {uscc: [ln for ln in group if _unmeasured(ln, defaults)]
                  for uscc, group in _enterprise_lines(reported, year, taken).items()}
    most = max((len(v) for v in unmeasured.values()), default=0)
    if most:
        owner = rng.choice([uscc for uscc, v in unmeasured.items() if len(v) == most])
        for ln in unmeasured[owner]:
            ln.ncv_basis = ln.carbon_basis = DEFAULT_LABEL
        cases.labelled = unmeasured[owner]
    return reported, cases


def _unmeasured(line: Line, defaults: dict) -> bool:
    return (line.ncv is None and line.carbon_content is None and line.carbon_pct is None and line.oxidation is None
            and line.fuel_code != "raw_coal" and (line.fuel_code, "ncv") in defaults
            and (line.fuel_code, "carbon_content") in defaults)


def labelled_cells(line: Line, row: list[str], defaults: dict) -> list[str]:
    """A flat fuel-line row (demo._flat_row order) with the 取值方式 cells; a labelled line writes the defaults."""
    if not line.ncv_basis and not line.carbon_basis:
        return [*row, "", "", ""]
    out = list(row)
    gas = _units()[line.fuel_code] != "t"
    out[9], out[10] = f"{defaults[(line.fuel_code, 'ncv')]:g}", "GJ/万Nm3" if gas else "GJ/t"
    out[11] = f"{defaults[(line.fuel_code, 'carbon_content')]:g}"
    return [*out, line.ncv_basis or "", line.carbon_basis or "", ""]


def _units() -> dict[str, str]:
    return dict(zip(fuels()["fuel_code"], fuels()["fuel_unit_code"], strict=True))


def report_cases_entry(cases: ReportCases, defaults: dict) -> dict:
    def where(line: Line) -> dict:
        return {"uscc": line.enterprise.uscc, "year": line.year, "file": cases.file, "sheet": cases.sheet,
                "row_number": cases.rows.get(id(line)), "unit_name": line.unit_name, "quantity_t": line.quantity}

    rank = []
    if cases.remark:
        rank.append({**where(cases.remark), "case": "remark", "fuel_written": REMARK_NAME, "remark": REMARK_RANK,
                     "expected_fuel_code": "lignite", "expected_fuel_rank_source": "remark",
                     "expected_co2_t": expected_co2(cases.remark, defaults),
                     "note": "a line added to the report: 原煤 with 备注 褐煤 counts as lignite (表C.1 褐煤 defaults)"})
    if cases.bracket:
        rank.append({**where(cases.bracket), "case": "bracket", "fuel_written": BRACKET_NAME, "remark": cases.bracket.note,
                     "expected_fuel_code": "bituminous", "expected_fuel_rank_source": "bracket",
                     "expected_co2_t": expected_co2(cases.bracket, defaults),
                     "note": "an existing bituminous line, only its fuel name rewritten"})
    labelled = None
    if cases.labelled:
        first = cases.labelled[0]
        labelled = {"uscc": first.enterprise.uscc, "year": first.year, "file": cases.file, "sheet": cases.sheet,
                    "columns": BASIS_HEADERS, "label": DEFAULT_LABEL,
                    "lines": [{"row_number": cases.rows.get(id(ln)), "unit_name": ln.unit_name, "fuel_code": ln.fuel_code,
                               "ncv_written": defaults[(ln.fuel_code, "ncv")],
                               "carbon_content_written": defaults[(ln.fuel_code, "carbon_content")],
                               "ncv_basis": ln.ncv_basis, "carbon_basis": ln.carbon_basis, "oxidation_basis": None,
                               "expected_parameter_source": "default", "expected_co2_t": expected_co2(ln, defaults)}
                              for ln in cases.labelled],
                    "note": "the enterprise's unmeasured lines write the 表C.1 NCV and carbon content (GB/T 32151.22—2024) "
                            "with 取值方式 缺省值; oxidation stays blank (the default). A stated value labelled 缺省值 "
                            "counts as a default, so parameter_source is default, and CO2 is that of the defaults"}
    return {"coal_rank_lines": rank, "default_labels": labelled}


# --- everything together ---------------------------------------------------------------------------------------
@dataclass
class Completeness:
    statistics_only: list[StatisticsOnly]
    monthly: list[MonthlyPlant]
    report: ReportCases = field(default_factory=ReportCases)
    monthly_file: dict | None = None

    @property
    def enterprises(self) -> list[Enterprise]:
        """Enterprises outside the world's list (files report them all the same)."""
        return [c.enterprise for c in self.statistics_only]

    @property
    def left_out(self) -> set[tuple[str, int]]:
        """(USCC, year) whose annual GHG fuel lines the report leaves out (monthly records only)."""
        return {(p.enterprise.uscc, p.year) for p in self.monthly}

    def world_usccs(self) -> set[str]:
        """World enterprises a completeness case touches."""
        report = [ln for ln in (self.report.bracket, self.report.remark, *self.report.labelled) if ln is not None]
        return {p.enterprise.uscc for p in self.monthly} | {ln.enterprise.uscc for ln in report}

    def usccs(self) -> list[str]:
        return sorted(self.world_usccs() | {e.uscc for e in self.enterprises})

    def basis(self) -> dict[tuple[str, int], Basis]:
        """The register's basis where the cases decide it (no purchased energy in any of them)."""
        out = {}
        for case in self.statistics_only:
            for year, form in case.forms.items():
                energy, co2 = form.expected()
                if co2 is not None:
                    out[(case.enterprise.uscc, year)] = Basis(co2, energy)
        for plant in self.monthly:
            out[(plant.enterprise.uscc, plant.year)] = Basis(plant.truth["expected_co2_t"],
                                                               plant.truth["expected_energy_tce"])
        return out

    def entry(self, years: list[int], defaults: dict) -> dict:
        return {"statistics_only": statistics_only_entry(self.statistics_only, years),
                "monthly_only": {"file": self.monthly_file, "plants": [p.truth for p in self.monthly]},
                **report_cases_entry(self.report, defaults),
                "touched_usccs": self.usccs(),
                "note": "synth/completeness.py: enterprises and figures only one system reports; every case's "
                        "enterprise is in crosscheck.touched_usccs"}


def plan_completeness(world: World, lines: list[Line], statistics: list[Line], reporters: set[str], excluded: set[str],
                      seed: int, monthly_year: int | None) -> tuple[Completeness, list[Line], list[Line]]:
    """Statistics-only enterprises and monthly-only plants of `monthly_year` (the plants made coal-only in `world` and
    the lines)."""
    statistics_only = plan_statistics_only(world, random.Random(seed + 20))
    plants = pick_monthly_plants(world, lines, reporters, excluded, random.Random(seed + 21), monthly_year)
    lines, statistics = coal_only(plants, lines, statistics)
    return Completeness(statistics_only, plants), lines, statistics
