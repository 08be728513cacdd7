"""Cell values as the real exports write them: missing markers, thousands separators, units in cells.

Every parser returns a value or raises `CellError` with a bilingual reason, so the caller can put the
row in quarantine with the exact problem instead of guessing.
"""

from __future__ import annotations

import math
import re

# tri-state missing (source-formats.md §5): a value (incl. a reported zero), not reported, or not applicable
NOT_REPORTED = {"", "null", "NULL", "未填", "未填报", "未测", "不明", "空"}
NOT_APPLICABLE = {"/", "-", "--", "—", "——", "n/a", "N/A", "无", "不适用", "无此项"}
MISSING_MARKERS = NOT_REPORTED | NOT_APPLICABLE
ZERO_WORDS = {"零", "未检出"}
_NUMBER_WITH_UNIT = re.compile(r"^(?P<number>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*"
                               r"(?P<unit>[^\d\s].*)?$")
_DIGIT_LOOKALIKE = re.compile(r"[OoIl][\d.]")  # `1O.5`: a letter O or l typed for a digit, not a unit
_DECIMAL = re.compile(r"\d\.\d")
_YEAR = re.compile(r"^(?P<year>(?:19|20)\d{2})(?:\.0)?\s*(?:年度|年)?$")


class CellError(ValueError):
    """A cell that cannot be read; carries the reason in Chinese and English."""

    def __init__(self, zh: str, en: str, column: str | None = None) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en
        self.column = column  # raw column to blame when a rule reads several


def is_missing(text: str | None) -> bool:
    return text is None or text.strip() in MISSING_MARKERS


def is_not_applicable(text: str | None) -> bool:
    return text is not None and text.strip() in NOT_APPLICABLE


def parse_number(text: str | None) -> tuple[float | None, str | None]:
    """(value, unit written in the cell) or (None, None) for a missing marker; 零/未检出 are a reported zero.

    Only finite numbers: `inf`, `nan` and `Infinity` are not numbers, and one beyond float range (1E+400) is refused.
    """
    if text is None:
        return None, None
    stripped = text.strip()
    if stripped in MISSING_MARKERS:
        return None, None
    if stripped in ZERO_WORDS:
        return 0.0, None
    match = _NUMBER_WITH_UNIT.match(stripped.replace(" ", ""))
    if not match:
        raise CellError(f"无法识别的数值“{text}”", f"not a number: {text!r}")
    unit = match.group("unit")
    if unit and (unit[0] in ",.，。0123456789" or _DIGIT_LOOKALIKE.match(unit) or _DECIMAL.search(unit)):
        raise CellError(f"无法识别的数值“{text}”", f"not a number: {text!r}")
    value = float(match.group("number").replace(",", ""))
    if not math.isfinite(value):  # 1E+400 parses as inf: never a quantity, and it breaks every sum downstream
        raise CellError(f"数值“{text}”超出可表示范围(溢出为无穷大)", f"number {text!r} is too large to represent "
                        "(overflows to infinity)")
    return value, (unit.strip() if unit else None)


def parse_year(text: str | None) -> int:
    """`2021`, `2021年`, `2021年度`, `2021.0` -> 2021."""
    if is_missing(text):
        raise CellError("年度为空", "year is missing")
    assert text is not None
    match = _YEAR.match(text.strip())
    if not match:
        raise CellError(f"无法识别的年度“{text}”", f"not a year: {text!r}")
    return int(match.group("year"))
