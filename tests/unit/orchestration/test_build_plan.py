"""What a build runs, decided from what changed since the last build run (pipelines.orchestration.build.plan_build),
and the per-year digest of the cross-year inputs that makes a change of one year rebuild another.

No Dagster run is executed: the last build is a run record with the tags a planned build leaves.
"""

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from pipelines.orchestration.build import BuildPlan, plan_build
from pipelines.orchestration.definitions import build_defs
from pipelines.orchestration.io_manager import stored_files
from pipelines.orchestration.partitions import REPORTING_YEAR
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.run_metadata import year_inputs
from pipelines.read.files import sha256_of
from pipelines.workspace import Workspace, init_workspace
from schemas.generate import polars_schema
from schemas.tables import TABLES

HEADER = "报告年度,统一社会信用代码,单位名称,类别,数量,计量单位\n"


def _ghg(ws: Workspace, name: str, year: int, quantity: int) -> Path:
    path = ws.inbox / "ghg" / name
    path.write_text(f"{HEADER}{year},91410100MA00000000,演示,购入电力,{quantity},MWh\n", encoding="utf-8")
    return path


class Workspace3:
    """A workspace whose years 2021-2023 are partitions, its plans and the runs that "carried them out"."""

    def __init__(self, tmp_path: Path, instance: dg.DagsterInstance, graph: object) -> None:
        self.ws = Workspace(tmp_path)
        init_workspace(self.ws)
        self.config = SynergyConfig(home=str(tmp_path))
        self.graph = graph
        self.instance = instance
        instance.add_dynamic_partitions(REPORTING_YEAR, ["2021", "2022", "2023"])

    def plan(self, **kwargs) -> BuildPlan:
        return plan_build(self.ws, self.instance, self.graph, self.config, **kwargs)

    def ran(self, plan: BuildPlan, status: dg.DagsterRunStatus = dg.DagsterRunStatus.SUCCESS) -> str:
        """Record the plan's run; on success its raw step logged every ghg file, as raw_ghg does, and every published
        table and the warehouse exist (their contents do not matter to the plan)."""
        for name in TABLES:
            if not stored_files(self.ws.parquet, name):
                pl.DataFrame(schema=polars_schema(TABLES[name])).write_parquet(self.ws.parquet / f"{name}.parquet")
        self.ws.warehouse.touch()
        files = sorted((self.ws.inbox / "ghg").iterdir())
        pl.DataFrame({"source_file": [f"ghg/{p.name}" for p in files], "file_sha256": [sha256_of(p) for p in files]},
                     schema={"source_file": pl.String, "file_sha256": pl.String}).write_parquet(
            self.ws.parquet / "raw_ghg__files.parquet")
        return self.instance.add_run(dg.DagsterRun(job_name="build_all", tags=plan.tags, status=status)).run_id


@pytest.fixture(scope="module")
def graph():
    """The asset graph (the same whatever the workspace): built once, it takes seconds."""
    return build_defs().resolve_asset_graph()


@pytest.fixture
def world(tmp_path, graph):
    with dg.DagsterInstance.ephemeral() as instance:
        yield Workspace3(tmp_path, instance, graph)


def _names(plan: BuildPlan) -> set[str]:
    assert plan.selection is not None
    return {k.to_user_string() for k in plan.selection}


def test_first_build_is_full_then_nothing_changed(world):
    _ghg(world.ws, "a.csv", 2022, 1)
    first = world.plan()
    assert (first.kind, first.selection, first.years) == ("full", None, [2021, 2022, 2023])
    assert "no earlier build" in first.reasons[0]
    run_id = world.ran(first)
    again = world.plan()
    assert again.nothing_to_do and again.reasons == [f"自运行 {run_id} 以来输入未变 / nothing changed since run {run_id}"]


def test_a_new_file_reruns_its_source_its_year_and_later_years(world):
    _ghg(world.ws, "a.csv", 2021, 1)
    world.ran(world.plan())
    _ghg(world.ws, "b.csv", 2022, 2)
    plan = world.plan()
    assert (plan.kind, plan.sources, plan.years) == ("incremental", ["ghg"], [2022, 2023])
    names = _names(plan)
    assert {"raw_ghg__files", "core_ghg__fuel_lines", "core_enterprise__entity", "out_inventory__yearly_facility",
            "out_publish__warehouse", "out_publish__exports_and_reports"} <= names
    assert not {n for n in names if n.startswith(("raw_permit", "core_permit__", "raw_envstat", "core_envstat__"))}
    assert (plan.tags["dagster/asset_partition_range_start"], plan.tags["dagster/asset_partition_range_end"]) == (
        "2022", "2023")
    assert "ghg: 新增或变更 1 个文件" in plan.reasons[0] and "ghg/b.csv" in plan.reasons[0]
    assert plan.run_key == world.plan().run_key  # same plan, same inputs: the sensor does not launch it twice


def test_a_new_year_becomes_a_partition_and_a_removal_rebuilds_every_year(world):
    _ghg(world.ws, "a.csv", 2021, 1)
    world.ran(world.plan())
    _ghg(world.ws, "b.csv", 2024, 2)
    plan = world.plan()
    assert (plan.years, plan.new_years) == ([2024], [2024])
    (world.ws.inbox / "ghg" / "a.csv").unlink()
    assert world.plan().years == [2021, 2022, 2023, 2024]  # a removal bears on every year


@pytest.mark.parametrize(("change", "part"), [
    (lambda ws: (ws.curation / "matches.csv").write_text("changed\n", encoding="utf-8"), "curation/"),
    (lambda ws: (ws.config / "limits.yaml").write_text("max_rows: 5\n", encoding="utf-8"), "config/"),
])
def test_settings_outside_the_inbox_rebuild_everything(world, change, part):
    _ghg(world.ws, "a.csv", 2021, 1)
    run_id = world.ran(world.plan())
    change(world.ws)
    plan = world.plan()
    assert (plan.kind, plan.selection, plan.years) == ("full", None, [2021, 2022, 2023])
    assert plan.reasons[0].startswith(part) and run_id in plan.reasons[0]


def test_another_factor_set_rebuilds_everything(world, tmp_path_factory):
    import shutil

    from inventories.factor_library import DEFAULT_FACTOR_SET

    _ghg(world.ws, "a.csv", 2021, 1)
    world.ran(world.plan())
    folder = tmp_path_factory.mktemp("factors") / "copy"
    shutil.copytree(DEFAULT_FACTOR_SET, folder)
    same = SynergyConfig(home=world.config.home, factor_set_path=str(folder))
    assert plan_build(world.ws, world.instance, world.graph, same).nothing_to_do  # same files elsewhere: same numbers
    (folder / "factors.csv").write_text((folder / "factors.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    plan = plan_build(world.ws, world.instance, world.graph, SynergyConfig(home=world.config.home,
                                                                           factor_set_path=str(folder)))
    assert plan.kind == "full" and "factor set" in plan.reasons[0]


def test_full_years_and_a_failed_run_widen_the_plan(world):
    _ghg(world.ws, "a.csv", 2021, 1)
    world.ran(world.plan())
    assert world.plan(full=True).kind == "full"
    forced = world.plan(years=[2022])  # a backfill of 2022 with nothing changed: every yearly table of 2022, and
    assert (forced.kind, forced.sources, forced.years) == ("incremental", [], [2021, 2022])  # 2021, never built
    assert {"core_inventory__yearly_facility_species", "core_cems__gaps", "out_publish__warehouse"} <= _names(forced)
    assert not {n for n in _names(forced) if n.startswith(("raw_", "core_entity"))}
    _ghg(world.ws, "b.csv", 2023, 2)
    failed = world.plan()
    failed_id = world.ran(failed, dg.DagsterRunStatus.FAILURE)  # its raw step logged b.csv, later steps failed
    redo = world.plan()
    assert (redo.sources, redo.years) == (["ghg"], [2023]) and failed_id in redo.reasons[-2]
    assert redo.run_key == failed.run_key  # the same plan again: the sensor does not retry it in a loop


def test_a_run_not_planned_by_synergy_leads_to_a_full_build(world):
    _ghg(world.ws, "a.csv", 2021, 1)
    world.ran(world.plan())
    world.instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", status=dg.DagsterRunStatus.SUCCESS))
    plan = world.plan()
    assert plan.kind == "full" and "not planned" in plan.reasons[0]


def _entities(tmp_path: Path, assn: list[tuple], firms: list[tuple], units: list[tuple]) -> dict[str, str]:
    pl.DataFrame(assn, schema=["record_year", "uscc", "facility_id"], orient="row").write_parquet(
        tmp_path / "core_facility__assn_sources.parquet")
    pl.DataFrame(firms, schema=["uscc", "enterprise_name", "last_year", "record_count"], orient="row").write_parquet(
        tmp_path / "core_enterprise__entity.parquet")
    pl.DataFrame({"facility_id": ["F1", "F2"], "facility_name": ["一厂", "二厂"]}).write_parquet(
        tmp_path / "core_facility__entity.parquet")
    pl.DataFrame(units, schema=["uscc", "unit_id"], orient="row").write_parquet(tmp_path / "core_ghg__power_monthly.parquet")
    return year_inputs(tmp_path, [2021, 2022, 2023])


def test_year_inputs_move_only_for_years_whose_entities_moved(tmp_path):
    assn = [(2021, "A", "F1"), (2022, "A", "F1"), (2023, "B", "F2"), (None, "A", "F1")]
    firms = [("A", "甲公司", 2022, 3), ("B", "乙公司", 2023, 1)]
    base = _entities(tmp_path, assn, firms, [("B", "U1")])
    assert len(set(base.values())) == 3 and set(base) == {"2021", "2022", "2023"}
    # a new 2023 record of B, and B's all-year summaries move: only 2023's digest changes
    more = _entities(tmp_path, [*assn, (2023, "B", "F2")], [firms[0], ("B", "乙公司", 2023, 2)], [("B", "U1")])
    assert {y for y in base if more[y] != base[y]} == {"2023"}
    # A's summaries (last year, record count) move when A reports for 2023: read by no yearly table
    assert _entities(tmp_path, assn, [("A", "甲公司", 2023, 4), firms[1]], [("B", "U1")]) == base
    # a 2023 report renames A: 2021 and 2022 stand on A's name (and the yearless permit row names A in 2023 too)
    renamed = _entities(tmp_path, assn, [("A", "甲公司(更名)", 2022, 3), firms[1]], [("B", "U1")])
    assert {y for y in base if renamed[y] != base[y]} == {"2021", "2022", "2023"}
    # a new power unit: captive power is judged over every year
    unit = _entities(tmp_path, assn, firms, [("B", "U1"), ("A", "U9")])
    assert all(unit[y] != base[y] for y in base)
    (tmp_path / "core_ghg__power_monthly.parquet").unlink()
    assert year_inputs(tmp_path, [2021]) == {}  # before the first build


def test_a_year_whose_entities_moved_is_rebuilt_with_the_later_years(world):
    _ghg(world.ws, "a.csv", 2021, 1)
    firms = [("A", "甲公司", 2022, 3), ("B", "乙公司", 2023, 1)]
    assn = [(2021, "B", "F2"), (2022, "A", "F1"), (2023, "B", "F2")]
    _entities(world.ws.parquet, assn, firms, [])
    world.ran(world.plan())
    _ghg(world.ws, "b.csv", 2023, 2)
    of_2023 = world.plan()
    assert of_2023.years == [2023]
    _entities(world.ws.parquet, assn, [("A", "甲公司(更名)", 2022, 3), firms[1]], [])  # what that run's entity step did
    world.ran(of_2023)
    plan = world.plan()
    assert (plan.kind, plan.sources, plan.years) == ("incremental", [], [2022, 2023])
    assert "2022" in plan.reasons[0]
    names = _names(plan)
    assert {"core_inventory__yearly_facility_species_candidates", "out_inventory__yearly_facility",
            "out_key_emitters__register", "out_publish__warehouse"} <= names
    assert not {n for n in names if n.startswith(("raw_", "core_entity", "core_enterprise__", "core_ghg__", "core_cems"))}


def test_new_code_rebuilds_everything(world, monkeypatch):
    from pipelines.orchestration import run_metadata

    _ghg(world.ws, "a.csv", 2021, 1)
    world.ran(world.plan())
    monkeypatch.setattr(run_metadata, "code_version", lambda: "0.2.0+0123456789abcdef")  # an upgrade, or an edited rule
    plan = world.plan()
    assert plan.kind == "full" and plan.reasons[0].startswith("程序版本 code version")
    assert plan.tags["synergy/code_version"] == "0.2.0+0123456789abcdef"


def test_outputs_deleted_after_a_build_lead_to_a_full_build(world):
    _ghg(world.ws, "a.csv", 2023, 10)
    world.ran(world.plan())
    assert world.plan().nothing_to_do
    (world.ws.parquet / "core_inventory__factors.parquet").unlink()  # a reset deleted parquet/ (in part)
    plan = world.plan()
    assert plan.kind == "full" and "core_inventory__factors" in plan.reasons[0]
    world.ran(plan)
    world.ws.warehouse.unlink()
    assert world.plan().kind == "full"
