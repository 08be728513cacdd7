"""Combustion CO2 against hand calculations written out (methods-factors.md §1.1, §1.3, §1.4)."""

import polars as pl
import pytest

from inventories.combustion import fuel_line_co2
from inventories.factor_library import load_factor_set
from inventories.reference import fuels, power_industry_codes


def _line(**kw):
    base = {"uscc": "91130200699229617X", "enterprise_name": "演示", "industry_code": "3011", "region_code": "410102",
            "year": 2022, "emission_source_name": None, "fuel_code": "bituminous", "fuel_name": "烟煤",
            "fuel_unit_code": "t", "fuel_consumed_units": 1000.0, "ncv_gj_per_unit": None,
            "carbon_content_tc_per_gj": None, "carbon_mass_fraction_pct": None, "oxidation_fraction": None,
            "source_file": "ghg/a.csv", "sheet_name": None, "row_number": 2, "file_sha256": "0" * 64}
    return base | kw


def _run(*lines):
    frame = pl.DataFrame(list(lines), infer_schema_length=None)
    return fuel_line_co2(frame, load_factor_set(), fuels(), power_industry_codes())


def test_measured_ncv_with_default_carbon_and_oxidation():
    # 1000 t x 20.5 GJ/t = 20,500 GJ; x 0.0261 tC/GJ (烟煤 C.1) = 535.05 tC; x 0.93 = 497.5965; x 44/12 = 1824.5205
    out = _run(_line(ncv_gj_per_unit=20.5)).row(0, named=True)
    assert out["co2_mass_t"] == pytest.approx(1824.5205, rel=1e-9)
    assert out["heat_input_gj"] == 20_500.0 and out["energy_tce"] == pytest.approx(20_500 / 29.3076)
    assert out["ncv_source"] == "measured" and out["carbon_source"] == "default" and out["parameter_source"] == "mixed"
    assert out["factor_ids"] == "C1-bituminous-cc;C1-bituminous-of" and not out["has_recalled_factor"]


def test_all_defaults_natural_gas():
    # 100 x 10^4 Nm3 x 389.31 GJ/10^4Nm3 = 38,931 GJ; x 0.0153 = 595.6443 tC; x 0.99 = 589.687857; x 44/12 = 2162.188809
    out = _run(_line(fuel_code="natural_gas", fuel_unit_code="10^4Nm3", fuel_consumed_units=100.0)).row(0, named=True)
    assert out["co2_mass_t"] == pytest.approx(2162.188809, rel=1e-9)
    assert out["parameter_source"] == "default"


def test_power_elemental_carbon_uses_the_power_oxidation_default():
    # 1000 t x 52.3 % C = 523 tC; x 0.99 (power coal OF, confirmed: methods-factors §10) = 517.77; x 44/12 = 1898.49
    out = _run(_line(industry_code="4411", ncv_gj_per_unit=21.0, carbon_mass_fraction_pct=52.3)).row(0, named=True)
    assert out["co2_mass_t"] == pytest.approx(1898.49, rel=1e-9)
    assert out["factor_ids"] == "PWR-coal-of" and not out["has_recalled_factor"]
    assert out["carbon_content_tc_per_gj"] is None and out["carbon_source"] == "measured"


@pytest.mark.parametrize("year, carbon, factor_id", [(2021, 0.03085, "PWR2022-coal-cc-unmeasured"),
                                                     (2022, 0.03085, "PWR2022-coal-cc-unmeasured")])
def test_power_unmeasured_carbon_default_by_data_year(year, carbon, factor_id):
    # 1000 t x 20 GJ/t = 20,000 GJ x carbon x 0.99 x 44/12; MEE's June 2022 notice set 0.03085 for 2021 data too
    # (0.03356, the earlier default, is superseded and never taken: methods-factors §10)
    out = _run(_line(industry_code="4411", year=year, ncv_gj_per_unit=20.0)).row(0, named=True)
    assert out["co2_mass_t"] == pytest.approx(20_000 * carbon * 0.99 * 44 / 12, rel=1e-12)
    assert factor_id in out["factor_ids"].split(";") and out["has_recalled_factor"]


def test_power_coal_without_a_measured_ncv_lacks_it_instead_of_taking_a_default():
    # the power guideline has no NCV default (the 26.7 GJ/t once stored was unsupported): CO2 and energy stay open
    out = _run(_line(industry_code="4411", year=2022)).row(0, named=True)
    assert out["co2_mass_t"] is None and out["energy_tce"] is None
    assert out["missing_parameters"] == "ncv"
    # the same coal outside power takes the GB/T 32151.22 表C.1 bituminous NCV
    assert _run(_line(year=2022)).row(0, named=True)["ncv_source"] == "default"


def test_raw_coal_takes_the_judgement_default_flagged_as_unconfirmed():
    # 1000 t x 20.908 GJ/t (GB/T 2589) = 20,908 GJ; x 0.0261 tC/GJ = 545.6988 tC; x 0.93 = 507.499884; x 44/12
    # = 1860.832908 t (JDG-raw_coal-*: the 烟煤 row chosen by the team, status judgement, not verified)
    out = _run(_line(fuel_code="raw_coal", fuel_name="原煤")).row(0, named=True)
    assert out["co2_mass_t"] == pytest.approx(1860.832908, rel=1e-9)
    assert out["factor_ids"] == "GB2589-raw_coal-ncv;JDG-raw_coal-cc;JDG-raw_coal-of"
    assert out["has_recalled_factor"] and out["missing_parameters"] is None


def test_a_line_missing_one_parameter_names_it_and_keeps_its_energy(tmp_path):
    # a factor set without any oxidation row: measured NCV and carbon content, no oxidation rate anywhere
    import shutil
    folder = tmp_path / "no_oxidation"
    shutil.copytree(load_factor_set().path, folder)
    csv = folder / "factors.csv"
    kept = [ln for ln in csv.read_text(encoding="utf-8").splitlines(keepends=True) if ",oxidation," not in ln]
    csv.write_text("".join(kept), encoding="utf-8")
    frame = pl.DataFrame([_line(fuel_code="raw_coal", fuel_name="原煤", ncv_gj_per_unit=21.0,
                                carbon_content_tc_per_gj=0.0262)], infer_schema_length=None)
    out = fuel_line_co2(frame, load_factor_set(folder), fuels(), power_industry_codes()).row(0, named=True)
    assert out["co2_mass_t"] is None and out["missing_parameters"] == "oxidation"
    # energy from the measured NCV: 1000 t x 21 GJ/t = 21,000 GJ / 29.3076 GJ/tce = 716.537 tce
    assert out["energy_tce"] == pytest.approx(21_000 / 29.3076, rel=1e-12)


def test_values_the_reporter_labels_as_defaults_are_defaults():
    # 缺省值 labels: the stated NCV, carbon content and oxidation are used but counted as defaults (no factor id)
    # 1000 t x 19.57 GJ/t x 0.0261 tC/GJ x 0.93 x 44/12 = 1741.7313 t
    out = _run(_line(ncv_gj_per_unit=19.57, carbon_content_tc_per_gj=0.0261, oxidation_fraction=0.93,
                     ncv_basis="default", carbon_basis="default", oxidation_basis="default")).row(0, named=True)
    assert out["co2_mass_t"] == pytest.approx(1000 * 19.57 * 0.0261 * 0.93 * 44 / 12, rel=1e-12)
    assert out["parameter_source"] == "default" and out["factor_ids"] == ""
    mixed = _run(_line(ncv_gj_per_unit=19.57, carbon_content_tc_per_gj=0.0261, oxidation_fraction=0.93,
                       ncv_basis="measured", carbon_basis="default")).row(0, named=True)
    assert mixed["ncv_source"] == "measured" and mixed["carbon_source"] == "default"
    assert mixed["parameter_source"] == "mixed"


def test_measured_values_win_parameter_by_parameter():
    # 500 t x 25 GJ/t x 0.027 tC/GJ x 0.95 x 44/12 = 1175.625
    out = _run(_line(fuel_consumed_units=500.0, ncv_gj_per_unit=25.0, carbon_content_tc_per_gj=0.027,
                     oxidation_fraction=0.95)).row(0, named=True)
    assert out["co2_mass_t"] == pytest.approx(1175.625, rel=1e-12)
    assert out["parameter_source"] == "measured" and out["factor_ids"] == ""
