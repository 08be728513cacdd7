import shutil

import polars as pl
import pytest

from inventories.factor_library import DEFAULT_FACTOR_SET, FactorSetError, load_factor_set
from schemas.generate import pandera_schema


def test_default_set_keeps_recalled_values_marked():
    factors = load_factor_set().factors
    status = dict(zip(factors["factor_id"], factors["status"], strict=True))
    assert status["PWR2021-coal-cc-unmeasured"] == "recalled"
    assert status["PWR2022-coal-cc-unmeasured"] == "recalled"
    assert status["C1-bituminous-cc"] == "verified"
    value = dict(zip(factors["factor_id"], factors["value"], strict=True))
    assert value["C1-natural_gas-ncv"] == 389.31 and value["C1-bituminous-cc"] == 0.0261
    assert factors["source_doc"].str.len_chars().min() > 0


def test_the_checked_corrections_are_in_the_default_set():
    """methods-factors.md §10: what a check of the recalled values found, row by row."""
    rows = {r["factor_id"]: r for r in load_factor_set().factors.iter_rows(named=True)}
    assert rows["MEE-grid_fossil-CN-2021"]["value"] == 0.8426  # 0.8325 is the 2022 value
    assert rows["MEE-grid-CN_central-2023"]["value"] == 0.5271
    assert rows["PWR2021-coal-cc-unmeasured"]["superseded_by"] == "PWR2022-coal-cc-unmeasured"
    assert str(rows["PWR2022-coal-cc-unmeasured"]["valid_from"]) == "2021-01-01"
    assert "PWR2022-coal-ncv-unmeasured" not in rows  # no NCV default for unmeasured power months
    assert "GB2589-electricity-tce_primary" not in rows  # 0.31 kgce/kWh is year-specific, not a constant
    for confirmed in ("PWR-coal-of", "GWP-AR4-CH4", "GWP-AR5-N2O", "MEE-grid_excl_mkt_nonfossil-CN-2021"):
        assert rows[confirmed]["status"] == "verified"
    recalled = [r for r in rows.values() if r["status"] == "recalled"]
    assert recalled and all("missing" in r["evidence"] or r["superseded_by"] for r in recalled)


def _copy(tmp_path):
    folder = tmp_path / "my_set"
    shutil.copytree(DEFAULT_FACTOR_SET, folder)
    return folder


def test_user_factor_set_is_recorded(tmp_path):
    folder = _copy(tmp_path)
    meta = (folder / "factor_set.yaml").read_text(encoding="utf-8").replace("name: cn_default", "name: bureau_2026")
    (folder / "factor_set.yaml").write_text(meta, encoding="utf-8")
    assert load_factor_set(folder).label == "bureau_2026@2026.12"


@pytest.mark.parametrize("old, new, column", [
    (",verified,", ",approved,", "status"),
    (",0.0261,", ",abc,", "value"),
])
def test_bad_factor_file_names_row_and_column(tmp_path, old, new, column):
    folder = _copy(tmp_path)
    path = folder / "factors.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(FactorSetError, match=rf"第\d+行 列\[{column}\].* / row \d+, column {column}"):
        load_factor_set(folder)


def test_pandera_range_violation_really_fails():
    """Value checks run (collected DataFrame, not a LazyFrame): a negative CO2 must be caught."""
    from pandera.errors import SchemaErrors

    from schemas.tables import TABLES

    columns = TABLES["out_key_emitters__register"].fields
    row = {f.name: {"string": "x", "int": 2022, "float": 1.0, "bool": True}[f.dtype] for f in columns}
    row |= {"uscc": "91130200699229617X", "industry_code": "4411", "city_code": "410100", "gwp_set": "SAR",
            "sector_code": "power", "coverage_basis": "industry_code", "emissions_basis": "direct_plus_indirect",
            "key_emitter_criterion": "co2e", "register_status": "reporting", "co2_status": "computed"}
    good = pl.DataFrame([row])
    pandera_schema("out_key_emitters__register").validate(good, lazy=True)
    with pytest.raises(SchemaErrors):
        pandera_schema("out_key_emitters__register").validate(good.with_columns(threshold_co2e_t=pl.lit(-1.0)), lazy=True)


def test_user_set_extends_the_default_and_overrides_by_id(tmp_path):
    folder = tmp_path / "henan_grid"
    folder.mkdir()
    (folder / "factor_set.yaml").write_text("name: henan_grid\nversion: '1'\nextends: cn_default\n", encoding="utf-8")
    header = (DEFAULT_FACTOR_SET / "factors.csv").read_text(encoding="utf-8").splitlines()[0]
    # a later published value for 2024 (illustrative number for the test only) and a changed default for 2023
    rows = ["MEE-grid-410000-2024,grid_co2_ef,electricity,all,mee_nbs,,410000,0.55,tCO2/MWh,test notice,,,2024,"
            "2024-01-01,2024-12-31,verified,,test",
            "C1-bituminous-ncv,ncv,bituminous,all,GBT32151.22-2024-C1,,,20000,kJ/kg,test,,,,,,verified,,test"]
    (folder / "factors.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    factor_set = load_factor_set(folder)
    assert factor_set.label == "henan_grid@1+cn_default@2026.12"
    factors = factor_set.factors
    assert factors.height == load_factor_set().factors.height + 1
    ncv = factors.filter(pl.col("factor_id") == "C1-bituminous-ncv").row(0, named=True)
    assert (ncv["value"], ncv["unit"], ncv["value_canonical"], ncv["unit_canonical"]) == (20000.0, "kJ/kg", 20.0, "GJ/t")
    assert set(factors["factor_set"]) == {factor_set.label}


def test_unknown_unit_is_rejected_with_row_and_column(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "factors.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",tC/GJ,", ",tC/furlong,", 1), encoding="utf-8")
    with pytest.raises(FactorSetError, match=r"第\d+行 列\[unit\].*unknown unit 'tC/furlong'"):
        load_factor_set(folder)


def test_superseded_grid_factor_is_never_chosen():
    from inventories.factor_library import select_factors

    requests = pl.DataFrame({"request_key": ["a"], "year": [2021], "fuel_code": ["electricity"],
                             "region_code": ["410000"], "guideline": ["carbon_market"]})
    picked = select_factors(requests, load_factor_set().factors, "grid_co2_ef").row(0, named=True)
    assert picked["value"] == 0.5810  # 0.6101 (2021 power guideline) is superseded by 0.5810
