"""The analysts' decisions on cross-check findings, `curation/findings.csv`: explain or confirm, with who and why.

A decision names the finding (finding_id) and the evidence it saw (evidence_hash). It holds on every rebuild
while the finding is raised with the same evidence; when the data behind it change, the decision goes stale and
the finding is open again, so an explanation never covers numbers nobody looked at. Bad rows are logged with the
row, column and reason in Chinese and English; the other decisions still apply.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl

from pipelines.deliver.tabular_files import inert_cell
from pipelines.resolve.curation import Problem, blank_misfits, messages, read_decision_file, shown
from schemas.generate import conform

FINDINGS_CURATION_FILE = "findings.csv"
HEADER = ("finding_id", "action", "evidence_hash", "who", "why", "decided_on")
HEADER_ZH = {"问题编号": "finding_id", "处理决定": "action", "证据指纹": "evidence_hash", "决定人": "who", "理由": "why",
             "日期": "decided_on"}
# a new file gets the Chinese names (as curation/matches.csv, the reader maps either language through HEADER_ZH):
# the analysts open it in Excel, and files begun with the English names still read and take appended rows
WRITTEN_HEADER = tuple({field: zh for zh, field in HEADER_ZH.items()}[field] for field in HEADER)
ACTIONS = {"explain": "explain", "解释": "explain", "已解释": "explain", "confirm": "confirm", "确认": "confirm",
           "确认问题": "confirm"}
STATUS_OF_ACTION = {"explain": "explained", "confirm": "confirmed"}
_FINDING_ID = re.compile(r"^F[0-9a-f]{12}$")
_EVIDENCE = re.compile(r"^[0-9a-f]{16}$")
LOG_TABLE = "core_qa__finding_curation_log"
ECHOED = ("finding_id", "finding_action", "evidence_hash", "decided_by", "decision_reason", "decided_on")


def append_decision(folder: Path, finding_id: str, action: str, evidence_hash: str, who: str, why: str,
                    decided_on: str) -> Path:
    """Add one decision (the CLI's `synergy checks --explain`); a new file gets the Chinese header, with a BOM for
    Excel. Rows go in HEADER order, the order of both header languages.

    Analysts open the file in Excel: a who or why beginning like a formula (=, +, -, @) is written with a leading
    apostrophe (tabular_files.inert_cell) and read back with it."""
    path = folder / FINDINGS_CURATION_FILE
    folder.mkdir(parents=True, exist_ok=True)
    is_new = not path.exists() or path.stat().st_size == 0
    with path.open("a", encoding="utf-8-sig" if is_new else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if is_new:
            writer.writerow(WRITTEN_HEADER)
        writer.writerow([inert_cell(v) for v in (finding_id, action, evidence_hash, who, why, decided_on)])
    return path


def _problem(row: dict) -> Problem | None:
    """The first problem of a row's decision, or None."""
    if not row["finding_id"] or not _FINDING_ID.match(row["finding_id"]):
        return Problem("finding_id", f"问题编号缺失或格式错误(应如 F0123456789ab){shown(row['finding_id'])}",
                       f"finding_id missing or malformed (like F0123456789ab){shown(row['finding_id'])}")
    if row["action"] is None:
        return Problem("action", "处理决定应为 explain/confirm(解释/确认)", "action must be explain or confirm")
    if not row["evidence_hash"] or not _EVIDENCE.match(row["evidence_hash"]):
        return Problem("evidence_hash", f"证据指纹缺失或格式错误(16位，取自问题清单){shown(row['evidence_hash'])}",
                       "evidence_hash missing or malformed (16 hex digits, from the findings table)"
                       f"{shown(row['evidence_hash'])}")
    if not row["who"] or not row["why"]:
        return Problem("who" if not row["who"] else "why", "每条决定须注明决定人和理由", "every decision needs who and why")
    return None


def read_decisions(folder: Path) -> list[dict]:
    """Every non-empty row of the file with its row number, action normalised, the row as written (raw_record) and
    `problem` set when unusable (a file that cannot be read or has no header is one such row)."""
    rows = []
    for line in read_decision_file(folder / FINDINGS_CURATION_FILE, HEADER, HEADER_ZH):
        row = dict(line.values)
        row["action"] = ACTIONS.get((row["action"] or "").lower())
        row["evidence_hash"] = (row["evidence_hash"] or "").lower() or None
        rows.append({"row_number": line.number, **row, "raw_record": line.raw_record,
                     "problem": line.problem or _problem(row)})
    return rows


def _outcome(row: dict, current: dict[str, str], decisive: dict[str, int]) -> tuple[str, str, str]:
    """(curation_status, message_zh, message_en) of one row against this build's findings."""
    where_zh, where_en = f"{FINDINGS_CURATION_FILE} 第{row['row_number']}行", f"{FINDINGS_CURATION_FILE} row {row['row_number']}"
    if row["problem"]:
        return "invalid", *messages(FINDINGS_CURATION_FILE, row["row_number"], row["problem"])
    finding = row["finding_id"]
    if decisive[finding] != row["row_number"]:
        return ("stale", f"{where_zh}: 同一问题有更晚的决定(第{decisive[finding]}行)",
                f"{where_en}: a later row ({decisive[finding]}) decides this finding")
    if finding not in current:
        return ("stale", f"{where_zh}: 本次构建未再发现问题 {finding}",
                f"{where_en}: finding {finding} is not raised by this build")
    if current[finding] != row["evidence_hash"]:
        return ("stale", f"{where_zh}: 问题 {finding} 的数据已变化，决定失效，问题重新打开",
                f"{where_en}: the data behind {finding} changed since the decision; the finding is open again")
    return "applied", f"{where_zh}: 已应用", f"{where_en}: applied"


def apply_decisions(findings: pl.DataFrame, folder: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Findings with finding_status and the decision behind it, and the log of every row of the file."""
    rows = read_decisions(folder)
    current = dict(findings.select("finding_id", "evidence_hash").iter_rows())
    decisive = {r["finding_id"]: r["row_number"] for r in rows if not r["problem"]}  # the last usable row wins
    log = []
    for row in rows:
        status, zh, en = _outcome(row, current, decisive)
        log.append({"row_number": row["row_number"], "finding_id": row["finding_id"],
                    "finding_action": row["action"], "evidence_hash": row["evidence_hash"], "decided_by": row["who"],
                    "decision_reason": row["why"], "decided_on": row["decided_on"], "curation_status": status,
                    "column_name": row["problem"].column if row["problem"] else None, "message_zh": zh,
                    "message_en": en, "raw_record": row["raw_record"]})
    schema = {"row_number": pl.Int64, **{c: pl.String for c in ("finding_id", "finding_action", "evidence_hash",
                                                                 "decided_by", "decision_reason", "decided_on",
                                                                 "curation_status", "column_name", "message_zh",
                                                                 "message_en", "raw_record")}}
    log_frame = blank_misfits(pl.DataFrame(log, schema=schema), LOG_TABLE, ECHOED)
    applied = log_frame.filter(pl.col("curation_status") == "applied").select(
        "finding_id", pl.col("finding_action").replace_strict(STATUS_OF_ACTION).alias("_status"),
        pl.col("decided_by").alias("_by"), pl.col("decision_reason").alias("_why"), pl.col("decided_on").alias("_on"))
    decided = (findings.join(applied, on="finding_id", how="left", maintain_order="left")  # the catalogue's order
               .with_columns(pl.coalesce("_status", "finding_status").alias("finding_status"),
                             pl.col("_by").alias("decided_by"), pl.col("_why").alias("decision_reason"),
                             pl.col("_on").alias("decided_on"))
               .drop("_status", "_by", "_why", "_on"))
    return conform(decided, "out_crosscheck__findings"), conform(log_frame, LOG_TABLE).sort("row_number")
