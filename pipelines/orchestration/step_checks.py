"""Checks that need only the table an asset has just produced run inside that asset's own step.

A separate Dagster step per check costs its start-up, its events and a second read of the table from Parquet (about
0.2 s each, some fifty of them per build) for work that takes milliseconds on the frame already in memory. So every
published table's pandera contract, and the few checks that read nothing but that table, are declared as the asset's
`check_specs` and evaluated right after the asset yields the table: `checked_asset` and `checked_multi_asset` replace
`dg.asset` and `dg.multi_asset` for assets that produce tables of `schemas/`. A blocking check that fails still fails
the step after the table is stored, so nothing downstream runs, as with a separate blocking check. Checks that need
other tables too stay separate (pipelines/orchestration/checks.py).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg
import polars as pl
from pandera.errors import SchemaErrors

from schemas.generate import pandera_schema
from schemas.tables import TABLES

SOURCE_ROWS_SHOWN = 5


def provenance(frame: pl.DataFrame, positions: list[int]) -> list[str]:
    """file:sheet:row of the frame's rows at `positions`, from its provenance columns (none when it has none)."""
    rows = frame.with_row_index("_i").filter(pl.col("_i").is_in(positions))
    if {"source_file", "row_number"} <= set(frame.columns):
        sheet = pl.col("sheet_name").fill_null("") if "sheet_name" in frame.columns else pl.lit("")
        return rows.select(pl.format("{}:{}:{}", "source_file", sheet, "row_number")).to_series().unique(
            maintain_order=True).to_list()
    if "source_record" in frame.columns:
        return rows["source_record"].drop_nulls().str.split(";").explode().unique(maintain_order=True).to_list()
    return []


def rows_text(zh: str, en: str, rows: list[str]) -> str:
    """What failed, in Chinese and English, with the first few source rows behind it and how many there are."""
    if not rows:
        return f"{zh} / {en}"
    more = len(rows) - SOURCE_ROWS_SHOWN
    shown = "; ".join(rows[:SOURCE_ROWS_SHOWN]) + (f" (+{more})" if more > 0 else "")
    return f"{zh}；涉及来源行{len(rows)}行：{shown} / {en}; {len(rows)} source rows behind it: {shown}"


def rows_metadata(rows: list[str]) -> dict[str, object]:
    return {"source_rows": len(rows), "first_source_rows": "; ".join(rows[:SOURCE_ROWS_SHOWN]) or "none"}


@dataclass(frozen=True)
class StepCheck:
    """One check computed from one table's frame: its name, what it asserts, whether a failure stops what follows."""

    name: str
    description: str
    blocking: bool
    run: Callable[[str, pl.DataFrame], dg.AssetCheckResult]


def _contract(table: str, frame: pl.DataFrame) -> dg.AssetCheckResult:
    try:
        pandera_schema(table).validate(frame, lazy=True)
    except SchemaErrors as err:
        rows = provenance(frame, err.failure_cases["index"].drop_nulls().unique().cast(pl.Int64).to_list())
        return dg.AssetCheckResult(
            passed=False, description=rows_text(f"{table}有行未通过数据契约", f"rows of {table} fail the data contract", rows),
            metadata={"failures": err.failure_cases.height, "first": str(err.failure_cases.head(5)), **rows_metadata(rows)})
    return dg.AssetCheckResult(passed=True, metadata={"rows": frame.height})


def _rows_accounted_for(_: str, manifest: pl.DataFrame) -> dg.AssetCheckResult:
    bad = manifest.filter(pl.col("rows_read") != pl.col("rows_accepted") + pl.col("rows_rejected"))
    return dg.AssetCheckResult(passed=bad.height == 0, metadata={
        "files": manifest.height, "files_not_balanced": bad.height,
        "unbalanced": ", ".join(bad["source_file"].to_list()[:10]),
        "rows_read": int(manifest["rows_read"].sum()), "rows_rejected": int(manifest["rows_rejected"].sum()),
        "rows_superseded": int(manifest["rows_superseded"].sum())})


def _recalled_or_uncomputed(_: str, candidates: pl.DataFrame) -> dg.AssetCheckResult:
    recalled = candidates.filter(pl.col("is_chosen") & pl.col("has_recalled_factor")).height
    incomplete = candidates.filter(pl.col("selection") == "incomplete").height
    return dg.AssetCheckResult(passed=recalled == 0 and incomplete == 0, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"chosen_values_with_recalled_factor": recalled,
                                         "incomplete_candidates": incomplete,
                                         "uncomputed_lines": int(candidates["uncomputed_line_count"].sum())})


def _match_conflicts(_: str, conflicts: pl.DataFrame) -> dg.AssetCheckResult:
    counts = dict(conflicts.group_by("conflict_kind").agg(pl.col("record_count").sum()).iter_rows())
    blocking = sum(v for k, v in counts.items() if k != "ghg_sites_partly_matched")
    return dg.AssetCheckResult(passed=blocking == 0, severity=dg.AssetCheckSeverity.WARN,
                               metadata={k: int(v) for k, v in counts.items()} or {"conflicts": 0})


def _key_emitters_not_reporting(_: str, register: pl.DataFrame) -> dg.AssetCheckResult:
    missing = register.filter(pl.col("is_key_emitter") & ~pl.col("is_ghg_reporter"))
    return dg.AssetCheckResult(passed=missing.height == 0, severity=dg.AssetCheckSeverity.WARN, metadata={
        "key_emitter_rows": register.filter(pl.col("is_key_emitter")).height,
        "not_reporting_rows": missing.height, "not_reporting_enterprises": missing["uscc"].n_unique(),
        "first": ", ".join(f"{r[0]} {r[1]} {r[2]}" for r in missing.select("uscc", "enterprise_name", "year")
                           .head(5).iter_rows()) or "none"})


CONTRACT = StepCheck("schema_contract", "Passes the pandera schema generated from schemas/ (values checked).", True,
                     _contract)
OWN_CHECKS: dict[str, tuple[StepCheck, ...]] = {
    "core_qa__file_manifest": (StepCheck(
        "rows_accounted_for", "Per file: rows read = rows accepted + rows rejected (nothing silently dropped).", True,
        _rows_accounted_for),),
    "core_inventory__yearly_facility_species_candidates": (StepCheck(
        "recalled_or_uncomputed", "Chosen values using a factor whose status is 'recalled' (not yet checked against the "
        "official text), and candidates left out because a line could not be computed.", False,
        _recalled_or_uncomputed),),
    "out_qa__match_conflicts": (StepCheck(
        "match_conflicts", "Records kept out of sums by a matching guard (a site tied to two enterprises, a record "
        "fitting several entities) and GHG enterprises whose sites are only partly matched.", False,
        _match_conflicts),),
    "out_key_emitters__register": (StepCheck(
        "key_emitters_not_reporting", "Key emitters that file no GHG report for the year (missing from carbon "
        "reporting, or newly entering and not reporting yet): the bureau's follow-up list.", False,
        _key_emitters_not_reporting),),
}
"""Checks beyond the contract that read nothing but their own table."""


def step_checks(table: str) -> tuple[StepCheck, ...]:
    """The checks evaluated in the step that produces `table`: its contract first."""
    return (CONTRACT, *OWN_CHECKS.get(table, ()))


def check_specs(tables: list[str]) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(c.name, asset=table, blocking=c.blocking, description=c.description)
            for table in tables for c in step_checks(table)]


def _evaluated(table: str, frame: pl.DataFrame) -> Iterator[dg.AssetCheckResult]:
    for check in step_checks(table):
        yield check.run(table, frame)._replace(asset_key=dg.AssetKey(table), check_name=check.name)


def with_step_checks(fn: Callable[..., Any], table_of_output: Mapping[str, str]) -> Callable[..., Iterator[Any]]:
    """`fn` as a generator that yields what it returns or yields, each table output followed by its checks' results.

    A plain returned value becomes the single output "result" (the metadata the asset added through its context
    still applies). Dagster reads the inputs, resources and config from the signature: `fn`'s, with its annotations
    resolved where `fn` was written (they may be strings under `from __future__ import annotations`)."""

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Iterator[Any]:
        produced = fn(*args, **kwargs)
        events = produced if isinstance(produced, Iterator) else iter(
            [produced if isinstance(produced, dg.Output) else dg.Output(produced)])
        for event in events:
            yield event
            if isinstance(event, dg.Output) and event.output_name in table_of_output:
                yield from _evaluated(table_of_output[event.output_name], event.value)

    checked.__signature__ = inspect.signature(fn, eval_str=True)  # type: ignore[attr-defined]
    return checked


def checked_asset(**asset_kwargs: Any) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """`dg.asset` for an asset producing one table of schemas/, with that table's step checks."""

    def decorate(fn: Callable[..., Any]) -> dg.AssetsDefinition:
        table = asset_kwargs.get("name") or fn.__name__
        if table not in TABLES:
            raise ValueError(f"{table} is not a table of schemas/: use dg.asset")
        return dg.asset(check_specs=check_specs([table]), **asset_kwargs)(with_step_checks(fn, {"result": table}))

    return decorate


def checked_multi_asset(**asset_kwargs: Any) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """`dg.multi_asset` whose outputs named after tables of schemas/ get those tables' step checks."""

    def decorate(fn: Callable[..., Any]) -> dg.AssetsDefinition:
        tables = [name for name in asset_kwargs["outs"] if name in TABLES]
        return dg.multi_asset(check_specs=check_specs(tables), **asset_kwargs)(
            with_step_checks(fn, {table: table for table in tables}))

    return decorate
