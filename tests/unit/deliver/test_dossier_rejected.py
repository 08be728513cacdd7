"""一企一档 拒收记录 on a hand-written warehouse: which rejected rows a dossier ties to its enterprise (and by which
raw cell), how they print at 80 columns with file names whole, and the one line of a section without data."""

from __future__ import annotations

import io
import json

import duckdb
import openpyxl
import pytest
from rich.cells import cell_len
from rich.console import Console

from pipelines.deliver.dossier import Dossier, build_dossier, find_enterprise, show_section, write_xlsx
from schemas.generate import duckdb_ddl
from schemas.tables import TABLES

A, B, C = "91410100MA45ABCD1X", "91410200MA46WXYZ2Y", "91410300MA47PQRS3Z"  # A's USCC embeds the code MA45ABCD1
PERMIT = "91410100MA45ABCD1X001P"
LONG_FILE = "ghg/2023年度温室气体排放报告汇总_某某市生态环境局_更正版.xlsx"  # 61 terminal cells
# (source_file, sheet, row, column, raw value, identifier cells of the raw row): what each rejected row says
REJECTED = [
    (LONG_FILE, "燃料燃烧排放", 7, "消耗量", "1,2O5.3", {"uscc": " 91410100ma45abcd1x ", "enterprise_name": "甲热电"}),
    ("envstat/基101_2023.xlsx", "基101", 12, "单位名称", None, {"org_code": "17005233-6"}),  # A's old code, dashed
    ("envstat/基101_2023.xlsx", "基101", 13, "燃煤", "-5", {"org_code": "MA45ABCD1"}),  # the code in A's USCC
    ("permit/执行报告_2023.csv", None, 4, "实际排放量", "abc", {"permit_no": PERMIT}),
    ("cems/补传数据_2023.csv", "", 9, "DataTime", "2023-13-01", {"MN": "M001"}),  # A's outlet in the outlet map
    ("ghg/2022年度报告.csv", None, 24, "统一社会信用代码", "91410100MA45ABCD10", {"uscc": "91410100MA45ABCD10",
                                                                          "enterprise_name": "甲电厂"}),  # former name
    ("ghg/2022年度报告.csv", None, 30, "年度", None, {"enterprise_name": "甲热电有限公司分厂"}),  # contains, not equals
    ("ghg/2022年度报告.csv", None, 31, "年度", None, {"uscc": B, "enterprise_name": "乙热电"}),
]


@pytest.fixture(scope="module")
def con():
    """Every published table, empty, then three enterprises: A with a former name, an old organisation code, a permit
    and a CEMS outlet; B; C with nothing rejected."""
    con = duckdb.connect()
    for table in TABLES:
        for statement in duckdb_ddl(table):
            con.execute(statement)
    for uscc, name in ((A, "甲热电"), (B, "乙热电"), (C, "丙热电")):
        con.execute("insert into core_enterprise__entity (uscc, enterprise_name) values (?, ?)", [uscc, name])
        con.execute("insert into core_enterprise__aliases (uscc, alias_kind, alias) values (?, 'name', ?)", [uscc, name])
    con.execute(f"insert into core_enterprise__aliases (uscc, alias_kind, alias) values ('{A}', 'former_name', '甲电厂'), "
                f"('{A}', 'org_code', '170052336')")
    con.execute("insert into core_facility__entity (facility_id, uscc, permit_no, facility_kind) values (?, ?, ?, "
                "'permit_site')", [PERMIT, A, PERMIT])
    con.execute("insert into core_cems__outlets (mn, permit_no) values ('M001', ?), ('M002', 'OTHER')", [PERMIT])
    for file, sheet, row, column, raw, cells in REJECTED:
        con.execute("insert into core_qa__rejected_rows (source_system, target_table, source_file, sheet_name, "
                    "row_number, file_sha256, column_name, raw_value, reason_zh, reason_en, raw_record) values "
                    "('ghg', 't', ?, ?, ?, 'sha', ?, ?, ?, ?, ?)",
                    [file, sheet, row, column, raw, f"第{row}行有误", f"row {row} is wrong",
                     json.dumps(cells, ensure_ascii=False)])
    yield con
    con.close()


def _dossier(con, uscc: str) -> Dossier:
    return build_dossier(con, find_enterprise(con, uscc))


def _rejected(dossier: Dossier):
    return next(s for s in dossier.sections if s.key == "rejected")


def _printed(dossier: Dossier, width: int = 80) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    for section in dossier.sections:
        show_section(console, section)
    return out.getvalue().splitlines()


def test_rows_naming_the_enterprise_by_any_identifier_cell_and_only_those(con):
    section = _rejected(_dossier(con, A))
    got = [(row[0], row[2], row[3], row[4], row[-1]) for row in section.rows]
    assert got == [  # ordered by file, sheet, row
        ("cems/补传数据_2023.csv", 9, "DataTime", "2023-13-01", "数采仪编号MN mn"),
        ("envstat/基101_2023.xlsx", 12, "单位名称", None, "组织机构代码 org_code"),
        ("envstat/基101_2023.xlsx", 13, "燃煤", "-5", "组织机构代码 org_code"),
        ("ghg/2022年度报告.csv", 24, "统一社会信用代码", "91410100MA45ABCD10", "单位名称 enterprise_name"),
        (LONG_FILE, 7, "消耗量", "1,2O5.3", "统一社会信用代码 uscc; 单位名称 enterprise_name"),
        ("permit/执行报告_2023.csv", 4, "实际排放量", "abc", "排污许可证编号 permit_no"),
    ]
    assert section.column("原因 reason_zh")[0] == "第9行有误" and section.column("原因(英文) reason_en")[0] == "row 9 is wrong"
    assert [row[2] for row in _rejected(_dossier(con, B)).rows] == [31]  # row 30 only contains A's name: nobody's
    assert _rejected(_dossier(con, C)).rows == []


def test_at_80_columns_identifiers_stay_whole_and_an_empty_section_is_one_line(con):
    lines = _printed(_dossier(con, A))
    # the rejected rows do not fit a table beside a 61-cell file name: one block per row, the name whole on its line
    assert f"  来源文件 source_file  {LONG_FILE}" in lines
    assert [line.split() for line in lines if "row_number" in line] == [
        ["行号", "row_number", str(row)] for row in (9, 12, 13, 24, 7, 4)]
    assert not [line for line in lines if "ghg/2023年度" in line and LONG_FILE not in line]  # never cut
    sites = [line for line in lines if line.startswith(PERMIT)]  # a table that fits: both ids whole on one row
    assert len(sites) == 1 and sites[0].count(PERMIT) == 2 and cell_len(sites[0]) <= 80
    assert any(line.endswith(A) for line in lines)  # the USCC whole in 基本信息

    lines = _printed(_dossier(con, C))
    assert "拒收记录 rejected rows: 无数据 / no data" in lines
    assert "各系统数据对照 the systems side by side per year: 无数据 / no data" in lines
    assert not [line for line in lines if line.strip() in ("拒收记录", "rejected", "rows", "各系统数据对照")]


def test_the_workbook_sheet_of_an_empty_section_holds_the_same_line(con, tmp_path):
    dossier = _dossier(con, C)
    book = openpyxl.load_workbook(write_xlsx(dossier, tmp_path / "c.xlsx"))
    assert [row for row in book["拒收记录"].iter_rows(values_only=True)] == [
        ("拒收记录 rejected rows: 无数据 / no data",), (_rejected(dossier).note,)]
    readme = {row[0]: row[2] for row in book["说明"].iter_rows(values_only=True) if row[0] == "拒收记录"}
    assert readme == {"拒收记录": 0}
    sheet = openpyxl.load_workbook(write_xlsx(_dossier(con, A), tmp_path / "a.xlsx"))["拒收记录"]
    assert [cell.value for cell in sheet[2]][:5] == ["cems/补传数据_2023.csv", None, 9, "DataTime", "2023-13-01"]
