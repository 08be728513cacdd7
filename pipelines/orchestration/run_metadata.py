"""The metadata every materialisation carries, so a build can be audited from the UI alone.

Rows in (read by the step from its upstream tables) and out, the step's duration so far, the process's peak RSS so far
(it never goes down, so the step where it rises is the one that needed the memory), the GWP set in force, the
factor set(s) a table's rows were computed with (its `factor_set` column: a table without one stands on no factor),
and the fingerprint of the input files the run stands on: sha256 over the sorted SHA-256 of every inbox file, taken
when the run was launched (run tags) or, for a run launched without it, over the sources' file logs.
"""

from __future__ import annotations

import hashlib
import resource
import time
from collections import defaultdict
from pathlib import Path

import dagster as dg
import polars as pl

from inventories.reference import accounting_settings
from pipelines.read.inbox_scan import InboxFile

INPUTS_TAG = "synergy/inputs_sha256"
INPUT_FILES_TAG = "synergy/input_files"
_ROWS_LOADED: dict[tuple[str, str], int] = defaultdict(int)


def note_rows_loaded(context: dg.InputContext, rows: int) -> None:
    """Count the rows a step reads, so its outputs can say rows in."""
    step = context.step_context
    _ROWS_LOADED[(step.run_id, step.step.key)] += rows


def fingerprint(hashes: set[str]) -> dict[str, str]:
    """Run tags naming the input files: sha256 over their sorted distinct SHA-256, and how many there are."""
    return {INPUTS_TAG: hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest(), INPUT_FILES_TAG: str(len(hashes))}


def inbox_tags(files: list[InboxFile]) -> dict[str, str]:
    """The fingerprint run tags of an inbox listing (every run launcher stamps its run with them)."""
    return fingerprint({f.sha256 for f in files})


def _logged_inputs(parquet_dir: Path) -> dict[str, str]:
    hashes: set[str] = set()
    for log in sorted(parquet_dir.glob("raw_*__files.parquet")):
        hashes.update(h for h in pl.read_parquet(log, columns=["file_sha256"])["file_sha256"].to_list() if h)
    return fingerprint(hashes)


def step_metadata(instance: dg.DagsterInstance, run: dg.DagsterRun, step_key: str, rows_out: int,
                  parquet_dir: Path) -> dict[str, object]:
    """Rows in and out, duration, GWP set and input fingerprint for one step of one run."""
    stats = instance.get_run_step_stats(run.run_id, step_keys=[step_key])
    started = stats[0].start_time if stats and stats[0].start_time else None
    inputs = {k: run.tags[k] for k in (INPUTS_TAG, INPUT_FILES_TAG) if k in run.tags} or _logged_inputs(parquet_dir)
    return {
        "rows_in": _ROWS_LOADED.get((run.run_id, step_key), 0),
        "rows_out": rows_out,
        "duration_s": round(time.time() - started, 2) if started else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,  # the process's so far: it never drops
        "gwp_set": str(accounting_settings()["gwp_set"]),
        "input_files": int(inputs[INPUT_FILES_TAG]),
        "inputs_sha256": inputs[INPUTS_TAG],
    }


def _factor_sets(frame: pl.DataFrame) -> dict[str, str]:
    """The factor set(s) the rows name, as the data says (not as configured); nothing for a table without factors."""
    if "factor_set" not in frame.columns:
        return {}
    return {"factor_set": "; ".join(sorted(frame["factor_set"].drop_nulls().unique().to_list()))}


def output_metadata(context: dg.OutputContext, frame: pl.DataFrame, parquet_dir: Path) -> dict[str, object]:
    step = context.step_context
    return {**step_metadata(step.instance, step.dagster_run, context.step_key, frame.height, parquet_dir),
            **_factor_sets(frame)}


def asset_metadata(context: dg.AssetExecutionContext, rows_out: int, parquet_dir: Path) -> dict[str, object]:
    """The same metadata for an asset that writes its own files (the warehouse, exports) instead of returning a table."""
    step = context.get_step_execution_context()
    return step_metadata(context.instance, context.run, step.step.key, rows_out, parquet_dir)
