"""`synergy`: the command line of the inventory pipeline (typer + rich).

Every build runs through Dagster against the instance in $SYNERGY_HOME/dagster, so `synergy ui`
shows each run the CLI started.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.deliver.queries import query
from pipelines.workspace import Workspace, activate, init_workspace, workspace_from_env

app = typer.Typer(help="减污降碳协同 inventory pipeline: ingest permit / statistics / GHG files, build the fused "
                       "inventory and publish warehouse.duckdb. Workspace: $SYNERGY_HOME (default ./synergy_home).",
                  no_args_is_help=True, add_completion=False)
console = Console()
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # the UI keeps the full event log
# Queries read the warehouse only: no file is read or written (COPY, read_csv, ATTACH, extensions), and the query
# cannot switch that back on. `synergy sql --allow-files` lifts it for an analyst who means it.
SANDBOX = {"enable_external_access": False, "lock_configuration": True}
CHECKS_TABLE_COLUMNS = 9  # checks_findings.sql: the terminal table's columns, then every column (--csv)


def _workspace() -> Workspace:
    ws = workspace_from_env()
    init_workspace(ws)
    activate(ws)
    return ws


def _parse_years(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    return int(first), int(last or first)


@app.command()
def init() -> None:
    """Create the workspace folders (inbox/<source>, archive, parquet, exports, reports, curation, dagster)."""
    ws = _workspace()
    console.print(f"[green]Workspace ready[/green] at {escape(str(ws.home))}")
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
    with console.status(f"Generating {sites} synthetic sites…"):
        manifest = generate(ws.inbox, ws.manifest, seed=seed, n_sites=sites, years=(span[0], span[-1]))
    counts = manifest["counts"]
    console.print(f"[green]Synthetic demo data written[/green] to {escape(str(ws.inbox))} "
                  f"({counts['sites']} sites, {counts['enterprises']} enterprises); truth in {escape(str(ws.manifest))}")


def _run_build(ws: Workspace, years: list[int], factor_set: Path | None) -> bool:
    from pipelines.orchestration.build import run_build, workspace_instance
    from pipelines.orchestration.definitions import ASSETS, build_defs
    from pipelines.orchestration.resources import SynergyConfig
    from pipelines.orchestration.run_failures import explain_run_failure

    config = {"home": str(ws.home)}
    if factor_set:
        config["factor_set_path"] = str(factor_set.resolve())
    defs = build_defs({"synergy": SynergyConfig(**config)})
    instance = workspace_instance()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("Building (Dagster run, in-process)…", total=len(ASSETS))
        result = run_build(defs, instance, ws, years, run_config=QUIET, tags={"synergy/cli": "build"})
        progress.update(task, completed=len(ASSETS))
    built = escape(result.dagster_run.tags.get("synergy/years") or "none")
    if result.success:
        console.print(f"Dagster run {result.run_id} succeeded (years 年度: {built})")
        return True
    console.print(f"[red]构建失败 / build FAILED[/red]: Dagster run {result.run_id} (years 年度: {built})")
    for line in explain_run_failure(instance, result.run_id):
        console.print(f"  {line}", markup=False, soft_wrap=True)
    return False


def _summary(ws: Workspace) -> None:
    import duckdb

    from pipelines.deliver.coverage_gaps import coverage_gaps, gaps_line
    from pipelines.deliver.unconfirmed_values import unconfirmed_line, unconfirmed_values

    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        files, inv, ghg, key, checked, synergy, index, match = (
            con.execute(query(f"summary_{name}")).fetchone()
            for name in ("files", "inventory", "ghg", "key_emitters", "findings", "synergy", "city_index", "matching"))
        gaps = coverage_gaps(con)
        unconfirmed = unconfirmed_values(con)
    table = Table(title="synergy build summary 构建摘要", show_header=False)
    if ws.manifest.exists():
        import json

        counts = json.loads(ws.manifest.read_text(encoding="utf-8"))["counts"]
        table.add_row("demo sites / enterprises 站点/企业", f"{counts['sites']:,} / {counts['enterprises']:,}")
    table.add_row("files (duplicates) 文件(重复)", f"{files[0]} ({files[4]})")
    table.add_row("rows read = accepted + rejected 行数", f"{files[1]:,} = {files[2]:,} + {files[3]:,}"
                  f" ({files[5]:,} superseded 被更正)")
    table.add_row("records matched to a site/enterprise 已匹配", f"{match[1]:,} of {match[0]:,} ({match[2]} identities "
                  "to review 待复核: synergy matches --review)")
    table.add_row("GHG reporting enterprises 温室气体报告企业", f"{ghg[0]:,} ({ghg[1]:,} fuel lines)")
    table.add_row("fused inventory 融合清单", f"{inv[0]:,} facilities, {inv[1]:,} facility-years")
    table.add_row("direct CO2e / indirect CO2 直接/间接", f"{inv[2] or 0:,.1f} t / {inv[3] or 0:,.1f} t")
    table.add_row("SO2 / NOx 二氧化硫/氮氧化物", f"{inv[4] or 0:,.1f} t / {inv[5] or 0:,.1f} t")
    table.add_row("facility-years gap-filled / with recalled or judgement factors 补充/含待核实或专业判断因子",
                  f"{inv[6]:,} / {inv[7]:,}")
    if unconfirmed is not None:
        table.add_row("values on unconfirmed factors 依待核实/专业判断因子的数值", escape(unconfirmed_line(unconfirmed)))
    table.add_row("key-emitter rows / enterprises 重点排放单位", f"{key[0]:,} / {key[1]:,}")
    if gaps is not None:
        table.add_row("enterprises known but not valued 未能核算的企业 (out_qa__coverage)", escape(gaps_line(gaps)))
    if synergy[0] is not None:
        table.add_row(f"APeq vs CO2 {synergy[0]}: co-reduction / trade-off / co-increase 协同减排/此消彼长/协同增排",
                      f"{synergy[1]:,} / {synergy[2]:,} / {synergy[3]:,} enterprises")
    if index[2] is not None:
        table.add_row(f"city synergy index {index[2]}: cities, lowest weight coverage 城市协同指数",
                      f"{index[0]} cities, {index[1]:.0f} % (out_synergy__yearly_city_index)")
    table.add_row("cross-check findings open: error / warn 交叉校核问题", f"{checked[0]:,} / {checked[1]:,} ({checked[2]:,} "
                  "explained or confirmed 已处理: synergy checks)")
    table.add_row("warehouse 数据仓库", escape(str(ws.warehouse)))
    table.add_row("exports / reports 导出/报告", escape(f"{ws.exports}/<year>/ , {ws.reports}/<year>/"))
    console.print(table)


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
    years: Annotated[str | None, typer.Option(help="Reporting years to build (a backfill), e.g. 2023 or 2021-2023; "
                                                   "default every year the inbox holds.")] = None,
    factor_set: Annotated[Path | None, typer.Option(help="Folder with factor_set.yaml + factors.csv.")] = None,
) -> None:
    """Ingest the inbox, compute the inventory for the reporting years and publish warehouse.duckdb (one Dagster run).

    Years are Dagster partitions: a year built before keeps its tables; the warehouse holds every built year.
    """
    ws = _workspace()
    if not _run_build(ws, _years_option(years, "--years"), factor_set):
        raise typer.Exit(1)
    _summary(ws)


@app.command()
def demo(
    sites: Annotated[int, typer.Option(help="Number of synthetic sites.")] = 1500,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 20261121,
) -> None:
    """Write the synthetic demo province into the inbox, then build everything."""
    synth(sites=sites, years="2021-2023", seed=seed)
    build(years=None, factor_set=None)
    ws = _workspace()
    _export_register(ws, None, ws.exports / "register")


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
        table = Table("年度 year", "重点排放单位 key emitters", "已报告 reporting", "未报告 not reporting",
                      "其中新纳入 newly entering", title="重点排放单位名录 key-emitter register")
        for row in counts.iter_rows():
            table.add_row(*(f"{v}" for v in row))
        console.print(table)
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
    ws = _workspace()
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
    ws = _workspace()
    try:
        manifest = export_year(ws.warehouse, out or ws.exports / str(year), year, chosen)
    except InventoryExportError as err:
        console.print(str(err), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    table = Table(title=f"{year}年融合清单导出 / inventory export {year}", show_edge=False)  # fits 80 columns
    table.add_column("文件 file", no_wrap=True)  # the names to open next and the hashes to compare: never cut
    table.add_column("格式\nformat", no_wrap=True)
    table.add_column("行数\nrows", justify="right", no_wrap=True)
    table.add_column("sha256", no_wrap=True, min_width=12)
    for entry in json.loads(manifest.read_text(encoding="utf-8"))["files"]:
        table.add_row(escape(entry["file"]), entry["format"], f"{entry['rows']:,}", entry["sha256"][:12])
    console.print(table)
    console.print(f"清单 / manifest: {manifest}", markup=False, soft_wrap=True)


def _destination(inbox: Path, source: str, path: Path) -> Path:
    """inbox/<source>/<name>; a different file already there under that name gets a numbered name."""
    target = inbox / source / path.name
    number = 1
    while target.exists() and target.read_bytes() != path.read_bytes():
        target = inbox / source / f"{path.stem}({number}){path.suffix}"
        number += 1
    return target


def _report_files(ws: Workspace, names: list[str]) -> None:
    import duckdb

    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        files = con.execute(query("ingest_files"), {"files": names}).fetchall()
        rejected = con.execute(query("ingest_rejected_rows"), {"files": names}).fetchall()
    table = Table("文件 file", "状态 status", "读取 read", "接收 accepted", "拒收 rejected", "被更正 superseded",
                  "说明 message", title="本次入库文件 / files ingested")
    for row in files:
        table.add_row(*(escape(str(v)) for v in row))  # file names and messages are text, never markup
    console.print(table)
    if rejected:
        console.print("拒收记录 / rejected rows (all in core_qa__rejected_rows):")
        for file, sheet, row, column, raw, zh, en in rejected:
            where = f"{file}{'!' + sheet if sheet else ''} 第{row}行/row {row} 列/column {column}"
            console.print(f"  {where} 「{raw}」: {zh} / {en}", markup=False, soft_wrap=True)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (CSV/XLSX) to copy into the inbox.")],
    source: Annotated[str | None, typer.Option(help="permit, envstat, ghg, register (a published key-emitter list) or "
                                                    "city (city indicators); default: detected from the headers.")] = None,
    build_after: Annotated[bool, typer.Option("--build/--no-build", help="Run the build after copying.")] = True,
) -> None:
    """Copy files into inbox/<source>/ (source detected from their headers), then build and report per file.

    What the build would not read (hidden names, Office lock files ~$, symlinks, other types) is refused up front."""
    from rich.markup import escape

    from pipelines.read.ingest import copy_into_inbox, detect_source, ingest_plan
    from pipelines.read.limits import load_limits
    from schemas.sources import INGESTED_SOURCES

    ws = _workspace()
    limits = load_limits(ws.config)
    copied: list[str] = []
    for path, refusal in ingest_plan(paths):
        shown = escape(str(path))
        if refusal:
            console.print(f"[yellow]未复制 / not copied:[/yellow] {shown}: {escape(str(refusal))}")
            continue
        try:
            found = source or detect_source(path, limits)
        except Exception as err:  # noqa: BLE001 - an unreadable file is reported, the others go on
            console.print(f"[red]无法读取，未复制 / cannot read, not copied:[/red] {shown}: {escape(str(err))}")
            continue
        if found not in INGESTED_SOURCES:
            console.print("[yellow]未识别来源系统，未复制 / not recognised as permit, envstat, ghg, register or city, not "
                          f"copied:[/yellow] {shown} (use --source, or `synergy templates` for the expected headers)")
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
        console.print(f"  {path}", markup=False)


@app.command()
def quality() -> None:
    """Cross-year checks of warehouse.duckdb with great-expectations (rows per source and year, coal per site, CO2 per
    tce, gap-filled and substituted shares); Data Docs (offline HTML) under reports/data_docs/."""
    ws = workspace_from_env()
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
    from pipelines.deliver.report import ReportError, build_report

    ws = _workspace()
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
        console.print(f"[red]没有数据仓库 / no warehouse at {escape(str(ws.warehouse))}[/red]: run `synergy build` first")
        raise typer.Exit(2)


def _query(query: str, params: dict | None = None, allow_files: bool = False) -> tuple[list[str], list[tuple]]:
    """Columns and rows of a read-only query on the published warehouse, which touches no other file unless
    `allow_files` (exit 2 with a clear message if the warehouse is absent, the SQL fails or it reaches for a file)."""
    import duckdb

    ws = workspace_from_env()
    _require_warehouse(ws)
    with duckdb.connect(str(ws.warehouse), read_only=True, config={} if allow_files else SANDBOX) as con:
        try:
            cursor = con.execute(query, params or {})
        except duckdb.PermissionException as err:
            console.print("[red]查询要读写数据仓库以外的文件，默认不允许 / the query reads or writes a file outside the "
                          "warehouse, which is not allowed by default[/red]: synergy sql --allow-files if you mean it "
                          f"({escape(str(err))})")
            raise typer.Exit(2) from None
        except duckdb.Error as err:
            console.print(f"[red]SQL 错误 / SQL error:[/red] {escape(str(err))}")
            raise typer.Exit(2) from None
        return [d[0] for d in cursor.description or []], cursor.fetchall()


def _print(columns: list[str], rows: list[tuple], as_csv: bool, title: str | None = None) -> None:
    """A rich table, or CSV as a spreadsheet reads it (the output is often opened in one): RFC 4180 line ends, so a
    cell holding a carriage return is quoted (with "\\n" alone Python leaves it bare and it starts a new row), and
    no text cell a spreadsheet would run as a formula (tabular_files.inert_cell)."""
    if as_csv:
        from pipelines.deliver.tabular_files import inert_cell

        writer = csv.writer(sys.stdout, lineterminator="\r\n")
        writer.writerow([inert_cell(c) for c in columns])
        writer.writerows([inert_cell(v) for v in row] for row in rows)
        return
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table, markup=False)  # values and headers as written: `[/]` in a name is text, not Rich markup


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run against warehouse.duckdb (read-only).")],
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    allow_files: Annotated[bool, typer.Option("--allow-files", help="Let the query read and write other files "
                                                                    "(read_csv, COPY … TO, ATTACH); off by default.")] = False,
) -> None:
    """Query the published warehouse with a read-only connection; it reaches no other file unless --allow-files."""
    _print(*_query(query, allow_files=allow_files), as_csv)


@app.command()
def matches(
    unmatched: Annotated[bool, typer.Option("--unmatched", help="Records feeding no entity, a line per identity.")] = False,
    review: Annotated[bool, typer.Option("--review", help="What needs an analyst, with a curation line.")] = False,
    source: Annotated[str | None, typer.Option(help="Only this source system (permit / envstat / ghg).")] = None,
    year: Annotated[int | None, typer.Option(help="Only this reporting year.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many lines.")] = 200,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
) -> None:
    """Entity matching: quality by source and year, unmatched records, and the review list for analysts."""
    where = {"source": source or None, "year": year or None}
    if review:
        _print(*_query(query("matches_review"), {**where, "limit": limit}), as_csv, "待复核 review")
        console.print("Paste a curation_line into curation/matches.csv, fill in who and why, and rebuild.")
        return
    if unmatched:
        columns, rows = _query(query("matches_unmatched"), {**where, "limit": limit})
        if not as_csv:  # the English reason in the CSV only: the table stays narrow enough for a terminal
            columns, rows = columns[:-1], [row[:-1] for row in rows]
        _print(columns, rows, as_csv, "未匹配 unmatched")
        return
    _print(*_query(query("matches_summary"), where), as_csv, "匹配质量 match quality")
    if not as_csv:
        _, counts = _query(query("matches_counts"))
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


def _explain(finding_id: str, who: str | None, why: str | None, confirm: bool) -> None:
    """Append an analyst's decision on one finding, with the evidence it was taken on, to curation/findings.csv."""
    import datetime as dt

    from pipelines.resolve.finding_curation import append_decision

    if not who or not why:
        console.print("[red]须注明 --who 和 --why / --who and --why are required[/red]")
        raise typer.Exit(2)
    _, rows = _query(query("finding_evidence"), {"finding_id": finding_id})
    if not rows:
        console.print(f"没有问题 {finding_id} / no finding {finding_id} in the warehouse", style="red", markup=False)
        raise typer.Exit(2)
    action = "confirm" if confirm else "explain"
    path = append_decision(_workspace().curation, finding_id, action, rows[0][0], who, why, dt.date.today().isoformat())
    console.print(f"{path}: {finding_id} {action} ({rows[0][1]})", markup=False)
    console.print("下次构建生效 / applies from the next `synergy build`; it holds while the data behind the finding "
                  "are unchanged.")


@app.command()
def checks(
    year: Annotated[int | None, typer.Option(help="Only this reporting year.")] = None,
    rule: Annotated[str | None, typer.Option(help="Only this rule id (see the summary).")] = None,
    city: Annotated[str | None, typer.Option(help="Only this prefecture: 6-digit code or name (郑州).")] = None,
    severity: Annotated[str | None, typer.Option(help="Only error / warn / info.")] = None,
    status: Annotated[str, typer.Option(help="open / explained / confirmed / all.")] = "open",
    limit: Annotated[int, typer.Option(help="At most this many findings.")] = 200,
    explain: Annotated[str | None, typer.Option(help="Finding id to mark explained (with --who and --why).")] = None,
    confirm: Annotated[bool, typer.Option("--confirm", help="With --explain: mark the problem confirmed.")] = False,
    who: Annotated[str | None, typer.Option(help="Analyst deciding (with --explain).")] = None,
    why: Annotated[str | None, typer.Option(help="Reason (with --explain).")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (every column) instead of a table.")] = False,
) -> None:
    """交叉校核 cross-check findings: a summary per rule, then the findings; --explain records an analyst's decision."""
    if explain:
        _explain(explain, who, why, confirm)
        return
    where = {"year": year, "rule": rule, "city": _city_code(city) if city else None, "severity": severity,
             "status": None if status == "all" else status}
    if not as_csv:
        _print(*_query(query("checks_summary"), where), False, "交叉校核 cross-checks")
    columns, rows = _query(query("checks_findings"), {**where, "limit": limit})
    shown = slice(CHECKS_TABLE_COLUMNS, None) if as_csv else slice(CHECKS_TABLE_COLUMNS)
    _print(columns[shown], [row[shown] for row in rows], as_csv, "问题 findings")
    if not as_csv:
        console.print("Explain or confirm one: synergy checks --explain <finding_id> --who <name> --why <reason> "
                      "[--confirm]; one enterprise side by side: synergy enterprise <USCC or name>")


@app.command()
def status(
    runs: Annotated[int, typer.Option(help="How many recent runs to list.")] = 10,
) -> None:
    """Recent runs (and why a failed one failed), checks not passing, files waiting in the inbox, the last publish;
    exit 1 when the warehouse file is damaged."""
    from pipelines.orchestration.build import workspace_instance
    from pipelines.orchestration.status import collect_status, render_status

    ws = _workspace()
    found = collect_status(ws, workspace_instance(), runs=runs)
    render_status(found, console)
    if found.last_publish.problem:
        raise typer.Exit(1)


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 3000,
) -> None:
    """Serve Dagster's UI and daemon on 127.0.0.1 (schedules, sensors, runs); Ctrl-C or SIGTERM stops both."""
    _workspace()
    # a shell that starts us in the background ignores SIGINT, and a service manager stops us with SIGTERM:
    # both must still reach Dagster as the SIGINT it shuts down its webserver, daemon and code server on
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    command = [sys.executable, "-m", "dagster", "dev", "-m", "pipelines.orchestration.definitions", "-h", "127.0.0.1",
               "-p", str(port)]
    console.print(f"Dagster UI on http://127.0.0.1:{port} (DAGSTER_HOME={os.environ['DAGSTER_HOME']})", markup=False)
    process = subprocess.Popen(command, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        console.print("Dagster stopped.")


@app.command()
def enterprise(
    query: Annotated[str, typer.Argument(help="USCC (18 characters), permit number (22) or a name / former name / old "
                                              "organisation code (or part of one).")],
    out: Annotated[Path | None, typer.Option(help="Also write every section as a sheet of this XLSX file.")] = None,
) -> None:
    """一企一档: everything the warehouse knows about one enterprise, the three systems side by side."""
    from rich.text import Text

    from pipelines.deliver.dossier import DossierError, dossier_for, renderables, write_xlsx

    ws = workspace_from_env()
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
    console.print(Text.assemble(("一企一档 enterprise dossier", "bold"), f": {dossier.enterprise_name} ({dossier.uscc})"))
    for section in dossier.sections:
        for renderable in renderables(section, console.width):
            console.print(renderable)
    if out:
        console.print(f"XLSX: {write_xlsx(dossier, out)}", markup=False, soft_wrap=True)


@app.command()
def bench(
    sizes: Annotated[str, typer.Option(help="Sizes in multiples of a province (1x = 5,000 sites, ~64M CEMS rows), "
                                            "e.g. 1,4 or 16.")] = "1,4",
    cache: Annotated[Path | None, typer.Option(help="Where inputs are generated once and reused "
                                                    "(default $SYNERGY_HOME/bench).")] = None,
) -> None:
    """Run the full build per size: wall time, peak RSS, per-stage time and rows/s, and the two ratios (JSON too)."""
    from synth.bench import run_size

    folder = (cache or _workspace().home / "bench").resolve()
    for size in (int(s) for s in sizes.split(",") if s.strip()):
        result = run_size(folder, size)
        b, cems, fac = result["build"], result["cems_aggregation_vs_bare_duckdb"], result["facility_inventory_vs_pandas"]
        table = Table(title=f"synergy bench {size}x: {result['sites']:,} sites, {result['cems_outlets']:,} CEMS outlets, "
                            f"{result['cems_rows']:,} hourly rows; full build {b['seconds']} s, peak RSS {b['peak_rss_mb']:,} MB")
        for column in ("stage (Dagster step)", "seconds", "rows", "rows/s", "peak RSS MB"):
            table.add_column(column)
        for s in result["stages"][:15]:
            table.add_row(s["stage"], f"{s['seconds']:.2f}", f"{s['rows']:,}", f"{s['rows_per_s'] or 0:,}",
                          f"{s.get('peak_rss_mb') or '—'}")
        console.print(table)
        console.print(f"(a) CEMS aggregation {cems['cems_aggregation_s']} s / bare DuckDB GROUP BY "
                      f"{cems['bare_duckdb_group_by_s']} s = {cems['ratio']}x (target <= 1.5x)\n"
                      f"(b) facility inventory DuckDB {fac['duckdb_s']} s vs pandas "
                      f"{fac['pandas_s']} s = {fac['speedup']}x faster (target >= 10x; results equal: {fac['same_rows']}, "
                      f"largest difference {fac['max_abs_difference_t']:.1e} t)\nfull build {b['seconds']} s "
                      f"(target < 180 s), peak RSS {b['peak_rss_mb']:,} MB (target < 4,096 MB); "
                      f"JSON: {folder / f'bench-{size}x.json'}")


if __name__ == "__main__":
    app()
