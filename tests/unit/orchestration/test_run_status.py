"""`synergy status` and run-failure explanations, against real Dagster runs of a tiny inline asset graph.

The graph mirrors the pipeline's failure modes: a multi-asset ingest step that raises a domain error naming a
file, sheet and row; a blocking check that fails and stops what is downstream; a warning check; the publish step.
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from rich.cells import cell_len
from rich.console import Console

from pipelines.deliver.file_problems import NEXT_STEP, FileProblem
from pipelines.orchestration.run_failures import explain_run_failure, failure_hint
from pipelines.orchestration.status import (
    STATUS_COLUMNS,
    FailedCheck,
    LastPublish,
    PendingFile,
    RunRow,
    Status,
    collect_status,
    pending_files,
    render_status,
    status_rows,
)
from pipelines.read import inbox_scan
from pipelines.read.files import sha256_of
from pipelines.workspace import Workspace, init_workspace

DOMAIN_ERROR = "inbox/ghg/2023年报.xlsx, sheet 燃料, row 7: 单位无法识别 / unknown unit 'kt'"


class ManifestConfig(dg.Config):
    unbalanced: int = 1


@dg.multi_asset(name="raw_ghg", outs={"raw_ghg__fuel": dg.AssetOut(), "raw_ghg__files": dg.AssetOut()})
def raw_ghg():
    raise ValueError(f"{DOMAIN_ERROR}\nsecond line of detail\nthird line")


@dg.asset
def core_qa__file_manifest(config: ManifestConfig) -> int:
    return config.unbalanced


@dg.asset_check(asset=core_qa__file_manifest, blocking=True)
def rows_accounted_for(core_qa__file_manifest: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=core_qa__file_manifest == 0,
                               metadata={"files": 12, "files_not_balanced": core_qa__file_manifest})


@dg.asset_check(asset=core_qa__file_manifest)
def recalled_factors(core_qa__file_manifest: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"chosen_values_with_recalled_factor": 4})


@dg.asset
def out_inventory__yearly_facility(core_qa__file_manifest: int) -> int:
    return core_qa__file_manifest


@dg.asset
def out_publish__warehouse(out_inventory__yearly_facility: int, raw_ghg__fuel: int) -> None:
    return None


GRAPH = [raw_ghg, core_qa__file_manifest, rows_accounted_for, recalled_factors, out_inventory__yearly_facility,
         out_publish__warehouse]
BUILD_TAGS = {"synergy/cli": "build", "synergy/years": "2021,2022,2023"}


def _failing_build(instance: dg.DagsterInstance) -> str:
    result = dg.materialize(GRAPH, instance=instance, raise_on_error=False, tags=BUILD_TAGS)
    assert not result.success
    return result.run_id


@pytest.fixture(scope="module")
def failed_run():
    with dg.DagsterInstance.ephemeral() as instance:  # in memory: what status reads is the same, at a third the cost
        yield instance, _failing_build(instance)


def test_explain_names_the_failed_asset_and_its_message(failed_run):
    instance, run_id = failed_run
    lines = explain_run_failure(instance, run_id)
    step = next(line for line in lines if "step failed" in line)
    assert "raw_ghg" in step and "raw_ghg__files" in step and "raw_ghg__fuel" in step
    assert f"ValueError: {DOMAIN_ERROR} | second line of detail" in step
    assert "third line" not in step  # the first lines only; the UI has the rest
    assert "DagsterExecutionStepExecutionError" not in step  # Dagster's wrapper is unwrapped to the step's own error
    assert lines[0] == step  # the line `synergy status` shows for the run


def test_explain_names_the_failed_blocking_check_and_what_did_not_run(failed_run):
    instance, run_id = failed_run
    lines = explain_run_failure(instance, run_id)
    check = [line for line in lines if "blocking check failed" in line]
    assert len(check) == 1
    assert "rows_accounted_for on core_qa__file_manifest" in check[0]
    assert "files=12" in check[0] and "files_not_balanced=1" in check[0]
    assert not any("recalled_factors" in line for line in lines)  # a warning stops nothing
    assert not any("DagsterAssetCheckFailedError" in line for line in lines)
    skipped = next(line for line in lines if "did not run" in line)
    assert "2 steps did not run" in skipped
    assert "out_inventory__yearly_facility" in skipped and "out_publish__warehouse" in skipped
    assert any(run_id in line for line in lines)
    assert "left in place" in lines[-1]


def test_explain_is_empty_for_a_successful_run_and_says_so_for_an_unknown_one():
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([core_qa__file_manifest], instance=instance,
                                run_config={"ops": {"core_qa__file_manifest": {"config": {"unbalanced": 0}}}})
        assert explain_run_failure(instance, result.run_id) == []
        assert "no run" in explain_run_failure(instance, "0" * 36)[0]


@pytest.mark.parametrize(("message", "expected"), [
    ("PermissionError: [Errno 13] Permission denied: 'warehouse.duckdb'", "locked"),
    ("IOException: Could not set lock on file \"warehouse.duckdb\": Conflicting lock is held", "locked"),
    ("OSError: [Errno 28] No space left on device", "disk is full"),
    ("MemoryError: ", "out of memory"),
    ("duckdb.OutOfMemoryException: Out of Memory Error: could not allocate block", "out of memory"),
    ("FileNotFoundError: [Errno 2] No such file or directory: 'inbox/ghg/a.xlsx'", "missing"),
])
def test_failure_hint_maps_machine_causes(message, expected):
    assert expected in failure_hint(message)


def test_failure_hint_stays_quiet_about_data_errors():
    assert failure_hint(f"ValueError: {DOMAIN_ERROR}") is None
    assert failure_hint("") is None
    # the pipeline's own FileNotFoundError already says what to do; the "file moved or deleted" advice would mislead
    assert failure_hint("FileNotFoundError: core_x: 所需年度尚未构建 / none of the years ['2024'] has been built") is None


def _inbox_with_changes(ws: Workspace) -> None:
    """ghg: one file ingested, one new, one ingested but since removed; permit: never ingested; cems: not ingested."""
    init_workspace(ws)
    ghg = ws.inbox / "ghg"
    (ghg / "2022年报.csv").write_text("企业名称,年度\n甲,2022\n", encoding="utf-8")
    (ghg / "2023年报.csv").write_text("企业名称,年度\n乙,2023\n", encoding="utf-8")
    (ghg / "~$2023年报.xlsx").write_bytes(b"excel lock file")
    (ghg / ".DS_Store").write_bytes(b"finder")
    (ws.inbox / "permit" / "许可证2024.xlsx").write_bytes(b"not really xlsx")
    (ws.inbox / "cems" / "在线监测.csv").write_text("a\n1\n", encoding="utf-8")
    pl.DataFrame({"source_file": ["ghg/2022年报.csv", "ghg/gone.csv"],
                  "file_sha256": [sha256_of(ghg / "2022年报.csv"), "f" * 64]}).write_parquet(
        ws.parquet / "raw_ghg__files.parquet")


@pytest.fixture(scope="module")
def failed_build_status(tmp_path_factory):
    """(workspace, instance, failed run id, status) after a failing build, the inbox changed since the last ingest."""
    ws = Workspace(tmp_path_factory.mktemp("status"))
    _inbox_with_changes(ws)
    with dg.DagsterInstance.ephemeral() as instance:
        failed_id = _failing_build(instance)
        yield ws, instance, failed_id, collect_status(ws, instance)


def test_collect_status(failed_build_status, monkeypatch):
    ws, instance, failed_id, status = failed_build_status
    assert [(f.source, f.path, f.removed) for f in status.pending_files] == [
        ("permit", "permit/许可证2024.xlsx", False), ("ghg", "ghg/2023年报.csv", False), ("ghg", "ghg/gone.csv", True),
        ("cems", "cems/在线监测.csv", False)]  # CEMS is watched like the others
    never, new, removed, cems = status.pending_files
    assert "not been ingested" in cems.note
    assert "not been ingested" in never.note
    assert new.size == (ws.inbox / "ghg" / "2023年报.csv").stat().st_size and new.note is None
    assert new.modified is not None
    assert (removed.size, removed.modified, removed.note) == (None, None, None)

    # the shared inbox index was written: the next call hashes nothing that did not change
    assert (ws.dagster_home / "inbox_index.json").exists()
    hashed = []
    monkeypatch.setattr(inbox_scan, "sha256_of", lambda path: hashed.append(path) or sha256_of(path))
    assert pending_files(ws) == status.pending_files and hashed == []
    (ws.inbox / "ghg" / "2023年报.csv").write_text("企业名称,年度\n乙,2023\n丙,2023\n", encoding="utf-8")
    assert [f.path for f in pending_files(ws) if not f.removed] == ["permit/许可证2024.xlsx", "ghg/2023年报.csv",
                                                                    "cems/在线监测.csv"]
    assert hashed == [ws.inbox / "ghg" / "2023年报.csv"]

    [run] = status.runs
    assert (run.run_id, run.status, run.years, run.started_by) == (failed_id, "FAILURE", "2021–2023", "synergy build")
    assert run.started is not None and run.duration_s is not None and run.duration_s >= 0
    assert "raw_ghg" in run.failure and DOMAIN_ERROR in run.failure

    checks = {(c.check, c.asset): c for c in status.failed_checks}
    blocking = checks[("rows_accounted_for", "core_qa__file_manifest")]
    assert (blocking.severity, blocking.blocking, blocking.run_id) == ("ERROR", True, failed_id)
    assert "files_not_balanced=1" in blocking.metadata
    assert checks[("recalled_factors", "core_qa__file_manifest")].severity == "WARN"
    assert status.failed_checks[0] is blocking  # errors first
    assert status.last_publish.never_published and status.last_publish.warehouse_size is None

    # the blocking check passes on a later run; the warning is not evaluated again, so its latest stays failed
    dg.materialize([core_qa__file_manifest, rows_accounted_for], instance=instance,
                   run_config={"ops": {"core_qa__file_manifest": {"config": {"unbalanced": 0}}}},
                   tags={"dagster/sensor_name": "inbox_sensor"})

    @dg.asset(name="out_publish__warehouse")
    def publish() -> None:
        ws.warehouse.write_bytes(b"duckdb" * 100)

    published = dg.materialize([publish], instance=instance, tags={"dagster/partition": "2024"})
    status = collect_status(ws, instance, runs=2)

    assert [(c.check, c.severity) for c in status.failed_checks] == [("recalled_factors", "WARN")]
    assert [(r.run_id, r.status, r.years, r.started_by) for r in status.runs] == [
        (published.run_id, "SUCCESS", "2024", "UI / other 其他"), (status.runs[1].run_id, "SUCCESS", "", "sensor inbox_sensor")]
    assert status.runs[1].run_id not in (failed_id, published.run_id) and status.runs[0].failure is None
    publish_info = status.last_publish
    assert not publish_info.never_published and publish_info.run_id == published.run_id
    assert publish_info.warehouse_size == 600 and publish_info.warehouse_modified is not None
    assert abs((publish_info.published - publish_info.warehouse_modified).total_seconds()) < 60


def _folded(lines: list[str], start: int) -> str:
    """The text folded onto lines[start] and the more-indented lines after it, joined again."""
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = next(i for i in range(start + 1, len(lines)) if len(lines[i]) - len(lines[i].lstrip()) <= indent)
    return " ".join(line.strip() for line in lines[start:end])


def _lines(text: str, width: int, whole: tuple[str, ...] = ()) -> list[str]:
    """The lines of `text`, none wider than `width` but a line holding one of the names in `whole` (a file or path
    longer than the room left for it: printed whole, for the terminal to soft-wrap and a copy to get in one piece)."""
    lines = text.splitlines()
    too_wide = [line for line in lines if cell_len(line.rstrip()) > width and not any(name in line for name in whole)]
    assert not too_wide, too_wide
    return [line.rstrip() for line in lines]


@pytest.mark.parametrize("width", [80, 220])
def test_render_status_prints_the_four_sections(failed_build_status, width):
    _, _, run_id, status = failed_build_status
    console = Console(record=True, width=width)
    render_status(status, console)
    text = console.export_text()
    warehouse = str(status.last_publish.warehouse)
    lines = _lines(text, width, whole=(warehouse,))
    assert f"  数据仓库 warehouse {warehouse} (不存在 / not present)" in lines
    for title in ("最近运行 recent runs", "未通过的检查 failed checks", "待处理文件 pending files", "最近发布 last publish"):
        assert title in text
    assert "从未发布 / never published" in text
    # the run: one unbroken row, and why it failed on its own line(s) below the table, led by the run id
    [row] = [line for line in lines if line.startswith(run_id[:8])]
    assert "失败 FAILURE" in row and "2021–2023" in row and "synergy build" in row
    why = next(i for i, line in enumerate(lines) if line.lstrip().startswith(f"{run_id[:8]} 步骤失败 / step failed"))
    assert _folded(lines, why) == f"{run_id[:8]} {status.runs[0].failure}"
    # the checks: the blocking error first and marked, each name whole on one line
    checks = [_folded(lines, i) for i, line in enumerate(lines) if line.strip().startswith(("ERROR", "WARN"))]
    assert len(checks) == 2 and checks[0].startswith("ERROR rows_accounted_for")
    assert "阻断 blocking" in checks[0] and "阻断 blocking" not in checks[1]
    assert f"core_qa__file_manifest · run {run_id[:8]}" in checks[0] and "files=12, files_not_balanced=1" in checks[0]
    assert checks[1].startswith(f"WARN  recalled_factors · core_qa__file_manifest · run {run_id[:8]}")
    assert checks[1].endswith("chosen_values_with_recalled_factor=4")
    # pending files, removed files with their note, a source never ingested (CEMS here)
    assert any(line.strip().startswith("新 new") and "permit/许可证2024.xlsx · 15 B · " in line for line in lines)
    assert any(line.strip().startswith("已移除 removed") and line.endswith("ghg/gone.csv") for line in lines)
    assert "已从收件箱移除 / removed from the inbox since the last ingest" in text
    assert "this source has not been ingested yet" in text and "cems/在线监测.csv" in text


def test_render_status_fits_80_columns():
    """Long names, a long failure message, many checks: nothing wider than 80 and no name broken across lines."""
    when = dt.datetime(2024, 3, 5, 9, 7, tzinfo=dt.UTC)
    run_ids = [f"{i:08x}-94e7-4c62-8fc2-4c4309081791" for i in range(3)]
    runs = [RunRow(run_ids[0], "build_all", "FAILURE", when, 3725.0, "2019–2023", "synergy build",
                   "step failed: raw_ghg (raw_ghg__files, raw_ghg__fuel): ValueError: " + DOMAIN_ERROR * 3
                   + " [bold]not markup[/bold]"),
            RunRow(run_ids[1], "__ASSET_JOB", "SUCCESS", when, 4.2, "all 全部",
                   "schedule a_schedule_with_a_very_long_name_indeed", None),
            RunRow(run_ids[2], "quality_check", "STARTED", None, None, "", "UI / other 其他", None)]
    long_check = "crosscheck_coverage_unreported_key_emitter_in_the_register"
    checks = [FailedCheck(long_check, "core_inventory__yearly_facility", "2023", "ERROR", True,
                          run_ids[0], when, "open_error=9, first_open=" + "演示昌和玻璃有限公司 2021 energy_tce; " * 6)]
    checks += [FailedCheck(f"warn_check_{i:02d}", "out_crosscheck__findings", None, "WARN", False, run_ids[1], when,
                           f"open_warn={i}") for i in range(19)]
    pending = [PendingFile("ghg", "ghg/" + "2024年度温室气体排放报告汇总_更正_演示数据" * 2 + ".xlsx", 2_500_000, when, None),
               PendingFile("ghg", "ghg/old.csv", None, None, None, removed=True)]
    publish = LastPublish(when, run_ids[0], Path("/srv/synergy") / ("很长的目录名" * 8) / "warehouse.duckdb", when,
                          14_155_776)
    console = Console(width=80, record=True)
    render_status(Status(runs, checks, pending, publish), console)
    text = console.export_text()
    lines = _lines(text, 80, whole=(pending[0].path, str(publish.warehouse)))
    assert any(line.strip().startswith("新 new") and pending[0].path in line for line in lines)  # on one line, whole
    assert f"  数据仓库 warehouse {publish.warehouse}" in lines

    rows = [line for line in lines if line[:8] in {r[:8] for r in run_ids}]
    assert [row[:8] for row in rows] == [r[:8] for r in run_ids]  # one row each: nothing wrapped
    assert all(part in rows[0] for part in ("失败 FAILURE", "03-05 09:07", "1h 02m", "2019–2023", "synergy build"))
    assert "schedule a_schedule" in rows[1] and rows[1].endswith("…")  # a long launcher is cut short, not wrapped
    why = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{run_ids[0][:8]} step failed"))
    assert why > lines.index(rows[-1]) and lines[why + 3].strip()  # folded onto lines of its own, below the table
    assert _folded(lines, why) == f"{run_ids[0][:8]} {runs[0].failure}"  # whole, not cut, brackets kept
    error = next(i for i, line in enumerate(lines) if long_check in line)
    assert lines[error].strip() == f"ERROR {long_check}"
    # asset and run would not fit beside the name: on a line of their own, whole
    assert lines[error + 1].strip() == f"core_inventory__yearly_facility [2023] · run {run_ids[0][:8]} · 阻断 blocking"
    assert "1 ERROR (1 blocking) · 19 WARN" in text
    assert [f"warn_check_{i:02d} · out_crosscheck__findings · run {run_ids[1][:8]}" in text for i in range(19)] == (
        [True] * 14 + [False] * 5)
    assert "另有 5 项未列出 / 5 more not listed" in text
    assert "2.4 MB" in text and run_ids[0] in text and "ghg/old.csv" in text


def _rendered(status: Status, width: int = 80) -> str:
    console = Console(width=width, record=True)
    render_status(status, console)
    return " ".join(console.export_text().split())


def test_status_of_an_empty_workspace_says_so_and_claims_no_passed_check(tmp_path):
    ws = Workspace(tmp_path / "home")
    never = LastPublish(None, None, ws.warehouse, None, None)
    text = _rendered(Status([], [], [], never, inbox=ws.inbox))
    assert "工作区是空的 / empty workspace" in text and f"收件箱 inbox {ws.inbox}" in text
    assert "none evaluated: no check ran in the last 50 runs" in text
    assert "passed" not in text
    assert "工作区是空的" not in _rendered(Status([], [], [], never, checks_evaluated=3))  # checks ran: not new
    passed = _rendered(Status([], [], [], LastPublish(None, None, ws.warehouse, dt.datetime(2024, 1, 1), 10),
                              checks_evaluated=42))
    assert "none: all 42 checks passed their latest evaluation" in passed and "工作区是空的" not in passed


PROBLEMS = (FileProblem("permit/扫描件_2023.pdf", "unrecognised", 0, "不支持的文件类型“.pdf” / unsupported file type '.pdf'"),
            FileProblem("envstat/基101.csv", "missing_columns", 0, "缺少列 / missing columns: 年度"),
            FileProblem("ghg/2023年报.xlsx", "ingested", 7, ""), FileProblem("ghg/2022年报.xlsx", "ingested", 2, ""))


def test_status_lists_the_files_the_last_build_did_not_read_with_what_to_do(tmp_path):
    publish = LastPublish(dt.datetime(2024, 1, 1), "r" * 36, tmp_path / "warehouse.duckdb", dt.datetime(2024, 1, 1), 10)
    text = _rendered(Status([], [], [], publish, checks_evaluated=1, file_problems=PROBLEMS))
    assert "files the last build did not read or read with rejected rows (4)" in text
    for problem in PROBLEMS:
        assert problem.file in text
    assert "未识别 unrecognised" in text and "缺少列 missing_columns" in text and "有拒收行 7 rows rejected" in text
    steps = text[text.index("下一步 next steps"):]
    assert steps.count("rows rejected:") == 1  # a step per kind of problem, not per file
    assert "synergy templates" in steps and "add the missing columns" in steps and "core_qa__rejected_rows" in steps


def test_status_rows_are_records_with_full_ids_and_paths(tmp_path):
    when = dt.datetime(2024, 3, 5, 9, 7, tzinfo=dt.UTC)
    run_id = "0a1b2c3d-94e7-4c62-8fc2-4c4309081791"
    status = Status([RunRow(run_id, "build_all", "FAILURE", when, 62.0, "2023", "synergy build", "step failed: x")],
                    [FailedCheck("rows_accounted_for", "core_qa__file_manifest", "2023", "ERROR", True, run_id, when,
                                 "files=12")],
                    [PendingFile("ghg", "ghg/2024年报.xlsx", 2048, when, None)],
                    LastPublish(None, None, tmp_path / "warehouse.duckdb", None, None), file_problems=PROBLEMS[:1])
    rows = [dict(zip(STATUS_COLUMNS, row, strict=True)) for row in status_rows(status)]
    assert rows == [
        {"section": "run", "item": run_id, "status": "FAILURE", "time": "2024-03-05T09:07:00+00:00", "years": "2023",
         "detail": "build_all; synergy build; 62.0 s; step failed: x"},
        {"section": "failed_check", "item": "core_qa__file_manifest:rows_accounted_for", "status": "ERROR blocking",
         "time": "2024-03-05T09:07:00+00:00", "years": "2023", "detail": f"run {run_id}; files=12"},
        {"section": "pending_file", "item": "ghg/2024年报.xlsx", "status": "new", "time": "2024-03-05T09:07:00+00:00",
         "years": None, "detail": "2048 B"},
        {"section": "file_problem", "item": "permit/扫描件_2023.pdf", "status": "unrecognised", "time": None,
         "years": None, "detail": f"未识别 unrecognised; {PROBLEMS[0].message}; {NEXT_STEP['unrecognised']}"},
        {"section": "publish", "item": str(tmp_path / "warehouse.duckdb"), "status": "never_published", "time": None,
         "years": None, "detail": ""}]
