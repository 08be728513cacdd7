"""How many enterprises the sources know but the inventory cannot value, and why (build summary, status, report).

Read from the published warehouse for one year (the latest by default): a figure summed over years hides which
year is incomplete. The reasons are the inventory's own (`missing_parameters` of a lower bound), else that no
source gives a fuel or emission figure for the enterprise.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.deliver.queries import query
from pipelines.deliver.warehouse import table_columns

NO_FIGURE = "无可核算的燃料或排放数据 / no fuel or emission figure"
TOP_REASONS = 3


@dataclass(frozen=True)
class CoverageGaps:
    year: int
    enterprises: int
    without_co2e: int  # co2_status not_computed
    co2e_lower_bound: int  # some fuel lines could not be computed
    without_pollutant: int  # none of SO2, NOx, PM from any source
    top_reasons: list[tuple[str, int]]  # (reason, enterprises) for the CO2e gaps, most frequent first


def coverage_gaps(con: duckdb.DuckDBPyConnection, year: int | None = None) -> CoverageGaps | None:
    """The year's gaps, or None for a warehouse built before the inventory knew them (or with no inventory)."""
    if "co2_status" not in table_columns(con, "out_inventory__yearly_enterprise"):
        return None
    year = year or con.execute(query("inventory_latest_year")).fetchone()[0]
    if year is None:
        return None
    counts = con.execute(query("coverage_gaps"), {"year": year}).fetchone()
    reasons = con.execute(query("coverage_gap_reasons"), {"year": year, "none": NO_FIGURE, "top": TOP_REASONS}).fetchall()
    return CoverageGaps(year, *counts, top_reasons=[(r, n) for r, n in reasons])



def gaps_line(gaps: CoverageGaps) -> str:
    """One line: counts, then the top reasons."""
    reasons = "; ".join(f"{reason} × {n}" for reason, n in gaps.top_reasons)
    return (f"{gaps.year}: {gaps.without_co2e:,} 无CO2e no CO2e, {gaps.co2e_lower_bound:,} 下限值 lower bound, "
            f"{gaps.without_pollutant:,} 无污染物 no pollutant, of {gaps.enterprises:,}"
            + (f"; CO2e 原因 reasons: {reasons}" if reasons else ""))
