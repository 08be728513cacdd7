"""Header text normalisation shared by every layout (schemas.layouts holds the header maps).

A header may carry its unit in brackets (`消耗量(万吨)`): the unit is split off and kept as the column's
header unit, used when a cell has no unit of its own.
"""

from __future__ import annotations

import re
import unicodedata

_BRACKETS = str.maketrans({"〈": "(", "〔": "(", "【": "(", "〉": ")", "〕": ")", "】": ")"})
_UNIT_IN_HEADER = re.compile(r"^(?P<name>.*?)\s*\((?P<unit>[^()]*)\)\s*$")


# a year or a span of years as lists and titles write them: `2019-2020`, `2019—2020`, `2019年-2020` (groups: start, end)
YEAR_SPAN = r"((?:19|20)\d{2})(?:\s*(?:[-—–~～至到_]|年\s*[-—–~～至到])\s*((?:19|20)\d{2}))?"


def normalise_text(value: str) -> str:
    """NFKC plus the bracket map NFKC misses; collapses whitespace. Used on every header and cell.

    ASCII text is its own NFKC form and holds none of the mapped brackets, so it skips both; str.split() splits on
    exactly the characters `\\s` matches (str.isspace), so the join is the regex collapse-and-strip for a fraction of its
    cost (the reader calls this on every cell)."""
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value).translate(_BRACKETS)
    return " ".join(value.split())


def split_header(header: str) -> tuple[str, str | None]:
    """`消耗量(万吨)` -> (`消耗量`, `万吨`); a header without brackets has no unit."""
    text = normalise_text(header).replace(" ", "").lstrip("\ufeff")
    match = _UNIT_IN_HEADER.match(text)
    if match and match.group("name"):
        return match.group("name"), match.group("unit") or None
    return text, None
