"""Annual builds after the reporting deadlines, and the nightly data-quality run (times in Asia/Shanghai).

- permit annual execution reports (排污许可执行报告年报) are due in January: build the previous year on 1 February;
- GHG reports of cement, aluminium and steel are due 30 September: build the previous year on 1 October;
- the other GHG reports are due 31 December: build the year before last on 1 January.
An annual build is planned as `synergy build --years <year>` plans it (pipelines.orchestration.build.plan_build): the
data year and every later year in full, plus the sources whose files changed, so the next build can start from it. A
year with no data yet is skipped with a reason. The run key makes each schedule build a year once.
"""

import dagster as dg

from pipelines.orchestration.build import plan_build
from pipelines.orchestration.jobs import build_all, quality_check
from pipelines.orchestration.partitions import REPORTING_YEAR, affected_years
from pipelines.orchestration.resources import SynergyConfig

TIMEZONE = "Asia/Shanghai"


def annual_build(name: str, cron: str, lag_years: int, deadline: str) -> dg.ScheduleDefinition:
    """A schedule that builds data year (scheduled year - lag_years) once its reports are due."""

    @dg.schedule(name=name, cron_schedule=cron, job=build_all, execution_timezone=TIMEZONE,
                 default_status=dg.DefaultScheduleStatus.RUNNING,
                 description=f"{deadline}: builds the data year {lag_years} year(s) before the run date.")
    def _schedule(context: dg.ScheduleEvaluationContext, synergy: SynergyConfig) -> dg.RunRequest | dg.SkipReason:
        year = context.scheduled_execution_time.year - lag_years
        keys = list(context.instance.get_dynamic_partitions(REPORTING_YEAR))
        if str(year) not in keys:
            return dg.SkipReason(f"{year}年尚无数据 / no data for {year} in the inbox yet")
        plan = plan_build(synergy.workspace, context.instance, context.repository_def.asset_graph, synergy,
                          years=affected_years({year}, keys))
        return dg.RunRequest(run_key=f"{name}-{year}", asset_selection=plan.selection,
                             tags={**plan.tags, "synergy/trigger": name})

    return _schedule


SCHEDULES = [
    annual_build("annual_permit_build", "0 2 1 2 *", 1, "排污许可执行报告年报1月底前提交 / permit annual reports due in January"),
    annual_build("annual_ghg_cement_aluminium_steel_build", "0 2 1 10 *", 1,
                 "水泥、铝、钢铁温室气体报告9月30日前提交 / GHG reports of cement, aluminium, steel due 30 September"),
    annual_build("annual_ghg_other_sectors_build", "0 2 1 1 *", 2,
                 "其他行业温室气体报告12月31日前提交 / other GHG reports due 31 December"),
    dg.ScheduleDefinition(name="nightly_data_quality", cron_schedule="30 3 * * *", job=quality_check,
                          execution_timezone=TIMEZONE, default_status=dg.DefaultScheduleStatus.RUNNING,
                          description="great-expectations suites over the published warehouse every night."),
]
