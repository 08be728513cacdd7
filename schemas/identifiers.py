"""Identifier rules: USCC (GB 32100-2015) and organisation code (GB 11714-1997) check characters.

The USCC check is a hard rule; the embedded organisation-code check is a soft one
(source-formats.md §4.1, §4.2). Pure functions, no project imports.
"""

from __future__ import annotations

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, ...
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(body17: str) -> str:
    """Check character for the first 17 characters of a USCC."""
    if len(body17) != 17 or any(c not in USCC_ALPHABET for c in body17):
        raise ValueError(f"not a USCC body: {body17!r}")
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """True for an 18-character USCC whose check character is right."""
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation-code body (A=10 ... Z=35)."""
    if len(body8) != 8 or not body8.isalnum() or not body8.isascii():
        raise ValueError(f"not an organisation-code body: {body8!r}")
    total = sum(int(c, 36) * w for c, w in zip(body8.upper(), ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def org_code_from_uscc(uscc: str) -> str:
    """The old 9-character organisation code embedded in a USCC (characters 9 to 17)."""
    return uscc[8:17]


def is_valid_org_code(code: str) -> bool:
    """True for a 9-character organisation code (dash removed) with a correct check character."""
    code = code.replace("-", "")
    try:
        return len(code) == 9 and org_code_check_char(code[:8]) == code[8]
    except ValueError:
        return False

# facility_id of the enterprise-level site of an enterprise with no permitted site, or of records that name only
# the enterprise of a multi-site one: `<USCC>-E`
ENTERPRISE_SITE_SUFFIX = "-E"
