"""One build as one in-process Dagster run, planned from what changed since the last build.

`plan_build` decides what a build runs; `synergy build`, `synergy ingest` and the inbox sensor all use it, so the CLI
runs what the daemon would. What changed is judged against the last build run in the workspace's Dagster instance:
- new, changed or removed inbox files re-run their source(s) and what depends on them, for the years the files
  carry and every later year (a yearless file or a removal: every year);
- a change of the code version, the factor set, curation/ or config/ rebuilds everything (every number may move);
- a year whose cross-year inputs moved (a new report that merges two sites, renames an enterprise or adds a power
  unit: run_metadata.year_inputs) is rebuilt too, with every later year;
- the scope of a last build that did not succeed is redone;
- nothing changed: nothing runs.
The warehouse step always publishes every stored year, so a build of some years leaves what a full build leaves.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from inventories.reference import key_emitter_rule
from pipelines.deliver.output_dirs import process_alive
from pipelines.orchestration.io_manager import stored_files
from pipelines.orchestration.jobs import BUILD_SELECTION, MEMORY_HEAVY, WAREHOUSE_PUBLISH
from pipelines.orchestration.partitions import (
    REPORTING_YEAR,
    add_years,
    affected_years,
    known_years,
    range_tags,
    unpartitioned,
    years_from_tags,
)
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.run_metadata import (
    ACROSS_YEARS,
    INPUTS_TAG,
    SETTINGS_TAGS,
    YEAR_INPUTS_TAG,
    inbox_tags,
    settings_tags,
    year_inputs,
)
from pipelines.orchestration.run_storage import use_wal_for_instance
from pipelines.read.inbox_scan import InboxFile, SourceChanges, inbox_changes, inbox_contents, inbox_years
from pipelines.workspace import Workspace
from schemas.sources import SOURCE_SYSTEMS
from schemas.tables import TABLES

PLAN_TAG = "synergy/plan"  # full | incremental: a run without it was not planned (e.g. started from the UI)
SOURCES_TAG = "synergy/sources"  # the sources the run re-ingested
YEARS_TAG = "synergy/years"
SINCE_TAG = "synergy/since"  # the last successful build run the plan compared against ("" for none)
BUILD_JOBS = ("build_all", "__ASSET_JOB")  # the jobs that write build tables (__ASSET_JOB: materialised in the UI)
_FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]
_SETTING_NAMES = {"code": "程序版本 code version", "factor_set": "因子集 factor set", "curation": "curation/ 人工判定",
                  "config": "config/ 配置与运行设置 settings"}


@dataclass
class BuildPlan:
    """What one build runs, and why (each reason in Chinese and English)."""

    kind: str  # full | incremental | none (nothing changed)
    years: list[int]  # the data years the run covers (the range of partitions)
    new_years: list[int]  # years seen for the first time: partitions to add before the run
    selection: list[dg.AssetKey] | None  # None: every asset of build_all
    sources: list[str]  # the sources re-ingested
    reasons: list[str]
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def nothing_to_do(self) -> bool:
        return self.kind == "none"

    @property
    def run_key(self) -> str:
        """The same plan on the same inputs gives the same key, so the sensor does not retry a failed run in a loop
        (fix the file, or run `synergy build`); the last successful run is part of it, so inputs that come back to an
        earlier state still start a run."""
        keep = (INPUTS_TAG, *SETTINGS_TAGS.values(), SOURCES_TAG, YEARS_TAG, PLAN_TAG, SINCE_TAG)
        state = json.dumps({k: self.tags.get(k) for k in keep}, sort_keys=True)
        return "build-" + hashlib.sha256(state.encode()).hexdigest()[:16]


def workspace_instance() -> dg.DagsterInstance:
    """The Dagster instance of $DAGSTER_HOME (the workspace's dagster/ folder), which `synergy ui` shows too."""
    use_wal_for_instance()
    return dg.DagsterInstance.get()


def years_to_build(files: list[InboxFile], instance: dg.DagsterInstance, years: Sequence[int] | None) -> list[int]:
    """The years asked for, else every year an inbox file carries or a partition already holds.

    Asked-for years bring the earlier years their register look-back reads when those have data but were never
    built, so `--years 2023` on a fresh workspace judges 2023 on 2022 too, as a full build would.
    """
    with_data = set(inbox_years(files)) | set(known_years(instance))
    if not years:
        return sorted(with_data)
    lookback = int(key_emitter_rule()["lookback_years"])
    built = instance.get_materialized_partitions(dg.AssetKey("core_inventory__yearly_facility_species"))
    earlier = {y - k for y in years for k in range(1, lookback + 1)}
    return sorted(set(years) | {y for y in earlier & with_data if str(y) not in built})


def _latest(instance: dg.DagsterInstance, statuses: list[dg.DagsterRunStatus]) -> dg.DagsterRun | None:
    """The newest build run with one of the statuses (build_all, or assets materialised in the UI)."""
    records = [r for job in BUILD_JOBS
               for r in instance.get_run_records(filters=dg.RunsFilter(job_name=job, statuses=statuses), limit=1)]
    return max(records, key=lambda r: r.create_timestamp).dagster_run if records else None


def _missing_outputs(ws: Workspace) -> list[str]:
    """What an earlier build wrote but is gone (parquet/ or the warehouse deleted, e.g. a reset): an incremental
    build would read it."""
    missing = [name for name in TABLES if not stored_files(ws.parquet, name)]
    return missing + ([ws.warehouse.name] if not ws.warehouse.exists() else [])


def _why_full(ws: Workspace, last: dg.DagsterRun | None, settings: dict[str, str], full: bool) -> list[str]:
    """Why everything must be rebuilt (empty: an incremental build will do)."""
    if full:
        return ["按要求全部重建 / --full: everything rebuilt"]
    if last is None:
        return ["此工作区尚无构建记录 / no earlier build in this workspace: everything built"]
    missing = _missing_outputs(ws)
    if missing:
        shown = ", ".join(missing[:3]) + (f" … (+{len(missing) - 3})" if len(missing) > 3 else "")
        return [f"上次构建的结果已缺失 / outputs of earlier builds are missing ({shown}): everything rebuilt"]
    if PLAN_TAG not in last.tags:
        return [f"上次运行 {last.run_id} 非由 synergy build 或收件箱传感器发起(例如界面中物化), 无法判断其范围 / the last "
                f"run {last.run_id} was not planned by synergy build or the inbox sensor (e.g. materialised in the UI): "
                "everything rebuilt"]
    if last.status != dg.DagsterRunStatus.SUCCESS and last.tags[PLAN_TAG] == "full":
        return [f"上次全部重建 {last.run_id} 未成功 / the last full build {last.run_id} did not succeed: rebuilt"]
    return [f"{_SETTING_NAMES[part]} 已变化 / changed since run {last.run_id}: everything rebuilt"
            for part, tag in SETTINGS_TAGS.items() if last.tags.get(tag) != settings[tag]]


def _change_line(source: str, change: SourceChanges) -> str:
    names = [f.name for f in change.new] + [f"-{n}" for n in change.removed]
    shown = ", ".join(names[:3]) + (f" … (+{len(names) - 3})" if len(names) > 3 else "")
    years = change.years()
    return (f"{source}: 新增或变更 {len(change.new)} 个文件, 移除 {len(change.removed)} 个 / {len(change.new)} new or "
            f"changed file(s), {len(change.removed)} removed ({shown}); 年度 years "
            f"{', '.join(map(str, sorted(years))) if years is not None else '全部 all'}")


def _union(years: set[int] | None, more: set[int] | None) -> set[int] | None:
    return None if years is None or more is None else years | more


def _selection(graph: Any, sources: set[str], years_redone: set[str]) -> dg.AssetSelection:
    """Every asset downstream of the sources' raw/core groups and of what the redone years need: "all" (a backfill,
    or a failed run redone) every yearly asset, "across" the tables that read the cross-year inputs."""
    nodes = [graph.get(k) for k in graph.get_all_asset_keys()]
    groups = {f"{layer}_{s}" for s in sources for layer in ("raw", "core")} & {n.group_name for n in nodes}
    roots = dg.AssetSelection.groups(*groups)
    yearly = {n.key for n in nodes if n.is_partitioned}
    if "all" in years_redone:
        roots |= dg.AssetSelection.assets(*yearly)
    if "across" in years_redone:  # their yearly readers, not the step that writes them (entity resolution)
        roots |= dg.AssetSelection.assets(*(yearly & dg.AssetSelection.assets(*ACROSS_YEARS).downstream().resolve(graph)))
    return roots.downstream() & BUILD_SELECTION


def plan_build(ws: Workspace, instance: dg.DagsterInstance, graph: Any, config: SynergyConfig,
               years: Sequence[int] = (), full: bool = False) -> BuildPlan:
    """What a build of ws runs: everything (`full`, or when settings changed), else the changed sources and years,
    plus `years` (each with all its yearly tables, as a backfill), plus what the last build left to redo.

    Runs a killed build left behind are settled first: they count as failed, so their scope is redone."""
    recover_stale_runs(instance)
    contents = inbox_contents(ws)
    changes = inbox_changes(ws, contents)
    existing = list(instance.get_dynamic_partitions(REPORTING_YEAR))
    last, done = _latest(instance, _FINISHED), _latest(instance, [dg.DagsterRunStatus.SUCCESS])
    tags = {**inbox_tags(contents), **settings_tags(config), YEAR_INPUTS_TAG: json.dumps(
        year_inputs(ws.parquet, [int(y) for y in existing]), sort_keys=True), SINCE_TAG: done.run_id if done else ""}
    why_full = _why_full(ws, last, tags, full)
    if why_full:
        chosen = years_to_build(contents, instance, years or None)
        return _plan(graph, existing, chosen, set(SOURCE_SYSTEMS), None, why_full, tags)
    assert last is not None  # _why_full asks for a full build without a last run
    sources, changed = set(changes), set()
    reasons = [_change_line(source, change) for source, change in sorted(changes.items())]
    for change in changes.values():
        changed = _union(changed, change.years())
    forced = set(years_to_build(contents, instance, years)) if years else set()
    if forced:
        reasons.append(f"按要求重建年度 / years asked for: {', '.join(map(str, sorted(forced)))}")
    rebuilt = set(years_from_tags(last.tags, existing)) | {int(y) for y in last.tags.get(YEARS_TAG, "").split(",") if y}
    if last.status != dg.DagsterRunStatus.SUCCESS:  # its raw steps may have logged files its later steps never used
        sources |= {s for s in last.tags.get(SOURCES_TAG, "").split(",") if s}
        forced |= rebuilt
        reasons.append(f"上次构建 {last.run_id} 未成功, 重做其来源与年度 / the last build {last.run_id} did not succeed: "
                       "its sources and years are redone")
    recorded = json.loads(last.tags.get(YEAR_INPUTS_TAG, "{}"))
    stale = {int(y) for y, digest in json.loads(tags[YEAR_INPUTS_TAG]).items()
             if int(y) not in rebuilt and recorded.get(y) != digest}
    if stale:
        reasons.append(f"他年数据改变了 {', '.join(map(str, sorted(stale)))} 年所依的企业/设施归并或属性 / data of another "
                       f"year changed the entities or power units years {', '.join(map(str, sorted(stale)))} stand on")
    if not (sources or forced or stale):
        return BuildPlan("none", [], [], [], [], [f"自运行 {last.run_id} 以来输入未变 / nothing changed since run "
                                                   f"{last.run_id}"], tags)
    arriving = {str(y) for change in changes.values() for f in change.new for y in f.years or ()}
    keys = existing + sorted(arriving - set(existing))
    chosen = set(affected_years(_union(changed, stale), keys)) | forced
    redone = {"all"} if forced else set()
    redone |= {"across"} if stale else set()
    return _plan(graph, existing, sorted(chosen), sources, redone, reasons, tags)


def _plan(graph: Any, existing: list[str], years: list[int], sources: set[str], redone: set[str] | None,
          reasons: list[str], tags: dict[str, str]) -> BuildPlan:
    """The plan of a run over `years` (new ones become partitions); redone None: every asset (a full build)."""
    new_years = [y for y in years if str(y) not in existing]
    keys = existing + [str(y) for y in new_years]
    covered = years_from_tags(range_tags(keys, years), keys) if years else []
    selection = None if redone is None else sorted(_selection(graph, sources, redone).resolve(graph))
    if not years:  # no data year yet: ingest and publish the rest
        selection = unpartitioned(graph, selection if selection is not None else BUILD_SELECTION.resolve(graph))
    kind = "full" if redone is None else "incremental"
    shown_years = ", ".join(map(str, covered)) or "无 none"
    reasons = [*reasons, f"{'全部重建 full build' if kind == 'full' else '增量构建 incremental build'}: 来源 sources "
                         f"{', '.join(sorted(sources)) or '无 none'}; 年度 years {shown_years}"]
    run_tags = {**tags, PLAN_TAG: kind, SOURCES_TAG: ",".join(sorted(sources)), YEARS_TAG: ",".join(map(str, covered)),
                **(range_tags(keys, covered) if covered else {})}
    return BuildPlan(kind, covered, new_years, selection, sorted(sources), reasons, run_tags)


def execute_plan(defs: dg.Definitions, instance: dg.DagsterInstance, plan: BuildPlan,
                 asset_selection: Sequence[dg.AssetKey] | None = None, tags: dict[str, str] | None = None,
                 run_config: dict | None = None) -> dg.ExecuteInProcessResult:
    """Run a plan as one `build_all` run in this process (its new years added as partitions first); failures are in
    the result. A run of another `asset_selection` is no planned run: the next build cannot take it as one."""
    add_years(instance, plan.new_years)
    run_tags = {**plan.tags, "synergy/pid": str(os.getpid()), "synergy/host": socket.gethostname(), **(tags or {})}
    selection = plan.selection
    if asset_selection is not None:
        selection = asset_selection if plan.years else unpartitioned(defs.resolve_asset_graph(), asset_selection)
        del run_tags[PLAN_TAG]
    return defs.resolve_job_def("build_all").execute_in_process(
        instance=instance, raise_on_error=False, asset_selection=selection, run_config=run_config or {}, tags=run_tags)


def run_build(defs: dg.Definitions, instance: dg.DagsterInstance, ws: Workspace, years: Sequence[int] | None = None,
              asset_selection: Sequence[dg.AssetKey] | None = None, tags: dict[str, str] | None = None,
              run_config: dict | None = None) -> dg.ExecuteInProcessResult:
    """A full build (every source; `years`, default every year with data; `asset_selection`, default every asset)."""
    plan = plan_build(ws, instance, defs.resolve_asset_graph(), _config(defs, ws), years or (), full=True)
    return execute_plan(defs, instance, plan, asset_selection, tags, run_config)


def build(defs: dg.Definitions, instance: dg.DagsterInstance, ws: Workspace, years: Sequence[int] = (),
          full: bool = False, tags: dict[str, str] | None = None, run_config: dict | None = None,
          announce: Callable[[BuildPlan], None] = lambda plan: None) -> list[dg.ExecuteInProcessResult]:
    """Plan and run; then plan again, as the next build would, and run what is left (at most once more): the years
    whose cross-year inputs the first run moved. No run at all when nothing changed (announced as such)."""
    graph, config = defs.resolve_asset_graph(), _config(defs, ws)
    plan = plan_build(ws, instance, graph, config, years, full)
    announce(plan)
    results: list[dg.ExecuteInProcessResult] = []
    while not plan.nothing_to_do and len(results) < 2:
        results.append(execute_plan(defs, instance, plan, tags=tags, run_config=run_config))
        if not results[-1].success:
            break
        plan = plan_build(ws, instance, graph, config)
        if not plan.nothing_to_do:
            announce(plan)
    return results


def _config(defs: dg.Definitions, ws: Workspace) -> SynergyConfig:
    """The SynergyConfig the definitions were built with (its factor set and settings count as inputs)."""
    resource = defs.resources.get("synergy") if defs.resources else None
    return resource if isinstance(resource, SynergyConfig) else SynergyConfig(home=str(ws.home))


def recover_stale_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark runs whose process died (a killed `synergy build`) as failed and free the pool slots they held.

    Without this a run killed mid-step would hold its pool slot for ever and the next build would wait on it.
    Only runs started on this machine by our CLI (tags synergy/pid, synergy/host) are judged; runs the daemon
    launched are watched by Dagster's own run monitoring (dagster.yaml).
    """
    recovered = []
    active = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=active, tags={"synergy/host": socket.gethostname()})):
        pid = int(run.tags.get("synergy/pid", "0"))
        if pid and pid != os.getpid() and not process_alive(pid):
            instance.report_run_failed(run, f"运行它的进程 {pid} 已终止 / the process {pid} running it died")
            recovered.append(run.run_id)
    for run_id in {slot.run_id for pool in (MEMORY_HEAVY, WAREHOUSE_PUBLISH)
                   for slot in instance.event_log_storage.get_concurrency_info(pool).claimed_slots}:
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    return recovered
