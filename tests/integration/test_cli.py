"""The CLI as a user runs it: synth, build and sql (the build: the session's `cli_built`), curation, ingest."""

import csv
import io
import json
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner
from worlds import build_in_process, copy_workspace, failures, run_cli

from pipelines.cli import app
from pipelines.orchestration.assets.entities import core_entity
from schemas.layouts import LAYOUTS


def _stdout(home: Path, *args: str) -> str:
    """What `synergy <args>` printed on stdout alone (the workspace line goes to stderr) in the workspace at home."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SYNERGY_HOME", str(home))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))
        result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_sql_before_any_build_is_a_clear_error(tmp_path):
    run_cli(tmp_path / "home", "init")
    output = run_cli(tmp_path / "home", "sql", "select 1", exit_code=2)  # no warehouse yet: clear error, not a crash
    assert "没有数据仓库 / no warehouse at" in output and "synergy build" in output


def test_synth_writes_the_inbox_and_its_truth(tmp_path):
    output = run_cli(tmp_path / "home", "synth", "--sites", "10", "--seed", "3", "--years", "2023")
    truth = json.loads((tmp_path / "home" / "manifest" / "demo_manifest.json").read_text(encoding="utf-8"))
    assert truth["years"] == [2023] and truth["seed"] == 3
    counts = truth["counts"]
    assert f"({counts['sites']} 站点 sites, {counts['enterprises']} 企业 enterprises)" in " ".join(output.split())
    assert {p.parent.name for p in (tmp_path / "home" / "inbox").rglob("*.*")} >= {"ghg", "permit", "envstat"}


def test_build_then_sql(cli_built):
    ws, output = cli_built
    assert output.startswith(f"工作区 workspace: {ws.home}\n")
    years = next(line for line in output.splitlines() if line.startswith("年度 year"))
    assert years.split() == ["年度", "year", "2023", "2022", "2021"]  # a column a year, the latest first
    assert "重点排放单位 key emitters" in output and "demo sites" not in output
    duplicates = _stdout(ws.home, "sql", "select count(*) as n from core_qa__file_manifest where file_status = "
                                         "'duplicate'", "--csv")
    assert duplicates.splitlines() == ["n", "1"]
    assert (ws.dagster_home / "dagster.yaml").is_file()


def _csv_rows(home: Path, *args: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(_stdout(home, *args, "--csv"))))


def test_a_curated_rejection_survives_rebuilds(built, tmp_path):
    """An analyst rejects a name match in curation/matches.csv; every later build keeps it rejected. The builds
    re-run entity resolution (which reads the curation file) and the publish step, on a copy of the demo."""
    ws = copy_workspace(built[0], tmp_path / "home")
    summary = _csv_rows(ws.home, "matches")
    assert {r["source"] for r in summary} == {"permit", "envstat", "ghg"}
    query = ("select identity_key, uscc, count(*) as n from core_facility__assn_sources "
             "where match_method = 'name_region' group by all order by n desc, identity_key limit 1")
    target = _csv_rows(ws.home, "sql", query)[0]
    curation = ws.curation / "matches.csv"
    assert curation.read_text(encoding="utf-8-sig").startswith("action,identity_key")  # written by init
    with curation.open("a", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerow(["reject", target["identity_key"], "", target["uscc"], "王工", "现场核实不是同一家", ""])
    for _ in range(2):
        result = build_in_process(ws, asset_selection=[*core_entity.keys, dg.AssetKey("out_publish__warehouse")])
        assert result.success, failures(result)
        status = _csv_rows(ws.home, "sql", "select match_status, count(*) as n, any_value(curated_by) as who from "
                           f"core_facility__assn_sources where identity_key = '{target['identity_key']}' group by all")
        assert status == [{"match_status": "unmatched", "n": target["n"], "who": "王工: 现场核实不是同一家"}]
        log = _csv_rows(ws.home, "sql", "select curation_status from core_qa__curation_log")
        assert log == [{"curation_status": "applied"}]
    unmatched = _csv_rows(ws.home, "matches", "--unmatched")
    assert target["identity_key"] in {r["identity_key"] for r in unmatched}


HANDWRITTEN = Path(__file__).resolve().parents[1] / "fixtures" / "handwritten" / "排污许可证执行报告_年报_2023_手工录入.csv"


@pytest.mark.slow  # `ingest` builds
def test_ingest_a_handwritten_file_then_quality_and_templates(tmp_path, monkeypatch):
    """A GB18030 file typed by hand in the execution-report layout: good rows kept, bad rows explained."""
    import duckdb

    monkeypatch.setenv("SYNERGY_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(HANDWRITTEN)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "home" / "inbox" / "permit" / HANDWRITTEN.name).is_file()  # source detected from the headers
    with duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True) as con:
        log = con.execute("select rows_read, rows_accepted, rows_rejected from core_qa__file_manifest").fetchall()
        rejected = dict(con.execute("select row_number, column_name from core_qa__rejected_rows").fetchall())
        kept = dict(con.execute("select row_number, emission_mass_t from core_permit__execution_emissions").fetchall())
    assert log == [(14, 8, 6)]
    assert rejected == {6: "污染物名称", 8: "合计(t)", 11: "报告年份", 12: "许可证编号", 13: "合计(t)",
                        14: "污染物代码"}  # the headers as the file has them
    assert kept[4] == 896.2 and kept[7] == 4.5 and kept[3] == 1204.5 and kept[16] is None  # 全角, 千克, 1,204.5, /
    assert "二氧化琉" in result.output and "not a number: '1O.5'" in result.output

    result = runner.invoke(app, ["quality"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "home" / "reports" / "data_docs" / "index.html").is_file()
    result = runner.invoke(app, ["templates", "--out", str(tmp_path / "t")])
    assert result.exit_code == 0 and len(list((tmp_path / "t").glob("*.xlsx"))) == len(LAYOUTS) + 2  # + CEMS two
    assert {p.name for p in (tmp_path / "t").glob("模板_cems_*.xlsx")} == {
        "模板_cems_hourly_在线监测小时数据(HJ212宽表).xlsx", "模板_cems_outlets_监测点位对照表.xlsx"}
    assert len(list((tmp_path / "t").glob("模板_register_published_list_*.xlsx"))) == 1  # the published-list layout too


@pytest.mark.slow  # a (nearly empty) Dagster build
def test_build_of_an_empty_workspace_says_there_is_no_data_yet(tmp_path):
    """It printed "succeeded (years: none)", then a traceback from the summary (issue 27)."""
    output = " ".join(run_cli(tmp_path / "home", "build").split())
    assert f"新建工作区 / new workspace created at {tmp_path / 'home'}" in output
    assert "尚无数据 / no data yet" in output and "synergy ingest" in output and "0.0 t" not in output
