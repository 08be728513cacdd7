"""The region x sector roll-up on a hand-made inventory: sums, method shares, change on the previous year,
sites known only to their city, the carbon-market mapping, and a reconciliation that catches a 1 g slip."""

import polars as pl
import pytest

from inventories.sql_models import facility_inventory, region_sector_inventory, region_sector_mismatches

U1, U2 = "91410100MA44ABCDE1", "91410300MA45XYZ123"


@pytest.fixture(scope="module")
def inventory(table_frame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Three sites: A power in 中原区 (both years), B cement known only to 郑州市, C of unknown industry in 洛阳."""
    facilities = table_frame("core_facility__entity", [
        {"facility_id": "A", "facility_kind": "permit_site", "uscc": U1, "region_code": "410102", "city_code": "410100",
         "industry_code": "4411"},
        {"facility_id": "B", "facility_kind": "permit_site", "uscc": U2, "region_code": "410100", "city_code": "410100",
         "industry_code": "3011"},
        {"facility_id": "C", "facility_kind": "permit_site", "uscc": U2, "region_code": "410302", "city_code": "410300"},
    ])
    enterprises = table_frame("core_enterprise__entity", [{"uscc": U1}, {"uscc": U2}])

    def value(facility: str, uscc: str, year: int, species: str, scope: str, method: str, mass: float,
              energy: float | None = None, recalled: bool = False) -> dict:
        ghg = species == "CO2" and scope in ("combustion", "process")
        return {"facility_id": facility, "uscc": uscc, "year": year, "species": species, "scope": scope, "method": method,
                "mass_t": mass, "co2e_t": mass if ghg else None, "gwp_set": "SAR" if ghg else None, "energy_tce": energy,
                "source_system": "ghg" if species == "CO2" else "permit", "factor_set": "cn_default@test",
                "has_recalled_factor": recalled, "parameter_source": "default" if method == "calculated" else "measured",
                "is_lower_bound": method == "gap_filled"}

    species = table_frame("core_inventory__yearly_facility_species", [
        value("A", U1, 2022, "CO2", "combustion", "reported", 800.0, 320.0),
        value("A", U1, 2022, "SO2", "combustion", "monitored", 2.0),
        value("A", U1, 2023, "CO2", "combustion", "reported", 1000.0, 400.0, recalled=True),
        value("A", U1, 2023, "SO2", "combustion", "monitored", 2.5),
        value("B", U2, 2023, "CO2", "combustion", "calculated", 300.123456, 100.0),
        value("B", U2, 2023, "CO2", "process", "reported", 200.0),
        value("B", U2, 2023, "SO2", "combustion", "reported", 0.5),
        value("C", U2, 2023, "CO2", "combustion", "gap_filled", 50.0),
        value("C", U2, 2023, "CO2", "indirect_electricity", "calculated", 80.0, 12.0),
    ])
    facility = facility_inventory(species, facilities, enterprises)
    return region_sector_inventory(species, facility), facility


def _row(rollup: pl.DataFrame, year: int, level: str, code: str, scheme: str, sector: str, species: str,
         scope: str = "combustion") -> dict:
    rows = rollup.filter((pl.col("year") == year) & (pl.col("region_level") == level) & (pl.col("region_code") == code)
                         & (pl.col("sector_scheme") == scheme) & (pl.col("sector_class_code") == sector)
                         & (pl.col("species") == species) & (pl.col("scope") == scope))
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_province_total_shares_and_change(inventory):
    rollup, _ = inventory
    row = _row(rollup, 2023, "province", "410000", "all", "ALL", "CO2")
    assert row["region_name"] == "河南省"
    assert row["mass_t"] == pytest.approx(1350.123456, abs=1e-9)
    assert row["co2e_t"] == pytest.approx(1350.123456, abs=1e-9)
    assert row["energy_tce"] == pytest.approx(500.0)
    assert (row["facility_count"], row["enterprise_count"]) == (3, 2)
    assert row["reported_share"] == pytest.approx(1000 / 1350.123456)
    assert row["calculated_share"] == pytest.approx(300.123456 / 1350.123456)
    assert row["gap_filled_share"] == pytest.approx(50 / 1350.123456)
    assert row["monitored_share"] == 0.0
    assert row["recalled_factor_share"] == pytest.approx(1000 / 1350.123456)
    assert row["default_parameter_share"] == pytest.approx(300.123456 / 1350.123456)  # B's calculated CO2
    assert row["lower_bound_share"] == pytest.approx(50 / 1350.123456)  # C's value, flagged a lower bound here
    assert row["previous_year_mass_t"] == pytest.approx(800.0)
    assert row["mass_change_pct"] == pytest.approx((1350.123456 - 800) / 800 * 100)
    so2 = _row(rollup, 2023, "province", "410000", "all", "ALL", "SO2")
    assert so2["mass_t"] == pytest.approx(3.0) and so2["monitored_share"] == pytest.approx(2.5 / 3.0)
    assert so2["co2e_t"] is None and so2["mass_change_pct"] == pytest.approx(50.0)


def test_cities_and_counties(inventory):
    rollup, _ = inventory
    zhengzhou = _row(rollup, 2023, "city", "410100", "all", "ALL", "CO2")
    assert zhengzhou["mass_t"] == pytest.approx(1300.123456) and zhengzhou["parent_region_code"] == "410000"
    assert _row(rollup, 2023, "county", "410102", "all", "ALL", "CO2")["region_name"] == "中原区"
    unplaced = _row(rollup, 2023, "county", "410100", "all", "ALL", "CO2")  # B: known only to its city
    assert unplaced["region_name"] == "郑州市(区县不详)" and unplaced["mass_t"] == pytest.approx(300.123456)
    assert _row(rollup, 2023, "county", "410302", "all", "ALL", "CO2")["parent_region_code"] == "410300"
    first_year = _row(rollup, 2022, "city", "410100", "all", "ALL", "CO2")
    assert first_year["previous_year_mass_t"] is None and first_year["mass_change_pct"] is None


def test_sector_schemes(inventory):
    rollup, _ = inventory
    assert _row(rollup, 2023, "province", "410000", "carbon_market", "power", "CO2")["mass_t"] == pytest.approx(1000.0)
    cement = _row(rollup, 2023, "province", "410000", "carbon_market", "building_materials", "CO2", "process")
    assert cement["mass_t"] == pytest.approx(200.0) and cement["sector_class_name"] == "建材"
    unknown = _row(rollup, 2023, "province", "410000", "carbon_market", "unknown", "CO2")
    assert unknown["mass_t"] == pytest.approx(50.0) and unknown["sector_class_name"] == "行业不详"
    division = _row(rollup, 2023, "province", "410000", "gbt4754_division", "44", "CO2")
    assert division["sector_class_name"] == "电力、热力生产和供应业"
    assert _row(rollup, 2023, "city", "410100", "gbt4754_section", "C", "CO2")["mass_t"] == pytest.approx(300.123456)
    assert _row(rollup, 2023, "city", "410100", "gbt4754_group", "301", "SO2")["mass_t"] == pytest.approx(0.5)
    indirect = _row(rollup, 2023, "city", "410300", "all", "ALL", "CO2", "indirect_electricity")
    assert indirect["mass_t"] == pytest.approx(80.0) and indirect["co2e_t"] is None


def test_reconciles_and_catches_one_gram(inventory):
    rollup, facility = inventory
    assert region_sector_mismatches(rollup, facility).is_empty()
    slipped = rollup.with_columns(
        pl.when((pl.col("year") == 2023) & (pl.col("region_level") == "county") & (pl.col("region_code") == "410102")
                & (pl.col("sector_scheme") == "all") & (pl.col("species") == "CO2") & (pl.col("scope") == "combustion"))
        .then(pl.col("mass_t") + 1e-6).otherwise(pl.col("mass_t")).alias("mass_t"))
    off = region_sector_mismatches(slipped, facility)
    assert set(off["test"]) == {"total", "sectors", "parents"}
    assert off.filter(pl.col("test") == "parents")["region_code"].to_list() == ["410100"]
    assert off["difference"].abs().max() == pytest.approx(1e-6)
