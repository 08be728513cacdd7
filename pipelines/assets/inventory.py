"""Accounting assets: factor set -> per-line CO2 -> candidates -> fused facility inventory -> roll-ups.

The calculations live in `inventories/`; these assets only wire inputs, settings and metadata.
"""


import dagster as dg
import polars as pl

from inventories.candidates import Sources
from inventories.combustion import fuel_line_co2
from inventories.facility_inventory import chosen_species, facility_candidates
from inventories.factor_library import load_factor_set
from inventories.key_emitters import captive_power
from inventories.reference import accounting_settings, fuels, key_emitter_rule, power_industry_codes
from inventories.sql_models import (
    enterprise_inventory,
    facility_inventory,
    ghg_enterprise_co2,
    key_emitter_register,
    region_sector_inventory,
)
from pipelines.resources import SynergyConfig
from schemas.generate import conform


@dg.asset(group_name="core_inventory", kinds={"polars"})
def core_inventory__factors(synergy: SynergyConfig) -> dg.Output[pl.DataFrame]:
    """The factor set this build uses (validated on load), published so every factor id resolves."""
    factor_set = load_factor_set(synergy.factor_set_path)
    factors = conform(factor_set.factors.rename({"region_code": "factor_region"}), "core_inventory__factors")
    recalled = factors.filter(pl.col("status") == "recalled").height
    return dg.Output(factors, metadata={"factor_set": factor_set.label, "factors": factors.height,
                                        "recalled_factors": recalled})


def _window(years: list[int]) -> list[int]:
    """Years to compute so the register's look-back has its earlier years too."""
    lookback = int(key_emitter_rule()["lookback_years"])
    return sorted({y - k for y in years for k in range(lookback + 1)})


def _in_window(frame: pl.DataFrame, synergy: SynergyConfig) -> pl.DataFrame:
    return frame.filter(pl.col("year").is_in(_window(synergy.years))) if synergy.years else frame


def _requested(frame: pl.DataFrame, synergy: SynergyConfig) -> pl.DataFrame:
    return frame.filter(pl.col("year").is_in(synergy.years)) if synergy.years else frame


@dg.asset(group_name="core_inventory", kinds={"polars"})
def core_inventory__ghg_fuel_line_co2(synergy: SynergyConfig, core_ghg__fuel_lines: pl.DataFrame,
                                      core_inventory__factors: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Combustion CO2 per GHG fuel line with the parameters used and their provenance."""
    factor_set = load_factor_set(synergy.factor_set_path)
    result = fuel_line_co2(_in_window(core_ghg__fuel_lines, synergy), factor_set, fuels(), power_industry_codes())
    result = conform(result, "core_inventory__ghg_fuel_line_co2").sort("source_record")
    uncomputed = result.filter(pl.col("co2_mass_t").is_null()).height
    return dg.Output(result, metadata={"rows": result.height, "uncomputed_lines": uncomputed,
                                       "lines_with_recalled_factor": int(result["has_recalled_factor"].sum())})


@dg.asset(group_name="core_inventory", kinds={"polars"})
def core_inventory__yearly_facility_species_candidates(
    synergy: SynergyConfig, core_inventory__factors: pl.DataFrame, core_inventory__ghg_fuel_line_co2: pl.DataFrame,
    core_facility__assn_sources: pl.DataFrame, core_facility__entity: pl.DataFrame,
    core_enterprise__entity: pl.DataFrame, core_ghg__energy_flows: pl.DataFrame, core_ghg__process_lines: pl.DataFrame,
    core_envstat__boilers: pl.DataFrame, core_envstat__kilns: pl.DataFrame, core_permit__fuel_analysis: pl.DataFrame,
    core_permit__execution_emissions: pl.DataFrame,
) -> dg.Output[pl.DataFrame]:
    """Every candidate value per facility, year, species and scope, ranked by the method hierarchy."""
    sources = Sources(
        assn=core_facility__assn_sources, facilities=core_facility__entity, enterprises=core_enterprise__entity,
        ghg_fuel_line_co2=core_inventory__ghg_fuel_line_co2, ghg_energy_flows=_in_window(core_ghg__energy_flows, synergy),
        ghg_process_lines=_in_window(core_ghg__process_lines, synergy),
        envstat_boilers=_in_window(core_envstat__boilers, synergy), envstat_kilns=_in_window(core_envstat__kilns, synergy),
        permit_fuel_analysis=_in_window(core_permit__fuel_analysis, synergy),
        permit_execution=_in_window(core_permit__execution_emissions, synergy),
    )
    settings = accounting_settings()
    table = facility_candidates(sources, load_factor_set(synergy.factor_set_path), fuels(), power_industry_codes(), settings)
    table = conform(table, "core_inventory__yearly_facility_species_candidates")
    by_selection = dict(table.group_by("selection").len().iter_rows())
    return dg.Output(table, metadata={"candidates": table.height, "gwp_set": settings["gwp_set"],
                                      "grid_purpose": settings["grid_purpose"],
                                      **{f"selection_{k}": int(v) for k, v in sorted(by_selection.items())}})


@dg.asset(group_name="core_inventory", kinds={"polars"})
def core_inventory__yearly_facility_species(
        core_inventory__yearly_facility_species_candidates: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """The fused inventory: the chosen value(s) per facility, year, species and scope."""
    table = conform(chosen_species(core_inventory__yearly_facility_species_candidates),
                    "core_inventory__yearly_facility_species")
    methods = dict(table.group_by("method").len().iter_rows())
    return dg.Output(table, metadata={"rows": table.height, **{f"method_{k}": int(v) for k, v in sorted(methods.items())}})


@dg.asset(group_name="out_inventory", kinds={"duckdb"})
def out_inventory__yearly_facility(synergy: SynergyConfig, core_inventory__yearly_facility_species: pl.DataFrame,
                                   core_facility__entity: pl.DataFrame,
                                   core_enterprise__entity: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """One row per facility and year: CO2 by scope, CO2e, pollutants, energy, methods and completeness."""
    table = facility_inventory(core_inventory__yearly_facility_species, core_facility__entity, core_enterprise__entity)
    table = conform(_requested(table, synergy), "out_inventory__yearly_facility")
    return dg.Output(table, metadata={"facility_years": table.height,
                                      "co2e_t": float(table["co2e_t"].sum() or 0.0),
                                      "gap_filled_rows": int(table["has_gap_filled"].sum())})


@dg.asset(group_name="out_inventory", kinds={"duckdb"})
def out_inventory__yearly_enterprise(out_inventory__yearly_facility: pl.DataFrame,
                                     core_enterprise__entity: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """The facility inventory summed per legal-person enterprise (USCC) and year."""
    table = conform(enterprise_inventory(out_inventory__yearly_facility, core_enterprise__entity),
                    "out_inventory__yearly_enterprise")
    return dg.Output(table, metadata={"enterprise_years": table.height, "co2e_t": float(table["co2e_t"].sum() or 0.0)})


@dg.asset(group_name="out_inventory", kinds={"duckdb"})
def out_inventory__yearly_region_sector(synergy: SynergyConfig, core_inventory__yearly_facility_species: pl.DataFrame,
                                        core_facility__entity: pl.DataFrame,
                                        core_enterprise__entity: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Province, city and county x sector x species roll-ups with method shares and change on the previous year.

    Rolled up over the look-back window too, so a one-year build still has the previous year to compare with.
    """
    facility = facility_inventory(core_inventory__yearly_facility_species, core_facility__entity, core_enterprise__entity)
    table = conform(_requested(region_sector_inventory(core_inventory__yearly_facility_species, facility), synergy),
                    "out_inventory__yearly_region_sector")
    province = table.filter((pl.col("region_level") == "province") & (pl.col("sector_scheme") == "all"))
    return dg.Output(table, metadata={
        "rows": table.height, "cities": table.filter(pl.col("region_level") == "city")["region_code"].n_unique(),
        "counties": table.filter(pl.col("region_level") == "county")["region_code"].n_unique(),
        "province_co2e_t": float(province["co2e_t"].sum() or 0.0)})


@dg.asset(group_name="core_inventory", kinds={"duckdb"})
def _core_inventory__yearly_enterprise_ghg(context: dg.AssetExecutionContext,
                                           core_inventory__ghg_fuel_line_co2: pl.DataFrame,
                                           core_ghg__fuel_lines: pl.DataFrame,
                                           core_facility__assn_sources: pl.DataFrame) -> pl.DataFrame:
    """GHG-reported combustion CO2 per enterprise over the requested and look-back years (who reports, and what).

    Lines a matching guard holds back (is_countable false) stay out of the sums until an analyst resolves them.
    """
    held = core_facility__assn_sources.filter((pl.col("source_table") == "core_ghg__fuel_lines")
                                              & ~pl.col("is_countable"))
    keys = held.select(pl.format("{}#{}", "source_record", pl.col("file_sha256").str.slice(0, 12)))["source_record"]
    co2 = core_inventory__ghg_fuel_line_co2.filter(~pl.col("source_record").is_in(keys.implode()))
    lines = core_ghg__fuel_lines.join(held, on=["file_sha256", "sheet_name", "row_number"], how="anti",
                                      nulls_equal=True)
    context.add_output_metadata({"fuel_lines_held_back": held.height})
    return ghg_enterprise_co2(co2, lines, str(key_emitter_rule()["gwp_set"]))


@dg.asset(group_name="out_key_emitters", kinds={"duckdb"})
def out_key_emitters__register(synergy: SynergyConfig, core_inventory__yearly_facility_species: pl.DataFrame,
                               core_facility__entity: pl.DataFrame, core_enterprise__entity: pl.DataFrame,
                               core_permit__registry: pl.DataFrame, core_ghg__power_monthly: pl.DataFrame,
                               _core_inventory__yearly_enterprise_ghg: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Key-emitter register per enterprise and year on the fused inventory, judged over the full look-back window.

    The enterprise sums are taken again over the window years (the published inventory holds the requested years only).
    """
    facility = facility_inventory(core_inventory__yearly_facility_species, core_facility__entity, core_enterprise__entity)
    enterprise = enterprise_inventory(facility, core_enterprise__entity)
    captive = captive_power(core_permit__registry, core_facility__entity, core_ghg__power_monthly, core_enterprise__entity)
    register = key_emitter_register(enterprise, captive, _core_inventory__yearly_enterprise_ghg)
    register = conform(_requested(register, synergy), "out_key_emitters__register")
    flagged = register.filter(pl.col("is_key_emitter"))
    statuses = dict(register.group_by("register_status").len().iter_rows())
    return dg.Output(register, metadata={
        "rows": register.height, "key_emitter_rows": flagged.height, "key_emitter_enterprises": flagged["uscc"].n_unique(),
        "emissions_basis": str(key_emitter_rule()["emissions_basis"]), "captive_power_enterprises": captive.height,
        **{f"status_{k}": int(v) for k, v in sorted(statuses.items())}})
