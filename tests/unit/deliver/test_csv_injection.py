"""No CSV the project writes holds a live formula, numbers stay numbers, and codes are text in every workbook.

One tiny warehouse carries formula-looking text (OWASP "CSV Injection": cells beginning with = + - @, a tab or a
carriage return) as enterprise names, messages and evidence; every CSV writer runs on it: the yearly export, the
register export, `synergy sql --csv` and the analysts' findings.csv.
"""

import csv
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.deliver.dossier import REQUIRED, dossier_for, write_xlsx
from pipelines.deliver.inventory_export import EXPORT_TABLES, export_year, sheet_names
from pipelines.deliver.register_export import export_register
from pipelines.resolve.finding_curation import append_decision
from schemas.tables import TABLES

YEAR = 2023
PAYLOADS = ('=HYPERLINK("http://x","y")', "+1", "-cmd", "@SUM(A1)", "\tfoo", "\rbar")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
USCCS = [f"91410100MA0000000{i}" for i in range(len(PAYLOADS))]
CITY, COUNTY, INDUSTRY = "410100", "410102", "3011"  # numeric-looking codes: text in every workbook


def _enterprise(i: int, payload: str) -> dict:
    return {"uscc": USCCS[i], "enterprise_name": payload, "industry_code": INDUSTRY, "region_code": COUNTY,
            "city_code": CITY, "year": YEAR}


def _rows(table: str) -> list[dict]:
    """The tiny warehouse's rows of one table: one per payload where the table names enterprises."""
    if table == "out_inventory__yearly_enterprise":
        return [{**_enterprise(i, p), "co2e_t": -1.5 if i == 0 else 1000.0 + i} for i, p in enumerate(PAYLOADS)]
    if table == "out_inventory__yearly_facility":
        return [{**_enterprise(i, p), "facility_id": f"F{i}", "so2_mass_t": 2.25} for i, p in enumerate(PAYLOADS)]
    if table == "out_key_emitters__register":
        return [{**_enterprise(i, p), "basis_co2e_t": 30000.0, "energy_tce": 100.0, "is_key_emitter": True,
                 "key_emitter_criterion": "co2e", "trigger_year": YEAR, "is_ghg_reporter": False,
                 "register_status": "missing_from_ghg_reporting", "evidence_zh": p, "source_systems": "envstat"}
                for i, p in enumerate(PAYLOADS)]
    if table == "out_crosscheck__findings":
        return [{**_enterprise(i, p), "finding_id": f"F00000000000{i}", "rule_id": "activity_energy_tce",
                 "severity": "warn", "subject": p, "value_a": 10.0, "value_b": 15.5, "value_difference": -5.5,
                 "message_zh": p, "message_en": p, "finding_status": "open"} for i, p in enumerate(PAYLOADS)]
    if table == "core_enterprise__entity":
        return [{**_enterprise(0, "演示企业"), "org_code": "MA0000000"}]
    return []


@pytest.fixture
def home(tmp_path, table_frame) -> Path:
    """A workspace whose warehouse holds every exported (and dossier) table, formula-looking text in the names."""
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        for table in {*EXPORT_TABLES, *REQUIRED}:
            rows = [{k: v for k, v in row.items() if k in TABLES[table].columns} for row in _rows(table)]
            frame = table_frame(table, rows)  # noqa: F841 (read by DuckDB's replacement scan)
            con.execute(f"create table {table} as select * from frame")
    return tmp_path


def _csv_rows(source: Path | str) -> list[list[str]]:
    """Cells of a CSV file (UTF-8 with BOM) or text, line breaks inside cells kept as written."""
    text = source.read_bytes().decode("utf-8-sig") if isinstance(source, Path) else source
    return list(csv.reader(io.StringIO(text, newline="")))


def _live(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would run: beginning with a dangerous character and not a number."""
    live = []
    for row in rows:
        for cell in row:
            if cell.startswith(DANGEROUS):
                try:
                    float(cell)
                except ValueError:
                    live.append(cell)
    return live


def _column(rows: list[list[str]], header: str) -> list[str]:
    position = rows[0].index(header)
    return [row[position] for row in rows[1:]]


def _header(table: str, column: str) -> str:
    return next(f.header_zh for f in TABLES[table].fields if f.name == column)


def test_the_yearly_export_csvs_hold_no_formula_and_keep_numbers(home):
    export_year(home / "warehouse.duckdb", home / "out", YEAR, ["csv"])
    files = sorted((home / "out").glob("*.csv"))
    assert len(files) == len(EXPORT_TABLES)
    for path in files:
        assert _live(_csv_rows(path)) == [], path.name
    inert = sorted("'" + p for p in PAYLOADS)
    enterprise = _csv_rows(home / "out" / "out_inventory__yearly_enterprise.csv")
    assert sorted(_column(enterprise, _header("out_inventory__yearly_enterprise", "enterprise_name"))) == inert
    co2e = _column(enterprise, _header("out_inventory__yearly_enterprise", "co2e_t"))
    assert sorted(co2e) == ["-1.5", "1001.0", "1002.0", "1003.0", "1004.0", "1005.0"]  # a negative number stays one
    assert set(_column(enterprise, _header("out_inventory__yearly_enterprise", "region_code"))) == {COUNTY}
    findings = _csv_rows(home / "out" / "out_crosscheck__findings.csv")
    assert sorted(_column(findings, _header("out_crosscheck__findings", "message_zh"))) == inert
    assert set(_column(findings, _header("out_crosscheck__findings", "value_difference"))) == {"-5.5"}


def test_the_register_csvs_hold_no_formula(home):
    paths = export_register(home / "warehouse.duckdb", home / "out")
    csvs = [p for p in paths if p.suffix == ".csv"]
    assert len(csvs) == 2
    for path in csvs:
        rows = _csv_rows(path)
        assert _live(rows) == [], path.name
        assert sorted(_column(rows, "企业名称")) == sorted("'" + p for p in PAYLOADS), path.name
        assert sorted(_column(rows, "判定说明")) == sorted("'" + p for p in PAYLOADS), path.name


def test_sql_csv_output_holds_no_formula(home, monkeypatch):
    monkeypatch.setenv("SYNERGY_HOME", str(home))
    query = ('select enterprise_name, value_difference, 1 as "-header" from out_crosscheck__findings '
             "order by finding_id")
    result = CliRunner().invoke(app, ["sql", "--csv", query])
    assert result.exit_code == 0, result.output
    rows = _csv_rows(result.stdout)
    assert rows[0] == ["enterprise_name", "value_difference", "'-header"]
    assert [row[0] for row in rows[1:]] == ["'" + p for p in PAYLOADS]
    assert {row[1] for row in rows[1:]} == {"-5.5"}  # numbers as numbers
    assert _live(rows) == []


def test_the_findings_curation_file_holds_no_formula(tmp_path):
    append_decision(tmp_path, "F0123456789ab", "explain", "0123456789abcdef", "=HYPERLINK(\"http://x\",\"y\")",
                    "-cmd", "2026-11-21")
    rows = _csv_rows(tmp_path / "findings.csv")
    assert rows[1] == ["F0123456789ab", "explain", "0123456789abcdef", "'=HYPERLINK(\"http://x\",\"y\")", "'-cmd",
                       "2026-11-21"]
    assert _live(rows) == []


def _text_cells(sheet, header: str) -> list:
    headers = [c.value for c in sheet[1]]
    return [row[headers.index(header)] for row in sheet.iter_rows(min_row=2)]


@pytest.mark.slow  # writes every workbook the project exports
def test_codes_and_formula_text_are_text_in_every_workbook(home):
    export_year(home / "warehouse.duckdb", home / "out", YEAR, ["xlsx"])
    book = openpyxl.load_workbook(home / "out" / f"融合清单_{YEAR}.xlsx")
    sheet = book[sheet_names(EXPORT_TABLES)["out_inventory__yearly_enterprise"]]
    for column, expected in (("uscc", set(USCCS)), ("region_code", {COUNTY}), ("city_code", {CITY}),
                             ("industry_code", {INDUSTRY}), ("enterprise_name", set(PAYLOADS))):
        cells = _text_cells(sheet, _header("out_inventory__yearly_enterprise", column))
        values = {c.value.replace("_x000D_", "\r") for c in cells}  # how OOXML stores a CR; Excel shows it as one
        assert {c.data_type for c in cells} == {"s"} and values == expected, column
    assert not [c.coordinate for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"]

    register = [p for p in export_register(home / "warehouse.duckdb", home / "reg") if p.suffix == ".xlsx"]
    for path in register:
        cells = _text_cells(openpyxl.load_workbook(path).worksheets[0], "统一社会信用代码")
        assert {c.data_type for c in cells} == {"s"} and {c.value for c in cells} == set(USCCS), path.name

    _, dossier = dossier_for(home / "warehouse.duckdb", USCCS[0])
    identity = openpyxl.load_workbook(write_xlsx(dossier, home / "dossier.xlsx"))["基本信息"]
    values = {row[0].value: row[1] for row in identity.iter_rows(min_row=2)}
    coded = [values[f"{_header('core_enterprise__entity', c)} {c}"] for c in ("uscc", "org_code", "city_code")]
    assert [c.data_type for c in coded] == ["s"] * 3 and coded[0].value == USCCS[0]
    assert coded[2].value.startswith(CITY)  # 410100 郑州市: the code an analyst searches with, as text
