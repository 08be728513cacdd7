"""The yearly inventory export (exports/<year>/) on the demo build: CSV, XLSX, Parquet and manifest, as a recipient
checks them, plus the errors a user meets and the repeatability two exports of one warehouse must have."""

import hashlib
import json
import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.deliver import inventory_export
from pipelines.deliver.inventory_export import (
    ALL_YEARS,
    EXPORT_TABLES,
    InventoryExportError,
    export_year,
    parse_formats,
    sheet_names,
    vocabularies,
)
from pipelines.deliver.tabular_files import AS_OF_LABEL, INPUTS_LABEL
from schemas.generate import polars_schema
from schemas.tables import TABLES

YEAR = 2023
BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def exported(built, tmp_path_factory):
    """One export of 2023 in every format: (output folder, parsed manifest)."""
    out = tmp_path_factory.mktemp("inventory_export") / str(YEAR)
    manifest = export_year(built[0].warehouse, out, YEAR)
    return out, json.loads(manifest.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def expected_rows(sql) -> dict[str, int]:
    """Rows each table has in the warehouse for 2023 (the factor table: all rows)."""
    return {name: sql(f"select count(*) as n from {name}" + ("" if name in ALL_YEARS else f" where year = {YEAR}"))["n"][0]
            for name in EXPORT_TABLES}


@pytest.fixture(scope="module")
def data_stamp_expected(sql) -> tuple[datetime, str]:
    """数据截至 and 输入指纹 as defined: the newest received_at (to the second), SHA-256 of the sorted file hashes."""
    newest = sql("select max(received_at) as t from core_qa__file_manifest")["t"][0].replace(microsecond=0)
    hashes = sorted(sql("select file_sha256 from core_qa__file_manifest where file_sha256 is not null")["file_sha256"])
    return newest, hashlib.sha256("\n".join(hashes).encode()).hexdigest()


def _headers(name: str) -> list[str]:
    return [f.header_zh for f in TABLES[name].fields]


def _sheet_headers(name: str) -> list[str]:
    """The CSV's headers with a name column after each city or region code (unless the table names its regions)."""
    named = {} if "region_name" in TABLES[name].columns else {"city_code": "所在地市", "region_code": "行政区划名称"}
    return [h for f in TABLES[name].fields for h in (f.header_zh, named.get(f.name)) if h]


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under folder (relative name -> bytes)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_inventory_csv_has_bom_chinese_headers_and_the_rows_of_the_year(exported, expected_rows):
    out, _ = exported
    assert expected_rows["out_inventory__yearly_facility"] > 0 and expected_rows["out_inventory__yearly_region_sector"] > 0
    for name in EXPORT_TABLES:
        path = out / f"{name}.csv"
        assert path.read_bytes().startswith(BOM), name
        frame = pl.read_csv(path, infer_schema=False)
        assert frame.columns == _headers(name), name
        assert frame.height == expected_rows[name], name
    facility = pl.read_csv(out / "out_inventory__yearly_facility.csv", infer_schema=False)
    assert "二氧化硫排放量(t)" in facility.columns and set(facility["年度"]) == {str(YEAR)}
    assert set(facility["含待核实因子"].drop_nulls()) <= {"true", "false"}  # machine-readable, not 是/否


def test_inventory_csv_rows_follow_the_primary_key(exported):
    out, _ = exported
    facility = pl.read_csv(out / "out_inventory__yearly_facility.csv", infer_schema=False)
    assert facility["设施编号"].to_list() == sorted(facility["设施编号"].to_list())
    assert facility["设施编号"].n_unique() == facility.height


def test_inventory_parquet_has_english_columns_schema_types_and_rows(exported, expected_rows):
    out, _ = exported
    for name in EXPORT_TABLES:
        frame = pl.read_parquet(out / f"{name}.parquet")
        assert frame.columns == list(TABLES[name].columns), name
        assert frame.schema == pl.Schema(polars_schema(TABLES[name])), name
        assert frame.height == expected_rows[name], name


def test_inventory_xlsx_headers_formats_notes_and_readme(exported, expected_rows, sql, data_stamp_expected):
    out, _ = exported
    book = openpyxl.load_workbook(out / f"融合清单_{YEAR}.xlsx")
    sheets = sheet_names(EXPORT_TABLES)
    assert book.sheetnames == ["说明 README", *(sheets[name] for name in EXPORT_TABLES)]
    for name in EXPORT_TABLES:
        sheet = book[sheets[name]]
        assert [c.value for c in sheet[1]] == _sheet_headers(name), name
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref, name
        assert sheet.max_row == expected_rows[name] + 1, name
        first = TABLES[name].fields[0]
        assert sheet["A1"].comment is not None and first.name in sheet["A1"].comment.text and first.en in sheet["A1"].comment.text

    facility = book[sheets["out_inventory__yearly_facility"]]
    header = [c.value for c in facility[1]]
    assert "二氧化硫排放量(t)" in header
    so2 = [row[header.index("二氧化硫排放量(t)")] for row in facility.iter_rows(min_row=2)]
    assert {c.number_format for c in so2 if c.value is not None} == {"#,##0.000"}
    stored = sql(f"select sum(so2_mass_t) as t from out_inventory__yearly_facility where year = {YEAR}")["t"][0]
    assert sum(c.value for c in so2 if c.value is not None) == pytest.approx(stored, rel=1e-12)  # full values, not rounded
    year_cell = facility.cell(2, header.index("年度") + 1)
    assert (year_cell.value, year_cell.number_format) == (YEAR, "0")

    region = book[sheets["out_inventory__yearly_region_sector"]]
    header = [c.value for c in region[1]]
    share = [row[header.index("监测占比")] for row in region.iter_rows(min_row=2)]
    assert {c.number_format for c in share if c.value is not None} == {"0.0%"}
    assert all(0 <= c.value <= 1 for c in share if c.value is not None)

    readme = [[v for v in row if v is not None] for row in book["说明 README"].iter_rows(values_only=True)]
    text = "\n".join(" ".join(map(str, row)) for row in readme)
    factor_set = sql("select distinct factor_set from core_inventory__factors")["factor_set"].to_list()
    assert len(factor_set) == 1 and factor_set[0] in text
    recalled = sql("select count(*) as n from core_inventory__factors where status = 'recalled'")["n"][0]
    flagged = sql(f"select count(*) as n from out_inventory__yearly_facility where year = {YEAR} and has_recalled_factor")
    assert f"{recalled} 条因子状态为待核实" in text and f"{flagged['n'][0]} 行设施记录" in text
    assert "不是零" in text and "排污许可" in text and "温室气体报告" in text
    listed = {row[1]: row[2] for row in readme if len(row) == 5 and row[1] in EXPORT_TABLES}
    assert listed == expected_rows
    times = {row[0]: row[1] for row in readme if len(row) == 2 and isinstance(row[1], datetime)}
    as_of, inputs = data_stamp_expected
    assert times == {AS_OF_LABEL: as_of}, "the only time shown: the newest input file's, not the export's"
    assert dict(row for row in readme if len(row) == 2)[INPUTS_LABEL] == inputs
    assert book.properties.created == as_of  # the workbook's date: the data's too
    assert "生成时间" not in text and "修改时间" not in text


def test_inventory_xlsx_shows_no_code_where_a_label_exists_and_names_every_city(exported):
    out, _ = exported
    book = openpyxl.load_workbook(out / f"融合清单_{YEAR}.xlsx", read_only=True)
    labels, sheets, cities = vocabularies(), sheet_names(EXPORT_TABLES), set()
    for name in EXPORT_TABLES:
        rows = book[sheets[name]].iter_rows(values_only=True)
        headers = next(rows)
        columns = dict(zip(headers, zip(*rows, strict=True), strict=True)) if book[sheets[name]].max_row > 1 else {}
        for field in TABLES[name].fields:
            values = {v for v in columns.get(field.header_zh, ()) if v is not None}
            if field.dtype == "bool":
                assert values <= {"是", "否"}, (name, field.name)
            codes = {c for c, zh in labels.get(field.name, {}).items() if c != zh}
            parts = {part for v in values for part in re.split(r"[+、]", str(v))}
            assert not parts & codes, (name, field.name, parts & codes)  # e.g. warn, combustion, CO2, city
        if "所在地市" in columns:
            pairs = set(zip(columns["所在地市代码"], columns["所在地市"], strict=True))
            assert all(city for code, city in pairs if code), name  # every city code has its name
            cities |= pairs
    assert ("410100", "郑州市") in cities


def test_inventory_manifest_lists_every_file_with_size_hash_and_rows(exported, expected_rows, sql, data_stamp_expected):
    out, manifest = exported
    as_of, inputs = data_stamp_expected
    assert manifest["year"] == YEAR and manifest["warehouse"] == "warehouse.duckdb"
    assert (manifest["data_as_of"], manifest["inputs_sha256"]) == (f"{as_of:%Y-%m-%dT%H:%M:%S}Z", inputs)
    assert not {"generated_at", "warehouse_modified_at"} & set(manifest)
    assert manifest["factor_sets"] == sql("select distinct factor_set from core_inventory__factors")["factor_set"].to_list()
    assert manifest["gwp_sets"] == ["SAR"]
    files = manifest["files"]
    assert sorted(f["file"] for f in files) == sorted(
        [*(f"{n}.{ext}" for n in EXPORT_TABLES for ext in ("csv", "parquet")), f"融合清单_{YEAR}.xlsx"])
    for entry in files:
        data = (out / entry["file"]).read_bytes()
        assert entry["bytes"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest(), entry["file"]
        expected = sum(expected_rows.values()) if entry["table"] is None else expected_rows[entry["table"]]
        assert entry["rows"] == expected, entry["file"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*(f["file"] for f in files), "manifest.json"])


def test_inventory_export_twice_gives_the_same_bytes(built, exported, tmp_path):
    out, _ = exported
    first = _files(out)
    assert set(first) == {"manifest.json", f"融合清单_{YEAR}.xlsx",
                          *(f"{n}.{ext}" for n in EXPORT_TABLES for ext in ("csv", "parquet"))}
    copy = tmp_path / "elsewhere" / "warehouse.duckdb"  # the same content, another path and file time
    copy.parent.mkdir()
    shutil.copyfile(built[0].warehouse, copy)
    export_year(copy, tmp_path / "again", YEAR)
    again = _files(tmp_path / "again")
    assert set(again) == set(first)
    for name in first:  # every file, the workbook and the manifest too
        assert again[name] == first[name], name
    with zipfile.ZipFile(out / f"融合清单_{YEAR}.xlsx") as book:  # no time of writing in the zip: one fixed date
        assert len(dates := {info.date_time for info in book.infolist()}) == 1 and min(dates)[0] == 1980
    export_year(copy, tmp_path / "again", YEAR)  # over its own earlier export: swapped in whole, nothing left beside
    assert _files(tmp_path / "again") == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again", "elsewhere"]


def test_inventory_export_failing_midway_keeps_the_previous_export(built, tmp_path, monkeypatch):
    out = tmp_path / str(YEAR)
    export_year(built[0].warehouse, out, YEAR, ["csv"])
    before = _files(out)

    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(inventory_export, "_write_workbook", crash)
    with pytest.raises(OSError, match="disk full"):
        export_year(built[0].warehouse, out, YEAR)  # the CSVs are rewritten before the workbook fails
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [str(YEAR)], "no half-written folder left beside it"


def test_inventory_export_refuses_a_folder_holding_other_files(built, tmp_path, monkeypatch):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "budget.xlsx").write_bytes(b"the user's own file")
    with pytest.raises(InventoryExportError, match=r"budget\.xlsx.*choose an empty folder"):
        export_year(built[0].warehouse, mine, YEAR)
    assert _files(mine) == {"budget.xlsx": b"the user's own file"}
    export_year(built[0].warehouse, tmp_path / "ours", YEAR, ["csv"])  # an earlier export's own files are replaced
    (tmp_path / "ours" / "extra.txt").write_text("added by hand")
    before = _files(tmp_path / "ours")
    monkeypatch.setenv("SYNERGY_HOME", str(built[0].home))
    monkeypatch.setenv("DAGSTER_HOME", str(built[0].dagster_home))
    result = CliRunner().invoke(app, ["export", "--year", str(YEAR), "--out", str(tmp_path / "ours")])
    assert result.exit_code == 2 and "extra.txt" in result.output and "不是本导出写入的文件" in result.output
    assert _files(tmp_path / "ours") == before


def test_inventory_export_only_the_formats_asked(built, tmp_path):
    manifest = json.loads(export_year(built[0].warehouse, tmp_path, YEAR, ["parquet"]).read_text(encoding="utf-8"))
    assert {f["format"] for f in manifest["files"]} == {"parquet"}
    assert parse_formats(["csv,XLSX", "csv"]) == ("csv", "xlsx") and parse_formats([]) == ("csv", "xlsx", "parquet")
    with pytest.raises(ValueError, match="json"):
        parse_formats(["json"])


def test_inventory_export_errors_name_the_year_and_the_years_present(built, tmp_path):
    with pytest.raises(InventoryExportError, match=r"1999.*2021, 2022, 2023"):
        export_year(built[0].warehouse, tmp_path / "1999", 1999)
    assert not (tmp_path / "1999").exists()
    with pytest.raises(InventoryExportError, match="synergy build"):
        export_year(tmp_path / "absent.duckdb", tmp_path, YEAR)


def test_inventory_export_on_an_older_or_thinner_warehouse(built, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built[0].warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(f"delete from out_crosscheck__findings where year = {YEAR}")
    manifest = json.loads(export_year(copy, tmp_path / "out", YEAR, ["csv", "xlsx"]).read_text(encoding="utf-8"))
    findings = tmp_path / "out" / "out_crosscheck__findings.csv"
    assert findings.read_text(encoding="utf-8-sig").splitlines() == [",".join(_headers("out_crosscheck__findings"))]
    assert next(f["rows"] for f in manifest["files"] if f["table"] == "out_crosscheck__findings") == 0
    sheet = openpyxl.load_workbook(tmp_path / "out" / f"融合清单_{YEAR}.xlsx")["交叉校核问题清单"]
    assert sheet.max_row == 1 and sheet["A1"].value == "问题编号"
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table out_inventory__yearly_region_sector")
    with pytest.raises(InventoryExportError, match="out_inventory__yearly_region_sector.*older version"):
        export_year(copy, tmp_path / "out", YEAR)


def test_cli_export_prints_files_and_exits_2_without_data(built, tmp_path, monkeypatch):
    ws = built[0]
    monkeypatch.setenv("SYNERGY_HOME", str(ws.home))
    monkeypatch.setenv("DAGSTER_HOME", str(ws.dagster_home))  # the CLI points it at the workspace; restored after
    runner = CliRunner()
    result = runner.invoke(app, ["export", "--year", str(YEAR), "--format", "csv", "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert "out_inventory__yearly_facility.csv" in result.output and "manifest.json" in result.output
    assert (tmp_path / "cli" / "manifest.json").is_file() and not list((tmp_path / "cli").glob("*.xlsx"))
    result = runner.invoke(app, ["export", "--year", "1999", "--out", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "没有 1999 年的数据" in result.output and "no data for 1999" in result.output and "2021, 2022, 2023" in result.output
    assert runner.invoke(app, ["export", "--year", str(YEAR), "--format", "json"]).exit_code == 2


def test_every_build_writes_the_exports_and_reports_of_its_years(built, exported):
    ws = built[0]
    for year in (2021, 2022, 2023):
        manifest = json.loads((ws.exports / str(year) / "manifest.json").read_text(encoding="utf-8"))
        for entry in manifest["files"]:
            data = (ws.exports / str(year) / entry["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        assert (ws.reports / str(year) / f"清单报告_{year}.html").exists()
    out, _ = exported  # the build's files are those of the warehouse it published
    for name in ("out_inventory__yearly_region_sector.csv", "out_inventory__yearly_facility.parquet"):
        assert (ws.exports / str(YEAR) / name).read_bytes() == (out / name).read_bytes()
