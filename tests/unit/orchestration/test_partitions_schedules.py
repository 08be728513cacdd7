"""Reporting-year partitions, the inbox scan, the schedules' deadlines and the instance's concurrency settings."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import yaml

from pipelines.orchestration.definitions import build_defs
from pipelines.orchestration.partitions import REPORTING_YEAR, affected_years, range_tags, years_from_tags
from pipelines.orchestration.resources import SynergyConfig
from pipelines.read.inbox_scan import file_years, inbox_changes
from pipelines.workspace import DAGSTER_INSTANCE_YAML, Workspace, init_workspace

START, END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def test_a_change_rebuilds_its_year_and_every_later_one():
    keys = ["2021", "2022", "2023"]
    assert affected_years({2022}, keys) == [2022, 2023]
    assert affected_years({2023}, keys) == [2023]
    assert affected_years(None, keys) == [2021, 2022, 2023]  # a permit list: every year
    assert affected_years(set(), keys) == []


def test_range_tags_cover_the_years_in_stored_order():
    assert range_tags(["2021", "2022", "2023"], [2022, 2023]) == {START: "2022", END: "2023"}
    late = ["2021", "2022", "2023", "2019"]  # 2019 arrived after the others: the range spans the stored order
    assert range_tags(late, [2019, 2023]) == {START: "2023", END: "2019"}
    assert years_from_tags(range_tags(late, [2019, 2023]), late) == [2019, 2023]
    assert years_from_tags({START: "2021", END: "2023"}, late) == [2021, 2022, 2023]
    assert years_from_tags({"dagster/partition": "2022"}, late) == [2022]
    with pytest.raises(ValueError, match="2024"):
        range_tags(["2021"], [2024])


def test_file_years_come_from_rows_title_or_name(tmp_path):
    ghg = tmp_path / "report.csv"
    ghg.write_text("报告年度,统一社会信用代码,单位名称,类别,数量,计量单位\n2022,91410100MA00000000,演示,购入电力,1,MWh\n"
                   "2023年,91410100MA00000000,演示,购入电力,2,MWh\n", encoding="utf-8")
    assert file_years(ghg, "ghg") == (2022, 2023)
    registry = tmp_path / "permits.csv"
    registry.write_text("许可证编号,单位名称,统一社会信用代码\n91410100MA00000000001P,演示,91410100MA00000000\n",
                        encoding="utf-8")
    assert file_years(registry, "permit") in (None, ())  # no year column: bears on every year (or reads nothing)


def test_inbox_changes_name_new_and_removed_files(tmp_path):
    import polars as pl

    ws = Workspace(tmp_path)
    init_workspace(ws)
    kept = ws.inbox / "ghg" / "a.csv"
    kept.write_text("报告年度,统一社会信用代码,单位名称,类别,数量,计量单位\n2023,91410100MA00000000,演示,购入电力,1,MWh\n",
                    encoding="utf-8")
    assert set(inbox_changes(ws)) == {"ghg"}
    from pipelines.read.files import sha256_of

    pl.DataFrame({"source_file": ["ghg/a.csv", "ghg/gone.csv"], "file_sha256": [sha256_of(kept), "0" * 64]}).write_parquet(
        ws.parquet / "raw_ghg__files.parquet")
    changes = inbox_changes(ws)["ghg"]
    assert changes.new == [] and changes.removed == ["ghg/gone.csv"] and changes.years() is None
    (ws.inbox / "ghg" / "b.csv").write_text(kept.read_text(encoding="utf-8").replace(",1,", ",5,"), encoding="utf-8")
    (ws.inbox / "ghg" / "gone.csv").write_bytes(b"")  # back under its name, with other content: changed, not gone
    changes = inbox_changes(ws)["ghg"]
    assert sorted(f.name for f in changes.new) == ["ghg/b.csv", "ghg/gone.csv"] and changes.removed == []
    assert changes.years() == {2023}


def test_cems_files_are_watched_with_the_years_in_their_names(tmp_path):
    import polars as pl

    from pipelines.read.files import sha256_of

    ws = Workspace(tmp_path)
    init_workspace(ws)
    hourly = ws.inbox / "cems" / "410100_2023_小时数据.csv"
    hourly.write_text("MN,DataTime,a21026-Cou,a21026-Flag\nMN01,20230101000000,1.0,N\n", encoding="utf-8")
    (ws.inbox / "cems" / "监测点位对照表.csv").write_text("MN,许可证编号,排放口编号\n", encoding="utf-8")
    assert file_years(hourly, "cems") == (2023,)  # the name's year: not read row by row
    changes = inbox_changes(ws)["cems"]
    assert sorted(f.name for f in changes.new) == ["cems/410100_2023_小时数据.csv", "cems/监测点位对照表.csv"]
    assert changes.years() is None  # the outlet map bears on every year
    pl.DataFrame({"source_file": ["cems/监测点位对照表.csv"],
                  "file_sha256": [sha256_of(ws.inbox / "cems" / "监测点位对照表.csv")]}).write_parquet(
        ws.parquet / "core_cems__file_counts.parquet")
    assert inbox_changes(ws)["cems"].years() == {2023}


@pytest.mark.parametrize(("name", "when", "year"), [
    ("annual_permit_build", dt.datetime(2024, 2, 1, 2), 2023),
    ("annual_ghg_cement_aluminium_steel_build", dt.datetime(2023, 10, 1, 2), 2022),
    ("annual_ghg_other_sectors_build", dt.datetime(2025, 1, 1, 2), 2023),
])
@pytest.mark.slow  # a Dagster run: seconds of CPU
def test_annual_builds_follow_the_reporting_deadlines(tmp_path, name, when, year):
    config = SynergyConfig(home=str(tmp_path))
    with dg.instance_for_test() as instance:
        defs = build_defs({"synergy": config})
        schedule = defs.resolve_schedule_def(name)
        assert schedule.execution_timezone == "Asia/Shanghai"
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
        instance.add_dynamic_partitions(REPORTING_YEAR, ["2021", "2022", "2023"])
        # entered as context managers, so the resources' ephemeral Dagster instance is disposed afterwards
        with dg.build_schedule_context(instance=instance, resources={"synergy": config}, repository_def=defs.get_repository_def(),
                                       scheduled_execution_time=when.replace(tzinfo=ZoneInfo("Asia/Shanghai"))) as context:
            request = schedule(context)
        assert isinstance(request, dg.RunRequest)
        built = [int(y) for y in request.tags["synergy/years"].split(",")]
        # the year and every later one, and (nothing built yet) the earlier years its register look-back reads
        assert request.tags[END] == "2023" and set(range(year, 2024)) <= set(built)
        assert request.tags["synergy/plan"] == "full"  # planned, so the next build can start from it
        assert request.run_key == f"{name}-{year}"
        with dg.build_schedule_context(instance=instance, resources={"synergy": config}, repository_def=defs.get_repository_def(),
                                       scheduled_execution_time=dt.datetime(2031, 1, 1, tzinfo=ZoneInfo("UTC"))) as later:
            assert isinstance(schedule(later), dg.SkipReason)  # no data for that year yet


def test_schedule_crons_and_the_nightly_quality_run():
    from pipelines.orchestration.schedules import SCHEDULES
    from pipelines.orchestration.sensors import inbox_sensor

    crons = {s.name: s.cron_schedule for s in SCHEDULES}
    assert crons["annual_permit_build"] == "0 2 1 2 *"  # 1 February, after January's permit annual reports
    assert crons["annual_ghg_cement_aluminium_steel_build"] == "0 2 1 10 *"  # after 30 September
    assert crons["annual_ghg_other_sectors_build"] == "0 2 1 1 *"  # after 31 December
    assert crons["nightly_data_quality"] == "30 3 * * *"
    assert {s.name: s.job_name for s in SCHEDULES}["nightly_data_quality"] == "quality_check"
    assert inbox_sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_one_publisher_at_a_time_and_heavy_steps_in_pools():
    settings = yaml.safe_load(DAGSTER_INSTANCE_YAML.read_text(encoding="utf-8"))
    limits = {x["key"]: x["limit"] for x in settings["concurrency"]["runs"]["tag_concurrency_limits"]}
    assert limits == {"synergy/publishes-warehouse": 1}
    assert settings["concurrency"]["pools"]["default_limit"] == 1 and settings["run_monitoring"]["enabled"]
    job = build_defs().resolve_job_def("build_all")
    assert job.tags["synergy/publishes-warehouse"] == "true"
    pools = {node.name: node.definition.pool for node in job.graph.nodes}
    assert pools["out_publish__warehouse"] == "warehouse_publish"
    assert {pools[n] for n in ("raw_permit", "core_entity", "core_inventory__yearly_facility_species_candidates",
                               "out_inventory__yearly_region_sector", "out_publish__exports_and_reports")} == {"memory_heavy"}
