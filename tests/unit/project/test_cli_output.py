"""What the CLI prints, on a tiny hand-made warehouse: identifiers whole in an 80-column terminal, csv and json
that parse back, the workspace on stderr, read-only commands that never create a workspace, the build summary
per year (latest first) with the files that need someone, `ingest --source` checked and CEMS files taken in."""

import csv
import io
import json
import re
import shutil

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines import cli
from pipelines.deliver.templates import write_cems_templates
from pipelines.read.ingest import detect_source
from schemas.generate import duckdb_ddl
from schemas.tables import TABLES

USCC_A, USCC_B = "91410102MA44XKQ13Y", "914101056P2UQ4TN1E"  # 18 characters each
PERMIT_A = USCC_A + "001P"  # 22 characters
LONG_NAME = "演示豫中能源集团有限责任公司第二热电厂及配套供热管网工程项目部"
LONG_MESSAGE = ("2023年原煤消耗量：温室气体报告 83860.06 t，排放源统计 93177.84 t，相对差10.0%（容差5%），请核对两个系统的"
                "填报口径与计量单位是否一致 / raw coal quantity differs between the GHG report and the statistics")
FINDINGS = [("F0a1b2c3d4e5f", "error", "activity_fuel_quantity", USCC_A, LONG_NAME, "410100", 2023),
            ("F9e8d7c6b5a41", "warn", "implied_co2_vs_reported", USCC_B, "演示和嘉水泥有限责任公司", "410500", 2022)]
LONG_FILE = "ghg/2023年度温室气体排放报告汇总_郑州市生态环境局_第二次更正版本_演示数据.xlsx"
UNRECOGNISED = "permit/排污许可证执行报告扫描件_2023.pdf"
CURATION = f"confirm,I0f27f957d81,{PERMIT_A},{USCC_A},<who>,<why>,"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A workspace folder whose warehouse has every published table: two findings, three files (one not read, one
    with rejected rows), facilities in 2022 and 2023, a review line; beside it, empty.duckdb with the tables empty."""
    home = tmp_path_factory.mktemp("output") / "home"
    home.mkdir()
    with duckdb.connect(str(home.parent / "empty.duckdb")) as con:
        for table in TABLES:
            for statement in duckdb_ddl(table):
                con.execute(statement)
    shutil.copy(home.parent / "empty.duckdb", home / "warehouse.duckdb")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for finding_id, severity, rule, uscc, name, city, year in FINDINGS:
            con.execute("insert into out_crosscheck__findings (finding_id, severity, rule_id, rule_title_zh, uscc, "
                        "enterprise_name, city_code, year, subject, message_zh, message_en, finding_status) values "
                        "(?, ?, ?, '同一燃料在各系统中的消耗量不一致', ?, ?, ?, ?, 'raw_coal ghg/envstat', ?, 'differs', "
                        "'open')", [finding_id, severity, rule, uscc, name, city, year, LONG_MESSAGE])
        files = [("ghg", LONG_FILE, "ingested", 10, 8, 2, None), ("permit", UNRECOGNISED, "unrecognised", 0, 0, 0,
                  "不支持的文件类型“.pdf” / unsupported file type '.pdf'"), ("envstat", "envstat/基101.csv", "ingested",
                                                                          5, 5, 0, None)]
        for source, name, status, read, accepted, rejected, message in files:
            con.execute("insert into core_qa__file_manifest (source_system, source_file, file_status, rows_read, "
                        "rows_accepted, rows_rejected, rows_superseded, message) values (?, ?, ?, ?, ?, ?, 0, ?)",
                        [source, name, status, read, accepted, rejected, message])
        for row_number, reason in ((7, "“消耗量”列：无法识别的数值“一点二”"), (4, "“统一社会信用代码”列：校验位错误")):
            con.execute("insert into core_qa__rejected_rows (source_system, source_file, row_number, column_name, "
                        "raw_value, reason_zh, reason_en) values ('ghg', ?, ?, '消耗量', 'x', ?, 'bad')",
                        [LONG_FILE, row_number, reason])
        facilities = [(PERMIT_A, USCC_A, 2023, 1000.5, 10.0), (USCC_B + "-E", USCC_B, 2023, 2000.2, 5.5),
                      (PERMIT_A, USCC_A, 2022, 500.0, 3.0)]
        for facility, uscc, year, co2e, so2 in facilities:
            con.execute("insert into out_inventory__yearly_facility (facility_id, uscc, facility_name, year, co2e_t, "
                        "so2_mass_t, has_gap_filled, has_recalled_factor) values (?, ?, ?, ?, ?, ?, false, false)",
                        [facility, uscc, LONG_NAME, year, co2e, so2])
        con.execute("insert into out_qa__match_review (identity_key, review_kind, enterprise_name, region_code, "
                    "candidate_name, candidate_facility_id, candidate_uscc, match_score, match_reason_zh, "
                    "curation_line) values ('I0f27f957d81', 'ambiguous', ?, '410402', ?, ?, ?, 1.0, "
                    "'名称在同一地市对应多个企业，需人工确认', ?)", [LONG_NAME, LONG_NAME, PERMIT_A, USCC_A, CURATION])
        con.execute("insert into out_qa__unmatched_records (source_system, record_year, identity_key) values "
                    "('envstat', 2023, 'I0f27f957d81')")
    return home


@pytest.fixture()
def home(template, tmp_path, monkeypatch):
    """A copy of the template, the CLI pointed at it, in an 80-column terminal."""
    home = tmp_path / "home"
    shutil.copytree(template, home)
    monkeypatch.setenv("SYNERGY_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "80")
    return home


def _run(*args: str, exit_code: int = 0):
    result = CliRunner().invoke(cli.app, list(args), catch_exceptions=False)
    assert result.exit_code == exit_code, result.output
    return result


def _longest_line(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def test_checks_at_80_columns_shows_every_finding_id_and_code_whole(home):
    out = _run("checks").stdout
    for finding_id, *_ in FINDINGS:
        assert re.search(rf"(^|\s){finding_id}(\s|$)", out, re.M), finding_id  # whole, not F0a1b…
    assert "activity_fuel_quantity" in out and "implied_co2_vs_reported" in out
    assert "…" not in out


def test_sql_at_80_columns_keeps_ids_whole_in_a_table_or_a_record_view(home):
    table = _run("sql", "select facility_id, uscc, facility_name, year from out_inventory__yearly_facility "
                        "order by year desc, facility_id").stdout
    header = next(line for line in table.splitlines() if line.startswith("facility_id"))
    assert header.split() == ["facility_id", "uscc", "facility_name", "year"]  # a table: it fits with the name wrapped
    assert f"{PERMIT_A}  {USCC_A}" in table and f"{USCC_B}-E" in table
    assert _longest_line(table) <= 80 and LONG_NAME not in table  # the name wraps, the codes do not

    wide = _run("sql", "select finding_id, uscc, enterprise_name, message_zh, message_en, subject "
                       "from out_crosscheck__findings order by finding_id").stdout
    lines = wide.splitlines()
    assert f"  finding_id       {FINDINGS[0][0]}" in lines  # the record view: one `column  value` line each
    assert f"  uscc             {USCC_A}" in lines and f"  message_zh       {LONG_MESSAGE}" in lines
    assert "─ 1/2" in wide and "─ 2/2" in wide


def test_matches_review_keeps_the_curation_line_whole(home):
    out = _run("matches", "--review").stdout
    assert any(line.endswith(f"  {CURATION}") for line in out.splitlines())  # on one line, never folded
    assert "I0f27f957d81" in out and PERMIT_A in out


def test_json_and_csv_print_only_the_rows_and_parse_back(home):
    query = "select uscc, year, co2e_t, facility_name from out_inventory__yearly_facility order by year, co2e_t"
    expected = [{"uscc": USCC_A, "year": 2022, "co2e_t": 500.0, "facility_name": LONG_NAME},
                {"uscc": USCC_A, "year": 2023, "co2e_t": 1000.5, "facility_name": LONG_NAME},
                {"uscc": USCC_B, "year": 2023, "co2e_t": 2000.2, "facility_name": LONG_NAME}]
    result = _run("sql", "--format", "json", query)
    assert json.loads(result.stdout) == expected
    assert LONG_NAME in result.stdout  # UTF-8 as written, not \u-escaped
    assert "工作区" not in result.stdout and result.stderr.startswith(f"工作区 workspace: {home}\n")
    for flag in (["--format", "csv"], ["--csv"]):
        rows = list(csv.DictReader(io.StringIO(_run("sql", *flag, query).stdout)))
        assert rows == [{k: str(v) for k, v in row.items()} for row in expected]


def test_checks_and_matches_as_json_hold_every_column(home):
    findings = json.loads(_run("checks", "--format", "json").stdout)
    assert [f["finding_id"] for f in findings] == [FINDINGS[0][0], FINDINGS[1][0]]  # errors first
    assert list(findings[0]) == list(TABLES["out_crosscheck__findings"].columns)  # every column, nothing else
    assert findings[0]["message_en"] == "differs" and findings[1]["uscc"] == USCC_B
    review = json.loads(_run("matches", "--review", "--format", "json").stdout)
    assert [(r["identity_key"], r["curation_line"]) for r in review] == [("I0f27f957d81", CURATION)]


READ_ONLY = [["status"], ["sql", "select 1"], ["checks"], ["matches"], ["export", "--year", "2023"],
             ["report", "--year", "2023"], ["register"], ["quality"], ["cems-scale-out", "--scheduler", "tcp://127.0.0.1:9"]]


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda args: args[0])
def test_a_read_only_command_outside_a_workspace_exits_2_and_creates_nothing(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SYNERGY_HOME", raising=False)
    result = _run(*args, exit_code=2)
    assert f"没有工作区 / no workspace at {tmp_path / 'synergy_home'}" in result.stderr
    assert "synergy init" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_command_that_fills_the_workspace_says_it_created_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNERGY_HOME", str(tmp_path / "new"))
    result = _run("init")
    assert result.stderr.splitlines()[:2] == [f"工作区 workspace: {tmp_path / 'new'}",
                                              f"新建工作区 / new workspace created at {tmp_path / 'new'}"]
    assert "新建工作区" not in _run("init").stderr  # the second time it exists


def test_ingest_rejects_an_unknown_source_before_touching_anything(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNERGY_HOME", str(tmp_path / "home"))
    (tmp_path / "a.csv").write_text("x\n1\n", encoding="utf-8")
    result = _run("ingest", "--no-build", "--source", "foo", str(tmp_path / "a.csv"), exit_code=2)
    assert "'foo' is not one of" in result.output
    assert all(f"'{source}'" in result.output for source in ("permit", "envstat", "ghg", "register", "city", "cems"))
    assert not (tmp_path / "home").exists()


def _hourly_csv(path, encoding="utf-8"):
    """An HJ 212 wide hourly export, as tests/unit/inventories/test_cems.py writes one."""
    path.write_text("MN,DataTime,a21026-Avg,a21026-Cou,a21026-Flag,a00000-Cou,a00000-Flag\n"
                    "MN01,20230101000000,40.0,2.1,N,52000,N\n", encoding=encoding)
    return path


def test_detect_source_knows_cems_exports_and_outlet_maps(tmp_path):
    assert detect_source(_hourly_csv(tmp_path / "小时数据.csv", "gb18030")) == "cems"
    long = tmp_path / "long.parquet"
    pl.DataFrame({"MN": ["MN01"], "DataTime": ["2023-01-01 00:00:00"], "Code": ["a21026"], "Avg": [40.0]}).write_parquet(long)
    assert detect_source(long) == "cems"
    outlet_map = tmp_path / "监测点位对照表.csv"
    outlet_map.write_text(f"MN,许可证编号,排放口编号\nMN01,{PERMIT_A},DA001\n", encoding="utf-8")
    assert detect_source(outlet_map) == "cems"
    other = tmp_path / "other.csv"
    other.write_text("MN,DataTime,温度\nMN01,20230101000000,20\n", encoding="utf-8")  # no pollutant column
    assert detect_source(other) is None
    pl.DataFrame({"a": [1]}).write_parquet(other.with_suffix(".parquet"))
    assert detect_source(other.with_suffix(".parquet")) is None  # a Parquet file is only ever CEMS
    templates = write_cems_templates(tmp_path)  # what `synergy templates` gives a team to fill in
    assert [detect_source(path) for path in templates] == ["cems", "cems"]


def test_ingest_copies_cems_files_into_inbox_cems(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("SYNERGY_HOME", str(home))
    hourly = _hourly_csv(tmp_path / "郑州_小时.csv")
    parquet = tmp_path / "export.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(parquet)
    result = _run("ingest", "--no-build", str(hourly), str(parquet))
    assert (home / "inbox" / "cems" / hourly.name).read_bytes() == hourly.read_bytes()  # detected from the headers
    assert f"{parquet}" in result.output and "not copied" in result.output  # a Parquet file that is no CEMS export
    _run("ingest", "--no-build", "--source", "cems", str(parquet))
    assert (home / "inbox" / "cems" / parquet.name).is_file()  # told: taken, CEMS reads Parquet
    _run("ingest", "--no-build", "--source", "ghg", str(parquet), exit_code=1)  # the GHG reader does not
    assert not (home / "inbox" / "ghg" / parquet.name).exists()


def _summary(home, capsys) -> str:
    cli._summary(cli.Workspace(home))
    return capsys.readouterr().out


def test_build_summary_per_year_latest_first_and_the_files_that_need_someone(home, capsys):
    (home / "manifest").mkdir()
    (home / "manifest" / "demo_manifest.json").write_text('{"counts": {"sites": 9, "enterprises": 7}}')
    out = _summary(home, capsys)
    years = next(line for line in out.splitlines() if line.startswith("年度 year"))
    assert years.split()[2:] == ["2023", "2022"]
    co2e = next(line for line in out.splitlines() if line.startswith("直接 direct CO2e (t)"))
    assert co2e.split()[-2:] == ["3,000.7", "500.0"]  # 1000.5 + 2000.2 in 2023; 2022 alone
    assert "3,500.7" not in out  # never the sum of the years
    assert "demo sites" not in out and "站点/企业" not in out  # the demo manifest is not the warehouse
    assert "需要处理的文件 files that need you (2)" in out
    assert UNRECOGNISED in out and LONG_FILE in out  # whole, though longer than half the terminal
    assert "未识别 unrecognised" in out and "有拒收行 2 rows rejected" in out
    assert "首行原因 first: “统一社会信用代码”列：校验位错误" in " ".join(out.split())  # its first rejected row's reason
    assert "synergy templates" in out and "core_qa__rejected_rows" in out
    assert f"数据仓库 warehouse: {home / 'warehouse.duckdb'}" in out.splitlines()


def test_build_summary_of_an_empty_workspace_says_no_data_yet(template, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    home = tmp_path / "home"
    home.mkdir()
    assert "尚无数据 / no data yet" in _summary(home, capsys)  # before anything was ever published
    shutil.copy(template.parent / "empty.duckdb", home / "warehouse.duckdb")
    out = " ".join(_summary(home, capsys).split())
    assert "尚无数据 / no data yet" in out and f"no file in the inbox {home / 'inbox'}" in out
    assert "synergy ingest" in out and "synergy templates" in out
    assert "0.0 t" not in out and "per year" not in out
