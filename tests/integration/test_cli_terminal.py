"""The demo province in an 80-column terminal: every finding id, USCC and file name the commands print is whole
(copyable into the next command), and the machine formats hold the same rows as the warehouse."""

import json

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app


@pytest.fixture()
def terminal(cli_built, monkeypatch):
    """`synergy <args>` on the demo as `synergy build` built it (its runs in the workspace's Dagster instance),
    80 columns wide: (stdout, stderr)."""
    monkeypatch.setenv("SYNERGY_HOME", str(cli_built[0].home))
    monkeypatch.setenv("DAGSTER_HOME", str(cli_built[0].dagster_home))  # the CLI points it there; restored after
    monkeypatch.setenv("COLUMNS", "80")

    def run(*args: str) -> tuple[str, str]:
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.stdout, result.stderr

    return run


@pytest.fixture()
def sql(cli_built):
    """Query the warehouse the commands read."""

    def run(query: str) -> pl.DataFrame:
        with duckdb.connect(str(cli_built[0].warehouse), read_only=True) as con:
            return con.sql(query).pl()

    return run


def _words(text: str) -> set[str]:
    return set(text.split())


def test_checks_prints_every_finding_id_whole(terminal, sql):
    ids = sql("select finding_id from out_crosscheck__findings where finding_status = 'open'")["finding_id"].to_list()
    assert len(ids) > 20
    out, err = terminal("checks", "--limit", "1000")
    assert set(ids) <= _words(out)  # each one a word of its own: never cut to F4a1a…
    assert err.startswith("工作区 workspace: ")


def test_sql_prints_every_uscc_and_permit_number_whole(terminal, sql):
    query = ("select facility_id, uscc, facility_name, year, co2e_t from out_inventory__yearly_facility "
             "where year = 2023 order by co2e_t desc limit 40")
    expected = sql(query)
    out, _ = terminal("sql", query)
    assert set(expected["facility_id"]) | set(expected["uscc"]) <= _words(out)
    rows = json.loads(terminal("sql", "--format", "json", query)[0])
    assert [(r["facility_id"], r["co2e_t"]) for r in rows] == list(zip(expected["facility_id"], expected["co2e_t"],
                                                                        strict=True))


def test_matches_review_and_unmatched_print_keys_whole(terminal, sql):
    review = sql("select identity_key, curation_line from out_qa__match_review")
    out, _ = terminal("matches", "--review")
    assert set(review["identity_key"]) <= _words(out)
    for curation_line in review["curation_line"]:  # the line to paste, on one line
        assert any(line.endswith(f" {curation_line}") for line in out.splitlines()), curation_line


def test_status_as_json_names_the_last_publish(terminal, cli_built):
    records = json.loads(terminal("status", "--format", "json")[0])
    [publish] = [r for r in records if r["section"] == "publish"]
    assert publish["item"] == str(cli_built[0].warehouse) and publish["status"] == "published"
    problems = {r["item"] for r in records if r["section"] == "file_problem"}
    assert problems, "the demo plants rejected rows"
    out, _ = terminal("status")
    assert problems <= _words(out)  # the file names, whole
