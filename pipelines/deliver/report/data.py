"""The report's reading: one year of the published warehouse, read-only, as frames and figures (no HTML here).

Every query is a named file under pipelines/deliver/sql/ (report_*.sql) run with bound parameters. Totals come from
out_inventory__yearly_region_sector, so the report adds up exactly like the published roll-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.deliver.coverage_gaps import CoverageGaps, coverage_gaps
from pipelines.deliver.queries import query
from pipelines.deliver.tabular_files import DataStamp, data_stamp
from pipelines.deliver.unconfirmed_values import UnconfirmedValues, unconfirmed_values
from schemas.fields import SPECIES

ROLLUP = "out_inventory__yearly_region_sector"
REQUIRED = (ROLLUP, "out_inventory__yearly_enterprise", "out_inventory__yearly_facility", "core_inventory__factors")
FINDINGS = "out_crosscheck__findings"  # older warehouses have none: the quality box says so
SYNERGY = ("out_synergy__yearly_enterprise", "out_synergy__yearly_sector",  # older warehouses have none:
           "out_synergy__yearly_city_index")  # the synergy section says so
DEMO_PREFIX = "演示"  # every synthetic demo enterprise name starts with it
# report_rollup.sql's key_code / key_name per grouping: a region, a sector class, or none (the level's total)
ROLLUP_KEYS = {"region": ("region_code", "region_name"), "sector": ("sector_class_code", "sector_class_name"), None: ()}


class ReportError(RuntimeError):
    """The warehouse cannot give the report (missing, built by an older version, or no inventory for the year)."""


@dataclass(frozen=True)
class Synergy:
    """The synergy section's rows of one year, read from the out_synergy__ tables."""

    readings: pl.DataFrame  # per pollutant: enterprises per reading, and the province ('all' sectors) change and Els
    sectors: pl.DataFrame  # APeq per GB/T 4754 division and 'all': reductions (x, y), Els, reading, quadrant
    enterprises: pl.DataFrame  # APeq reductions (x, y) per enterprise, by USCC
    index: pl.DataFrame  # the index (indicator_level 0) per city
    aspects: pl.DataFrame  # the 方面 (indicator_level 1) per city
    levels: pl.DataFrame  # per indicator level: how many indicators, on which weight basis


@dataclass(frozen=True)
class Quality:
    """What the 数据质量 box says: findings (None: the warehouse has no cross-checks), coverage and the factors."""

    findings: tuple[int, int, int] | None  # open errors, open warnings, explained or confirmed
    error_rules: list[tuple[str | None, str, int]]  # (title, rule id, open errors), most first
    gaps: CoverageGaps | None
    factor_statuses: dict[str, int]  # factor rows per status in the factor sets used
    unconfirmed: UnconfirmedValues | None


@dataclass(frozen=True)
class ReportData:
    """Everything the report of one year shows, read in one read-only connection."""

    province: str
    total: dict  # the province's roll-up row (report_rollup.sql columns)
    cities: pl.DataFrame  # roll-up per city, with site_count
    counts: tuple[int, int]  # sites, enterprises
    market: pl.DataFrame  # roll-up per carbon-market sector
    divisions: pl.DataFrame  # roll-up per GB/T 4754 division
    enterprises: pl.DataFrame  # per enterprise: uscc, enterprise_name, city_code, co2e_t, so2_mass_t, nox_mass_t
    demo: tuple[int, int]  # enterprises named DEMO_PREFIX…, all enterprises
    shares: pl.DataFrame  # method shares per species
    factor_sets: list[str]
    quality: Quality
    stamp: DataStamp
    synergy: Synergy | None  # None: a warehouse built before the synergy tables


def rollup(con: duckdb.DuckDBPyConnection, year: int, level: str, scheme: str, by: str | None) -> pl.DataFrame:
    """The year's roll-up rows of one region level and sector scheme, summed over species and scopes per key.

    by: "region" (one row per region), "sector" (one per sector class), None (one row: the level's total, all
    empty when the level has no rows, as an aggregate without GROUP BY gives).
    """
    frame = con.execute(query("report_rollup"), {"year": year, "level": level, "scheme": scheme, "by": by}).pl()
    keys = ROLLUP_KEYS[by]
    if not keys:
        frame = frame.drop("key_code", "key_name")
        return frame if frame.height else frame.clear(1)
    return frame.rename(dict(zip(("key_code", "key_name"), keys, strict=True)))


def method_shares(con: duckdb.DuckDBPyConnection, year: int) -> pl.DataFrame:
    """Mass-weighted method shares per species over the province's scopes; direct and indirect CO2 apart."""
    return con.execute(query("report_method_shares"), {"year": year, "species": list(SPECIES)}).pl().drop("item_order")


def synergy(con: duckdb.DuckDBPyConnection, year: int) -> Synergy:
    """The year's synergy rows: enterprise and sector readings (none in the first year) and the city index."""
    params = {"year": year}
    return Synergy(*(con.execute(query(f"report_{name}"), params).pl()
                     for name in ("synergy_readings", "synergy_sectors", "synergy_enterprises", "city_index",
                                  "city_index_aspects", "city_index_levels")))


def factor_sets(total: dict) -> list[str]:
    """The factor sets behind the province total, sorted (the roll-up joins them with '; ')."""
    return sorted({s for s in (total["factor_set"] or "").split("; ") if s})


def quality(con: duckdb.DuckDBPyConnection, year: int, has_findings: bool, sets: list[str]) -> Quality:
    """The year's open cross-check findings, coverage gaps, and the factor library's unverified factors."""
    params = {"year": year}
    return Quality(con.execute(query("report_finding_counts"), params).fetchone() if has_findings else None,
                   con.execute(query("report_finding_rules"), params).fetchall() if has_findings else [],
                   coverage_gaps(con, year),
                   dict(con.execute(query("report_factor_statuses"), {"sets": sets}).fetchall()),
                   unconfirmed_values(con, year))


def read_report(warehouse: Path, year: int) -> ReportData:
    """The year's report data; a ReportError (Chinese and English) for no warehouse, an older one, or no inventory."""
    if not warehouse.exists():
        raise ReportError(f"没有数据仓库 / no warehouse at {warehouse}: 请先运行 synergy build / run synergy build first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {t for (t,) in con.execute(query("warehouse_tables")).fetchall()}
        missing = [t for t in REQUIRED if t not in tables]
        if missing:
            raise ReportError(f"数据仓库缺少表 / the warehouse lacks {', '.join(missing)}: "
                              "请重新运行 synergy build / rerun synergy build")
        years = [y for (y,) in con.execute(query("report_years")).fetchall()]
        if year not in years:
            raise ReportError(f"数据仓库中没有 {year} 年的清单 / no inventory for {year} in {warehouse} "
                              f"(有 years present: {', '.join(map(str, years)) or '—'})")
        params = {"year": year}
        total = rollup(con, year, "province", "all", None).row(0, named=True)
        (province,) = con.execute(query("report_province_name"), params).fetchone()
        sites = con.execute(query("report_city_sites"), params).pl()
        sets = factor_sets(total)
        return ReportData(
            province=province, total=total,
            cities=rollup(con, year, "city", "all", "region").join(sites, on="region_code", how="left", nulls_equal=True),
            counts=con.execute(query("report_facility_counts"), params).fetchone(),
            market=rollup(con, year, "province", "carbon_market", "sector"),
            divisions=rollup(con, year, "province", "gbt4754_division", "sector"),
            enterprises=con.execute(query("report_enterprises"), params).pl(),
            demo=con.execute(query("report_demo_enterprises"), {**params, "prefix": DEMO_PREFIX}).fetchone(),
            shares=method_shares(con, year), factor_sets=sets, quality=quality(con, year, FINDINGS in tables, sets),
            stamp=data_stamp(con), synergy=synergy(con, year) if all(t in tables for t in SYNERGY) else None)
