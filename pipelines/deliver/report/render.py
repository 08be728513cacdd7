"""清单报告 rendering: the HTML page of one year, with CSS and every chart inline (no script, font or link to fetch:
it opens offline and as an attachment) plus each chart as its own SVG under plots/.

data.py reads the warehouse, analysis.py derives the numbers, plots.py draws; here they become sections and tables.
The files depend on the warehouse's data only (the time shown is 数据截至 data as of with the inputs' fingerprint, SVG
ids are salted with a constant), and the folder is swapped in whole (output_dirs.atomic_dir), so it is never
half-written.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.deliver.output_dirs import atomic_dir
from pipelines.deliver.report import plots
from pipelines.deliver.report.analysis import (
    READINGS_EN,
    count_to_share,
    has_previous_year,
    index_table,
    intensity_ratios,
    largest_first,
    pareto,
    readable,
    sector_points,
    with_city_names,
    yoy_table,
    zoom_limit,
)
from pipelines.deliver.report.data import (
    DEMO_PREFIX,
    FINDINGS,
    ROLLUP,
    SYNERGY,
    Quality,
    ReportError,
    Synergy,
    read_report,
)
from pipelines.deliver.tabular_files import DataStamp
from pipelines.deliver.unconfirmed_values import VALUES as UNCONFIRMED_TABLE
from schemas.fields import ELS_READING_ZH
from schemas.sources import SOURCE_SYSTEM_ZH

POLLUTANTS = ("SO2", "NOx", "PM", "VOCs")
TOP_SECTORS = 15
TOP_EMITTERS = 20
METHODS_ZH = {"monitored": "监测 monitored", "reported": "填报 reported", "calculated": "核算 calculated",
              "gap_filled": "补充 gap-filled"}  # the <method>_share columns of report_method_shares.sql
COORDINATE_LIMIT = 100.0  # % reduction either way: points beyond are drawn on the chart's frame
NORMALISATION_ZH = {  # inventories/rules/synergy_index.yaml normalisation.method
    "baseline_minmax": "基准年各地市最小-最大值标准化, 上下限固定在基准年, 以后年份可高于100或低于0 min-max over the "
                       "cities of the base year, bounds kept fixed so later years can score above 100 or below 0",
    "baseline_ratio": "与本市基准年值之比 × 100 ratio to the city's own base-year value × 100"}
LEVEL_ZH = {1: "方面 aspects", 2: "一级指标 first-level indicators", 3: "指标 indicators"}
# every plot the report can write: stale copies of these (e.g. a YoY chart the data no longer allows) are removed
PLOT_NAMES = ("overview_totals", "city_co2e", "city_so2_nox", "sector_carbon_market", "sector_division", "pareto_co2e",
              "ratio_division", "method_shares", "yoy_city", "synergy_coordinates", "synergy_city_index")


@dataclass(frozen=True)
class Column:
    """A table column: frame column, header shown (Chinese, English, unit) and how its numbers are written."""

    key: str
    header: str
    decimals: int | None = None  # None: text (left-aligned unless `numeric`)
    percent: bool = False  # a 0-1 share shown as %
    signed: bool = False  # a change: always with its sign
    numeric: bool = False  # text that holds numbers already formatted (right-aligned)

    @property
    def css(self) -> str:
        return "n" if self.decimals is not None or self.numeric else "t"

    def text(self, value: object) -> str:
        """Thousands separators and fixed decimals for numbers; a missing value is a dash, never 0."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "—"
        if self.decimals is None:
            return str(value)
        number = float(value) * (100 if self.percent else 1)
        return f"{number:{'+' if self.signed else ''},.{self.decimals}f}"


def html_table(frame: pl.DataFrame, columns: Sequence[Column]) -> str:
    """The table behind a chart: text left, numbers right-aligned with separators, units in the headers."""
    head = "".join(f'<th class="{c.css}">{html.escape(c.header)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f'<td class="{c.css}">{html.escape(c.text(row[c.key]))}</td>' for c in columns)
                   + "</tr>" for row in frame.iter_rows(named=True))
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


# --- the page --------------------------------------------------------------------------------------------------

@dataclass
class Page:
    """The sections written so far; charts are saved under plot_dir as they are drawn."""

    plot_dir: Path
    sections: list[str]

    def figure(self, name: str, svg: str, caption: str) -> str:
        """Save plots/<name>.svg and return the figure that shows it inline and links the file."""
        path = self.plot_dir / f"{name}.svg"
        path.write_text(svg, encoding="utf-8", newline="\n")
        link = f"plots/{name}.svg"
        return (f'<figure data-plot="{link}">{plots.inline_svg(svg, name)}<figcaption>{html.escape(caption)} '
                f'<a href="{link}">SVG 矢量图 file</a></figcaption></figure>')

    def section(self, anchor: str, title: str, intro: str, *parts: str) -> None:
        """`intro` is trusted HTML: callers escape every value from the warehouse they put in it."""
        self.sections.append(f'<section id="{anchor}"><h2>{html.escape(title)}</h2><p>{intro}</p>{"".join(parts)}</section>')


CO2E = Column("co2e_t", "直接排放 direct CO2e (tCO2e)", 0)
CO2_DIRECT = Column("co2_direct_t", "直接排放 direct CO2 (t)", 0)
INDIRECT = Column("co2_indirect_t", "间接排放 indirect CO2 (t)", 0)
SO2, NOX, PM, VOCS = (Column(f"{p.lower()}_t", f"{p} (t)", 1) for p in POLLUTANTS)
ENERGY = Column("energy_tce", "能耗 energy (tce)", 0)
ENTERPRISES = Column("enterprise_count", "企业数 enterprises", 0)
SECTOR = [Column("sector_class_code", "代码 code"), Column("sector_class_name", "行业 sector")]
CITY = Column("region_name", "地市 city")


def _wan(values: Sequence[float | None]) -> list[float | None]:
    """Tonnes as 10^4 t (万吨), the unit the bureau reads CO2 in."""
    return [None if v is None else v / 1e4 for v in values]


def _overview(page: Page, total: dict, counts: tuple, notes: str, stamp: DataStamp, year: int) -> None:
    recalled = total["co2_recalled_share"]
    rows = [("直接排放 二氧化碳当量 direct CO2e", total["co2e_t"], "tCO2e", 0),
            ("其中 燃烧 CO2 of which combustion", total["co2_combustion_t"], "t", 0),
            ("其中 工业过程 CO2 of which process", total["co2_process_t"], "t", 0),
            ("间接排放 CO2 indirect (外购电力、热力 purchased electricity, heat)", total["co2_indirect_t"], "t", 0),
            *((f"{p}", total[f"{p.lower()}_t"], "t", 1) for p in POLLUTANTS),
            ("能源消费量 energy", total["energy_tce"], "tce", 0),
            ("设施(场所)数 sites", counts[0], "个", 0),
            ("企业(法人)数 enterprises", counts[1], "家", 0),
            ("用待核实因子计算的直接 CO2 占比 direct CO2 computed with recalled (待核实) factors",
             None if recalled is None else recalled * 100, "%", 1),
            ("因子集 factor set", total["factor_set"], "", None),
            ("全球增温潜势 GWP set", total["gwp_set"], "", None),
            ("数据截至 data as of", stamp.as_of_text, "", None)]
    frame = pl.DataFrame({"item": [r[0] for r in rows], "value": [Column("", "", r[3]).text(r[1]) for r in rows],
                          "unit": [r[2] for r in rows]})
    table = html_table(frame, [Column("item", "指标 item"), Column("value", "数值 value", numeric=True),
                               Column("unit", "单位 unit")])
    co2 = {"燃烧 combustion": total["co2_combustion_t"], "工业过程 process": total["co2_process_t"],
           "外购电力 electricity": total["co2_indirect_electricity_t"], "外购热力 heat": total["co2_indirect_heat_t"]}
    chart = plots.overview_chart({k: (v or 0.0) / 1e4 for k, v in co2.items()},
                                 {p: total[f"{p.lower()}_t"] or 0.0 for p in POLLUTANTS},
                                 f"{year}年 全省排放总量 province totals")
    page.section("overview", "1 概况 Overview",
                 f"全省 {year} 年融合清单总量。直接排放 = 燃烧 + 工业过程; 外购电力、热力的间接排放单列, 不计入 CO2e。 "
                 f"Province totals of the fused inventory; indirect CO2 is shown apart from direct CO2e.",
                 page.figure("overview_totals", chart, f"图1 {year}年全省排放总量 / Fig. 1 province totals {year}"),
                 table, notes)


def _cities(page: Page, cities: pl.DataFrame, year: int) -> None:
    ordered = largest_first(cities, "co2e_t", "region_code")
    names = ordered["region_name"].to_list()
    co2e = plots.bar_chart(names, {"直接排放 CO2e": _wan(ordered["co2e_t"].to_list())},
                           f"{year}年 各地市直接排放 direct CO2e by city", "万吨 CO2e (10⁴ tCO2e)")
    so2_nox = plots.bar_chart(names, {"SO2": ordered["so2_t"].to_list(), "NOx": ordered["nox_t"].to_list()},
                              f"{year}年 各地市 SO2、NOx 排放 by city", "吨 t")
    page.section("cities", "2 分地市 Totals by city",
                 f"{ordered.height} 个地市, 按直接排放 CO2e 从大到小。 Cities ordered by direct CO2e.",
                 page.figure("city_co2e", co2e, "图2a 各地市直接排放 CO2e / Fig. 2a direct CO2e by city"),
                 page.figure("city_so2_nox", so2_nox, "图2b 各地市 SO2、NOx / Fig. 2b SO2 and NOx by city"),
                 html_table(ordered, [CITY, CO2E, INDIRECT, SO2, NOX, PM, VOCS, ENERGY,
                                      Column("site_count", "设施数 sites", 0)]))


def _sectors(page: Page, market: pl.DataFrame, divisions: pl.DataFrame, year: int) -> None:
    market = largest_first(market, "co2e_t", "sector_class_code")
    top = largest_first(divisions, "co2e_t", "sector_class_code").head(TOP_SECTORS)
    columns = [*SECTOR, CO2E, INDIRECT, SO2, NOX, ENERGY, ENTERPRISES]
    charts = [page.figure(name, plots.bar_chart(frame["sector_class_name"].to_list(),
                                                {"直接排放 CO2e": _wan(frame["co2e_t"].to_list())},
                                                f"{year}年 {title}", "万吨 CO2e (10⁴ tCO2e)", horizontal=True), caption)
              for name, frame, title, caption in (
                  ("sector_carbon_market", market, "碳市场行业直接排放 direct CO2e by carbon-market sector",
                   "图3a 碳市场行业 / Fig. 3a carbon-market sectors"),
                  ("sector_division", top, f"排放最多的 {top.height} 个行业大类 top GB/T 4754 divisions",
                   f"图3b 国民经济行业大类前 {top.height} 位 / Fig. 3b top {top.height} GB/T 4754 divisions"))]
    page.section("sectors", "3 分行业 By sector",
                 f"碳市场行业(含未纳入行业)全部列出; GB/T 4754-2017 大类按直接排放取前 {TOP_SECTORS} 位。企业数为有排放数据的企业"
                 f"(按单项物种计)。 Carbon-market sectors, and the top {TOP_SECTORS} GB/T 4754 divisions by direct CO2e.",
                 charts[0], "<h3>碳市场行业 carbon-market sectors</h3>", html_table(market, columns),
                 charts[1], f"<h3>行业大类 GB/T 4754 divisions (前 top {top.height})</h3>", html_table(top, columns))


def _top_emitters(page: Page, enterprises: pl.DataFrame, year: int) -> None:
    ranked = pareto(enterprises)
    count = count_to_share(ranked["cumulative_share"].to_list())
    share = count / ranked.height if ranked.height else 0.0
    chart = plots.pareto_chart(ranked["enterprise_share"].to_list(), ranked["cumulative_share"].to_list(), count,
                               f"{year}年 直接排放集中度 concentration of direct CO2e (Pareto)")
    columns = [Column("rank", "排名 rank", 0), Column("enterprise_name", "企业名称 enterprise"),
               Column("uscc", "统一社会信用代码 USCC"), Column("city_name", "地市 city"), CO2E,
               Column("so2_mass_t", "SO2 (t)", 1), Column("nox_mass_t", "NOx (t)", 1),
               Column("share", "占比 share (%)", 2, percent=True),
               Column("cumulative_share", "累计占比 cumulative (%)", 2, percent=True)]
    page.section("top-emitters", "4 重点排放源 Top emitters (Pareto)",
                 f"{ranked.height:,} 家企业有直接排放; 排放最多的 <b>{count:,}</b> 家 ({share:.1%}) 合计排放全省 80 %。 "
                 f"{ranked.height:,} enterprises emit CO2e; the largest {count:,} ({share:.1%}) emit 80 % of it.",
                 page.figure("pareto_co2e", chart, "图4 直接排放累计占比 / Fig. 4 cumulative share of direct CO2e"),
                 f"<h3>前 {TOP_EMITTERS} 家企业 top {TOP_EMITTERS} enterprises</h3>",
                 html_table(ranked.head(TOP_EMITTERS), columns))


def _ratios(page: Page, divisions: pl.DataFrame, total: dict, year: int) -> None:
    top = intensity_ratios(largest_first(divisions, "co2_direct_t", "sector_class_code").head(TOP_SECTORS))
    province = intensity_ratios(pl.DataFrame([total]).select("co2_direct_t", "so2_t", "nox_t")).row(0, named=True)
    chart = plots.bar_chart(top["sector_class_name"].to_list(),
                            {f"{p} kg/t CO2": top[f"{p.lower()}_kg_per_t_co2"].to_list() for p in ("SO2", "NOx")},
                            f"{year}年 各行业大类 污染物与CO2之比 pollutant-to-CO2 ratios", "千克/吨 CO2 (kg per t CO2)",
                            horizontal=True, decimals=1)
    so2, nox = (Column("", "", 2).text(province[f"{p}_kg_per_t_co2"]) for p in ("so2", "nox"))
    page.section("ratios", "5 污染物与CO2之比 Pollutant-to-CO2 ratios by sector",
                 f"直接 CO2(燃烧 + 工业过程)最多的 {top.height} 个行业大类, 每吨 CO2 排放的 SO2、NOx 千克数。全省平均: "
                 f"SO2 {so2} kg/t, NOx {nox} kg/t。 "
                 "kg of SO2 and NOx per t of direct CO2, for the divisions with the most CO2.",
                 page.figure("ratio_division", chart, "图5 行业大类 污染物与CO2之比 / Fig. 5 pollutant-to-CO2 ratios"),
                 html_table(top, [*SECTOR, CO2_DIRECT, SO2, NOX, Column("so2_kg_per_t_co2", "SO2/CO2 (kg/t)", 2),
                                  Column("nox_kg_per_t_co2", "NOx/CO2 (kg/t)", 2)]))


def _methods(page: Page, shares: pl.DataFrame, year: int) -> None:
    parts = {m: (zh, shares[f"{m}_share"].to_list()) for m, zh in METHODS_ZH.items()}
    chart = plots.stacked_shares(shares["item"].to_list(), parts, f"{year}年 各物种核算方法构成 method coverage by species")
    columns = [Column("item", "物种 species"), Column("mass_t", "排放量 mass (t)", 0),
               *(Column(f"{m}_share", f"{zh} (%)", 1, percent=True) for m, zh in METHODS_ZH.items()),
               Column("recalled_factor_share", "待核实因子 recalled factors (%)", 1, percent=True)]
    page.section("methods", "6 核算方法构成 Method coverage",
                 "全省全部行业, 按排放量加权: 在线监测、企业填报、因子核算、跨系统补充各占多少。 "
                 "Share of each species' mass by the method behind it (province, all sectors, mass-weighted over scopes).",
                 page.figure("method_shares", chart, "图6 核算方法构成 / Fig. 6 method coverage"), html_table(shares, columns))


def no_previous_year(year: int) -> str:
    """The YoY section's one sentence when the warehouse holds no inventory of the year before."""
    return (f"清单中没有 {year - 1} 年的可比数据, 无法计算同比变化。 "
            f"The inventory has no {year - 1} values to compare with, so there is no year-over-year change.")


def _yoy(page: Page, cities: pl.DataFrame, total: dict, has_previous: bool, year: int) -> None:
    title = f"7 同比变化 Year-over-year change ({year} vs {year - 1})"
    if not has_previous:
        page.section("yoy", title, html.escape(no_previous_year(year)))
        return
    ordered = yoy_table(cities, total)
    chart_rows = ordered.tail(-1)
    chart = plots.bar_chart(chart_rows["region_name"].to_list(),
                            {f"{label} 同比": chart_rows[f"{key}_change_pct"].to_list()
                             for key, label in (("co2e", "CO2e"), ("so2", "SO2"), ("nox", "NOx"))},
                            f"{year}年 各地市同比变化 change against {year - 1} by city", "同比变化 change (%)", decimals=1,
                            size=(9.0, 4.5))
    columns = [CITY, CO2E, Column("co2e_previous_t", f"{year - 1} 直接排放 CO2e (tCO2e)", 0),
               Column("co2e_change_pct", "CO2e 同比 change (%)", 1, signed=True),
               Column("co2e_new_t", "上年无对应值 new this year (tCO2e)", 0)]
    for current, species in ((SO2, "SO2"), (NOX, "NOx")):
        columns += [current, Column(f"{species.lower()}_previous_t", f"{year - 1} {species} (t)", 1),
                    Column(f"{species.lower()}_change_pct", f"{species} 同比 change (%)", 1, signed=True)]
    page.section("yoy", title,
                 "同口径比较: 只比较上年也有数值的地市、行业、物种和排放范围; 本年新出现的排放(如首次核算的工业过程排放)"
                 "列在“上年无对应值”栏, 不计入变化率。 Like-for-like: only rows (region, sector, species, scope) with a value "
                 "in both years are compared; emissions new this year are listed apart and left out of the change.",
                 page.figure("yoy_city", chart, f"图7 各地市同比变化 / Fig. 7 change against {year - 1} by city"),
                 html_table(ordered, columns))


def no_synergy_pairs(year: int) -> str:
    """The synergy section's one sentence for enterprises and sectors when none has a previous-year value."""
    return (f"清单中没有企业 {year - 1} 年的可比数据, 无法计算企业和行业的减污降碳协同度。 "
            f"The inventory has no {year - 1} enterprise values to compare with, so there is no enterprise or sector "
            "synergy.")


def _coordinates(page: Page, data: Synergy, year: int) -> list[str]:
    """The co-control coordinate system of APeq and CO2, its sector table and the readings per pollutant."""
    divisions, overall = sector_points(data.sectors)
    zoom = zoom_limit([max(abs(x), abs(y)) for x, y in divisions.select("pollutant_reduction_pct", "co2_reduction_pct")
                       .iter_rows()])
    beyond = data.enterprises.filter((pl.col("x").abs() > COORDINATE_LIMIT) | (pl.col("y").abs() > COORDINATE_LIMIT)).height
    chart = plots.coordinate_chart(
        [(r["sector_class_code"], r["pollutant_reduction_pct"], r["co2_reduction_pct"], r["enterprise_count"])
         for r in divisions.iter_rows(named=True)],
        None if overall.is_empty() else ("全部行业 all sectors", overall["pollutant_reduction_pct"][0],
                                         overall["co2_reduction_pct"][0]),
        list(data.enterprises.select("x", "y").iter_rows()), COORDINATE_LIMIT, zoom,
        f"{year}年 协同控制坐标系 co-control coordinate system, APeq 与 CO2 (vs {year - 1})",
        "APeq 减排率 pollutant reduction (%)", "燃烧 CO2 减排率 combustion CO2 reduction (%)")
    limit = f"{COORDINATE_LIMIT:,.0f}"
    caption = (f"图8a 协同控制坐标系 / Fig. 8a co-control coordinate system, {year} vs {year - 1}: 横轴 x = APeq 减排率, "
               f"纵轴 y = 燃烧 CO2 减排率 (= −同比变化 −change, %); 蓝点 = GB/T 4754 大类 divisions (标注代码 labelled by code, "
               f"大小 = 企业数 size = enterprises), 红色菱形 = 全部行业 all sectors, 灰点 = {data.enterprises.height:,} 家企业 "
               f"enterprises。坐标限 ±{limit} %: 超出的点画在边框上 points beyond ±{limit} % are drawn on the frame "
               f"({beyond:,} 家企业 enterprises; 超出的行业标注实际坐标 a sector beyond is labelled with its true values)"
               + (f"; 右图放大原点附近 ±{zoom:,.0f} %, 不含超出的点 the right panel zooms to ±{zoom:,.0f} %, without the points "
                  "beyond" if zoom else "") + "。 "
               "APeq = SO2、NOx、PM 按环境保护税法污染当量值折算 pollution equivalents of the Environmental Protection Tax Law "
               "(待核实 status recalled); 不含 VOCs (税法表中无可合计的当量 VOCs left out: no aggregate equivalent).")
    sector_columns = [*SECTOR, ENTERPRISES,
                      Column("pollutant_reduction_pct", "横轴 x: APeq 减排率 reduction (%)", 1, signed=True),
                      Column("co2_reduction_pct", "纵轴 y: 燃烧 CO2 减排率 combustion CO2 reduction (%)", 1, signed=True),
                      Column("els", "弹性 Els", 2), Column("reading", "判读 reading"), Column("quadrant_zh", "象限 quadrant")]
    reading_columns = [Column("pollutant", "污染物 pollutant"), Column("enterprise_count", "企业数 enterprises", 0),
                       *(Column(r, f"{ELS_READING_ZH[r]} {en}", 0) for r, en in READINGS_EN.items()),
                       Column("other", "其他(不变或缺数据) other (unchanged or no base)", 0),
                       Column("pollutant_change_pct", "全省 污染物变化 province pollutant change (%)", 1, signed=True),
                       Column("co2_change_pct", "全省 燃烧 CO2 变化 province combustion CO2 change (%)", 1, signed=True),
                       Column("els", "全省 弹性 province Els", 2), Column("reading", "全省 判读 province reading")]
    return [page.figure("synergy_coordinates", chart, caption),
            "<h3>行业大类 APeq 与 CO2 by GB/T 4754 division (APeq and CO2)</h3>", html_table(data.sectors, sector_columns),
            "<h3>各污染物的企业协同判读 enterprises by reading, per pollutant</h3>",
            "<p>企业数按各企业自身的弹性判读计; 全省 = 全部行业两年都有数值的企业同口径合计。 "
            "Enterprises are counted by their own reading; province = like-for-like sums of all enterprises with values "
            "in both years.</p>",
            html_table(data.readings, reading_columns)]


def _city_index(page: Page, data: Synergy, year: int) -> list[str]:
    """The city synergy index: the ranking as bars of the 方面' contributions, the tree it comes from, and a table."""
    if data.index.is_empty():
        return [f"<p>没有 {year} 年的城市协同指数。 The warehouse holds no city index for {year}.</p>"]
    aspects, ranked = index_table(data)
    names = ranked["region_name"].fill_null(ranked["city_code"]).to_list()
    chart = plots.contribution_chart(
        names, {f"{a['indicator_name']} {a['indicator_id']} (权重 weight {a['weight']:.2f})":
                ranked[f"part_{a['indicator_id']}"].to_list() for a in aspects.iter_rows(named=True)},
        ranked["score"].to_list(),
        f"{year}年 各地市减污降碳协同指数 city synergy index", "指数得分 index score")
    root = ranked.row(0, named=True)
    levels = {r["indicator_level"]: r for r in data.levels.iter_rows(named=True)}
    tree = ", ".join(f"{r['indicator_count']:,} {LEVEL_ZH.get(level, f'第{level}层 level {level}')}"
                     for level, r in levels.items() if level > 0)
    bases = "; ".join(f"{LEVEL_ZH.get(level, f'第{level}层 level {level}')}: {r['weight_basis'] or '—'}"
                      for level, r in levels.items() if level > 0)
    normalisation = NORMALISATION_ZH.get(root["normalisation"], "")
    intro = (f"指标树 tree: {root['indicator_name']} ({root['weight_basis'] or '—'}), {tree}。"
             f"基准年 base year {root['base_year']}; 标准化 normalisation {root['normalisation']}: {normalisation}。"
             "缺数据的指标不计, 其上级按有得分的下级重新加权(权重覆盖率) a missing indicator is left out and its parent "
             "reweighted over the rest (weight coverage)。 "
             f"权重依据 weight basis (见指标树文件 from the tree file): {bases}。")
    columns = [Column("city_rank", "排名 rank", 0), CITY, Column("score", "指数 index score", 1),
               *(Column(f"score_{a['indicator_id']}", f"{a['indicator_name']} {a['indicator_id']} 得分 score", 1)
                 for a in aspects.iter_rows(named=True)),
               Column("score_change_pct", f"较基准年 change vs {root['base_year']} (%)", 1, signed=True),
               Column("weight_coverage_pct", "权重覆盖率 weight coverage (%)", 1),
               Column("missing_indicators", "缺少的指标 missing indicators")]
    caption = (f"图8b 各地市减污降碳协同指数 / Fig. 8b city synergy index {year}: 条长 = 指数, 分段 = 各方面贡献 "
               "(权重 × 得分 / 有得分的方面的权重之和) bar = the index, segments = each aspect's weighted part, adding up to it.")
    return [f"<p>{html.escape(intro)}</p>", page.figure("synergy_city_index", chart, caption), html_table(ranked, columns)]


def _synergy(page: Page, data: Synergy | None, year: int) -> None:
    title = "8 减污降碳协同 Pollution-carbon synergy"
    if data is None:
        page.section("synergy", title, "本数据仓库没有减污降碳协同表 / this warehouse holds no synergy tables (built before "
                     "them): 请重新运行 synergy build / rerun synergy build.")
        return
    enterprises = (_coordinates(page, data, year) if data.readings.height
                   else [f"<p>{html.escape(no_synergy_pairs(year))}</p>"])
    page.section("synergy", title,
                 f"企业和行业: {year} 年与 {year - 1} 年比较 (同一企业两年的燃烧 CO2 与污染物; "
                 "污染物为燃烧排放, 工业过程 CO2 不计); 弹性 Els = (ΔE_p/E_p) / (ΔE_CO2/E_CO2); "
                 "协同控制坐标系(邢有凯、毛显强等 2020)横轴为污染物减排率、纵轴为 CO2 减排率, "
                 "第一象限为协同减排。城市: 减污降碳协同指数。 Enterprises and sectors against the previous year "
                 "(combustion CO2 and each pollutant of the same enterprises; process CO2 is left out, as the pollutants are "
                 "combustion emissions); cross-elasticity Els; on the co-control "
                 "coordinate system quadrant I is the co-benefit. Cities: the synergy index.",
                 f"<h3>企业与行业 enterprises and sectors ({year} vs {year - 1})</h3>", *enterprises,
                 f"<h3>城市减污降碳协同指数 city synergy index {year}</h3>", *_city_index(page, data, year))


def _quality_notes(quality: Quality, year: int, factor_sets: list[str]) -> str:
    """数据质量 box: open cross-check findings of the year and the factor library's unverified (recalled) factors."""
    items = []
    if quality.findings is not None:
        error, warn, decided = quality.findings
        items.append(f"交叉校核 cross-checks: 未处理错误 open errors <b>{error:,}</b>, 未处理警告 open warnings <b>{warn:,}</b>, "
                     f"已说明或确认 explained or confirmed {decided:,} (明细 details: <code>synergy checks --year {year}</code>)")
        items += [f"错误 error: {html.escape(title or rule)} (<code>{html.escape(rule)}</code>) × {n:,}"
                  for title, rule, n in quality.error_rules]
    else:
        items.append("本数据仓库没有交叉校核结果 / this warehouse holds no cross-check findings (built before them)")
    gaps = quality.gaps
    if gaps is not None:
        items.append(f"清单覆盖 inventory coverage: 各系统已知企业 {gaps.enterprises:,} 家 enterprises known; "
                     f"无法核算CO2e no CO2e <b>{gaps.without_co2e:,}</b>, CO2e为下限值 lower bound "
                     f"<b>{gaps.co2e_lower_bound:,}</b>, 无污染物数据 no pollutant value <b>{gaps.without_pollutant:,}</b>"
                     + "".join(f"; {html.escape(reason)} × {n:,}" for reason, n in gaps.top_reasons)
                     + " (明细 details: <code>out_qa__coverage</code>)")
    statuses = quality.factor_statuses
    verified, recalled, derived, judgement = (statuses.get(s, 0) for s in ("verified", "recalled", "derived", "judgement"))
    items.append(f"因子库 factor library {html.escape('; '.join(factor_sets) or '—')}: 已核实 verified {verified:,}, "
                 f"待核实 recalled {recalled:,}, 推导 derived {derived:,}, 专业判断 judgement {judgement:,}。"
                 "待核实因子尚未与官方文件核对, "
                 "用到它们的排放量占比见上表。 Recalled factors are not yet checked against the official documents.")
    unconfirmed = quality.unconfirmed
    if unconfirmed is not None:
        items.append(f"依待核实因子的数值 values on recalled factors <b>{unconfirmed.recalled:,}</b> "
                     f"(直接CO2 direct CO2 {unconfirmed.recalled_co2_t:,.1f} t), 依专业判断因子的数值 values on judgement "
                     f"factors <b>{unconfirmed.judgement:,}</b> ({unconfirmed.judgement_co2_t:,.1f} t), 共 of "
                     f"{unconfirmed.values:,} 个设施数值 facility values (<code>{html.escape(UNCONFIRMED_TABLE)}</code>)")
    return f'<div class="box"><h3>数据质量 Data quality</h3><ul>{"".join(f"<li>{i}</li>" for i in items)}</ul></div>'


CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","WenQuanYi Micro Hei","Microsoft YaHei","PingFang SC","SimHei",sans-serif;
 color:#222;margin:0;background:#fff;line-height:1.55;font-size:15px}
main{max-width:1120px;margin:0 auto;padding:24px 28px 40px}
h1{font-size:26px;margin:0 0 4px;color:#1f3f66}h2{font-size:21px;margin:36px 0 8px;padding-bottom:4px;
 border-bottom:2px solid #3b6ea5;color:#1f3f66}h3{font-size:16px;margin:18px 0 6px}
.sub{color:#555;margin:0 0 12px}.meta{color:#444;font-size:14px}
nav ol{columns:2;margin:8px 0 0;padding-left:22px}nav a{color:#1f5a96;text-decoration:none}
figure{margin:14px 0;padding:0}figure svg{width:100%;max-width:960px;height:auto;display:block}
figcaption{font-size:13px;color:#555}figcaption a{color:#1f5a96}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:13px;margin:8px 0 14px}
th,td{border:1px solid #d4d9e0;padding:3px 7px}th{background:#e9eff6;vertical-align:bottom;font-weight:600}
tbody tr:nth-child(even){background:#f6f8fb}th.n{text-align:right}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.t{text-align:left}.box{border:1px solid #e0c36b;background:#fff9e6;padding:6px 16px;margin:12px 0}
.box h3{margin:6px 0}footer{border-top:1px solid #ccc;margin-top:40px;padding-top:10px;font-size:13px;color:#555}
code{font-size:12px;background:#f0f0f0;padding:0 3px}
"""
TOC = (("overview", "概况 Overview"), ("cities", "分地市 Totals by city"), ("sectors", "分行业 By sector"),
       ("top-emitters", "重点排放源 Top emitters"), ("ratios", "污染物与CO2之比 Pollutant-to-CO2 ratios"),
       ("methods", "核算方法构成 Method coverage"), ("yoy", "同比变化 Year-over-year change"),
       ("synergy", "减污降碳协同 Pollution-carbon synergy"))


def _footer(warehouse: Path, stamp: DataStamp, systems: list[str], factor_sets: list[str], demo: tuple[int, int],
            synergy_tables: bool) -> str:
    names = "、".join(f"{SOURCE_SYSTEM_ZH.get(s, s)} {s}" for s in systems) or "—"
    lines = [f"数据来源 Data sources: {html.escape(names)}; 数据仓库 warehouse <code>{html.escape(warehouse.name)}</code> "
             f"(数据截至 data as of {html.escape(stamp.as_of_text)}; 输入指纹 inputs sha256 "
             f"<code>{html.escape(stamp.inputs_sha256 or '—')}</code>), "
             f"表 tables <code>{ROLLUP}</code>, <code>out_inventory__yearly_enterprise</code>, "
             f"<code>out_inventory__yearly_facility</code>, <code>{FINDINGS}</code>, <code>core_inventory__factors</code>"
             f"{''.join(f', <code>{t}</code>' for t in SYNERGY) if synergy_tables else ''}; "
             f"因子集 factor set {html.escape('; '.join(factor_sets))}。",
             "单位 Units: t = 吨 tonnes, tCO2e = 吨二氧化碳当量, tce = 吨标准煤, 万吨 = 10⁴ t; “—” = 无数据 no value."]
    if demo[0]:
        lines.append(f"<b>演示数据 Synthetic data:</b> {demo[0]:,} / {demo[1]:,} 家企业名称以“{DEMO_PREFIX}”开头, "
                     f"是 synergy demo 生成的合成数据, 数字均为虚构。 Enterprise names beginning with {DEMO_PREFIX} are "
                     "synthetic demo data; their numbers are invented.")
    return "<footer>" + "".join(f"<p>{line}</p>" for line in lines) + "</footer>"


def report_path(out_dir: Path, year: int) -> Path:
    """The report's file name says what it is in Chinese, as the bureau files it."""
    return out_dir / f"清单报告_{year}.html"


def report_files(year: int) -> set[str]:
    """Every file a report of the year may write (relative): the only files its folder may hold when replaced."""
    return {report_path(Path(), year).as_posix(), *(f"plots/{name}.svg" for name in PLOT_NAMES)}


def build_report(warehouse: Path, out_dir: Path, year: int) -> Path:
    """Write <out_dir>/清单报告_<year>.html (self-contained) and every chart as <out_dir>/plots/<name>.svg.

    out_dir is replaced whole (a chart this run does not draw does not linger); a ReportError, in Chinese and English,
    for no warehouse, an older one, no inventory of the year, or an out_dir holding files other than a report's.
    """
    data = read_report(warehouse, year)
    total, factor_sets, stamp = data.total, data.factor_sets, data.stamp
    with atomic_dir(out_dir, lambda _: report_files(year), ReportError) as folder:
        plot_dir = folder / "plots"
        plot_dir.mkdir()
        page = Page(plot_dir, [])
        _overview(page, total, data.counts, _quality_notes(data.quality, year, factor_sets), stamp, year)
        _cities(page, data.cities, year)
        _sectors(page, data.market, data.divisions, year)
        _top_emitters(page, with_city_names(data.enterprises), year)
        _ratios(page, data.divisions, total, year)
        _methods(page, data.shares, year)
        _yoy(page, data.cities, total, has_previous_year(total), year)
        _synergy(page, None if data.synergy is None else readable(data.synergy), year)
        systems = sorted({s for s in (total["source_systems"] or "").split(";") if s})
        title = f"{data.province} {year}年 大气污染物与温室气体排放清单报告"
        nav = "".join(f'<li><a href="#{anchor}">{html.escape(label)}</a></li>' for anchor, label in TOC)
        document = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{CSS}</style></head>
<body><main><header><h1>{html.escape(title)}</h1>
<p class="sub">Air-pollutant and greenhouse-gas inventory report, {year} (减污降碳协同融合清单 fused inventory)</p>
<p class="meta">数据截至 data as of: {html.escape(stamp.as_of_text)}
· 因子集 factor set: {html.escape('; '.join(factor_sets) or '—')} · GWP: {html.escape(total['gwp_set'] or '—')}</p>
<nav><b>目录 Contents</b><ol>{nav}</ol></nav></header>
{"".join(page.sections)}
{_footer(warehouse, stamp, systems, factor_sets, data.demo, data.synergy is not None)}</main></body></html>
"""
        report_path(folder, year).write_text(document, encoding="utf-8", newline="\n")
    return report_path(out_dir, year)
