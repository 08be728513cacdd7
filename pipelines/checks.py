"""Asset checks: row accounting, key uniqueness, the generated pandera contract, and warnings that
a reviewer must see (recalled factors used, fuel lines that could not be computed)."""


import dagster as dg
import polars as pl
from pandera.errors import SchemaErrors

from pipelines.resources import SynergyConfig
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
            yield dg.AssetCheckResult(asset_key=table_name, check_name="schema_contract", passed=False,
                                      metadata={"failures": err.failure_cases.height,
                                                "first": str(err.failure_cases.head(5))})
            return
        yield dg.AssetCheckResult(asset_key=table_name, check_name="schema_contract", passed=True,
                                  metadata={"rows": frame.height})

    return _check


@dg.asset_check(asset="out_inventory__yearly_enterprise",
                description="Enterprise-years using a factor whose status is 'recalled' (not yet checked "
                            "against the official text) or having fuel lines that could not be computed.")
def recalled_or_uncomputed(out_inventory__yearly_enterprise: pl.DataFrame) -> dg.AssetCheckResult:
    recalled = out_inventory__yearly_enterprise.filter(pl.col("has_recalled_factor")).height
    uncomputed = int(out_inventory__yearly_enterprise["uncomputed_line_count"].sum())
    return dg.AssetCheckResult(passed=recalled == 0 and uncomputed == 0, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"enterprise_years_with_recalled_factor": recalled,
                                         "uncomputed_fuel_lines": uncomputed})


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


CHECKS = [rows_accounted_for, recalled_or_uncomputed, match_share, match_conflicts, *(contract_check(t) for t in TABLES)]
