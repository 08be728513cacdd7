"""Analysts' decisions on findings: they hold while the evidence is unchanged, go stale when it changes."""

import polars as pl
import pytest
import yaml

from inventories import crosscheck
from inventories.crosscheck import CatalogueError, identify, load_catalogue
from pipelines.resolve.finding_curation import append_decision, apply_decisions


def _findings(value_a: float, table_frame) -> pl.DataFrame:
    """Two findings as the runner leaves them (status open), the first comparing value_a with 100."""
    rows = [{"rule_id": "activity_fuel_quantity", "rule_group": "activity", "rule_title_zh": "t", "severity": "error",
             "uscc": "91410100MA10000000", "year": 2022, "subject": "bituminous ghg/envstat",
             "compared_quantity": "fuel_consumed_units", "value_a": value_a, "source_a": "ghg", "value_b": 100.0,
             "source_b": "envstat", "finding_status": "open"},
            {"rule_id": "activity_fuel_quantity", "rule_group": "activity", "rule_title_zh": "t", "severity": "warn",
             "uscc": "91410100MA20000000", "year": 2022, "subject": "bituminous ghg/envstat",
             "compared_quantity": "fuel_consumed_units", "value_a": 93.0, "source_a": "ghg", "value_b": 100.0,
             "source_b": "envstat", "finding_status": "open"}]
    frame = table_frame("out_crosscheck__findings", rows).drop("finding_id", "evidence_hash", "value_difference",
                                                                "value_ratio")
    return identify(frame).select(table_frame("out_crosscheck__findings", []).columns)


def test_ids_are_stable_and_evidence_follows_the_values(table_frame):
    first, again, changed = (_findings(v, table_frame) for v in (62.0, 62.0, 70.0))
    assert first["finding_id"].to_list() == again["finding_id"].to_list() == changed["finding_id"].to_list()
    assert first["evidence_hash"].to_list() == again["evidence_hash"].to_list()
    assert first["evidence_hash"][0] != changed["evidence_hash"][0] and first["evidence_hash"][1] == changed["evidence_hash"][1]
    assert first["value_ratio"][0] == 0.62 and first["value_difference"][0] == -38.0


def test_explanation_holds_until_the_data_change(tmp_path, table_frame):
    findings = _findings(62.0, table_frame)
    fid, evidence = findings["finding_id"][0], findings["evidence_hash"][0]
    append_decision(tmp_path, fid, "explain", evidence, "张三", "计量表更换，已核实", "2026-11-21")
    decided, log = apply_decisions(findings, tmp_path)
    row = decided.filter(pl.col("finding_id") == fid).row(0, named=True)
    assert (row["finding_status"], row["decided_by"]) == ("explained", "张三")
    assert decided.filter(pl.col("finding_id") != fid)["finding_status"].to_list() == ["open"]
    assert log["curation_status"].to_list() == ["applied"]

    rebuilt = _findings(70.0, table_frame)  # a corrected file changes the GHG quantity: same finding, new evidence
    decided, log = apply_decisions(rebuilt, tmp_path)
    assert decided.filter(pl.col("finding_id") == fid)["finding_status"][0] == "open"
    assert log["curation_status"].to_list() == ["stale"] and "changed" in log["message_en"][0]


def test_a_new_file_has_chinese_headers_and_an_old_english_one_still_reads(tmp_path, table_frame):
    findings = _findings(62.0, table_frame)
    (first, second), (e1, e2) = findings["finding_id"].to_list(), findings["evidence_hash"].to_list()
    append_decision(tmp_path / "new", first, "explain", e1, "张三", "已核实", "2026-11-21")
    text = (tmp_path / "new" / "findings.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines() == ["问题编号,处理决定,证据指纹,决定人,理由,日期", f"{first},explain,{e1},张三,已核实,2026-11-21"]

    old = tmp_path / "old"  # begun before the headers were Chinese: read as written, and appended to in its order
    old.mkdir()
    (old / "findings.csv").write_text(f"finding_id,action,evidence_hash,who,why,decided_on\n"
                                      f"{first},confirm,{e1},李四,复核确认,2026-11-01\n", encoding="utf-8-sig")
    append_decision(old, second, "explain", e2, "王五", "计量表更换", "2026-11-22")
    header = (old / "findings.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "finding_id,action,evidence_hash,who,why,decided_on"
    decided, log = apply_decisions(findings, old)
    assert decided["finding_status"].to_list() == ["confirmed", "explained"]
    assert log["curation_status"].to_list() == ["applied", "applied"] and log["decided_by"].to_list() == ["李四", "王五"]


def test_bad_rows_are_logged_and_the_last_decision_wins(tmp_path, table_frame):
    findings = _findings(62.0, table_frame)
    fid, evidence = findings["finding_id"][0], findings["evidence_hash"][0]
    (tmp_path / "findings.csv").write_text(
        "问题编号,处理决定,证据指纹,决定人,理由,日期\n"
        f"{fid},解释,{evidence},李四,first look,2026-11-01\n"
        f"{fid},确认,{evidence},王五,复核确认为漏报,2026-11-20\n"
        f"{fid},delete,{evidence},王五,?,\n"
        f"F000000000000,explain,{evidence},王五,gone,\n"
        f"{fid},explain,,王五,no hash,\n", encoding="utf-8-sig")
    decided, log = apply_decisions(findings, tmp_path)
    assert decided.filter(pl.col("finding_id") == fid)["finding_status"][0] == "confirmed"
    assert log["curation_status"].to_list() == ["stale", "applied", "invalid", "stale", "invalid"]
    assert "column action" in log["message_en"][2] and "column evidence_hash" in log["message_en"][4]
    assert "第4行" in log["message_zh"][2]


def test_catalogue_errors_name_the_rule_and_key(tmp_path):
    entries = yaml.safe_load(crosscheck.CATALOGUE.read_text(encoding="utf-8"))
    assert len(load_catalogue()) == len(entries["rules"])
    broken = dict(entries["rules"][0], group="gossip")
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({"rules": [broken]}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="group"):
        load_catalogue(tmp_path / "c.yaml")
    twice = [entries["rules"][0], entries["rules"][0]]
    (tmp_path / "d.yaml").write_text(yaml.safe_dump({"rules": twice}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="duplicate rule id"):
        load_catalogue(tmp_path / "d.yaml")
    graded = dict(entries["rules"][0], severity="graded")
    graded.pop("severity_rule", None)
    (tmp_path / "e.yaml").write_text(yaml.safe_dump({"rules": [graded]}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="severity_rule"):
        load_catalogue(tmp_path / "e.yaml")
