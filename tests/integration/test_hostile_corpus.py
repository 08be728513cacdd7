"""A hostile-input corpus, generated here, through a real `synergy build` (issue 25 §11).

One workspace holds the hand-written good files of tests/fixtures/handwritten/completeness/ and, beside them, one
input of each hostile class: absurd and non-finite numbers, formula-looking names, hidden and lock files, dangling
symlinks and a symlink out of the workspace, a file name in Rich markup, a merged-range bomb, a sheet that inflates
beyond the limit, a CSV with an endless line, random bytes named .xlsx, Latin-1 text, and broken curation and
configuration files. The build runs as the bureau runs it (`synergy build` in a child process) and must:
succeed; account for every inbox entry; keep rows read = accepted + rejected per file; give the good files exactly the
results of a build without the hostile ones; write no live formula into any export; stay under the memory limit.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from worlds import HANDWRITTEN, HANDWRITTEN_FILES, put_handwritten_files

from pipelines.read.files import sha256_of
from pipelines.workspace import Workspace, init_workspace
from schemas.identifiers import uscc_check_char

pytestmark = pytest.mark.slow

GOOD_USCCS = ("91410100410102763F", "91410100410300583W", "91410100410800449J", "91410100411300913J")
F = "91410100MA4HX0001" + uscc_check_char("91410100MA4HX0001")  # the hostile enterprise: absurd numbers, formula name
G = "91410100MA4HX0002" + uscc_check_char("91410100MA4HX0002")  # named in Rich markup, in a file named in Rich markup
FORMULA_NAME = '=HYPERLINK("http://example.com/x","点我")'
GHG_HEADER = ("报告年度,统一社会信用代码,单位名称,行业代码,行政区划代码,排放设施,燃料品种,消耗量,计量单位,低位发热量,"
              "热值单位,低位发热量来源,单位热值含碳量(tC/GJ),含碳量来源,碳氧化率(%),碳氧化率来源,备注")
ABSURD = ("1E+400", "1e15", "1e308")  # non-finite, beyond the coal bound, overflowing once 万吨 is converted
MEMORY_LIMIT_BYTES = 3 * 1024**3
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _ghg_row(uscc: str, name: str, unit: str, fuel: str, quantity: str, quantity_unit: str) -> str:
    cells = ["2023", uscc, name, "3011", "410102", unit, fuel, quantity, quantity_unit, *[""] * 8]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _xlsx(path: Path, sheet_xml: bytes) -> None:
    """A minimal workbook with one sheet, written by hand so any sheet XML (a bomb) fits in it."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name='
        '"Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)


SHEET_OPEN = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')


def _write_hostile(ws: Workspace) -> dict[str, str]:
    """Every hostile inbox entry, and the file_status the manifest must give it."""
    ghg = ws.inbox / "ghg"
    expected = {}
    absurd = "".join(_ghg_row(F, FORMULA_NAME, f"{i}#炉", "烟煤", value, "万吨" if value == "1e308" else "吨")
                     for i, value in enumerate(ABSURD, start=1))
    good_line = _ghg_row(F, FORMULA_NAME, "4#炉", "天然气", "100", "万立方米")
    (ghg / "温室气体排放报告_化石燃料燃烧_2023_异常值.csv").write_text(f"{GHG_HEADER}\n{absurd}{good_line}",
                                                                 encoding="utf-8-sig")
    expected["ghg/温室气体排放报告_化石燃料燃烧_2023_异常值.csv"] = "ingested"
    markup_name = "坏名[/]报告[bold][link=x].csv"  # a folder `坏名[` and a file `]报告…`: `[/]` in the path
    (ghg / "坏名[").mkdir()
    (ghg / markup_name).write_text(f"{GHG_HEADER}\n{_ghg_row(G, '[bold]@SUM(1+1)[/bold]', '1#炉', '烟煤', '50', '吨')}",
                                   encoding="utf-8-sig")
    expected[f"ghg/{markup_name}"] = "ingested"
    report = next(name for name, source in HANDWRITTEN_FILES.items() if name.startswith("温室气体排放报告"))
    shutil.copy(HANDWRITTEN / report, ghg / "..csv")  # hidden: a copy, so nothing may count it twice
    expected["ghg/..csv"] = "skipped"
    (ghg / "~$锁定.xlsx").write_bytes(b"lock")
    expected["ghg/~$锁定.xlsx"] = "skipped"
    (ghg / "悬空链接.csv").symlink_to(ws.home / "nowhere.csv")
    expected["ghg/悬空链接.csv"] = "skipped"
    (ghg / "passwd.csv").symlink_to("/etc/passwd")
    expected["ghg/passwd.csv"] = "skipped"
    _xlsx(ghg / "合并单元格炸弹.xlsx", SHEET_OPEN + b'<mergeCells count="1"><mergeCell ref="A1:XFD200000"/></mergeCells>'
          b"</worksheet>")
    expected["ghg/合并单元格炸弹.xlsx"] = "too_large"
    _xlsx(ghg / "膨胀炸弹.xlsx", SHEET_OPEN.replace(b"<sheetData>", b"<sheetData>" + b" " * (300 * 1024**2)) +
          b"</worksheet>")
    expected["ghg/膨胀炸弹.xlsx"] = "too_large"
    (ghg / "超长行.csv").write_text(f"{GHG_HEADER}\n" + "9" * (8 * 1024**2) + "\n", encoding="utf-8")
    expected["ghg/超长行.csv"] = "too_large"
    (ghg / "二进制.xlsx").write_bytes(os.urandom(4096))
    expected["ghg/二进制.xlsx"] = "unreadable"
    (ghg / "latin1.csv").write_bytes("Société,Café,Montréal\nRéaumur,Hôtel,Zürich\n".encode("cp1252"))
    expected["ghg/latin1.csv"] = "unrecognised"
    return expected


def _write_hostile_curation(ws: Workspace) -> None:
    (ws.curation / "matches.csv").write_text(
        "action,identity_key,facility_id,uscc,who,why,decided_on\n"
        "confirm,I12,S1,,张三,坏标识 malformed key,2026-01-01\n"
        "confirm,I0123456789a,,91410100410102763X,=cmd|' /C calc'!A0,校验位错误 wrong check character,2026-13-45\n"
        "删除,I0123456789b,S2,,李四,未知操作 unknown action,\n", encoding="utf-8-sig")
    (ws.curation / "findings.csv").write_bytes(os.urandom(2048))


def _rows(warehouse: Path, query: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(query).pl()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, no_judgement_factors) -> tuple[Workspace, dict[str, str], subprocess.CompletedProcess, int]:
    """Built with the factor set of the `handwritten` build (conftest.py), the good files' results alone."""
    ws = Workspace(tmp_path_factory.mktemp("hostile"))
    init_workspace(ws)
    put_handwritten_files(ws)
    expected = _write_hostile(ws)
    _write_hostile_curation(ws)
    env = {**os.environ, "SYNERGY_HOME": str(ws.home), "COLUMNS": "200"}
    probe = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(done.returncode)")
    synergy = str(Path(sys.executable).with_name("synergy"))
    done = subprocess.run([sys.executable, "-c", probe, synergy, "build", "--factor-set", str(no_judgement_factors)],
                          env=env, capture_output=True, text=True, timeout=1200)
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return ws, expected, done, peak_kib * 1024


def test_the_build_succeeds_within_the_memory_limit(hostile):
    _, _, done, peak = hostile
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert peak < MEMORY_LIMIT_BYTES, f"peak RSS {peak / 1024**2:.0f} MiB"


def test_every_inbox_entry_has_one_manifest_row_with_its_status(hostile):
    ws, expected, _, _ = hostile
    manifest = _rows(ws.warehouse, "select source_file, file_status, message from core_qa__file_manifest")
    assert manifest["source_file"].is_duplicated().sum() == 0
    found = dict(zip(manifest["source_file"], manifest["file_status"], strict=True))
    for name, status in expected.items():
        assert found.get(name) == status, (name, found.get(name))
    for name, source in HANDWRITTEN_FILES.items():
        assert found[f"{source}/{name}"] == "ingested"
    on_disk = {p.relative_to(ws.inbox).as_posix() for p in ws.inbox.rglob("*") if p.is_file() or p.is_symlink()}
    assert on_disk == set(found)
    messages = dict(zip(manifest["source_file"], manifest["message"], strict=True))
    assert "GB18030" in (messages["ghg/latin1.csv"] or "")  # the likely mis-decoding is named


def test_rows_read_are_accepted_or_rejected_in_every_file(hostile):
    ws, _, _, _ = hostile
    files = _rows(ws.warehouse, "select source_file, rows_read, rows_accepted, rows_rejected from core_qa__file_manifest")
    for row in files.iter_rows(named=True):
        assert row["rows_read"] == row["rows_accepted"] + row["rows_rejected"], row


def test_absurd_numbers_are_quarantined_with_their_raw_values(hostile):
    ws, _, _, _ = hostile
    rejected = _rows(ws.warehouse, "select raw_value, reason_en from core_qa__rejected_rows "
                                   "where source_file like '%异常值%' order by row_number")
    assert rejected["raw_value"].to_list() == list(ABSURD)
    facility = _rows(ws.warehouse, f"select co2_combustion_t from out_inventory__yearly_enterprise where uscc = '{F}'")
    # only the gas line counts: 100 万Nm3 x the gas defaults; finite and far below any absurd line
    assert facility.height == 1 and 0 < facility["co2_combustion_t"][0] < 1e4


def test_the_good_files_give_what_they_give_alone(handwritten, hostile):
    ws, _, _, _ = hostile
    query = ("select * from out_inventory__yearly_facility where uscc in "
             f"{GOOD_USCCS} order by all")
    alone, beside = _rows(handwritten.warehouse, query), _rows(ws.warehouse, query)
    assert alone.height >= 4
    assert alone.equals(beside)


def test_the_symlink_out_of_the_workspace_is_never_archived(hostile):
    ws, _, _, _ = hostile
    passwd = sha256_of(Path("/etc/passwd"))
    assert not any(p.name.startswith(passwd) for p in ws.archive.iterdir())


def test_no_export_holds_a_live_formula(hostile):
    ws, _, _, _ = hostile
    csvs = list(ws.exports.rglob("*.csv"))
    assert csvs
    for path in csvs:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    if cell.startswith(DANGEROUS):
                        try:
                            float(cell)
                        except ValueError:
                            pytest.fail(f"{path.name}: live formula {cell!r}")
    for path in ws.exports.rglob("*.xlsx"):
        book = openpyxl.load_workbook(path)
        assert not [c.coordinate for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"]
    names = _rows(ws.warehouse, f"select enterprise_name from out_inventory__yearly_enterprise where uscc = '{F}'")
    assert names["enterprise_name"].to_list() == [FORMULA_NAME]  # the warehouse keeps the value as written


def test_bad_curation_rows_are_logged_and_the_cli_prints_markup_as_text(hostile):
    ws, _, _, _ = hostile
    log = _rows(ws.warehouse, "select row_number, curation_status from core_qa__curation_log order by row_number")
    assert log["curation_status"].to_list() == ["invalid", "invalid", "invalid"]
    env = {**os.environ, "SYNERGY_HOME": str(ws.home), "COLUMNS": "250"}
    synergy = str(Path(sys.executable).with_name("synergy"))
    status = subprocess.run([synergy, "status"], env=env, capture_output=True, text=True, timeout=300)
    assert status.returncode == 0, status.stdout + status.stderr
    files = subprocess.run([synergy, "sql", "select source_file from core_qa__file_manifest where source_file like "
                            "'%坏名%'"], env=env, capture_output=True, text=True, timeout=300)
    assert files.returncode == 0 and "坏名[/]报告[bold][link=x].csv" in files.stdout, files.stdout + files.stderr
    assert json.loads((ws.exports / "2023" / "manifest.json").read_text(encoding="utf-8"))
