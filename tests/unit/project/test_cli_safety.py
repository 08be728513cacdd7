"""The CLI prints names as text, never as Rich markup; `synergy sql` reaches no file but the warehouse unless asked;
`synergy status` says when the warehouse file is damaged."""

import os
import shutil

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines import cli
from schemas.generate import duckdb_ddl
from schemas.identifiers import org_code_check_char, uscc_check_char
from schemas.tables import TABLES

MARKUP_NAME = "[/]坏名[bold]报告[link=x].csv"


def _uscc(body8: str) -> str:
    body17 = "91410102" + body8 + org_code_check_char(body8)
    return body17 + uscc_check_char(body17)


U1, U2 = _uscc("10000001"), _uscc("10000002")
NAMES = {U1: "演示[/]坏名[bold]甲[link=x]有限公司", U2: "演示[/]坏名[bold]乙[link=x]有限公司"}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A workspace whose warehouse has every published table, empty but for a file, a rejected row and two
    enterprises whose names are markup."""
    home = tmp_path_factory.mktemp("template") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYNERGY_HOME", str(home))
        cli._workspace()
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for table in TABLES:
            for statement in duckdb_ddl(table):
                con.execute(statement)
        con.execute("insert into core_qa__file_manifest (source_system, source_file, file_sha256, file_status, "
                    "rows_read, rows_accepted, rows_rejected, rows_superseded, message) "
                    "values ('ghg', ?, ?, 'ingested', 2, 1, 1, 0, '[red]不是样式[/red]')", [MARKUP_NAME, "0" * 64])
        con.execute("insert into core_qa__rejected_rows (source_system, target_table, source_file, row_number, "
                    "file_sha256, column_name, raw_value, reason_zh, reason_en, raw_record) values "
                    "('ghg', 'core_ghg__fuel_lines', ?, 3, ?, '[bold]列', '[link=x]值', '原因', 'reason', '{}')",
                    [MARKUP_NAME, "0" * 64])
        for uscc, name in NAMES.items():
            con.execute("insert into core_enterprise__entity (uscc, enterprise_name) values (?, ?)", [uscc, name])
    return home


@pytest.fixture()
def home(template, tmp_path, monkeypatch):
    """A fresh copy of the template workspace, the CLI pointed at it."""
    home = tmp_path / "home"
    shutil.copytree(template, home, symlinks=True)
    monkeypatch.setenv("SYNERGY_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "250")
    return home


def _run(*args: str):
    return CliRunner().invoke(cli.app, list(args), catch_exceptions=False)


def test_file_names_and_messages_print_as_written(home, capsys):
    cli._report_files(cli.Workspace(home), [MARKUP_NAME])
    out = capsys.readouterr().out
    assert MARKUP_NAME in out and "[red]不是样式[/red]" in out
    assert "[bold]列" in out and "「[link=x]值」" in out


def test_enterprise_names_print_as_written(home):
    result = _run("enterprise", "[/]坏名")
    assert result.exit_code == 1  # two candidates: the analyst must choose
    assert all(name in result.output for name in NAMES.values())
    assert "「[/]坏名」对应 2 家企业" in result.output


@pytest.mark.parametrize("args, shown", [
    (["sql", "select [/]"], "[/]"),  # DuckDB's error message quotes the query
    (["checks", "--city", "[bold]郑州[/]"], "unknown city: [bold]郑州[/]"),
    (["checks", "--explain", "F[link=x]", "--who", "张三", "--why", "核实"], "no finding F[link=x]"),
])
def test_typed_values_in_errors_print_as_written(home, args, shown):
    result = _run(*args)
    assert result.exit_code == 2 and shown in result.output


def test_paths_print_as_written(tmp_path, monkeypatch):
    home = tmp_path / "[bold]家[/]"
    monkeypatch.setenv("SYNERGY_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "250")
    result = _run("init")
    assert result.exit_code == 0 and f"工作区已就绪 / workspace ready: {home}" in result.output


@pytest.mark.slow  # `status` opens the workspace's Dagster instance on disk: seconds
def test_status_lists_a_pending_file_named_like_markup(home):
    name = "坏名[bold]报告[link=x].csv"  # a file name cannot hold the "/" of MARKUP_NAME
    (home / "inbox" / "ghg" / name).write_text("a,b\n1,2\n", encoding="utf-8")
    result = _run("status")
    assert result.exit_code == 0, result.output
    assert name in result.output and "损坏" not in result.output


@pytest.mark.parametrize("query", ["COPY (select 1) TO '{out}'", "select * from read_csv('/etc/passwd')",
                                   "ATTACH '{out}.duckdb' AS other", "SET enable_external_access = true"])
def test_sql_reaches_no_file_by_default(home, tmp_path, query):
    out = tmp_path / "x.csv"
    result = _run("sql", query.format(out=out))
    assert result.exit_code == 2
    if "SET" in query:
        assert "configuration has been locked" in result.output
    else:
        assert "默认不允许" in result.output and "not allowed by default" in result.output
        assert "--allow-files" in result.output
    assert not out.exists() and not out.with_name("x.csv.duckdb").exists()


def test_sql_queries_the_warehouse_and_files_when_asked(home, tmp_path):
    result = _run("sql", "--csv", "select rows_read, rows_rejected from core_qa__file_manifest")
    assert result.exit_code == 0 and result.stdout.splitlines() == ["rows_read,rows_rejected", "2,1"]
    out = tmp_path / "x.csv"
    result = _run("sql", "--allow-files", f"COPY (select 42 as answer) TO '{out}'")
    assert result.exit_code == 0 and out.read_text().splitlines() == ["answer", "42"]
    result = _run("sql", "--allow-files", "--csv", f"select count(*) as n from read_csv('{out}')")
    assert result.exit_code == 0 and result.stdout.splitlines() == ["n", "1"]


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_status_reports_a_damaged_warehouse(home, damage):
    warehouse = home / "warehouse.duckdb"
    size = warehouse.stat().st_size
    if damage == "truncated":
        os.truncate(warehouse, size // 2)
    elif damage == "garbage":
        warehouse.write_bytes(os.urandom(size))
    else:
        warehouse.write_bytes(b"")
    result = _run("status")
    assert result.exit_code == 1
    assert "损坏 DAMAGED" in result.output and "数据仓库文件已损坏" in result.output
    assert "the warehouse file is damaged" in result.output and "synergy build" in result.output
