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


def _copy(tmp_path):
    folder = tmp_path / "my_set"
    shutil.copytree(DEFAULT_FACTOR_SET, folder)
    return folder


def test_user_factor_set_is_recorded(tmp_path):
    folder = _copy(tmp_path)
    meta = (folder / "factor_set.yaml").read_text(encoding="utf-8").replace("name: cn_default", "name: bureau_2026")
    (folder / "factor_set.yaml").write_text(meta, encoding="utf-8")
    assert load_factor_set(folder).label == "bureau_2026@2026.11"


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
    row |= {"uscc": "91130200699229617X", "industry_code": "4411", "city_code": "410100", "gwp_set": "SAR"}
    good = pl.DataFrame([row])
    pandera_schema("out_key_emitters__register").validate(good, lazy=True)
    with pytest.raises(SchemaErrors):
        pandera_schema("out_key_emitters__register").validate(good.with_columns(co2_mass_t=pl.lit(-1.0)), lazy=True)
