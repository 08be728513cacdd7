"""Cell parsers shared by every source: identifiers, codes, names, dates, periods, coordinates, pollutants.

Each takes the raw text of one cell and returns a typed value (None for a missing marker where the
field is optional) or raises `CellError` with the reason in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from inventories.reference import fuel_name_lookup, fuels, pollutant_lookup, region_name_lookup, regions
from pipelines.read.values import CellError, is_missing
from schemas.headers import normalise_text
from schemas.identifiers import is_valid_org_code, is_valid_uscc, org_code_from_uscc

SUBTOTAL_LABELS = {"合计", "小计", "总计", "全厂合计", "企业合计", "总合计"}
_INDUSTRY = re.compile(r"^[A-T]?(\d{4})$")
_PERMIT = re.compile(r"^([0-9A-HJ-NPQRTUWXY]{18}|H9\d{6}[0-9A-Z]{9}[a-hj-np-z])\d{3}[A-Z]$")
_ORG = re.compile(r"^([0-9A-Z]{8})-?([0-9X])(?:\((\d{2})\))?$")
_DATE_PARTS = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))$")
_QUARTER = re.compile(r"^(?:(\d{4})\s*年?\s*)?第?\s*([1-4一二三四])\s*季度?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


def required(text: str | None, zh: str, en: str) -> str:
    if is_missing(text):
        raise CellError(f"{zh}为空", f"{en} is missing")
    return normalise_text(text or "")


def optional_text(text: str | None) -> str | None:
    return None if is_missing(text) else normalise_text(text or "")


def uscc(text: str | None) -> str:
    code = required(text, "统一社会信用代码", "USCC").replace(" ", "").upper()
    if len(code) != 18:
        raise CellError(f"统一社会信用代码应为18位，实为{len(code)}位“{text}”", f"USCC must have 18 characters: {text!r}")
    if not is_valid_uscc(code):
        raise CellError(f"统一社会信用代码校验位错误“{text}”", f"USCC check character is wrong: {text!r}")
    return code


def permit_no(text: str | None) -> str:
    """22-character permit number (许可证编号); its first 18 characters are the USCC or an H9 code."""
    code = required(text, "许可证编号", "permit number").replace(" ", "")
    code = code[:17].upper() + code[17:18] + code[18:].upper() if code.upper().startswith("H9") else code.upper()
    if not _PERMIT.match(code):
        raise CellError(f"许可证编号格式错误(应为22位)“{text}”", f"not a 22-character permit number: {text!r}")
    if not code.startswith("H9") and not is_valid_uscc(code[:18]):
        raise CellError(f"许可证编号前18位的统一社会信用代码校验位错误“{text}”",
                        f"the USCC in the permit number has a wrong check character: {text!r}")
    return code


def uscc_of_permit(code: str) -> str | None:
    return None if code.startswith("H9") else code[:18]


def enterprise_code(text: str | None) -> dict[str, str | None]:
    """An 18-character USCC or an old 9-character organisation code `XXXXXXXX-X(NN)` (envstat forms).

    Returns uscc (if given), org_code (9 characters, derived from the USCC when given) and sub_unit_code.
    A blank code is allowed: the row is then matched by name and region (entity resolution), not rejected.
    """
    if is_missing(text):
        return {"uscc": None, "org_code": None, "sub_unit_code": None}
    code = (text or "").replace(" ", "").upper()
    if len(code) == 18:
        full = uscc(code)
        return {"uscc": full, "org_code": org_code_from_uscc(full), "sub_unit_code": None}
    match = _ORG.match(code)
    if not match:
        raise CellError(f"组织机构代码应为9位(如12345678-9)或18位统一社会信用代码“{text}”",
                        f"expected a 9-character organisation code or an 18-character USCC: {text!r}")
    org = match.group(1) + match.group(2)
    if not is_valid_org_code(org):
        raise CellError(f"组织机构代码校验位错误“{text}”", f"organisation code check character is wrong: {text!r}")
    return {"uscc": None, "org_code": org, "sub_unit_code": match.group(3)}


_FORMER = re.compile(r"^(?P<name>.+?)\s*\((?:原名|曾用名)?[:：]?(?P<former>[^()]+)\)\s*$")


def name_with_former(text: str | None) -> dict[str, str | None]:
    """`现用名（曾用名）` (G101 naming rule) -> current name and former names (`;`-joined)."""
    name = required(text, "单位名称", "enterprise name")
    match = _FORMER.match(name)
    if not match or not any(k in match.group("former") for k in ("公司", "厂", "集团", "矿", "站", "所", "院")):
        return {"enterprise_name": name, "former_names": None}
    former = ";".join(p.strip() for p in re.split(r"[、,;，；]", match.group("former")) if p.strip())
    return {"enterprise_name": match.group("name").strip(), "former_names": former}


def industry_code(text: str | None) -> str | None:
    if is_missing(text):
        return None
    match = _INDUSTRY.match((text or "").replace(" ", "").upper())
    if not match:
        raise CellError(f"行业代码应为GB/T 4754四位小类“{text}”", f"industry code must be a 4-digit GB/T 4754 code: {text!r}")
    return match.group(1)


def region_code(text: str | None) -> str | None:
    if is_missing(text):
        return None
    digits = (text or "").replace(" ", "")
    if digits.endswith(".0"):
        digits = digits[:-2]
    if not digits.isdigit() or len(digits) not in (6, 9, 12):
        raise CellError(f"行政区划代码应为6位或12位数字“{text}”", f"region code must have 6 or 12 digits: {text!r}")
    code = digits[:6]
    return "419001" if code == "419000" else code


@cache
def _children() -> dict[tuple[str, str], str]:
    out = {}
    for row in regions().iter_rows(named=True):
        name = row["region_name"]
        out[(row["parent_code"], name)] = row["region_code"]
        out.setdefault((row["parent_code"], name.rstrip("市县区")), row["region_code"])
    return out


def city_name(text: str | None) -> str | None:
    """`郑州市`, `郑州`, ` 漯河市`, `济源` -> prefecture code."""
    if is_missing(text):
        return None
    name = normalise_text(text or "").replace(" ", "")
    code = _children().get(("410000", name)) or _children().get(("410000", name.rstrip("市")))
    if code is None:
        code = region_name_lookup().get(name)
    if code is None:
        raise CellError(f"无法识别的地市“{text}”", f"unknown prefecture {text!r}")
    return code


@cache
def _parents() -> dict[str, str]:
    return dict(zip(regions()["region_code"].to_list(), regions()["parent_code"].to_list(), strict=True))


def region_path(text: str | None) -> dict[str, str | None]:
    """`河南省-郑州市-中原区` (split on - － —), or a 6-digit code (`410102`) -> city_code and region_code (county
    where given): teams that re-key a list often type the code where the platform writes the names."""
    if is_missing(text):
        return {"city_code": None, "region_code": None}
    code = normalise_text(text or "").strip()
    if re.fullmatch(r"\d{6}", code):
        parent = _parents().get(code)
        if parent is None:
            raise CellError(f"无法识别的行政区划代码“{text}”", f"unknown region code {text!r}")
        return {"city_code": code if parent == "410000" else parent, "region_code": code}
    parts = [p for p in re.split(r"[-－—–]+", normalise_text(text or "").replace(" ", "")) if p]
    if parts and parts[0].endswith("省"):
        parts = parts[1:]
    if not parts:
        raise CellError(f"无法识别的所在地区“{text}”", f"unknown region {text!r}")
    city = city_name(parts[0])
    county = city
    if len(parts) > 1:
        county = _children().get((city, parts[1])) or _children().get((city, parts[1].rstrip("市县区")))
        if county is None:
            raise CellError(f"“{parts[1]}”不是{parts[0]}下辖的县区“{text}”", f"{parts[1]!r} is not a county of {parts[0]!r}")
    return {"city_code": city, "region_code": county}


def fuel(text: str | None) -> dict[str, str | None]:
    """Fuel name -> fuel_code, the name as written, its canonical unit and where a coal rank came from.

    A generic coal name with a known rank in brackets (`原煤(烟煤)`, `煤炭（无烟煤）`, `燃料煤【褐煤】`) takes that
    rank (fuel_rank_source `bracket`); a rank named as the fuel itself is `name`; other fuels and 原煤 have none.
    A coal rank in brackets after another fuel (`天然气(烟煤)`, `烟煤(褐煤)`) is a contradiction and is rejected;
    a 合计 row is rejected as such.
    """
    name = required(text, "燃料品种", "fuel")
    if name.replace(" ", "") in SUBTOTAL_LABELS:
        raise CellError(f"“{name}”为合计行，不作为燃料明细（避免重复计算）",
                        f"{name!r} is a subtotal row, not a fuel line (never summed with the lines)")
    key = name.replace(" ", "").upper()
    code = fuel_name_lookup().get(key)
    source = "name" if code in coal_ranks() else None
    if code is None:
        code, source = _bracketed_rank(key, name)
    if code is None:
        raise CellError(f"燃料品种“{text}”不在燃料表中", f"fuel {text!r} is not in the fuel table")
    return {"fuel_code": code, "fuel_name": name, "fuel_unit_code": _fuel_units()[code], "fuel_rank_source": source}


RAW_COAL = "raw_coal"  # 原煤: coal of unspecified rank (no official carbon-content default outside power)
GENERIC_COAL_NAMES = frozenset({"原煤", "煤", "煤炭", "燃料煤"})
FUEL_RANK_SOURCES = ("name", "bracket", "remark")
_BRACKETED = re.compile(r"^(?P<base>[^()]+?)\((?P<inner>[^()]+)\)$")
_RANK_NEGATIONS = ("非", "不是", "不属于", "不含", "除")  # `非褐煤`: the remark names a rank the coal is not
_RANK_BLENDS = ("掺", "混")  # `掺烧褐煤`, `混煤`: a blend, not one rank


@cache
def coal_ranks() -> dict[str, str]:
    """fuel_code -> Chinese name of every coal rank in the fuel table (coal group, not 原煤)."""
    table = fuels().filter((fuels()["fuel_group"] == "coal") & (fuels()["fuel_code"] != RAW_COAL))
    return dict(zip(table["fuel_code"], table["fuel_name_zh"], strict=True))


@cache
def _rank_names() -> list[tuple[str, str]]:
    """(normalised name or alias, fuel_code) of the coal ranks, longest first (无烟煤 before 烟煤)."""
    names = [(name, code) for name, code in fuel_name_lookup().items() if code in coal_ranks()]
    return sorted(names, key=lambda item: (-len(item[0]), item[0]))


def _bracketed_rank(key: str, name: str) -> tuple[str | None, str | None]:
    """(fuel_code, rank source) of `<generic coal>(<rank>)`; (None, None) when the brackets hold no coal rank."""
    match = _BRACKETED.match(key.replace("[", "(").replace("]", ")"))
    if not match:
        return None, None
    base, inner = match.group("base"), match.group("inner")
    rank = fuel_name_lookup().get(inner)
    if rank not in coal_ranks():
        return None, None  # not a rank in brackets: an unknown fuel, as any name missing from the table
    base_code = fuel_name_lookup().get(base)
    if base in GENERIC_COAL_NAMES or base_code == RAW_COAL:
        return rank, "bracket"
    if base_code == rank:
        return rank, "name"
    if base_code is None:
        return None, None
    if base_code in coal_ranks():
        label = f"“{inner}”" + ("" if inner == coal_ranks()[rank] else f"({coal_ranks()[rank]})")
        raise CellError(f"燃料品种“{name}”自相矛盾：{base}与括号中的煤种{label}不是同一煤种",
                        f"fuel {name!r} contradicts itself: {base!r} ({base_code}) and the coal rank in brackets "
                        f"{inner!r} ({rank}) differ")
    raise CellError(f"燃料品种“{name}”自相矛盾：{base}不是煤，括号中却写了煤种“{inner}”",
                    f"fuel {name!r} contradicts itself: {base!r} ({base_code}) is not coal, yet the brackets name the "
                    f"coal rank {inner!r} ({rank})")


def coal_rank_in_text(text: str | None) -> str | None:
    """fuel_code of the one coal rank a free-text remark names (`烟煤`, `煤种：褐煤`, `收到基 无烟煤`), else None.

    None when the remark names no rank, two different ranks (`烟煤或无烟煤`), negates one (`非褐煤`) or speaks
    of a blend (`掺烧褐煤`): the coal then stays of unspecified rank rather than guessed.
    """
    if is_missing(text):
        return None
    rest = normalise_text(text or "").replace(" ", "").upper()
    if any(word in rest for word in _RANK_BLENDS):
        return None
    found: set[str] = set()
    for rank_name, code in _rank_names():
        start = rest.find(rank_name)
        while start >= 0:
            if rest[:start].endswith(_RANK_NEGATIONS):
                return None
            found.add(code)
            rest = rest[:start] + "#" * len(rank_name) + rest[start + len(rank_name):]  # 烟煤 in 无烟煤 is spent
            start = rest.find(rank_name, start + len(rank_name))
    return next(iter(found)) if len(found) == 1 else None


@cache
def _fuel_units() -> dict[str, str]:
    return dict(zip(fuels()["fuel_code"], fuels()["fuel_unit_code"], strict=True))


def fuel_unit_of(fuel_code: str) -> str:
    """Canonical unit (t or 10^4Nm3) of a fuel code of the fuel table."""
    return _fuel_units()[fuel_code]


def pollutant(code_text: str | None, name_text: str | None) -> dict[str, str | None]:
    """HJ 524 code and/or name (二氧化硫 / SO2 / A21026) -> canonical pollutant; code and name must agree."""
    found = {}
    for label, text in (("code", code_text), ("name", name_text)):
        if not is_missing(text):
            key = normalise_text(text or "").replace(" ", "").upper()
            hit = pollutant_lookup().get(key)
            if hit is None:
                raise CellError(f"无法识别的污染物“{text}”", f"unknown pollutant {text!r}",
                                column="pollutant_code" if label == "code" else "pollutant_name")
            found[label] = hit
    if not found:
        raise CellError("污染物为空", "pollutant is missing")
    if len(set(found.values())) > 1:
        raise CellError(f"污染物代码“{code_text}”与名称“{name_text}”不一致",
                        f"pollutant code {code_text!r} and name {name_text!r} disagree")
    return {"pollutant": next(iter(found.values())),
            "pollutant_code": None if is_missing(code_text) else normalise_text(code_text or "").upper(),
            "pollutant_name": None if is_missing(name_text) else normalise_text(name_text or "")}


def date(text: str | None) -> dt.date | None:
    """2023-12-31, 2023/12/31, 2023年12月31日, 2023.12.31 or an Excel serial number (45291)."""
    if is_missing(text):
        return None
    raw = (text or "").strip()
    match = _DATE_PARTS.match(raw)
    try:
        if match:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if re.fullmatch(r"\d{5}(?:\.0+)?", raw):
            return _EXCEL_EPOCH + dt.timedelta(days=int(float(raw)))
    except ValueError:
        pass
    raise CellError(f"无法识别的日期“{text}”", f"not a date: {text!r}")


def date_range(text: str | None) -> tuple[dt.date, dt.date]:
    """`2020-08-13至2023-08-12` (also 到, ~, －) -> (start, end), start not after end."""
    raw = required(text, "有效期限", "validity period")
    parts = re.split(r"\s*(?:至|到|~|～|—|--)\s*", raw)
    if len(parts) != 2:
        raise CellError(f"有效期限应为“起始日期至截止日期”“{text}”", f"validity must be 'start至end': {text!r}")
    start, end = date(parts[0]), date(parts[1])
    if start is None or end is None or start > end:
        raise CellError(f"有效期限起止日期无效“{text}”", f"invalid validity period: {text!r}")
    return start, end


def month(text: str | None, year: int | None = None) -> tuple[int, int]:
    """`2024年6月`, `2024-06`, `202406`, `2024/6`, a date, or `6月` with a known year -> (year, month)."""
    raw = required(text, "月份", "month").replace(" ", "")
    match = _MONTH.match(raw.rstrip("月") + ("月" if raw.endswith("月") else ""))
    if match:
        y, m = int(match.group(1)), int(match.group(2) or match.group(3))
    elif (single := re.fullmatch(r"(\d{1,2})月?", raw)) and year is not None:
        y, m = year, int(single.group(1))
    else:
        try:
            parsed = date(raw)
        except CellError:
            parsed = None
        if parsed is None:
            raise CellError(f"无法识别的月份“{text}”", f"not a month: {text!r}")
        y, m = parsed.year, parsed.month
    if not 1 <= m <= 12:
        raise CellError(f"月份超出1–12“{text}”", f"month outside 1-12: {text!r}")
    return y, m


def quarter(text: str | None, year: int | None = None) -> tuple[int, int]:
    """`第2季度`, `2024年第二季度`, `Q2` (with a known year) -> (year, quarter)."""
    raw = required(text, "季度", "quarter").replace(" ", "").upper().replace("Q", "第")
    match = _QUARTER.match(raw)
    if not match or (match.group(1) is None and year is None):
        raise CellError(f"无法识别的季度“{text}”", f"not a quarter: {text!r}")
    q = match.group(2)
    return int(match.group(1) or year), _CN_DIGITS.get(q) or int(q)


def coordinate(text: str | None, low: float, high: float, label_zh: str) -> float | None:
    """Decimal degrees (113.65) or DMS (`117/13/9.08`, `117°13′9.08″`) -> decimal degrees within range."""
    if is_missing(text):
        return None
    raw = normalise_text(text or "").replace(" ", "")
    parts = [p for p in re.split(r"[/°度′'分″\"秒]+", raw) if p]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise CellError(f"无法识别的{label_zh}“{text}”", f"not a coordinate: {text!r}") from None
    if len(numbers) == 1:
        value = numbers[0]
    elif len(numbers) in (2, 3) and all(0 <= n < 60 for n in numbers[1:]):
        value = numbers[0] + numbers[1] / 60 + (numbers[2] / 3600 if len(numbers) == 3 else 0.0)
    else:
        raise CellError(f"无法识别的{label_zh}“{text}”", f"not a coordinate: {text!r}")
    if not low <= value <= high:
        raise CellError(f"{label_zh}超出中国范围({low}–{high})“{text}”", f"coordinate outside {low}-{high}: {text!r}")
    return round(value, 6)


def choice(text: str | None, allowed: dict[str, str], zh: str, en: str) -> str | None:
    """A value from a closed list (management category, accounting method), with written variants."""
    if is_missing(text):
        return None
    key = normalise_text(text or "").replace(" ", "")
    if key not in allowed:
        raise CellError(f"{zh}“{text}”不在允许值中({'/'.join(sorted(set(allowed.values())))})",
                        f"{en} {text!r} is not one of {sorted(set(allowed.values()))}")
    return allowed[key]


MANAGEMENT_CATEGORIES = {"重点管理": "重点管理", "重点": "重点管理", "简化管理": "简化管理", "简化": "简化管理",
                         "登记管理": "登记管理", "登记": "登记管理"}
ACCOUNTING_METHODS = {m: m for m in ("自动监测", "手工监测", "产排污系数", "物料衡算")} | {
    "在线监测": "自动监测", "自动监测数据": "自动监测", "排污系数": "产排污系数", "系数法": "产排污系数"}
PARAMETER_BASIS = {"实测": "measured", "实测值": "measured", "检测值": "measured", "measured": "measured",
                   "缺省": "default", "缺省值": "default", "默认值": "default", "default": "default"}
