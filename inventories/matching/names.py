"""Enterprise names reduced to a comparison key, for candidate matching only (the USCC stays the join key).

Real lists mix brackets (`玖龙纸业〈太仓）有限公司`), carry typos (`笫一电厂` for 第一), write the same
legal person as 有限公司 / 有限责任公司 / 股份有限公司 and sometimes put the province or city in front
(`河南省郑州…`). The key drops what does not identify the entity; `flags` says what was repaired, so a
dirty spelling is recorded as a variant, not a new enterprise. Keys are compared only within one region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from inventories.reference import regions
from schemas.headers import normalise_text

TYPOS = {"笫": "第"}  # seen in the MEE 2019-2020 list (source-formats.md §5)
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "股份公司", "公司")
BRANCH_SUFFIXES = ("分公司", "分厂", "热电厂", "发电厂", "电厂", "厂区")
PROVINCES = ("北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建",
             "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西",
             "甘肃", "青海", "宁夏", "新疆", "台湾", "香港", "澳门")
_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")
_BRACKETS_IN = "(〈〔【<《"
_BRACKETS_OUT = ")〉〕】>》"
_MIN_KEY = 2  # a prefix is only dropped if at least this many characters remain


@dataclass(frozen=True)
class NameKey:
    key: str  # comparison key: no brackets, legal form, province or city prefix; typos repaired
    is_branch: bool  # a site of a parent (分公司/分厂/电厂), matched as a site, not as the parent
    flags: tuple[str, ...]  # dirt that was repaired: mixed_brackets, typo


@cache
def _region_prefixes() -> tuple[str, ...]:
    """Province names (with and without 省/市/自治区) and the cities of the bundled region table, longest first."""
    names = {p + s for p in PROVINCES for s in ("", *_PROVINCE_SUFFIXES)}
    for row in regions().filter(regions()["level"] == "city").iter_rows(named=True):
        names |= {row["region_name"], row["region_name"].removesuffix("市")}
    return tuple(sorted(names, key=len, reverse=True))


def _drop_prefixes(text: str) -> str:
    """Strip a leading province, then a leading city (each at most once): naming style, not identity."""
    for _ in range(2):
        prefix = next((p for p in _region_prefixes() if text.startswith(p) and len(text) - len(p) >= _MIN_KEY), None)
        if prefix is None:
            break
        text = text[len(prefix):]
    return text


def name_key(name: str) -> NameKey:
    raw = name.replace("（", "(").replace("）", ")")
    flags = []
    opened = [c for c in raw if c in _BRACKETS_IN]
    closed = [c for c in raw if c in _BRACKETS_OUT]
    if any(c != "(" for c in opened) or any(c != ")" for c in closed):
        flags.append("mixed_brackets")
    if any(t in raw for t in TYPOS):
        flags.append("typo")
    text = normalise_text(raw).replace(" ", "")
    for wrong, right in TYPOS.items():
        text = text.replace(wrong, right)
    text = re.sub(f"[{re.escape(_BRACKETS_IN + _BRACKETS_OUT)}]", "", text)
    is_branch = text.endswith(BRANCH_SUFFIXES)
    for form in () if is_branch else LEGAL_FORMS:
        if text.endswith(form) and len(text) > len(form) + 1:
            text = text[: -len(form)]
            is_branch = text.endswith(BRANCH_SUFFIXES)  # 第二分厂有限公司: a site with its own legal form
            break
    return NameKey(_drop_prefixes(text), is_branch, tuple(flags))
