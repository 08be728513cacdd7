"""Read limits (issue 25): a file beyond one is refused as too_large with the limit and the measured value named, in
bounded memory and time, and the other files go on; merged ranges are filled only over the cells a sheet has."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from pipelines.read.files import read_sheets
from pipelines.read.inbox import read_inbox
from pipelines.read.limits import DEFAULT_LIMITS, FileRefused, load_limits

MIB = 1024 * 1024
SHEET_HEAD = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>')
GOOD = "报告年度,统一社会信用代码,单位名称,类别,数量,计量单位\n2023,91410100MA00000000,演示,购入电力,1,MWh\n"


def _workbook(path: Path, write_sheet: Callable[[io.BufferedIOBase], None]) -> Path:
    """A workbook openpyxl writes, its sheet XML replaced by whatever `write_sheet` streams (a bomb)."""
    book = openpyxl.Workbook()
    book.active["A1"] = "x"
    made = io.BytesIO()
    book.save(made)
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with out.open(info.filename, "w") as member:
                    write_sheet(member)
            else:
                out.writestr(info, source.read(info))
    return path


def _sheet(cells_and_tail: bytes) -> Callable[[io.BufferedIOBase], None]:
    return lambda member: member.write(SHEET_HEAD + cells_and_tail)


def _inflated(member: io.BufferedIOBase) -> None:
    """A sheet whose XML unpacks to 300 MiB of blanks (about 300 KB packed)."""
    member.write(SHEET_HEAD + b"</row>")
    blanks = b" " * MIB
    for _ in range(300):
        member.write(blanks)
    member.write(b"</sheetData></worksheet>")


def _long_line(path: Path) -> Path:
    """A CSV whose second line is 150 MiB of `9,` (75 million cells if read)."""
    with path.open("wb") as out:
        out.write(b"a,b\n")
        for _ in range(150):
            out.write(b"9," * (MIB // 2))
        out.write(b"\n")
    return path


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> tuple[Path, dict[str, tuple[str, str]]]:
    """inbox/ghg/ with a good file and each bomb; per bomb the limit that must refuse it and a measured value the
    message must name."""
    inbox = tmp_path_factory.mktemp("limits") / "inbox"
    folder = inbox / "ghg"
    folder.mkdir(parents=True)
    (folder / "good.csv").write_text(GOOD, encoding="utf-8")
    merges = b"".join(b'<mergeCell ref="A%d:B%d"/>' % (i, i) for i in range(1, 100_002))
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(2, 200_001))
    bombs = {  # 200,000 rows under a merge of 16,384 x 200,000 cells: a reader that pads would need 26 GB
        "merged.xlsx": (_sheet(b"</row>" + rows + b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD200000"/>'
                               b"</mergeCells></worksheet>"), "file_cells", "3,276,800,000"),
        "inflated.xlsx": (_inflated, "xlsx_inflated_mb", "301 MB"),
        "wide.xlsx": (_sheet(b'<c r="XFD1"><v>1</v></c></row></sheetData></worksheet>'), "sheet_columns", "16,384"),
        "deep.xlsx": (_sheet(b'</row><row r="2000000"><c r="A2000000"><v>1</v></c></row></sheetData></worksheet>'),
                      "sheet_rows", "2,000,000"),  # beyond Excel's last row
        "many_merges.xlsx": (_sheet(b'</row></sheetData><mergeCells>' + merges + b"</mergeCells></worksheet>"),
                             "sheet_merged_ranges", "100,001"),
    }
    expected = {}
    for name, (write, limit, measured) in bombs.items():
        _workbook(folder / name, write)
        expected[name] = (limit, measured)
    _long_line(folder / "long_line.csv")
    expected["long_line.csv"] = ("csv_line_chars", "157,286,401")  # 150 MiB of `9,` and the line break
    return inbox, expected


CHILD = """
import json, resource, sys, time
from pathlib import Path
from pipelines.read.files import read_sheets
from pipelines.read.limits import FileRefused
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
out = {}
for path in sorted(Path(sys.argv[1]).iterdir()):
    start = time.monotonic()
    try:
        read_sheets(path)
        out[path.name] = ["read", "", time.monotonic() - start]
    except FileRefused as err:
        out[path.name] = [err.status, str(err), time.monotonic() - start]
print(json.dumps(out))
"""


@pytest.mark.slow  # writes and reads archives that inflate to gigabytes
def test_bombs_are_refused_quickly_within_a_memory_limit(bombs):
    """Under a 1.5 GB address-space limit (the reader alone takes ~0.2 GB) each bomb is refused in seconds; read
    without limits the merged range would take 26 GB, the long line over 1.5 GB."""
    inbox, expected = bombs
    limit = str(1536 * MIB)
    done = subprocess.run([sys.executable, "-c", CHILD, str(inbox / "ghg"), limit], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).parents[3])
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout)
    assert got.pop("good.csv")[0] == "read" and set(got) == set(expected)
    for name, (limit, measured) in expected.items():
        status, message, seconds = got[name]
        assert status == "too_large" and f"[read] {limit}" in message and measured in message, (name, message)
        assert seconds < 5, (name, seconds)


@pytest.mark.slow
def test_bombs_in_an_inbox_get_one_row_each_and_the_good_file_reads_on(bombs, tmp_path):
    inbox, expected = bombs
    read = read_inbox(inbox, tmp_path / "archive", "ghg")
    log = {r["source_file"]: r for r in read.file_log().iter_rows(named=True)}
    assert {name: row["file_status"] for name, row in log.items()} == {
        "ghg/good.csv": "ingested", **{f"ghg/{name}": "too_large" for name in expected}}
    assert [r["quantity"] for r in read.tables["raw_ghg__energy_flows"]] == ["1"]
    message = log["ghg/merged.xlsx"]["message"]
    assert "合并单元格区域A1:XFD200000" in message and "merged range A1:XFD200000 of sheet 'Sheet'" in message


def _text_cells(number: int, *texts: str | None) -> bytes:
    cells = b"".join(b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (column.encode(), number, text.encode())
                     for column, text in zip("ABC", texts, strict=False) if text is not None)
    return b'<row r="%d">%s</row>' % (number, cells)


def test_merged_ranges_fill_only_the_rows_and_width_the_sheet_has(tmp_path):
    rows = b"".join((_text_cells(1, "2023年排放清单"), _text_cells(2, "类别", "名称", "数量"),
                     _text_cells(3, "燃料", "烟煤", "10"), _text_cells(4, None, "天然气", "5")))
    merges = (b'<mergeCells count="3"><mergeCell ref="A1:XFD1"/>'  # a title merged across the whole row
              b'<mergeCell ref="A3:A1048576"/>'  # a category merged down the whole sheet
              b'<mergeCell ref="E2:F9"/></mergeCells>')  # right of the used width: nothing to fill
    path = _workbook(tmp_path / "merged.xlsx", lambda member: member.write(
        SHEET_HEAD.split(b"<row")[0] + rows + b"</sheetData>" + merges + b"</worksheet>"))
    [got], _ = read_sheets(path)
    assert got.rows == [["2023年排放清单"] * 3, ["类别", "名称", "数量"], ["燃料", "烟煤", "10"], ["燃料", "天然气", "5"]]


def test_limits_toml_overrides_a_default_and_a_malformed_one_is_named(tmp_path, caplog):
    home = tmp_path / "home"
    (home / "inbox" / "ghg").mkdir(parents=True)
    (home / "config").mkdir()
    (home / "inbox" / "ghg" / "good.csv").write_text(GOOD + GOOD.splitlines()[1] + "\n", encoding="utf-8")  # 3 rows
    (home / "config" / "limits.toml").write_text("[read]\nsheet_rows = 2\n", encoding="utf-8")
    assert load_limits(home / "config").sheet_rows == 2
    [row] = read_inbox(home / "inbox", tmp_path / "archive", "ghg").file_log().iter_rows(named=True)
    assert row["file_status"] == "too_large"
    assert "行数（含空行）至少为3行，超过上限2行（config/limits.toml [read] sheet_rows）" in row["message"]
    (home / "config" / "limits.toml").write_text("[read]\nsheet_rows = -1\nrows = 5\n", encoding="utf-8")
    limits = load_limits(home / "config")
    assert limits.sheet_rows == DEFAULT_LIMITS.sheet_rows and "unknown key rows" in limits.problem
    assert "config/limits.toml is malformed" in caplog.text  # warned on the build's console and in the run log
    [row] = read_inbox(home / "inbox", tmp_path / "archive", "ghg").file_log().iter_rows(named=True)
    assert row["file_status"] == "ingested"  # the defaults are in force
    with pytest.raises(FileRefused, match="sheet_rows must be a positive integer"):  # named where a limit refuses
        read_sheets(_workbook(tmp_path / "deep.xlsx", _sheet(b'</row><row r="2000000"><c r="A2000000"><v>1</v></c>'
                                                            b"</row></sheetData></worksheet>")), limits)


def test_a_cems_export_with_an_endless_line_is_refused_before_polars_reads_it(tmp_path):
    import polars as pl

    from pipelines.read.cems.store import CemsStore, ingest

    folder = tmp_path / "inbox" / "cems"
    folder.mkdir(parents=True)
    header = "MN,DataTime,a21026-Cou,a21026-Flag\n"
    (folder / "410100_2023_ok.csv").write_text(header + "MN01,20230101000000,1.5,N\n", encoding="utf-8")
    (folder / "410100_2023_endless.csv").write_text(header + "MN01,20230101010000,1.5,N\n" + "9" * (3 * MIB),
                                                    encoding="utf-8")
    outlets = pl.DataFrame({"mn": ["MN01"], "permit_no": ["91410100MA00000001001P"], "outlet_code": ["DA001"],
                            "city_code": ["410100"]})
    log = ingest(CemsStore(tmp_path / "hourly"), folder, tmp_path / "archive", outlets, [])
    got = {r["source_file"]: (r["file_status"], r["rows_accepted"], r["message"]) for r in log.iter_rows(named=True)}
    assert got["cems/410100_2023_ok.csv"][:2] == ("ingested", 1)
    status, accepted, message = got["cems/410100_2023_endless.csv"]
    assert (status, accepted) == ("too_large", 0) and "the length of line 3 is at least" in message
