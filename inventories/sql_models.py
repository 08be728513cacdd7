"""Run the SQL models in `inventories/sql/` with DuckDB over polars frames (no database file).

Each model is one SELECT that reads its inputs by name; the caller passes them as frames. Keeping the
aggregation in SQL files lets a domain reviewer read it without the pipeline code.
"""

from __future__ import annotations

import duckdb
import polars as pl

from inventories.reference import SQL, industries, industry_groups, key_emitter_rule, regions, sector_scope
from schemas.sources import SOURCE_SYSTEM_ZH


def run_model(name: str, **inputs: pl.DataFrame) -> pl.DataFrame:
    """Execute `sql/<name>.sql` with each keyword argument registered as a view of that name."""
    query = (SQL / f"{name}.sql").read_text(encoding="utf-8")
    with duckdb.connect() as con:
        con.execute("SET threads TO 2")
        for view, frame in inputs.items():
            con.register(view, frame)
        return con.sql(query).pl()


def ghg_enterprise_co2(fuel_line_co2: pl.DataFrame, fuel_lines: pl.DataFrame, gwp_set: str) -> pl.DataFrame:
    """GHG-reported combustion CO2 per enterprise and year: the register's evidence of who reports and what."""
    gwp = pl.DataFrame({"gwp_set": [gwp_set], "value": [1.0]})  # CO2's GWP is 1 in every set
    return run_model("core_inventory__yearly_enterprise_ghg", fuel_line_co2=fuel_line_co2, fuel_lines=fuel_lines,
                     gwp=gwp)


KNOWN_SCHEMA = {"facility_id": pl.String, "uscc": pl.String, "year": pl.Int64, "source_systems": pl.String}


def facility_inventory(species: pl.DataFrame, facilities: pl.DataFrame, enterprises: pl.DataFrame,
                       known: pl.DataFrame | None = None) -> pl.DataFrame:
    """out_inventory__yearly_facility from the chosen values, plus a row for every site-year `known` to a source.

    known: facility_id (null for an enterprise-level record), uscc, year, source_systems (inventories.coverage).
    """
    known = pl.DataFrame(schema=KNOWN_SCHEMA) if known is None else known.select(list(KNOWN_SCHEMA))
    return run_model("out_inventory__yearly_facility", species=species, facilities=facilities, enterprises=enterprises,
                     known=known)


def enterprise_inventory(facility: pl.DataFrame, enterprises: pl.DataFrame) -> pl.DataFrame:
    """out_inventory__yearly_enterprise: the facility inventory summed per USCC."""
    return run_model("out_inventory__yearly_enterprise", facility=facility, enterprises=enterprises)


def key_emitter_register(enterprise: pl.DataFrame, captive: pl.DataFrame, ghg: pl.DataFrame) -> pl.DataFrame:
    """out_key_emitters__register with the thresholds, window and basis from inventories/rules.

    captive: uscc, captive_power_evidence (inventories.key_emitters.captive_power); ghg: uscc, year, co2_mass_t of
    the enterprises' own GHG reports (whether they report, and what they say).
    """
    rule = key_emitter_rule()
    rule_frame = pl.DataFrame({"threshold_co2e_t": [float(rule["threshold_co2e_t"])],
                               "threshold_energy_tce": [float(rule["threshold_energy_tce"])],
                               "lookback_years": [int(rule["lookback_years"])],
                               "emissions_basis": [str(rule["emissions_basis"])]})
    names = pl.DataFrame({"code": list(SOURCE_SYSTEM_ZH), "zh": list(SOURCE_SYSTEM_ZH.values())})
    return run_model("out_key_emitters__register", enterprise=enterprise, scope=sector_scope(), captive=captive,
                     ghg=ghg.select("uscc", "year", "co2_mass_t"), rule=rule_frame, source_names=names)


def region_sector_inventory(species: pl.DataFrame, facility: pl.DataFrame) -> pl.DataFrame:
    """out_inventory__yearly_region_sector: the chosen values of the facility table's sites and years, rolled up.

    An industry code in two carbon-market sectors (none today) would count in the first only, so rows still add up.
    """
    market = (sector_scope().sort("sector_code").unique("industry_code", keep="first", maintain_order=True)
              .select("industry_code", "sector_code", "sector_zh", "first_data_year", "last_data_year"))
    return run_model("out_inventory__yearly_region_sector", species=species, facility=facility, regions=regions(),
                     industries=industries(), industry_groups=industry_groups(), market=market)


def region_sector_mismatches(rollup: pl.DataFrame, facility: pl.DataFrame) -> pl.DataFrame:
    """Rows where the roll-up does not add up exactly (to its levels, its sectors, its parents, the facility table)."""
    return run_model("out_inventory__region_sector_reconciliation", rollup=rollup, facility=facility)
