"""One build as one in-process Dagster run: the years to build become partitions, the run covers their range.

Used by `synergy build` / `synergy demo` and the tests, so they run exactly what the UI and the daemon run.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence

import dagster as dg

from inventories.reference import key_emitter_rule
from pipelines.deliver.output_dirs import process_alive
from pipelines.orchestration.jobs import MEMORY_HEAVY, WAREHOUSE_PUBLISH
from pipelines.orchestration.partitions import REPORTING_YEAR, add_years, known_years, range_tags, unpartitioned
from pipelines.orchestration.run_metadata import inbox_tags
from pipelines.read.inbox_scan import InboxFile, inbox_contents, inbox_years
from pipelines.workspace import Workspace


def workspace_instance() -> dg.DagsterInstance:
    """The Dagster instance of $DAGSTER_HOME (the workspace's dagster/ folder), which `synergy ui` shows too."""
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


def run_build(defs: dg.Definitions, instance: dg.DagsterInstance, ws: Workspace, years: Sequence[int] | None = None,
              asset_selection: Sequence[dg.AssetKey] | None = None, tags: dict[str, str] | None = None,
              run_config: dict | None = None) -> dg.ExecuteInProcessResult:
    """Run `build_all` for `years` (default: every year with data) in this process; failures are in the result.

    Runs a killed earlier build left behind are settled first, so a crash never needs manual clean-up.
    """
    recover_stale_runs(instance)
    files = inbox_contents(ws)
    chosen = years_to_build(files, instance, years)
    add_years(instance, chosen)
    job = defs.resolve_job_def("build_all")
    partition_tags = range_tags(list(instance.get_dynamic_partitions(REPORTING_YEAR)), chosen) if chosen else {}
    selection = asset_selection
    if not chosen:  # no data year yet: ingest and publish the rest
        selection = unpartitioned(defs.resolve_asset_graph(), asset_selection or job.asset_layer.executable_asset_keys)
    run_tags = {**partition_tags, **inbox_tags(files), "synergy/years": ",".join(map(str, chosen)),
                "synergy/pid": str(os.getpid()), "synergy/host": socket.gethostname(), **(tags or {})}
    return job.execute_in_process(instance=instance, raise_on_error=False, asset_selection=selection,
                                  run_config=run_config or {}, tags=run_tags)


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
