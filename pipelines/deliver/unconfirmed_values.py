"""How many inventory values rest on factor rows no official text confirms (build summary, status, report).

A chosen facility value (core_inventory__yearly_facility_species) counts under `recalled` or `judgement` when a
factor id it names has that status in core_inventory__factors; one value may count under both. Read for one year
(the latest by default), as the coverage gaps are: a count summed over years hides which year depends on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.deliver.queries import query
from pipelines.deliver.warehouse import table_columns

VALUES = "core_inventory__yearly_facility_species"
FACTORS = "core_inventory__factors"


@dataclass(frozen=True)
class UnconfirmedValues:
    year: int
    values: int  # chosen facility values of the year (every species)
    recalled: int  # of them, values naming a recalled factor row
    judgement: int  # values naming a judgement row (the team's choice where no official figure exists)
    recalled_co2_t: float  # direct CO2 of the recalled-based values
    judgement_co2_t: float


def unconfirmed_values(con: duckdb.DuckDBPyConnection, year: int | None = None) -> UnconfirmedValues | None:
    """The year's counts, or None for a warehouse without the tables (older build, or no inventory yet)."""
    if "factor_ids" not in table_columns(con, VALUES) or "status" not in table_columns(con, FACTORS):
        return None
    year = year or con.execute(query("facility_species_latest_year")).fetchone()[0]
    if year is None:
        return None
    row = con.execute(query("unconfirmed_values"), {"year": year}).fetchone()
    return UnconfirmedValues(year, *row)



def unconfirmed_line(found: UnconfirmedValues) -> str:
    """One line for the terminal."""
    return (f"{found.year}: {found.recalled:,} 待核实 recalled ({found.recalled_co2_t:,.1f} t CO2), "
            f"{found.judgement:,} 专业判断 judgement ({found.judgement_co2_t:,.1f} t CO2) of {found.values:,} values")
