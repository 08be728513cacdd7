"""The key-emitter rule at its edges, through the real SQL models (facility rows -> enterprise sums -> register).

Thresholds come from inventories/rules/key_emitters.yaml, so the edge cases are built from the configured values.
"""

import polars as pl
import pytest

from inventories.key_emitters import captive_power
from inventories.reference import key_emitter_rule
from inventories.sql_models import enterprise_inventory, key_emitter_register
from schemas.generate import conform, polars_schema
from schemas.tables import TABLES

RULE = key_emitter_rule()
CO2E, TCE = float(RULE["threshold_co2e_t"]), float(RULE["threshold_energy_tce"])
CEMENT, STARCH, THERMAL = "3011", "1391", "4411"  # covered (水泥熟料), not covered (淀粉), power (火力发电)
NO_CAPTIVE = pl.DataFrame(schema={"uscc": pl.String, "captive_power_evidence": pl.String, "coverage_basis": pl.String})


def _site(uscc: str, year: int, co2e: float | None, tce: float = 100.0, indirect: float = 0.0, site: str = "1") -> dict:
    return {"facility_id": f"{uscc}{site}", "uscc": uscc, "year": year, "co2_combustion_t": co2e, "co2e_t": co2e,
            "co2_indirect_t": indirect, "co2_indirect_electricity_t": indirect, "energy_tce": tce,
            "co2_method": "calculated", "is_co2_complete": co2e is not None, "is_pollutant_complete": False,
            "has_gap_filled": False, "has_allocated_value": False, "has_recalled_factor": False,
            "source_systems": "envstat", "factor_set": "cn_default@test", "gwp_set": "SAR"}


def _facilities(rows: list[dict]) -> pl.DataFrame:
    schema = polars_schema(TABLES["out_inventory__yearly_facility"])
    return pl.DataFrame(rows, schema={k: v for k, v in schema.items() if k in rows[0]}).with_columns(
        *(pl.lit(None, dtype).alias(name) for name, dtype in schema.items() if name not in rows[0]))


def _firms(industry: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame({"uscc": list(industry), "enterprise_name": [f"演示{u}" for u in industry],
                         "industry_code": list(industry.values()), "region_code": ["410102"] * len(industry),
                         "city_code": ["410100"] * len(industry)})


def _register(rows: list[dict], industry: dict[str, str], captive: pl.DataFrame = NO_CAPTIVE,
              ghg: pl.DataFrame | None = None) -> pl.DataFrame:
    enterprise = enterprise_inventory(_facilities(rows), _firms(industry))
    ghg = ghg if ghg is not None else pl.DataFrame(schema={"uscc": pl.String, "year": pl.Int64, "co2_mass_t": pl.Float64})
    return conform(key_emitter_register(enterprise, captive, ghg), "out_key_emitters__register")


def _row(register: pl.DataFrame, uscc: str, year: int) -> dict:
    return register.filter((pl.col("uscc") == uscc) & (pl.col("year") == year)).row(0, named=True)


def test_threshold_is_inclusive_and_a_tenth_below_is_not():
    register = _register([_site("A", 2022, CO2E - 0.1), _site("B", 2022, CO2E)], {"A": CEMENT, "B": CEMENT})
    below, at = _row(register, "A", 2022), _row(register, "B", 2022)
    assert not below["is_key_emitter"] and below["register_status"] == "below_threshold"
    assert below["years_below_threshold"] == 1 and below["key_emitter_criterion"] is None
    assert at["is_key_emitter"] and at["key_emitter_criterion"] == "co2e" and at["trigger_year"] == 2022
    assert at["register_status"] == "missing_from_ghg_reporting" and "未报送温室气体报告" in at["evidence_zh"]


def test_energy_alone_puts_an_enterprise_on_the_register():
    register = _register([_site("G", 2022, 16_000.0, tce=TCE), _site("H", 2022, 16_000.0, tce=TCE - 0.1)],
                         {"G": CEMENT, "H": CEMENT})
    gas, small = _row(register, "G", 2022), _row(register, "H", 2022)
    assert gas["is_key_emitter"] and gas["key_emitter_criterion"] == "energy_tce" and not gas["meets_co2e_threshold"]
    assert gas["trigger_energy_tce"] == TCE
    assert not small["is_key_emitter"]


def test_sites_are_summed_per_legal_person():
    half = CO2E / 2 + 1
    register = _register([_site("S", 2022, half, site="1"), _site("S", 2022, half, site="2")], {"S": CEMENT})
    row = _row(register, "S", 2022)
    assert row["basis_co2e_t"] == pytest.approx(2 * half) and row["is_key_emitter"]


def test_purchased_electricity_counts_on_the_default_basis():
    register = _register([_site("P", 2022, CO2E - 1000, indirect=1000.0)], {"P": CEMENT})
    row = _row(register, "P", 2022)
    assert RULE["emissions_basis"] == "direct_plus_indirect"
    assert row["co2e_t"] == CO2E - 1000 and row["basis_co2e_t"] == CO2E and row["is_key_emitter"]


def test_captive_power_unit_in_a_non_power_industry_counts_as_power():
    permits = pl.DataFrame({"permit_no": ["C001P", "D001P", "T001P"],
                            "industry_name": ["淀粉及淀粉制品制造，热电联产", "淀粉及淀粉制品制造", "火力发电"]})
    facilities = pl.DataFrame({"permit_no": ["C001P", "D001P", "T001P"], "uscc": ["C", "D", "T"]})
    monthly = pl.DataFrame(schema={"uscc": pl.String, "unit_id": pl.String})
    captive = captive_power(permits, facilities, monthly, _firms({"C": STARCH, "D": STARCH, "T": THERMAL}))
    assert captive["uscc"].to_list() == ["C"]  # a power plant is power by its own industry, not captive
    assert "热电联产" in captive["captive_power_evidence"][0]
    register = _register([_site("C", 2022, CO2E * 2), _site("D", 2022, CO2E * 2), _site("T", 2022, CO2E * 2)],
                         {"C": STARCH, "D": STARCH, "T": THERMAL}, captive)
    chp, starch, plant = _row(register, "C", 2022), _row(register, "D", 2022), _row(register, "T", 2022)
    assert chp["is_key_emitter"] and chp["sector_code"] == "power" and chp["coverage_basis"] == "captive_power"
    assert not starch["is_key_emitter"] and starch["register_status"] == "not_covered_sector"
    assert plant["coverage_basis"] == "industry_code" and plant["sector_code"] == "power"


def test_sector_outside_the_scope_is_never_on_the_register():
    row = _row(_register([_site("X", 2022, CO2E * 10, tce=TCE * 10)], {"X": STARCH}), "X", 2022)
    assert not row["is_key_emitter"] and not row["is_covered_sector"]
    assert row["key_emitter_criterion"] == "co2e_and_energy_tce"  # what was met is still shown
    assert row["register_status"] == "not_covered_sector"


def test_window_status_newly_entering_and_years_below():
    rows = [_site("W", 2020, CO2E - 5000), _site("W", 2021, CO2E + 5000), _site("W", 2022, CO2E - 5000),
            _site("W", 2023, CO2E - 5000), _site("R", 2020, CO2E * 2), _site("R", 2021, CO2E * 2)]
    ghg = pl.DataFrame({"uscc": ["W", "W", "R"], "year": [2022, 2023, 2021], "co2_mass_t": [20_000.0, 21_000.0, 5e4]})
    register = _register(rows, {"W": CEMENT, "R": CEMENT}, ghg=ghg)
    w = {y: _row(register, "W", y) for y in range(2020, 2024)}
    assert [w[y]["is_key_emitter"] for y in range(2020, 2024)] == [False, True, True, False]  # window: year and one before
    assert w[2021]["is_newly_entering"] and w[2021]["register_status"] == "newly_entering"
    assert w[2022]["register_status"] == "reporting" and w[2022]["trigger_year"] == 2021
    assert w[2022]["ghg_reported_co2_t"] == 20_000.0 and w[2022]["years_below_threshold"] == 1
    assert w[2023]["years_below_threshold"] == 2 and w[2023]["register_status"] == "below_threshold"
    assert w[2020]["years_below_threshold"] == 1 and not w[2020]["is_newly_entering"]
    r = {y: _row(register, "R", y) for y in (2020, 2021)}
    assert not r[2020]["is_newly_entering"]  # the first data year cannot show entry
    assert r[2020]["register_status"] == "missing_from_ghg_reporting" and r[2021]["register_status"] == "reporting"


def test_unknown_emissions_are_not_counted_as_zero_or_as_met():
    row = _row(_register([_site("U", 2022, None, tce=None)], {"U": CEMENT}), "U", 2022)
    assert row["basis_co2e_t"] is None and not row["is_key_emitter"] and "无数据" in row["evidence_zh"]


def test_air_transport_is_covered_up_to_2021_data_and_airports_after():
    # 5611/5612 left the MEE's scope from 2022 data; 5631 (airports) stays (methods-factors §10)
    rows = [_site("P", year, CO2E * 2) for year in (2021, 2022)] + [_site("Q", 2022, CO2E * 2)]
    register = _register(rows, {"P": "5611", "Q": "5631"})
    assert _row(register, "P", 2021)["sector_code"] == "aviation" and _row(register, "P", 2021)["is_key_emitter"]
    later = _row(register, "P", 2022)
    assert later["sector_code"] is None and later["register_status"] == "not_covered_sector"
    assert not later["is_key_emitter"]
    assert _row(register, "Q", 2022)["sector_code"] == "aviation"
