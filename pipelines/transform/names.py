"""Enterprise names reduced to a comparison key, for candidate matching only (the USCC stays the join key).

Real lists mix brackets (`玖龙纸业〈太仓）有限公司`), carry typos (`笫一电厂` for 第一), and write the same
legal person as 有限公司 / 有限责任公司 / 股份有限公司. The key drops what does not identify the entity;
`name_flags` says what was repaired, so a dirty spelling is recorded as a variant, not a new enterprise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.headers import normalise_text

TYPOS = {"笫": "第"}  # seen in the MEE 2019-2020 list (source-formats.md §5)
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "股份公司", "公司")
BRANCH_SUFFIXES = ("分公司", "分厂", "热电厂", "发电厂", "电厂", "厂区")
_BRACKETS_IN = "(〈〔【<《"
_BRACKETS_OUT = ")〉〕】>》"


@dataclass(frozen=True)
class NameKey:
    key: str  # comparison key: no brackets, no legal form, typos repaired
    is_branch: bool  # a site of a parent (分公司/分厂/电厂), matched as a site, not as the parent
    flags: tuple[str, ...]  # what was repaired: mixed_brackets, typo


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
    for form in LEGAL_FORMS:
        if text.endswith(form) and len(text) > len(form) + 1:
            text = text[: -len(form)]
            break
    return NameKey(text, is_branch, tuple(flags))
