"""Every cross-check rule through its real SQL, with one case it must find and one it must leave alone."""

import datetime as dt

import polars as pl
import pytest

from inventories.crosscheck import fuel_defaults, load_catalogue, run_catalogue
from inventories.factor_library import load_factor_set

YEARS = [2021, 2022, 2023]
RULES = {rule.rule_id: rule for rule in load_catalogue()}
FILE = "envstat/统计.xlsx"
U1, U2, U3, U4, U5 = (f"91410100MA{n}0000000" for n in range(1, 6))  # codes only need to differ here


@pytest.fixture(scope="module")
def defaults() -> pl.DataFrame:
    return fuel_defaults(load_factor_set(), YEARS)


@pytest.fixture
def run(defaults, table_frame):
    """Findings of one rule over tables given as {table: rows}."""

    def go(rule_id: str, tables: dict[str, list[dict]]) -> pl.DataFrame:
        frames = {name: table_frame(name, rows) for name, rows in tables.items()}
        return run_catalogue([RULES[rule_id]], frames, defaults, YEARS)

    return go


def _fuel_rows(system: str, rows: list[tuple]) -> tuple[list[dict], list[dict]]:
    """Core fuel rows of one system and their crosswalk rows: (uscc, facility_id, year, fuel, quantity[, ncv])."""
    table = {"ghg": "core_ghg__fuel_lines", "envstat": "core_envstat__boilers",
             "permit": "core_permit__fuel_analysis"}[system]
    core, assn = [], []
    for n, (uscc, facility, year, fuel, quantity, *ncv) in enumerate(rows, start=2):
        unit = "10k_nm3" if fuel == "natural_gas" else "t"
        source = {"source_file": f"{system}/{year}.xlsx", "sheet_name": "S", "row_number": n}
        core.append({**source, "year": year, "fuel_code": fuel, "fuel_unit_code": unit, "fuel_consumed_units": quantity,
                     "ncv_gj_per_unit": ncv[0] if ncv else None})
        assn.append({**source, "source_system": system, "source_table": table, "source_record": f"{system}:{n}",
                     "record_year": year, "uscc": uscc, "facility_id": facility, "match_status": "matched",
                     "is_countable": True})
    return core, assn


def _keyed(found: pl.DataFrame) -> dict[tuple, str]:
    return {(r["uscc"], r["year"], r["subject"]): r["severity"] for r in found.iter_rows(named=True)}


def test_unreported_key_emitter(run):
    rows = [{"uscc": U1, "year": 2022, "is_key_emitter": True, "is_ghg_reporter": False, "key_emitter_criterion": "co2e",
             "trigger_year": 2022, "trigger_basis_co2e_t": 40_000.0, "threshold_co2e_t": 26_000.0,
             "threshold_energy_tce": 10_000.0, "evidence_zh": "…", "register_status": "missing_from_ghg_reporting"},
            {"uscc": U2, "year": 2022, "is_key_emitter": True, "is_ghg_reporter": True, "key_emitter_criterion": "co2e",
             "register_status": "reporting"},
            {"uscc": U3, "year": 2022, "is_key_emitter": False, "is_ghg_reporter": False,
             "register_status": "below_threshold"}]
    found = run("coverage_unreported_key_emitter", {"out_key_emitters__register": rows})
    assert _keyed(found) == {(U1, 2022, "co2e"): "error"}
    assert found.row(0, named=True)["value_a"] == 40_000.0 and found.row(0, named=True)["value_b"] == 26_000.0


def test_reporter_without_permit(run):
    reports = [{"uscc": u, "year": 2022, "source_file": "ghg/2022.csv", "row_number": i} for i, u in enumerate((U1, U2), 2)]
    registry = [{"permit_no": U1 + "001P", "uscc": U1, "valid_from": dt.date(2023, 1, 5), "valid_to": dt.date(2028, 1, 4)},
                {"permit_no": U2 + "001P", "uscc": U2, "valid_from": dt.date(2019, 3, 1), "valid_to": dt.date(2024, 2, 28)}]
    monthly = [{"uscc": U3, "year": 2022, "month": 1, "unit_id": "1#", "source_file": "ghg/存证.csv", "row_number": 2}]
    found = run("coverage_reporter_without_permit", {"core_ghg__reported_totals": reports,
                                                     "core_ghg__power_monthly": monthly,
                                                     "core_permit__registry": registry})
    # U3 files only the monthly 存证 and has no permit at all: a reporter without a permit too
    assert _keyed(found) == {(U1, 2022, "permit_validity"): "warn", (U3, 2022, "permit_validity"): "warn"}
    assert "2023-01-05" in found["message_zh"][0]


def test_permit_expired(run):
    def permit(uscc: str, seq: int, start: dt.date, end: dt.date) -> dict:
        return {"permit_no": f"{uscc}00{seq}P", "uscc": uscc, "valid_from": start, "valid_to": end,
                "source_file": "permit/list.csv", "row_number": seq}

    registry = [permit(U1, 1, dt.date(2017, 5, 1), dt.date(2022, 4, 30)),   # lapsed, still reporting in 2023
                permit(U2, 1, dt.date(2017, 7, 1), dt.date(2022, 6, 30)),   # lapsed, nothing after
                permit(U3, 1, dt.date(2017, 7, 1), dt.date(2022, 6, 30)),   # replaced by a new permit in time
                permit(U3, 2, dt.date(2022, 7, 10), dt.date(2027, 7, 9)),
                permit(U4, 1, dt.date(2020, 1, 1), dt.date(2024, 12, 31))]  # valid throughout
    later = [{"source_system": "envstat", "source_table": "core_envstat__boilers", "source_record": "x", "record_year": 2023,
              "uscc": U1, "facility_id": f"{U1}001P", "match_status": "matched", "is_countable": True}]
    found = run("coverage_permit_expired", {"core_permit__registry": registry, "core_facility__assn_sources": later})
    assert _keyed(found) == {(U1, 2022, f"{U1}001P"): "error", (U2, 2022, f"{U2}001P"): "warn"}
    assert "2023" in found.filter(pl.col("uscc") == U1)["message_zh"][0]


def test_fuel_quantity(run):
    ghg, ghg_assn = _fuel_rows("ghg", [(U1, None, 2022, "bituminous", 100.0), (U2, None, 2022, "bituminous", 62.0),
                                       (U3, None, 2022, "bituminous", 93.0), (U4, None, 2022, "bituminous", 100.0),
                                       (U5, None, 2022, "bituminous", 100.0)])
    stat, stat_assn = _fuel_rows("envstat", [(U1, None, 2022, "bituminous", 100.0), (U2, None, 2022, "bituminous", 100.0),
                                             (U3, None, 2022, "bituminous", 100.0)])
    # U5 has two permitted sites but only one files a fuel analysis: its permit total is not comparable
    permit, permit_assn = _fuel_rows("permit", [(U5, f"{U5}001P", 2022, "bituminous", 50.0)])
    sites = [{"facility_id": f"{U5}00{n}P", "uscc": U5, "facility_kind": "permit_site"} for n in (1, 2)]
    found = run("activity_fuel_quantity", {"core_ghg__fuel_lines": ghg, "core_envstat__boilers": stat,
                                           "core_permit__fuel_analysis": permit, "core_facility__entity": sites,
                                           "core_facility__assn_sources": ghg_assn + stat_assn + permit_assn})
    assert _keyed(found) == {(U2, 2022, "bituminous ghg/envstat"): "error", (U3, 2022, "bituminous ghg/envstat"): "warn"}
    row = found.filter(pl.col("uscc") == U2).row(0, named=True)
    assert (row["value_a"], row["value_b"], row["value_ratio"]) == (62.0, 100.0, 0.62)


def test_fuel_quantity_complete_permit_is_compared(run):
    ghg, ghg_assn = _fuel_rows("ghg", [(U1, None, 2022, "natural_gas", 100.0)])
    permit, permit_assn = _fuel_rows("permit", [(U1, f"{U1}001P", 2022, "natural_gas", 60.0)])
    sites = [{"facility_id": f"{U1}001P", "uscc": U1, "facility_kind": "permit_site"}]
    found = run("activity_fuel_quantity", {"core_ghg__fuel_lines": ghg, "core_permit__fuel_analysis": permit,
                                           "core_facility__entity": sites,
                                           "core_facility__assn_sources": ghg_assn + permit_assn})
    assert _keyed(found) == {(U1, 2022, "natural_gas ghg/permit"): "error"}


def test_energy_tce(run):
    def candidate(uscc: str, system: str, tce: float) -> dict:
        return {"facility_id": uscc + "001P", "uscc": uscc, "year": 2023, "species": "CO2", "scope": "combustion",
                "method": "calculated", "source_system": system, "energy_tce": tce, "source_record": system}

    rows = [candidate(U1, "ghg", 1000.0), candidate(U1, "envstat", 1050.0),
            candidate(U2, "ghg", 600.0), candidate(U2, "envstat", 1000.0)]
    _, assn = _fuel_rows("envstat", [(U1, None, 2023, "bituminous", 1.0), (U2, None, 2023, "bituminous", 1.0)])
    ghg, ghg_assn = _fuel_rows("ghg", [(U1, None, 2023, "bituminous", 1.0), (U2, None, 2023, "bituminous", 1.0)])
    stat, _ = _fuel_rows("envstat", [(U1, None, 2023, "bituminous", 1.0), (U2, None, 2023, "bituminous", 1.0)])
    found = run("activity_energy_tce", {"core_inventory__yearly_facility_species_candidates": rows,
                                        "core_ghg__fuel_lines": ghg, "core_envstat__boilers": stat,
                                        "core_facility__assn_sources": assn + ghg_assn})
    assert _keyed(found) == {(U2, 2023, "ghg/envstat"): "error"}


def test_energy_tce_reads_statistics_totals_only_where_no_g103_exists(run):
    def candidate(uscc: str, system: str, table: str, tce: float) -> dict:
        return {"facility_id": uscc + "-E", "uscc": uscc, "year": 2023, "species": "CO2", "scope": "combustion",
                "method": "calculated", "source_system": system, "source_table": table, "energy_tce": tce,
                "source_record": table}

    # U3: GHG 1,000 tce, statistics only through 基101: 1,500 tce -> 33 % apart: error
    # U4: GHG 1,000 tce, G103 1,020 tce (2 %: quiet) and a 基101 total of 2,000 tce that G103 covers (not compared)
    rows = [candidate(U3, "ghg", "core_ghg__fuel_lines", 1000.0), candidate(U3, "envstat", "core_envstat__enterprise", 1500.0),
            candidate(U4, "ghg", "core_ghg__fuel_lines", 1000.0), candidate(U4, "envstat", "core_envstat__boilers", 1020.0),
            candidate(U4, "envstat", "core_envstat__enterprise", 2000.0)]
    ghg, ghg_assn = _fuel_rows("ghg", [(U3, None, 2023, "bituminous", 1.0), (U4, None, 2023, "bituminous", 1.0)])
    stat, stat_assn = _fuel_rows("envstat", [(U4, None, 2023, "bituminous", 1.0)])
    form = [{"source_system": "envstat", "source_table": "core_envstat__enterprise", "source_file": "envstat/g101.xlsx",
             "sheet_name": "S", "row_number": n, "file_sha256": "0" * 64, "record_year": 2023, "uscc": u,
             "is_countable": True} for n, u in ((2, U3), (3, U4))]
    found = run("activity_energy_tce", {"core_inventory__yearly_facility_species_candidates": rows,
                                        "core_ghg__fuel_lines": ghg, "core_envstat__boilers": stat,
                                        "core_facility__assn_sources": ghg_assn + stat_assn + form})
    assert _keyed(found) == {(U3, 2023, "ghg/envstat"): "error"}
    # the fuel-by-fuel rule never compares a 基101 total (no fuel lines by rank): U3 has no statistics fuel to compare
    quantities = run("activity_fuel_quantity", {"core_ghg__fuel_lines": ghg, "core_envstat__boilers": stat,
                                                "core_facility__assn_sources": ghg_assn + stat_assn + form})
    assert quantities.filter(pl.col("uscc") == U3).is_empty()


def test_implied_co2(run):
    implied = 1000.0 * 19.570 * 0.0261 * 0.93 * 44 / 12  # 烟煤 at the 表C.1 defaults: 1,741.7 t
    stat, assn = _fuel_rows("envstat", [(u, None, 2023, "bituminous", 1000.0) for u in (U1, U2, U3)])
    reported = [{"uscc": U1, "year": 2023, "reported_combustion_co2_t": implied * 1.05},   # within 15 %
                {"uscc": U2, "year": 2023, "reported_combustion_co2_t": 1000.0},           # 43 % low: error
                {"uscc": U3, "year": 2023, "reported_combustion_co2_t": implied * 1.3}]    # high: warn
    found = run("implied_co2_vs_reported", {"core_envstat__boilers": stat, "core_facility__assn_sources": assn,
                                            "core_ghg__reported_totals": reported})
    assert _keyed(found) == {(U2, 2023, "envstat/ghg"): "error", (U3, 2023, "envstat/ghg"): "warn"}
    assert found.filter(pl.col("uscc") == U2)["value_a"][0] == pytest.approx(implied)


def test_parameter_out_of_range(run):
    lines = [{"uscc": U1, "year": 2023, "fuel_code": "bituminous", "emission_source_name": "1#锅炉",
              "carbon_content_tc_per_gj": 0.0150, "source_file": "ghg/x.xlsx", "row_number": 2},
             {"uscc": U2, "year": 2023, "fuel_code": "bituminous", "emission_source_name": "1#锅炉",
              "carbon_content_tc_per_gj": 0.0262, "ncv_gj_per_unit": 20.1, "oxidation_fraction": 0.98,
              "source_file": "ghg/x.xlsx", "row_number": 3},
             {"uscc": U3, "year": 2023, "fuel_code": "bituminous", "emission_source_name": "2#锅炉",
              "oxidation_fraction": 1.02, "source_file": "ghg/x.xlsx", "row_number": 4}]
    monthly = [{"uscc": U2, "year": 2023, "month": m, "unit_id": "1#机组", "fuel_code": "bituminous",
                "carbon_mass_fraction_pct": 51.0, "ncv_gj_per_unit": 19.6, "source_file": "ghg/m.csv", "row_number": m + 1}
               for m in range(1, 13)]
    found = run("parameter_out_of_range", {"core_ghg__fuel_lines": lines, "core_ghg__power_monthly": monthly})
    assert _keyed(found) == {(U1, 2023, "bituminous·1#锅炉·carbon_content_tc_per_gj"): "error",
                             (U3, 2023, "bituminous·2#锅炉·oxidation_fraction"): "error"}


def test_repeated_monthly(run):
    def month(uscc: str, m: int, carbon: float) -> dict:
        return {"uscc": uscc, "year": 2023, "month": m, "unit_id": "1#机组", "fuel_code": "bituminous",
                "carbon_mass_fraction_pct": carbon, "ncv_gj_per_unit": 19.0 + m / 100, "source_file": "m.csv",
                "row_number": m + 1}

    forged = [month(U1, m, 52.31 if 4 <= m <= 9 else 50 + m / 10) for m in range(1, 13)]
    honest = [month(U2, m, 50.0 if m in (3, 4) else 50 + m / 10) for m in range(1, 13)]  # two equal months happen
    found = run("parameter_repeated_monthly", {"core_ghg__power_monthly": forged + honest})
    assert _keyed(found) == {(U1, 2023, "bituminous·1#机组·carbon_mass_fraction_pct"): "error"}
    assert found["value_b"][0] == 6.0 and "4–9" in found["message_zh"][0]


def test_permit_limit_exceeded(run):
    permit = U1 + "001P"
    actual = [{"year": 2022, "report_type": "年报", "permit_no": permit, "uscc": U1, "emission_scope": "site_total",
               "pollutant": p, "emission_mass_t": t, "source_file": "permit/r.csv", "row_number": n}
              for n, (p, t) in enumerate((("SO2", 105.2), ("NOx", 50.0)), start=2)]
    limits = [{"permit_no": permit, "uscc": U1, "emission_scope": "site_total", "pollutant": p, "permit_year_index": 5,
               "year": 2022, "limit_mass_t": t} for p, t in (("SO2", 75.2), ("NOx", 80.0))]
    found = run("permit_limit_exceeded", {"core_permit__execution_emissions": actual, "core_permit__annual_limits": limits})
    assert _keyed(found) == {(U1, 2022, "SO2"): "error"}
    assert "第5年" in found["message_zh"][0]


def test_pollutant_co2_ratio(run):
    usccs = [f"91410100MB{n:02d}000000" for n in range(14)]
    spread = [1.0, 1.1, 0.9, 1.05, 0.95, 1.2, 0.85, 1.0, 1.15, 0.9, 1.1, 1.0, 1.3]
    inventory = [{"uscc": u, "year": 2023, "industry_code": "3011", "co2_combustion_t": 100_000.0,
                  "so2_mass_t": 100.0 * s, "nox_mass_t": 150.0} for u, s in zip(usccs, spread, strict=False)]
    inventory.append({"uscc": usccs[13], "year": 2023, "industry_code": "3011", "co2_combustion_t": 100_000.0,
                      "so2_mass_t": 1000.0, "nox_mass_t": 150.0})  # ten times its peers
    stat, assn = _fuel_rows("envstat", [(u, None, 2023, "bituminous", 50_000.0) for u in usccs])
    found = run("coherence_pollutant_co2_ratio", {"out_inventory__yearly_enterprise": inventory,
                                                  "core_envstat__boilers": stat, "core_facility__assn_sources": assn})
    assert _keyed(found) == {(usccs[13], 2023, "SO2/CO2"): "warn"}


def test_so2_sulfur_balance(run):
    rows = [{"year": 2022, "boiler_id": f"{n}#", "fuel_code": "bituminous", "fuel_unit_code": "t",
             "fuel_consumed_units": 1000.0, "sulfur_pct": 1.0, "so2_removal_pct": 80.0, "so2_mass_t": so2,
             "source_file": FILE, "sheet_name": "G103-1", "row_number": n}
            for n, so2 in ((2, 3.4), (3, 0.34))]  # 2 × 1000 × 1 % × (1 − 0.15) × (1 − 0.8) = 3.4 t
    assn = [{"source_system": "envstat", "source_table": "core_envstat__boilers", "source_file": FILE,
             "sheet_name": "G103-1", "row_number": n, "source_record": str(n), "record_year": 2022, "uscc": u,
             "facility_id": u + "001P", "match_status": "matched", "is_countable": True} for n, u in ((2, U1), (3, U2))]
    found = run("coherence_so2_sulfur_balance", {"core_envstat__boilers": rows, "core_facility__assn_sources": assn})
    assert _keyed(found) == {(U2, 2022, "bituminous·3#"): "error"}
    assert found["value_b"][0] == pytest.approx(3.4)


def test_yoy_jump(run):
    inventory = [{"uscc": u, "year": y, "co2_combustion_t": t}
                 for u, series in ((U1, (100_000.0, 210_000.0)), (U2, (100_000.0, 210_000.0)), (U3, (100_000.0, 110_000.0)))
                 for y, t in zip((2022, 2023), series, strict=True)]
    generation = [{"uscc": U2, "year": y, "month": 1, "generation_mwh": g} for y, g in ((2022, 500.0), (2023, 1000.0))]
    found = run("yoy_jump_without_production", {"out_inventory__yearly_enterprise": inventory,
                                                "core_ghg__power_monthly": generation})
    assert _keyed(found) == {(U1, 2023, "co2_combustion"): "warn"}  # U2's generation doubled too


def test_uncomputable_fuel_line(run):
    rows = [{"uscc": U1, "year": 2021, "fuel_code": "raw_coal", "fuel_unit_code": "t", "fuel_consumed_units": 2000.0,
             "co2_mass_t": None, "missing_parameters": "carbon_content;oxidation", "source_record": "ghg/2021.xlsx:燃料:9"},
            {"uscc": U2, "year": 2021, "fuel_code": "bituminous", "fuel_unit_code": "t", "fuel_consumed_units": 10.0,
             "co2_mass_t": 17.0, "source_record": "ghg/2021.xlsx:燃料:10"}]
    found = run("activity_uncomputable_fuel_line", {"core_inventory__ghg_fuel_line_co2": rows})
    assert _keyed(found) == {(U1, 2021, "ghg/2021.xlsx:燃料:9"): "warn"}
    assert "缺少单位热值含碳量;碳氧化率" in found["message_zh"][0]
    assert "lacks carbon_content and oxidation" in found["message_en"][0]


def test_cems_vs_execution_report(run):
    permit = U1 + "001P"
    report = [{"year": 2022, "report_type": "年报", "permit_no": permit, "uscc": U1, "emission_scope": "outlet",
               "outlet_code": code, "pollutant": "SO2", "emission_mass_t": 10.0, "source_file": "permit/r.csv",
               "row_number": n} for n, code in enumerate(("DA001", "DA002", "DA003"), start=2)]
    cems = [{"mn": f"MN{code}", "permit_no": permit, "outlet_code": code, "city_code": "410100", "year": 2022,
             "pollutant": "SO2", "mass_t": mass, "unsubstituted_hours": left, "valid_data_rate_pct": 95.0,
             "substitution_rule_version": "hj75_2017"}
            for code, mass, left in (("DA001", 16.0, 0), ("DA002", 10.5, 0), ("DA003", 3.0, 700))]
    found = run("cems_vs_execution_report", {"core_permit__execution_emissions": report, "out_cems__outlet_yearly": cems})
    assert _keyed(found) == {(U1, 2022, "SO2 DA001"): "warn"}  # +60 %; +5 % is within 10 %; DA003 is partial
    assert "+60%" in found["message_en"][0]


def test_ghg_monthly_vs_annual(run):
    # U1: months sum to 10,300 t, annual coal lines 10,000 t: 300 / 10,300 = 2.9 % > 2 % -> warn (not > 10 %)
    # U2: 10,100 vs 10,000: 1.0 % -> quiet; U3: 13,000 vs 10,000: 23 % -> error. U1's diesel line (gas-oil group, not in
    # the monthly records) is left out of the annual side.
    candidates = [{"facility_id": f"{u}-E", "uscc": u, "year": 2023, "species": "CO2", "scope": "combustion",
                   "source_system": "ghg", "source_table": "core_ghg__power_monthly", "method": "reported",
                   "mass_t": mass, "uncomputed_line_count": 0, "source_record": f"ghg/m.csv:{u}", "is_chosen": False,
                   "selection": "lower_rank", "line_count": 12, "allocation_share": 1.0}
                  for u, mass in ((U1, 10_300.0), (U2, 10_100.0), (U3, 13_000.0))]
    annual = [{"uscc": u, "year": 2023, "fuel_code": fuel, "fuel_unit_code": "t", "fuel_consumed_units": 1.0,
               "co2_mass_t": mass, "source_record": f"ghg/a.xlsx:{u}:{fuel}"}
              for u, fuel, mass in ((U1, "bituminous", 10_000.0), (U1, "diesel", 500.0), (U2, "bituminous", 10_000.0),
                                    (U3, "bituminous", 10_000.0))]
    monthly = [{"uscc": u, "year": 2023, "month": 1, "unit_id": "1#", "fuel_code": "bituminous", "fuel_unit_code": "t",
                "fuel_consumed_units": 100.0} for u in (U1, U2, U3)]
    found = run("ghg_monthly_vs_annual", {"core_inventory__yearly_facility_species_candidates": candidates,
                                          "core_inventory__ghg_fuel_line_co2": annual, "core_ghg__power_monthly": monthly})
    assert _keyed(found) == {(U1, 2023, "power_monthly/annual"): "warn", (U3, 2023, "power_monthly/annual"): "error"}


def test_every_rule_has_a_test():
    tested = {"ghg_monthly_vs_annual", "coverage_unreported_key_emitter", "coverage_reporter_without_permit",
              "coverage_permit_expired", "activity_fuel_quantity", "activity_energy_tce", "implied_co2_vs_reported",
              "parameter_out_of_range",
              "parameter_repeated_monthly", "permit_limit_exceeded", "coherence_pollutant_co2_ratio",
              "coherence_so2_sulfur_balance", "yoy_jump_without_production", "activity_uncomputable_fuel_line",
              "cems_vs_execution_report"}
    assert tested == set(RULES)
