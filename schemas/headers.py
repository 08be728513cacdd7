"""Header maps: Chinese export headers (and their variants) -> raw column names, per raw table.

Raw columns hold text exactly as read. A header may carry its unit in brackets (`消耗量(万吨)`):
the unit is split off and kept as the column's header unit, used when a cell has no unit of its own.
"""

from __future__ import annotations

import re
import unicodedata

# raw_ghg__fuel_lines: one row per fuel line of an enterprise GHG report
GHG_FUEL_LINES: dict[str, tuple[str, ...]] = {
    "year": ("报告年度", "年度", "报告年份", "核算年度"),
    "uscc": ("统一社会信用代码", "社会信用代码", "统一社会信用代码/组织机构代码"),
    "enterprise_name": ("单位名称", "企业名称", "重点排放单位名称", "企业(单位)名称"),
    "industry_code": ("行业代码", "国民经济行业代码", "行业类别代码"),
    "region_code": ("行政区划代码", "所在地区代码"),
    "emission_source_name": ("排放设施", "机组编号", "设施名称", "生产线", "排放设施/机组"),
    "fuel_name": ("燃料品种", "燃料种类", "燃料名称", "能源品种"),
    "fuel_quantity": ("消耗量", "燃料消耗量", "净消耗量", "消费量"),
    "fuel_unit": ("计量单位", "消耗量单位"),
    "ncv": ("低位发热量", "低位发热值", "平均低位发热量"),
    "ncv_unit": ("低位发热量单位", "热值单位"),
    "carbon_content": ("单位热值含碳量",),
    "carbon_fraction": ("元素碳含量", "收到基元素碳含量"),
    "oxidation": ("碳氧化率",),
    "remark": ("备注", "说明"),
}

# columns a file must have for its rows to be read as fuel lines at all
GHG_FUEL_LINES_REQUIRED = ("year", "uscc", "fuel_name", "fuel_quantity")

_BRACKETS = str.maketrans({"〈": "(", "〔": "(", "【": "(", "〉": ")", "〕": ")", "】": ")"})
_UNIT_IN_HEADER = re.compile(r"^(?P<name>.*?)\s*\((?P<unit>[^()]*)\)\s*$")


def normalise_text(value: str) -> str:
    """NFKC plus the bracket map NFKC misses; collapses whitespace. Used on every header and cell."""
    text = unicodedata.normalize("NFKC", value).translate(_BRACKETS)
    return re.sub(r"\s+", " ", text).strip()


def split_header(header: str) -> tuple[str, str | None]:
    """`消耗量(万吨)` -> (`消耗量`, `万吨`); a header without brackets has no unit."""
    text = normalise_text(header).replace(" ", "").lstrip("\ufeff")
    match = _UNIT_IN_HEADER.match(text)
    if match and match.group("name"):
        return match.group("name"), match.group("unit") or None
    return text, None


def build_lookup(header_map: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Variant header name -> raw column name."""
    return {variant: column for column, variants in header_map.items() for variant in variants}
