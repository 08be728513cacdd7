"""Properties of the accounting engine: units do not change results, facility sums equal enterprise sums,
and the GWP set changes only CO2e."""

import shutil

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventories.candidates import CANDIDATE_COLUMNS
from inventories.combustion import combustion_co2
from inventories.factor_library import DEFAULT_FACTOR_SET, load_factor_set
from inventories.hierarchy import choose, with_co2e
from inventories.reference import accounting_settings, fuels, power_industry_codes
from inventories.sql_models import enterprise_inventory, facility_inventory

pytestmark = pytest.mark.slow  # 40 examples per property, each through the SQL models

FACTORS = load_factor_set()
# the same default values written in other units: (unit, multiplier applied to the written value)
ALTERNATIVES = {"GJ/t": ("MJ/kg", 1.0), "tC/GJ": ("kgC/GJ", 1000.0), "fraction": ("%", 100.0)}


@pytest.fixture(scope="module")
def respelled(tmp_path_factory):
    """cn_default with every NCV, carbon content and oxidation row rewritten in another unit."""
    folder = tmp_path_factory.mktemp("respelled")
    shutil.copy(DEFAULT_FACTOR_SET / "factor_set.yaml", folder / "factor_set.yaml")
    table = pl.read_csv(DEFAULT_FACTOR_SET / "factors.csv", infer_schema=False)
    swap = pl.col("parameter").is_in(["ncv", "carbon_content", "oxidation"]) & pl.col("unit").is_in(list(ALTERNATIVES))
    value = pl.col("value").cast(pl.Float64)
    for unit, (new_unit, times) in ALTERNATIVES.items():
        hit = swap & (pl.col("unit") == unit)
        table = table.with_columns(pl.when(hit).then((value * times).cast(pl.String)).otherwise(pl.col("value")).alias("value"),
                                   pl.when(hit).then(pl.lit(new_unit)).otherwise(pl.col("unit")).alias("unit"))
    table.write_csv(folder / "factors.csv")
    return load_factor_set(folder)


lines = st.lists(st.fixed_dictionaries({
    "fuel_code": st.sampled_from(["bituminous", "anthracite", "natural_gas", "diesel", "coke", "fuel_oil"]),
    "industry_code": st.sampled_from(["3011", "4411", "2614"]),
    "year": st.integers(2021, 2023),
    "fuel_consumed_units": st.floats(0, 1e7, allow_nan=False),
    "ncv_gj_per_unit": st.one_of(st.none(), st.floats(5, 60, allow_nan=False)),
}), min_size=1, max_size=20)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines)
def test_factor_units_do_not_change_results(respelled, rows):
    frame = pl.DataFrame(rows, schema_overrides={"ncv_gj_per_unit": pl.Float64}).with_row_index("line_key").with_columns(
        pl.col("line_key").cast(pl.String))
    house = combustion_co2(frame, FACTORS, fuels(), power_industry_codes())
    other = combustion_co2(frame, respelled, fuels(), power_industry_codes())
    for column in ("co2_mass_t", "heat_input_gj", "energy_tce"):  # null (power coal without its NCV) stays null
        assert other[column].is_null().to_list() == house[column].is_null().to_list()
        assert other[column].drop_nulls().to_list() == pytest.approx(house[column].drop_nulls().to_list(), rel=1e-12,
                                                                     abs=1e-9, nan_ok=True)
    assert other["factor_ids"].to_list() == house["factor_ids"].to_list()


chosen_rows = st.lists(st.fixed_dictionaries({
    "facility": st.sampled_from(["P1", "P2", "P3", "P4"]),
    "year": st.integers(2021, 2023),
    "species": st.sampled_from(["CO2", "SO2", "NOx", "PM", "VOCs", "CH4"]),
    "scope": st.sampled_from(["combustion", "process", "indirect_electricity", "indirect_heat"]),
    "mass_t": st.floats(0, 1e7, allow_nan=False),
    "energy_tce": st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False)),
}), min_size=1, max_size=40)
OWNER = {"P1": "91410100MA00000001", "P2": "91410100MA00000001", "P3": "91410200MA00000002", "P4": "91410200MA00000002"}


def _species(rows):
    frame = pl.DataFrame(rows, schema_overrides={"energy_tce": pl.Float64}).unique(["facility", "year", "species", "scope"])
    return frame.select(
        pl.col("facility").alias("facility_id"), pl.col("facility").replace_strict(OWNER).alias("uscc"), "year", "species",
        "scope", pl.lit("calculated").alias("method"), "mass_t",
        pl.when(pl.col("species").is_in(["CO2", "CH4"])).then(pl.col("mass_t") * pl.when(pl.col("species") == "CH4")
                                                              .then(21.0).otherwise(1.0)).alias("co2e_t"),
        pl.lit("SAR").alias("gwp_set"), "energy_tce", pl.lit("ghg").alias("source_system"),
        pl.lit(False).alias("has_recalled_factor"), pl.lit(1.0).alias("allocation_share"), pl.lit("x").alias("factor_set"),
        pl.lit(False).alias("is_lower_bound"), pl.lit(None, pl.String).alias("missing_parameters"))


@settings(max_examples=40, deadline=None)
@given(chosen_rows)
def test_enterprise_sums_equal_facility_sums(rows):
    species = _species(rows)
    empty = pl.DataFrame(schema={"facility_id": pl.String, "facility_name": pl.String, "industry_code": pl.String,
                                 "region_code": pl.String, "city_code": pl.String})
    firms = pl.DataFrame({"uscc": sorted(set(OWNER.values())), "enterprise_name": ["甲", "乙"], "industry_code": ["3011"] * 2,
                          "region_code": ["410102", "410202"], "city_code": ["410100", "410200"]})
    facility = facility_inventory(species, empty, firms)
    enterprise = enterprise_inventory(facility, firms)
    columns = ["co2_combustion_t", "co2_process_t", "co2_indirect_t", "co2e_t", "so2_mass_t", "nox_mass_t", "pm_mass_t",
               "vocs_mass_t", "energy_tce"]
    by_firm = facility.group_by("uscc", "year").agg(pl.col(c).sum() for c in columns).sort("uscc", "year")
    assert by_firm.height == enterprise.height
    for column in columns:
        assert enterprise.sort("uscc", "year")[column].fill_null(0).to_list() == pytest.approx(
            by_firm[column].fill_null(0).to_list(), rel=1e-12)
    # and the species table itself: nothing lost between the long and the wide form, beyond the facility table's
    # rounding of each value to the gram (DECIMAL(38, 6)): at most half a gram per value
    direct = species.filter(pl.col("scope").is_in(["combustion", "process"]))["co2e_t"]
    assert (facility["co2e_t"].sum() or 0.0) == pytest.approx(direct.sum() or 0.0, rel=1e-12, abs=5e-7 * direct.len())


candidates = st.lists(st.fixed_dictionaries({
    "facility_id": st.sampled_from(["P1", "P2"]),
    "species": st.sampled_from(["CO2", "CH4", "N2O", "SO2"]),
    "source_system": st.sampled_from(["ghg", "envstat", "permit"]),
    "method": st.sampled_from(["monitored", "reported", "calculated", "gap_filled"]),
    "mass_t": st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False)),
}), min_size=1, max_size=30)


@settings(max_examples=40, deadline=None)
@given(candidates)
def test_swapping_the_gwp_set_changes_only_co2e(rows):
    frame = pl.DataFrame(rows, schema_overrides={"mass_t": pl.Float64}).unique(["facility_id", "species", "source_system",
                                                                              "method"])
    frame = frame.with_columns(
        pl.lit("91410100MA00000001").alias("uscc"), pl.lit(2022).alias("year"), pl.lit("combustion").alias("scope"),
        pl.col("source_system").alias("source_table"), pl.lit(None, pl.Float64).alias("energy_tce"),
        pl.lit(None, pl.Float64).alias("heat_input_gj"), pl.lit("default").alias("parameter_source"),
        pl.lit("r").alias("source_record"), pl.lit(1).alias("line_count"), pl.lit(0).alias("uncomputed_line_count"),
        pl.lit("").alias("factor_ids"), pl.lit(False).alias("has_recalled_factor"), pl.lit(None, pl.String).alias("filled_from"),
        pl.lit(None, pl.String).alias("gap_fill_kind"), pl.lit(1.0).alias("allocation_share"),
        pl.lit(None, pl.String).alias("missing_parameters")).select(CANDIDATE_COLUMNS)
    sort = ["facility_id", "species", "source_system", "method"]
    sar = choose(with_co2e(frame, FACTORS, "SAR"), accounting_settings()).sort(sort)
    ar5 = choose(with_co2e(frame, FACTORS, "AR5"), accounting_settings()).sort(sort)
    same = [c for c in sar.columns if c not in ("co2e_t", "gwp_set", "factor_ids")]
    assert sar.select(same).equals(ar5.select(same))
    co2 = pl.col("species") == "CO2"
    assert sar.filter(co2)["co2e_t"].equals(ar5.filter(co2)["co2e_t"])  # CO2's GWP is 1 in every set
