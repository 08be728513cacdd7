"""The analysts' match decisions, `curation/matches.csv`: confirm, reject or split, each with who and why.

The file is read on every build and always wins over the automatic passes. A row that cannot be used
is not fatal: it is logged with the reason in Chinese and English (file, row, column), the other
decisions still apply. Decisions are keyed on `identity_key` (shown by `synergy matches --review`),
so one decision covers every year and file that writes the enterprise the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from inventories.matching.decisions import Decision
from pipelines.deliver.tabular_files import FORMULA_START
from pipelines.read.files import read_csv_rows
from pipelines.read.limits import FileRefused
from schemas.generate import conform
from schemas.headers import normalise_text
from schemas.identifiers import is_valid_uscc
from schemas.tables import TABLES

CURATION_FILE = "matches.csv"
HEADER = ("action", "identity_key", "facility_id", "uscc", "who", "why", "decided_on")
HEADER_ZH = {"操作": "action", "记录标识": "identity_key", "设施编号": "facility_id", "统一社会信用代码": "uscc",
             "决定人": "who", "理由": "why", "日期": "decided_on"}
ACTIONS = {"confirm": "confirm", "确认": "confirm", "reject": "reject", "拒绝": "reject", "split": "split", "拆分": "split"}
_IDENTITY_KEY = re.compile(r"^I[0-9a-f]{11}$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")  # 2026-11-20, 2026/1/5 (Excel), 2026年1月5日
# A decision's who and why are copied into curated_by of every record it covers, so a cell is bounded: 500 characters
# hold a paragraph of reasons, several times what the template asks for.
MAX_TEXT = 500
MAX_ID = 64  # facility_id: a permit number has 22 characters, `<USCC>-E` 20; a split's own id gets room to spare
SHOWN = 40  # characters of a bad value a message quotes


def write_template(folder: Path) -> Path:
    """An empty decisions file with the header (UTF-8 with BOM, so Excel opens it in Chinese)."""
    path = folder / CURATION_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerow(HEADER)
    return path


@dataclass(frozen=True)
class Problem:
    """Why a line of an analysts' file cannot be used: the column (None: the whole line or file) and why."""

    column: str | None
    zh: str
    en: str


@dataclass(frozen=True)
class FileLine:
    """One non-empty line of an analysts' file as read: every header field (NFKC, blank None), the line as written
    (JSON, None when nothing could be read) and the first problem any decisions file can have."""

    number: int
    values: dict[str, str | None]
    raw_record: str | None
    problem: Problem | None


def shown(value: str | None) -> str:
    """A value quoted in a message, cut short: the whole of it is in raw_record."""
    if not value:
        return ""
    return f"「{value[:SHOWN]}…」" if len(value) > SHOWN else f"「{value}」"


def messages(file: str, number: int, problem: Problem) -> tuple[str, str]:
    """The log's zh and en message: file, row and column, then why."""
    if problem.column is None:
        return f"{file} 第{number}行: {problem.zh}", f"{file} row {number}: {problem.en}"
    return (f"{file} 第{number}行 {problem.column}: {problem.zh}",
            f"{file} row {number}, column {problem.column}: {problem.en}")


def _is_date(text: str) -> bool:
    match = _DATE.match(text)
    if not match:
        return False
    try:
        dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return False
    return True


def _cell_problem(column: str, value: str) -> Problem | None:
    """What no decision cell may be: control characters, text a spreadsheet runs as a formula, overlong, a bad date."""
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        return Problem(column, "含控制字符", "contains control characters")
    if value.startswith(FORMULA_START):
        return Problem(column, f"以 = + - @ 开头，电子表格会当作公式执行{shown(value)}，请去掉开头的符号",
                       f"begins with = + - or @, which a spreadsheet runs as a formula{shown(value)}; drop the sign")
    if len(value) > MAX_TEXT:
        return Problem(column, f"文本过长({len(value):,}个字符，上限{MAX_TEXT})",
                       f"text too long ({len(value):,} characters, at most {MAX_TEXT})")
    if column == "decided_on" and not _is_date(value):
        return Problem(column, f"日期无效，应如 2026-11-20{shown(value)}", f"not a valid date like 2026-11-20{shown(value)}")
    return None


def _raw(cells: list[str | None], names: list[str]) -> str:
    """The line as written, as JSON keyed by its header (`column N` where a cell has none, or shares it)."""
    keyed = {}
    for i, cell in enumerate(cells):
        if cell is not None:
            name = names[i] if i < len(names) and names[i] and names.count(names[i]) == 1 else f"column {i + 1}"
            keyed[name] = cell
    return json.dumps(keyed, ensure_ascii=False, sort_keys=True)


def _header_problem(head: list[str], fields: list[str], header: tuple[str, ...], rows: int) -> Problem | None:
    """No known column or a known one twice (the file is not used), or unknown columns (ignored)."""
    if not set(fields) & set(header):
        return Problem(None, f"不是表头(应含 {', '.join(header)})，文件的{rows}行均未使用",
                       f"not a header (columns {', '.join(header)} expected); none of the file's {rows} rows used")
    twice = sorted({f for f in fields if f in header and fields.count(f) > 1})
    if twice:
        return Problem(None, f"列 {twice[0]} 出现两次，无法判断取哪一列，文件的{rows}行均未使用",
                       f"column {twice[0]} appears twice, so which one holds the decision is unclear; none of the "
                       f"file's {rows} rows used")
    unknown = [h for h, f in zip(head, fields, strict=True) if h and f not in header]
    if unknown:
        return Problem(unknown[0], f"未知列已忽略{shown(', '.join(unknown))}",
                       f"unknown columns ignored{shown(', '.join(unknown))}")
    return None


def _line(number: int, cells: list[str | None], fields: list[str], header: tuple[str, ...]) -> FileLine:
    """One data line: the header fields' values and the first problem of its cells."""
    values: dict[str, str | None] = dict.fromkeys(header)
    problem = None
    for i, cell in enumerate(cells):
        field = fields[i] if i < len(fields) else ""
        if cell is None or field not in (*header, ""):
            continue  # blank, or under an unknown column (kept in raw_record only)
        if not field:
            problem = problem or Problem(f"column {i + 1}", f"第{i + 1}列没有表头(单元格中的逗号未加引号?)",
                                         f"cell {i + 1} has no header (a comma in a cell not quoted?)")
            continue
        value = values[field] = normalise_text(cell) or None
        problem = problem or (_cell_problem(field, value) if value else None)
    return FileLine(number, values, _raw(cells, fields), problem)


def _unreadable(header: tuple[str, ...], zh: str, en: str) -> list[FileLine]:
    return [FileLine(1, dict.fromkeys(header), None, Problem(None, f"文件无法读取，未使用: {zh}",
                                                             f"the file cannot be read and is not used: {en}"))]


def read_decision_file(path: Path, header: tuple[str, ...], header_zh: dict[str, str]) -> list[FileLine]:
    """Every non-empty line of an analysts' CSV after its header, each with the first problem found in its cells.

    Headers may be Chinese (mapped by `header_zh`) or English; the file may be UTF-8 or GB18030 (as Excel saves it).
    A file that cannot be read (binary, a symlink, beyond a read limit) is one line 1 with the problem, a header line
    with a problem is logged too (unknown columns are ignored; without a usable header no line is used). An empty or
    header-only file gives nothing.
    """
    if not (path.exists() or path.is_symlink()):
        return []
    try:
        if path.is_symlink() or not path.is_file():
            return _unreadable(header, "不是普通文件(符号链接或文件夹)", "not a regular file (a symlink or a folder)")
        sheet, _ = read_csv_rows(path)
    except FileRefused as err:
        return _unreadable(header, err.zh, err.en)
    except (OSError, csv.Error, UnicodeError) as err:
        return _unreadable(header, str(err), str(err))
    lines = [(number, cells) for number, cells in enumerate(sheet.rows, start=1) if any(cells)]
    if not lines:
        return []
    (first, head), body = lines[0], lines[1:]
    head = [normalise_text(h or "") for h in head]
    fields = [header_zh.get(h, h.lower()) for h in head]
    problem = _header_problem(head, fields, header, len(body))
    found = [FileLine(first, dict.fromkeys(header), _raw(head, []), problem)] if problem else []
    if problem and problem.column is None:
        return found
    return found + [_line(number, cells, fields, header) for number, cells in body]


def _check(row: dict) -> Problem | None:
    """The first problem of a row's decision, or None."""
    if row["action"] is None:
        return Problem("action", "操作应为 confirm/reject/split(确认/拒绝/拆分)", "action must be confirm, reject or split")
    if not row["identity_key"] or not _IDENTITY_KEY.match(row["identity_key"]):
        return Problem("identity_key", f"记录标识缺失或格式错误(应如 I0123456789a){shown(row['identity_key'])}",
                       f"identity_key missing or malformed (like I0123456789a){shown(row['identity_key'])}")
    if row["action"] in ("confirm", "reject") and not (row["facility_id"] or row["uscc"]):
        return Problem("facility_id", "确认/拒绝须填写设施编号或统一社会信用代码",
                       "confirm and reject need a facility_id or a uscc")
    if row["facility_id"] and len(row["facility_id"]) > MAX_ID:
        return Problem("facility_id", f"设施编号超过{MAX_ID}个字符{shown(row['facility_id'])}",
                       f"facility_id longer than {MAX_ID} characters{shown(row['facility_id'])}")
    if row["uscc"] and not is_valid_uscc(row["uscc"]):
        return Problem("uscc", f"统一社会信用代码格式或校验位错误{shown(row['uscc'])}",
                       f"USCC malformed or its check character is wrong{shown(row['uscc'])}")
    if not row["who"] or not row["why"]:
        return Problem("who" if not row["who"] else "why", "每条决定须注明决定人和理由", "every decision needs who and why")
    return None


def load_decisions(folder: Path) -> tuple[list[Decision], pl.DataFrame]:
    """Usable decisions and the log of every row read (invalid ones with their reason, column and raw row)."""
    decisions, log = [], []
    for line in read_decision_file(folder / CURATION_FILE, HEADER, HEADER_ZH):
        row = dict(line.values)
        row["action"] = ACTIONS.get((row["action"] or "").lower())
        row["uscc"] = row["uscc"].upper() if row["uscc"] else None
        problem = line.problem or _check(row)
        entry = {"row_number": line.number, **row, "action": row["action"] or line.values["action"],
                 "raw_record": line.raw_record}
        if problem:
            zh, en = messages(CURATION_FILE, line.number, problem)
            log.append({**entry, "curation_status": "invalid", "column_name": problem.column, "message_zh": zh,
                        "message_en": en})
            continue
        decisions.append(Decision(line.number, row["action"], row["identity_key"], row["facility_id"], row["uscc"],
                                  row["who"], row["why"], row["decided_on"]))
        log.append({**entry, "curation_status": "pending", "column_name": None, "message_zh": None, "message_en": None})
    return decisions, log_frame(log)


LOG_TABLE = "core_qa__curation_log"
ECHOED = ("curation_action", "identity_key", "facility_id", "uscc", "decided_by", "decision_reason", "decided_on")


def log_frame(rows: list[dict]) -> pl.DataFrame:
    """The curation log in its published columns (status `pending` until the matcher says what happened)."""
    columns = ["row_number", *HEADER, "curation_status", "column_name", "message_zh", "message_en", "raw_record"]
    frame = pl.DataFrame(rows, schema={c: pl.Int64 if c == "row_number" else pl.String for c in columns})
    return frame.rename({"action": "curation_action", "who": "decided_by", "why": "decision_reason"})


def blank_misfits(frame: pl.DataFrame, table: str, echoed: tuple[str, ...]) -> pl.DataFrame:
    """The `echoed` columns (cells as an analyst wrote them) with each value that breaks its field's pattern or
    vocabulary left empty: the line as written stays in raw_record, and the log never fails its own contract."""
    fields = {f.name: f for f in TABLES[table].fields if f.name in echoed and (f.pattern or f.isin)}

    def fits(name: str) -> pl.Expr:
        pattern, isin = fields[name].pattern, fields[name].isin
        ok = (pl.col(name).str.contains(pattern) if pattern else pl.lit(True)) & (
            pl.col(name).is_in(list(isin)) if isin else pl.lit(True))
        return pl.when(ok).then(pl.col(name)).otherwise(pl.lit(None, pl.String)).alias(name)

    return frame.with_columns(fits(name) for name in fields)


def settle_log(log: pl.DataFrame, outcome: dict[int, tuple[str, str | None, str | None]]) -> pl.DataFrame:
    """Pending rows take the matcher's outcome (applied / stale / invalid, with why after the file and row)."""
    done = pl.DataFrame([(k, status, zh and f"{CURATION_FILE} 第{k}行: {zh}", en and f"{CURATION_FILE} row {k}: {en}")
                         for k, (status, zh, en) in outcome.items()],
                        schema={"row_number": pl.Int64, "_status": pl.String, "_zh": pl.String, "_en": pl.String},
                        orient="row")
    log = log.join(done, on="row_number", how="left").with_columns(
        pl.coalesce("_status", "curation_status").alias("curation_status"),
        pl.coalesce("_zh", "message_zh").alias("message_zh"), pl.coalesce("_en", "message_en").alias("message_en"))
    return conform(blank_misfits(log, LOG_TABLE, ECHOED), LOG_TABLE).sort("row_number")
