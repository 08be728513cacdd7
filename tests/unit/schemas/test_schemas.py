from pathlib import Path

import pytest

from pipelines.deliver.docs import data_dictionary
from schemas.generate import duckdb_ddl
from schemas.tables import TABLES

# DESIGN.md §3: "Column names carry their unit". The name suffix each declared unit must give a numeric column.
UNIT_SUFFIXES = {
    "t": ("_t",), "tCO2": ("co2_t",), "tCO2e": ("co2e_t",), "kg": ("_kg",), "tce": ("_tce",), "GJ": ("_gj",),
    "MWh": ("_mwh",), "%": ("_pct",), "h": ("_hours", "_h"), "kg/h": ("_kg_h", "_kg_per_h"), "mg/Nm3": ("_mg_nm3",),
    "tC/GJ": ("_tc_per_gj",), "万Nm3": ("_10k_nm3",), "蒸吨/小时": ("_t_steam_h",), "台": ("_count",), "°": ("_deg",),
    "GJ/t 或 GJ/万Nm3": ("_gj_per_unit",),
}
# A numeric column without a unit is a pure number: a share, count, rank, index, score, ordinal or calendar field.
PURE_SUFFIXES = ("_share", "_fraction", "_ratio", "_count", "_rank", "_index", "_score", "_level", "_year", "_years",
                 "_number", "_no")
PURE_NAMES = {"year", "month", "quarter", "quadrant", "score", "rows_read", "rows_accepted", "rows_rejected",
              "rows_superseded", "months_below_required_rate", "years_below_threshold",
              "els",  # an elasticity: a ratio of two relative changes
              "weight"}  # a share of the city index, children adding up to their parent
# Quantities whose unit varies row by row and is written in a column of the same table.
UNIT_IN_COLUMN = {
    "activity_quantity": "activity_unit", "fuel_consumed_units": "fuel_unit_code", "indicator_value": "indicator_unit",
    "output_quantity": "amount_unit", "previous_output_quantity": "amount_unit", "pollutant_amount": "amount_unit",
    "previous_pollutant_amount": "amount_unit", "production_quantity": "production_unit",
    "reported_factor": "reported_factor_unit", "value": "unit", "value_canonical": "unit_canonical",
    "value_a": "value_unit", "value_b": "value_unit", "value_difference": "value_unit", "tolerance": "value_unit",
}
KNOWN_GAPS = {"gap_hours"}  # TODO(issue 26): schemas/fields.py should declare unit="h"; then delete this entry


def test_data_dictionary_is_regenerated():
    """docs/data_dictionary.md is generated from schemas/; regenerate it when a field changes."""
    committed = (Path(__file__).resolve().parents[3] / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
    assert committed == data_dictionary()


def test_every_column_has_a_comment():
    for name in TABLES:
        statements = duckdb_ddl(name)
        assert sum(s.startswith("COMMENT ON COLUMN") for s in statements) == len(TABLES[name].columns)


def _unit_name_problem(name: str, unit: str | None, columns: tuple[str, ...]) -> str | None:
    """Why a numeric column's name does not carry its unit (None when it does)."""
    if unit is not None:
        suffixes = UNIT_SUFFIXES.get(unit)
        if suffixes is None:
            return f"unit {unit!r} has no name suffix in UNIT_SUFFIXES"
        return None if name.endswith(suffixes) else f"unit {unit!r}: name should end with one of {suffixes}"
    if name in UNIT_IN_COLUMN:
        return None if UNIT_IN_COLUMN[name] in columns else f"no unit column {UNIT_IN_COLUMN[name]} beside it"
    if any(name.endswith(s) for suffixes in UNIT_SUFFIXES.values() for s in suffixes if s not in PURE_SUFFIXES):
        return "its name claims a unit the field does not declare"
    if name in PURE_NAMES or name.endswith(PURE_SUFFIXES):
        return None
    return "no unit, and not a share, count, rank, index, score or calendar field"


def test_every_numeric_column_carries_its_unit_in_its_name():
    problems = {f"{table.name}.{f.name}": problem for table in TABLES.values() for f in table.fields
                if f.dtype in ("int", "float") and f.name not in KNOWN_GAPS
                and (problem := _unit_name_problem(f.name, f.unit, table.columns))}
    assert problems == {}


def test_known_gaps_are_still_gaps():
    """An entry of KNOWN_GAPS whose field got its unit must leave the list."""
    fields = {f.name: f for table in TABLES.values() for f in table.fields}
    assert {n for n in KNOWN_GAPS if _unit_name_problem(n, fields[n].unit, ()) is not None} == KNOWN_GAPS


@pytest.mark.parametrize("name, unit, columns, broken", [
    ("co2_mass_t", "t", (), False), ("co2_mass", "t", (), True), ("so2_mass_t", "kg", (), True),
    ("basis_co2e_t", "tCO2e", (), False), ("basis_t", "tCO2e", (), True), ("coal_sulfur_pct", "%", (), False),
    ("heat_mj", "MJ", (), True), ("gap_hours", None, (), True), ("missing_hours", "h", (), False),
    ("facility_count", None, (), False), ("coal_mass", None, (), True), ("energy_tce", None, (), True),
    ("value", None, ("value", "unit"), False), ("value", None, ("value",), True),
])
def test_the_naming_rule_itself(name, unit, columns, broken):
    assert (_unit_name_problem(name, unit, columns) is not None) == broken
