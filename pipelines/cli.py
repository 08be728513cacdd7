"""`synergy`: the command line of the inventory pipeline (typer + rich).

Every build runs through Dagster against the instance in $SYNERGY_HOME/dagster, so `synergy ui`
shows each run the CLI started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.deliver.queries import query
from pipelines.deliver.terminal import OutputFormat, emit, output_format, show_rows
from pipelines.workspace import Workspace, activate, init_workspace, workspace_from_env
from schemas.sources import SOURCE_SYSTEMS

app = typer.Typer(help="减污降碳协同 inventory pipeline: ingest permit / statistics / GHG files, build the fused "
                       "inventory and publish warehouse.duckdb. Workspace: $SYNERGY_HOME (default ./synergy_home).",
                  no_args_is_help=True, add_completion=False)
console = Console()
err_console = Console(stderr=True)  # the workspace line and refusals: stdout stays clean for --format csv / json
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # the UI keeps the full event log
# Queries read the warehouse only: no file is read or written (COPY, read_csv, ATTACH, extensions), and the query
# cannot switch that back on. `synergy sql --allow-files` lifts it for an analyst who means it.
SANDBOX = {"enable_external_access": False, "lock_configuration": True}
CHECKS_TABLE_COLUMNS = 9  # checks_findings.sql: the terminal table's columns, then every column (--csv)
FILE_PROBLEMS_SHOWN = 20  # files needing someone listed in the build summary; the rest are counted
Source = StrEnum("Source", [(s, s) for s in SOURCE_SYSTEMS])  # --source of `synergy ingest`: a typo is a usage error
Severity = StrEnum("Severity", [(s, s) for s in ("error", "warn", "info")])  # --severity of `synergy checks`
FindingStatus = StrEnum("FindingStatus", [(s, s) for s in ("open", "explained", "confirmed", "all")])
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table (default), csv, or json (one array of "
                                                                     "records); csv and json print only the data.")]
CsvOption = Annotated[bool, typer.Option("--csv", help="Shorthand for --format csv.")]
_announced: set[Path] = set()  # the workspaces this invocation has named: `demo` runs synth and build in one


@app.callback()
def _invocation() -> None:
    _announced.clear()


def _announce(ws: Workspace, created: bool) -> None:
    """Name the workspace on stderr, once per invocation, and say when it was just created."""
    if ws.home in _announced:
        return
    _announced.add(ws.home)
    err_console.print(f"工作区 workspace: {ws.home}", markup=False, highlight=False, soft_wrap=True)
    if created:
        err_console.print(f"新建工作区 / new workspace created at {ws.home}", style="yellow", markup=False,
                          highlight=False, soft_wrap=True)


def _workspace() -> Workspace:
    """The workspace of a command that fills it (init, synth, demo, ingest, build, bench), created when absent."""
    ws = workspace_from_env()
    created = not ws.home.exists()
    init_workspace(ws)
    activate(ws)
    _announce(ws, created)
    return ws


def _read_workspace() -> Workspace:
    """The workspace of a command that only reads it: never created; exit 2 when absent (a command run from another
    folder would otherwise read, or make, a ./synergy_home nobody meant)."""
    ws = workspace_from_env()
    if not ws.home.is_dir():
        err_console.print(f"没有工作区 / no workspace at {ws.home}: set SYNERGY_HOME or run `synergy init`",
                          style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    activate(ws)
    _announce(ws, False)
    return ws


def _parse_years(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    return int(first), int(last or first)


@app.command()
def init() -> None:
    """Create the workspace folders (inbox/<source>, archive, parquet, exports, reports, curation, dagster)."""
    ws = _workspace()
    console.print(f"[green]工作区已就绪 / workspace ready[/green]: {escape(str(ws.home))}")
    for folder in sorted(p for p in ws.home.iterdir() if p.is_dir()):
        console.print(f"  {escape(folder.name)}/")


@app.command()
def synth(
    sites: Annotated[int, typer.Option(min=1, help="Number of sites (about 1.25 per enterprise); a case no "
                                                   "enterprise of a small province fits is left out.")] = 1500,
    years: Annotated[str, typer.Option(help="Reporting years, e.g. 2021-2023 or 2023.")] = "2021-2023",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed writes the same files.")] = 20261121,
) -> None:
    """Write a synthetic (演示) province into the inbox and its ground truth to manifest/demo_manifest.json."""
    from synth.demo import generate

    span = _years_option(years, "--years")
    if not span:
        raise typer.BadParameter("expected YEAR or FIRST-LAST, e.g. 2021-2023", param_hint="--years")
    ws = _workspace()
    with console.status(f"生成 {sites} 个演示站点 / generating {sites} synthetic sites…"):
        manifest = generate(ws.inbox, ws.manifest, seed=seed, n_sites=sites, years=(span[0], span[-1]))
    counts = manifest["counts"]
    console.print(f"[green]演示数据已写入 / synthetic demo data written[/green]: {escape(str(ws.inbox))} "
                  f"({counts['sites']} 站点 sites, {counts['enterprises']} 企业 enterprises); 真值 truth: "
                  f"{escape(str(ws.manifest))}")


def _run_build(ws: Workspace, years: list[int], factor_set: Path | None, full: bool = False) -> bool:
    """Plan the build from what changed since the last one (printed: sources, years, why), run it; False if it failed."""
    from pipelines.orchestration.build import build as planned_build
    from pipelines.orchestration.build import workspace_instance
    from pipelines.orchestration.definitions import build_defs
    from pipelines.orchestration.resources import SynergyConfig
    from pipelines.orchestration.run_failures import explain_run_failure

    config = {"home": str(ws.home)}
    if factor_set:
        config["factor_set_path"] = str(factor_set.resolve())
    defs = build_defs({"synergy": SynergyConfig(**config)})
    instance = workspace_instance()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as progress:
        progress.add_task("构建中 Building (Dagster run, in-process)…", total=None)
        results = planned_build(defs, instance, ws, years, full, tags={"synergy/cli": "build"}, run_config=QUIET,
                                announce=lambda plan: console.print("\n".join(plan.reasons), markup=False, soft_wrap=True))
    for result in results:
        built = escape(result.dagster_run.tags.get("synergy/years") or "none")
        if not result.success:
            console.print(f"[red]构建失败 / build FAILED[/red]: Dagster run {result.run_id} (years 年度: {built})")
            for line in explain_run_failure(instance, result.run_id):
                console.print(f"  {line}", markup=False, soft_wrap=True)
            return False
        console.print(f"Dagster run {result.run_id} succeeded (years 年度: {built})")
    return True


YEAR_MEASURES = ("设施 facilities (融合清单 fused inventory)", "直接 direct CO2e (t)", "间接 indirect CO2 (t)",
                 "二氧化硫 SO2 (t)", "氮氧化物 NOx (t)", "含补充值的设施 facilities gap-filled",
                 "含待核实/专业判断因子的设施 facilities on recalled or judgement factors",
                 "温室气体报告企业 GHG reporting enterprises", "重点排放单位 key emitters")


def _per_year(years: list[tuple]) -> tuple[list[str], list[tuple[str, ...]]]:
    """summary_years (a row a year, latest first) turned to a column a year: YEAR_MEASURES down, years across."""
    tonnes = {1, 2, 3, 4}  # positions of YEAR_MEASURES (after the year) that are tonnes, shown to 0.1 t

    def shown(position: int, value: object) -> str:
        if value is None:
            return "—"
        return f"{value:,.1f}" if position in tonnes else f"{value:,}"

    columns = ["年度 year", *(str(row[0]) for row in years)]
    return columns, [(measure, *(shown(i, row[i + 1]) for row in years)) for i, measure in enumerate(YEAR_MEASURES)]


def _no_data_yet(ws: Workspace) -> None:
    console.print(f"尚无数据 / no data yet: no file in the inbox {ws.inbox}. Drop files into inbox/<source>/ "
                  f"({', '.join(SOURCE_SYSTEMS)}) or run `synergy ingest <files>`, then `synergy build`; "
                  "`synergy templates` writes the expected layouts.", markup=False, soft_wrap=True)


def _summary(ws: Workspace) -> None:
    """What the published warehouse holds after a build: files and rows, per year (latest first, never a sum over
    years), the latest year's gaps and readings, the files that need someone and where the outputs are."""
    import duckdb

    from pipelines.deliver.coverage_gaps import coverage_gaps, gaps_line
    from pipelines.deliver.file_problems import file_problems, print_problems
    from pipelines.deliver.unconfirmed_values import unconfirmed_line, unconfirmed_values

    console.print("synergy build summary 构建摘要", style="bold")
    if not ws.warehouse.exists():  # nothing was ever published
        _no_data_yet(ws)
        return
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        files, checked, synergy, index, match = (
            con.execute(query(f"summary_{name}")).fetchone()
            for name in ("files", "findings", "synergy", "city_index", "matching"))
        years = con.execute(query("summary_years")).fetchall()
        gaps, unconfirmed, problems = coverage_gaps(con), unconfirmed_values(con), file_problems(con)
    if not files[0]:
        _no_data_yet(ws)
        return
    table = Table(show_header=False, box=None, padding=(0, 1, 0, 0))
    table.add_column()
    table.add_column(overflow="fold")
    table.add_row("files (duplicates) 文件(重复)", f"{files[0]} ({files[4]})")
    table.add_row("rows read = accepted + rejected 行数", f"{files[1]:,} = {files[2]:,} + {files[3]:,}"
                  f" ({files[5]:,} superseded 被更正)")
    table.add_row("records matched to a site/enterprise 已匹配", f"{match[1]:,} of {match[0]:,} ({match[2]} identities "
                  "to review 待复核: synergy matches --review)")
    table.add_row("cross-check findings open: error / warn 交叉校核问题", f"{checked[0]:,} / {checked[1]:,} ({checked[2]:,} "
                  "explained or confirmed 已处理: synergy checks)")
    if unconfirmed is not None:
        table.add_row("values on unconfirmed factors 依待核实/专业判断因子的数值", escape(unconfirmed_line(unconfirmed)))
    if gaps is not None:
        table.add_row("enterprises known but not valued 未能核算的企业 (out_qa__coverage)", escape(gaps_line(gaps)))
    if synergy[0] is not None:
        table.add_row(f"APeq vs CO2 {synergy[0]}: co-reduction / trade-off / co-increase 协同减排/此消彼长/协同增排",
                      f"{synergy[1]:,} / {synergy[2]:,} / {synergy[3]:,} enterprises")
    if index[2] is not None:
        table.add_row(f"city synergy index {index[2]}: cities, lowest weight coverage 城市协同指数",
                      f"{index[0]} cities, {index[1]:.0f} % (out_synergy__yearly_city_index)")
    console.print(table)
    console.print()
    if years:
        show_rows(console, *_per_year(years), "每年 per year (最新年度在前 latest first)")
    else:
        console.print("尚无清单 / no inventory yet: no file gave a row the inventory uses (see the files below)")
    if problems:
        console.print()
        print_problems(console, problems, "需要处理的文件 files that need you", FILE_PROBLEMS_SHOWN)
    console.print()
    for label, path in (("数据仓库 warehouse", ws.warehouse), ("导出 exports", ws.exports / "<year>"),
                        ("报告 reports", ws.reports / "<year>")):
        console.print(f"{label}: {path}", markup=False, highlight=False, soft_wrap=True)


def _years_option(text: str | None, option: str) -> list[int]:
    """YEAR or FIRST-LAST as a list of years (empty for none); a bad value is a usage error naming the option."""
    if not text:
        return []
    try:
        first, last = _parse_years(text)
        if first > last:
            raise ValueError(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r}: expected YEAR or FIRST-LAST, e.g. 2021-2023", param_hint=option) from None
    return list(range(first, last + 1))


@app.command()
def build(
    years: Annotated[str | None, typer.Option(help="Reporting years to rebuild whatever changed (a backfill), e.g. "
                                                   "2023 or 2021-2023, on top of what changed.")] = None,
    factor_set: Annotated[Path | None, typer.Option(help="Folder with factor_set.yaml + factors.csv.")] = None,
    full: Annotated[bool, typer.Option("--full", help="Rebuild every source and year, changed or not.")] = False,
) -> None:
    """Ingest what changed in the inbox, recompute the years it touches and publish warehouse.duckdb (a Dagster run).

    Incremental: new, changed or removed files re-run only their source, the years they carry and every later year;
    a new factor set, curation/ or config/ file or program version rebuilds everything; nothing changed, nothing runs.
    Years are Dagster partitions: a year not rebuilt keeps its tables; the warehouse holds every built year.
    """
    ws = _workspace()
    if not _run_build(ws, _years_option(years, "--years"), factor_set, full):
        raise typer.Exit(1)
    _summary(ws)


@app.command()
def demo(
    sites: Annotated[int, typer.Option(help="Number of synthetic sites.")] = 1500,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 20261121,
) -> None:
    """Write the synthetic demo province into the inbox, then build everything (the build writes exports/register/)."""
    synth(sites=sites, years="2021-2023", seed=seed)
    build(years=None, factor_set=None)


def _export_register(ws: Workspace, years: tuple[int, int] | None, out: Path) -> None:
    """Write the register files and print, per year, key emitters and how many of them report (exit 2 if no register)."""
    from pipelines.deliver.register_export import RegisterExportError, export_register, read_register, register_counts

    try:
        paths = export_register(ws.warehouse, out, years)
        counts = register_counts(read_register(ws.warehouse, years))
    except RegisterExportError as err:
        console.print(str(err), style="red", markup=False)
        raise typer.Exit(2) from None
    if counts.is_empty():
        console.print("所选年度没有重点排放单位 / no key emitters in the selected years (files have headers only)")
    else:
        show_rows(console, ["年度\nyear", "重点排放单位\nkey emitters", "已报告\nreporting", "未报告\nnot reporting",
                            "其中新纳入\nnewly entering"], counts.rows(), "重点排放单位名录 key-emitter register")
    console.print("名录文件 / register files:")
    for path in paths:
        console.print(f"  {path}", markup=False, soft_wrap=True)


@app.command()
def register(
    years: Annotated[str | None, typer.Option(help="Years, e.g. 2021-2023; default every year in the register.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder to write into; default <SYNERGY_HOME>/exports/register/.")] = None,
) -> None:
    """Export the key-emitter register (重点排放单位名录) and the list of key emitters without a GHG report (XLSX + CSV)."""
    chosen = _years_option(years, "--years")
    ws = _read_workspace()
    _export_register(ws, (chosen[0], chosen[-1]) if chosen else None, out or ws.exports / "register")


@app.command("export")
def export_inventory(
    year: Annotated[int, typer.Option(help="Data year to export, e.g. 2023.")],
    formats: Annotated[list[str] | None, typer.Option("--format", help="csv, xlsx or parquet (repeatable or "
                                                                       "comma-separated); default all three.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder to write into; default <SYNERGY_HOME>/exports/<year>/.")] = None,
) -> None:
    """Export one year of the fused inventory (9 tables) as CSV, Parquet and one XLSX workbook, with manifest.json."""
    import json

    from pipelines.deliver.inventory_export import InventoryExportError, export_year, parse_formats

    try:
        chosen = parse_formats(formats or [])
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--format") from None
    ws = _read_workspace()
    try:
        manifest = export_year(ws.warehouse, out or ws.exports / str(year), year, chosen)
    except InventoryExportError as err:
        console.print(str(err), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    show_rows(console, ["文件\nfile", "格式\nformat", "行数\nrows", "sha256"],  # sha256: the first 12 to compare by eye
              [(e["file"], e["format"], f"{e['rows']:,}", e["sha256"][:12]) for e in files],
              f"{year}年融合清单导出 / inventory export {year}")
    console.print(f"清单 / manifest: {manifest}", markup=False, soft_wrap=True)


def _destination(inbox: Path, source: str, path: Path) -> Path:
    """inbox/<source>/<name>; a different file already there under that name gets a numbered name."""
    import filecmp

    target = inbox / source / path.name
    number = 1
    while target.exists() and not filecmp.cmp(target, path, shallow=False):  # streamed: a CEMS export can be large
        target = inbox / source / f"{path.stem}({number}){path.suffix}"
        number += 1
    return target


def _report_files(ws: Workspace, names: list[str]) -> None:
    import duckdb

    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        files = con.execute(query("ingest_files"), {"files": names}).fetchall()
        rejected = con.execute(query("ingest_rejected_rows"), {"files": names}).fetchall()
    show_rows(console, ["文件\nfile", "状态\nstatus", "读取\nread", "接收\naccepted", "拒收\nrejected", "被更正\nsuperseded",
                        "说明\nmessage"], files, "本次入库文件 / files ingested")
    if rejected:
        console.print("拒收记录 / rejected rows (all in core_qa__rejected_rows):")
        for file, sheet, row, column, raw, zh, en in rejected:
            where = f"{file}{'!' + sheet if sheet else ''} 第{row}行/row {row} 列/column {column}"
            console.print(f"  {where} 「{raw}」: {zh} / {en}", markup=False, soft_wrap=True)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (CSV/XLSX; CEMS also Parquet) to copy into the "
                                                     "inbox.")],
    source: Annotated[Source | None, typer.Option(help="permit, envstat, ghg, register (a published key-emitter list), "
                                                       "city (city indicators) or cems (HJ 212 hourly exports and outlet "
                                                       "maps); default: detected from the headers.")] = None,
    build_after: Annotated[bool, typer.Option("--build/--no-build", help="Run the build after copying.")] = True,
) -> None:
    """Copy files into inbox/<source>/ (source detected from their headers), then build and report per file.

    What the build would not read (hidden names, Office lock files ~$, symlinks, other types) is refused up front."""
    from pipelines.read.inbox import type_refusal
    from pipelines.read.ingest import accepted_types, copy_into_inbox, detect_source, ingest_plan
    from pipelines.read.limits import load_limits

    ws = _workspace()
    limits = load_limits(ws.config)
    copied: list[str] = []
    for path, refusal in ingest_plan(paths):
        shown = escape(str(path))
        if refusal:
            console.print(f"[yellow]未复制 / not copied:[/yellow] {shown}: {escape(str(refusal))}")
            continue
        try:
            found = source.value if source else detect_source(path, limits)
        except Exception as err:  # noqa: BLE001 - an unreadable file is reported, the others go on
            console.print(f"[red]无法读取，未复制 / cannot read, not copied:[/red] {shown}: {escape(str(err))}")
            continue
        if found is None:
            console.print(f"[yellow]未识别来源系统，未复制 / not recognised as {', '.join(SOURCE_SYSTEMS)}, not "
                          f"copied:[/yellow] {shown} (use --source, or `synergy templates` for the expected headers)")
            continue
        if refusal := type_refusal(path, accepted_types(found)):
            console.print(f"[yellow]未复制 / not copied:[/yellow] {shown}: {escape(str(refusal))}")
            continue
        target = _destination(ws.inbox, found, path)
        try:
            copy_into_inbox(path, target)
        except OSError as err:
            console.print(f"[red]无法复制 / cannot copy:[/red] {shown}: {escape(str(err))}")
            continue
        copied.append(target.relative_to(ws.inbox).as_posix())
        console.print(f"{shown} → inbox/{escape(copied[-1])}")
    if not copied:
        raise typer.Exit(1)
    if build_after:
        if not _run_build(ws, [], None):
            raise typer.Exit(1)
        _report_files(ws, copied)


@app.command()
def templates(
    out: Annotated[Path, typer.Option(help="Folder to write the templates into.")] = Path("templates"),
) -> None:
    """Write blank XLSX templates in the official export layouts (for teams that re-key data)."""
    from pipelines.deliver.templates import write_templates

    for path in write_templates(out):
        console.print(f"  {path}", markup=False, soft_wrap=True)  # a path is never broken


@app.command()
def quality() -> None:
    """Cross-year checks of warehouse.duckdb with great-expectations (rows per source and year, coal per site, CO2 per
    tce, gap-filled and substituted shares); Data Docs (offline HTML) under reports/data_docs/."""
    ws = _read_workspace()
    _require_warehouse(ws)
    from pipelines.deliver.expectations import run_quality, summary_lines

    with console.status("great-expectations…"):
        report = run_quality(ws.warehouse, ws.reports)
    for line in summary_lines(report):
        console.print(line, markup=False, soft_wrap=True)
    if not report.success:
        raise typer.Exit(1)


@app.command()
def report(
    year: Annotated[int, typer.Option(help="Inventory year to report, e.g. 2023.")],
    out: Annotated[Path | None, typer.Option(help="Folder to write into; default <SYNERGY_HOME>/reports/<year>/.")] = None,
) -> None:
    """清单报告: one self-contained HTML report of a year (charts inline and as SVG files under plots/), readable offline."""
    ws = _read_workspace()
    from pipelines.deliver.report import ReportError, build_report

    try:
        path = build_report(ws.warehouse, out or ws.reports / str(year), year)
    except ReportError as err:
        console.print(str(err), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(f"清单报告 / report: {path}", markup=False, soft_wrap=True)
    console.print(f"图 / plots: {path.parent / 'plots'}", markup=False, soft_wrap=True)


def _require_warehouse(ws: Workspace) -> None:
    """Exit 2 with a clear message when no warehouse has been published yet."""
    if not ws.warehouse.exists():
        err_console.print(f"[red]没有数据仓库 / no warehouse at {escape(str(ws.warehouse))}[/red]: run `synergy build` "
                          "first", soft_wrap=True)
        raise typer.Exit(2)


def _query(ws: Workspace, sql_text: str, params: dict | None = None,
           allow_files: bool = False) -> tuple[list[str], list[tuple]]:
    """Columns and rows of a read-only query on the published warehouse, which touches no other file unless
    `allow_files` (exit 2 with a clear message if the warehouse is absent, the SQL fails or it reaches for a file)."""
    import duckdb

    _require_warehouse(ws)
    with duckdb.connect(str(ws.warehouse), read_only=True, config={} if allow_files else SANDBOX) as con:
        try:
            cursor = con.execute(sql_text, params or {})
        except duckdb.PermissionException as err:
            err_console.print("[red]查询要读写数据仓库以外的文件，默认不允许 / the query reads or writes a file outside "
                              "the warehouse, which is not allowed by default[/red]: synergy sql --allow-files if you "
                              f"mean it ({escape(str(err))})")
            raise typer.Exit(2) from None
        except duckdb.Error as err:
            err_console.print(f"[red]SQL 错误 / SQL error:[/red] {escape(str(err))}")
            raise typer.Exit(2) from None
        return [d[0] for d in cursor.description or []], cursor.fetchall()


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run against warehouse.duckdb (read-only).")],
    fmt: FormatOption = OutputFormat.table,
    as_csv: CsvOption = False,
    allow_files: Annotated[bool, typer.Option("--allow-files", help="Let the query read and write other files "
                                                                    "(read_csv, COPY … TO, ATTACH); off by default.")] = False,
) -> None:
    """Query the published warehouse with a read-only connection; it reaches no other file unless --allow-files."""
    ws = _read_workspace()
    emit(console, *_query(ws, query, allow_files=allow_files), output_format(fmt, as_csv))


@app.command()
def matches(
    unmatched: Annotated[bool, typer.Option("--unmatched", help="Records feeding no entity, a line per identity.")] = False,
    review: Annotated[bool, typer.Option("--review", help="What needs an analyst, with a curation line.")] = False,
    source: Annotated[Source | None, typer.Option(help="Only this source system (permit / envstat / ghg).")] = None,
    year: Annotated[int | None, typer.Option(help="Only this reporting year.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many lines.")] = 200,
    fmt: FormatOption = OutputFormat.table,
    as_csv: CsvOption = False,
) -> None:
    """Entity matching: quality by source and year, unmatched records, and the review list for analysts."""
    ws, chosen = _read_workspace(), output_format(fmt, as_csv)
    for_people = chosen is OutputFormat.table
    where = {"source": str(source) if source else None, "year": year or None}
    if review:
        emit(console, *_query(ws, query("matches_review"), {**where, "limit": limit}), chosen, "待复核 review")
        if for_people:
            console.print("把 curation_line 粘贴到 curation/matches.csv，填写决定人和理由后重新构建 / paste a curation_line into "
                          "curation/matches.csv, fill in who and why, and rebuild.")
        return
    if unmatched:
        columns, rows = _query(ws, query("matches_unmatched"), {**where, "limit": limit})
        if for_people:  # the English reason in csv and json only: the table stays narrow enough for a terminal
            columns, rows = columns[:-1], [row[:-1] for row in rows]
        emit(console, columns, rows, chosen, "未匹配 unmatched")
        return
    emit(console, *_query(ws, query("matches_summary"), where), chosen, "匹配质量 match quality")
    if for_people:
        _, counts = _query(ws, query("matches_counts"))
        console.print(f"review 待复核: {counts[0][0]} · conflicts held out of sums 冲突: {counts[0][1]} · curation applied "
                      f"已应用: {counts[0][2]} · stale/invalid 失效/无效: {counts[0][3]}  (--unmatched, --review)")


def _city_code(city: str) -> str:
    """A prefecture given as its 6-digit code or its name (郑州 / 郑州市)."""
    from inventories.reference import region_name_lookup

    code = city if city.isdigit() else region_name_lookup().get(city.strip())
    if not code:
        console.print(f"[red]未知地市 / unknown city: {escape(city)}[/red] (6-digit code or a Henan prefecture name)")
        raise typer.Exit(2)
    return code


def _explain(ws: Workspace, finding_id: str, who: str | None, why: str | None, confirm: bool) -> None:
    """Append an analyst's decision on one finding, with the evidence it was taken on, to curation/findings.csv."""
    import datetime as dt

    from pipelines.resolve.finding_curation import append_decision

    if not who or not why:
        console.print("[red]须注明 --who 和 --why / --who and --why are required[/red]")
        raise typer.Exit(2)
    _, rows = _query(ws, query("finding_evidence"), {"finding_id": finding_id})
    if not rows:
        console.print(f"没有问题 {finding_id} / no finding {finding_id} in the warehouse", style="red", markup=False)
        raise typer.Exit(2)
    action = "confirm" if confirm else "explain"
    path = append_decision(ws.curation, finding_id, action, rows[0][0], who, why, dt.date.today().isoformat())
    console.print(f"{path}: {finding_id} {action} ({rows[0][1]})", markup=False)
    console.print("下次构建生效 / applies from the next `synergy build`; it holds while the data behind the finding "
                  "are unchanged.")


@app.command()
def checks(
    year: Annotated[int | None, typer.Option(help="Only this reporting year.")] = None,
    rule: Annotated[str | None, typer.Option(help="Only this rule id (see the summary).")] = None,
    city: Annotated[str | None, typer.Option(help="Only this prefecture: 6-digit code or name (郑州).")] = None,
    severity: Annotated[Severity | None, typer.Option(help="Only error / warn / info.")] = None,
    status: Annotated[FindingStatus, typer.Option(help="open / explained / confirmed / all.")] = FindingStatus.open,
    limit: Annotated[int, typer.Option(help="At most this many findings.")] = 200,
    explain: Annotated[str | None, typer.Option(help="Finding id to mark explained (with --who and --why).")] = None,
    confirm: Annotated[bool, typer.Option("--confirm", help="With --explain: mark the problem confirmed.")] = False,
    who: Annotated[str | None, typer.Option(help="Analyst deciding (with --explain).")] = None,
    why: Annotated[str | None, typer.Option(help="Reason (with --explain).")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table (default; a summary per rule, then the "
                                                               "findings), or csv / json (every column of the "
                                                               "findings, nothing else).")] = OutputFormat.table,
    as_csv: CsvOption = False,
) -> None:
    """交叉校核 cross-check findings: a summary per rule, then the findings; --explain records an analyst's decision."""
    ws = _read_workspace()
    if explain:
        _explain(ws, explain, who, why, confirm)
        return
    chosen = output_format(fmt, as_csv)
    for_people = chosen is OutputFormat.table
    where = {"year": year, "rule": rule, "city": _city_code(city) if city else None,
             "severity": str(severity) if severity else None, "status": None if status == "all" else str(status)}
    if for_people:
        emit(console, *_query(ws, query("checks_summary"), where), chosen, "交叉校核 cross-checks")
    columns, rows = _query(ws, query("checks_findings"), {**where, "limit": limit})
    shown = slice(CHECKS_TABLE_COLUMNS) if for_people else slice(CHECKS_TABLE_COLUMNS, None)
    emit(console, columns[shown], [row[shown] for row in rows], chosen, "问题 findings")
    if for_people:
        console.print("说明或确认一个问题 / explain or confirm one: synergy checks --explain <finding_id> --who <name> "
                      "--why <reason> [--confirm]; 一企一档 one enterprise side by side: synergy enterprise <USCC or "
                      "name>")


@app.command()
def status(
    runs: Annotated[int, typer.Option(help="How many recent runs to list.")] = 10,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table (default), or csv / json: a record per run, "
                                                               "failed check, file and publish, full ids.")
                   ] = OutputFormat.table,
    as_csv: CsvOption = False,
) -> None:
    """Recent runs (and why a failed one failed), checks not passing, files waiting in the inbox or not read by the
    last build, the last publish; exit 1 when the warehouse file is damaged."""
    ws = _read_workspace()  # before loading Dagster: a missing workspace is refused at once
    from pipelines.orchestration.build import workspace_instance
    from pipelines.orchestration.status import STATUS_COLUMNS, collect_status, render_status, status_rows

    if not ws.dagster_home.is_dir():
        err_console.print(f"工作区未初始化 / {ws.home} is not an initialised workspace (no dagster/ folder): run "
                          "`synergy init`", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2)
    found = collect_status(ws, workspace_instance(), runs=runs)
    chosen = output_format(fmt, as_csv)
    if chosen is OutputFormat.table:
        render_status(found, console)
    else:
        emit(console, STATUS_COLUMNS, status_rows(found), chosen)
    if found.last_publish.problem:
        raise typer.Exit(1)


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 3000,
) -> None:
    """Serve Dagster's UI and daemon on 127.0.0.1 (schedules, sensors, runs); Ctrl-C or SIGTERM stops both."""
    ws = _read_workspace()
    init_workspace(ws)  # an existing workspace: its instance settings (DAGSTER_HOME/dagster.yaml) as this version ships them
    # a shell that starts us in the background ignores SIGINT, and a service manager stops us with SIGTERM:
    # both must still reach Dagster as the SIGINT it shuts down its webserver, daemon and code server on
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # `dagster dev` without the supersession warning (orchestration/ui_server.py says why), run in the workspace: from
    # a checkout it would find the top-level dagster.yaml (the packaged settings, already copied into DAGSTER_HOME)
    # and warn that it is ignored; the workspace holds none, and the code server imports the installed package
    command = [sys.executable, "-m", "pipelines.orchestration.ui_server", "-m", "pipelines.orchestration.definitions",
               "-h", "127.0.0.1", "-p", str(port)]
    console.print(f"Dagster UI on http://127.0.0.1:{port} (DAGSTER_HOME={os.environ['DAGSTER_HOME']})", markup=False,
                  soft_wrap=True)
    process = subprocess.Popen(command, cwd=ws.home, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        console.print("Dagster stopped.")


@app.command("cems-scale-out")
def cems_scale_out(
    scheduler: Annotated[str, typer.Option(help="The dask scheduler, e.g. tcp://10.0.0.5:8786. Its workers run one "
                                                "thread each and reach this workspace at the same path.")],
    years: Annotated[str | None, typer.Option(help="Reporting years, e.g. 2023 or 2021-2023 (default: every year in "
                                                   "the CEMS hourly store).")] = None,
    cities: Annotated[str | None, typer.Option(help="City codes, e.g. 410100,410200 (default: every city), e.g. to "
                                                    "run again the partitions that failed.")] = None,
) -> None:
    """CEMS year x city partitions (job cems_by_city) on a dask cluster: a Dagster run per partition, its step on a
    worker; writes parquet/core_cems__city_monthly/year=<Y>/city=<C>.parquet. Needs a build that read the CEMS files."""
    ws = _read_workspace()
    from pipelines.orchestration.build import workspace_instance
    from pipelines.orchestration.run_failures import explain_run_failure
    from pipelines.orchestration.scale_out import ClusterUnavailable, city_partitions, run_city_partitions

    instance = workspace_instance()
    partitions = city_partitions(instance, str(ws.home), _years_option(years, "--years"),
                                 [c.strip() for c in (cities or "").split(",") if c.strip()])
    if not partitions:
        err_console.print("CEMS 小时数据库中没有这些年度和城市的数据, 请先 synergy build / the CEMS hourly store holds none of "
                          "these years and cities: run `synergy build` first", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    try:
        runs = run_city_partitions(instance, str(ws.home), scheduler, partitions)
    except ClusterUnavailable as err:
        err_console.print(str(err), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    for run in runs:
        console.print(f"{run.partition}: Dagster run {run.run_id} {'成功 succeeded' if run.success else '失败 FAILED'}",
                      markup=False, soft_wrap=True)
        for line in [] if run.success else explain_run_failure(instance, run.run_id):
            console.print(f"  {line}", markup=False, soft_wrap=True)
    failed = sum(not run.success for run in runs)
    console.print(f"{len(runs) - failed}/{len(runs)} 个分区成功 partitions succeeded: "
                  f"{ws.parquet / 'core_cems__city_monthly'}", markup=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@app.command()
def enterprise(
    query: Annotated[str, typer.Argument(help="USCC (18 characters), permit number (22) or a name / former name / old "
                                              "organisation code (or part of one).")],
    out: Annotated[Path | None, typer.Option(help="Also write every section as a sheet of this XLSX file.")] = None,
) -> None:
    """一企一档: everything the warehouse knows about one enterprise, the three systems side by side."""
    from rich.text import Text

    from pipelines.deliver.dossier import DossierError, dossier_for, show_section, write_xlsx

    ws = _read_workspace()
    try:
        lookup, dossier = dossier_for(ws.warehouse, query)
    except DossierError as err:
        console.print(str(err), style="red", markup=False)
        raise typer.Exit(2) from None
    if dossier is None and not lookup.candidates:
        console.print(f"没有找到企业「{lookup.text}」(已按统一社会信用代码、排污许可证编号、名称、曾用名和组织机构代码查找) / "
                      f"no enterprise found for '{lookup.text}' (searched USCC, permit number, names, former names and "
                      "organisation codes)", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    if dossier is None:
        shown = lookup.candidates[:50]
        table = Table(title=f"候选企业 candidates ({len(lookup.candidates)})", title_justify="left")
        table.add_column("统一社会信用代码 USCC", no_wrap=True, min_width=18)  # the code to type next: never cut
        for column in ("企业名称 name", "所在地市 city", "匹配到的名称或代码 matched alias"):
            table.add_column(column, overflow="fold")
        for candidate in shown:
            table.add_row(*(Text(v) for v in (candidate.uscc, candidate.enterprise_name, candidate.city, candidate.matched)))
        console.print(table)
        if len(lookup.candidates) > len(shown):
            console.print(f"… 另有 {len(lookup.candidates) - len(shown)} 家 / {len(lookup.candidates) - len(shown)} more")
        console.print(f"「{lookup.text}」对应 {len(lookup.candidates)} 家企业, 请用统一社会信用代码或更完整的名称指定 / "
                      f"'{lookup.text}' fits {len(lookup.candidates)} enterprises: give the USCC or a fuller name",
                      style="yellow", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(Text.assemble(("一企一档 enterprise dossier", "bold"), f": {dossier.enterprise_name} ({dossier.uscc})"),
                  soft_wrap=True)
    for section in dossier.sections:
        show_section(console, section)
    if out:
        console.print(f"XLSX: {write_xlsx(dossier, out)}", markup=False, soft_wrap=True)


@app.command()
def bench(
    sizes: Annotated[str, typer.Option(help="Sizes in multiples of a province (1x = 5,000 sites, ~64M CEMS rows), "
                                            "e.g. 1,4 or 16.")] = "1,4",
    cache: Annotated[Path | None, typer.Option(help="Where inputs are generated once and reused "
                                                    "(default $SYNERGY_HOME/bench).")] = None,
    incremental: Annotated[bool, typer.Option("--incremental", help="Instead: one new GHG file dropped into the built "
                                                                   "demo (1,500 sites), then `synergy build`.")] = False,
    out: Annotated[Path | None, typer.Option(help="Where the bench JSONs go (default: the cache), e.g. docs/bench "
                                                  "to commit them.")] = None,
) -> None:
    """Run the full build per size: wall time, peak RSS, per-stage time and rows/s, three ratios and the targets, with
    the machine, versions, commit and command (JSON too)."""
    from synth.bench import describe, run_incremental, run_size, target_lines

    folder = (cache or _workspace().home / "bench").resolve()
    written = (out or folder).resolve()
    if incremental:
        _bench_incremental(run_incremental(folder, written), written)
        return
    for size in (int(s) for s in sizes.split(",") if s.strip()):
        result = run_size(folder, size, written)
        b, cems, fac = result["build"], result["cems_aggregation_vs_bare_duckdb"], result["facility_inventory_vs_pandas"]
        ingest = result["cems_ingest"]
        table = Table(title=f"synergy bench {size}x: {result['sites']:,} sites, {result['cems_outlets']:,} CEMS outlets, "
                            f"{result['cems_rows']:,} hourly rows; full build {b['seconds']} s, peak RSS "
                            f"{b['peak_tree_rss_mb']:,} MB (all processes; the largest alone {b['peak_rss_mb']:,} MB)")
        for column in ("stage (Dagster step)", "seconds", "rows", "rows/s", "peak RSS MB"):
            table.add_column(column)
        for s in result["stages"][:15]:
            table.add_row(s["stage"], f"{s['seconds']:.2f}", f"{s['rows']:,}", f"{s['rows_per_s'] or 0:,}",
                          f"{s.get('peak_rss_mb') or '—'}")
        console.print(table)
        console.print(f"(a) CEMS aggregation {cems['cems_aggregation_s']} s / bare DuckDB GROUP BY "
                      f"{cems['bare_duckdb_group_by_s']} s = {cems['ratio']}x\n"
                      f"(b) facility inventory DuckDB {fac['duckdb_s']} s vs pandas "
                      f"{fac['pandas_s']} s = {fac['speedup']}x faster (target >= 10x; results equal: {fac['same_rows']}, "
                      f"largest difference {fac['max_abs_difference_t']:.1e} t)\n"
                      f"(c) CEMS ingest core_cems {ingest['core_cems_s']} s / bare DuckDB read of the same "
                      f"{ingest['files']} files {ingest['bare_duckdb_read_s']} s = {ingest['ratio']}x ({ingest['note']})",
                      markup=False, soft_wrap=True)
        console.print("\n".join([f"目标 targets ({size}x):", *target_lines(result["targets"]),
                                 f"机器 machine: {describe(result)}", f"JSON: {written / f'bench-{size}x.json'}"]),
                      markup=False, soft_wrap=True)


def _bench_incremental(result: dict, folder: Path) -> None:
    """The incremental benchmark's lines: the build after one new file, its slowest steps, the build with none."""
    from synth.bench import describe

    b, unchanged = result["build"], result["unchanged"]
    table = Table(title=f"synergy bench --incremental: {result['sites']:,} sites + {result['new_file']}; "
                        f"synergy build {b['seconds']} s ({b['cpu_s']} s CPU), {result['steps_run']} steps")
    for column in ("stage (Dagster step) 步骤", "seconds 秒"):
        table.add_column(column, no_wrap=column.startswith("stage"))
    for s in result["stages"][:12]:
        table.add_row(s["stage"], f"{s['seconds']:.2f}")
    console.print(table)
    console.print(f"一个新文件 one new file: {b['seconds']} s wall, {b['cpu_s']} s CPU, peak RSS {b['peak_rss_mb']:,} MB "
                  f"(target < 20 s on 2 cores); 无变化 nothing changed: {unchanged['seconds']} s"
                  f"\n机器 machine: {describe(result)}\nJSON: {folder / 'bench-incremental.json'}",
                  markup=False, soft_wrap=True)


if __name__ == "__main__":
    app()
