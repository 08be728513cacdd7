"""The inbox sensor: new, changed or removed files start a run of just their source and what depends on it.

It plans exactly as `synergy build` does (pipelines.orchestration.build.plan_build): only the years the changed files
carry (and every later year, whose look-back reads them) are rebuilt; a file without years (a permit list) or a
removed file rebuilds every year; a changed factor set, curation/ or config/ rebuilds everything. Years seen for the
first time become partitions in the same tick. The run key names the plan and its inputs, so a failed run is not
retried in a loop: fix the file (its hash changes) or run `synergy build`.
"""

import dagster as dg

from pipelines.orchestration.build import SINCE_TAG, plan_build
from pipelines.orchestration.jobs import build_all
from pipelines.orchestration.partitions import reporting_year
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.run_metadata import INPUT_FILES_TAG


@dg.sensor(job=build_all, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Watches $SYNERGY_HOME/inbox/<source>/: ingests the sources whose files changed and rebuilds "
                       "the reporting years those files carry, then publishes (planned as `synergy build` plans).")
def inbox_sensor(context: dg.SensorEvaluationContext, synergy: SynergyConfig) -> dg.SensorResult | dg.SkipReason:
    plan = plan_build(synergy.workspace, context.instance, context.repository_def.asset_graph, synergy)
    if plan.nothing_to_do:
        return dg.SkipReason(plan.reasons[0])
    if plan.tags[INPUT_FILES_TAG] == "0" and not plan.tags[SINCE_TAG]:  # a new, empty workspace: wait for files
        return dg.SkipReason("收件箱为空，尚无构建 / the inbox is empty and nothing has been built yet")
    context.log.info("\n".join(plan.reasons))
    new_years = [str(y) for y in plan.new_years]
    request = dg.RunRequest(run_key=plan.run_key, asset_selection=plan.selection,
                            tags={**plan.tags, "synergy/trigger": "inbox"})
    return dg.SensorResult(run_requests=[request],
                           dynamic_partitions_requests=[reporting_year.build_add_request(new_years)] if new_years else [])
