"""Synergy formulas, hand-calculated: Els readings at their boundaries, quadrants, APeq, Tapio states, sector sums."""

import polars as pl
import pytest

from inventories.synergy import (
    apeq_expr,
    enterprise_output,
    enterprise_synergy,
    pollution_equivalents,
    sector_synergy,
)


def _enterprise(rows: list[tuple[str, int, float, float]], industry: str = "2614") -> pl.DataFrame:
    """(uscc, year, co2 t, so2 t) rows; NOx, PM and VOCs fixed so only SO2 moves."""
    n = len(rows)
    return pl.DataFrame({
        "uscc": [r[0] for r in rows], "enterprise_name": [f"演示{r[0]}" for r in rows], "industry_code": [industry] * n,
        "city_code": ["410100"] * n, "year": [r[1] for r in rows], "co2_combustion_t": [float(r[2]) for r in rows],
        "co2_process_t": [None] * n, "so2_mass_t": [float(r[3]) for r in rows], "nox_mass_t": [1.0] * n, "pm_mass_t": [1.0] * n,
        "vocs_mass_t": [None] * n, "is_co2_complete": [True] * n, "is_pollutant_complete": [True] * n,
        "has_recalled_factor": [False] * n, "source_systems": ["ghg;permit"] * n, "factor_set": ["cn_default"] * n,
    }, schema_overrides={"co2_process_t": pl.Float64, "vocs_mass_t": pl.Float64})


NO_OUTPUT = pl.DataFrame(schema={"uscc": pl.String, "year": pl.Int64, "output_product": pl.String,
                                 "output_quantity": pl.Float64})

# (previous CO2, CO2, previous SO2, SO2) -> Els, reading, quadrant (x = SO2 reduction, y = CO2 reduction)
CASES = [
    ((100, 90, 10, 5), 5.0, "co_reduction_pollutant_led", 1),
    ((100, 90, 10, 9), 1.0, "co_reduction_equal", 1),
    ((100, 80, 10, 9.5), 0.25, "co_reduction_carbon_led", 1),
    ((100, 110, 10, 8), -2.0, "trade_off_pollutant_down", 4),
    ((100, 90, 10, 12), -2.0, "trade_off_carbon_down", 2),
    ((100, 120, 10, 11), 0.5, "co_increase", 3),
    ((100, 90, 10, 10), 0.0, "pollutant_unchanged", None),
    ((100, 100, 10, 8), None, "carbon_unchanged", None),
    ((100, 100, 10, 10), None, "no_change", None),
    ((100, 90, 0, 5), None, "no_baseline", None),
]


@pytest.mark.parametrize(("values", "els", "reading", "quadrant"), CASES)
def test_els_reading_and_quadrant(values, els, reading, quadrant):
    co2_0, co2_1, so2_0, so2_1 = values
    table = enterprise_synergy(_enterprise([("A", 2021, co2_0, so2_0), ("A", 2022, co2_1, so2_1)]), NO_OUTPUT, [2022])
    so2 = table.filter(pl.col("pollutant") == "SO2").row(0, named=True)
    assert so2["els_reading"] == reading and so2["quadrant"] == quadrant
    assert so2["els"] == (pytest.approx(els) if els is not None else None)
    assert so2["previous_year"] == 2021 and so2["co2_combustion_t"] == co2_1 and so2["previous_co2_combustion_t"] == co2_0


def test_els_just_either_side_of_one():
    """A pollutant cut a hair deeper than CO2's is pollutant-led; a hair shallower is carbon-led."""
    rows = [("A", 2021, 100, 10), ("A", 2022, 90, 8.99999), ("B", 2021, 100, 10), ("B", 2022, 90, 9.00001)]
    table = enterprise_synergy(_enterprise(rows), NO_OUTPUT, [2022]).filter(pl.col("pollutant") == "SO2")
    assert dict(zip(table["uscc"], table["els_reading"], strict=True)) == {
        "A": "co_reduction_pollutant_led", "B": "co_reduction_carbon_led"}


def test_first_year_has_no_row_and_enterprise_without_previous_year_is_left_out():
    table = enterprise_synergy(_enterprise([("A", 2021, 100, 10), ("A", 2022, 90, 9), ("B", 2022, 50, 5)]), NO_OUTPUT,
                               [2021, 2022])
    assert set(table["uscc"]) == {"A"} and set(table["year"]) == {2022}
    assert set(table["pollutant"]) == {"SO2", "NOx", "PM", "VOCs", "APeq"}


def test_apeq_uses_the_tax_law_equivalents():
    """0.95 t SO2 + 1.9 t NOx + 2.18 t PM = 1,000 + 2,000 + 1,000 pollution equivalents."""
    assert pollution_equivalents() == {"SO2": 0.95, "NOx": 0.95, "PM": 2.18}
    frame = pl.DataFrame({"so2_mass_t": [0.95, 0.95], "nox_mass_t": [1.9, None], "pm_mass_t": [2.18, 2.18]})
    assert frame.select(apeq_expr())["so2_mass_t"].to_list() == [pytest.approx(4000.0), None]


def test_apeq_row_is_marked_recalled_and_vocs_left_out_of_it():
    table = enterprise_synergy(_enterprise([("A", 2021, 100, 0.95), ("A", 2022, 90, 0.475)]), NO_OUTPUT, [2022])
    apeq = table.filter(pl.col("pollutant") == "APeq").row(0, named=True)
    # SO2 1000 -> 500 eq, NOx 1/0.95 t -> 1052.63 eq, PM 1/2.18 t -> 458.72 eq: 2511.35 -> 2011.35
    assert apeq["amount_unit"] == "pollution_eq" and apeq["has_recalled_factor"]
    assert apeq["previous_pollutant_amount"] == pytest.approx(1000 + 1000 / 0.95 + 1000 / 2.18)
    assert apeq["pollutant_amount"] == pytest.approx(500 + 1000 / 0.95 + 1000 / 2.18)
    assert not table.filter(pl.col("pollutant") == "SO2")["has_recalled_factor"][0]


# (emission change, output change) -> Tapio state; bands (0, 0.8], (0.8, 1.2], > 1.2, D = 0 in the weak band
TAPIO = [
    (90, 1100, "strong_decoupling"), (108, 1100, "weak_decoupling"), (100, 1100, "weak_decoupling"),
    (112, 1100, "expansive_coupling"), (113, 1100, "expansive_negative_decoupling"),
    (105, 900, "strong_negative_decoupling"), (95, 900, "weak_negative_decoupling"), (90, 900, "recessive_coupling"),
    (80, 900, "recessive_decoupling"), (90, 1000, None),
]


@pytest.mark.parametrize(("co2", "output", "state"), TAPIO)
def test_tapio_states(co2, output, state):
    output_frame = pl.DataFrame({"uscc": ["A", "A"], "year": [2021, 2022], "output_product": ["水泥 t", "水泥 t"],
                                 "output_quantity": [1000.0, float(output)]})
    table = enterprise_synergy(_enterprise([("A", 2021, 100, 10), ("A", 2022, co2, 10)]), output_frame, [2022])
    row = table.filter(pl.col("pollutant") == "SO2").row(0, named=True)
    assert row["co2_decoupling_state"] == state
    if state:
        assert row["co2_decoupling_index"] == pytest.approx(((co2 - 100) / 100) / ((output - 1000) / 1000))
        assert row["output_change_pct"] == pytest.approx((output - 1000) / 10)
    else:
        assert row["co2_decoupling_index"] is None and row["co2_decoupling_state_zh"] is None


def test_output_is_generation_or_the_single_product():
    production = pl.DataFrame({"uscc": ["A", "A", "B", "C"], "year": [2022] * 4,
                               "product_name": ["水泥熟料", "水泥", "纸", "电"], "production_unit": ["t", "t", "t", "MWh"],
                               "production_quantity": [1.0, 2.0, 3.0, 4.0]})
    power = pl.DataFrame({"uscc": ["C", "C"], "year": [2022, 2022], "generation_mwh": [10.0, 5.0]})
    output = enterprise_output(production, power).sort("uscc")
    assert output.rows() == [("B", 2022, "纸 t", 3.0), ("C", 2022, "generation_mwh", 15.0)]  # A: two products, none


def test_sector_sums_like_for_like():
    """Enterprise B has no 2021 and stays out of the sums; A and C (both 26 化学) are summed before the reading."""
    rows = [("A", 2021, 100, 10), ("A", 2022, 80, 9), ("C", 2021, 300, 30), ("C", 2022, 330, 24), ("B", 2022, 50, 5)]
    enterprise = enterprise_synergy(_enterprise(rows), NO_OUTPUT, [2022])
    sector = sector_synergy(enterprise).filter(pl.col("pollutant") == "SO2")
    chem = sector.filter(pl.col("sector_class_code") == "26").row(0, named=True)
    assert chem["enterprise_count"] == 2 and chem["pollutant_amount"] == 33 and chem["previous_pollutant_amount"] == 40
    assert chem["co2_change_pct"] == pytest.approx(2.5)  # 410 / 400
    assert chem["els_reading"] == "trade_off_pollutant_down" and chem["quadrant"] == 4
    assert (chem["co_reduction_enterprise_count"], chem["trade_off_enterprise_count"]) == (1, 1)
    assert sector.filter(pl.col("sector_scheme") == "all")["sector_class_name"].to_list() == ["全部行业"]
