"""The metadata every materialisation carries, so a build can be audited from the UI alone.

Rows in (read by the step from its upstream tables) and out, the step's duration so far, the process's peak RSS so far
(it never goes down, so the step where it rises is the one that needed the memory), the GWP set in force, the
factor set(s) a table's rows were computed with (its `factor_set` column: a table without one stands on no factor),
and the fingerprint of the input files the run stands on: sha256 over the sorted SHA-256 of every inbox file, taken
when the run was launched (run tags) or, for a run launched without it, over the sources' file logs.

A planned build (pipelines.orchestration.build) also tags its run with what else its results stand on (code
version, factor set, curation/ and config/ files) and, per data year, what that year's tables read across years,
so the next build can tell what changed since.
"""

from __future__ import annotations

import hashlib
import json
import resource
import time
from collections import defaultdict
from importlib.metadata import version
from pathlib import Path

import dagster as dg
import polars as pl

from inventories.reference import accounting_settings
from pipelines.orchestration.resources import SynergyConfig
from pipelines.read.files import sha256_of
from pipelines.read.inbox_scan import InboxFile

INPUTS_TAG = "synergy/inputs_sha256"
INPUT_FILES_TAG = "synergy/input_files"
SETTINGS_TAGS = {  # what results stand on besides the inbox -> its run tag
    "code": "synergy/code_version", "factor_set": "synergy/factor_set_sha256",
    "curation": "synergy/curation_sha256", "config": "synergy/config_sha256"}
YEAR_INPUTS_TAG = "synergy/year_inputs"
# What a yearly table reads across years: who each record belongs to (core_facility__assn_sources) and the attributes
# of those enterprises and sites, and the power units that make an enterprise a captive-power one (key-emitter
# register). The entity columns that sum up all years (counts, first/last year, systems) are read by no yearly table.
ACROSS_YEARS = ("core_facility__assn_sources", "core_enterprise__entity", "core_facility__entity",
                 "core_ghg__power_monthly")
_ALL_YEAR_SUMMARIES = ("record_count", "facility_count", "source_systems", "first_year", "last_year")
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


def _folder_sha256(folder: Path) -> str:
    """sha256 over the relative name and SHA-256 of every file under folder (a missing folder: no files)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return hashlib.sha256("\n".join(f"{p.relative_to(folder).as_posix()} {sha256_of(p)}" for p in files).encode()
                          ).hexdigest()


def code_version() -> str:
    """The package version and a digest of the files of the packages that compute (pipelines, inventories, schemas):
    an edited rule, query or reference table changes numbers without a new version number (some 30 ms)."""
    roots = [Path(__file__).resolve().parents[2] / name for name in ("pipelines", "inventories", "schemas")]
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(f"{path.relative_to(root.parent).as_posix()}\n".encode())
            digest.update(path.read_bytes())
    return f"{version('synergy-inventory')}+{digest.hexdigest()[:16]}"


def settings_tags(config: SynergyConfig) -> dict[str, str]:
    """Run tags naming what a build's results stand on besides the inbox: the code (code_version), the factor set's
    files, the analysts' curation/ files, and config/ with the run settings that change numbers. The factor set
    counts by contents, not path: the same files elsewhere give the same numbers."""
    ws = config.workspace
    index = Path(config.synergy_index_path)
    settings = {"synergy_index": sha256_of(index) if index.is_file() else "",
                "cems_substitution_rule_version": config.cems_substitution_rule_version,
                "min_matched_share": config.min_matched_share, "workspace_config": _folder_sha256(ws.config)}
    parts = {"code": code_version(), "factor_set": _folder_sha256(Path(config.factor_set_path)),
             "curation": _folder_sha256(ws.curation),
             "config": hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()}
    return {SETTINGS_TAGS[k]: v for k, v in parts.items()}


def _digest(frame: pl.DataFrame) -> str:
    """sha256 over a table's rows, whatever their order."""
    return hashlib.sha256(frame.hash_rows().sort().to_numpy().tobytes()).hexdigest()


def year_inputs(parquet_dir: Path, years: list[int]) -> dict[str, str]:
    """Per data year, a digest of what its yearly tables read across years (ACROSS_YEARS): that year's (and the
    yearless) records with their enterprise and site assignments, the attributes of those enterprises and sites, and
    every power unit. Data of one year changing another year's digest (a new report that merges two sites or names an
    enterprise anew) is what makes a build also rebuild that other year. Empty before the first build."""
    paths = [parquet_dir / f"{name}.parquet" for name in ACROSS_YEARS]
    if not all(p.exists() for p in paths):
        return {}
    assn = pl.read_parquet(paths[0])
    firms, sites = (pl.read_parquet(p).drop(_ALL_YEAR_SUMMARIES, strict=False) for p in paths[1:3])
    units = _digest(pl.read_parquet(paths[3], columns=["uscc", "unit_id"]).unique())
    out = {}
    for year in years:
        records = assn.filter((pl.col("record_year") == year) | pl.col("record_year").is_null())
        used = (records, firms.filter(pl.col("uscc").is_in(records["uscc"].drop_nulls().implode())),
                sites.filter(pl.col("facility_id").is_in(records["facility_id"].drop_nulls().implode())))
        out[str(year)] = hashlib.sha256(" ".join([units, *map(_digest, used)]).encode()).hexdigest()[:16]
    return out


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
