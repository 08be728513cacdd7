"""Accounting assets: factor set -> per-line CO2 -> candidates -> fused facility inventory -> roll-ups.

The calculations live in `inventories/`; these assets only wire inputs, settings and metadata. The factor-set folder
is read once, by `core_inventory__factors`; every asset that computes with factors takes that asset's value.
"""

from pathlib import Path

import dagster as dg
import polars as pl

from inventories.candidates import Sources
from inventories.combustion import fuel_line_co2
from inventories.coverage import coverage, known_site_years
from inventories.facility_inventory import chosen_species, facility_candidates
from inventories.factor_library import FactorSet, FactorSetError, load_factor_set
from inventories.key_emitters import captive_power, ghg_reporters
from inventories.reference import accounting_settings, fuels, key_emitter_rule, power_industry_codes
from inventories.sql_models import (
    enterprise_inventory,
    facility_inventory,
    ghg_enterprise_co2,
    key_emitter_register,
    region_sector_inventory,
)
from pipelines.orchestration.jobs import MEMORY_HEAVY
from pipelines.orchestration.partitions import YEARLY, run_years
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.step_checks import checked_asset
from schemas.generate import conform

FACTORS = "core_inventory__factors"
_REGION = {"region_code": "factor_region"}  # the published name says whose region: the factor's, not a site's


@checked_asset(group_name="core_inventory", kinds={"polars"})
def core_inventory__factors(synergy: SynergyConfig) -> dg.Output[pl.DataFrame]:
    """The factor set this build uses (validated on load), published so every factor id resolves."""
    factor_set = load_factor_set(synergy.factor_set_path)
    factors = conform(factor_set.factors.rename(_REGION), FACTORS)
    recalled = factors.filter(pl.col("status") == "recalled").height
    return dg.Output(factors, metadata={"factor_set": factor_set.label, "factors": factors.height,
                                        "recalled_factors": recalled, "folder": str(factor_set.path)})


def factor_set_of(factors: pl.DataFrame) -> FactorSet:
    """The factor set as `core_inventory__factors` published it, for the assets that compute with factors.

    Taken from the asset's value, not re-read from the folder, so every number of a build stands on the published
    table (the folder may change while a build runs, or a later run may rebuild only some years).
    """
    labels = factors["factor_set"].unique().to_list()
    if len(labels) != 1:
        raise FactorSetError(f"{FACTORS} 应恰好有一个因子集 / should hold exactly one factor set, found {labels}")
    label = labels[0]
    name, _, version = label.split("+")[0].partition("@")  # the label is name@version[+base label]
    return FactorSet(name=name, version=version, path=Path(FACTORS),  # the published table, not a folder
                     factors=factors.rename({v: k for k, v in _REGION.items()}), label=label)


def _of_years(frame: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    return frame.filter(pl.col("year").is_in(years))


def up_to(frame: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """Every built year up to the last one asked for: the look-back and consecutive-year counts read them."""
    return frame.filter(pl.col("year") <= max(years))


ALL_YEARS = dg.AssetIn(partition_mapping=dg.AllPartitionMapping())
"""A yearly input read over every built year (for look-back), not only the run's years."""


@checked_asset(group_name="core_inventory", kinds={"polars"}, **YEARLY)
def core_inventory__ghg_fuel_line_co2(context: dg.AssetExecutionContext, core_ghg__fuel_lines: pl.DataFrame,
                                      core_inventory__factors: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Combustion CO2 per GHG fuel line with the parameters used and their provenance."""
    years = run_years(context)
    result = fuel_line_co2(_of_years(core_ghg__fuel_lines, years), factor_set_of(core_inventory__factors), fuels(),
                           power_industry_codes())
    result = conform(result, "core_inventory__ghg_fuel_line_co2").sort("source_record")
    uncomputed = result.filter(pl.col("co2_mass_t").is_null()).height
    return dg.Output(result, metadata={"rows": result.height, "uncomputed_lines": uncomputed,
                                       "lines_with_recalled_factor": int(result["has_recalled_factor"].sum())})


@checked_asset(group_name="core_inventory", kinds={"polars"}, pool=MEMORY_HEAVY, **YEARLY)
def core_inventory__yearly_facility_species_candidates(
    context: dg.AssetExecutionContext, core_inventory__factors: pl.DataFrame,
    core_inventory__ghg_fuel_line_co2: pl.DataFrame,
    core_facility__assn_sources: pl.DataFrame, core_facility__entity: pl.DataFrame,
    core_enterprise__entity: pl.DataFrame, core_ghg__energy_flows: pl.DataFrame, core_ghg__process_lines: pl.DataFrame,
    core_envstat__boilers: pl.DataFrame, core_envstat__kilns: pl.DataFrame, core_permit__fuel_analysis: pl.DataFrame,
    core_permit__execution_emissions: pl.DataFrame, out_cems__outlet_yearly: pl.DataFrame,
    core_envstat__enterprise: pl.DataFrame, core_ghg__power_monthly: pl.DataFrame,
) -> dg.Output[pl.DataFrame]:
    """Every candidate value per facility, year, species and scope, ranked by the method hierarchy."""
    years = run_years(context)
    sources = Sources(
        assn=core_facility__assn_sources, facilities=core_facility__entity, enterprises=core_enterprise__entity,
        ghg_fuel_line_co2=core_inventory__ghg_fuel_line_co2, ghg_energy_flows=_of_years(core_ghg__energy_flows, years),
        ghg_process_lines=_of_years(core_ghg__process_lines, years),
        envstat_boilers=_of_years(core_envstat__boilers, years), envstat_kilns=_of_years(core_envstat__kilns, years),
        permit_fuel_analysis=_of_years(core_permit__fuel_analysis, years),
        permit_execution=_of_years(core_permit__execution_emissions, years),
        cems_outlet_yearly=out_cems__outlet_yearly,
        envstat_enterprise=_of_years(core_envstat__enterprise, years),
        ghg_power_monthly=_of_years(core_ghg__power_monthly, years),
    )
    settings = accounting_settings()
    table = facility_candidates(sources, factor_set_of(core_inventory__factors), fuels(), power_industry_codes(), settings)
    table = conform(table, "core_inventory__yearly_facility_species_candidates")
    by_selection = dict(table.group_by("selection").len().iter_rows())
    return dg.Output(table, metadata={"candidates": table.height, "gwp_set": settings["gwp_set"],
                                      "grid_purpose": settings["grid_purpose"],
                                      **{f"selection_{k}": int(v) for k, v in sorted(by_selection.items())}})


@checked_asset(group_name="core_inventory", kinds={"polars"}, **YEARLY)
def core_inventory__yearly_facility_species(
        core_inventory__yearly_facility_species_candidates: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """The fused inventory: the chosen value(s) per facility, year, species and scope."""
    table = conform(chosen_species(core_inventory__yearly_facility_species_candidates),
                    "core_inventory__yearly_facility_species")
    methods = dict(table.group_by("method").len().iter_rows())
    return dg.Output(table, metadata={"rows": table.height, **{f"method_{k}": int(v) for k, v in sorted(methods.items())}})


def _known(assn: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """Site- and enterprise-years any source has records on, up to the run's last year."""
    return up_to(known_site_years(assn), years)


@checked_asset(group_name="out_inventory", kinds={"duckdb"}, **YEARLY)
def out_inventory__yearly_facility(context: dg.AssetExecutionContext,
                                   core_inventory__yearly_facility_species: pl.DataFrame,
                                   core_facility__entity: pl.DataFrame, core_enterprise__entity: pl.DataFrame,
                                   core_facility__assn_sources: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """One row per facility and year any source knows: CO2 by scope, CO2e, pollutants, energy, methods, completeness."""
    known = _of_years(known_site_years(core_facility__assn_sources), run_years(context))
    table = facility_inventory(core_inventory__yearly_facility_species, core_facility__entity, core_enterprise__entity,
                               known)
    table = conform(table, "out_inventory__yearly_facility")
    statuses = dict(table.group_by("co2_status").len().iter_rows())
    return dg.Output(table, metadata={"facility_years": table.height,
                                      "co2e_t": float(table["co2e_t"].sum() or 0.0),
                                      "gap_filled_rows": int(table["has_gap_filled"].sum()),
                                      **{f"co2_{k}": int(v) for k, v in sorted(statuses.items())}})


@checked_asset(group_name="out_qa", kinds={"polars"}, **YEARLY)
def out_qa__coverage(context: dg.AssetExecutionContext, core_facility__assn_sources: pl.DataFrame,
                     core_inventory__yearly_facility_species_candidates: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Per enterprise, year and source system: present, matched, species given and taken, and why not."""
    assn = core_facility__assn_sources.filter(pl.col("record_year").is_in(run_years(context)))
    table = conform(coverage(assn, core_inventory__yearly_facility_species_candidates), "out_qa__coverage")
    silent = table.filter(pl.col("coverage_reason_en").is_not_null())
    return dg.Output(table, metadata={"rows": table.height, "sources_giving_nothing": silent.height})


@checked_asset(group_name="out_inventory", kinds={"duckdb"}, **YEARLY)
def out_inventory__yearly_enterprise(out_inventory__yearly_facility: pl.DataFrame,
                                     core_enterprise__entity: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """The facility inventory summed per legal-person enterprise (USCC) and year."""
    table = conform(enterprise_inventory(out_inventory__yearly_facility, core_enterprise__entity),
                    "out_inventory__yearly_enterprise")
    return dg.Output(table, metadata={"enterprise_years": table.height, "co2e_t": float(table["co2e_t"].sum() or 0.0)})


@checked_asset(group_name="out_inventory", kinds={"duckdb"}, ins={"core_inventory__yearly_facility_species": ALL_YEARS},
          pool=MEMORY_HEAVY, **YEARLY)
def out_inventory__yearly_region_sector(context: dg.AssetExecutionContext,
                                        core_inventory__yearly_facility_species: pl.DataFrame,
                                        core_facility__entity: pl.DataFrame, core_enterprise__entity: pl.DataFrame,
                                        core_facility__assn_sources: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Province, city and county x sector x species roll-ups with method shares and change on the previous year.

    Reads every built year up to the run's last, so a one-year run still has the previous year to compare with.
    """
    years = run_years(context)
    species = up_to(core_inventory__yearly_facility_species, years)
    facility = facility_inventory(species, core_facility__entity, core_enterprise__entity,
                                  _known(core_facility__assn_sources, years))
    table = conform(_of_years(region_sector_inventory(species, facility), years), "out_inventory__yearly_region_sector")
    province = table.filter((pl.col("region_level") == "province") & (pl.col("sector_scheme") == "all"))
    return dg.Output(table, metadata={
        "rows": table.height, "cities": table.filter(pl.col("region_level") == "city")["region_code"].n_unique(),
        "counties": table.filter(pl.col("region_level") == "county")["region_code"].n_unique(),
        "province_co2e_t": float(province["co2e_t"].sum() or 0.0)})


@dg.asset(group_name="core_inventory", kinds={"duckdb"}, **YEARLY)
def _core_inventory__yearly_enterprise_ghg(context: dg.AssetExecutionContext,
                                           core_inventory__ghg_fuel_line_co2: pl.DataFrame,
                                           core_ghg__fuel_lines: pl.DataFrame,
                                           core_facility__assn_sources: pl.DataFrame) -> pl.DataFrame:
    """GHG-reported combustion CO2 per enterprise and year of the run (who reports, and what).

    Lines a matching guard holds back (is_countable false) stay out of the sums until an analyst resolves them.
    """
    held = core_facility__assn_sources.filter((pl.col("source_table") == "core_ghg__fuel_lines")
                                              & ~pl.col("is_countable"))
    keys = held.select(pl.format("{}#{}", "source_record", pl.col("file_sha256").str.slice(0, 12)))["source_record"]
    co2 = core_inventory__ghg_fuel_line_co2.filter(~pl.col("source_record").is_in(keys.implode()))
    lines = _of_years(core_ghg__fuel_lines, run_years(context)).join(
        held, on=["file_sha256", "sheet_name", "row_number"], how="anti", nulls_equal=True)
    context.add_output_metadata({"fuel_lines_held_back": held.height})
    return ghg_enterprise_co2(co2, lines, str(key_emitter_rule()["gwp_set"]))


@checked_asset(group_name="out_key_emitters", kinds={"duckdb"}, **YEARLY,
          ins={"core_inventory__yearly_facility_species": ALL_YEARS, "_core_inventory__yearly_enterprise_ghg": ALL_YEARS})
def out_key_emitters__register(context: dg.AssetExecutionContext, core_inventory__yearly_facility_species: pl.DataFrame,
                               core_facility__entity: pl.DataFrame, core_enterprise__entity: pl.DataFrame,
                               core_permit__registry: pl.DataFrame, core_ghg__power_monthly: pl.DataFrame,
                               _core_inventory__yearly_enterprise_ghg: pl.DataFrame,
                               core_facility__assn_sources: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Key-emitter register per enterprise and year on the fused inventory, judged over the full look-back window.

    The enterprise sums are taken again over every built year up to the run's last (look-back, consecutive years).
    """
    years = run_years(context)
    facility = facility_inventory(up_to(core_inventory__yearly_facility_species, years), core_facility__entity,
                                  core_enterprise__entity, _known(core_facility__assn_sources, years))
    enterprise = enterprise_inventory(facility, core_enterprise__entity)
    captive = captive_power(core_permit__registry, core_facility__entity, core_ghg__power_monthly, core_enterprise__entity)
    reporters = ghg_reporters(up_to(_core_inventory__yearly_enterprise_ghg, years),
                              up_to(core_inventory__yearly_facility_species, years))
    register = key_emitter_register(enterprise, captive, reporters)
    register = conform(_of_years(register, years), "out_key_emitters__register")
    flagged = register.filter(pl.col("is_key_emitter"))
    statuses = dict(register.group_by("register_status").len().iter_rows())
    return dg.Output(register, metadata={
        "rows": register.height, "key_emitter_rows": flagged.height, "key_emitter_enterprises": flagged["uscc"].n_unique(),
        "emissions_basis": str(key_emitter_rule()["emissions_basis"]), "captive_power_enterprises": captive.height,
        **{f"status_{k}": int(v) for k, v in sorted(statuses.items())}})
