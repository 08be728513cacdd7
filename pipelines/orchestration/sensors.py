"""The inbox sensor: new, changed or removed files start a run of just their source and what depends on it.

Only the years the changed files carry (and every later year, whose look-back reads them) are rebuilt; a file
without years (a permit list) or a removed file rebuilds every year. Years seen for the first time become
partitions in the same tick. The run key is the set of pending file hashes, so a failed run is not retried in a
loop: fix the file (its hash changes) or run `synergy build`.
"""

import hashlib
import json

import dagster as dg

from pipelines.orchestration.jobs import BUILD_SELECTION, build_all
from pipelines.orchestration.partitions import REPORTING_YEAR, affected_years, range_tags, reporting_year, unpartitioned
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.run_metadata import inbox_tags
from pipelines.read.inbox_scan import inbox_changes, inbox_contents


def _run_key(changes: dict) -> str:
    state = {s: {"new": sorted(f.sha256 for f in c.new), "removed": c.removed} for s, c in sorted(changes.items())}
    return "inbox-" + hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]


@dg.sensor(job=build_all, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Watches $SYNERGY_HOME/inbox/<source>/: ingests the sources whose files changed and rebuilds "
                       "the reporting years those files carry, then publishes.")
def inbox_sensor(context: dg.SensorEvaluationContext, synergy: SynergyConfig) -> dg.SensorResult | dg.SkipReason:
    contents = inbox_contents(synergy.workspace)
    changes = inbox_changes(synergy.workspace, contents)
    if not changes:
        return dg.SkipReason("收件箱没有新文件 / no new or changed files in the inbox")
    changed_years: set[int] | None = set()
    for change in changes.values():
        years = change.years()
        changed_years = None if years is None or changed_years is None else changed_years | years
    existing = list(context.instance.get_dynamic_partitions(REPORTING_YEAR))
    new_years = sorted({str(y) for y in changed_years or ()} - set(existing))
    keys = existing + new_years
    years = affected_years(changed_years, keys)
    sources = dg.AssetSelection.groups(*(f"{layer}_{s}" for s in changes for layer in ("raw", "core")))
    selection = sources.downstream() & BUILD_SELECTION
    graph = context.repository_def.asset_graph
    keys_to_run = selection.resolve(graph)
    if not years:  # nothing yearly to rebuild (no year has data yet): ingest and publish what there is
        keys_to_run = unpartitioned(graph, keys_to_run)
    context.log.info(f"changed sources {sorted(changes)}; years {years or 'none'}")
    tags = {**inbox_tags(contents), "synergy/trigger": "inbox", "synergy/sources": ",".join(sorted(changes)),
            **(range_tags(keys, years) if years else {})}
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=_run_key(changes), asset_selection=sorted(keys_to_run), tags=tags)],
        dynamic_partitions_requests=[reporting_year.build_add_request(new_years)] if new_years else [])
