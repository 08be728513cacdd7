"""一企一档 (`synergy enterprise`) on the seed-7 demo build: lookup, the numbers of every system, the workbook."""

from __future__ import annotations

import shutil
import unicodedata

import duckdb
import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.deliver.dossier import Dossier, dossier_for, find_enterprise
from schemas.tables import TABLES


@pytest.fixture(scope="module")
def subject(sql) -> dict:
    """An enterprise that every system knows: a GHG report, permit sites, statistics rows that carry only the old
    organisation code (matched by it), an inventory, and a name no other enterprise has."""
    found = sql("""
        with names as (select lower(alias) as name, count(distinct uscc) as n from core_enterprise__aliases group by 1)
        select e.uscc, e.enterprise_name, e.org_code, min(f.permit_no) as permit_no
        from core_enterprise__entity e
        join core_facility__entity f on f.uscc = e.uscc and f.permit_no is not null
        join names on names.name = lower(e.enterprise_name) and names.n = 1
        where e.uscc in (select uscc from core_ghg__reported_totals)
          and e.uscc in (select uscc from out_inventory__yearly_enterprise)
          and e.uscc in (select uscc from core_permit__execution_emissions where emission_scope = 'site_total')
          and e.org_code in (select org_code from core_envstat__enterprise where uscc is null)
          and e.uscc in (select uscc from core_facility__assn_sources
                         where source_table = 'core_envstat__enterprise' and match_method = 'org_code')
          and (select count(*) from core_enterprise__entity o where lower(o.enterprise_name) = lower(e.enterprise_name)) = 1
        group by all order by e.uscc limit 1""")
    assert found.height == 1, "the demo should have an enterprise known to every system"
    return found.row(0, named=True)


@pytest.fixture(scope="module")
def dossier(built, subject) -> Dossier:
    lookup, found = dossier_for(built[0].warehouse, subject["uscc"])
    assert found is not None, lookup
    return found


def _section(dossier: Dossier, key: str):
    return next(s for s in dossier.sections if s.key == key)


def _invoke(built, monkeypatch, *args: str):
    monkeypatch.setenv("SYNERGY_HOME", str(built[0].home))
    return CliRunner().invoke(app, ["enterprise", *args])


def test_uscc_permit_number_and_name_find_the_same_enterprise(built, subject, monkeypatch):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in subject["uscc"].lower())  # typed in a Chinese IME
    assert unicodedata.normalize("NFKC", full_width) == subject["uscc"].lower()
    with duckdb.connect(str(built[0].warehouse), read_only=True) as con:
        lookups = {text: find_enterprise(con, text) for text in
                   (subject["uscc"], subject["uscc"].lower(), full_width, subject["permit_no"], subject["enterprise_name"],
                    subject["org_code"])}
    for text, lookup in lookups.items():
        assert [c.uscc for c in lookup.candidates] == [subject["uscc"]], text
    assert lookups[subject["uscc"]].matched_by == "uscc" and lookups[full_width].matched_by == "uscc"
    assert lookups[subject["permit_no"]].matched_by == "permit_no"
    assert lookups[subject["enterprise_name"]].matched_by == "name"
    assert lookups[subject["org_code"]].candidates[0].matched == subject["org_code"]  # the old code is an alias
    for text in (subject["uscc"], subject["permit_no"], subject["enterprise_name"]):
        result = _invoke(built, monkeypatch, text)
        assert result.exit_code == 0, result.output
        assert f"({subject['uscc']})" in result.output and subject["enterprise_name"] in result.output


def test_ambiguous_text_lists_the_candidates_and_unknown_text_fails(built, sql, monkeypatch):
    names = sql("select uscc, lower(enterprise_name) as name from core_enterprise__entity "
                "union select uscc, lower(alias) from core_enterprise__aliases")
    brands = sorted({name[2:4] for name in sql("select enterprise_name from core_enterprise__entity")["enterprise_name"]})
    shared = sorted((names.filter(pl.col("name").str.contains(brand, literal=True))["uscc"].n_unique(), brand)
                    for brand in brands)
    count, brand = next((n, b) for n, b in shared if 2 <= n <= 50)  # a trade name several enterprises share
    expected = set(names.filter(pl.col("name").str.contains(brand, literal=True))["uscc"])
    with duckdb.connect(str(built[0].warehouse), read_only=True) as con:
        lookup = find_enterprise(con, brand)
    assert {c.uscc for c in lookup.candidates} == expected and len(lookup.candidates) == count
    assert all(brand in c.matched for c in lookup.candidates)
    result = _invoke(built, monkeypatch, brand)
    assert result.exit_code == 1
    assert f"对应 {count} 家企业" in result.output and f"fits {count} enterprises" in result.output
    assert all(uscc in result.output for uscc in expected)

    result = _invoke(built, monkeypatch, "没有这家企业")
    assert result.exit_code == 1
    assert "没有找到企业" in result.output and "no enterprise found" in result.output


def test_sections_carry_the_enterprises_own_numbers(dossier, subject, sql):
    uscc = subject["uscc"]
    identity = dict(_section(dossier, "identity").rows)
    assert identity["统一社会信用代码 uscc"] == uscc and identity["组织机构代码 org_code"] == subject["org_code"]
    industry = sql(f"select industry_code from core_enterprise__entity where uscc = '{uscc}'").item()
    assert identity["行业代码 industry_code"].startswith(f"{industry} ") and len(identity["行业代码 industry_code"]) > 5

    sites = _section(dossier, "sites")
    assert set(sites.column("设施编号 facility_id")) == set(
        sql(f"select facility_id from core_facility__entity where uscc = '{uscc}'")["facility_id"])
    sources = _section(dossier, "sources")
    assert sum(sources.column("记录数 record_count")) == sql(
        f"select count(*) from core_facility__assn_sources where uscc = '{uscc}'").item()

    side = _section(dossier, "side_by_side")
    rows = {row[0]: dict(zip(side.columns, row, strict=True)) for row in side.rows}
    assert list(rows) == sorted(rows)
    ghg = sql(f"select year, reported_combustion_co2_t, reported_total_co2e_t from core_ghg__reported_totals "
              f"where uscc = '{uscc}'")
    assert ghg.height > 0
    for year, combustion, total in ghg.iter_rows():
        assert rows[year]["温室气体报告 燃烧CO2(t)"] == pytest.approx(combustion)
        assert rows[year]["温室气体报告 总排放CO2e(t)"] == pytest.approx(total)
    inventory = sql(f"select year, co2e_t, so2_mass_t, co2_method from out_inventory__yearly_enterprise where uscc = '{uscc}'")
    for year, co2e, so2, method in inventory.iter_rows():
        assert rows[year]["融合清单 CO2e(t)"] == pytest.approx(co2e) and rows[year]["融合清单 CO2核算方法"] == method
        assert rows[year]["融合清单 SO2(t)"] == pytest.approx(so2)
    permit = sql(f"select year, sum(emission_mass_t) as so2 from core_permit__execution_emissions where uscc = '{uscc}' "
                 "and emission_scope = 'site_total' and pollutant = 'SO2' group by year")
    for year, so2 in permit.iter_rows():
        assert rows[year]["排污许可 实际SO2(t)"] == pytest.approx(so2)
    # statistics rows with only the old organisation code reach the enterprise through the match
    statistics = sql(f"select year, sum(so2_mass_t) as so2, sum(coal_consumed_t) as coal from core_envstat__enterprise "
                     f"where org_code = '{subject['org_code']}' or uscc = '{uscc}' group by year")
    assert statistics.height > 0
    for year, so2, coal in statistics.iter_rows():
        assert rows[year]["排放源统计 SO2(t)"] == pytest.approx(so2) and rows[year]["排放源统计 燃煤(t)"] == pytest.approx(coal)

    register = _section(dossier, "register")
    expected = sql(f"select year, register_status from out_key_emitters__register where uscc = '{uscc}' order by year")
    assert list(zip(register.column("年度 year"), register.column("名录状态 register_status"), strict=True)) == expected.rows()


def test_workbook_has_every_section_with_the_same_values(built, dossier, subject, monkeypatch, tmp_path):
    out = tmp_path / "档案" / f"{subject['uscc']}.xlsx"
    result = _invoke(built, monkeypatch, subject["permit_no"], "--out", str(out))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["说明", *(s.sheet_name for s in dossier.sections)]
    assert all(len(name) <= 31 for name in book.sheetnames)
    notes = {row[0]: row[1] for row in book["说明"].iter_rows(min_row=2, max_col=2, values_only=True) if row[0]}
    assert notes["查询 lookup"] == subject["permit_no"] and str(built[0].warehouse.resolve()) == notes["数据仓库 warehouse"]
    assert notes["数据仓库生成时间 warehouse built"]
    for section in dossier.sections:
        sheet = book[section.sheet_name]
        values = list(sheet.iter_rows(values_only=True))
        if not section.has_data:  # as on the terminal: one line, then the note
            assert values == [(section.no_data_line,), *([(section.note,)] if section.note else [])], section.key
            continue
        assert sheet.freeze_panes == "A2"
        assert list(values[0]) == section.columns
        assert len(values) - 1 == len(section.rows), section.key
        for got, row in zip(values[1:], section.rows, strict=True):
            assert list(got) == [pytest.approx(v, rel=1e-12) if isinstance(v, float) else v for v in row], section.key
    floats = [cell for row in book["各系统数据对照"].iter_rows(min_row=2) for cell in row if isinstance(cell.value, float)]
    assert floats and {cell.number_format for cell in floats} == {"#,##0.0"}  # tonnes shown to 0.1 t


def test_findings_only_when_the_warehouse_has_them(built, subject, tmp_path):
    uscc = subject["uscc"]
    with duckdb.connect(str(built[0].warehouse), read_only=True) as con:
        present = con.execute("select count(*) from information_schema.tables "
                              "where table_name = 'out_crosscheck__findings'").fetchone()[0]
        expected = con.execute("select count(*) from out_crosscheck__findings where uscc = ?",
                               [uscc]).fetchone()[0] if present else 0
    _, found = dossier_for(built[0].warehouse, uscc)
    findings = _section(found, "findings")
    assert len(findings.rows) == expected
    assert (findings.note is None) == bool(present)  # an older warehouse: one line saying so

    copy = tmp_path / "warehouse.duckdb"  # a warehouse with findings, whatever this build published
    shutil.copyfile(built[0].warehouse, copy)
    columns = TABLES["out_crosscheck__findings"].columns
    typed = {"year": "integer", "value_a": "double", "value_b": "double", "value_ratio": "double"}
    rows = [("F000000000001", "info", 2021, uscc), ("F000000000002", "error", 2023, uscc),
            ("F000000000003", "warn", 2021, uscc), ("F000000000004", "error", 2021, uscc),
            ("F000000000005", "error", 2021, "OTHER")]
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table if exists out_crosscheck__findings")
        definition = ", ".join(f"{c} {typed.get(c, 'varchar')}" for c in columns)
        con.execute(f"create table out_crosscheck__findings ({definition})")
        for finding_id, severity, year, who in rows:
            con.execute("insert into out_crosscheck__findings (finding_id, rule_id, rule_title_zh, severity, uscc, year, "
                        "value_a, value_b, value_ratio, message_zh, finding_status) values (?, 'R1', '测试规则', ?, ?, ?, "
                        "2.0, 1.0, 2.0, '测试', 'open')", [finding_id, severity, who, year])
    _, found = dossier_for(copy, uscc)
    findings = _section(found, "findings")
    assert findings.note is None
    assert findings.column("问题编号 finding_id") == ["F000000000004", "F000000000002", "F000000000003", "F000000000001"]


def _lines(built, monkeypatch, uscc: str) -> list[str]:
    """`synergy enterprise` on an 80-column terminal, line by line."""
    monkeypatch.setenv("SYNERGY_HOME", str(built[0].home))
    result = CliRunner().invoke(app, ["enterprise", uscc], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_rejected_rows_naming_the_enterprise_are_in_its_dossier(built, sql, monkeypatch):
    """A rejected row whose USCC cell is an enterprise's: file, row, column and raw value in its dossier, the file
    name whole on an 80-column terminal; each row shown says which cells tied it, and other enterprises' stay out."""
    found = sql("""
        select e.uscc, r.source_file, r.row_number, r.column_name, r.raw_value
        from core_qa__rejected_rows r join core_enterprise__entity e
          on e.uscc = upper(trim(json_extract_string(r.raw_record, '$.uscc')))
        where r.raw_value is not null order by r.source_file, r.row_number limit 1""")
    assert found.height == 1, "the demo plants rejected GHG rows of known enterprises"
    uscc, file, row, column, raw = found.row(0)
    _, dossier = dossier_for(built[0].warehouse, uscc)
    rejected = _section(dossier, "rejected")
    assert (file, row, column, raw) in [(r[0], r[2], r[3], r[4]) for r in rejected.rows]
    assert all(rejected.column("关联依据 tied_by"))
    lines = _lines(built, monkeypatch, uscc)
    assert any(file in line for line in lines)
    assert not [line for line in lines if file[:8] in line and file not in line]  # the name never cut
    assert any(raw in line for line in lines) and any(column in line for line in lines)

    everything = sql("select count(*) as n from core_qa__rejected_rows").item()
    assert len(rejected.rows) < everything  # other enterprises' rejects stay out


def test_empty_sections_print_one_line_at_80_columns(built, sql, monkeypatch):
    """An enterprise no rejected row names and without a GHG report: `<title>: 无数据 / no data` on one line each,
    never a one-column table with the title folded into short lines."""
    uscc = sql("""
        select uscc from core_enterprise__entity
        where uscc not in (select uscc from core_ghg__reported_totals)
          and uscc in (select uscc from out_inventory__yearly_enterprise)
          and uscc not in (select f.uscc from core_facility__entity f join core_cems__outlets o using (permit_no))
          and not exists (select 1 from core_qa__rejected_rows r where contains(r.raw_record, uscc)
                          or contains(r.raw_record, substr(uscc, 9, 9)) or contains(r.raw_record, enterprise_name))
        order by uscc limit 1""").item()
    lines = _lines(built, monkeypatch, uscc)
    assert "拒收记录 rejected rows: 无数据 / no data" in lines
    assert ("各系统数据对照 the systems side by side per year · 温室气体报告 GHG report (core_ghg__reported_totals): "
            "无数据 / no data") in lines
    assert not [line for line in lines if line.strip() in ("拒收记录", "rejected rows", "各系统数据对照", "温室气体报告")]
