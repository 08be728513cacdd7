"""Great Expectations level: checks across years and partitions of the published warehouse, which pandera cannot make.

Why it is built this way:

* **Not a second pandera.** Types, nullability, ranges, enumerations, patterns and key uniqueness are declared once in
  `schemas/` and enforced by pandera on every core table and by the warehouse DDL; restating them here would check
  the same rules twice. What no per-table schema can see is how a year compares with the years around it: a source
  whose rows halve, coal per site that jumps by a unit slip, an implied emission factor no fuel mix can give, a
  share of filled-in values that grows. Those are the checks below.
* **Aggregates in SQL, expectations in GE.** Each check is a small frame built by one DuckDB query over the published
  warehouse (read-only; `pipelines/deliver/sql/expectations_<check>.sql`), one row per source (or CEMS partition) and
  year, and one GE expectation on it (`expect_column_values_to_be_between` on a ratio or share column), so GE's own
  results and Data Docs carry every outcome. A failed row is read back from GE's result (its key columns are passed
  as `unexpected_index_column_names`) and reported in Chinese and English: which source, which year, the measured
  value and the band.
* **Bands are judgement.** Each tolerance band is a named setting below with its basis; none is an official
  threshold. Change a band here, and say why in its comment.
* **Not on the hot path.** `great_expectations` takes 3-5 s to import and pulls scipy and altair, so it is imported
  only inside the functions below; importing this module, `pipelines.orchestration.definitions` or the CLI never
  loads it.
* **Data Docs offline through GE's own hook.** The site builder's `view` setting names our page view
  (pipelines/deliver/expectations_view.py), which puts our templates before GE's: no CDN, no script, tables as
  HTML. GE writes the pages; nothing is rewritten afterwards.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SQL_DIR = Path(__file__).with_name("sql")
SITE_NAME = "synergy"
DATASOURCE_NAME = "warehouse_aggregates"
RUN_NAME = "synergy_quality"
OFFLINE_VIEW = {"module_name": "pipelines.deliver.expectations_view", "class_name": "OfflinePageView"}

# --- tolerance bands: the team's judgement, not official thresholds ------------------------------------------------


@dataclass(frozen=True)
class Band:
    """A closed band [low, high] a measured value must lie in; None leaves that side open."""

    setting: str  # the name of the constant below, shown in every report
    low: float | None
    high: float | None

    def text(self) -> str:
        if self.high is None:
            return f"≥ {self.low:.3g}"
        return f"≤ {self.high:.3g}" if self.low is None else f"[{self.low:.3g}, {self.high:.3g}]"


# Rows of a source in a year / rows of the same source in the previous year: at least 0.7.
# Basis (judgement): the permit holders, envstat enterprises, GHG reporters, CEMS outlets and city indicators of a
# province change by a few percent a year (closures, new entrants); a drop of more than 30 % in one year means a file,
# a city or a form did not arrive or was rejected. Growth is left open: coverage widens (new GHG forms, new sectors in
# the carbon market), and a file delivered twice is caught upstream by its sha256 and the supersede keys.
ROWS_VS_PREVIOUS_YEAR = Band("ROWS_VS_PREVIOUS_YEAR", 0.7, None)

# Mean coal per reporting unit (t) / the same source's mean in its previous year: between 2/3 and 3/2.
# Basis (judgement): China's total coal use changed by single-digit percentages a year over 2016-2023 (NBS
# statistical communiqués); the mean over a province's units moves more than the national total (a large plant
# opens or closes) but not by a third. A unit slip (10^4 t read as t, kg as t) moves it by orders of magnitude;
# losing the large units moves it by tens of %.
COAL_PER_SITE_VS_PREVIOUS_YEAR = Band("COAL_PER_SITE_VS_PREVIOUS_YEAR", 2 / 3, 1.5)

# Combustion CO2 / energy of a source and year (t CO2 per tce): between 1.5 and 3.5.
# Basis: IPCC 2006 Guidelines Vol. 2 Table 1.4 default CO2 factors times 29.3076 GJ/tce (GB/T 2589-2020): natural gas
# 56,100 kg/TJ -> 1.64, other bituminous coal 94,600 -> 2.77, coke oven coke 107,000 -> 3.14 t CO2/tce, so any mix of
# common fossil fuels lies between about 1.64 and 3.14. The band widens both ends by about 10 % (judgement) for
# by-product gases of steelworks (blast-furnace gas, 260,000 kg/TJ) and biomass co-firing; outside it CO2 or energy is
# in the wrong unit (kg for t is x1000, GJ taken as tce is x1/29.3).
CO2_PER_TCE = Band("CO2_PER_TCE", 1.5, 3.5)

# Share of facility-years of the fused inventory with a gap-filled value: at most 0.10.
# Basis (judgement): a gap fill borrows a line one source lacks from another source; when more than one facility-year
# in ten rests on a borrowed value, the inventory of that year is more estimate than report and the missing source
# should be chased rather than filled.
GAP_FILLED_SHARE = Band("GAP_FILLED_SHARE", None, 0.10)

# Share of a CEMS partition's (city, year) monitored mass of one pollutant supplied by HJ 75 substitution: at most 0.20.
# Basis (judgement): substitution bridges outages. HJ 75-2017 substitutes nothing below a 75 % quarterly capture rate
# (inventories/rules/cems.yaml), so at most a quarter of the hours are substituted, and the maxima it substitutes make
# their mass share larger than their hours share; a city-year where a fifth of the mass is substituted rests more on
# substitution than on measurement.
CEMS_SUBSTITUTED_SHARE = Band("CEMS_SUBSTITUTED_SHARE", None, 0.20)

# --- the checks ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One aggregate frame (pipelines/deliver/sql/expectations_<name>.sql) and the band its `column` must lie in."""

    name: str  # suite, validation and SQL file name
    keys: tuple[str, ...]  # the columns that say where: source system or CEMS partition, and year
    context: tuple[str, ...]  # columns shown next to a failed value (what the ratio was made of)
    column: str
    band: Band
    zh: str
    en: str

    @property
    def sql(self) -> str:
        return (SQL_DIR / f"expectations_{self.name}.sql").read_text(encoding="utf-8")


CHECKS: tuple[Check, ...] = (
    Check("rows_per_source_year", ("source_system", "year"), ("row_count", "previous_year_row_count"),
          "ratio_to_previous_year", ROWS_VS_PREVIOUS_YEAR,
          "行数与上一年之比", "rows relative to the previous year"),
    Check("coal_per_site", ("source_system", "year"), ("mean_coal_t", "previous_year_mean_coal_t"),
          "ratio_to_previous_year", COAL_PER_SITE_VS_PREVIOUS_YEAR,
          "平均每个报告单位用煤量与上一年之比", "mean coal per reporting unit relative to the previous year"),
    Check("co2_per_tce", ("source_system", "year"), ("co2_t", "energy_tce"),
          "co2_t_per_tce", CO2_PER_TCE,
          "燃烧二氧化碳与能源消费量之比(隐含排放因子, tCO2/tce)",
          "combustion CO2 per energy (implied emission factor, t CO2/tce)"),
    Check("gap_filled_share", ("year",), ("gap_filled_facilities", "facilities"),
          "gap_filled_share", GAP_FILLED_SHARE,
          "含补缺值的设施年份占比", "share of facility-years with a gap-filled value"),
    Check("cems_substituted_share", ("city_code", "year", "pollutant"), ("substituted_mass_t", "mass_t"),
          "substituted_mass_share", CEMS_SUBSTITUTED_SHARE,
          "在线监测排放量中替代值的占比", "share of the monitored mass supplied by substitution"),
)

_WHERE = {"source_system": ("来源", "source"), "year": ("年份", "year"), "city_code": ("地市", "city"),
          "pollutant": ("污染物", "pollutant")}


def sql_parameters() -> dict[str, Any]:
    """Values the check queries bind: the coal fuel codes of inventories/reference/fuels.csv."""
    from inventories.reference import fuels

    return {"coal_fuel_codes": [row["fuel_code"] for row in fuels().iter_rows(named=True) if row["fuel_group"] == "coal"]}


# --- outcome -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Breach:
    """One row of a check's frame whose value lies outside the band, as GE reported it."""

    check: Check
    where: dict[str, str]  # key column -> value
    value: float
    context: dict[str, str]

    def message_zh(self) -> str:
        where = "，".join(f"{_WHERE[k][0]} {v}" for k, v in self.where.items())
        band = self.check.band
        return (f"{where}：{self.check.zh} = {_number(self.value)}，超出容许范围 {band.text()}"
                f"（设置 {band.setting}；{self._context()}）")

    def message_en(self) -> str:
        where = ", ".join(f"{_WHERE[k][1]} {v}" for k, v in self.where.items())
        band = self.check.band
        return (f"{where}: {self.check.en} = {_number(self.value)}, outside the band {band.text()}"
                f" (setting {band.setting}; {self._context()})")

    def _context(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.context.items())


@dataclass(frozen=True)
class CheckOutcome:
    """What GE found for one check."""

    check: Check
    rows: int  # rows of the aggregate frame, i.e. source-years (or partition-years) compared
    breaches: tuple[Breach, ...] = ()
    error: str | None = None  # the frame could not be built (a table missing) or GE could not evaluate it

    @property
    def success(self) -> bool:
        return self.error is None and not self.breaches


@dataclass(frozen=True)
class QualityReport:
    """The outcome of every check, plus where the Data Docs are."""

    outcomes: tuple[CheckOutcome, ...]
    data_docs_index: Path
    seconds: float

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    def outcome(self, name: str) -> CheckOutcome:
        return next(o for o in self.outcomes if o.check.name == name)

    def breaches(self) -> list[Breach]:
        return [b for o in self.outcomes for b in o.breaches]


def _number(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.3g}"


# --- running -------------------------------------------------------------------------------------------------------


def _context(docs_dir: Path) -> Any:
    """An in-memory GE context whose one Data Docs site writes to docs_dir through the offline view."""
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
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_cta_footer": False,
                                   "view": OFFLINE_VIEW},
            "site_section_builders": {"expectations": {"view": OFFLINE_VIEW}, "validations": {"view": OFFLINE_VIEW},
                                      "profiling": "None"},  # no profiling runs: a section with GE's CDN view, off
        },
    )
    return ctx


def _suite(check: Check) -> Any:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    expectation = gxe.ExpectColumnValuesToBeBetween(
        column=check.column, min_value=check.band.low, max_value=check.band.high,
        notes=[f"{check.zh} / {check.en}", f"容许区间为判断值，非官方阈值 / the band is judgement, not an official "
                                           f"threshold: {check.band.setting} in pipelines/deliver/expectations.py"],
        meta={"setting": check.band.setting})
    return gx.ExpectationSuite(name=check.name, expectations=[expectation], meta={"zh": check.zh, "en": check.en})


def _breaches(check: Check, result: Any) -> tuple[tuple[Breach, ...], str | None]:
    """The rows GE found outside the band, or the error GE met."""
    info = result.exception_info or {}  # one dict, or one per metric GE computed
    for item in [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]:
        if item.get("raised_exception"):
            return (), f"GE 无法计算 / GE could not evaluate: {item.get('exception_message') or 'exception'}"
    if result.success:
        return (), None
    rows = (result.result or {}).get("unexpected_index_list") or []
    return tuple(Breach(check=check, where={k: str(row[k]) for k in check.keys}, value=row[check.column],
                        context={k: _number(row[k]) for k in check.context}) for row in rows), None


def _run_check(con: Any, ctx: Any, datasource: Any, check: Check, params: dict[str, Any], run_id: Any) -> CheckOutcome:
    import duckdb
    import great_expectations as gx

    sql = check.sql
    try:
        frame = con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).df()
    except (duckdb.CatalogException, duckdb.BinderException) as err:  # a warehouse published before the table existed
        return CheckOutcome(check=check, rows=0, error=f"仓库缺表或缺列 / table or column missing from the warehouse: {err}")
    batch = datasource.add_dataframe_asset(name=check.name).add_batch_definition_whole_dataframe("all")
    definition = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=check.name, data=batch, suite=ctx.suites.add(_suite(check))))
    result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [*check.keys, *check.context]},
        run_id=run_id,
    )
    breaches, error = _breaches(check, result.results[0])
    return CheckOutcome(check=check, rows=len(frame), breaches=breaches, error=error)


def run_quality(warehouse: Path, reports_dir: Path, checks: tuple[Check, ...] = CHECKS) -> QualityReport:
    """Run every check on the warehouse (read-only) and build offline Data Docs in reports_dir/data_docs.

    Raises FileNotFoundError when there is no warehouse; a table missing from it fails its check, not the run.
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
    ctx = _context(docs_dir)
    datasource = ctx.data_sources.add_pandas(DATASOURCE_NAME)
    run_id = RunIdentifier(run_name=RUN_NAME, run_time=datetime.now(UTC))
    params = sql_parameters()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("SET enable_progress_bar = false")  # the terminal summary is the output
        outcomes = tuple(_run_check(con, ctx, datasource, check, params, run_id) for check in checks)
    ctx.build_data_docs(site_names=[SITE_NAME])
    return QualityReport(outcomes=outcomes, data_docs_index=docs_dir / "index.html", seconds=time.perf_counter() - started)


def summary_lines(report: QualityReport) -> list[str]:
    """Bilingual lines for the terminal: one per check, one per failed row (zh, then en), then the verdict."""
    width = max((len(o.check.name) for o in report.outcomes), default=0)
    lines: list[str] = []
    for o in report.outcomes:
        verdict = "通过/passed" if o.success else "未通过/FAILED"
        lines.append(f"{o.check.name:<{width}}  比较/compared {o.rows:>4}  {verdict}  {o.check.zh} / {o.check.en}")
        if o.error:
            lines.append(f"    ✗ {o.error}")
        for b in o.breaches:
            lines += [f"    ✗ {b.message_zh()}", f"      {b.message_en()}"]
    failed = sum(not o.success for o in report.outcomes)
    verdict = "通过/PASSED" if report.success else "未通过/FAILED"
    lines.append(f"{verdict}  ({failed} 项检查未通过/checks failed, {len(report.breaches())} 处超出区间/rows outside "
                 f"their band, {report.seconds:.1f} s)")
    lines.append("容许区间为判断值，非官方阈值 / the bands are judgement, not official thresholds "
                 "(pipelines/deliver/expectations.py)")
    lines.append(f"数据文档/Data Docs: {report.data_docs_index}")
    return lines

