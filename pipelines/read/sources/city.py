"""City indicator files (城市指标, inbox/city/) -> core_city__indicators, one row per year, city and indicator.

The indicators a file may carry are those of the index tree (inventories/synergy_index/ and the city inputs of
inventories/rules/synergy_index.yaml, read through `city_file_indicators`), never a list kept here: a bureau that
adds an indicator to the tree can deliver it without a code change. Values are kept in the tree's unit and never
converted: a value in another unit (mg/m3 for PM2.5) is a rejected row naming the unit expected, because a silent
factor of 1000 would move a city's score without anyone seeing it. A city is a GB/T 2260 prefecture code of
Henan (济源 419001 counts as one) or a prefecture name that resolves to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import polars as pl

from inventories.reference import regions
from inventories.synergy_tree import city_file_indicators, load_settings
from pipelines.read import parsers
from pipelines.read.bounds import within
from pipelines.read.quarantine import rejected_frame
from pipelines.read.rows import PROVENANCE, Raw, Rule, TableTransform, _rejected_row, cell, with_context
from pipelines.read.values import CellError, is_missing, parse_number, parse_year
from schemas.headers import normalise_text

CORE_TABLE = "core_city__indicators"
# unit spellings -> the spelling the tree uses; compared after NFKC (µ -> μ, ³ -> 3, ％ -> %), without spaces, lower case
_UNIT_SPELLINGS = {
    "ug/m3": "ug/m3", "μg/m3": "ug/m3", "微克/立方米": "ug/m3", "微克每立方米": "ug/m3", "μg/立方米": "ug/m3",
    "ug/立方米": "ug/m3",
    "%": "%", "百分比": "%", "百分数": "%",
    "亿元": "亿元",
}


@cache
def _city_codes() -> dict[str, str]:
    """Prefecture code -> name of every city-level row of regions()."""
    return {r["region_code"]: r["region_name"] for r in regions().filter(pl.col("level") == "city").iter_rows(named=True)}


def _city_by_name(name: str) -> str | None:
    """The prefecture a name means (the shared parser: 郑州市, 郑州, 济源); None for a county or an unknown name."""
    try:
        code = parsers.city_name(name)
    except CellError:
        return None
    return code if code in _city_codes() else None


def _accepted_indicators() -> str:
    return "、".join(city_file_indicators())


@cache
def _tree_file() -> str:
    """The tree file as a user finds it in the repository (named in the reason of an unknown indicator)."""
    path = load_settings().tree_path
    return f"inventories/{path.parent.name}/{path.name}"


def normalise_unit(text: str) -> str:
    """A unit as the tree spells it (`μg/m³` -> `ug/m3`, `百分比` -> `%`); an unknown spelling comes back as written."""
    key = normalise_text(text).replace(" ", "").lower().replace("µ", "μ")
    return _UNIT_SPELLINGS.get(key, normalise_text(text).replace(" ", ""))


def city(raw: Raw) -> dict[str, str | None]:
    """city_code from the code cell (6 digits, a prefecture), else from the name; a name that disagrees is an error."""
    code_text, name_text = raw.get("city_code"), raw.get("city_name")
    name = None if is_missing(name_text) else normalise_text(name_text or "").replace(" ", "")  # type: ignore[arg-type]
    by_name = _city_by_name(name) if name else None
    if is_missing(code_text):  # type: ignore[arg-type]
        if name is None:
            raise CellError("城市代码和城市名称均为空", "city code and city name are both missing", column="city_code")
        if by_name is None:
            raise CellError(f"无法识别的城市名称“{name_text}”(应为河南省地级市名称，如“郑州市”或“郑州”，或填写6位城市代码)",
                            f"unknown city name {name_text!r} (expected a Henan prefecture name such as 郑州市 or 郑州, "
                            "or a 6-digit city code)", column="city_name")
        return {"city_code": by_name, "city_name": name}
    code = normalise_text(code_text or "").replace(" ", "").removesuffix(".0")  # type: ignore[arg-type]
    if len(code) != 6 or not code.isdigit():
        raise CellError(f"城市代码应为6位数字的GB/T 2260地市级代码(如410100)“{code_text}”",
                        f"city code must be a 6-digit GB/T 2260 prefecture code (e.g. 410100): {code_text!r}")
    code = parsers.region_code(code) or code  # 济源: some exports write the county-level-city block code 419000
    if code not in _city_codes():
        raise CellError(f"城市代码“{code_text}”不是河南省地市级代码(应为6位地级市代码，如郑州市410100、济源市419001)",
                        f"city code {code_text!r} is not a Henan prefecture-level code (expected a 6-digit city code such as "
                        "410100 for 郑州市 or 419001 for 济源市)")
    if by_name is not None and by_name != code:
        raise CellError(f"城市代码“{code_text}”({_city_codes()[code]})与城市名称“{name_text}”不一致",
                        f"city code {code_text!r} ({_city_codes()[code]}) and city name {name_text!r} disagree")
    return {"city_code": code, "city_name": name}


def _indicator_of(raw: Raw) -> str:
    """The indicator_id a row means: the code cell, else the exact Chinese name of a tree indicator."""
    known = city_file_indicators()
    id_text, name_text = raw.get("indicator_id"), raw.get("indicator_name")
    name = None if is_missing(name_text) else normalise_text(name_text or "").replace(" ", "")  # type: ignore[arg-type]
    by_name = {normalise_text(n).replace(" ", ""): k for k, (n, _) in known.items()}
    if is_missing(id_text):  # type: ignore[arg-type]
        if name is None:
            raise CellError("指标代码和指标名称均为空", "indicator code and indicator name are both missing",
                            column="indicator_id")
        if name not in by_name:
            raise CellError(f"无法识别的指标名称“{name_text}”(城市指标由指标体系文件{_tree_file()}定义：填写其指标名称或"
                            f"指标代码 {_accepted_indicators()})",
                            f"unknown indicator name {name_text!r} (the index tree file {_tree_file()} defines the "
                            f"indicators: write its exact name or one of the codes {', '.join(known)})",
                            column="indicator_name")
        return by_name[name]
    key = normalise_text(id_text or "").replace(" ", "").lower()  # type: ignore[arg-type]
    if key not in known:
        raise CellError(f"未知的指标代码“{id_text}”(城市指标由指标体系文件{_tree_file()}定义，可填：{_accepted_indicators()})",
                        f"unknown indicator code {id_text!r} (the index tree file {_tree_file()} defines the "
                        f"indicators: {', '.join(known)})", column="indicator_id")
    if name in by_name and by_name[name] != key:
        raise CellError(f"指标代码“{id_text}”与指标名称“{name_text}”不一致(该名称为{by_name[name]})",
                        f"indicator code {id_text!r} and indicator name {name_text!r} disagree (that name is "
                        f"{by_name[name]})", column="indicator_id")
    return key


def indicator(raw: Raw) -> dict[str, str]:
    """indicator_id checked against the tree; indicator_name as written, or the tree's name when left empty."""
    key = _indicator_of(raw)
    name_text = raw.get("indicator_name")
    written = None if is_missing(name_text) else normalise_text(name_text or "")  # type: ignore[arg-type]
    return {"indicator_id": key, "indicator_name": written or city_file_indicators()[key][0]}


def value_and_unit(raw: Raw) -> dict[str, object]:
    """The value in the tree's unit (checked, never converted) within its plausibility bound: `percent` for %, else
    `city_indicator_value`."""
    try:
        value, cell_unit = parse_number(raw.get("value"))  # type: ignore[arg-type]
    except CellError as err:
        raise CellError(f"数值：{err.zh}", f"value: {err.en}") from None
    if value is None:
        raise CellError("数值为空", "value is missing")
    unit_text = raw.get("unit")
    written = None if is_missing(unit_text) else unit_text  # type: ignore[arg-type]
    if written and cell_unit and normalise_unit(cell_unit) != normalise_unit(written):  # type: ignore[arg-type]
        raise CellError(f"数值中的单位“{cell_unit}”与单位列“{written}”不一致",
                        f"the unit in the value cell {cell_unit!r} and the unit column {written!r} disagree", column="unit")
    written = written or cell_unit or raw.get("value_header_unit")  # type: ignore[assignment]
    try:
        key = _indicator_of(raw)
    except CellError:  # the indicator rule rejects the row; nothing to check the unit against
        return {"indicator_value": value, "indicator_unit": normalise_unit(written) if written else None}  # type: ignore[arg-type]
    name, expected = city_file_indicators()[key]
    expected = normalise_unit(expected) if expected else None
    unit = normalise_unit(written) if written else expected  # type: ignore[arg-type]
    if unit != expected:
        raise CellError(f"单位不符：指标“{name}”({key})的单位应为{expected or '无单位'}，实为“{written}”(不作换算)",
                        f"unit mismatch: the unit of {key} must be {expected or 'none'}, not {written!r} (values are not "
                        "converted)",
                        column="unit")
    within(value, "percent" if unit == "%" else "city_indicator_value", f"指标“{name}”的数值", f"value of {key}",
           raw.get("value"), column="value")
    return {"indicator_value": value, "indicator_unit": unit}


RULES = [
    with_context("year", parse_year),
    Rule("city_code", city, ("city_code", "city_name"), reads=("city_name",)),
    Rule("indicator_id", indicator, ("indicator_id", "indicator_name"), reads=("indicator_name",)),
    Rule("value", value_and_unit, ("indicator_value", "indicator_unit"),
         reads=("unit", "value_header_unit", "indicator_id", "indicator_name")),
    cell("data_source_note", parsers.optional_text),
]

_KEY = ["year", "city_code", "indicator_id"]


@dataclass(frozen=True)
class CityIndicatorTransform(TableTransform):
    """The row rules, then one post-step: a second row of the same file for the same year, city and indicator is a
    duplicate and rejected (the first is kept). Re-submissions across files are supersede's (SUBMISSION_KEYS)."""

    def run(self, raw: pl.DataFrame, source_system: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        good, bad = super().run(raw, source_system)
        if good.is_empty():
            return good, bad
        order = raw.with_row_index("_pos").select(*PROVENANCE, pl.col("_pos").cast(pl.Int64))
        ranked = (good.join(order, on=PROVENANCE, how="left", nulls_equal=True).sort("_pos")
                  .with_columns(pl.col("row_number").first().over("file_sha256", *_KEY).alias("_first_row"),
                                pl.col("sheet_name").first().over("file_sha256", *_KEY).alias("_first_sheet"),
                                (pl.int_range(pl.len()).over("file_sha256", *_KEY) > 0).alias("_dup")))
        duplicates = ranked.filter("_dup")
        if duplicates.is_empty():
            return good, bad
        raws = {tuple(r[k] for k in PROVENANCE): r for r in raw.iter_rows(named=True)}
        rows = []
        for d in duplicates.iter_rows(named=True):
            where = f"第{d['_first_row']}行" + (f"(工作表“{d['_first_sheet']}”)" if d["_first_sheet"] else "")
            where_en = f"row {d['_first_row']}" + (f" of sheet {d['_first_sheet']!r}" if d["_first_sheet"] else "")
            problem = CellError(
                f"重复行：同一文件{where}已有{d['year']}年{_city_codes()[d['city_code']]}({d['city_code']})的指标代码"
                f"{d['indicator_id']}，本行不计入",
                f"duplicate row: {where_en} of the same file already gives indicator code {d['indicator_id']} for city "
                f"{d['city_code']} in {d['year']}; this row is not counted")
            rows.append(_rejected_row(raws[tuple(d[k] for k in PROVENANCE)], [("indicator_id", problem)]))
        kept = ranked.filter(~pl.col("_dup")).drop("_pos", "_first_row", "_first_sheet", "_dup")
        return kept.select(good.columns), pl.concat([bad, rejected_frame(rows, source_system, self.core_table)],
                                                    how="vertical")


CITY_TRANSFORMS = {"raw_city__indicators": CityIndicatorTransform(CORE_TABLE, RULES)}
