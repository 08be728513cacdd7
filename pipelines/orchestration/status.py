"""`synergy status`: what the data team asks before and after a build, without opening the Dagster UI.

Recent runs (and why a failed one failed), checks whose latest evaluation did not pass, inbox files dropped since
the last ingest, files the last build did not read or read with rejected rows, and when the warehouse was last
published, or that the file is damaged (then the command exits 1).
`collect_status` gathers plain values (tests read them); `status_rows` gives them as records (--format csv / json);
`render_status` prints them in Chinese with English beside, laid out to stay readable in an 80-column terminal:
short never-wrapped table columns, long text (why a run failed, check metadata) on lines of its own, and file names
and paths on lines rich never breaks (the terminal may soft-wrap one; a copy still gets it whole).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from pipelines.deliver.coverage_gaps import CoverageGaps, coverage_gaps, gaps_line
from pipelines.deliver.file_problems import NEXT_STEP, FileProblem, file_problems, print_problems
from pipelines.deliver.unconfirmed_values import UnconfirmedValues, unconfirmed_line, unconfirmed_values
from pipelines.deliver.warehouse import read_published
from pipelines.orchestration.partitions import PARTITION_TAG, RANGE_END_TAG, RANGE_START_TAG
from pipelines.orchestration.run_failures import PUBLISH_ASSET, explain_run_failure, metadata_summary
from pipelines.read.inbox_scan import file_log, inbox_changes
from pipelines.workspace import Workspace
from schemas.sources import SOURCE_SYSTEMS

CHECK_RUNS = 50  # runs searched for each check's latest evaluation: a check not run that recently is not shown
CHECKS_SHOWN = 15  # failed checks listed; the rest are counted
WIDE = 110  # console width from which the runs table also names the job
_STATUS_ZH = {"SUCCESS": "成功", "FAILURE": "失败", "STARTED": "运行中", "STARTING": "启动中", "QUEUED": "排队中",
              "NOT_STARTED": "未开始", "CANCELING": "取消中", "CANCELED": "已取消", "MANAGED": "外部管理"}
_STATUS_STYLE = {"SUCCESS": "green", "FAILURE": "red", "CANCELED": "yellow", "STARTED": "cyan"}


@dataclass(frozen=True)
class RunRow:
    run_id: str
    job: str
    status: str  # DagsterRunStatus value: SUCCESS, FAILURE, STARTED, ...
    started: dt.datetime | None  # local time
    duration_s: float | None  # to now while the run is still going
    years: str  # "2023", "2021–2023", "all" or "" when the run has no year tags
    started_by: str
    failure: str | None  # first line of explain_run_failure, for failed runs


@dataclass(frozen=True)
class FailedCheck:
    check: str
    asset: str
    partition: str | None
    severity: str  # ERROR or WARN
    blocking: bool
    run_id: str
    evaluated: dt.datetime
    metadata: str


@dataclass(frozen=True)
class PendingFile:
    source: str
    path: str  # relative to the inbox, as the file log names it (ghg/2024年报.xlsx)
    size: int | None  # None for a removed file
    modified: dt.datetime | None  # None for a removed file
    note: str | None  # e.g. the source has never been ingested
    removed: bool = False  # ingested before, gone from the inbox now


@dataclass(frozen=True)
class LastPublish:
    published: dt.datetime | None  # None: no materialisation of out_publish__warehouse recorded
    run_id: str | None
    warehouse: Path
    warehouse_modified: dt.datetime | None  # None: no warehouse file
    warehouse_size: int | None
    problem: str | None = None  # zh / en: the file is there but cannot be read (truncated, overwritten, not DuckDB)

    @property
    def never_published(self) -> bool:
        return self.published is None


@dataclass(frozen=True)
class Status:
    runs: list[RunRow]
    failed_checks: list[FailedCheck]
    pending_files: list[PendingFile]
    last_publish: LastPublish
    coverage: CoverageGaps | None = None  # None: no warehouse, or one built before coverage was kept
    unconfirmed: UnconfirmedValues | None = None  # values resting on recalled or judgement factor rows
    config_problems: tuple[str, ...] = ()  # why config/limits.toml or config/plausibility_bounds.csv is (partly) ignored
    checks_evaluated: int = 0  # checks with an evaluation in the last CHECK_RUNS runs (passed or not)
    file_problems: tuple[FileProblem, ...] = ()  # files the last published build did not read or read with rejections
    inbox: Path | None = None  # the workspace's inbox, named when the workspace is empty

    @property
    def empty(self) -> bool:
        """Nothing to show yet: no run or check, no file waiting, no warehouse (a new workspace, or a wrong one)."""
        return (not self.runs and not self.checks_evaluated and not self.pending_files
                and self.last_publish.warehouse_modified is None)


def _local(timestamp: float | None) -> dt.datetime | None:
    return None if timestamp is None else dt.datetime.fromtimestamp(timestamp).astimezone()


def _years_text(years: list[int]) -> str:
    """2021,2022,2023 -> 2021–2023; gaps listed (2019,2021)."""
    if years and years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}–{years[-1]}"
    return ",".join(map(str, years))


def years_label(tags: dict[str, str]) -> str:
    """The years a run built, for display (`2021–2023`), from its partition, partition-range or synergy/years tag."""
    if PARTITION_TAG in tags:
        return tags[PARTITION_TAG]
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if start and end:
        return start if start == end else f"{start}–{end}"
    if "synergy/years" in tags:
        text = tags["synergy/years"].strip()
        if not text:
            return "all 全部"
        try:
            return _years_text(sorted({int(y) for y in text.split(",") if y.strip()}))
        except ValueError:
            return text
    return ""


def started_by(tags: dict[str, str]) -> str:
    """Who or what launched a run: our CLI command, a sensor, a schedule or a backfill."""
    if "synergy/cli" in tags:
        return f"synergy {tags['synergy/cli']}"
    for tag, label in (("dagster/sensor_name", "sensor"), ("dagster/schedule_name", "schedule"),
                       ("dagster/backfill", "backfill")):
        if tag in tags:
            return f"{label} {tags[tag]}"
    return "UI / other 其他"


def _run_rows(instance: dg.DagsterInstance, records) -> list[RunRow]:
    now = dt.datetime.now().timestamp()
    rows = []
    for record in records:
        run, tags = record.dagster_run, dict(record.dagster_run.tags)
        start = record.start_time
        end = record.end_time or (now if start and not run.is_finished else None)
        failure = None
        if run.status == dg.DagsterRunStatus.FAILURE:
            failure = next(iter(explain_run_failure(instance, run.run_id)), None)
        rows.append(RunRow(run_id=run.run_id, job=run.job_name, status=run.status.value, started=_local(start),
                           duration_s=(end - start) if start and end else None, years=years_label(tags),
                           started_by=started_by(tags), failure=failure))
    return rows


def _failed_checks(instance: dg.DagsterInstance, records) -> tuple[list[FailedCheck], int]:
    """Checks whose latest evaluation in `records` (newest run first) did not pass, and how many checks were
    evaluated there at all (so "every check passed" is never said of none)."""
    latest: dict[tuple[str, str, str | None], FailedCheck | None] = {}
    for record in records:
        for entry in reversed(instance.all_logs(record.dagster_run.run_id,
                                                of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)):
            evaluation = entry.dagster_event.asset_check_evaluation_data
            key = (evaluation.asset_key.to_user_string(), evaluation.check_name, evaluation.partition)
            if key in latest:
                continue
            latest[key] = None if evaluation.passed else FailedCheck(
                check=evaluation.check_name, asset=key[0], partition=evaluation.partition,
                severity=evaluation.severity.value, blocking=bool(evaluation.blocking), run_id=entry.run_id,
                evaluated=_local(entry.timestamp), metadata=metadata_summary(evaluation.metadata, 160, 50))
    failed = [c for c in latest.values() if c is not None]
    return sorted(failed, key=lambda c: (c.severity != "ERROR", not c.blocking, c.asset, c.check, c.partition or "")), len(latest)


def pending_files(ws: Workspace) -> list[PendingFile]:
    """Inbox files new or changed (by SHA-256) since their source's last ingest, then files that ingest read but that
    are gone from the inbox now; from the shared inbox index, so only files changed since it was written are hashed."""
    pending = []
    for source, change in inbox_changes(ws).items():
        never = not file_log(ws, source).exists()
        note = "此来源尚未入库 / this source has not been ingested yet" if never else None
        for file in change.new:
            stat = file.path.stat()
            pending.append(PendingFile(source=source, path=file.name, size=stat.st_size, modified=_local(stat.st_mtime),
                                       note=note))
        pending += [PendingFile(source=source, path=name, size=None, modified=None, note=note, removed=True)
                    for name in change.removed]
    return pending + unsorted_entries(ws)


def config_problems(ws: Workspace) -> tuple[str, ...]:
    """What the builds ignore of the workspace's override files (a malformed limits.toml, bad bounds rows): said in
    the run log when a build reads them, and here, so a typo does not wait for someone to read a run log."""
    from pipelines.read.bounds import OVERRIDE_NAME, load_bounds
    from pipelines.read.limits import load_limits

    problems = [load_limits(ws.config).problem]
    bounds_file = ws.config / OVERRIDE_NAME
    problems += load_bounds(bounds_file)[1] if bounds_file.exists() else []
    return tuple(p for p in problems if p)


UNSORTED = "inbox"
UNSORTED_NOTE = ("不在来源文件夹中，构建不会读取：请移入 inbox/<来源>/ 或使用 synergy ingest / not in a source folder, so no "
                 "build reads it: move it into inbox/<source>/ or use synergy ingest")


def unsorted_entries(ws: Workspace) -> list[PendingFile]:
    """Entries at the top of the inbox that are not a source folder (a file dropped beside them, a misspelt folder):
    no source reads them, so status names them rather than letting them wait unseen."""
    if not ws.inbox.is_dir():
        return []
    found = []
    for path in sorted(ws.inbox.iterdir()):
        if path.name in SOURCE_SYSTEMS or path.name.startswith("."):
            continue
        info = path.lstat()
        found.append(PendingFile(source=UNSORTED, path=path.name + ("/" if path.is_dir() else ""),
                                 size=None if path.is_dir() else info.st_size, modified=_local(info.st_mtime),
                                 note=UNSORTED_NOTE))
    return found


def warehouse_problem(path: Path) -> str | None:
    """Why the warehouse file cannot be read (zh / en), or None when it opens and every table's row count reads.

    A truncated or overwritten file fails here; damage inside a table's data blocks shows when a query reads them
    (DuckDB checks each block's checksum), which would take a full read of the file to find now.
    """
    try:
        with duckdb.connect(str(path), read_only=True, config={"enable_external_access": False}) as con:
            for (table,) in con.execute("select table_name from duckdb_tables()").fetchall():
                con.execute(f'select count(*) from "{table.replace(chr(34), chr(34) * 2)}"').fetchall()
    except duckdb.Error as err:
        return (f"数据仓库文件已损坏或不是 DuckDB 数据库，无法读取，请运行 synergy build 重新发布 / the warehouse file is "
                f"damaged or not a DuckDB database and cannot be read; run synergy build to publish it again ({err})")
    return None


def last_publish(ws: Workspace, instance: dg.DagsterInstance) -> LastPublish:
    entry = instance.get_latest_materialization_event(PUBLISH_ASSET)
    stat = ws.warehouse.stat() if ws.warehouse.exists() else None
    return LastPublish(published=_local(entry.timestamp) if entry else None, run_id=entry.run_id if entry else None,
                       warehouse=ws.warehouse, warehouse_modified=_local(stat.st_mtime) if stat else None,
                       warehouse_size=stat.st_size if stat else None,
                       problem=warehouse_problem(ws.warehouse) if stat else None)


def collect_status(ws: Workspace, instance: dg.DagsterInstance, runs: int = 10) -> Status:
    """Everything `synergy status` shows, as plain values: the last `runs` runs, failing checks, pending files, publish."""
    records = instance.get_run_records(limit=max(runs, CHECK_RUNS))
    failed, evaluated = _failed_checks(instance, records)
    return Status(runs=_run_rows(instance, records[:runs]), failed_checks=failed,
                  pending_files=pending_files(ws), last_publish=last_publish(ws, instance),
                  coverage=read_published(ws.warehouse, coverage_gaps),
                  unconfirmed=read_published(ws.warehouse, unconfirmed_values), config_problems=config_problems(ws),
                  checks_evaluated=evaluated, file_problems=tuple(read_published(ws.warehouse, file_problems) or ()),
                  inbox=ws.inbox)


def _when(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _short_when(moment: dt.datetime | None) -> str:
    return moment.strftime("%m-%d %H:%M") if moment else "—"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m {secs:02d}s" if minutes < 60 else f"{minutes // 60}h {minutes % 60:02d}m"


def _size(size: int | None) -> str:
    if size is None:
        return "—"
    value, unit = float(size), "B"
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    return f"{size:,} B" if unit == "B" else f"{value:,.1f} {unit}"


def _grid(*columns: dict) -> Table:
    """Borderless rows: the first columns never wrap, the last wraps (and folds what is too long) within what is left."""
    grid = Table.grid(padding=(0, 1))
    for options in columns[:-1]:
        grid.add_column(no_wrap=True, **options)
    grid.add_column(overflow="fold", **columns[-1])
    return grid


def _indented(renderable) -> Padding:
    return Padding(renderable, (0, 0, 0, 2), expand=False)


def _render_runs(runs: list[RunRow], console: Console) -> None:
    if not runs:
        console.print("最近运行 recent runs: 还没有运行记录 / no runs yet")
        return
    wide = console.width >= WIDE
    table = Table(title="最近运行 recent runs", title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
                  show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    headers = ["运行\nrun", *(["作业\njob"] if wide else []), "状态\nstatus", "开始\nstarted", "用时\nduration",
               "年度\nyears", "发起\nstarted by"]
    for header in headers:
        table.add_column(header, no_wrap=True, justify="right" if header.endswith("duration") else "left")
    table.columns[-1].no_wrap = False  # the column that gives way first (its cells are cut short, not wrapped)
    for run in runs:
        style = _STATUS_STYLE.get(run.status, "")
        state = f"{_STATUS_ZH.get(run.status, '')} {run.status}".strip()
        table.add_row(run.run_id[:8], *([Text(run.job)] if wide else []), Text(state, style=style),
                      _short_when(run.started), _duration(run.duration_s), Text(run.years or "—"),
                      Text(run.started_by, no_wrap=True, overflow="ellipsis"))
    console.print(table)
    failed = [run for run in runs if run.failure]
    if failed:
        console.print("失败原因 why it failed:")
        grid = _grid({"style": "red"}, {})
        for run in failed:
            grid.add_row(run.run_id[:8], Text(run.failure))  # Text: brackets in a message are not markup
        console.print(_indented(grid))
        console.print("完整说明与日志 / full explanation and log: synergy ui (Runs)", style="dim")


def _render_checks(checks: list[FailedCheck], evaluated: int, console: Console) -> None:
    if not checks and not evaluated:
        console.print(f"未通过的检查 failed checks: 尚无检查结果，最近 {CHECK_RUNS} 次运行中没有检查 / none evaluated: no "
                      f"check ran in the last {CHECK_RUNS} runs")
        return
    if not checks:
        console.print(f"未通过的检查 failed checks: 无，{evaluated} 项检查最近一次评估均已通过 / none: all {evaluated} checks "
                      "passed their latest evaluation")
        return
    errors = [c for c in checks if c.severity == "ERROR"]
    counts = [f"{len(errors)} ERROR ({sum(c.blocking for c in errors)} blocking)" if errors else "",
              f"{len(checks) - len(errors)} WARN" if len(checks) > len(errors) else ""]
    console.print(Text.assemble(("未通过的检查 failed checks", "bold"), " (latest evaluation): ",
                                " · ".join(c for c in counts if c)))
    grid = _grid({"width": 5}, {})
    room = console.width - 2 - 5 - 1  # the body column: indent, severity, gap
    for check in checks[:CHECKS_SHOWN]:
        error = check.severity == "ERROR"
        asset = f"{check.asset} [{check.partition}]" if check.partition else check.asset
        name = (check.check, "bold" if error else "")
        where = f"{asset} · run {check.run_id[:8]}" + (f" · {_short_when(check.evaluated)}" if console.width >= WIDE else "")
        blocking = [(" · 阻断 blocking", "bold red")] if check.blocking else []
        body = Text.assemble(name, " · ", where, *blocking)
        if body.cell_len > room:  # too long for one line: where it failed goes on a line of its own
            body = Text.assemble(name, "\n", where, *blocking)
        if check.metadata:
            body.append(f"\n{check.metadata}", style="dim")
        grid.add_row(Text(check.severity, style="bold red" if error else "yellow"), body)
    console.print(_indented(grid))
    if len(checks) > CHECKS_SHOWN:
        console.print(f"  … 另有 {len(checks) - CHECKS_SHOWN} 项未列出 / {len(checks) - CHECKS_SHOWN} more not listed: "
                      "synergy ui (Assets → Checks)", style="dim")


def _padded(label: Text, width: int) -> Text:
    padded = label.copy()
    padded.pad_right(width - padded.cell_len)
    return padded


def _named_line(console: Console, label: Text, width: int, *parts: str | tuple[str, str]) -> None:
    """`  label  value`, never broken by rich: the file or path in it stays whole to copy (the terminal may wrap it)."""
    console.print(Text.assemble("  ", _padded(label, width), " ", *parts), soft_wrap=True)


def _pending_label(file: PendingFile) -> Text:
    if file.removed:
        return Text("已移除 removed", style="yellow")
    return Text("不读 not read", style="yellow") if file.source == UNSORTED else Text("新 new", style="green")


def _render_pending(files: list[PendingFile], console: Console) -> None:
    if not files:
        console.print("待处理文件 pending files: 无，收件箱已全部入库 / none: every inbox file was read by the last ingest")
        return
    console.print("待处理文件 pending files (new, changed or removed since the last ingest)", style="bold")
    width = max(cell_len(label) for label in ("已移除 removed", "不读 not read", *(f.source for f in files if f.note)))
    noted: set[str] = set()
    for file in files:
        if file.note and file.source not in noted:
            noted.add(file.source)
            grid = _grid({"width": width}, {})
            grid.add_row(Text(file.source, style="bold"), Text(file.note, style="yellow"))
            console.print(_indented(grid))
        meta = [] if file.removed else [(f" · {_size(file.size)} · {_short_when(file.modified)}", "dim")]
        _named_line(console, _pending_label(file), width, file.path, *meta)
    if any(not f.removed and f.source != UNSORTED for f in files):
        console.print("运行 synergy build 以读取这些文件 / run synergy build to read these files")
    if any(f.removed for f in files):
        console.print("已移除 removed: 已从收件箱移除 / removed from the inbox since the last ingest")


def _render_publish(publish: LastPublish, console: Console) -> None:
    console.print("最近发布 last publish", style="bold")
    width = cell_len("数据仓库 warehouse")
    if publish.problem:
        grid = _grid({"width": width}, {})
        grid.add_row(Text("损坏 DAMAGED", style="bold red"), Text(publish.problem, style="red"))
        console.print(_indented(grid))
    _named_line(console, Text("发布时间 published"), width,
                "从未发布 / never published" if publish.never_published else _when(publish.published))
    _named_line(console, Text("运行 run"), width, publish.run_id or "—")
    _named_line(console, Text("数据仓库 warehouse"), width, str(publish.warehouse) if publish.warehouse_modified else
                f"{publish.warehouse} (不存在 / not present)")
    _named_line(console, Text("文件 file"), width, f"{_when(publish.warehouse_modified)} · {_size(publish.warehouse_size)}")


def render_status(status: Status, console: Console) -> None:
    """Print the sections and the latest year's inventory coverage, headings in Chinese with English beside;
    fits an 80-column terminal but for a file name or path longer than a line."""
    if status.empty:
        console.print(Text.assemble(("工作区是空的 / empty workspace", "bold yellow"), ": 还没有运行、文件或数据仓库 / no runs, "
                                    "no files, no warehouse yet. Drop files into inbox/<source>/ or run `synergy ingest "
                                    "<files>`, then `synergy build`."))
        if status.inbox:
            _named_line(console, Text("收件箱 inbox"), cell_len("收件箱 inbox"), str(status.inbox))
        console.print()
    _render_runs(status.runs, console)
    console.print()
    _render_checks(status.failed_checks, status.checks_evaluated, console)
    console.print()
    _render_pending(status.pending_files, console)
    if status.file_problems:
        console.print()
        print_problems(console, list(status.file_problems), "上次构建未读取或有拒收行的文件 files the last build did not read "
                       "or read with rejected rows")
    console.print()
    _render_publish(status.last_publish, console)
    if status.config_problems:
        console.print()
        console.print("配置 config (忽略的设置 settings ignored; $SYNERGY_HOME/config/)", style="bold yellow")
        for problem in status.config_problems:
            console.print(_indented(Text(problem, style="yellow")))
    if status.coverage is not None:
        console.print()
        console.print("清单覆盖 inventory coverage (latest year; details: out_qa__coverage)", style="bold")
        console.print(_indented(Text(gaps_line(status.coverage))))
    if status.unconfirmed is not None:
        console.print()
        console.print("待核实/专业判断因子 values on unconfirmed factors (latest year; methods-factors §10)", style="bold")
        console.print(_indented(Text(unconfirmed_line(status.unconfirmed))))


STATUS_COLUMNS = ("section", "item", "status", "time", "years", "detail")


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def status_rows(status: Status) -> list[tuple]:
    """Everything `synergy status` shows as records of STATUS_COLUMNS, full ids and paths (--format csv / json)."""
    rows: list[tuple] = [
        ("run", r.run_id, r.status, _iso(r.started), r.years,
         "; ".join(filter(None, (r.job, r.started_by, r.duration_s is not None and f"{r.duration_s:.1f} s", r.failure))))
        for r in status.runs]
    rows += [("failed_check", f"{c.asset}:{c.check}", c.severity + (" blocking" if c.blocking else ""),
              _iso(c.evaluated), c.partition, f"run {c.run_id}; {c.metadata}") for c in status.failed_checks]
    rows += [("pending_file", f.path, "removed" if f.removed else "not_read" if f.source == UNSORTED else "new",
              _iso(f.modified), None, "; ".join(filter(None, (f.size is not None and f"{f.size} B", f.note))))
             for f in status.pending_files]
    rows += [("file_problem", p.file, p.kind, None, None, "; ".join(filter(None, (p.label, p.message, NEXT_STEP[p.kind]))))
             for p in status.file_problems]
    publish = status.last_publish
    state = "damaged" if publish.problem else "never_published" if publish.never_published else "published"
    rows.append(("publish", str(publish.warehouse), state, _iso(publish.published), None,
                 "; ".join(filter(None, (publish.run_id and f"run {publish.run_id}",
                                         publish.warehouse_size is not None and f"{publish.warehouse_size} B",
                                         publish.problem)))))
    if status.coverage is not None:
        rows.append(("coverage", "out_qa__coverage", None, None, str(status.coverage.year), gaps_line(status.coverage)))
    if status.unconfirmed is not None:
        rows.append(("unconfirmed_factors", "core_inventory__yearly_facility_species", None, None,
                     str(status.unconfirmed.year), unconfirmed_line(status.unconfirmed)))
    rows += [("config", "config", "ignored", None, None, problem) for problem in status.config_problems]
    return rows
