"""Cell values as the real exports write them: missing markers, thousands separators, units in cells.

Every parser returns a value or raises `CellError` with a bilingual reason, so the caller can put the
row in quarantine with the exact problem instead of guessing.
"""

from __future__ import annotations

import re

# tri-state missing: these mean "not reported" (source-formats.md §5)
MISSING_MARKERS = {"", "/", "-", "--", "—", "——", "n/a", "N/A", "null", "NULL", "无", "未填", "未填报", "不适用",
                   "无此项", "未测", "不明"}
_NUMBER_WITH_UNIT = re.compile(r"^(?P<number>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*"
                               r"(?P<unit>[^\d\s].*)?$")
_YEAR = re.compile(r"^(?P<year>(?:19|20)\d{2})(?:\.0)?\s*(?:年度|年)?$")


class CellError(ValueError):
    """A cell that cannot be read; carries the reason in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


def is_missing(text: str | None) -> bool:
    return text is None or text.strip() in MISSING_MARKERS


def parse_number(text: str | None) -> tuple[float | None, str | None]:
    """(value, unit written in the cell) or (None, None) for a missing marker."""
    if is_missing(text):
        return None, None
    assert text is not None
    cleaned = text.strip().replace(" ", "")
    match = _NUMBER_WITH_UNIT.match(cleaned)
    if not match:
        raise CellError(f"无法识别的数值“{text}”", f"not a number: {text!r}")
    unit = match.group("unit")
    if unit and unit[0] in ",.，。0123456789":
        raise CellError(f"无法识别的数值“{text}”", f"not a number: {text!r}")
    return float(match.group("number").replace(",", "")), (unit.strip() if unit else None)


def parse_year(text: str | None) -> int:
    """`2021`, `2021年`, `2021年度`, `2021.0` -> 2021."""
    if is_missing(text):
        raise CellError("年度为空", "year is missing")
    assert text is not None
    match = _YEAR.match(text.strip())
    if not match:
        raise CellError(f"无法识别的年度“{text}”", f"not a year: {text!r}")
    return int(match.group("year"))
