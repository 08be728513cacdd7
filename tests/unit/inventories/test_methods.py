"""Worked examples, one per method, with the arithmetic written out (issue 5).

Factor values are the cn_default rows named in each comment (methods-factors.md, pollutant-factors.md).
"""

import polars as pl
import pytest

from inventories.combustion import combustion_co2
from inventories.factor_library import load_factor_set
from inventories.hierarchy import with_co2e
from inventories.indirect import indirect_co2
from inventories.pollutants import pollutant_lines
from inventories.reference import fuels, power_industry_codes

FACTORS = load_factor_set()


def _co2(**line):
    base = {"line_key": "a", "year": 2023, "industry_code": "3011", "fuel_code": "bituminous",
            "fuel_consumed_units": 10_000.0}
    return combustion_co2(pl.DataFrame([base | line]), FACTORS, fuels(), power_industry_codes()).row(0, named=True)


def test_bituminous_coal_at_default_parameters():
    # 10,000 t x 19.570 GJ/t (C1 NCV) = 195,700 GJ; x 0.0261 tC/GJ = 5,107.77 tC; x 0.93 = 4,750.2261 tC;
    # x 44/12 = 17,417.4957 t CO2. Energy: 195,700 GJ / 29.3076 GJ/tce = 6,677.4489 tce.
    out = _co2()
    assert out["co2_mass_t"] == pytest.approx(17_417.4957, abs=1e-4)
    assert out["energy_tce"] == pytest.approx(6_677.4489, abs=1e-4)
    assert out["factor_ids"] == "C1-bituminous-ncv;C1-bituminous-cc;C1-bituminous-of"
    assert out["parameter_source"] == "default"


def test_measured_heat_input_makes_ncv_irrelevant():
    # 100,000 GJ measured x 0.0261 x 0.93 x 44/12 = 8,900.6 t; no NCV factor is cited
    out = _co2(heat_input_gj=100_000.0)
    assert out["co2_mass_t"] == pytest.approx(100_000 * 0.0261 * 0.93 * 44 / 12)
    assert out["ncv_source"] == "measured" and "C1-bituminous-ncv" not in out["factor_ids"]


def _flow(flow, quantity, year=2022, region="410102"):
    column = "electricity_mwh" if flow == "purchased_electricity" else "heat_gj"
    row = {"line_key": "f", "year": year, "region_code": region, "energy_flow": flow, "electricity_mwh": None,
           "heat_gj": None} | {column: quantity}
    return pl.DataFrame([row], schema_overrides={"electricity_mwh": pl.Float64, "heat_gj": pl.Float64})


@pytest.mark.parametrize("purpose, year, expected_t, factor_id_part", [
    ("mee_nbs", 2022, 605.8, "410000"),      # 1,000 MWh x 0.6058 (Henan 2022, 公告2024年第33号)
    ("mee_nbs", 2021, 636.9, "410000"),      # x 0.6369 (Henan 2021)
    ("carbon_market", 2022, 581.0, None),    # x 0.5810 (market value for 2021-2022 emissions; 0.6101 superseded)
    ("carbon_market", 2023, 570.3, None),    # x 0.5703 (2022 national average, used 2023-2025)
])
def test_purchased_electricity_by_purpose(purpose, year, expected_t, factor_id_part):
    out = indirect_co2(_flow("purchased_electricity", 1_000.0, year), FACTORS, purpose).row(0, named=True)
    assert out["scope"] == "indirect_electricity"
    assert out["co2_mass_t"] == pytest.approx(expected_t)
    assert out["energy_tce"] == pytest.approx(122.9)  # 1,000 MWh x 0.1229 tce/MWh (当量值)
    ids = FACTORS.factors.filter(pl.col("factor_id").is_in(out["factor_ids"].split(";")))
    grid = ids.filter(pl.col("parameter") == "grid_co2_ef").row(0, named=True)
    assert grid["guideline"] == purpose and (factor_id_part is None or grid["region_code"] == factor_id_part)


def test_purchased_heat():
    # 500 GJ x 0.11 tCO2/GJ = 55 t; energy 500 GJ x 0.03412 tce/GJ = 17.06 tce
    out = indirect_co2(_flow("purchased_heat", 500.0), FACTORS, "mee_nbs").row(0, named=True)
    assert out["scope"] == "indirect_heat"
    assert out["co2_mass_t"] == pytest.approx(55.0) and out["energy_tce"] == pytest.approx(17.06)


def _pollutants(**line):
    base = {"line_key": "b", "year": 2022, "industry_code": "2614", "fuel_code": "bituminous", "fuel_consumed_units": 10_000.0,
            "sulfur_pct": 1.2, "ash_pct": 20.0, "combustion_mode": "流化床炉", "so2_removal_pct": 80.0,
            "nox_removal_pct": 64.0, "pm_removal_pct": 99.0}
    frame = pl.DataFrame([base | line], schema_overrides={c: pl.Float64 for c in ("so2_removal_pct", "nox_removal_pct",
                                                                                  "pm_removal_pct", "sulfur_pct", "ash_pct")})
    out = pollutant_lines(frame, FACTORS, fuels(), power_industry_codes())
    return {r["species"]: r for r in out.iter_rows(named=True)}


def test_coal_boiler_pollutants_by_mass_balance_and_factors():
    out = _pollutants()
    # SO2: EF = 20 x 1.2 % x (1 - 0.15 sr) = 20.4 kg/t; 10,000 t -> 204 t; x (1 - 0.80) = 40.8 t
    assert out["SO2"]["mass_t"] == pytest.approx(40.8)
    # NOx: 7.5 g/kg (E.7 industrial 流化床炉) x 10,000 t = 75 t; x (1 - 0.64) = 27 t
    assert out["NOx"]["mass_t"] == pytest.approx(27.0)
    # PM (as PM10): 10 x 20 % x (1 - 0.40 ar) x 0.20 f_PM10 = 24 kg/t -> 240 t; x (1 - 0.99) = 2.4 t
    assert out["PM"]["mass_t"] == pytest.approx(2.4)
    # VOCs: 2.16 g/kg (E.7) x 10,000 t = 21.6 t, no control
    assert out["VOCs"]["mass_t"] == pytest.approx(21.6)
    assert out["SO2"]["parameter_source"] == "mixed" and not out["SO2"]["has_recalled_factor"]


def test_unknown_technology_leaves_nox_uncomputed_and_missing_sulfur_leaves_so2_uncomputed():
    out = _pollutants(combustion_mode=None, sulfur_pct=None)
    assert out["NOx"]["mass_t"] is None and out["SO2"]["mass_t"] is None


def test_gas_and_oil_lines():
    gas = _pollutants(fuel_code="natural_gas", fuel_consumed_units=100.0, sulfur_pct=None, ash_pct=None,
                      combustion_mode=None, so2_removal_pct=None, nox_removal_pct=None, pm_removal_pct=None)
    # NOx: 2.09 g/m3 (E.7, unit as interpreted) = 20.9 kg per 10^4 Nm3 x 100 = 2,090 kg = 2.09 t
    assert gas["NOx"]["mass_t"] == pytest.approx(2.09)
    assert gas["SO2"]["mass_t"] == pytest.approx(0.0)
    oil = _pollutants(fuel_code="diesel", fuel_consumed_units=100.0, sulfur_pct=0.2, ash_pct=None, combustion_mode=None,
                      so2_removal_pct=None, nox_removal_pct=None, pm_removal_pct=None)
    # measured S: 2 x S x 10 = 20 x 0.2 = 4 kg/t (derived) x 100 t = 0.4 t
    assert oil["SO2"]["mass_t"] == pytest.approx(0.4)


def test_co2e_with_the_chosen_gwp_set():
    rows = pl.DataFrame({"species": ["CO2", "CH4", "N2O", "SO2"], "mass_t": [100.0, 10.0, 1.0, 5.0],
                         "factor_ids": ["", "", "", ""]})
    sar = with_co2e(rows, FACTORS, "SAR")
    # CO2 x 1, CH4 x 21, N2O x 310 (SAR); SO2 has no CO2e
    assert sar["co2e_t"].to_list() == [100.0, 210.0, 310.0, None]
    ar5 = with_co2e(rows, FACTORS, "AR5")
    assert ar5["co2e_t"].to_list() == [100.0, 280.0, 265.0, None]
    assert ar5["mass_t"].to_list() == rows["mass_t"].to_list()
