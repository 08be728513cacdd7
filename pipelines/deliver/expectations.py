"""Great Expectations validation level: one expectation suite per published table, run on the warehouse.

Why it is built this way:

* **One contract.** The suites are generated from `schemas/` (field dtype/nullable/ge/le/isin/pattern and the
  table's column order and primary key), never written per table, so this post-build audit checks exactly the
  rules pandera enforces inside the pipeline, and a table added to `schemas.tables.TABLES` is covered at once.
* **pandas, not SQL.** Each table is read from DuckDB (read-only connection) with `.df()` and validated through
  GE's pandas datasource. GE 1.24's DuckDB-over-SQLAlchemy path is broken (every metric fails with
  "list index out of range", and regex is unsupported on the duckdb dialect; stack-notes §5).
* **Not on the hot path.** `great_expectations` takes 3-5 s to import and pulls scipy and altair, so it is
  imported only inside the functions below. Importing this module, `pipelines.orchestration.definitions` or the CLI never
  loads it; only `synergy quality` (which calls `run_quality`) pays for it.
* **Data Docs that work offline.** GE's pages load bootstrap, bootstrap-table, jQuery, popper, font-awesome and
  vega from CDNs and fill the index tables from JavaScript, so on an air-gapped bureau network they render as
  unstyled pages with an empty index. Neither GE (its `static/` folder holds only fonts, images and its own
  stylesheet) nor any other installed package ships those libraries, so `make_docs_offline` rewrites every
  generated page: CDN tags go, a small inline stylesheet of ours replaces bootstrap, the JS-built index tables
  are rendered as plain HTML links, collapsed sections are shown, and the "failed only" filter keeps working
  with a few lines of plain JavaScript. No page makes an external request.
"""

from __future__ import annotations

import ast
import html
import os
import re
import shutil
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemas.tables import TABLES, Table

if TYPE_CHECKING:  # typing only: importing great_expectations costs 3-5 s
    from great_expectations import ExpectationSuite

SITE_NAME = "synergy"
DATASOURCE_NAME = "warehouse"
RUN_NAME = "synergy_quality"
MAX_UNEXPECTED_SHOWN = 5

# --- expectations generated from the data contract ------------------------------------------------------


def expectation_specs(table: Table) -> list[tuple[str, dict[str, Any]]]:
    """(GE expectation class name, kwargs) for one table, derived from its field metadata only.

    Table level first (ordered column list, primary-key uniqueness), then per column in table order:
    not-null for non-nullable fields, between for ge/le, in-set for isin, match-regex for pattern.
    Pure Python, so it can be inspected without importing great_expectations.
    """
    specs: list[tuple[str, dict[str, Any]]] = [
        ("ExpectTableColumnsToMatchOrderedList", {"column_list": list(table.columns)}),
    ]
    if len(table.primary_key) == 1:
        specs.append(("ExpectColumnValuesToBeUnique", {"column": table.primary_key[0]}))
    elif table.primary_key:
        specs.append(("ExpectCompoundColumnsToBeUnique", {"column_list": list(table.primary_key)}))
    for field in table.fields:
        if not field.nullable:
            specs.append(("ExpectColumnValuesToNotBeNull", {"column": field.name}))
        if field.ge is not None or field.le is not None:
            specs.append(("ExpectColumnValuesToBeBetween",
                          {"column": field.name, "min_value": field.ge, "max_value": field.le}))
        if field.isin is not None:
            specs.append(("ExpectColumnValuesToBeInSet", {"column": field.name, "value_set": list(field.isin)}))
        if field.pattern is not None:
            specs.append(("ExpectColumnValuesToMatchRegex", {"column": field.name, "regex": field.pattern}))
    return specs


def build_suites(table_names: Iterable[str] | None = None) -> dict[str, ExpectationSuite]:
    """One ExpectationSuite per published table (all of `TABLES` by default), named after the table."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    names = list(TABLES) if table_names is None else list(table_names)
    suites: dict[str, ExpectationSuite] = {}
    for name in names:
        table = TABLES[name]
        expectations = [getattr(gxe, cls)(**kwargs) for cls, kwargs in expectation_specs(table)]
        suites[name] = gx.ExpectationSuite(
            name=name,
            expectations=expectations,
            meta={"zh": table.zh, "en": table.en, "generated_from": "schemas.fields / schemas.tables"},
        )
    return suites


# --- report ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedExpectation:
    """One expectation that did not pass on one table."""

    expectation: str  # GE snake-case type, e.g. "expect_column_values_to_be_between"
    column: str | None  # None for table-level checks; "a, b" for a compound key
    unexpected_count: int | None = None
    unexpected_values: tuple[str, ...] = ()  # a few examples, as text
    error: str | None = None  # set when GE could not evaluate the expectation at all


@dataclass(frozen=True)
class TableQuality:
    """Outcome for one published table."""

    table: str
    rows: int
    evaluated: int
    failed: tuple[FailedExpectation, ...] = ()
    missing: bool = False  # listed in TABLES but absent from the warehouse

    @property
    def success(self) -> bool:
        return not self.missing and not self.failed


@dataclass(frozen=True)
class QualityReport:
    """What `run_quality` found, per table, plus where the Data Docs are."""

    tables: tuple[TableQuality, ...]
    data_docs_index: Path
    seconds: float

    @property
    def success(self) -> bool:
        return all(t.success for t in self.tables)

    def table(self, name: str) -> TableQuality:
        for t in self.tables:
            if t.table == name:
                return t
        raise KeyError(name)

    def failures(self) -> list[tuple[str, FailedExpectation]]:
        """(table, failed expectation) pairs across all tables."""
        return [(t.table, f) for t in self.tables for f in t.failed]


def _short(value: Any, limit: int = 80) -> str:
    text = " ".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failed_expectation(result: Any) -> FailedExpectation:
    """Condense one GE ExpectationValidationResult that did not succeed."""
    config = result.expectation_config
    kwargs = dict(config.kwargs)
    etype = str(config.type)
    if etype.startswith("expect_table_"):
        column = None
    elif kwargs.get("column") is not None:
        column = str(kwargs["column"])
    elif kwargs.get("column_list"):
        column = ", ".join(map(str, kwargs["column_list"]))
    else:
        column = None
    detail: dict[str, Any] = dict(result.result or {})
    values: list[str] = []
    if etype == "expect_table_columns_to_match_ordered_list" and isinstance(detail.get("observed_value"), list):
        observed, expected = list(detail["observed_value"]), list(kwargs.get("column_list") or [])
        values += [f"missing: {c}" for c in expected if c not in observed]
        values += [f"extra: {c}" for c in observed if c not in expected]
        if not values:
            values.append("order differs")
    else:
        for v in detail.get("partial_unexpected_list") or []:
            text = _short(v)
            if text not in values:
                values.append(text)
    error = None
    info = result.exception_info or {}
    infos = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for item in infos:
        if item.get("raised_exception"):
            error = _short(item.get("exception_message") or "exception", 300)
            break
    count = detail.get("unexpected_count")
    return FailedExpectation(
        expectation=etype,
        column=column,
        unexpected_count=int(count) if count is not None else None,
        unexpected_values=tuple(values[:MAX_UNEXPECTED_SHOWN]),
        error=error,
    )


# --- running --------------------------------------------------------------------------------------------


def _ephemeral_context(docs_dir: Path) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)  # no tqdm on stderr
    ctx.add_data_docs_site(
        site_name=SITE_NAME,  # "local_site" exists already in an ephemeral context
        site_config={
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_cta_footer": False},
        },
    )
    return ctx


def _validate_tables(con: Any, ctx: Any, run_id: Any) -> list[TableQuality]:
    """Validate each table of TABLES read from the open DuckDB connection; the results land in ctx's store."""
    import great_expectations as gx

    datasource = ctx.data_sources.add_pandas(DATASOURCE_NAME)
    present = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    outcomes: list[TableQuality] = []
    for name, suite in build_suites().items():
        if name not in present:
            outcomes.append(TableQuality(
                table=name, rows=0, evaluated=0, missing=True,
                failed=(FailedExpectation("table_exists", None, error="table missing from the warehouse"),),
            ))
            continue
        frame = con.sql(f'SELECT * FROM "{name}"').df()
        batch = datasource.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe("all")
        definition = ctx.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=ctx.suites.add(suite)))
        result = definition.run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20},
            run_id=run_id,
        )
        position = {c: i for i, c in enumerate(TABLES[name].columns)}
        failed = sorted((_failed_expectation(r) for r in result.results if not r.success),
                        key=lambda f: (f.column is not None, position.get((f.column or "").split(", ")[0], -1), f.expectation))
        outcomes.append(TableQuality(table=name, rows=len(frame), evaluated=len(result.results), failed=tuple(failed)))
    return outcomes


def run_quality(warehouse: Path, reports_dir: Path) -> QualityReport:
    """Validate every published table in the warehouse and build offline Data Docs in reports_dir/data_docs.

    Raises FileNotFoundError when there is no warehouse; a table of TABLES missing from it is reported, not raised.
    """
    import duckdb

    started = time.perf_counter()
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise FileNotFoundError(f"warehouse not found: {warehouse} (run `synergy build` first)")

    from great_expectations.core.run_identifier import RunIdentifier

    docs_dir = Path(reports_dir) / "data_docs"
    if docs_dir.exists():  # the stores are in memory and know this run only: drop pages the index could not link
        shutil.rmtree(docs_dir)
    docs_dir.mkdir(parents=True)
    ctx = _ephemeral_context(docs_dir)
    run_id = RunIdentifier(run_name=RUN_NAME, run_time=datetime.now(UTC))

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        with warnings.catch_warnings():
            # pandas warns on each regex with a group (permit_no); only the match is used
            warnings.filterwarnings("ignore", message="This pattern is interpreted as a regular expression", category=UserWarning)
            outcomes = _validate_tables(con, ctx, run_id)
    finally:
        con.close()

    ctx.build_data_docs(site_names=[SITE_NAME])
    make_docs_offline(docs_dir)
    return QualityReport(tables=tuple(outcomes), data_docs_index=docs_dir / "index.html",
                         seconds=time.perf_counter() - started)


def summary_lines(report: QualityReport) -> list[str]:
    """Short bilingual lines for the terminal: one per table, one per failed expectation, then the verdict."""
    width = max((len(t.table) for t in report.tables), default=0)
    lines: list[str] = []
    for t in report.tables:
        if t.missing:
            lines.append(f"{t.table:<{width}}  仓库中缺失/missing from warehouse")
            continue
        lines.append(f"{t.table:<{width}}  {t.rows:>9,} 行/rows  {t.evaluated:>3} 项期望/expectations  "
                     f"{len(t.failed)} 失败/failed")
        for f in t.failed:
            where = f.column or "(table)"
            if f.error:
                what = f"error: {f.error}"
            else:
                count = f"{f.unexpected_count:,} " if f.unexpected_count is not None else ""
                what = f"{count}unexpected: {', '.join(f.unexpected_values)}" if f.unexpected_values else ""
            lines.append(f"    ✗ {where}  {f.expectation}  {what}".rstrip())
    verdict = "通过/PASSED" if report.success else "未通过/FAILED"
    lines.append(f"{verdict}  ({len(report.failures())} 项失败/failed, {report.seconds:.1f} s)")
    lines.append(f"数据文档/Data Docs: {report.data_docs_index}")
    return lines


# --- Data Docs without a network ------------------------------------------------------------------------

_OFFLINE_CSS = """
:root { color-scheme: light; }
body { margin: 0; padding-bottom: 2rem; color: #212529; background: #fff; font-size: 14px; line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; }
a { color: #0a58ca; }
h1, h2, h3, h4, h5, h6, .h6 { margin: .4rem 0; font-weight: 600; line-height: 1.25; }
h4 { font-size: 1.3rem; } h5 { font-size: 1.1rem; } h6, .h6 { font-size: 1rem; }
.lead { font-size: 1.05rem; color: #495057; }
nav.navbar { display: flex; align-items: center; gap: 1rem; height: auto !important; padding: .4rem 1.5rem;
  background: #f8f9fa; border-bottom: 1px solid #dee2e6; }
nav.navbar nav { display: flex; align-items: center; gap: 1rem; }
.navbar-brand a { background: none !important; }
.navbar-brand a img { visibility: visible !important; height: 36px !important; }
.breadcrumb { display: flex !important; flex-wrap: wrap; list-style: none; margin: 0; padding: 0; gap: .4rem; }
.breadcrumb-item + .breadcrumb-item::before { content: "/"; padding-right: .4rem; color: #6c757d; }
.container-fluid { padding: .8rem 1.5rem; box-sizing: border-box; }
.row { display: flex; flex-wrap: wrap; margin: 0 -.5rem; }
.row > * { padding: 0 .5rem; box-sizing: border-box; flex: 0 0 100%; max-width: 100%; }
.col-6 { flex: 0 0 50% !important; max-width: 50% !important; }
.col-4 { flex: 0 0 33.33% !important; max-width: 33.33% !important; }
.col-3 { flex: 0 0 25% !important; max-width: 25% !important; }
@media (min-width: 768px) {
  .col-md-2, .col-lg-2 { flex: 0 0 18% !important; max-width: 18% !important; }
  .col-md-10, .col-lg-10 { flex: 0 0 82% !important; max-width: 82% !important; }
  .col-md-6 { flex: 0 0 50% !important; max-width: 50% !important; }
  .d-md-block { display: block !important; }
}
.d-none { display: none; }
.collapse, .collapsing, .fade, .tab-pane, .tab-content > .tab-pane { display: block !important; opacity: 1 !important;
  height: auto !important; visibility: visible !important; }
a[data-toggle="collapse"] { display: none; }
.tab-pane { margin-bottom: 1.5rem; }
.nav { list-style: none; padding: 0; margin: 0 0 .6rem; }
.nav-tabs { display: flex; gap: 1rem; border-bottom: 1px solid #dee2e6; }
.nav-tabs .nav-link { display: inline-block; padding: .3rem .2rem; text-decoration: none; }
.nav-pills .nav-item { margin: .1rem 0; }
.nav-pills .nav-link { display: block; padding: .15rem .3rem; text-decoration: none; }
table, .table { width: 100%; border-collapse: collapse; margin: .4rem 0; color: inherit !important;
  background-color: transparent !important; }
th, td { border: 1px solid #dee2e6; padding: .3rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f1f3f5; }
.table-responsive { overflow-x: auto; }
.alert { padding: .5rem .9rem; margin: .4rem 0 .8rem; border: 1px solid #d6d8db; border-radius: 4px; }
.alert-secondary { background: #e9ecef; }
.alert-info { background: #e7f3fe; border-color: #b6dcfb; }
.card { border: 1px solid #dee2e6; border-radius: 4px; margin: .5rem 0; background: #fff; }
.card-header { padding: .4rem .6rem; background: #f7f7f7; border-bottom: 1px solid #dee2e6; }
.card-body { padding: .6rem; }
.bg-light { background: #f8f9fa !important; }
.btn { display: inline-block; padding: .2rem .6rem; margin: .1rem; border: 1px solid #0d6efd; border-radius: 4px;
  background: #fff; color: #0d6efd; cursor: pointer; font-size: .9rem; }
.btn.active { background: #0d6efd; color: #fff; }
.btn-group-toggle input { position: absolute; clip: rect(0, 0, 0, 0); pointer-events: none; }
.text-danger { color: #c82333; } .text-success { color: #1e7e34; } .text-warning { color: #a06b00; }
.text-muted { color: #6c757d; } .text-center { text-align: center; }
.fas, .far, .fa { font-style: normal; font-weight: 700; }
.fa-check-circle::before, .fa-check::before { content: "\\2714"; }
.fa-times::before, .fa-times-circle::before { content: "\\2718"; }
.fa-exclamation-triangle::before { content: "\\26A0"; }
.fa-question-circle::before { content: "?"; }
.fa-info-circle::before { content: "\\2139"; }
code, pre, .code-snippet { font-family: ui-monospace, Consolas, monospace; background: #f1f3f5 !important; }
pre { padding: .5rem; overflow-x: auto; }
body > footer, #ge-cta-footer, .ge-walkthrough-modal, .modal { display: none !important; }
.ge-offline-note { color: #6c757d; font-style: italic; }
""".strip()

_OFFLINE_JS = """
(function () {
  function setShown(show) {
    var d = show ? "" : "none";
    document.querySelectorAll(".hide-succeeded-validation-target-child").forEach(function (el) {
      if (el.parentElement) { el.parentElement.style.display = d; }
    });
    document.querySelectorAll(".hide-succeeded-validation-target").forEach(function (el) { el.style.display = d; });
    document.querySelectorAll(".hide-succeeded-validations-column-section-target-child").forEach(function (el) {
      var section = el.parentElement && el.parentElement.parentElement;
      if (!section) { return; }
      section.style.display = d;
      if (section.id) {
        document.querySelectorAll('a[href="#' + section.id + '"]').forEach(function (a) { a.style.display = d; });
      }
    });
  }
  window.showAllValidations = function () { setShown(true); };
  window.hideSucceededValidations = function () { setShown(false); };
  document.querySelectorAll(".btn-group-toggle .btn").forEach(function (b) {
    b.addEventListener("click", function () {
      b.parentElement.querySelectorAll(".btn").forEach(function (x) { x.classList.remove("active"); });
      b.classList.add("active");
    });
  });
})();
""".strip()

_EXTERNAL = r"""(?:https?:)?//"""
_LINK_EXTERNAL = re.compile(rf"""<link\b[^>]*\bhref\s*=\s*["']{_EXTERNAL}[^>]*>""", re.I)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
_IMG_EXTERNAL = re.compile(rf"""<img\b[^>]*\bsrc\s*=\s*["']({_EXTERNAL}[^"']*)["'][^>]*>""", re.I | re.S)
_CSS_URL_EXTERNAL = re.compile(rf"""url\(\s*["']?{_EXTERNAL}[^)]*\)""", re.I)
_CSS_IMPORT_EXTERNAL = re.compile(rf"""@import\s+(?:url\()?\s*["']?{_EXTERNAL}[^;]*;""", re.I)
_BOOTSTRAP_TABLE_ID = re.compile(r"""\$\(\s*'#([^']+)'\s*\)\.bootstrapTable\(""")
_BOOTSTRAP_TABLE_COLUMNS = re.compile(r"columns:\s*(\[.*?\]),\s*data:", re.S)
_BOOTSTRAP_TABLE_DATA = re.compile(r"data:\s*(\[.*\]),\s*toolbar:", re.S)
_BOOTSTRAP_TABLE_OPTIONS = re.compile(r"toolbar:\s*'[^']*'\s*\},\s*(\{.*?\})\s*\)\s*\)", re.S)


def _static_table(table_id: str, script: str) -> str | None:
    """HTML for a table GE fills in the browser with bootstrap-table, or None if the script is not understood."""
    try:
        columns = ast.literal_eval(_BOOTSTRAP_TABLE_COLUMNS.search(script).group(1))  # type: ignore[union-attr]
        rows = ast.literal_eval(_BOOTSTRAP_TABLE_DATA.search(script).group(1))  # type: ignore[union-attr]
        options_match = _BOOTSTRAP_TABLE_OPTIONS.search(script)
        options = ast.literal_eval(options_match.group(1)) if options_match else {}
    except (AttributeError, ValueError, SyntaxError):
        return None
    if not isinstance(columns, list) or not isinstance(rows, list):
        return None
    sort_name = options.get("sortName")
    if sort_name:
        key = next((c.get("sortName", c["field"]) for c in columns if c.get("field") == sort_name), sort_name)
        numeric = all(isinstance(r.get(key), int | float) for r in rows)
        rows = sorted(rows, key=lambda r: r.get(key) if numeric else str(r.get(key, "")),
                      reverse=options.get("sortOrder") == "desc")
    head = "".join(f"<th>{html.escape(str(c.get('title', c.get('field', ''))))}</th>" for c in columns)
    body: list[str] = []
    for row in rows:
        link = row.get("_table_row_link_path")
        cells: list[str] = []
        linked = False
        for c in columns:
            value = row.get(c.get("field"), "")
            text = str(value).strip()
            if "<" in text:  # GE renders these cells to HTML already; bootstrap-table inserts them unescaped
                cells.append(f"<td>{text}</td>")
            elif link and not linked:
                cells.append(f'<td><a href="{html.escape(str(link), quote=True)}">{html.escape(text)}</a></td>')
                linked = True
            else:
                cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not rows:
        body.append(f'<tr><td colspan="{len(columns)}" class="ge-offline-note">(none)</td></tr>')
    return (f'<table id="{html.escape(table_id, quote=True)}" class="table table-sm ge-offline-table">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _fallback_links(page: Path, docs_dir: Path) -> str:
    """A plain list of every validation and suite page, for an index table whose script was not understood."""
    items = []
    for sub in ("validations", "expectations"):
        for target in sorted((docs_dir / sub).rglob("*.html")):
            rel = html.escape(Path(os.path.relpath(target, page.parent)).as_posix(), quote=True)
            items.append(f'<li><a href="{rel}">{html.escape(target.relative_to(docs_dir).as_posix())}</a></li>')
    return "<ul class=\"ge-offline-links\">" + "".join(items) + "</ul>"


def _offline_page(text: str, page: Path, docs_dir: Path) -> str:
    """One generated page, rewritten so that it needs no network and shows its content without JS libraries."""
    text = _LINK_EXTERNAL.sub("", text)
    text = _CSS_IMPORT_EXTERNAL.sub("", text)
    text = _CSS_URL_EXTERNAL.sub("none", text)

    logo = docs_dir / "static" / "images" / "logo-long.png"
    logo_rel = Path(os.path.relpath(logo, page.parent)).as_posix()

    def img(match: re.Match[str]) -> str:
        if "logo" in match.group(1) and logo.is_file():
            return match.group(0).replace(match.group(1), logo_rel)
        return ""

    text = _IMG_EXTERNAL.sub(img, text)

    tables: dict[str, str] = {}

    def script(match: re.Match[str]) -> str:
        attrs, body = match.group(1), match.group(2)
        if "src" in attrs.lower():  # every src'ed script GE emits is a CDN library
            return ""
        table_id = _BOOTSTRAP_TABLE_ID.search(body)
        if table_id:
            tables[table_id.group(1)] = _static_table(table_id.group(1), body) or _fallback_links(page, docs_dir)
            return ""
        if "vegaEmbed" in body:
            return '<p class="ge-offline-note">图表需联网,离线版省略 / chart omitted in the offline report</p>'
        return ""  # every other inline script drives jQuery/bootstrap, which are not here

    text = _SCRIPT.sub(script, text)
    for table_id, replacement in tables.items():
        tid = re.escape(table_id)
        text = re.sub(rf"""<div\s+id="{tid}-toolbar"[^>]*>.*?</div>""", "", text, flags=re.S)
        text, n = re.subn(rf"""<table\b[^>]*\bid="{tid}"[^>]*>\s*</table>""", lambda _m, r=replacement: r, text)
        if not n:
            text = text.replace("</body>", replacement + "</body>", 1)
    text = text.replace("</head>", f'<style id="synergy-offline">\n{_OFFLINE_CSS}\n</style>\n</head>', 1)
    text = text.replace("</body>", f'<script id="synergy-offline-js">\n{_OFFLINE_JS}\n</script>\n</body>', 1)
    return text


def make_docs_offline(docs_dir: Path) -> int:
    """Rewrite every generated page (and GE's copied stylesheets) so nothing is fetched from a CDN.

    Returns the number of HTML pages rewritten. Safe to run twice.
    """
    docs_dir = Path(docs_dir)
    pages = 0
    for page in docs_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if 'id="synergy-offline"' not in text:
            page.write_text(_offline_page(text, page, docs_dir), encoding="utf-8")
        pages += 1
    for sheet in docs_dir.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        cleaned = _CSS_URL_EXTERNAL.sub("none", _CSS_IMPORT_EXTERNAL.sub("", text))
        if cleaned != text:
            sheet.write_text(cleaned, encoding="utf-8")
    return pages
