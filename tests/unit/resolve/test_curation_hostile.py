"""Analysts' files under curation/ that cannot be used never break the build: each bad line is logged invalid with its
row and column, the good decisions still apply, and both logs pass their own data contract."""

import os
import secrets

import polars as pl
import pytest

from pipelines.resolve.curation import load_decisions, settle_log
from pipelines.resolve.entity_resolution import resolve
from pipelines.resolve.finding_curation import apply_decisions
from schemas.generate import pandera_schema
from schemas.identifiers import org_code_check_char, uscc_check_char

HEADER = "action,identity_key,facility_id,uscc,who,why,decided_on\n"


def _uscc(county: str, body8: str) -> str:
    body17 = "91" + county + body8 + org_code_check_char(body8)
    return body17 + uscc_check_char(body17)


A = _uscc("410102", "10000001")
A1 = A + "001P"
WRONG_CHECK = A[:17] + ("0" if A[17] != "0" else "1")


def _frame(rows: list[dict], table: str) -> pl.DataFrame:
    return pl.DataFrame([{"source_file": f"{table}.xlsx", "sheet_name": "s", "row_number": i + 2, "file_sha256": "0" * 64,
                          **r} for i, r in enumerate(rows)], infer_schema_length=None)


TABLES = {
    "core_permit__registry": _frame([{"permit_no": A1, "uscc": A, "enterprise_name": "演示甲化工有限公司",
                                      "region_code": "410102", "city_code": "410100"}], "registry"),
    # a name-only statistics row in another city: matching leaves it unmatched until an analyst confirms it
    "core_envstat__enterprise": _frame([{"year": 2023, "enterprise_name": "演示戊纸业有限公司", "region_code": "410302"}],
                                       "envstat"),
}


@pytest.fixture(scope="module")
def key() -> str:
    """The identity_key of the statistics row, as `synergy matches --review` shows it."""
    assn = resolve(TABLES, [])["assn"].filter(pl.col("source_table") == "core_envstat__enterprise")
    assert assn["match_status"].to_list() == ["unmatched"]
    return assn["identity_key"].item()


def _good(key: str) -> str:
    return f"confirm,{key},{A1},,王工,电话核实为同一家,2026-11-20\n"


def _settled(folder) -> tuple[pl.DataFrame, dict]:
    """What core_entity publishes as core_qa__curation_log, checked by its blocking contract, and the resolution."""
    decisions, log = load_decisions(folder)
    result = resolve(TABLES, decisions)
    settled = settle_log(log, result["curation_status"])
    pandera_schema("core_qa__curation_log").validate(settled, lazy=True)
    return settled, result


def _envstat_status(result: dict) -> tuple[str, str | None]:
    row = result["assn"].filter(pl.col("source_table") == "core_envstat__enterprise").row(0, named=True)
    return row["match_status"], row["facility_id"]


BAD_LINES = {  # name -> (line after the good one, bad column)
    "unknown action": ("删除,{key},{A1},,李四,未知操作,2026-11-20\n", "action"),
    "malformed identity_key": ("confirm,I12,{A1},,李四,坏标识,2026-11-20\n", "identity_key"),
    "overlong facility_id": ("confirm,{key}," + "S" * 65 + ",,李四,长编号,2026-11-20\n", "facility_id"),
    "wrong USCC check character": ("confirm,{key},,{WRONG_CHECK},李四,校验位,2026-11-20\n", "uscc"),
    "not a USCC": ("confirm,{key},,91-ABC,李四,乱码,2026-11-20\n", "uscc"),
    "impossible date": ("confirm,{key},{A1},,李四,日期,2026-13-45\n", "decided_on"),
    "no who": ("confirm,{key},{A1},,,没有决定人,2026-11-20\n", "who"),
    "overlong why": ("confirm,{key},{A1},,李四," + "很长" * 300 + ",2026-11-20\n", "why"),
    "formula in who": ("confirm,{key},{A1},,=cmd|' /C calc'!A0,公式,2026-11-20\n", "who"),
    "terminal escape in why": ("confirm,{key},{A1},,李四,\x1b[31m红字\x1b[0m,2026-11-20\n", "why"),
    "comma not quoted": ("confirm,{key},{A1},,李四,核实,另一家,2026-11-20\n", "decided_on"),
    "cell beyond the header": ("confirm,{key},{A1},,李四,核实,2026-11-20,多余\n", "column 8"),
}


@pytest.mark.parametrize("case", BAD_LINES)
def test_a_bad_line_is_logged_and_the_good_one_applies(tmp_path, key, case):
    line, column = BAD_LINES[case]
    bad = line.format(key=key, A1=A1, WRONG_CHECK=WRONG_CHECK)
    (tmp_path / "matches.csv").write_text(HEADER + _good(key) + bad, encoding="utf-8-sig", newline="")
    settled, result = _settled(tmp_path)
    assert settled["curation_status"].to_list() == ["applied", "invalid"]
    assert _envstat_status(result) == ("matched", A1)
    row = settled.row(1, named=True)
    assert (row["row_number"], row["column_name"]) == (3, column)
    assert row["message_zh"].startswith(f"matches.csv 第3行 {column}: ")
    assert row["message_en"].startswith(f"matches.csv row 3, column {column}: ")
    assert row["raw_record"] and row["raw_record"].startswith("{")  # the line as written is kept


def test_malformed_codes_are_blanked_in_the_log_and_kept_as_written(tmp_path, key):
    (tmp_path / "matches.csv").write_text(HEADER + _good(key) + BAD_LINES["malformed identity_key"][0].format(A1=A1)
                                          + BAD_LINES["not a USCC"][0].format(key=key), encoding="utf-8")
    settled, _ = _settled(tmp_path)
    assert settled["identity_key"].to_list() == [key, None, key]
    assert settled["uscc"].to_list() == [None, None, None]
    assert '"identity_key": "I12"' in settled["raw_record"][1] and '"uscc": "91-ABC"' in settled["raw_record"][2]
    assert "「I12」" in settled["message_zh"][1] and "「91-ABC」" in settled["message_en"][2]


def test_a_file_excel_saved_in_gb18030_with_chinese_headers_applies(tmp_path, key):
    text = "操作,记录标识,设施编号,统一社会信用代码,决定人,理由,日期\n" + f"确认,{key},{A1},,王工,电话核实,2026/11/20\n"
    (tmp_path / "matches.csv").write_bytes(text.encode("gb18030"))
    settled, result = _settled(tmp_path)
    assert settled["curation_status"].to_list() == ["applied"] and settled["decided_by"].to_list() == ["王工"]
    assert _envstat_status(result) == ("matched", A1)


def test_unknown_columns_are_logged_on_the_header_and_ignored(tmp_path, key):
    (tmp_path / "matches.csv").write_text(HEADER.replace("\n", ",备注,note\n") + _good(key).replace("\n", ",随便写,x\n"),
                                          encoding="utf-8")
    settled, result = _settled(tmp_path)
    assert settled.select("row_number", "curation_status", "column_name").rows() == [(1, "invalid", "备注"),
                                                                                      (2, "applied", None)]
    assert "备注, note" in settled["message_zh"][0] and "unknown columns ignored" in settled["message_en"][0]
    assert '"备注": "随便写"' in settled["raw_record"][1]
    assert _envstat_status(result) == ("matched", A1)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", HEADER.encode(), ("\ufeff" + HEADER).encode()])
def test_an_empty_or_header_only_file_decides_nothing(tmp_path, content):
    (tmp_path / "matches.csv").write_bytes(content)
    settled, result = _settled(tmp_path)
    assert settled.is_empty()
    assert _envstat_status(result) == ("unmatched", None)


UNUSABLE = {  # whole files no line of which is used: (content or "symlink", reason in the message)
    "binary": (secrets.token_bytes(4096) + b"\x00\xff\xfe\x80", "cannot be read"),
    "data without a header": ("confirm,I0123456789a,S1,,王工,核实,2026-11-20\n".encode(), "not a header"),
    "a column twice": ((HEADER.replace("\n", ",why\n") + "confirm,I0123456789a,S1,,王工,核实,2026-11-20,又一个\n")
                       .encode(), "column why appears twice"),
    "symlink to a system file": ("symlink", "not a regular file"),
}


@pytest.mark.parametrize("case", UNUSABLE)
def test_an_unusable_file_is_one_invalid_line_and_decides_nothing(tmp_path, case):
    content, reason = UNUSABLE[case]
    path = tmp_path / "matches.csv"
    if content == "symlink":
        os.symlink("/etc/passwd", path)
    else:
        path.write_bytes(content)
    settled, result = _settled(tmp_path)
    assert settled.select("row_number", "curation_status", "column_name").rows() == [(1, "invalid", None)]
    assert settled["message_zh"][0].startswith("matches.csv 第1行: ") and reason in settled["message_en"][0]
    assert "root" not in (settled["raw_record"][0] or "")  # nothing of what a symlink points at is published
    assert _envstat_status(result) == ("unmatched", None)


# --- curation/findings.csv --------------------------------------------------------------------------------------
FINDING, EVIDENCE = "F0123456789ab", "0123456789abcdef"
FINDINGS_HEADER = "finding_id,action,evidence_hash,who,why,decided_on\n"


def _finding_log(folder, findings_row: dict, table_frame) -> tuple[pl.DataFrame, pl.DataFrame]:
    findings = table_frame("out_crosscheck__findings", [findings_row])
    decided, log = apply_decisions(findings, folder)
    pandera_schema("core_qa__finding_curation_log").validate(log, lazy=True)
    return decided, log


FINDING_ROW = {"finding_id": FINDING, "rule_id": "activity_fuel_quantity", "rule_group": "activity",
               "rule_title_zh": "t", "severity": "error", "compared_quantity": "fuel_consumed_units",
               "evidence_hash": EVIDENCE, "finding_status": "open"}
BAD_FINDING_LINES = {  # line before the good one -> bad column, what the log keeps of finding_id and evidence_hash
    "F12,explain,0123456789abcdef,王五,短编号,2026-11-20\n": ("finding_id", None, EVIDENCE),
    f"{FINDING},explain,,王五,没有指纹,2026-11-20\n": ("evidence_hash", FINDING, None),
    f"{FINDING},explain,xyz,王五,坏指纹,2026-11-20\n": ("evidence_hash", FINDING, None),
    f"{FINDING},explain,{EVIDENCE},@SUM(A1),公式,2026-11-20\n": ("who", FINDING, EVIDENCE),
    f"{FINDING},explain,{EVIDENCE},王五,说明,明天\n": ("decided_on", FINDING, EVIDENCE),
}


@pytest.mark.parametrize("line", BAD_FINDING_LINES)
def test_a_bad_findings_line_is_logged_and_the_good_one_applies(tmp_path, table_frame, line):
    column, finding_id, evidence = BAD_FINDING_LINES[line]
    good = f"{FINDING},explain,{EVIDENCE},张三,计量表更换,2026-11-21\n"
    (tmp_path / "findings.csv").write_text(FINDINGS_HEADER + line + good, encoding="utf-8")
    decided, log = _finding_log(tmp_path, FINDING_ROW, table_frame)
    assert log.select("row_number", "curation_status", "column_name").rows() == [(2, "invalid", column),
                                                                                  (3, "applied", None)]
    assert (log["finding_id"][0], log["evidence_hash"][0]) == (finding_id, evidence)
    assert f"findings.csv row 2, column {column}: " in log["message_en"][0] and "第2行" in log["message_zh"][0]
    assert decided.select("finding_status", "decided_by").row(0) == ("explained", "张三")


def test_a_binary_findings_file_is_one_invalid_line(tmp_path, table_frame):
    (tmp_path / "findings.csv").write_bytes(secrets.token_bytes(2048) + b"\xff\xfe\x80")
    decided, log = _finding_log(tmp_path, FINDING_ROW, table_frame)
    assert log.select("row_number", "curation_status", "finding_id", "raw_record").rows() == [(1, "invalid", None, None)]
    assert decided["finding_status"].to_list() == ["open"]
