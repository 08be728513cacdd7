"""Asset checks: row accounting, key uniqueness, the generated pandera contract, and warnings that
a reviewer must see (recalled factors used, fuel lines that could not be computed)."""


import dagster as dg
import polars as pl
from pandera.errors import SchemaErrors

from inventories.sql_models import region_sector_mismatches
from pipelines.orchestration.resources import SynergyConfig
from schemas.generate import pandera_schema
from schemas.tables import TABLES


@dg.asset_check(asset="core_qa__file_manifest", blocking=True,
                description="Per file: rows read = rows accepted + rows rejected (nothing silently dropped).")
def rows_accounted_for(core_qa__file_manifest: pl.DataFrame) -> dg.AssetCheckResult:
    manifest = core_qa__file_manifest
    bad = manifest.filter(pl.col("rows_read") != pl.col("rows_accepted") + pl.col("rows_rejected"))
    return dg.AssetCheckResult(passed=bad.height == 0, metadata={
        "files": manifest.height, "files_not_balanced": bad.height,
        "unbalanced": ", ".join(bad["source_file"].to_list()[:10]),
        "rows_read": int(manifest["rows_read"].sum()), "rows_rejected": int(manifest["rows_rejected"].sum()),
        "rows_superseded": int(manifest["rows_superseded"].sum())})


def contract_check(table_name: str) -> dg.AssetChecksDefinition:
    """A blocking pandera check for one published table."""

    @dg.multi_asset_check(
        specs=[dg.AssetCheckSpec("schema_contract", asset=table_name, blocking=True,
                                 description="Passes the pandera schema generated from schemas/ (values checked).")],
        ins={"frame": dg.AssetIn(key=table_name)},
        name=f"{table_name}__schema_contract",
    )
    def _check(frame: pl.DataFrame):
        try:
            pandera_schema(table_name).validate(frame, lazy=True)
        except SchemaErrors as err:
            rows = _provenance(frame, err.failure_cases["index"].drop_nulls().unique().cast(pl.Int64).to_list())
            what = _rows_text(f"{table_name}有行未通过数据契约", f"rows of {table_name} fail the data contract", rows)
            yield dg.AssetCheckResult(asset_key=table_name, check_name="schema_contract", passed=False, description=what,
                                      metadata={"failures": err.failure_cases.height,
                                                "first": str(err.failure_cases.head(5)), **_rows_metadata(rows)})
            return
        yield dg.AssetCheckResult(asset_key=table_name, check_name="schema_contract", passed=True,
                                  metadata={"rows": frame.height})

    return _check


@dg.asset_check(asset="core_inventory__yearly_facility_species_candidates",
                description="Chosen values using a factor whose status is 'recalled' (not yet checked against the "
                            "official text), and candidates left out because a line could not be computed.")
def recalled_or_uncomputed(core_inventory__yearly_facility_species_candidates: pl.DataFrame) -> dg.AssetCheckResult:
    candidates = core_inventory__yearly_facility_species_candidates
    recalled = candidates.filter(pl.col("is_chosen") & pl.col("has_recalled_factor")).height
    incomplete = candidates.filter(pl.col("selection") == "incomplete").height
    return dg.AssetCheckResult(passed=recalled == 0 and incomplete == 0, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"chosen_values_with_recalled_factor": recalled,
                                         "incomplete_candidates": incomplete,
                                         "uncomputed_lines": int(candidates["uncomputed_line_count"].sum())})


RECONCILED = {"co2_combustion_t": ("CO2 combustion",), "co2_process_t": ("CO2 process",),
              "co2_indirect_t": ("CO2 indirect_electricity", "CO2 indirect_heat"), "co2e_t": ("co2e",),
              "so2_mass_t": ("SO2",), "nox_mass_t": ("NOx",), "pm_mass_t": ("PM",), "vocs_mass_t": ("VOCs",),
              "energy_tce": ("energy_tce",)}
"""Facility-table column -> the reconciliation quantities (as out_inventory__region_sector_reconciliation names them)."""
SOURCE_ROWS_SHOWN = 5
SPECIES_IN = {"species": dg.AssetIn("core_inventory__yearly_facility_species")}


def _provenance(frame: pl.DataFrame, positions: list[int]) -> list[str]:
    """file:sheet:row of the frame's rows at `positions`, from its provenance columns (none when it has none)."""
    rows = frame.with_row_index("_i").filter(pl.col("_i").is_in(positions))
    if {"source_file", "row_number"} <= set(frame.columns):
        sheet = pl.col("sheet_name").fill_null("") if "sheet_name" in frame.columns else pl.lit("")
        return rows.select(pl.format("{}:{}:{}", "source_file", sheet, "row_number")).to_series().unique(
            maintain_order=True).to_list()
    if "source_record" in frame.columns:
        return rows["source_record"].drop_nulls().str.split(";").explode().unique(maintain_order=True).to_list()
    return []


def _rows_behind(off: pl.DataFrame, species: pl.DataFrame, facility: pl.DataFrame) -> list[str]:
    """The source rows (file:sheet:row#sha) of the chosen values behind mismatching totals: those behind the most
    mismatches first (a county's row is behind its city's, its province's and the year's too), then the largest.

    off: year, region_code (null: the whole year), quantity. A value is behind a total when its year and quantity are
    the total's and its site lies in the total's region (province, city or county code).
    """
    sites = facility.select("facility_id", "year", "city_code", "region_code").unique(["facility_id", "year"])
    values = species.join(sites, on=["facility_id", "year"], how="left")
    co2 = pl.col("species") == "CO2"
    long = pl.concat([
        values.select("year", pl.when(co2).then(pl.lit("CO2 ") + pl.col("scope")).otherwise("species").alias("quantity"),
                      pl.col("mass_t").alias("amount"), "city_code", "region_code", "source_record"),
        values.filter(pl.col("scope").is_in(["combustion", "process"])).select(
            "year", pl.lit("co2e").alias("quantity"), pl.col("co2e_t").alias("amount"), "city_code", "region_code",
            "source_record"),
        values.filter(co2).select("year", pl.lit("energy_tce").alias("quantity"), pl.col("energy_tce").alias("amount"),
                                  "city_code", "region_code", "source_record"),
    ]).drop_nulls("amount").with_columns(
        pl.concat_list(pl.col("city_code").str.slice(0, 2) + "0000", "city_code", "region_code").alias("_in"))
    keys = off.select("year", "region_code", "quantity").unique()
    anywhere = keys.filter(pl.col("region_code").is_null()).drop("region_code").join(long, on=["year", "quantity"])
    placed = (keys.filter(pl.col("region_code").is_not_null()).rename({"region_code": "_in"})
              .join(long.explode("_in"), on=["year", "quantity", "_in"]))
    behind = (pl.concat([anywhere.select("source_record", "amount"), placed.select("source_record", "amount")])
              .drop_nulls("source_record").with_columns(pl.col("source_record").str.split(";")).explode("source_record"))
    ranked = behind.group_by("source_record").agg(pl.len().alias("totals"), pl.col("amount").abs().max())
    return ranked.sort(["totals", "amount", "source_record"], descending=[True, True, False])["source_record"].to_list()


def _rows_text(zh: str, en: str, rows: list[str]) -> str:
    """What failed, in Chinese and English, with the first few source rows behind it and how many there are."""
    if not rows:
        return f"{zh} / {en}"
    more = len(rows) - SOURCE_ROWS_SHOWN
    shown = "; ".join(rows[:SOURCE_ROWS_SHOWN]) + (f" (+{more})" if more > 0 else "")
    return f"{zh}；涉及来源行{len(rows)}行：{shown} / {en}; {len(rows)} source rows behind it: {shown}"


def _rows_metadata(rows: list[str]) -> dict[str, object]:
    return {"source_rows": len(rows), "first_source_rows": "; ".join(rows[:SOURCE_ROWS_SHOWN]) or "none"}


@dg.asset_check(asset="out_inventory__yearly_enterprise", blocking=True,
                additional_ins={"facility": dg.AssetIn("out_inventory__yearly_facility"), **SPECIES_IN},
                description="Enterprise totals equal the sums of their facilities, per year and quantity.")
def enterprise_equals_facility_sum(out_inventory__yearly_enterprise: pl.DataFrame, facility: pl.DataFrame,
                                   species: pl.DataFrame) -> dg.AssetCheckResult:
    sums = facility.group_by("year").agg(pl.col(c).sum() for c in RECONCILED)
    totals = out_inventory__yearly_enterprise.group_by("year").agg(pl.col(c).sum() for c in RECONCILED)
    both = sums.join(totals, on="year", suffix="_enterprise")
    off = {(c, y): (a, b) for row in both.iter_rows(named=True) for c in RECONCILED
           if abs((a := row[c]) - (b := row[f"{c}_enterprise"])) > 1e-6 * max(1.0, abs(a)) for y in [row["year"]]}
    keys = pl.DataFrame([(y, None, q) for c, y in off for q in RECONCILED[c]], orient="row",
                        schema={"year": pl.Int64, "region_code": pl.String, "quantity": pl.String})
    rows = _rows_behind(keys, species, facility) if off else []
    return dg.AssetCheckResult(
        passed=not off and both.height == sums.height,
        description=_rows_text("企业合计与其设施之和不一致", "enterprise totals differ from the sums of their facilities",
                               rows) if off else None,
        metadata={"years": both.height, "mismatches": len(off),
                  "first": str([(f"{c} {y}", v) for (c, y), v in list(off.items())[:3]]), **_rows_metadata(rows)})


@dg.asset_check(asset="out_inventory__yearly_region_sector", blocking=True,
                additional_ins={"facility": dg.AssetIn("out_inventory__yearly_facility"), **SPECIES_IN},
                description="Province, city and county rows add up exactly (to 1 g, or one unit in the last place of "
                            "a DOUBLE above 2^32 t) to the facility inventory at every level and sector scheme, sector "
                            "classes to their region's total, counties to their city, cities to the province. A failure "
                            "names the source rows behind the totals that differ.")
def region_sector_reconciles(out_inventory__yearly_region_sector: pl.DataFrame, facility: pl.DataFrame,
                             species: pl.DataFrame) -> dg.AssetCheckResult:
    off = region_sector_mismatches(out_inventory__yearly_region_sector, facility)
    first = off.head(3).select("test", "year", "region_level", "region_code", "sector_scheme", "quantity", "difference")
    rows = _rows_behind(off, species, facility) if off.height else []
    return dg.AssetCheckResult(
        passed=off.is_empty(),
        description=_rows_text("区划×行业汇总与设施清单对不平", "region x sector totals do not add up to the facility "
                               "inventory", rows) if off.height else None,
        metadata={"mismatches": off.height, "rows_checked": out_inventory__yearly_region_sector.height,
                  "first": str(first.rows()), **_rows_metadata(rows)})


@dg.asset_check(asset="out_qa__match_summary",
                description="Per source system and year, the share of records matched to an entity is at least "
                            "SynergyConfig.min_matched_share (default 0.97).")
def match_share(synergy: SynergyConfig, out_qa__match_summary: pl.DataFrame) -> dg.AssetCheckResult:
    shares = (out_qa__match_summary.group_by("source_system", "record_year")
              .agg(pl.col("record_share").filter(pl.col("match_status") == "matched").sum().alias("matched_share"))
              .sort("source_system", "record_year"))
    low = shares.filter(pl.col("matched_share") < synergy.min_matched_share)
    return dg.AssetCheckResult(passed=low.height == 0, metadata={
        "threshold": synergy.min_matched_share, "lowest_matched_share": float(shares["matched_share"].min() or 0),
        "below_threshold": ", ".join(f"{r[0]} {r[1]}: {r[2]:.3f}" for r in low.iter_rows()) or "none"})


@dg.asset_check(asset="out_qa__match_conflicts",
                description="Records kept out of sums by a matching guard (a site tied to two enterprises, a record "
                            "fitting several entities) and GHG enterprises whose sites are only partly matched.")
def match_conflicts(out_qa__match_conflicts: pl.DataFrame) -> dg.AssetCheckResult:
    counts = dict(out_qa__match_conflicts.group_by("conflict_kind").agg(pl.col("record_count").sum()).iter_rows())
    blocking = sum(v for k, v in counts.items() if k != "ghg_sites_partly_matched")
    return dg.AssetCheckResult(passed=blocking == 0, severity=dg.AssetCheckSeverity.WARN,
                               metadata={k: int(v) for k, v in counts.items()} or {"conflicts": 0})


@dg.asset_check(asset="out_key_emitters__register",
                description="Key emitters that file no GHG report for the year (missing from carbon reporting, or "
                            "newly entering and not reporting yet): the bureau's follow-up list.")
def key_emitters_not_reporting(out_key_emitters__register: pl.DataFrame) -> dg.AssetCheckResult:
    register = out_key_emitters__register
    missing = register.filter(pl.col("is_key_emitter") & ~pl.col("is_ghg_reporter"))
    return dg.AssetCheckResult(passed=missing.height == 0, severity=dg.AssetCheckSeverity.WARN, metadata={
        "key_emitter_rows": register.filter(pl.col("is_key_emitter")).height,
        "not_reporting_rows": missing.height, "not_reporting_enterprises": missing["uscc"].n_unique(),
        "first": ", ".join(f"{r[0]} {r[1]} {r[2]}" for r in missing.select("uscc", "enterprise_name", "year")
                           .head(5).iter_rows()) or "none"})


CHECKS = [rows_accounted_for, recalled_or_uncomputed, enterprise_equals_facility_sum, region_sector_reconciles, match_share,
          match_conflicts, key_emitters_not_reporting, *(contract_check(t) for t in TABLES)]
