"""The analysts' match decisions, `curation/matches.csv`: confirm, reject or split, each with who and why.

The file is read on every build and always wins over the automatic passes. A row that cannot be used
is not fatal: it is logged with the reason in Chinese and English (file, row, column), the other
decisions still apply. Decisions are keyed on `identity_key` (shown by `synergy matches --review`),
so one decision covers every year and file that writes the enterprise the same way.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.extract.files import read_csv_rows
from schemas.generate import conform
from schemas.headers import normalise_text
from schemas.identifiers import is_valid_uscc

CURATION_FILE = "matches.csv"
HEADER = ("action", "identity_key", "facility_id", "uscc", "who", "why", "decided_on")
HEADER_ZH = {"操作": "action", "记录标识": "identity_key", "设施编号": "facility_id", "统一社会信用代码": "uscc",
             "决定人": "who", "理由": "why", "日期": "decided_on"}
ACTIONS = {"confirm": "confirm", "确认": "confirm", "reject": "reject", "拒绝": "reject", "split": "split", "拆分": "split"}
_IDENTITY_KEY = re.compile(r"^I[0-9a-f]{11}$")


@dataclass(frozen=True)
class Decision:
    """One usable curation row."""

    row_number: int
    action: str  # confirm / reject / split
    identity_key: str
    facility_id: str | None
    uscc: str | None
    who: str
    why: str
    decided_on: str | None


def write_template(folder: Path) -> Path:
    """An empty decisions file with the header (UTF-8 with BOM, so Excel opens it in Chinese)."""
    path = folder / CURATION_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerow(HEADER)
    return path


def _check(row: dict) -> tuple[str, str, str] | None:
    """The first problem of a row, as (column, zh, en), or None."""
    if row["action"] is None:
        return ("action", "操作应为 confirm/reject/split(确认/拒绝/拆分)",
                        "action must be confirm, reject or split")
    if not row["identity_key"] or not _IDENTITY_KEY.match(row["identity_key"]):
        return ("identity_key", "记录标识缺失或格式错误(应如 I0123456789a)",
                        "identity_key missing or malformed (like I0123456789a)")
    if row["action"] in ("confirm", "reject") and not (row["facility_id"] or row["uscc"]):
        return ("facility_id", "确认/拒绝须填写设施编号或统一社会信用代码",
                        "confirm and reject need a facility_id or a uscc")
    if row["uscc"] and not is_valid_uscc(row["uscc"]):
        return ("uscc", f"统一社会信用代码校验位错误“{row['uscc']}”", f"USCC check character is wrong: {row['uscc']}")
    if not row["who"] or not row["why"]:
        return ("who" if not row["who"] else "why", "每条决定须注明决定人和理由",
                        "every decision needs who and why")
    return None


def read_decision_file(path: Path, header: tuple[str, ...], header_zh: dict[str, str]) -> list[tuple[int, dict, dict]]:
    """(row number, the row's `header` fields, every cell by column) of each non-empty row of an analysts' CSV.

    Headers may be Chinese (mapped by `header_zh`) or English; cells are NFKC-normalised, blanks are None.
    """
    if not path.exists():
        return []
    sheet, _ = read_csv_rows(path)
    if not sheet.rows:
        return []
    columns = [header_zh.get(normalise_text(h or ""), normalise_text(h or "").lower()) for h in sheet.rows[0]]
    out = []
    for number, cells in enumerate(sheet.rows[1:], start=2):
        if any(cells):
            values = {h: normalise_text(c) if c else None for h, c in zip(columns, cells, strict=False)}
            out.append((number, {name: values.get(name) for name in header}, values))
    return out


def load_decisions(folder: Path) -> tuple[list[Decision], pl.DataFrame]:
    """Usable decisions and the log of every row read (invalid ones with their reason)."""
    decisions, log = [], []
    for number, row, values in read_decision_file(folder / CURATION_FILE, HEADER, HEADER_ZH):
        row["action"] = ACTIONS.get((row["action"] or "").lower())
        row["uscc"] = row["uscc"].upper() if row["uscc"] else None
        problem = _check(row)
        entry = {"row_number": number, **row, "action": row["action"] or values.get("action")}
        if problem:
            column, zh, en = problem
            log.append({**entry, "curation_status": "invalid", "message_zh": f"{CURATION_FILE} 第{number}行 {column}: {zh}",
                        "message_en": f"{CURATION_FILE} row {number}, column {column}: {en}"})
            continue
        decisions.append(Decision(number, row["action"], row["identity_key"], row["facility_id"], row["uscc"],
                                  row["who"], row["why"], row["decided_on"]))
        log.append({**entry, "curation_status": "pending", "message_zh": None, "message_en": None})
    return decisions, log_frame(log)


def log_frame(rows: list[dict]) -> pl.DataFrame:
    """The curation log in its published columns (status `pending` until the matcher says what happened)."""
    columns = ["row_number", *HEADER, "curation_status", "message_zh", "message_en"]
    frame = pl.DataFrame(rows, schema={c: pl.Int64 if c == "row_number" else pl.String for c in columns})
    return frame.rename({"action": "curation_action", "who": "decided_by", "why": "decision_reason"})


def settle_log(log: pl.DataFrame, outcome: dict[int, tuple[str, str | None, str | None]]) -> pl.DataFrame:
    """Pending rows take the matcher's outcome (applied / stale / invalid, with why)."""
    done = pl.DataFrame([(k, *v) for k, v in outcome.items()],
                        schema={"row_number": pl.Int64, "_status": pl.String, "_zh": pl.String, "_en": pl.String},
                        orient="row")
    log = log.join(done, on="row_number", how="left").with_columns(
        pl.coalesce("_status", "curation_status").alias("curation_status"),
        pl.coalesce("_zh", "message_zh").alias("message_zh"), pl.coalesce("_en", "message_en").alias("message_en"))
    return conform(log, "core_qa__curation_log").sort("row_number")
