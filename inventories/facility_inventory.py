"""The fused facility inventory (融合清单): candidates from every source, then one chosen value each.

Pure functions over polars frames; the Dagster assets only pass tables in. Wide facility and enterprise
tables are DuckDB SQL models (sql/out_inventory__yearly_facility.sql, ..._enterprise.sql).
"""

from __future__ import annotations

import polars as pl

from inventories.candidates import (
    CANDIDATE_COLUMNS,
    Sources,
    calculated_candidates,
    ghg_fuel_lines,
    ghg_reported,
    permit_reported,
)
from inventories.factor_library import FactorSet
from inventories.hierarchy import allocate, choose, missing_lines, site_shares, with_co2e
from inventories.monitored import cems_candidates
from inventories.power_monthly import monthly_lines, power_monthly_candidates
from inventories.statistics_totals import statistics_total_candidates

CHOSEN_COLUMNS = ("facility_id", "uscc", "year", "species", "scope", "method", "mass_t", "co2e_t", "gwp_set",
                  "energy_tce", "heat_input_gj", "parameter_source", "source_system", "source_table", "source_record",
                  "factor_ids", "factor_set", "has_recalled_factor", "filled_from", "gap_fill_kind", "allocation_share",
                  "is_lower_bound", "missing_parameters")


def facility_candidates(sources: Sources, factor_set: FactorSet, fuels: pl.DataFrame, power_codes: set[str],
                        settings: dict) -> pl.DataFrame:
    """core_inventory__yearly_facility_species_candidates: every candidate, ranked, with `selection`."""
    calculated, line_results = calculated_candidates(sources, factor_set, fuels, power_codes)
    ghg = ghg_reported(sources, factor_set, settings["grid_purpose"])
    enterprise_level = [c.select(CANDIDATE_COLUMNS) for c in (
        ghg, power_monthly_candidates(sources, factor_set, fuels, power_codes),
        statistics_total_candidates(sources, factor_set, fuels, power_codes)) if c.height]
    filled = missing_lines(reported_fuels(sources), line_results, fuels)
    shares = site_shares(calculated)
    spread = allocate(pl.concat(enterprise_level, how="vertical_relaxed"), shares) if enterprise_level else ghg
    everything = pl.concat([calculated.select(CANDIDATE_COLUMNS), spread.select(CANDIDATE_COLUMNS),
                            filled.select(CANDIDATE_COLUMNS),
                            permit_reported(sources).select(CANDIDATE_COLUMNS),
                            cems_candidates(sources.cems_outlet_yearly, sources.facilities, sources.permit_execution)],
                           how="vertical_relaxed")
    everything = everything.with_columns(pl.lit(factor_set.label).alias("factor_set"))
    ranked = choose(with_co2e(everything, factor_set, settings["gwp_set"]), settings)
    return ranked.sort("facility_id", "year", "species", "scope", "method_rank", "source_system", "source_table")


def reported_fuels(sources: Sources) -> pl.DataFrame:
    """uscc, year, fuel_code of what the GHG system reports: the annual fuel lines, else the power monthly records.

    A fuel the other systems show but these lack is filled as a missing line, for a monthly-only year too (a plant's
    diesel or gas is not in its coal-unit 存证).
    """
    annual = ghg_fuel_lines(sources).select("uscc", "year", "fuel_code")
    monthly = monthly_lines(sources).select("uscc", "year", "fuel_code").join(annual, on=["uscc", "year"], how="anti")
    return pl.concat([annual, monthly]).unique()


def chosen_species(candidates: pl.DataFrame) -> pl.DataFrame:
    """core_inventory__yearly_facility_species: the chosen candidate(s) per facility, year, species and scope."""
    return candidates.filter(pl.col("is_chosen")).select(CHOSEN_COLUMNS)
