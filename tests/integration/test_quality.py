"""The great-expectations level (pipelines/deliver/expectations.py) on small warehouses written by hand with DuckDB.

Each world holds three years of the few tables the checks read, with values chosen so every aggregate can be worked
out by hand; the planted world changes one thing per check and every breach it must cause is listed exactly.
"""

import re
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.deliver.expectations import CHECKS, run_quality, summary_lines
from schemas.generate import duckdb_ddl
from schemas.tables import TABLES

pytestmark = pytest.mark.slow  # great-expectations is imported (about 5 s) and run over whole warehouses

REPO = Path(__file__).resolve().parents[2]
YEARS = (2021, 2022, 2023)
READ = sorted(name for name in TABLES if any(re.search(rf"\b{name}\b", check.sql) for check in CHECKS))


def _world(*, permit_rows_2023: int = 100, envstat_rows_2022: int = 52, ghg_co2_2023_t: float = 2700.0,
           envstat_coal_scale_2023: float = 1.0, gap_filled_2022: int = 1, substituted_410300_t: float = 0.0
           ) -> dict[str, list[dict]]:
    """Rows per table of a clean three-year province; each keyword plants one fault."""
    w: dict[str, list[dict]] = {name: [] for name in READ}
    rows = {"permit": (100, 100, permit_rows_2023), "envstat": (50, envstat_rows_2022, 49), "ghg": (20, 22, 60)}
    for source, counts in rows.items():  # ghg nearly triples in 2023: growth is allowed
        for year, n in zip(YEARS, counts, strict=True):
            w["core_facility__assn_sources"] += [{"source_system": source, "record_year": year, "row_number": i,
                                                  "source_table": f"core_{source}__x"} for i in range(n)]
    w["core_facility__assn_sources"] += [{"source_system": "permit", "record_year": None, "row_number": i,
                                          "source_table": "core_permit__registry"} for i in range(7)]  # no year: not counted
    w["core_cems__outlet_monthly"] = [{"mn": f"M{o}", "year": y, "month": m, "pollutant": "SO2"}
                                      for y in (2022, 2023) for o in (1, 2) for m in range(1, 13)]
    w["core_city__indicators"] = [{"year": y, "city_code": "410100", "indicator_id": f"i{i}"} for y in YEARS for i in range(10)]

    # coal per site: envstat means 300, 313.3, 280 (medians 200, 210, 190); permit and ghg 2000 every year
    envstat_coal = {2021: (100, 200, 600), 2022: (110, 210, 620), 2023: (90, 190, 560)}
    for year, values in envstat_coal.items():
        scale = envstat_coal_scale_2023 if year == 2023 else 1.0
        w["core_envstat__enterprise"] += [{"year": year, "org_code": f"E{i}", "coal_consumed_t": v * scale}
                                          for i, v in enumerate(values)]
        w["core_envstat__enterprise"].append({"year": year, "org_code": "E9", "coal_consumed_t": 0.0})  # burns no coal
        w["core_permit__fuel_analysis"] += [{"year": year, "permit_no": f"P{i}", "fuel_code": "bituminous",
                                             "fuel_unit_code": "t", "fuel_consumed_units": v}
                                            for i, v in enumerate((1000.0, 2000.0, 3000.0))]
        w["core_ghg__fuel_lines"] += [
            {"year": year, "uscc": "U1", "fuel_code": "anthracite", "fuel_unit_code": "t", "fuel_consumed_units": 600.0},
            {"year": year, "uscc": "U1", "fuel_code": "lignite", "fuel_unit_code": "t", "fuel_consumed_units": 400.0},
            {"year": year, "uscc": "U2", "fuel_code": "raw_coal", "fuel_unit_code": "t", "fuel_consumed_units": 3000.0}]
    # natural gas is not coal: counted, 2023's permit mean would be 35,333 t (ratio 17.7)
    w["core_permit__fuel_analysis"] += [{"year": 2023, "permit_no": p, "fuel_code": "natural_gas",
                                         "fuel_unit_code": "10^4Nm3", "fuel_consumed_units": 50000.0} for p in ("P0", "P1")]

    # combustion CO2 per tce: ghg 2.7, envstat 2.0, permit 1.7; SO2 and process CO2 must not count
    for year in YEARS:
        ghg_t = ghg_co2_2023_t if year == 2023 else 2700.0
        for facility, source, co2_t in (("F1", "ghg", ghg_t), ("F2", "envstat", 2000.0), ("F3", "permit", 1700.0)):
            w["core_inventory__yearly_facility_species"] += [
                {"facility_id": facility, "year": year, "species": "CO2", "scope": "combustion", "method": "calculated",
                 "source_system": source, "mass_t": co2_t, "energy_tce": 1000.0},
                {"facility_id": facility, "year": year, "species": "SO2", "scope": "combustion", "method": "calculated",
                 "source_system": source, "mass_t": 5000.0, "energy_tce": 1000.0}]
        w["core_inventory__yearly_facility_species"].append(
            {"facility_id": "F1", "year": year, "species": "CO2", "scope": "process", "method": "reported",
             "source_system": "ghg", "mass_t": 9000.0, "energy_tce": 1000.0})
        filled = gap_filled_2022 if year == 2022 else 1
        w["out_inventory__yearly_facility"] += [{"facility_id": f"F{i}", "year": year, "has_gap_filled": i < filled}
                                                for i in range(20)]  # 1 in 20 = 0.05
    w["out_cems__outlet_yearly"] = [
        {"mn": "M1", "city_code": "410100", "year": 2023, "pollutant": "SO2", "substituted_mass_t": 5.0, "mass_t": 100.0},
        {"mn": "M1", "city_code": "410100", "year": 2023, "pollutant": "NOx", "substituted_mass_t": 10.0, "mass_t": 100.0},
        {"mn": "M2", "city_code": "410300", "year": 2023, "pollutant": "SO2",
         "substituted_mass_t": substituted_410300_t, "mass_t": 50.0}]
    return w


def _warehouse(path: Path, world: dict[str, list[dict]], skip: tuple[str, ...] = ()) -> Path:
    """The world written into DuckDB tables made from the data contract's DDL (columns not given stay NULL)."""
    with duckdb.connect(str(path)) as con:
        for name, rows in world.items():
            if name in skip:
                continue
            for statement in duckdb_ddl(name):
                con.execute(statement)
            for columns in {tuple(row) for row in rows}:
                names = ", ".join(f'"{c}"' for c in columns)
                con.executemany(f'INSERT INTO "{name}" ({names}) VALUES ({", ".join("?" for _ in columns)})',
                                [[row[c] for c in columns] for row in rows if tuple(row) == columns])
    return path


def _no_network(*_args, **_kwargs):
    raise AssertionError("run_quality tried to open a network connection")


def _run(home: Path, world: dict[str, list[dict]]):
    with pytest.MonkeyPatch.context() as mp:  # air-gapped bureau: nothing may be fetched
        mp.setattr(socket.socket, "connect", _no_network)
        mp.setattr(socket, "create_connection", _no_network)
        return run_quality(_warehouse(home / "warehouse.duckdb", world), home / "reports")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("quality_clean"), _world())


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("quality_planted"), _world(
        permit_rows_2023=45, envstat_rows_2022=0, ghg_co2_2023_t=2_700_000.0, envstat_coal_scale_2023=10.0,
        gap_filled_2022=3, substituted_410300_t=15.0))


def _found(report) -> dict[tuple[str, tuple[str, ...]], float]:
    return {(b.check.name, tuple(b.where.values())): float(b.value) for b in report.breaches()}


def test_known_clean_multi_year_data_is_not_flagged(clean):
    assert clean.success, "\n".join(summary_lines(clean))
    compared = {o.check.name: o.rows for o in clean.outcomes}
    # rows: permit, envstat, ghg and city for 2022 and 2023, cems for 2023; coal: 3 sources x 2 years; CO2/tce:
    # 3 sources x 3 years; gap fill: 3 years; CEMS: 410100 SO2 and NOx, 410300 SO2
    assert compared == {"rows_per_source_year": 9, "coal_per_site": 6, "co2_per_tce": 9, "gap_filled_share": 3,
                        "cems_substituted_share": 3}
    print(f"\nrun_quality wall time (incl. GE import if first): {clean.seconds:.2f} s")


def test_a_source_whose_rows_halve_is_caught(planted):
    rows = {k: v for k, v in _found(planted).items() if k[0] == "rows_per_source_year"}
    assert rows == {("rows_per_source_year", ("permit", "2023")): pytest.approx(45 / 100),
                    ("rows_per_source_year", ("envstat", "2022")): 0.0}  # a year the source skipped counts 0 rows
    # envstat 2023 (49 rows after a year of 0) has no previous year to compare with; ghg growing 22 -> 60 is allowed


def test_an_implausible_co2_per_tce_and_the_other_planted_faults_are_caught(planted):
    assert not planted.success
    assert {k: v for k, v in _found(planted).items() if k[0] != "rows_per_source_year"} == {
        ("co2_per_tce", ("ghg", "2023")): pytest.approx(2_700_000 / 1000),  # CO2 in kg, not t
        ("coal_per_site", ("envstat", "2023")): pytest.approx(2800 / (940 / 3)),  # 10x: mean 2,800 t after 313.3 t
        ("gap_filled_share", ("2022",)): pytest.approx(3 / 20),
        ("cems_substituted_share", ("410300", "2023", "SO2")): pytest.approx(15 / 50),
    }
    assert planted.outcome("co2_per_tce").breaches[0].context == {"co2_t": "2,700,000", "energy_tce": "1,000"}


def test_a_failure_is_reported_in_chinese_and_english(planted):
    text = "\n".join(summary_lines(planted))
    assert ("来源 permit，年份 2023：行数与上一年之比 = 0.45，超出容许范围 ≥ 0.7"
            "（设置 ROWS_VS_PREVIOUS_YEAR；row_count 45, previous_year_row_count 100）") in text
    assert ("source permit, year 2023: rows relative to the previous year = 0.45, outside the band ≥ 0.7 "
            "(setting ROWS_VS_PREVIOUS_YEAR; row_count 45, previous_year_row_count 100)") in text
    assert "地市 410300，年份 2023，污染物 SO2：在线监测排放量中替代值的占比 = 0.3，超出容许范围 ≤ 0.2" in text
    assert ("source envstat, year 2023: mean coal per reporting unit relative to the previous year = 8.94, "
            "outside the band [0.667, 1.5]") in text
    assert "source ghg, year 2023: combustion CO2 per energy (implied emission factor, t CO2/tce) = 2,700" in text
    assert re.search(r"^未通过/FAILED  \(5 项检查未通过/checks failed, 6 处超出区间/rows outside their band", text, re.M)
    assert "判断值" in text and "judgement" in text


def test_a_missing_table_fails_its_check_not_the_run(tmp_path):
    checks = tuple(c for c in CHECKS if c.name in ("rows_per_source_year", "cems_substituted_share"))
    warehouse = _warehouse(tmp_path / "warehouse.duckdb", _world(), skip=("out_cems__outlet_yearly",))
    report = run_quality(warehouse, tmp_path / "reports", checks)
    cems = report.outcome("cems_substituted_share")
    assert not cems.success and "out_cems__outlet_yearly" in cems.error and cems.rows == 0
    assert report.outcome("rows_per_source_year").success and not report.success
    assert report.data_docs_index.is_file()


_FETCH = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


@pytest.mark.parametrize("run", ["clean", "planted"])
def test_data_docs_are_written_by_ge_and_need_no_network(run, request):
    report = request.getfixturevalue(run)
    docs = report.data_docs_index.parent
    index = report.data_docs_index.read_text(encoding="utf-8")
    suites = {c.name for c in CHECKS}
    validations = re.findall(r'href="(validations/[^"]+\.html)"', index)  # the index tables as HTML, not built by JS
    assert {Path(link).parts[1] for link in validations} == suites and len(validations) == len(suites)
    assert set(re.findall(r'href="expectations/([^"/]+)\.html"', index)) == suites
    for page in [report.data_docs_index, *(docs / link for link in validations),
                 *(docs / "expectations" / f"{s}.html" for s in suites)]:
        text = page.read_text(encoding="utf-8")
        assert not _FETCH.search(text), page
        assert not re.search(r"url\(\s*[\"']?(?:https?:)?//|@import", text, re.I), page
        assert "<script" not in text, page  # no jQuery or bootstrap code left behind
    rows_page = next(docs / link for link in validations if Path(link).parts[1] == "rows_per_source_year")
    text = rows_page.read_text(encoding="utf-8")
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))
    # GE's own table of unexpected values names the source and year next to the measured ratio
    assert ("0.45 1 permit 2023 45 100" in shown) == (run == "planted"), shown[-2000:]
    suite_page = (docs / "expectations" / "co2_per_tce.html").read_text(encoding="utf-8")
    assert "CO2_PER_TCE" in suite_page and "judgement" in suite_page  # the band's setting and nature, in GE's notes


@pytest.mark.slow
def test_the_demo_build_passes(built):
    """The shared demo build (three years, every source) is known clean: no check may flag it."""
    report = run_quality(built[0].warehouse, built[0].reports)
    assert report.success, "\n".join(summary_lines(report))
    assert all(o.rows > 0 for o in report.outcomes)
    print(f"\nrun_quality on the demo build: {report.seconds:.2f} s")


def test_great_expectations_stays_off_the_hot_path():
    code = ("import pipelines.orchestration.definitions, pipelines.deliver.expectations, sys; "
            "print('great_expectations' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
