"""Run parameters flow one way: the factor set enters through `core_inventory__factors`, the years through the run."""

import shutil

import dagster as dg
import polars as pl
import pytest

from inventories.factor_library import DEFAULT_FACTOR_SET, load_factor_set
from pipelines.orchestration.assets.inventory import (
    core_inventory__factors,
    core_inventory__ghg_fuel_line_co2,
    factor_set_of,
)
from pipelines.orchestration.partitions import REPORTING_YEAR, YEARLY, range_tags, run_years
from pipelines.orchestration.resources import SynergyConfig


def _user_set(tmp_path):
    """A bureau's set on top of cn_default with its own bituminous carbon content (a value for this test only)."""
    folder = tmp_path / "bureau"
    folder.mkdir()
    (folder / "factor_set.yaml").write_text("name: bureau\nversion: '1'\nextends: cn_default\n", encoding="utf-8")
    header = (DEFAULT_FACTOR_SET / "factors.csv").read_text(encoding="utf-8").splitlines()[0]
    row = "C1-bituminous-cc,carbon_content,bituminous,all,GBT32151.22-2024-C1,,,0.0300,tC/GJ,test,,,,,,verified,,test"
    (folder / "factors.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    return folder


def test_the_published_factor_table_gives_back_the_set_it_was_loaded_from(tmp_path):
    loaded = load_factor_set(_user_set(tmp_path))
    # the asset yields its table, then the table's checks
    published = next(core_inventory__factors(SynergyConfig(home=str(tmp_path), factor_set_path=str(loaded.path)))).value
    again = factor_set_of(published)
    assert (again.name, again.version, again.label) == ("bureau", "1", "bureau@1+cn_default@2026.12")
    assert again.factors.equals(loaded.factors.select(again.factors.columns))
    assert again.scalar("gj_per_tce") == loaded.scalar("gj_per_tce")


@dg.asset(name="core_ghg__fuel_lines", **YEARLY)
def _fuel_lines() -> pl.DataFrame:
    """One GHG line: 1000 t of bituminous coal with a measured NCV of 20.5 GJ/t, no measured carbon or oxidation."""
    return pl.DataFrame([{
        "uscc": "91130200699229617X", "enterprise_name": "演示", "industry_code": "3011", "region_code": "410102",
        "year": 2023, "emission_source_name": None, "fuel_code": "bituminous", "fuel_name": "烟煤", "fuel_unit_code": "t",
        "fuel_consumed_units": 1000.0, "ncv_gj_per_unit": 20.5, "carbon_content_tc_per_gj": None,
        "carbon_mass_fraction_pct": None, "oxidation_fraction": None, "source_file": "ghg/a.csv", "sheet_name": None,
        "row_number": 2, "file_sha256": "0" * 64}], infer_schema_length=None)


@pytest.mark.slow  # a Dagster run: seconds of CPU
def test_line_co2_uses_the_published_factors_even_when_the_folder_is_gone(tmp_path):
    folder = _user_set(tmp_path)
    assets = [core_inventory__factors, _fuel_lines, core_inventory__ghg_fuel_line_co2]
    resources = {"synergy": SynergyConfig(home=str(tmp_path), factor_set_path=str(folder))}
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        instance.add_dynamic_partitions(REPORTING_YEAR, ["2023"])
        first = dg.materialize(assets, instance=instance, resources=resources, partition_key="2023")
        shutil.rmtree(folder)  # a later run of the yearly asset alone must not need the folder
        second = dg.materialize(assets, instance=instance, resources=resources, partition_key="2023",
                                selection=[core_inventory__ghg_fuel_line_co2])
    for result in (first, second):
        line = result.output_for_node("core_inventory__ghg_fuel_line_co2").row(0, named=True)
        # 1000 t x 20.5 GJ/t = 20,500 GJ; x 0.0300 tC/GJ (the bureau's row) = 615 tC; x 0.93 (C.1 oxidation)
        # = 571.95 tC; x 44/12 = 2097.15 t CO2 (cn_default's 0.0261 would give 1824.5205 t)
        assert line["co2_mass_t"] == pytest.approx(2097.15, rel=1e-9)
        assert line["factor_set"] == "bureau@1+cn_default@2026.12"


SEEN: dict[str, list[int]] = {}


@dg.asset(**YEARLY)
def yearly(context: dg.AssetExecutionContext) -> None:
    SEEN["yearly"] = run_years(context)


@dg.asset(deps=[yearly])
def exports(context: dg.AssetExecutionContext) -> None:
    SEEN["exports"] = run_years(context)


@pytest.mark.slow  # a Dagster run: seconds of CPU
def test_a_ranged_run_gives_its_years_to_yearly_and_unpartitioned_steps(tmp_path):
    keys = ["2021", "2022", "2023", "2019"]  # 2019 arrived last: a range follows the stored order
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        instance.add_dynamic_partitions(REPORTING_YEAR, keys)
        dg.materialize([yearly, exports], instance=instance, tags=range_tags(keys, [2022, 2023]))
        assert SEEN == {"yearly": [2022, 2023], "exports": [2022, 2023]}
        dg.materialize([yearly, exports], instance=instance, tags=range_tags(keys, [2019, 2023]))
        assert SEEN == {"yearly": [2019, 2023], "exports": [2019, 2023]}
        dg.materialize([exports], instance=instance)
        assert SEEN["exports"] == []  # a run without years
