"""Process CO2 as reported (inventories/process.py): the stated CO2, else activity x a per-tonne factor, else unknown."""

import polars as pl

from inventories.process import process_lines_as_reported


def test_stated_co2_wins_then_a_per_tonne_factor_else_unknown():
    lines = pl.DataFrame({
        "line_key": ["stated", "per_t", "per_t_zh", "other_unit"],
        "activity_quantity": [1_250_000.0, 1_250_000.0, 2_000.0, 2_000.0],
        "reported_factor": [0.52, 0.52, 0.405, 0.405],
        "reported_factor_unit": ["tCO2/t", "tCO2/t", "tCO2 / 吨", "kgCO2/t"],
        "reported_co2_mass_t": [650_100.0, None, None, None],
    })
    out = {r["line_key"]: (r["co2_mass_t"], r["parameter_source"]) for r in process_lines_as_reported(lines).to_dicts()}
    assert out["stated"] == (650_100.0, "reported")  # the report's own figure, not 1,250,000 x 0.52 = 650,000
    assert out["per_t"] == (650_000.0, "measured")  # 1,250,000 t clinker x 0.52 tCO2/t
    assert out["per_t_zh"] == (810.0, "measured")  # 2,000 t x 0.405 tCO2/吨 (spaces ignored)
    assert out["other_unit"] == (None, None)  # kgCO2/t is not recomputed: the line stays uncomputed
