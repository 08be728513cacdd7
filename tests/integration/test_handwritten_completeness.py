"""Hand-written files in layouts the demo generator never writes, through a real build (issue 24).

tests/fixtures/handwritten/completeness/ holds, typed by hand:
- 基101 rows of two enterprises known from nothing else (A: cement, fuel coal 20,000 t of 25,000 t coal, 100 t fuel
  oil, 50 万m3 gas; B: cement, 500 t coal, 其中燃料煤 "/");
- a power plant's monthly 存证 only (C: unit 1# with 9 of 12 months' elemental carbon, unit 2# with 2 of 12; one row
  with month 13);
- a GHG annual report (E: cement) with 原煤（烟煤）, 原煤 + 备注 褐煤, a 原煤 line with measured NCV and carbon content
  but no oxidation rate, and a gas line whose values are labelled 缺省值.
The build (the `handwritten` fixture, conftest.py) uses the house factor set WITHOUT the team's judgement rows for 原煤
(a bureau that does not accept them), so coal of unspecified rank has no carbon content or oxidation default: the
lower-bound and insufficient-data paths run.
Every expected figure is worked out below from the factor rows quoted (GB/T 32151.22—2024 表C.1, GB/T 2589, the power
guideline defaults).
"""

from pathlib import Path

import duckdb
import polars as pl
import pytest

A, B, C, E = "91410100410102763F", "91410100410300583W", "91410100410800449J", "91410100411300913J"
GJ_PER_TCE = 29.3076
C_TO_CO2 = 44 / 12


@pytest.fixture(scope="module")
def warehouse(handwritten) -> Path:
    return handwritten.warehouse


@pytest.fixture(scope="module")
def sql(warehouse):
    def run(query: str) -> pl.DataFrame:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.sql(query).pl()
    return run


def _one(sql, query: str) -> dict:
    rows = sql(query)
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_every_row_read_is_accepted_or_rejected(sql):
    files = sql("select source_file, rows_read, rows_accepted, rows_rejected from core_qa__file_manifest")
    assert all(r["rows_read"] == r["rows_accepted"] + r["rows_rejected"] for r in files.iter_rows(named=True))
    assert files["rows_rejected"].sum() == 1  # the monthly row of month 13
    rejected = _one(sql, "select column_name, reason_en from core_qa__rejected_rows")
    assert rejected["column_name"] == "年月"


def test_statistics_only_enterprise_with_uncomputable_coal_keeps_its_energy_and_is_a_key_emitter(sql):
    # A: coal 20,000 t (其中燃料煤) x 20.908 GJ/t = 418,160 GJ; oil 100 t x 41.816 = 4,181.6 GJ; gas 50 x 389.31 = 19,465.5 GJ
    energy = (20_000 * 20.908 + 100 * 41.816 + 50 * 389.31) / GJ_PER_TCE  # = 15,074.73 tce
    # CO2 of what can be computed: oil 4,181.6 x 0.0211 x 0.98 x 44/12 + gas 19,465.5 x 0.0153 x 0.99 x 44/12
    co2 = (100 * 41.816 * 0.0211 * 0.98 + 50 * 389.31 * 0.0153 * 0.99) * C_TO_CO2  # = 1,398.16 t, a lower bound
    row = _one(sql, f"select * from out_inventory__yearly_enterprise where uscc = '{A}'")
    assert row["energy_tce"] == pytest.approx(energy, rel=1e-9)
    assert row["co2_combustion_t"] == pytest.approx(co2, rel=1e-9)
    assert (row["co2_status"], row["is_co2_lower_bound"], row["missing_parameters"]) == (
        "lower_bound", True, "raw_coal: carbon_content;oxidation")
    assert (row["so2_mass_t"], row["nox_mass_t"], row["pm_mass_t"]) == (12.5, 30.2, 4.1)  # reported by the form
    register = _one(sql, f"select * from out_key_emitters__register where uscc = '{A}'")
    # the energy criterion still applies: 15,074.7 tce >= 10,000 tce
    assert register["register_status"] == "missing_from_ghg_reporting"
    assert register["key_emitter_criterion"] == "energy_tce" and register["is_key_emitter"]


def test_statistics_only_enterprise_with_nothing_computable_is_insufficient_data_not_below_threshold(sql):
    # B: 500 t coal, 其中燃料煤 "/": the coal total is the fuel; 500 x 20.908 / 29.3076 = 356.70 tce, no CO2
    row = _one(sql, f"select * from out_inventory__yearly_enterprise where uscc = '{B}'")
    assert row["co2e_t"] is None and row["co2_status"] == "not_computed"
    assert row["energy_tce"] == pytest.approx(500 * 20.908 / GJ_PER_TCE, rel=1e-9)
    register = _one(sql, f"select * from out_key_emitters__register where uscc = '{B}'")
    assert register["register_status"] == "insufficient_data"
    assert register["missing_items"] == "raw_coal: carbon_content;oxidation"
    assert "数据不足" in register["evidence_zh"]


def test_power_plant_filing_only_the_monthly_records_gets_its_co2(sql):
    # unit 1#: 9 measured months sum to 504.5 % C; the 3 blank months take their mean 504.5 / 9 (>= 3 measured)
    unit1 = 10_000 * (504.5 + 3 * 504.5 / 9) / 100 * 0.99 * C_TO_CO2  # = 244,178.0 t
    # unit 2#: 2 measured months (< 3): those two use their own carbon, the other 10 the power guideline's unmeasured
    # default 0.03085 tC/GJ (2022 revision, PWR2022-coal-cc-unmeasured) x 21.0 GJ/t
    unit2 = (5_000 * (54.0 + 53.6) / 100 + 10 * 5_000 * 21.0 * 0.03085) * 0.99 * C_TO_CO2  # = 137,294.5 t
    row = _one(sql, f"select * from out_inventory__yearly_enterprise where uscc = '{C}'")
    assert row["co2_combustion_t"] == pytest.approx(unit1 + unit2, rel=1e-9)
    # energy: 12 x 10,000 t x 22 GJ/t + 12 x 5,000 t x 21 GJ/t (the row of month 13 is rejected) over 29.3076
    assert row["energy_tce"] == pytest.approx((12 * 10_000 * 22.0 + 12 * 5_000 * 21.0) / GJ_PER_TCE, rel=1e-9)
    chosen = _one(sql, f"select * from core_inventory__yearly_facility_species where uscc = '{C}' and species = 'CO2'")
    assert (chosen["source_system"], chosen["source_table"], chosen["method"]) == (
        "ghg", "core_ghg__power_monthly", "reported")
    assert "PWR2022-coal-cc-unmeasured" in chosen["factor_ids"] and "PWR-coal-of" in chosen["factor_ids"]
    register = _one(sql, f"select * from out_key_emitters__register where uscc = '{C}'")
    # no source gives the plant's industry: a power plant by its 存证, not a captive plant of another industry
    assert register["coverage_basis"] == "power_unit_records" and register["register_status"] == "reporting"
    assert register["sector_code"] == "power" and "自备" not in register["evidence_zh"]


def test_ghg_report_coal_rank_from_brackets_and_remark_default_labels_and_a_missing_oxidation(sql):
    lines = {r["fuel_consumed_units"]: r for r in sql(
        f"select * from core_inventory__ghg_fuel_line_co2 where uscc = '{E}'").iter_rows(named=True)}
    # 原煤（烟煤） 8,000 t -> bituminous: 8,000 x 19.570 x 0.0261 x 0.93 x 44/12
    assert lines[8000.0]["fuel_code"] == "bituminous"
    assert lines[8000.0]["co2_mass_t"] == pytest.approx(8000 * 19.570 * 0.0261 * 0.93 * C_TO_CO2, rel=1e-9)
    # 原煤 + 备注 "煤种：褐煤" 3,000 t -> lignite: 3,000 x 11.9 x 0.0280 x 0.96 x 44/12
    assert lines[3000.0]["fuel_code"] == "lignite"
    assert lines[3000.0]["co2_mass_t"] == pytest.approx(3000 * 11.9 * 0.0280 * 0.96 * C_TO_CO2, rel=1e-9)
    # 原煤 with measured NCV and carbon content but no oxidation: no CO2, energy from the NCV, the gap named exactly
    assert lines[2000.0]["co2_mass_t"] is None and lines[2000.0]["missing_parameters"] == "oxidation"
    assert lines[2000.0]["energy_tce"] == pytest.approx(2000 * 21.5 / GJ_PER_TCE, rel=1e-9)
    # values labelled 缺省值 are defaults, not measurements
    assert lines[120.0]["parameter_source"] == "default" and lines[120.0]["factor_ids"] == ""
    finding = _one(sql, f"select * from out_crosscheck__findings where rule_id = 'activity_uncomputable_fuel_line' "
                        f"and uscc = '{E}'")
    assert "缺少碳氧化率" in finding["message_zh"] and "lacks oxidation" in finding["message_en"]
    row = _one(sql, f"select * from out_inventory__yearly_enterprise where uscc = '{E}'")
    computed = (8000 * 19.570 * 0.0261 * 0.93 + 3000 * 11.9 * 0.0280 * 0.96 + 120 * 389.31 * 0.0153 * 0.99) * C_TO_CO2
    assert row["co2_combustion_t"] == pytest.approx(computed, rel=1e-9)  # = 20,047.8 t: a lower bound
    assert row["co2_status"] == "lower_bound" and row["missing_parameters"] == "raw_coal: oxidation"
    register = _one(sql, f"select * from out_key_emitters__register where uscc = '{E}'")
    # lower bound 20,047.8 t < 26,000 and energy 9,621 tce < 10,000: cannot be judged, never "below threshold"
    assert register["register_status"] == "insufficient_data" and register["is_ghg_reporter"]


def test_coverage_says_what_each_source_gives(sql):
    cover = {(r["uscc"], r["source_system"]): r for r in sql("select * from out_qa__coverage").iter_rows(named=True)}
    assert set(cover) == {(A, "envstat"), (B, "envstat"), (C, "ghg"), (E, "ghg")}
    assert cover[(A, "envstat")]["chosen_species"] == "CO2;SO2;NOx;PM"
    assert cover[(C, "ghg")]["chosen_species"] == "CO2" and cover[(C, "ghg")]["coverage_reason_en"] is None
    assert cover[(B, "envstat")]["missing_parameters"] == "raw_coal: carbon_content;oxidation"


def test_the_summary_status_and_report_count_what_could_not_be_valued(warehouse):
    from pipelines.deliver.coverage_gaps import coverage_gaps, gaps_line
    from pipelines.deliver.warehouse import read_published

    gaps = read_published(warehouse, coverage_gaps)
    # B: no CO2e; A and E: lower bounds; C and E give no pollutant at all (GHG systems only)
    assert (gaps.year, gaps.enterprises, gaps.without_co2e, gaps.co2e_lower_bound, gaps.without_pollutant) == (
        2023, 4, 1, 2, 2)
    assert gaps.top_reasons == [("raw_coal: carbon_content;oxidation", 2), ("raw_coal: oxidation", 1)]
    assert "1 无CO2e no CO2e, 2 下限值 lower bound" in gaps_line(gaps)
