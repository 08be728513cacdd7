"""Published key-emitter lists (重点排放单位名录) -> typed rows, one per listed enterprise and list.

The lists are what the ministry or a province published, kept as published: the name as written (normalised
like every source: NFKC, brackets; OCR quirks such as 笫 for 第 stay, so a dirty name is visible as a variant
of the enterprise, never a new one), the industry and its code at whatever level the list gives (44 for the
power division, 3011 for cement clinker), and the list period as a string ("2019-2020", "2025"). A code
with a wrong check character is a rejected row, as in every other source.
"""

from __future__ import annotations

import re
from functools import partial

from pipelines.read import parsers
from pipelines.read.bounds import within
from pipelines.read.rows import Raw, Rule, TableTransform, cell, from_column_or_context
from pipelines.read.values import CellError, is_missing, parse_number
from schemas.headers import YEAR_SPAN, normalise_text

_PERIOD = re.compile(rf"^{YEAR_SPAN}\s*(?:年度|年)?$")
_LISTED_INDUSTRY = re.compile(r"^[A-T]?(\d{2,4})$")


def list_period(raw: Raw) -> str:
    """`2019-2020`, `2019—2020年度`, `2019年-2020年`, `2025年`, `2025.0` -> `2019-2020` / `2025` (kept a string)."""
    text = from_column_or_context(raw, "list_period")
    if is_missing(text):
        raise CellError("名录年度为空(列、标题行和文件名中均未找到，如“2019-2020”或“2025”)",
                        "list period is missing (no column, title row or file name gives one, e.g. 2019-2020 or 2025)")
    written = normalise_text(text or "").replace(" ", "").removesuffix(".0")
    match = _PERIOD.match(written)
    if not match:
        raise CellError(f"无法识别的名录年度“{text}”(应为年份或年份区间，如“2019-2020”或“2025”)",
                        f"not a list period (a year or a span of years, e.g. 2019-2020 or 2025): {text!r}")
    start, end = match.group(1), match.group(2)
    if end is None or end == start:
        return start
    if end < start:
        raise CellError(f"名录年度起止颠倒“{text}”", f"list period ends before it starts: {text!r}")
    return f"{start}-{end}"


def sequence_no(text: str | None) -> int | None:
    value, unit = parse_number(text)
    if value is None:
        return None
    if unit or value < 1 or value != int(value):
        raise CellError(f"序号应为正整数“{text}”", f"sequence number must be a positive whole number: {text!r}")
    return int(within(value, "list_sequence_no", "序号", "sequence number", text))


def listed_industry_code(text: str | None) -> str | None:
    """The GB/T 4754 code as the list gives it: a 2-digit division (44) up to a 4-digit class (3011)."""
    if is_missing(text):
        return None
    written = normalise_text(text or "").replace(" ", "").removesuffix(".0").upper()
    match = _LISTED_INDUSTRY.match(written.removesuffix(".0"))
    if not match:
        raise CellError(f"行业代码应为GB/T 4754的2至4位数字代码“{text}”",
                        f"industry code must be a 2- to 4-digit GB/T 4754 code: {text!r}")
    return match.group(1)


PUBLISHED_LIST_RULES = [
    Rule("list_period", list_period, reads=("list_period_from_context",)),
    cell("sequence_no", sequence_no),
    cell("province", parsers.optional_text, "province_name"),
    cell("city", parsers.optional_text, "city_name"),
    cell("enterprise_name", partial(parsers.required, zh="企业名称", en="enterprise name")),
    cell("uscc", parsers.uscc),
    cell("industry", parsers.optional_text, "industry_name"),
    cell("industry_code", listed_industry_code, "listed_industry_code"),
]

REGISTER_TRANSFORMS = {
    "raw_register__published_list": TableTransform("core_register__published_list", PUBLISHED_LIST_RULES),
}
