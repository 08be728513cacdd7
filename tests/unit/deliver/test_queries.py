"""The read-side SQL files (pipelines/deliver/sql/): each says what it answers, takes values only as bound
parameters, runs against the published schema, and gives the columns its Python reader picks by name or position."""

from __future__ import annotations

import re
from importlib.resources import files

import duckdb
import pytest

from pipelines.cli import CHECKS_TABLE_COLUMNS
from pipelines.deliver.dossier import _side_by_side
from pipelines.deliver.queries import query
from pipelines.deliver.report.analysis import READINGS_EN
from pipelines.deliver.report.data import rollup
from schemas.generate import duckdb_ddl
from schemas.tables import TABLES

NAMES = sorted(p.name.removesuffix(".sql") for p in files("pipelines.deliver").joinpath("sql").iterdir()
               if p.name.endswith(".sql"))
# a value of the right type for every parameter a query takes (NULL where NULL means "any")
PARAMS = {"year": 2023, "level": "province", "scheme": "all", "by": "region", "uscc": "91410100MA0000000X",
          "usccs": ["91410100MA0000000X"], "code": "91410100MA0000000X", "terms": ["演示"], "ids": ["F1"],
          "files": ["ghg/a.csv"], "species": ["CO2"], "sets": ["default"], "prefix": "演示", "none": "no figure",
          "top": 3, "limit": 5, "source": None, "rule": None, "city": None, "severity": None, "status": None,
          "finding_id": "F1", "coal_fuel_codes": ["raw_coal"]}


@pytest.fixture(scope="module")
def empty():
    """An in-memory warehouse with every published table, empty."""
    con = duckdb.connect()
    for table in TABLES:
        for statement in duckdb_ddl(table):
            con.execute(statement)
    yield con
    con.close()


def _parameters(text: str) -> set[str]:
    return set(re.findall(r"\$([a-z_]+)", re.sub(r"--[^\n]*", "", text)))


def test_the_files_are_there_and_say_what_they_answer():
    assert len(NAMES) >= 50 and {"report_rollup", "dossier_side_by_side", "checks_findings"} <= set(NAMES)
    for name in NAMES:
        text = query(name)
        assert text.startswith("-- "), name
        assert "{" not in text and "}" not in text, f"{name}: a format placeholder"


@pytest.mark.parametrize("name", NAMES)
def test_each_query_runs_on_the_published_schema(empty, name):
    wanted = _parameters(query(name))
    assert wanted <= PARAMS.keys(), f"{name}: give the test a value for {wanted - PARAMS.keys()}"
    empty.execute(query(name), {p: PARAMS[p] for p in wanted}).fetchall()  # a missing table or column raises


def test_checks_findings_puts_the_table_view_first_then_every_column(empty):
    cursor = empty.execute(query("checks_findings"), {p: PARAMS[p] for p in _parameters(query("checks_findings"))})
    columns = [d[0] for d in cursor.description]
    assert columns[:CHECKS_TABLE_COLUMNS] == ["finding_id", "severity", "rule_id", "enterprise", "city", "year", "subject",
                                              "message_zh", "status"]
    assert columns[CHECKS_TABLE_COLUMNS:] == list(TABLES["out_crosscheck__findings"].columns)


def test_synergy_readings_count_the_readings_the_report_labels(empty):
    cursor = empty.execute(query("report_synergy_readings"), {"year": 2023})
    columns = [d[0] for d in cursor.description]
    assert columns[:2 + len(READINGS_EN) + 1] == ["pollutant", "enterprise_count", *READINGS_EN, "other"]


def test_side_by_side_finds_every_column_it_shows(empty):
    section = _side_by_side(empty, "91410100MA0000000X")  # names.index raises if a column were missing
    assert section.rows == [] and len(section.columns) == 1 + sum(count for _, count in section.groups) == 29


def test_rollup_groups_by_region_sector_or_none():
    """Two cities, one with a new process row: per region and in total, direct CO2e and the like-for-like parts."""
    con = duckdb.connect()
    for statement in duckdb_ddl("out_inventory__yearly_region_sector"):
        con.execute(statement)
    rows = [("410100", "郑州市", "CO2", "combustion", 100.0, 80.0), ("410100", "郑州市", "CO2", "process", 10.0, None),
            ("410200", "开封市", "CO2", "combustion", 50.0, 60.0), ("410200", "开封市", "SO2", "combustion", 2.0, 4.0)]
    for region, name, species, scope, mass, previous in rows:
        con.execute("insert into out_inventory__yearly_region_sector (year, region_level, region_code, region_name, "
                    "sector_scheme, sector_class_code, sector_class_name, species, scope, mass_t, co2e_t, "
                    "previous_year_mass_t) values (2023, 'city', ?, ?, 'all', 'all', '全部', ?, ?, ?, ?, ?)",
                    [region, name, species, scope, mass, mass if species == "CO2" else None, previous])
    by_region = rollup(con, 2023, "city", "all", "region").sort("region_code")
    assert by_region.columns[:2] == ["region_code", "region_name"]
    assert by_region.select("region_code", "co2e_t", "co2e_previous_t", "co2e_new_t", "so2_t").rows() == [
        ("410100", 110.0, 80.0, 10.0, None), ("410200", 50.0, 60.0, None, 2.0)]
    total = rollup(con, 2023, "city", "all", None)
    assert "region_code" not in total.columns and "key_code" not in total.columns
    assert total.select("co2e_t", "co2e_previous_t", "co2e_new_t", "so2_previous_t").rows() == [(160.0, 140.0, 10.0, 4.0)]
    by_sector = rollup(con, 2023, "city", "all", "sector")
    assert by_sector.select("sector_class_code", "co2e_t").rows() == [("all", 160.0)]
    nothing = rollup(con, 2022, "city", "all", None)  # like an aggregate without GROUP BY: one row, all empty
    assert nothing.height == 1 and nothing["co2e_t"][0] is None


def test_the_build_summary_of_an_empty_inbox_counts_zero_rows(empty):
    """`synergy build` on an empty workspace printed a traceback: sum() over no files is NULL, not 0 (issue 27)."""
    assert empty.execute(query("summary_files")).fetchone() == (0, 0, 0, 0, 0, 0)
