"""一企一档 (one file per enterprise): everything the warehouse knows about one enterprise, section by section.

`find_enterprise` resolves what an analyst types (USCC, permit number, a name, former name or old organisation
code) to enterprises; `build_dossier` reads the published tables for one USCC into `Section`s (title, columns, rows)
that both `synergy enterprise` (`show_section`: tables, or one block per row where a table would cut an
identifier) and `write_xlsx` (one sheet per section) show unchanged, so the terminal and the workbook can never
disagree; a section without data is one line "<title>: 无数据 / no data" in both. Only read-only queries on
warehouse.duckdb; no Dagster, no typer. The workbook states the data's time (数据截至 data as of, with the inputs'
fingerprint), not the time of export.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from inventories.reference import industries, regions
from pipelines.deliver.output_dirs import atomic_files
from pipelines.deliver.queries import query
from pipelines.deliver.tabular_files import DataStamp, column_width, data_stamp, new_workbook
from pipelines.deliver.terminal import Column, is_identifier, print_records, table_fits
from pipelines.deliver.warehouse import table_columns
from schemas.fields import FIELDS
from schemas.headers import normalise_text
from schemas.identifiers import org_code_from_uscc
from schemas.sources import SOURCE_SYSTEM_ZH

DECIMALS = 1  # t, tCO2e, tce and 10^4 Nm3 shown to 0.1; workbook cells keep the stored value under that format
NO_DATA = "无数据 / no data"  # what a section (or a system group) without a value says, on the terminal and its sheet
FINDINGS = "out_crosscheck__findings"  # built by the cross-check step; older warehouses have none
REQUIRED = ("core_enterprise__entity", "core_enterprise__aliases", "core_facility__entity", "core_facility__assn_sources",
            "out_qa__match_review", "out_qa__match_conflicts", "core_ghg__reported_totals", "core_envstat__enterprise",
            "core_permit__execution_emissions", "core_permit__annual_limits", "out_inventory__yearly_enterprise",
            "out_key_emitters__register", "core_qa__rejected_rows", "core_cems__outlets")
MATCHED_BY_ZH = {"uscc": "统一社会信用代码 USCC", "permit_no": "排污许可证编号 permit number", "name": "名称或代码 name or code"}


class DossierError(RuntimeError):
    """The warehouse cannot answer (tables missing: built by an older version); the message says what to do."""


@dataclass(frozen=True)
class Section:
    """One titled table of the dossier; `decimals` overrides the 0.1 display of a float column (ratios, scores)."""

    key: str
    title_zh: str
    title_en: str
    columns: list[str]
    rows: list[tuple]
    note: str | None = None
    decimals: dict[str, int] = field(default_factory=dict)
    groups: tuple[tuple[str, int], ...] = ()  # (title, column count) after the first column: wide tables print in parts
    details: tuple[str, ...] = ()  # long-text columns the terminal prints under the table, one line per row
    label_columns: int = 1  # leading columns that name a row in those lines

    @property
    def title(self) -> str:
        """Chinese title with the English beside it, as every table and sheet list shows it."""
        return f"{self.title_zh} {self.title_en}"

    @property
    def has_data(self) -> bool:
        """Whether a row holds a value beside the columns that only name it (a year, an item): rows of years with
        nothing in them are no data either."""
        return any(v is not None for row in self.rows for v in row[self.label_columns:])

    @property
    def no_data_line(self) -> str:
        """What the terminal prints and the sheet holds for a section without data."""
        return f"{self.title}: {NO_DATA}"

    @property
    def sheet_name(self) -> str:
        """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
        return "".join(ch for ch in self.title_zh if ch not in "[]:*?/\\")[:31]

    def column(self, header: str) -> list[Any]:
        """The values of one column, for tests and callers that want one figure."""
        position = self.columns.index(header)
        return [row[position] for row in self.rows]


@dataclass(frozen=True)
class Candidate:
    """An enterprise the lookup text fits, with the names or codes that made it fit."""

    uscc: str
    enterprise_name: str
    city: str
    matched: str


@dataclass(frozen=True)
class Lookup:
    """What was typed, how it was read (uscc / permit_no / name) and every enterprise it fits."""

    text: str
    matched_by: str
    candidates: list[Candidate]


@dataclass(frozen=True)
class Dossier:
    """The sections of one enterprise plus where they come from (for the workbook's 说明 sheet)."""

    uscc: str
    enterprise_name: str
    lookup: Lookup
    warehouse: Path | None
    built_at: str | None
    sections: list[Section]
    stamp: DataStamp = DataStamp(None, None)  # the data's time and inputs' fingerprint: the workbook's only date


def header(column: str) -> str:
    """A table column as the dossier shows it: Chinese name (unit) from schemas.fields, then the column name."""
    found = FIELDS.get(column)
    return f"{found.header_zh} {column}" if found else column


def display(value: Any, decimals: int = DECIMALS) -> str:
    """A cell as text: floats to `decimals` with thousands separators, booleans 是/否, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    return str(value)


def _region_names() -> dict[str, str]:
    """GB/T 2260 code -> name; regions() rather than region_name_lookup(), which maps the other way and drops
    names shared by two counties."""
    return dict(regions().select("region_code", "region_name").iter_rows())


def _coded(code: str | None, names: dict[str, str]) -> str | None:
    """`410103 二七区`: the code an analyst can search with and the name they read."""
    if not code:
        return None
    return f"{code} {names[code]}" if code in names else code


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Tables present: warehouses from older builds lack the newer ones."""
    return {name for (name,) in con.execute(query("warehouse_tables")).fetchall()}


def _entities(con: duckdb.DuckDBPyConnection, usccs: list[str]) -> dict[str, tuple[str, str | None]]:
    """USCC -> (name, city code) in one query, however many candidates a short text found."""
    rows = con.execute(query("dossier_entities"), {"usccs": usccs}).fetchall()
    return {uscc: (name, city) for uscc, name, city in rows}


def find_enterprise(con: duckdb.DuckDBPyConnection, text: str) -> Lookup:
    """Every enterprise `text` fits: an 18-character USCC, else a 22-character permit number, else a name or code.

    Codes are compared case-insensitively after NFKC (full-width digits typed in an IME). Names match when an
    alias (name, former name, site name, old organisation code) or the current name contains the text as typed or
    in its NFKC form; when some enterprise has the text as a whole name or code, only those count, so a full name
    is not drowned by longer names that contain it.
    """
    typed = text.strip()
    code = unicodedata.normalize("NFKC", typed).replace(" ", "").upper()
    cities = _region_names()
    if len(code) == 18:
        found = con.execute(query("dossier_find_uscc"), {"code": code}).fetchall()
        if found:
            return Lookup(typed, "uscc", _candidates(con, {u: code for (u,) in found}, cities))
    if len(code) == 22:
        found = con.execute(query("dossier_find_permit"), {"code": code}).fetchall()
        if found:
            return Lookup(typed, "permit_no", _candidates(con, {u: code for (u,) in found}, cities))
    terms = sorted({t.lower() for t in (typed, normalise_text(typed)) if t})
    if not terms:
        return Lookup(typed, "name", [])
    hits = con.execute(query("dossier_find_names"), {"terms": terms}).fetchall()
    if any(exact for _, _, exact in hits):
        hits = [hit for hit in hits if hit[2]]
    return Lookup(typed, "name", _candidates(con, {uscc: matched for uscc, matched, _ in hits}, cities))


def _candidates(con: duckdb.DuckDBPyConnection, matched: dict[str, str], cities: dict[str, str]) -> list[Candidate]:
    """Candidates sorted by name then USCC, with the city spelt out (what tells namesakes apart)."""
    known = _entities(con, sorted(matched))
    found = [Candidate(uscc, known[uscc][0], _coded(known[uscc][1], cities) or "", matched[uscc])
             for uscc in matched if uscc in known]
    return sorted(found, key=lambda c: (c.enterprise_name, c.uscc))


def _identity(con: duckdb.DuckDBPyConnection, uscc: str) -> tuple[str, Section]:
    """基本信息 as item/value rows: codes with their names, the sources in Chinese, the span of years."""
    cursor = con.execute(query("dossier_entity"), {"uscc": uscc})
    row = cursor.fetchone()
    if row is None:
        raise DossierError(f"core_enterprise__entity 中没有 / has no enterprise {uscc}")
    entity = dict(zip([d[0] for d in cursor.description or []], row, strict=True))
    regions_zh = _region_names()
    industry_zh = dict(industries().select("industry_code", "industry_name").iter_rows())
    systems = [s for s in (entity.get("source_systems") or "").split(";") if s]
    first, last = entity.get("first_year"), entity.get("last_year")
    items = [
        ("enterprise_name", entity.get("enterprise_name")),
        ("uscc", entity.get("uscc")),
        ("org_code", entity.get("org_code")),
        ("former_names", entity.get("former_names")),
        ("industry_code", _coded(entity.get("industry_code"), industry_zh)),
        ("region_code", _coded(entity.get("region_code"), regions_zh)),
        ("city_code", _coded(entity.get("city_code"), regions_zh)),
        ("registration_region_code", _coded(entity.get("registration_region_code"), regions_zh)),
        ("facility_count", entity.get("facility_count")),
        ("record_count", entity.get("record_count")),
        ("source_systems", f"{';'.join(systems)} ({'、'.join(SOURCE_SYSTEM_ZH.get(s, s) for s in systems)})" if systems
         else None),
        ("first_year", first),
        ("last_year", last),
    ]
    section = Section("identity", "基本信息", "identity", ["项目 item", "内容 value"],
                      [(header(column), value) for column, value in items])
    return entity.get("enterprise_name") or "", section


def _table_section(con: duckdb.DuckDBPyConnection, key: str, title_zh: str, title_en: str, name: str,
                   params: dict[str, Any], note: str | None = None, decimals: dict[str, int] | None = None,
                   details: tuple[str, ...] = (), label_columns: int = 1, keep: tuple[str, ...] = ()) -> Section:
    """A section straight from the query sql/<name>.sql, its columns named by `header` (labels from schemas.fields);
    with `keep`, only those of its columns the query returned, in that order."""
    cursor = con.execute(query(name), params)
    names = [d[0] for d in cursor.description or []]
    rows = cursor.fetchall()
    if keep:
        positions = [names.index(c) for c in keep if c in names]
        names, rows = [names[i] for i in positions], [tuple(row[i] for i in positions) for row in rows]
    return Section(key, title_zh, title_en, [header(c) for c in names], rows, note,
                   {header(c): d for c, d in (decimals or {}).items()},
                   details=tuple(header(c) for c in details if c in names), label_columns=label_columns)


def _aliases(con: duckdb.DuckDBPyConnection, uscc: str) -> Section:
    """名称与代码: current name first, then former names, old codes and site names (what other files may say)."""
    return _table_section(con, "aliases", "名称与代码", "names and codes", "dossier_aliases", {"uscc": uscc})


def _sites(con: duckdb.DuckDBPyConnection, uscc: str) -> Section:
    """设施 with the validity as one `from–to` span and the city spelt out."""
    cities = _region_names()
    rows = con.execute(query("dossier_sites"), {"uscc": uscc}).fetchall()
    columns = [header(c) for c in ("facility_id", "facility_name", "permit_no", "facility_kind", "management_category")]
    columns += ["许可证有效期 valid_from–valid_to", "所在地市 city", header("first_year"), header("last_year"),
                header("source_systems")]
    out = []
    for facility, name, permit, kind, category, valid_from, valid_to, city, first, last, systems in rows:
        span = f"{valid_from or ''}–{valid_to or ''}" if valid_from or valid_to else None
        out.append((facility, name, permit, kind, category, span, _coded(city, cities), first, last, systems))
    return Section("sites", "设施", "sites", columns, out)


def _sources(con: duckdb.DuckDBPyConnection, uscc: str) -> Section:
    """来源记录: how each system's records reached this enterprise, and how many are held out of sums."""
    section = _table_section(con, "sources", "来源记录", "matched source records", "dossier_sources", {"uscc": uscc},
                             note="不计入 = 匹配守卫触发, 暂不计入汇总 / not countable: a matching guard fired, kept out of sums")
    columns = [*section.columns[:-2], "不计入汇总 not_countable", "不计入占比(%) not_countable_pct"]
    return Section(section.key, section.title_zh, section.title_en, columns, section.rows, section.note)


def _review(con: duckdb.DuckDBPyConnection, uscc: str) -> Section:
    """Records that may belong to this enterprise but wait for an analyst (so its numbers may still grow)."""
    return _table_section(con, "review", "待复核匹配", "match review (candidate is this enterprise)", "dossier_review",
                          {"uscc": uscc},
                          note="在 curation/matches.csv 中确认或否决后重新构建 / confirm or reject in curation/matches.csv, "
                               "then rebuild", decimals={"match_score": 2}, details=("curation_line",), label_columns=2)


def _conflicts(con: duckdb.DuckDBPyConnection, uscc: str, facilities: list[str]) -> Section:
    """Conflicts naming the enterprise, one of its sites, or either among the candidates."""
    return _table_section(con, "conflicts", "匹配冲突", "match conflicts (held out of sums)", "dossier_conflicts",
                          {"uscc": uscc, "ids": [uscc, *facilities]})


# 各系统数据对照, a group per system: (title, English title, [(header, column of dossier_side_by_side.sql)])
_SIDE_BY_SIDE = (
    ("温室气体报告", "GHG report (core_ghg__reported_totals)",
     [("温室气体报告 燃烧CO2(t)", "ghg_reported_combustion_co2_t"), ("温室气体报告 过程CO2(t)", "ghg_reported_process_co2_t"),
      ("温室气体报告 外购电力CO2(t)", "ghg_reported_electricity_co2_t"),
      ("温室气体报告 外购热力CO2(t)", "ghg_reported_heat_co2_t"), ("温室气体报告 总排放CO2e(t)", "ghg_reported_total_co2e_t"),
      ("温室气体报告 综合能耗(tce)", "ghg_reported_energy_tce")]),
    ("排放源统计", "statistics (core_envstat__enterprise, matched records)",
     [("排放源统计 燃煤(t)", "stat_coal_consumed_t"), ("排放源统计 天然气(万Nm3)", "stat_natural_gas_10k_nm3"),
      ("排放源统计 SO2(t)", "stat_so2_mass_t"), ("排放源统计 NOx(t)", "stat_nox_mass_t"),
      ("排放源统计 颗粒物(t)", "stat_pm_mass_t")]),
    ("排污许可", "permit (site_total)",
     [("排污许可 实际SO2(t)", "permit_actual_so2_t"), ("排污许可 实际NOx(t)", "permit_actual_nox_t"),
      ("排污许可 实际颗粒物(t)", "permit_actual_pm_t"), ("排污许可 许可限值SO2(t)", "permit_limit_so2_t"),
      ("排污许可 许可限值NOx(t)", "permit_limit_nox_t"), ("排污许可 许可限值颗粒物(t)", "permit_limit_pm_t")]),
    ("融合清单", "fused inventory (out_inventory__yearly_enterprise)",
     [("融合清单 燃烧CO2(t)", "inv_co2_combustion_t"), ("融合清单 过程CO2(t)", "inv_co2_process_t"),
      ("融合清单 间接CO2(t)", "inv_co2_indirect_t"), ("融合清单 CO2e(t)", "inv_co2e_t"), ("融合清单 SO2(t)", "inv_so2_mass_t"),
      ("融合清单 NOx(t)", "inv_nox_mass_t"), ("融合清单 综合能耗(tce)", "inv_energy_tce")]),
    ("融合清单 方法与标记", "fused inventory: method, sources, flags",
     [("融合清单 CO2核算方法", "inv_co2_method"), ("融合清单 来源系统", "inv_source_systems"),
      ("融合清单 含补充数据", "inv_has_gap_filled"), ("融合清单 含待核实因子", "inv_has_recalled_factor")]),
)


def _side_by_side(con: duckdb.DuckDBPyConnection, uscc: str) -> Section:
    """各系统数据对照: per year, what each system says, so the differences show at a glance (columns picked by name,
    so the headers cannot slip against the query's columns)."""
    cursor = con.execute(query("dossier_side_by_side"), {"uscc": uscc})
    names = [d[0] for d in cursor.description or []]
    positions = [names.index(c) for c in ("year", *(c for _, _, pairs in _SIDE_BY_SIDE for _, c in pairs))]
    columns = ["年度 year", *(h for _, _, pairs in _SIDE_BY_SIDE for h, _ in pairs)]
    return Section("side_by_side", "各系统数据对照", "the systems side by side per year", columns,
                   [tuple(row[i] for i in positions) for row in cursor.fetchall()],
                   note="各系统按年汇总(企业全部设施); 排放源统计仅计可计入汇总的匹配记录; 许可限值只列出有其他数据的年度 / "
                        "yearly sums over the enterprise's sites; statistics: countable matched rows only; permit "
                        "limits shown for years with other data",
                   groups=tuple((f"{zh} {en}", len(pairs)) for zh, en, pairs in _SIDE_BY_SIDE))


def _register(con: duckdb.DuckDBPyConnection, uscc: str) -> Section:
    """重点排放单位名录 per year, with the evidence sentence the register export prints."""
    return _table_section(con, "register", "重点排放单位名录", "key-emitter register", "dossier_register", {"uscc": uscc},
                          details=("evidence_zh",))


FINDING_COLUMNS = ("finding_id", "rule_id", "rule_title_zh", "severity", "year", "facility_id", "subject", "value_unit",
                   "value_a", "source_a", "value_b", "source_b", "value_ratio", "message_zh", "finding_status")
FINDING_KEYS = {"uscc", "finding_id", "rule_id", "severity", "year"}  # dossier_findings.sql filters and sorts on them


def _findings(con: duckdb.DuckDBPyConnection, uscc: str) -> Section:
    """交叉校核问题 when the warehouse has them; a warehouse built before the cross-checks gets a one-line note. The
    query reads every column and the section keeps those of FINDING_COLUMNS the table has (older ones lack some)."""
    present = table_columns(con, FINDINGS)
    if not FINDING_KEYS <= present:
        return Section("findings", "交叉校核问题", "cross-check findings", [header(c) for c in FINDING_COLUMNS], [],
                       note=f"本数据仓库没有交叉校核结果 ({FINDINGS}), 重新运行 synergy build 后可见 / this warehouse has no "
                            f"cross-check findings table ({FINDINGS}); rerun synergy build to get it")
    return _table_section(con, "findings", "交叉校核问题", "cross-check findings", "dossier_findings", {"uscc": uscc},
                          decimals={"value_ratio": 3}, details=("message_zh",), keep=FINDING_COLUMNS)


REJECTED_HEADERS = {"column_name": "列(表头) column_name", "reason_en": "原因(英文) reason_en",
                    "tied_by": "关联依据 tied_by"}  # beside schemas.fields: which column, the English reason, the tie


def _rejected(con: duckdb.DuckDBPyConnection, uscc: str) -> Section:
    """拒收记录: rows of the inbox files that name this enterprise (by its USCC, the organisation code in it or an old
    one, a permit number of its sites, a data logger of those permits, or its name or a former name, in their raw
    cells: sql/dossier_rejected.sql) but could not enter a core table, so its numbers may lack them."""
    cursor = con.execute(query("dossier_rejected"), {"uscc": uscc, "ids": [uscc, org_code_from_uscc(uscc)]})
    names = [d[0] for d in cursor.description or []]
    return Section("rejected", "拒收记录", "rejected rows", [REJECTED_HEADERS.get(c) or header(c) for c in names],
                   cursor.fetchall(),
                   note="关联依据 = 原始行中指向本企业的单元格; 改正文件后放入 inbox 并重新构建 / tied by = the raw cells "
                        "naming this enterprise; correct the file, put it in the inbox and rebuild",
                   details=tuple(REJECTED_HEADERS.get(c) or header(c) for c in ("reason_zh", "reason_en")),
                   label_columns=3)


def build_dossier(con: duckdb.DuckDBPyConnection, lookup: Lookup, warehouse: Path | None = None) -> Dossier:
    """The dossier of the one enterprise `lookup` found (a lookup with 0 or several candidates is an error)."""
    if len(lookup.candidates) != 1:
        raise DossierError(f"「{lookup.text}」对应 {len(lookup.candidates)} 家企业 / matches {len(lookup.candidates)} "
                           "enterprises: 需唯一 / one is needed")
    missing = [t for t in REQUIRED if t not in _tables(con)]
    if missing:
        raise DossierError(f"数据仓库缺少表 / the warehouse lacks {', '.join(missing)}: 请重新运行 synergy build / "
                           "rerun synergy build")
    uscc = lookup.candidates[0].uscc
    name, identity = _identity(con, uscc)
    facilities = [f for (f,) in con.execute(query("dossier_facility_ids"), {"uscc": uscc}).fetchall()]
    sections = [identity, _aliases(con, uscc), _sites(con, uscc), _sources(con, uscc), _review(con, uscc),
                _conflicts(con, uscc, facilities), _side_by_side(con, uscc), _register(con, uscc), _findings(con, uscc),
                _rejected(con, uscc)]
    built = (dt.datetime.fromtimestamp(warehouse.stat().st_mtime).astimezone().isoformat(timespec="seconds")
             if warehouse and warehouse.exists() else None)
    return Dossier(uscc, name, lookup, warehouse, built, sections, data_stamp(con))


def dossier_for(warehouse: Path, text: str) -> tuple[Lookup, Dossier | None]:
    """Look `text` up on a published warehouse (read-only) and, when it names exactly one enterprise, its dossier."""
    if not warehouse.exists():
        raise DossierError(f"没有数据仓库 / no warehouse at {warehouse}: 请先运行 synergy build / run synergy build first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        missing = [t for t in ("core_enterprise__entity", "core_enterprise__aliases", "core_facility__entity")
                   if t not in _tables(con)]
        if missing:
            raise DossierError(f"数据仓库缺少表 / the warehouse lacks {', '.join(missing)}: 请重新运行 synergy build / "
                               "rerun synergy build")
        lookup = find_enterprise(con, text)
        if len(lookup.candidates) != 1:
            return lookup, None
        return lookup, build_dossier(con, lookup, warehouse.resolve())


def _line(console: Console, *parts: str | tuple[str, str], style: str = "") -> None:
    """One line a terminal may soft-wrap but rich never breaks: a copied file name or USCC stays whole."""
    console.print(Text.assemble(*parts, style=style), soft_wrap=True)


LAYOUTS = ((True, False), (False, False), (False, True))  # (English names under the Chinese, Chinese on two lines)
HEADER_WIDTH = 8  # an English column name longer than its column folds at this width at least (row_number: 2 lines)


def _laid_out(section: Section, positions: list[int], cells: list[list[str]], english: bool, fold: bool) -> list[Column]:
    """Each shown column as terminal.table_fits sees it: numbers and identifiers (terminal.is_identifier on the
    column's English name and values) are fixed at their widest value, text columns may wrap; either is as wide as
    its Chinese name (half of it with `fold`: two lines), an English name folding under it at HEADER_WIDTH or wider.
    In a system group the title names the system, so its columns show only the measure (燃烧CO2(t))."""
    laid = []
    for n, i in enumerate(positions):
        values = [row[i] for row in section.rows if row[i] is not None]
        numeric = bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        zh, _, en = section.columns[i].partition(" ")
        fixed = numeric or is_identifier(en or zh, values)
        if section.groups and i:
            zh, en = en, ""
        name = f"{zh}\n{en}" if english and en else zh
        named = max((cell_len(zh) + 1) // 2 if fold else cell_len(zh), min(cell_len(en), HEADER_WIDTH) if english else 0)
        laid.append(Column(name=section.columns[i], header=name, fixed=fixed, numeric=numeric,
                           width=max([cell_len(row[n]) for row in cells] + [named])))
    return laid


def _table(laid: list[Column], cells: list[list[str]]) -> Table:
    """The table in the CLI's style (terminal.table): fixed columns exactly their width, text columns folding."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    for column in laid:
        width = column.width if column.fixed else None
        table.add_column(Text(column.header, overflow="fold", no_wrap=False), justify="right" if column.numeric else "left",
                         no_wrap=column.fixed, overflow="fold", min_width=width, max_width=width)
    for row in cells:
        table.add_row(*(Text(cell) for cell in row))
    return table


def _show_part(console: Console, section: Section, title: str, positions: list[int], details: list[int]) -> None:
    """One table of a section (a system group of a wide one): its title on a line of its own, then the first of
    LAYOUTS that fits the console with every number and identifier whole, the long texts as lines under it; when
    none fits, one block per row (terminal.print_records) holding the long texts too."""
    if not any(row[i] is not None for row in section.rows for i in [*positions, *details] if i >= section.label_columns):
        _line(console, (title, "bold"), f": {NO_DATA}")
        return
    cells = _cells(section, positions)
    for english, fold in LAYOUTS:
        laid = _laid_out(section, positions, cells, english, fold)
        if table_fits(laid, console.width):
            _line(console, (title, "bold"))
            console.print(_table(laid, cells))
            for row in section.rows:
                label = " · ".join(display(row[i]) for i in range(section.label_columns) if row[i] not in (None, ""))
                for i in details:
                    if row[i] is not None:
                        _line(console, f"  {label} {section.columns[i]}: {display(row[i])}")
            return
    shown = [*positions, *details]
    print_records(console, [section.columns[i] for i in shown], _cells(section, shown), title)


def _cells(section: Section, positions: list[int]) -> list[list[str]]:
    """The columns at `positions` of every row as the terminal shows them (0.1 t unless the section says otherwise)."""
    return [[display(row[i], section.decimals.get(section.columns[i], DECIMALS)) for i in positions]
            for row in section.rows]


def show_section(console: Console, section: Section) -> None:
    """A section on the terminal, with the workbook's columns and values laid out for `console.width`: per system
    group when it has groups (the year repeated), columns empty in every row left out and named; one line
    "<title>: 无数据 / no data" for a section or group without a value; then its note."""
    if not section.has_data:
        _line(console, (section.no_data_line, "bold"))
    else:
        details = [section.columns.index(c) for c in section.details]
        empty = [i for i in range(1, len(section.columns)) if all(row[i] is None for row in section.rows)]
        parts = [(section.title, [i for i in range(len(section.columns)) if i not in details and i not in empty])]
        if section.groups:
            start, parts = 1, []
            for title, count in section.groups:
                parts.append((f"{section.title} · {title}", [0, *(i for i in range(start, start + count) if i not in empty)]))
                start += count
        for title, positions in parts:
            _show_part(console, section, title, positions, [i for i in details if i not in empty])
        if empty:
            _line(console, f"  空列未显示 / empty columns not shown: {', '.join(section.columns[i] for i in empty)}",
                  style="dim")
    if section.note:
        _line(console, f"  {section.note}", style="dim")


def _notes(dossier: Dossier) -> list[tuple[str, object]]:
    """The 说明 sheet: what was looked up and how, where the numbers come from, and the sections that follow."""
    lookup = dossier.lookup
    return [
        ("查询 lookup", lookup.text),
        ("查找方式 matched by", f"{MATCHED_BY_ZH[lookup.matched_by]}: {lookup.candidates[0].matched}"),
        ("企业 enterprise", f"{dossier.enterprise_name} ({dossier.uscc})"),
        ("数据仓库 warehouse", str(dossier.warehouse or "")),
        ("数据仓库生成时间 warehouse built", dossier.built_at or ""),
        *dossier.stamp.rows(),
        ("数值 numbers", "吨(t)、tCO2e、tce 显示到 0.1, 单元格保存原值 / shown to 0.1, cells keep the stored value"),
    ]


def write_xlsx(dossier: Dossier, path: Path) -> Path:
    """The dossier as a workbook, written under a temporary name and renamed in once complete (never half a file)."""
    with atomic_files(path.parent) as stage:
        book, bold = new_workbook(stage(path.name), created=dossier.stamp.as_of)
        _fill_workbook(book, bold, dossier)
        book.close()
    return path


def _fill_workbook(book: Workbook, bold: Format, dossier: Dossier) -> None:
    """说明 first, then one sheet per section (frozen header, autofilter, 0.1 display); a section without data is
    its one line (and note), as on the terminal, and counts 0 rows."""
    numbers = {d: book.add_format({"num_format": "#,##0." + "0" * d if d else "#,##0"}) for d in range(4)}
    readme = book.add_worksheet("说明")
    readme.write_row(0, 0, ["项目 item", "内容 content"], bold)
    notes = _notes(dossier)
    for row, pair in enumerate(notes, start=1):
        readme.write_row(row, 0, pair)
    start = len(notes) + 2
    readme.write_row(start, 0, ["工作表 sheet", "内容 content", "行数 rows", "说明 note"], bold)
    for row, section in enumerate(dossier.sections, start=start + 1):
        readme.write_row(row, 0, [section.sheet_name, section.title, len(section.rows) if section.has_data else 0,
                                  section.note or ""])
    readme.set_column(0, 0, 32)
    readme.set_column(1, 1, 70)
    readme.set_column(3, 3, 100)
    readme.freeze_panes(1, 0)
    for section in dossier.sections:
        sheet = book.add_worksheet(section.sheet_name)
        if not section.has_data:
            sheet.write(0, 0, section.no_data_line, bold)
            if section.note:
                sheet.write(1, 0, section.note)
            continue
        sheet.write_row(0, 0, section.columns, bold)
        for position, column in enumerate(section.columns):
            values = section.column(column)
            cell = numbers[section.decimals.get(column, DECIMALS)]
            for row, value in enumerate(values, start=1):
                if isinstance(value, float):
                    sheet.write_number(row, position, value, cell)
                elif value is not None:
                    sheet.write(row, position, value if isinstance(value, int | str | bool) else str(value))
            sheet.set_column(position, position, column_width(column, values, "#,##0.0"))
        sheet.freeze_panes(1, 0)
        if section.rows:
            sheet.autofilter(0, 0, len(section.rows), len(section.columns) - 1)
