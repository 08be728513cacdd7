"""Accounting assets: factor set -> CO2 per fuel line -> enterprise inventory -> key-emitter register.

The calculations live in `inventories/`; these assets only wire inputs, settings and metadata.
"""


import dagster as dg
import polars as pl

from inventories.combustion import fuel_line_co2
from inventories.factor_library import load_factor_set
from inventories.reference import fuels, key_emitter_rule, power_industry_codes
from inventories.sql_models import enterprise_inventory, key_emitter_register
from pipelines.resources import SynergyConfig
from schemas.generate import conform


@dg.asset(group_name="core_inventory", kinds={"polars"})
def core_inventory__factors(synergy: SynergyConfig) -> dg.Output[pl.DataFrame]:
    """The factor set this build uses (validated on load), published so every factor id resolves."""
    factor_set = load_factor_set(synergy.factor_set_path)
    factors = conform(factor_set.factors, "core_inventory__factors")
    recalled = factors.filter(pl.col("status") == "recalled").height
    return dg.Output(factors, metadata={"factor_set": factor_set.label, "factors": factors.height,
                                        "recalled_factors": recalled})


def _window(years: list[int]) -> list[int]:
    """Years to compute so the register's look-back has its earlier years too."""
    lookback = int(key_emitter_rule()["lookback_years"])
    return sorted({y - k for y in years for k in range(lookback + 1)})


@dg.asset(group_name="core_inventory", kinds={"polars"})
def core_inventory__ghg_fuel_line_co2(synergy: SynergyConfig, core_ghg__fuel_lines: pl.DataFrame,
                                      core_inventory__factors: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Combustion CO2 per GHG fuel line with the parameters used and their provenance."""
    factor_set = load_factor_set(synergy.factor_set_path)
    lines = core_ghg__fuel_lines
    if synergy.years:
        lines = lines.filter(pl.col("year").is_in(_window(synergy.years)))
    gj_per_tce = factor_set.factors.filter(pl.col("parameter") == "gj_per_tce")["value"][0]
    result = fuel_line_co2(lines, factor_set, fuels(), power_industry_codes(), gj_per_tce)
    result = conform(result, "core_inventory__ghg_fuel_line_co2").sort("source_record")
    uncomputed = result.filter(pl.col("co2_mass_t").is_null()).height
    return dg.Output(result, metadata={"rows": result.height, "uncomputed_lines": uncomputed,
                                       "lines_with_recalled_factor": int(result["has_recalled_factor"].sum())})


@dg.asset(group_name="core_inventory", kinds={"duckdb"})
def _core_inventory__yearly_enterprise_window(context: dg.AssetExecutionContext,
                                              core_inventory__ghg_fuel_line_co2: pl.DataFrame,
                                              core_ghg__fuel_lines: pl.DataFrame,
                                              core_facility__assn_sources: pl.DataFrame) -> pl.DataFrame:
    """Enterprise sums over the requested years plus the register's look-back years (DuckDB SQL model).

    Lines a matching guard holds back (is_countable false) stay out of the sums until an analyst resolves them.
    """
    held = core_facility__assn_sources.filter((pl.col("source_table") == "core_ghg__fuel_lines")
                                              & ~pl.col("is_countable"))
    keys = held.select(pl.format("{}#{}", "source_record", pl.col("file_sha256").str.slice(0, 12)))["source_record"]
    co2 = core_inventory__ghg_fuel_line_co2.filter(~pl.col("source_record").is_in(keys.implode()))
    lines = core_ghg__fuel_lines.join(held, on=["file_sha256", "sheet_name", "row_number"], how="anti",
                                      nulls_equal=True)
    context.add_output_metadata({"fuel_lines_held_back": held.height})
    gwp_set = str(key_emitter_rule()["gwp_set"])
    return enterprise_inventory(co2, lines, gwp_set)


def _requested(frame: pl.DataFrame, synergy: SynergyConfig) -> pl.DataFrame:
    return frame.filter(pl.col("year").is_in(synergy.years)) if synergy.years else frame


@dg.asset(group_name="out_inventory", kinds={"duckdb"})
def out_inventory__yearly_enterprise(synergy: SynergyConfig,
                                     _core_inventory__yearly_enterprise_window: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Combustion CO2 per enterprise and year, for the requested years."""
    table = conform(_requested(_core_inventory__yearly_enterprise_window, synergy), "out_inventory__yearly_enterprise")
    return dg.Output(table, metadata={"enterprise_years": table.height,
                                      "co2_mass_t": float(table["co2_mass_t"].sum())})


@dg.asset(group_name="out_key_emitters", kinds={"duckdb"})
def out_key_emitters__register(synergy: SynergyConfig,
                               _core_inventory__yearly_enterprise_window: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Key-emitter flags per enterprise and year, judged over the full look-back window."""
    register = key_emitter_register(_core_inventory__yearly_enterprise_window)
    register = conform(_requested(register, synergy), "out_key_emitters__register")
    flagged = register.filter(pl.col("is_key_emitter"))
    return dg.Output(register, metadata={"rows": register.height, "key_emitter_rows": flagged.height,
                                         "key_emitter_enterprises": flagged["uscc"].n_unique()})
