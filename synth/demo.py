"""`synergy synth` / `synergy demo`: write one synthetic province into the inbox, truth into a manifest.

The manifest (outside the inbox) lists every file, every injected anomaly and malformed row, and the
expected CO2 and key-emitter flags, so tests can check the pipeline against known answers.

`manifest["gap_fill"]`: two 相互补充 cases, each from the same site and year of another source:
- fuel_line_missing_from_ghg: a single-site reporter's last-year (2023) GHG report leaves out its diesel or gas line, which
  its G103-1 rows carry (CO2 to fill from core_envstat__boilers with the default factors);
- sulfur_missing_in_statistics: a single-site coal user's G103-1 rows of the year before the last (2022) write 含硫量
  "/", which that year's permit fuel analysis carries (SO2 to fill from core_permit__fuel_analysis).

Cross-check (交叉校核) anomalies (`crosscheck_cases`, and repeated_monthly_parameters here) touch enterprises nothing
else touches; `manifest["crosscheck"]["touched_usccs"]` lists every enterprise that is not clean.

`manifest["completeness"]`: enterprises and figures only one system reports (statistics-only enterprises, power
plants with monthly 存证 but no annual fuel lines, 原煤 lines whose rank is in brackets or 备注, lines labelled 缺省值),
with the values the inventory and the register must show (synth/completeness.py).

`manifest["synergy"]["cases"]`: enterprises whose last-year SO2 and CO2 diverge by design, with the reading they
must get (synth/synergy_cases.py); `manifest["city"]`: the city-indicator file, its missing indicator and
its two bad rows (synth/writers_city.py).
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field, replace
from pathlib import Path

from inventories.reference import key_emitter_rule, power_industry_codes
from synth.completeness import (
    BASIS_HEADERS,
    Completeness,
    ReportCases,
    labelled_cells,
    plan_completeness,
    plan_report_cases,
    write_monthly_only,
)
from synth.crosscheck_cases import pick_statistics_slips, pick_validity_cases, touched_usccs
from synth.identity_dirt import TRUTH_FILE, write_truth
from synth.register_truth import edges, enterprise_basis, expected_register, statistics_view
from synth.synergy_cases import plant_synergy_cases
from synth.world import World, build_world
from synth.writers_cems import write_cems_demo, write_cems_province
from synth.writers_city import write_city_file
from synth.writers_envstat import boiler_fuels_with_permit
from synth.writers_ghg import (
    CO2_PER_C,
    COVERED,
    Line,
    _defaults,
    _fuel_names,
    _line_cells,
    _num,
    _workbook,
    choose_reporters,
    enterprise_year_co2,
    expected_co2,
    plan_lines,
    save_workbook,
    write_csv,
    write_xlsx_merged,
)
from synth.writers_ghg_extras import PROCESS, Extras, add_extra_sheets, plan_extras
from synth.writers_permit import c1_defaults, is_coal, permit_sites

FLAT_HEADERS_2022 = ["年度", "统一社会信用代码", "企业名称", "国民经济行业代码", "所在地区代码", "机组编号", "燃料种类",
                     "消耗量", "计量单位", "低位发热量", "热值单位", "单位热值含碳量(tC/GJ)", "元素碳含量(%)", "碳氧化率(%)",
                     "备注"]
FLAT_HEADERS_2023 = ["报告年份", "社会信用代码", "重点排放单位名称", "行业类别代码", "行政区划代码", "设施名称", "能源品种",
                     "燃料消耗量", "消耗量单位", "平均低位发热量", "热值单位", "单位热值含碳量(tC/GJ)",
                     "收到基元素碳含量(%)", "碳氧化率(%)", "备注", *BASIS_HEADERS]
MERGED_HEADERS = ["报告年度", "统一社会信用代码", "单位名称", "行业代码", "行政区划代码", "排放设施", "燃料品种", "消耗量",
                  "计量单位", "低位发热量", "低位发热量单位", "单位热值含碳量(tC/GJ)", "元素碳含量(%)", "碳氧化率(%)", "备注"]
# Malformed extra lines: (description, field -> bad value). Each replaces one cell of a copied good line.
MALFORMED = [
    ("uscc_check_character", "uscc", None),
    ("quantity_not_a_number", "qty", "1,2O5.3"),
    ("unknown_fuel", "fuel", "煤矸石混烧料"),
    ("negative_quantity", "qty", "-350"),
    ("gas_in_tonnes", "unit", "吨"),
    ("year_missing", "year", ""),
]
FUEL_SHEET_2023 = "燃料燃烧排放"
CORRECTION = 0.9  # the re-submitted line's consumption relative to the first submission
GAP_FILL_GHG_FUELS = ("diesel", "natural_gas")  # the line a GHG report may leave out (gap fill case 1)
# months one power unit's monthly 存证 repeats April's carbon and NCV results (the pattern of the falsified carbon
# test reports made public in 2022)
REPEATED_MONTHS = range(4, 13)


@dataclass(frozen=True)
class ReportYears:
    """The world year of each GHG report layout, and so of the GHG cases planted in it.

    The platform's three exports (merged blocks as of 2021; the flat GB18030 CSV of 2022, dropped twice and
    re-submitted; the XLSX of 2023 with 取值方式 columns and the energy, process and totals sheets) go to every
    earlier year, the year before the last and the last year: 2021-2023 keeps them where they always were, and
    any other span still gets one report per year. A one-year world has no flat year (no re-submission).
    """

    merged: tuple[int, ...]
    flat: int | None
    last: int

    @classmethod
    def of(cls, years: list[int]) -> ReportYears:
        return cls(tuple(years[:-2]), years[-2] if len(years) > 1 else None, years[-1])


def _flat_row(year: int, c: dict, rng: random.Random, fullwidth: bool) -> list[str]:
    uscc = c["uscc"]
    if fullwidth:
        uscc = uscc.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    industry = ("D" if c["industry"].startswith("44") else "C") + c["industry"] if rng.random() < 0.3 else c["industry"]
    region = c["region"] + "000000" if rng.random() < 0.2 else c["region"]
    qty, unit = c["qty"], c["unit"]
    if unit == "吨" and rng.random() < 0.2:
        qty, unit = f"{qty}吨", ""
    name = c["name"].replace("(", "（").replace(")", "）")
    return [str(year), uscc, name, industry, region, c["unit_name"], c["fuel"], qty, unit, c["ncv"], c["ncv_unit"],
            c["cc"], c["pct"], c["ox"], c["note"]]


def _corrupt(row: list[str], kind: str, field: str, value: str | None) -> list[str]:
    bad = list(row)
    index = {"uscc": 1, "qty": 7, "fuel": 6, "unit": 8, "year": 0}[field]
    if kind == "uscc_check_character":
        code = bad[1]
        bad[1] = code[:17] + ("0" if code[17] != "0" else "1")
    elif kind == "gas_in_tonnes":
        bad[6], bad[8] = "天然气", "吨"
    else:
        bad[index] = value or ""
    return bad


def _apply_anomalies(lines: list[Line], world: World, rng: random.Random) -> list[dict]:
    """Disagreeing fuel totals (flat-layout year) and an implausibly low measured carbon content (last year), in the
    GHG lines; a world with no line that fits a case goes without it."""
    years = ReportYears.of(world.years)
    found = []
    disagreement_year = years.flat or years.last
    coal_covered = [ln for ln in lines if ln.year == disagreement_year and ln.fuel_code == "bituminous"
                    and ln.enterprise.industry_code in ("3011", "2221", "2614") and ln.quantity > 30_000]
    target = rng.choice(coal_covered) if coal_covered else None
    if target:
        target.quantity = round(target.quantity * 0.62, 2)
        found.append({"kind": "fuel_disagreement", "uscc": target.enterprise.uscc, "year": disagreement_year,
                      "fuel_code": "bituminous", "ghg_factor": 0.62, "ghg_quantity_t": target.quantity,
                      "note": "GHG report carries 62 % of the coal the permit and statistics files carry"})
    candidates = [ln for ln in lines if ln.year == years.last and ln.carbon_content is not None and ln is not target]
    if candidates:
        low = rng.choice(candidates)
        low.carbon_content = 0.0150
        found.append({"kind": "implausible_coal_carbon_content", "uscc": low.enterprise.uscc, "year": years.last,
                      "fuel_code": low.fuel_code, "carbon_content_tc_per_gj": 0.0150,
                      "plausible_range_tc_per_gj": [0.024, 0.030]})
    return found


def generate(inbox: Path, manifest_path: Path, seed: int = 20261121, n_sites: int = 1500,
             years: tuple[int, int] = (2021, 2023), cems: str = "demo") -> dict:
    """Write the demo inbox and the manifest; returns the manifest.

    cems: "demo" (150 key main outlets with planted cases) or "province" (every permitted outlet, for `synergy bench`).
    """
    world = build_world(seed, n_sites, years)
    synergy_cases = plant_synergy_cases(world, random.Random(seed + 18))  # before any file is written
    defaults = _defaults()
    plan = _plan_clear_of_threshold(world, seed, defaults)
    anomalies = [*plan.anomalies, *(case for case in (plan.missing, plan.captive) if case)]
    designed = {c["uscc"] for c in synergy_cases} | {c["uscc"] for c in plan.designed}
    layouts = ReportYears.of(world.years)
    done, plan.lines, plan.statistics = plan_completeness(world, plan.lines, plan.statistics, plan.reporters,
                                                          _gap_fill_excluded(world, [], anomalies) | designed, seed,
                                                          layouts.flat)
    reported = _with_raw_coal([ln for ln in plan.lines if ln.enterprise.uscc in plan.reporters], world.years[0],
                              anomalies)
    reported, done.report = plan_report_cases(reported, layouts.last, _gap_fill_excluded(world, reported, anomalies)
                                              | designed | done.world_usccs(), defaults, random.Random(seed + 23))
    ghg = _write_ghg(inbox / "ghg", reported, world, seed, anomalies, defaults, plan.extras[layouts.last], done)
    effective, dropped = ghg.pop("effective_lines"), ghg.pop("dropped_line")
    # touched, but not (yet) named by USCC in the manifest: malformed GHG rows' and 原煤 lines' owners, the namesakes
    unnamed = ghg.pop("malformed_owners") | _gap_fill_excluded(world, reported, anomalies)
    gap_fill = [c for c in (ghg.pop("gap_fill"),) if c]
    manifest = {
        "synthetic": True,
        "note": "合成演示数据 synthetic demo data: every enterprise name starts with 演示",
        "seed": seed, "years": world.years,
        "counts": {"sites": len(world.sites) + len(done.enterprises),  # a statistics-only enterprise: its `<USCC>-E`
                   "enterprises": len(world.enterprises) + len(done.enterprises), "ghg_reporters": len(plan.reporters)},
        "ghg": {**ghg, "expected_enterprise_year": _expected_ghg(effective, defaults)},
        "key_emitters": _register_truth(world, plan, effective, dropped, defaults, done),
        "anomalies": anomalies,
        "gap_fill": gap_fill,
        "completeness": done.entry(world.years, defaults),
    }
    anomalies += pick_validity_cases(world, plan.reporters, plan.reporter_years(effective),
                                     touched_usccs(manifest, unnamed), random.Random(seed + 15))
    truth: list[dict] = []
    resubmitted = {ghg["resubmission"]["uscc"]} if ghg["resubmission"] else set()
    excluded = _gap_fill_excluded(world, reported, anomalies) | resubmitted | set(done.usccs())
    manifest.update(_other_systems(world, inbox, seed, anomalies, truth, gap_fill, excluded,
                                   touched_usccs(manifest, unnamed), done))
    manifest["completeness"] = done.entry(world.years, defaults)  # again: now with the 基101 rows as written
    # the city-indicator file (城市指标) the city synergy index reads; its own stream, so no other number moves
    manifest["city"] = write_city_file(world, inbox, random.Random(seed + 17))
    for case in gap_fill:
        if case["kind"] == "fuel_line_missing_from_ghg":
            ncv, cc, of = (c1_defaults()[(case["fuel_code"], p)] for p in ("ncv", "cc", "of"))
            case["expected_co2_mass_t"] = round(case["fuel_consumed_units"] * ncv * cc * of * CO2_PER_C, 6)
    write_truth(manifest_path.parent / TRUTH_FILE, truth)
    manifest["identity"] = {
        "truth_file": TRUTH_FILE, "envstat_rows": len(truth),
        "no_identifier_rows": sum(1 for t in truth if t["written_code"] == "none"),
        "namesake": _namesake_entry(world),
        "rule": "identity_truth.csv gives every statistics row's true enterprise (uscc) and site (facility_id, "
                "null for an enterprise-level row of a multi-site enterprise); permit and GHG rows carry their true "
                "permit number or USCC as written",
    }
    others = touched_usccs(manifest, unnamed)
    manifest["synergy"] = {
        "cases": [{**case, "touched_by_other_case": case["uscc"] in others} for case in synergy_cases],
        "rule": "each case's last year is rewritten from the year before (coal and gas heat multipliers) so that its SO2 "
                "against CO2 reads as `expected` in out_synergy__yearly_enterprise; a case another injected problem "
                "touches (touched_by_other_case) may read otherwise",
    }
    manifest["cems"] = (write_cems_province(world, inbox, random.Random(seed + 19)) if cems == "province" else
                        write_cems_demo(world, inbox, random.Random(seed + 19), others | {c["uscc"] for c in synergy_cases}))
    manifest["crosscheck"] = {
        "touched_usccs": sorted(others | {case["uscc"] for case in synergy_cases}
                                | {c["permit_no"][:18] for c in [manifest["cems"].get("over_report")] if c}),
        "note": "enterprises an anomaly, malformed row, gap-fill case, the re-submission, a designed key-emitter case, "
                "the namesake pair, a missing reporter, a synergy case or a completeness case touches (also owners of "
                "malformed GHG rows and 原煤 lines); "
                "every other enterprise is clean: cross-checks must raise nothing on it",
    }
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return manifest


def _namesake_entry(world: World) -> dict | None:
    """The enterprise whose name-only statistics row fits two legal persons in one city (expected: review)."""
    original = next((e for e in world.enterprises if e.unidentified_year), None)
    if original is None:
        return None
    twin = world.enterprises[-1]
    return {"uscc": original.uscc, "name": original.name, "year": original.unidentified_year,
            "namesake_uscc": twin.uscc, "namesake_name": twin.name, "expected": "ambiguous, in out_qa__match_review"}


@dataclass
class Plan:
    """Everything decided before a file is written: fuel lines, who reports, and the GHG report's extra sheets."""

    lines: list[Line]
    statistics: list[Line]  # the same fuel as the statistics form carries it, before the GHG anomalies
    anomalies: list[dict]
    reporters: set[str]
    missing: dict | None
    captive: dict | None
    extras: dict[int, Extras]
    designed: list[dict] = field(default_factory=list)  # enterprises set to test the energy criterion and new entry

    def reporter_years(self, lines: list[Line]) -> set[tuple[str, int]]:
        return {(ln.enterprise.uscc, ln.year) for ln in lines if ln.enterprise.uscc in self.reporters}


def _plan_once(world: World, seed: int, defaults: dict) -> Plan:
    lines = plan_lines(world, random.Random(seed + 2), defaults)
    statistics = [statistics_view(ln) for ln in lines]
    anomalies = _apply_anomalies(lines, world, random.Random(seed + 3))
    totals = enterprise_year_co2(lines, defaults)
    reporters, missing = choose_reporters(world, totals, random.Random(seed + 4))
    captive = _pick_captive(world, enterprise_year_co2(statistics, defaults), reporters)
    year = ReportYears.of(world.years).last  # the layout with the energy-flow, process and totals sheets
    last = sorted({ln.enterprise.uscc: ln.enterprise for ln in lines
                   if ln.year == year and ln.enterprise.uscc in reporters}.items())
    extras = {year: plan_extras([e for _, e in last], year, random.Random(seed + 10))}
    return Plan(lines, statistics, anomalies, reporters, missing, captive, extras)


def _plan_clear_of_threshold(world: World, seed: int, defaults: dict) -> Plan:
    """The plan with every enterprise-year's expected emissions and energy clear of the key-emitter thresholds.

    Rounding and parameter differences must not flip a flag, so edge enterprises get 10 % more heat and the plan
    is redone.
    """
    targets = _design_register_cases(world)
    for _ in range(12):
        plan = _plan_once(world, seed, defaults)
        basis = enterprise_basis(plan.lines, plan.statistics, plan.reporter_years(plan.lines), plan.extras, defaults)
        scale = {key: 1.1 for key in edges(basis)}
        for key, (metric, target) in targets.items():
            value = getattr(basis[key], metric)
            if abs(target / value - 1) > 0.02:
                scale[key] = target / value
        if not scale:
            plan.designed = _designed_entries(targets)
            return plan
        for (uscc, year), factor in scale.items():
            for ent in (e for e in world.enterprises if e.uscc == uscc):
                for site in ent.sites:
                    site.fuel_heat_gj[year] = {f: h * factor for f, h in site.fuel_heat_gj[year].items()}
    raise ValueError(f"enterprise-years stay near a key-emitter threshold or off their design: {sorted(scale)[:5]}")


def _design_register_cases(world: World) -> dict[tuple[str, int], tuple[str, float]]:
    """Two enterprises the register must judge by more than one year's CO2 (targets per enterprise-year).

    - energy only: a single-site enterprise of a covered non-power industry without process emissions, burning
      natural gas only, at 1.15x the energy threshold: its CO2 (about 1.6 t/tce) stays below the emissions threshold
      and below the 20,000 t at which the demo's covered enterprises report, so it is also missing from reporting;
    - newly entering: a covered non-power enterprise at 0.5x the emissions threshold until the last year, then 1.5x.
    """
    rule = key_emitter_rule()
    co2_limit, tce_limit = float(rule["threshold_co2e_t"]), float(rule["threshold_energy_tce"])
    # not the industries the GHG anomalies and the missing reporter are drawn from, nor ones with process lines
    pool = sorted((e for e in world.enterprises if e.industry_code in COVERED and e.industry_code not in
                   power_industry_codes() | {"3011", "2221", "2614"} | set(PROCESS) and len(e.sites) == 1),
                  key=lambda e: e.uscc)
    if len(pool) < 2:
        return {}
    gas, rising = pool[0], pool[1]
    years, last = world.years, max(world.years)
    for year in years:
        gas.sites[0].fuel_heat_gj[year] = {"natural_gas": sum(gas.sites[0].fuel_heat_gj[year].values())}
    targets = {(gas.uscc, y): ("energy_tce", 1.15 * tce_limit) for y in years}
    targets |= {(rising.uscc, y): ("co2e_t", (1.5 if y == last else 0.5) * co2_limit) for y in years}
    return targets


def _designed_entries(targets: dict[tuple[str, int], tuple[str, float]]) -> list[dict]:
    by_uscc: dict[str, dict] = {}
    for (uscc, year), (metric, target) in sorted(targets.items()):
        by_uscc.setdefault(uscc, {"uscc": uscc, "metric": metric, "targets": {}})["targets"][str(year)] = round(target, 1)
    return list(by_uscc.values())


def _pick_captive(world: World, statistics_co2: dict[tuple[str, int], float], reporters: set[str]) -> dict | None:
    """A non-covered enterprise, not reporting, with permits only, whose permit 行业类别 will also name 热电联产.

    Its own industry is outside the scope, so only the captive power unit puts it on the register (and it files no
    GHG report: missing from reporting). The largest such emitter is taken, so it stays clear of the threshold.
    """
    for enterprise in world.enterprises:
        enterprise.captive_power = False
    threshold = float(key_emitter_rule()["threshold_co2e_t"])
    candidates = [e for e in world.enterprises if e.industry_code not in COVERED and e.uscc not in reporters
                  and all(s.management_category != "登记管理" for s in e.sites)]
    lowest = {e.uscc: min(statistics_co2.get((e.uscc, y), 0.0) for y in world.years) for e in candidates}
    if not candidates or max(lowest.values()) < 1.2 * threshold:
        return None
    chosen = max(candidates, key=lambda e: (lowest[e.uscc], e.uscc))
    chosen.captive_power = True
    return {"kind": "captive_power_missing_from_ghg_reporting", "uscc": chosen.uscc, "enterprise_name": chosen.name,
            "industry_code": chosen.industry_code, "permit_no": [s.permit_no for s in chosen.sites],
            "note": "permit 行业类别 adds 热电联产: a captive power unit, counted as power, so the enterprise is covered; "
                    "it files no GHG report"}


def _with_raw_coal(reported: list[Line], year: int, anomalies: list[dict]) -> list[Line]:
    """Raw coal in the first year: one line with measured carbon and oxidation, one with neither (the judgement
    defaults JDG-raw_coal-cc/of of inventories/factors/cn_default apply: 原煤 outside power is computable, no finding).
    A world with fewer than two non-power bituminous reporters that year has neither."""
    coal_lines = sorted((ln for ln in reported if ln.fuel_code == "bituminous" and ln.year == year
                         and ln.enterprise.industry_code not in ("4411", "4412")), key=lambda ln: ln.enterprise.uscc)
    if len(coal_lines) < 2:
        return reported
    raw_ok = Line(coal_lines[0].enterprise, year, "锅炉房", "raw_coal", 1200.0, None, 0.0262, None, 0.93, "原煤")
    raw_bad = Line(coal_lines[1].enterprise, year, "锅炉房", "raw_coal", 800.0, None, None, None, None, "原煤未化验")
    anomalies.append({"kind": "raw_coal_judgement_default", "uscc": raw_bad.enterprise.uscc, "year": year,
                      "fuel_code": "raw_coal", "quantity_t": raw_bad.quantity, "remark": raw_bad.note,
                      "factor_ids": ["GB2589-raw_coal-ncv", "JDG-raw_coal-cc", "JDG-raw_coal-of"],
                      "expected_co2_t": raw_bad.quantity * 20.908 * 0.0261 * 0.93 * CO2_PER_C,
                      "note": "原煤 without rank or measured carbon: GB/T 2589 NCV x the judgement carbon content and "
                              "oxidation (烟煤 of 表C.1); computable, so no cross-check finding (it was "
                              "uncomputable_fuel_line before the judgement rows)"})
    return [*reported, raw_ok, raw_bad]


def _write_ghg(folder: Path, reported: list[Line], world: World, seed: int, anomalies: list[dict],
               defaults: dict, extras: Extras, done: Completeness | None = None) -> dict:
    """The GHG report files in drop order; returns the manifest's ghg part plus the lines that count after correction
    (and without the line gap fill case 1 leaves out), that case ("gap_fill", None if no enterprise fits) and the
    enterprises whose rows the malformed rows copy ("malformed_owners"). Appends repeated_monthly_parameters.
    The layouts go to the years of `ReportYears`; without a flat-layout year there is no re-submission (None)."""
    years = ReportYears.of(world.years)
    folder.mkdir(parents=True, exist_ok=True)
    names, render = _fuel_names(), random.Random(seed + 5)
    by_year: dict[int, list[Line]] = {y: [] for y in world.years}
    for ln in sorted(reported, key=lambda ln: (ln.year, ln.enterprise.uscc, ln.unit_name, ln.fuel_code)):
        by_year[ln.year].append(ln)
    left_out = done.left_out if done else set()  # (USCC, year) with monthly 存证 only: no annual fuel lines
    protected = set(done.usccs()) if done else set()
    files = [_write_merged(folder, year, by_year[year], render, names) for year in years.merged]
    csv_file = (_write_flat(folder, years.flat, by_year[years.flat], render, names, anomalies, left_out)
                if years.flat else Written(None))
    excluded = {a["uscc"] for a in anomalies if "uscc" in a} | csv_file.malformed_owners | protected
    excluded |= {ln.enterprise.uscc for ln in reported if ln.fuel_code == "raw_coal"}
    resubmission, effective = _resubmit(folder, by_year.get(years.flat, []), reported, excluded, csv_file.copies,
                                        defaults, seed)
    effective = [ln for ln in effective if (ln.enterprise.uscc, ln.year) not in left_out]
    excluded |= _gap_fill_excluded(world, reported, anomalies) | ({resubmission["uscc"]} if resubmission else set())
    dropped = _pick_missing_line(world, by_year[years.last], effective, excluded, defaults, random.Random(seed + 12))
    effective = [ln for ln in effective if ln is not dropped]
    combustion = {u: v for (u, y), v in enterprise_year_co2(effective, defaults).items() if y == years.last}
    xlsx_file, extras_truth = _write_last(folder, years.last, by_year[years.last], render, names, combustion, extras,
                                          dropped, done.report if done else None, defaults)
    excluded |= xlsx_file.malformed_owners | ({dropped.enterprise.uscc} if dropped else set())
    repeated = _pick_repeated_unit(by_year[years.last], excluded, random.Random(seed + 14))
    monthly, copied = _write_power_monthly(folder, years.last, by_year[years.last], random.Random(seed + 6), repeated)
    anomalies += [copied] if copied else []
    resubmitted = resubmission and {"path": resubmission["path"], "rows": resubmission["rows"], "encoding": None,
                                    "rejected": 0}
    files += [entry for entry in (csv_file.entry, resubmitted, xlsx_file.entry, monthly) if entry]
    if done and done.monthly:
        done.monthly_file = write_monthly_only(folder, done.monthly, reported, defaults, random.Random(seed + 22))
        files += [done.monthly_file] if done.monthly_file else []
    if resubmission:
        _stamp_last(folder / Path(resubmission["path"]).name, 10)
    return {"files": files, "rejected_rows": csv_file.rejected + xlsx_file.rejected, "extras": extras_truth,
            "resubmission": resubmission, "effective_lines": effective, "dropped_line": dropped,
            "gap_fill": _missing_line_case(dropped),
            "malformed_owners": csv_file.malformed_owners | xlsx_file.malformed_owners}


@dataclass
class Written:
    """One written file: its manifest entry, its malformed rows and whose good rows they were copied from."""

    entry: dict | None  # None: not written (a world without that layout's year)
    rejected: list[dict] = field(default_factory=list)
    malformed_owners: set[str] = field(default_factory=set)
    copies: list[str] = field(default_factory=list)  # this file and identical copies dropped later


def _write_merged(folder: Path, year: int, lines: list[Line], render: random.Random, names: dict[str, str]) -> dict:
    """XLSX with a title row and enterprise columns merged down each block (the 2021 export)."""
    blocks: dict[str, list[dict]] = {}
    for ln in lines:
        blocks.setdefault(ln.enterprise.uscc, []).append(_line_cells(ln, render, names, flat=False))
    path = folder / f"{year}年度温室气体排放报告汇总_演示数据.xlsx"
    row_numbers = write_xlsx_merged(path, year, list(blocks.values()), MERGED_HEADERS,
                                    f"{year}年度重点企业温室气体排放报告——化石燃料燃烧（演示数据，合成）")
    return {"path": f"ghg/{path.name}", "rows": len(row_numbers), "encoding": None, "rejected": 0}


def _insert_malformed(rows: list[list[str]], owners: list[str], kinds: list[tuple], parts: int) -> tuple[list[dict], set]:
    """Insert a corrupted copy of a good row per kind, at increasing positions (later ones do not shift earlier);
    none into a file without good rows."""
    bad = []
    for i, (kind, field_name, value) in enumerate(kinds if rows else []):
        at = (i + 1) * len(rows) // parts
        rows.insert(at, _corrupt(rows[at], kind, field_name, value))
        owners.insert(at, owners[at])
        bad.append({"row_number": at + 2, "problem": kind})  # Excel/CSV row = index + 2 (header is row 1)
    return bad, {owners[b["row_number"] - 2] for b in bad}


def _write_flat(folder: Path, year: int, lines: list[Line], render: random.Random, names: dict[str, str],
               anomalies: list[dict], left_out: set[tuple[str, int]] = frozenset()) -> Written:
    """Flat CSV in GB18030 (the 2022 export), units in cells, full-width digits, '/' and '—'; dropped twice.

    Lines of `left_out` enterprise-years are rendered like every line (the others keep their draws), then left out.
    """
    rows = [_flat_row(year, _line_cells(ln, render, names, flat=True), render, render.random() < 0.03) for ln in lines]
    kept = [(ln.enterprise.uscc, ln.year) not in left_out for ln in lines]
    rows = [row for row, k in zip(rows, kept, strict=True) if k]
    lines = [ln for ln, k in zip(lines, kept, strict=True) if k]
    bad, owners = _insert_malformed(rows, [ln.enterprise.uscc for ln in lines], MALFORMED[:4], 5)
    path = folder / f"{year}年度温室气体排放报告汇总_演示数据.csv"
    write_csv(path, FLAT_HEADERS_2022, rows, "gb18030")
    duplicate = folder / f"{year}年度温室气体排放报告汇总_演示数据(1).csv"
    duplicate.write_bytes(path.read_bytes())
    stamp = path.stat().st_mtime + 1  # dropped later than the original
    os.utime(duplicate, (stamp, stamp))
    anomalies.append({"kind": "duplicate_file", "path": f"ghg/{duplicate.name}", "duplicate_of": f"ghg/{path.name}"})
    entry = {"path": f"ghg/{path.name}", "rows": len(rows), "encoding": "gb18030", "rejected": len(bad)}
    return Written(entry, [{"file": entry["path"], "sheet": None, **b} for b in bad], owners,
                   [entry["path"], f"ghg/{duplicate.name}"])


def _append_flat(sheet, rows: list[list[str]]) -> None:
    """FLAT_HEADERS_2023 and the rows, numbers as numeric cells, blanks as empty cells."""
    sheet.append(FLAT_HEADERS_2023)
    for row in rows:
        row = [*row, *[""] * (len(FLAT_HEADERS_2023) - len(row))]  # 取值方式 cells blank unless given
        sheet.append([_num(v) if i in (7, 9, 11, 12, 13) else (v or None) for i, v in enumerate(row)])


def _write_last(folder: Path, year: int, lines: list[Line], render: random.Random, names: dict[str, str],
               combustion: dict[str, float], planned: Extras, dropped: Line | None = None,
               cases: ReportCases | None = None, defaults: dict | None = None) -> tuple[Written, dict]:
    """XLSX with other header spellings (the 2023 export), two malformed fuel rows, then the energy, process and
    totals sheets.

    `dropped` (gap fill case 1) is rendered like every line, so the other lines' cells keep their draws, then left out.
    Lines labelled 缺省值 (`cases.labelled`) write the default NCV and carbon content with their 取值方式 cells; `cases.rows`
    gets the row number of every case line.
    """
    book = _workbook()
    sheet = book.active
    sheet.title = FUEL_SHEET_2023
    data = [_flat_row(year, _line_cells(ln, render, names, flat=False), render, False) for ln in lines]
    data = [labelled_cells(ln, row, defaults or {}) for row, ln in zip(data, lines, strict=True) if ln is not dropped]
    lines = [ln for ln in lines if ln is not dropped]
    line_of = {id(row): ln for row, ln in zip(data, lines, strict=True)}
    bad, owners = _insert_malformed(data, [ln.enterprise.uscc for ln in lines], MALFORMED[4:], 3)
    _append_flat(sheet, data)
    reporters = list({ln.enterprise.uscc: ln.enterprise for ln in lines}.values())
    extras = add_extra_sheets(book, reporters, year, combustion, planned)
    path = folder / f"{year}年度温室气体排放报告_演示数据.xlsx"
    save_workbook(book, path)
    if cases is not None:
        cases.file, cases.sheet = f"ghg/{path.name}", FUEL_SHEET_2023
        cases.rows = {id(line_of[id(row)]): i + 2 for i, row in enumerate(data) if id(row) in line_of}
    sheets = {FUEL_SHEET_2023: len(data), **{s["sheet"]: s["rows"] for s in extras["sheets"]}}
    # rows: data rows over every sheet (what a reader of all GHG layouts reads); sheets: per sheet
    entry = {"path": f"ghg/{path.name}", "rows": sum(sheets.values()), "encoding": None, "rejected": len(bad),
             "sheets": sheets}
    rejected = [{"file": entry["path"], "sheet": FUEL_SHEET_2023, **b} for b in bad]
    return Written(entry, rejected, owners), {"file": entry["path"], **extras}


def _by_enterprise(lines: list[Line]) -> list[tuple[str, list[Line]]]:
    """Lines grouped by USCC, in USCC order (deterministic picks)."""
    groups: dict[str, list[Line]] = {}
    for ln in lines:
        groups.setdefault(ln.enterprise.uscc, []).append(ln)
    return sorted(groups.items())


def _clear_of_threshold(co2_t: float) -> bool:
    """Outside 0.97–1.03 x the key-emitter threshold, so rounding cannot flip a flag."""
    threshold = float(key_emitter_rule()["threshold_co2e_t"])
    return not 0.97 * threshold <= co2_t <= 1.03 * threshold


def _pick_correction(lines: list[Line], excluded: set[str], defaults: dict,
                     rng: random.Random) -> tuple[Line, Line] | None:
    """A non-power reporter with >= 2 lines and no anomaly; its largest line re-submitted at 90 % of the quantity.

    Candidates whose corrected total lands near the key-emitter threshold are skipped (flags must not hang on rounding);
    None when no enterprise fits (a small province).
    """
    candidates = []
    for uscc, group in _by_enterprise(lines):
        co2 = [expected_co2(ln, defaults) for ln in group]
        if uscc in excluded or len(group) < 2 or None in co2 or group[0].enterprise.industry_code in power_industry_codes():
            continue
        largest = max(range(len(group)), key=lambda i: co2[i])
        if _clear_of_threshold(sum(co2) - 0.1 * co2[largest]):
            candidates.append(group[largest])
    if not candidates:
        return None
    original = rng.choice(candidates)
    return original, replace(original, quantity=round(original.quantity * CORRECTION, 2), note="更正：消耗量按核查结果调整")


def _write_resubmission(folder: Path, lines: list[Line], original: Line, corrected: Line, names: dict[str, str],
                        rng: random.Random) -> dict:
    """The enterprise's complete fuel lines of the flat-layout year again, one corrected, in the 2023 flat layout."""
    mine = [corrected if ln is original else ln for ln in lines if ln.enterprise is original.enterprise]
    book = _workbook()
    book.active.title = FUEL_SHEET_2023
    year = corrected.year
    _append_flat(book.active, [_flat_row(year, _line_cells(ln, rng, names, flat=False), rng, False) for ln in mine])
    path = folder / f"{year}年度温室气体排放报告_更正_演示数据.xlsx"
    save_workbook(book, path)
    row = next(i + 2 for i, ln in enumerate(mine) if ln is corrected)
    line = {"row_number": row, "unit_name": corrected.unit_name, "fuel_code": corrected.fuel_code,
            "original_quantity": original.quantity, "corrected_quantity": corrected.quantity, "factor": CORRECTION}
    return {"path": f"ghg/{path.name}", "rows": len(mine), "corrected_line": line,
            "note": "permit and envstat files keep the uncorrected quantity of this line"}


def _resubmit(folder: Path, lines: list[Line], reported: list[Line], excluded: set[str], supersedes: list[str],
              defaults: dict, seed: int) -> tuple[dict | None, list[Line]]:
    """Pick, write and describe the corrected re-submission of the flat-layout year's `lines`; returns its manifest
    entry (None when no enterprise fits) and the lines that count."""
    picked = _pick_correction(lines, excluded, defaults, random.Random(seed + 9))
    if picked is None:
        return None, reported
    original, corrected = picked
    entry = _write_resubmission(folder, lines, original, corrected, _fuel_names(), random.Random(seed + 11))
    effective = [corrected if ln is original else ln for ln in reported]
    key = (corrected.enterprise.uscc, corrected.year)
    entry["corrected_line"].update(original_co2_t=expected_co2(original, defaults),
                                   corrected_co2_t=expected_co2(corrected, defaults))
    entry.update(uscc=key[0], year=key[1], supersedes=supersedes, co2_mass_t=enterprise_year_co2(effective, defaults)[key],
                 superseded_co2_mass_t=enterprise_year_co2(reported, defaults)[key])
    return entry, effective


def _stamp_last(path: Path, seconds: float) -> None:
    """Make `path` the latest drop in its folder (the pipeline orders files by mtime)."""
    latest = max(p.stat().st_mtime for p in path.parent.iterdir() if p != path)
    os.utime(path, (latest + seconds, latest + seconds))


def _expected_ghg(lines: list[Line], defaults: dict) -> list[dict]:
    """Expected GHG-reported combustion CO2 per enterprise-year from the lines that count."""
    expected = []
    for (uscc, year), value in sorted(enterprise_year_co2(lines, defaults).items()):
        uncomputed = sum(1 for ln in lines if ln.enterprise.uscc == uscc and ln.year == year
                         and expected_co2(ln, defaults) is None)
        expected.append({"uscc": uscc, "year": year, "co2_mass_t": value, "uncomputed_line_count": uncomputed})
    return expected


def _register_truth(world: World, plan: Plan, effective: list[Line], dropped: Line | None, defaults: dict,
                    done: Completeness | None = None) -> dict:
    """The expected register from the lines as written: a line a GHG report leaves out is filled from statistics.

    The completeness cases decide their own enterprise-years: statistics-only enterprises by their 基101 rows, the
    monthly-only plants' year by the monthly records (which outrank the statistics calculation; the plant reports).
    """
    reported = effective + ([statistics_view(dropped)] if dropped else [])
    # a plant that files only the monthly 存证 in a year reports too (inventories.key_emitters.ghg_reporters)
    reporter_years = plan.reporter_years(effective) | (done.left_out if done else set())
    basis = enterprise_basis(reported, plan.statistics, reporter_years, plan.extras, defaults)
    basis.update(done.basis() if done else {})
    others = done.enterprises if done else []
    register = {**expected_register(world, basis, reporter_years, others), "designed_cases": plan.designed}
    near = edges(basis)
    if near:  # the cases written after planning moved these near a threshold (not in the tested demo worlds)
        register["near_threshold"] = [list(key) for key in near]
        register["rule"] += "; except the enterprise-years in near_threshold, whose flag rounding may decide"
    return register


def _pick_repeated_unit(lines: list[Line], excluded: set[str], rng: random.Random) -> Line | None:
    """A power unit's coal line with measured carbon and NCV (so it has monthly rows), of an enterprise no case touches."""
    candidates = [ln for ln in lines if ln.enterprise.industry_code in power_industry_codes()
                  and ln.carbon_pct is not None and ln.ncv is not None and ln.enterprise.uscc not in excluded]
    return rng.choice(candidates) if candidates else None


def _write_power_monthly(folder: Path, year: int, lines: list[Line], rng: random.Random,
                         repeated: Line | None = None) -> tuple[dict | None, dict | None]:
    """Power units' monthly 存证 rows (source-formats.md §3.1), coal lines split over 12 months; file entry and anomaly.

    `repeated`'s unit writes April's 元素碳含量 and 低位发热量 unchanged in every month of REPEATED_MONTHS (the draws
    are made all the same, so every other row is as without it); its annual GHG line is unchanged. No file (None)
    when `year` has no measured coal line.
    """
    headers = ["统一社会信用代码", "单位名称", "机组编号", "年月", "燃料品种", "燃料消耗量(t)", "低位发热量(GJ/t)",
               "元素碳含量(%)", "氢含量(%)", "全硫(%)", "水分(%)", "购入使用电量(MWh)", "发电量(MWh)", "供电量(MWh)",
               "供热量(GJ)", "负荷(出力)系数(%)", "运行小时数(h)"]
    rows = []
    copied: tuple[str, str] | None = None
    for ln in lines:
        if ln.carbon_pct is None or ln.ncv is None:
            continue
        weights = [rng.uniform(0.7, 1.3) for _ in range(12)]
        for month, w in enumerate(weights, start=1):
            qty = ln.quantity * w / sum(weights)
            generation = qty * ln.ncv / 9.0  # illustrative heat rate, MWh per 9 GJ
            ncv, carbon = f"{ln.ncv * rng.uniform(0.99, 1.01):.3f}", f"{ln.carbon_pct * rng.uniform(0.99, 1.01):.2f}"
            if ln is repeated and month in REPEATED_MONTHS:
                copied = copied or (ncv, carbon)
                ncv, carbon = copied
            rows.append([ln.enterprise.uscc, ln.enterprise.name, ln.unit_name, f"{ln.year}{month:02d}", "烟煤",
                         f"{qty:.2f}", ncv, carbon, f"{rng.uniform(3, 4):.2f}",
                         f"{rng.uniform(0.4, 1.2):.2f}", f"{rng.uniform(6, 12):.1f}", f"{generation * 0.005:.1f}",
                         f"{generation:.1f}", f"{generation * 0.94:.1f}", "", f"{rng.uniform(55, 85):.1f}",
                         f"{rng.randint(500, 744)}"])
    if not rows:
        return None, None
    path = folder / f"发电设施月度存证_{year}_演示数据.csv"
    write_csv(path, headers, rows, "utf-8-sig")
    entry = {"path": f"ghg/{path.name}", "rows": len(rows), "encoding": "utf-8-sig", "rejected": 0,
             "layout": "power_monthly", "ingested_from": "issue 3 (not read by the foundation slice)"}
    if repeated is None or copied is None:
        return entry, None
    return entry, {"kind": "repeated_monthly_parameters", "uscc": repeated.enterprise.uscc, "unit_id": repeated.unit_name,
                   "year": repeated.year, "months": list(REPEATED_MONTHS), "carbon_mass_fraction_pct": float(copied[1]),
                   "ncv_gj_per_unit": float(copied[0]), "file": entry["path"],
                   "note": "元素碳含量(%) and 低位发热量 of the first of these months written unchanged in every one of them "
                           "(other months and units vary about ±1 %); the annual GHG line is unchanged"}


def _other_systems(world: World, inbox: Path, seed: int, anomalies: list[dict], truth: list[dict], gap_fill: list[dict],
                   excluded: set[str], touched: set[str], done: Completeness | None = None) -> dict:
    """Permit and environmental-statistics files, rendered from the same world.

    Gap fill case 2 is picked once the permit anomaly is known; `gap_fill` gets it and both cases' G103-1 truth.
    The G103-1 slips are picked after it, clear of `touched` and every case so far; `anomalies` gets them, completed.
    Malformed statistics rows spare all of these.
    """
    from synth.writers_envstat import write_envstat_files
    from synth.writers_permit import write_permit_files

    shared = {a["kind"]: a for a in anomalies}
    permit = write_permit_files(world, inbox, random.Random(seed + 7), shared)
    excluded = excluded | {m["uscc"] for m in permit if "uscc" in m} | {c["uscc"] for c in gap_fill}
    sulfur = _pick_sulfur_gap(world, excluded, random.Random(seed + 13))
    gap_fill += [sulfur] if sulfur else []
    touched = touched | excluded | {c["uscc"] for c in gap_fill}
    slips = pick_statistics_slips(world, touched, random.Random(seed + 16))
    anomalies += slips
    shared |= {s["kind"]: s for s in slips}
    return {"permit": permit,
            "envstat": write_envstat_files(world, inbox, random.Random(seed + 8), shared, truth, gap_fill, touched,
                                           done.statistics_only if done else ())}


def _gap_fill_excluded(world: World, reported: list[Line], anomalies: list[dict]) -> set[str]:
    """Enterprises a gap-fill case must not be: any anomaly's, the raw-coal lines' owners and the namesake pair."""
    excluded = {a["uscc"] for a in anomalies if "uscc" in a}
    excluded |= {ln.enterprise.uscc for ln in reported if ln.fuel_code == "raw_coal"}
    namesake = _namesake_entry(world)
    return excluded | ({namesake["uscc"], namesake["namesake_uscc"]} if namesake else set())


def _pick_missing_line(world: World, lines: list[Line], effective: list[Line], excluded: set[str], defaults: dict,
                       rng: random.Random) -> Line | None:
    """Gap fill case 1: the diesel or gas line a single-site, non-power reporter leaves out of its last-year report.

    The enterprise has another line that year, that year's statistics have G103-1 rows of that fuel with the permit
    number, and without the line its CO2 stays clear of the key-emitter threshold edge in every year.
    """
    candidates = []
    for uscc, group in _by_enterprise(lines):
        enterprise = group[0].enterprise
        if (uscc in excluded or len(enterprise.sites) != 1 or enterprise.industry_code in power_industry_codes()
                or len(group) < 2 or not any(ln.fuel_code in GAP_FILL_GHG_FUELS for ln in group)):
            continue
        in_statistics = boiler_fuels_with_permit(enterprise, group[0].year, world.years[0])
        for ln in (ln for ln in group if ln.fuel_code in GAP_FILL_GHG_FUELS and ln.fuel_code in in_statistics):
            totals = enterprise_year_co2([x for x in effective if x.enterprise.uscc == uscc and x is not ln], defaults)
            if all(_clear_of_threshold(v) for v in totals.values()):
                candidates.append(ln)
    return rng.choice(candidates) if candidates else None


def _missing_line_case(line: Line | None) -> dict | None:
    if line is None:
        return None
    return {"kind": "fuel_line_missing_from_ghg", "uscc": line.enterprise.uscc,
            "facility_id": line.enterprise.sites[0].permit_no, "year": line.year, "fuel_code": line.fuel_code,
            "species": "CO2", "scope": "combustion", "filled_from": "envstat", "source_table": "core_envstat__boilers",
            "note": f"the {line.year} GHG report leaves out this fuel line; the site's G103-1 rows carry it: CO2 = "
                    "fuel_consumed_units x C1 default NCV x carbon content x oxidation x 44/12, marked gap_filled"}


def _pick_sulfur_gap(world: World, excluded: set[str], rng: random.Random) -> dict | None:
    """Gap fill case 2: a single-site, non-power coal user with a permit in force in the year before the last (2022 of
    2021-2023) and G103-1 rows with it; none in a one-year world."""
    year = ReportYears.of(world.years).flat
    if year is None:
        return None
    candidates = []
    for enterprise, site in permit_sites(world):
        if (enterprise.uscc in excluded or len(enterprise.sites) != 1 or enterprise.industry_code in power_industry_codes()
                or not int(site.valid_from[:4]) <= year <= int(site.valid_to[:4])):
            continue
        coal = sorted(f for f in boiler_fuels_with_permit(enterprise, year, world.years[0]) if is_coal(f))
        if len(coal) == 1:
            candidates.append((enterprise, site, coal[0]))
    if not candidates:
        return None
    enterprise, site, fuel = rng.choice(candidates)
    return {"kind": "sulfur_missing_in_statistics", "uscc": enterprise.uscc, "facility_id": site.permit_no,
            "year": year, "fuel_code": fuel, "species": "SO2", "scope": "combustion", "filled_from": "permit",
            "source_table": "core_permit__fuel_analysis",
            "note": "G103-1 含硫量 written '/' in these rows; the permit fuel analysis of the same site and year has "
                    "sulfur_pct: SO2 = sum quantity_t x 20 x S% x (1 - 0.15) / 1000 x (1 - 脱硫效率/100), marked gap_filled"}
