"""Identifier rules: the USCC (GB 32100-2015), the old organisation code (GB 11714-1997) it embeds, and site ids.

The one module every reader, resolver and the demo ask (schemas is the layer both inventories and pipelines import).
The USCC check is a hard rule; the embedded organisation-code check is a soft one (source-formats.md §4.1, §4.2).
The USCC check character is python-stdnum's (`stdnum.cn.uscc`); stdnum has no GB 11714 module, so the
organisation-code check character is computed here.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl
from stdnum.cn import uscc as stdnum_uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 §4: digits and capitals except I, O, S, V, Z
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997: weights of the eight body characters
# GB 32100 §4: characters 9-17 of a USCC are the body's organisation code (主体标识码), check character included
ORG_CODE_START, ORG_CODE_LENGTH = 8, 9


def uscc_check_char(body17: str) -> str:
    """Check character for the first 17 characters of a USCC."""
    if len(body17) != 17 or any(c not in USCC_ALPHABET for c in body17):
        raise ValueError(f"not a USCC body: {body17!r}")
    return stdnum_uscc.calc_check_digit(body17)


def is_valid_uscc(code: str) -> bool:
    """True for 18 characters of the USCC alphabet whose check character is right.

    Not `stdnum.cn.uscc.is_valid`: it wants the first eight characters to be digits, which refuses the letter
    registration-authority codes GB 32100 assigns (N 农业, Y 其他 …), and it accepts spaces, dashes and lower case,
    which the readers normalise themselves before asking.
    """
    return len(code) == 18 and _valid_uscc18(code)


@lru_cache(maxsize=1 << 16)  # 18-character keys: a few MB at most
def _valid_uscc18(code: str) -> bool:
    """The USCC check of an 18-character code, remembered: a reader asks it again for every outlet and pollutant row
    of the same permit, and stdnum's check costs tens of microseconds."""
    return all(c in USCC_ALPHABET for c in code) and uscc_check_char(code[:17]) == code[17]


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation-code body (A=10 ... Z=35)."""
    if len(body8) != 8 or not body8.isalnum() or not body8.isascii():
        raise ValueError(f"not an organisation-code body: {body8!r}")
    total = sum(int(c, 36) * w for c, w in zip(body8.upper(), ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def is_valid_org_code(code: str) -> bool:
    """True for a 9-character organisation code (dash removed) with a correct check character."""
    code = code.replace("-", "")
    try:
        return len(code) == 9 and org_code_check_char(code[:8]) == code[8]
    except ValueError:
        return False


def org_code_from_uscc(uscc: str) -> str:
    """The old 9-character organisation code embedded in a USCC."""
    return uscc[ORG_CODE_START:ORG_CODE_START + ORG_CODE_LENGTH]


def org_code_expr(uscc: pl.Expr) -> pl.Expr:
    """`org_code_from_uscc` of a column."""
    return uscc.str.slice(ORG_CODE_START, ORG_CODE_LENGTH)


# facility_id of the enterprise-level site of an enterprise with no permitted site, or of records that name only
# the enterprise of a multi-site one: `<USCC>-E`
ENTERPRISE_SITE_SUFFIX = "-E"
