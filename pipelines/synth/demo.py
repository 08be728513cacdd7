"""`synergy synth` / `synergy demo`: write one synthetic province into the inbox, truth into a manifest.

The manifest (outside the inbox) lists every file, every injected anomaly and malformed row, and the
expected CO2 and key-emitter flags, so tests can check the pipeline against known answers.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from inventories.reference import key_emitter_rule
from pipelines.synth.world import World, build_world
from pipelines.synth.writers_ghg import (
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

FLAT_HEADERS_2022 = ["年度", "统一社会信用代码", "企业名称", "国民经济行业代码", "所在地区代码", "机组编号", "燃料种类",
                     "消耗量", "计量单位", "低位发热量", "热值单位", "单位热值含碳量(tC/GJ)", "元素碳含量(%)", "碳氧化率(%)",
                     "备注"]
FLAT_HEADERS_2023 = ["报告年份", "社会信用代码", "重点排放单位名称", "行业类别代码", "行政区划代码", "设施名称", "能源品种",
                     "燃料消耗量", "消耗量单位", "平均低位发热量", "热值单位", "单位热值含碳量(tC/GJ)",
                     "收到基元素碳含量(%)", "碳氧化率(%)", "备注"]
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
    """Disagreeing fuel totals and an implausibly low measured carbon content, in the GHG lines."""
    by_year = {y: [ln for ln in lines if ln.year == y] for y in world.years}
    coal_covered = [ln for ln in by_year[2022] if ln.fuel_code == "bituminous"
                    and ln.enterprise.industry_code in ("3011", "2221", "2614") and ln.quantity > 30_000]
    target = rng.choice(coal_covered)
    target.quantity = round(target.quantity * 0.62, 2)
    disagreement = {"kind": "fuel_disagreement", "uscc": target.enterprise.uscc, "year": 2022,
                    "fuel_code": "bituminous", "ghg_factor": 0.62, "ghg_quantity_t": target.quantity,
                    "note": "GHG report carries 62 % of the coal the permit and statistics files carry"}
    candidates = [ln for ln in by_year[2023] if ln.carbon_content is not None and ln is not target]
    low = rng.choice(candidates)
    low.carbon_content = 0.0150
    low_cc = {"kind": "implausible_coal_carbon_content", "uscc": low.enterprise.uscc, "year": 2023,
              "fuel_code": low.fuel_code, "carbon_content_tc_per_gj": 0.0150,
              "plausible_range_tc_per_gj": [0.024, 0.030]}
    return [disagreement, low_cc]


def generate(inbox: Path, manifest_path: Path, seed: int = 20261121, n_sites: int = 1500,
             years: tuple[int, int] = (2021, 2023)) -> dict:
    """Write the demo inbox and the manifest; returns the manifest."""
    world = build_world(seed, n_sites, years)
    defaults = _defaults()
    threshold = float(key_emitter_rule()["threshold_co2e_t"])
    for _ in range(10):  # keep every enterprise-year clear of the threshold edge (rounding must not flip flags)
        lines = plan_lines(world, random.Random(seed + 2), defaults)
        anomalies = _apply_anomalies(lines, world, random.Random(seed + 3))
        totals = enterprise_year_co2(lines, defaults)
        edges = [k for k, v in totals.items() if 0.97 * threshold <= v <= 1.03 * threshold]
        if not edges:
            break
        for uscc, year in edges:
            for ent in (e for e in world.enterprises if e.uscc == uscc):
                for site in ent.sites:
                    site.fuel_heat_gj[year] = {f: h * 1.1 for f, h in site.fuel_heat_gj[year].items()}
    rng = random.Random(seed + 4)
    reporters, missing = choose_reporters(world, totals, rng)
    anomalies.append(missing)
    reported = [ln for ln in lines if ln.enterprise.uscc in reporters]
    # raw coal: one line computable from measured carbon and oxidation, one with neither (kept, not summed)
    coal_lines = sorted((ln for ln in reported if ln.fuel_code == "bituminous" and ln.year == 2021
                         and ln.enterprise.industry_code not in ("4411", "4412")), key=lambda ln: ln.enterprise.uscc)
    raw_ok = Line(coal_lines[0].enterprise, 2021, "锅炉房", "raw_coal", 1200.0, None, 0.0262, None, 0.93, "原煤")
    raw_bad = Line(coal_lines[1].enterprise, 2021, "锅炉房", "raw_coal", 800.0, None, None, None, None, "原煤未化验")
    reported += [raw_ok, raw_bad]
    anomalies.append({"kind": "uncomputable_fuel_line", "uscc": raw_bad.enterprise.uscc, "year": 2021,
                      "fuel_code": "raw_coal", "note": "原煤 without rank or measured carbon: no default applies"})

    inbox_ghg = inbox / "ghg"
    inbox_ghg.mkdir(parents=True, exist_ok=True)
    names = _fuel_names()
    render = random.Random(seed + 5)
    files: list[dict] = []
    rejected: list[dict] = []
    by_year: dict[int, list[Line]] = {y: [] for y in world.years}
    for ln in sorted(reported, key=lambda ln: (ln.year, ln.enterprise.uscc, ln.unit_name, ln.fuel_code)):
        by_year[ln.year].append(ln)

    # 2021: XLSX with a title row and enterprise columns merged down each block
    blocks: dict[str, list[dict]] = {}
    for ln in by_year[2021]:
        blocks.setdefault(ln.enterprise.uscc, []).append(_line_cells(ln, render, names, flat=False))
    path = inbox_ghg / "2021年度温室气体排放报告汇总_演示数据.xlsx"
    row_numbers = write_xlsx_merged(path, 2021, list(blocks.values()), MERGED_HEADERS,
                                    "2021年度重点企业温室气体排放报告——化石燃料燃烧（演示数据，合成）")
    files.append({"path": f"ghg/{path.name}", "rows": len(row_numbers), "encoding": None, "rejected": 0})

    # 2022: flat CSV in GB18030, units in cells, full-width digits, '/' and '—'; dropped twice
    rows = [_flat_row(2022, _line_cells(ln, render, names, flat=True), render, render.random() < 0.03)
            for ln in by_year[2022]]
    csv_bad = []
    for i, (kind, field, value) in enumerate(MALFORMED[:4]):
        at = (i + 1) * len(rows) // 5  # increasing positions: later insertions do not shift earlier ones
        rows.insert(at, _corrupt(rows[at], kind, field, value))
        csv_bad.append({"row_number": at + 2, "problem": kind})  # Excel/CSV row = index + 2 (header is row 1)
    path = inbox_ghg / "2022年度温室气体排放报告汇总_演示数据.csv"
    write_csv(path, FLAT_HEADERS_2022, rows, "gb18030")
    files.append({"path": f"ghg/{path.name}", "rows": len(rows), "encoding": "gb18030", "rejected": len(csv_bad)})
    rejected += [{"file": f"ghg/{path.name}", "sheet": None, **b} for b in csv_bad]
    duplicate = inbox_ghg / "2022年度温室气体排放报告汇总_演示数据(1).csv"
    duplicate.write_bytes(path.read_bytes())
    stamp = path.stat().st_mtime + 1  # dropped later than the original
    os.utime(duplicate, (stamp, stamp))
    anomalies.append({"kind": "duplicate_file", "path": f"ghg/{duplicate.name}", "duplicate_of": f"ghg/{path.name}"})

    # 2023: XLSX with other header spellings, numbers as numeric cells, two malformed rows
    book = _workbook()
    sheet = book.active
    sheet.title = "燃料燃烧排放"
    sheet.append(FLAT_HEADERS_2023)
    data = [_flat_row(2023, _line_cells(ln, render, names, flat=False), render, False) for ln in by_year[2023]]
    xlsx_bad = []
    for i, (kind, field, value) in enumerate(MALFORMED[4:]):
        at = (i + 1) * len(data) // 3
        data.insert(at, _corrupt(data[at], kind, field, value))
        xlsx_bad.append({"row_number": at + 2, "problem": kind})
    for row in data:
        sheet.append([_num(v) if i in (7, 9, 11, 12, 13) else (v or None) for i, v in enumerate(row)])
    path = inbox_ghg / "2023年度温室气体排放报告_演示数据.xlsx"
    save_workbook(book, path)
    rejected += [{"file": f"ghg/{path.name}", "sheet": "燃料燃烧排放", **b} for b in xlsx_bad]
    files.append({"path": f"ghg/{path.name}", "rows": len(data), "encoding": None, "rejected": len(xlsx_bad)})

    files.append(_write_power_monthly(inbox_ghg, by_year[2023], random.Random(seed + 6)))

    expected = []
    for (uscc, year), value in sorted(enterprise_year_co2(reported, defaults).items()):
        uncomputed = sum(1 for ln in reported if ln.enterprise.uscc == uscc and ln.year == year
                         and expected_co2(ln, defaults) is None)
        expected.append({"uscc": uscc, "year": year, "co2_mass_t": value, "uncomputed_line_count": uncomputed})
    co2 = {(r["uscc"], r["year"]): r["co2_mass_t"] for r in expected}
    industry = {e.uscc: e.industry_code for e in world.enterprises}
    lookback = int(key_emitter_rule()["lookback_years"])
    key_rows = [
        {"uscc": u, "year": y} for (u, y) in sorted(co2)
        if industry[u] in COVERED and any(co2.get((u, y - k), 0.0) >= threshold for k in range(lookback + 1))
    ]
    manifest = {
        "synthetic": True,
        "note": "合成演示数据 synthetic demo data: every enterprise name starts with 演示",
        "seed": seed, "years": world.years,
        "counts": {"sites": len(world.sites), "enterprises": len(world.enterprises), "ghg_reporters": len(reporters)},
        "ghg": {"files": files, "rejected_rows": rejected, "expected_enterprise_year": expected,
                "expected_key_emitter_rows": len(key_rows),
                "expected_key_emitter_enterprises": len({r["uscc"] for r in key_rows}),
                "key_emitter_rows": key_rows},
        "anomalies": anomalies,
    }
    manifest.update(_other_systems(world, inbox, seed, anomalies))
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return manifest


def _write_power_monthly(folder: Path, lines: list[Line], rng: random.Random) -> dict:
    """Power units' monthly 存证 rows (source-formats.md §3.1), coal lines split over 12 months."""
    headers = ["统一社会信用代码", "单位名称", "机组编号", "年月", "燃料品种", "燃料消耗量(t)", "低位发热量(GJ/t)",
               "元素碳含量(%)", "氢含量(%)", "全硫(%)", "水分(%)", "购入使用电量(MWh)", "发电量(MWh)", "供电量(MWh)",
               "供热量(GJ)", "负荷(出力)系数(%)", "运行小时数(h)"]
    rows = []
    for ln in lines:
        if ln.carbon_pct is None or ln.ncv is None:
            continue
        weights = [rng.uniform(0.7, 1.3) for _ in range(12)]
        for month, w in enumerate(weights, start=1):
            qty = ln.quantity * w / sum(weights)
            generation = qty * ln.ncv / 9.0  # illustrative heat rate, MWh per 9 GJ
            rows.append([ln.enterprise.uscc, ln.enterprise.name, ln.unit_name, f"{ln.year}{month:02d}", "烟煤",
                         f"{qty:.2f}", f"{ln.ncv * rng.uniform(0.99, 1.01):.3f}",
                         f"{ln.carbon_pct * rng.uniform(0.99, 1.01):.2f}", f"{rng.uniform(3, 4):.2f}",
                         f"{rng.uniform(0.4, 1.2):.2f}", f"{rng.uniform(6, 12):.1f}", f"{generation * 0.005:.1f}",
                         f"{generation:.1f}", f"{generation * 0.94:.1f}", "", f"{rng.uniform(55, 85):.1f}",
                         f"{rng.randint(500, 744)}"])
    path = folder / f"发电设施月度存证_{lines[0].year}_演示数据.csv"
    write_csv(path, headers, rows, "utf-8-sig")
    return {"path": f"ghg/{path.name}", "rows": len(rows), "encoding": "utf-8-sig", "rejected": 0,
            "layout": "power_monthly", "ingested_from": "issue 3 (not read by the foundation slice)"}


def _other_systems(world: World, inbox: Path, seed: int, anomalies: list[dict]) -> dict:
    """Permit and environmental-statistics files, rendered from the same world."""
    from pipelines.synth.writers_envstat import write_envstat_files
    from pipelines.synth.writers_permit import write_permit_files

    shared = {a["kind"]: a for a in anomalies}
    return {
        "permit": write_permit_files(world, inbox, random.Random(seed + 7), shared),
        "envstat": write_envstat_files(world, inbox, random.Random(seed + 8), shared),
    }
