"""Numbers never stop the build (issue 25): non-finite cells, the plausibility-bound table and its workspace override,
and the extremes the bounds allow carried through the real inventory SQL (DECIMAL(38, 6) sums, the reconciliation)."""

import math

import polars as pl
import pytest

from inventories.reference import plausibility_bounds
from inventories.sql_models import (
    enterprise_inventory,
    facility_inventory,
    region_sector_inventory,
    region_sector_mismatches,
)
from inventories.units import UnitError, quantity_to_canonical
from pipelines.read import bounds
from pipelines.read.cems.reader import BOUNDS as CEMS_BOUNDS
from pipelines.read.fuel_rules import FUEL_QUANTITY_BOUND, NCV_BOUND
from pipelines.read.rows import apply_rules
from pipelines.read.sources.envstat import ENVSTAT_TRANSFORMS
from pipelines.read.sources.ghg import FUEL_LINE_RULES
from pipelines.read.transforms import TRANSFORMS
from pipelines.read.values import CellError, parse_number

C_TO_CO2 = 44 / 12


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A workspace without an override file; bounds are reloaded for it and again after the test."""
    monkeypatch.setenv("SYNERGY_HOME", str(tmp_path))
    (tmp_path / "config").mkdir()
    bounds.refresh()
    yield tmp_path
    monkeypatch.undo()
    bounds.refresh()


def _override(home, text: str):
    path = home / "config" / "plausibility_bounds.csv"
    path.write_text(text, encoding="utf-8")
    return bounds.refresh()


# --- cells that are no finite number -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1E+400", "-1E+400", "1e309"])
def test_a_number_beyond_float_range_is_refused_not_infinity(text):
    with pytest.raises(CellError) as err:
        parse_number(text)
    assert "溢出" in err.value.zh and text in err.value.zh and "overflows to infinity" in err.value.en


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "Infinity"])
def test_nan_and_infinity_words_are_not_numbers(text):
    with pytest.raises(CellError) as err:
        parse_number(text)
    assert "无法识别" in err.value.zh and "not a number" in err.value.en


def test_the_largest_float_parses_but_overflows_when_scaled_by_its_unit():
    assert parse_number("1e308") == (1e308, None)
    with pytest.raises(UnitError) as err:
        quantity_to_canonical(1e308, "万吨", "t")  # 1e312 t
    assert "溢出" in err.value.zh and "overflow" in err.value.en and "10000" in err.value.en


# --- the packaged table ------------------------------------------------------------------------------------------


def test_every_packaged_bound_is_finite_ordered_and_says_why():
    table = plausibility_bounds()
    assert table["quantity"].is_unique().all()
    for row in table.iter_rows(named=True):
        lower, upper = float(row["lower"]), float(row["upper"])
        assert math.isfinite(lower) and math.isfinite(upper) and lower <= upper, row["quantity"]
        assert row["status"] in ("definition", "judgement") and row["basis_zh"] and row["basis_en"], row["quantity"]
        assert row["unit"] and row["applies_to"], row["quantity"]


def test_every_quantity_the_code_names_is_in_the_table(workspace):
    names = {*FUEL_QUANTITY_BOUND.values(), *NCV_BOUND.values(), *CEMS_BOUNDS.values()}
    assert names <= set(plausibility_bounds()["quantity"])
    # every rule of every source runs with a hostile value in every column: a CellError, never another exception
    # (a bound name missing from the table would raise KeyError here)
    for transform in TRANSFORMS.values():
        columns = {c for rule in transform.rules for c in (rule.column, *rule.reads)}
        for text in ("1E+400", "1e15", "1e308", "-1e308", "NaN"):
            typed, problems, _ = apply_rules(dict.fromkeys(columns, text), transform.rules)
            assert problems, transform.core_table
            assert not any(isinstance(v, float) and not math.isfinite(v) for v in typed.values()), transform.core_table


def test_fuel_quantity_above_its_bound_names_the_bound_and_its_basis(workspace):
    raw = {"year": "2023", "uscc": None, "fuel_name": "烟煤", "fuel_quantity": "1e15", "fuel_unit": "t"}
    _, problems, _ = apply_rules(raw, FUEL_LINE_RULES)
    err = dict(problems)["fuel_quantity"]
    assert "消耗量1e+15 t超出合理范围0–1e+08 t" in err.zh and "托克托" in err.zh and "fuel_mass_t" in err.zh
    assert "outside the plausible range 0-1e+08 t" in err.en and "Tuoketuo" in err.en
    assert "inventories/reference/plausibility_bounds.csv" in err.en
    # the same coal at the bound is accepted
    typed, problems, _ = apply_rules({**raw, "fuel_quantity": "1e8"}, FUEL_LINE_RULES)
    assert typed["fuel_consumed_units"] == 1e8 and "fuel_quantity" not in dict(problems)


def test_gas_is_bounded_in_its_own_unit_and_ncv_by_the_fuel(workspace):
    gas = {"year": "2023", "fuel_name": "天然气", "fuel_quantity": "2亿立方米", "ncv": "2001", "ncv_unit": "GJ/万立方米"}
    problems = dict(apply_rules(gas, FUEL_LINE_RULES)[1])  # 2 亿m3 = 2e4 x 10^4 Nm3: inside; NCV 2001 is not
    assert "fuel_quantity" not in problems and "ncv_gj_per_10k_nm3" in problems["ncv"].en
    problems = dict(apply_rules({**gas, "fuel_quantity": "1e12立方米", "ncv": "389.31"}, FUEL_LINE_RULES)[1])
    assert "ncv" not in problems and "fuel_gas_10k_nm3" in problems["fuel_quantity"].en  # 1e8 x 10^4 Nm3


def test_a_boiler_count_too_large_for_an_integer_is_a_rejected_row_not_a_crash(workspace):
    row = {"source_file": "envstat/x.csv", "sheet_name": "基101", "row_number": 3, "file_sha256": "0" * 64,
           "org_code": "91410100410102763F", "enterprise_name": "演示企业", "year": "2023", "region_code": "410102",
           "industry_code": "3011", "coal": "100", "boiler_count": "1e300"}
    good, bad = ENVSTAT_TRANSFORMS["raw_envstat__enterprise"].run(pl.DataFrame([row]), "envstat")
    assert good.height == 0 and bad.height == 1
    assert bad["column_name"][0] == "boiler_count" and "boiler_count" in bad["reason_en"][0]
    good, bad = ENVSTAT_TRANSFORMS["raw_envstat__enterprise"].run(pl.DataFrame([{**row, "boiler_count": "3"}]), "envstat")
    assert good["boiler_count"].to_list() == [3] and bad.height == 0


# --- the workspace override ---------------------------------------------------------------------------------------


def test_an_override_row_replaces_the_packaged_bound_and_is_named_in_the_reason(workspace):
    loaded = _override(workspace, "quantity,unit,lower,upper,basis_zh,basis_en,status\n"
                                  "fuel_mass_t,t,0,50000,本市最大用煤企业约3万吨,largest coal user here burns ~3e4 t,local\n")
    assert loaded.problems == ()
    found = bounds.bound("fuel_mass_t")
    assert (found.upper, found.status, found.row) == (50_000.0, "local", 2)
    _, problems, _ = apply_rules({"year": "2023", "fuel_name": "烟煤", "fuel_quantity": "6万吨"}, FUEL_LINE_RULES)
    err = dict(problems)["fuel_quantity"]
    assert "60000 t" in err.en and "0-50000 t" in err.en and "row 2" in err.en and "~3e4" in err.en
    assert str(workspace / "config" / "plausibility_bounds.csv") in err.zh and "第2行" in err.zh
    assert bounds.bound("ncv_gj_per_t").upper == 150.0  # rows not overridden keep the packaged value


def test_malformed_override_rows_are_reported_and_ignored(workspace, caplog):
    loaded = _override(workspace, "\n".join([
        "quantity,unit,lower,upper",
        "no_such_quantity,t,0,1",         # 2: unknown quantity
        "fuel_mass_t,t,0,abc",            # 3: not a number
        "fuel_mass_t,t,10,5",             # 4: upper below lower
        "fuel_mass_t,万吨,0,5",            # 5: another unit
        "co2_t,t,0,1e13",                 # 6: widens 1e9 more than 1000-fold
        "percent,%,0,120",                # 7: widens a bound by definition
        "heat_gj,GJ,-5,1e9",              # 8: lowers the lower bound
        "energy_tce,tce,0,5e8",           # 9: good
        "energy_tce,tce,0,1e8",           # 10: repeated
        "fuel_gas_10k_nm3,10^4Nm3,0,inf",  # 11: not finite
    ]) + "\n")
    problems = "\n".join(loaded.problems)
    assert len(loaded.problems) == 9, problems
    # logged once, as warnings of a stdlib logger under "synergy" (the Dagster instance captures that name)
    logged = [r for r in caplog.records if r.name == "synergy.plausibility_bounds"]
    assert [r.getMessage() for r in logged] == list(loaded.problems) and {r.levelname for r in logged} == {"WARNING"}
    for line, zh, en in ((2, "未知的量", "unknown quantity"), (3, "不是有限数值", "not a finite number"),
                         (4, "小于下限", "below lower"), (5, "单位", "differs from the table"),
                         (6, "1000倍", "1000-fold"), (7, "按定义", "by definition"), (8, "低于内置下限", "below the packaged"),
                         (10, "重复", "repeated"), (11, "不是有限数值", "not a finite number")):
        assert any(f"第{line}行：" in p and zh in p and f"row {line}: " in p and en in p and "ignored" in p
                   for p in loaded.problems), (line, problems)
    assert bounds.bound("energy_tce").upper == 5e8  # the good row counts
    assert [bounds.bound(q).upper for q in ("fuel_mass_t", "co2_t", "percent", "heat_gj")] == [1e8, 1e9, 100.0, 1e10]
    assert bounds.bound("heat_gj").lower == 0.0


def test_an_unreadable_override_is_ignored_whole_and_a_fixed_one_is_picked_up(workspace):
    loaded = _override(workspace, "name,min,max\nfuel_mass_t,0,5\n")
    assert len(loaded.problems) == 1 and "quantity" in loaded.problems[0] and "whole file is ignored" in loaded.problems[0]
    assert bounds.bound("fuel_mass_t").upper == 1e8
    _override(workspace, "quantity,lower,upper\nfuel_mass_t,0,5\n")  # changed on disk: the next refresh reloads it
    assert bounds.bound("fuel_mass_t").upper == 5.0


# --- the extremes the bounds allow, through the real inventory SQL --------------------------------------------------


def _upper(quantity: str) -> float:
    return float(plausibility_bounds().filter(pl.col("quantity") == quantity)["upper"][0])


def test_the_extremes_the_bounds_allow_sum_exactly_through_the_warehouse_sql(table_frame):
    """Every fuel line of 30 sites at the bounds' worst (fuel, NCV, carbon content, oxidation 1), 40 lines a site: the
    DECIMAL(38, 6) sums neither overflow nor stop reconciling, and the totals are the hand-computed ones."""
    coal_line = _upper("fuel_mass_t") * _upper("ncv_gj_per_t") * _upper("carbon_content_tc_per_gj") * C_TO_CO2
    gas_line = _upper("fuel_gas_10k_nm3") * _upper("ncv_gj_per_10k_nm3") * _upper("carbon_content_tc_per_gj") * C_TO_CO2
    assert coal_line == pytest.approx(1.1e10) and gas_line == pytest.approx(1.4666667e10)
    site = 20 * coal_line + 20 * gas_line  # 40 lines: 5.1333e11 t CO2 a site
    energy = (20 * 1e8 * 150 + 20 * 1e7 * 2000) / 29.3076  # tce: 1.1601e11
    regions = [("410102", "410100"), ("410103", "410100"), ("410302", "410300"), ("410100", "410100")]
    facilities = table_frame("core_facility__entity", [
        {"facility_id": f"S{i}", "facility_kind": "permit_site", "uscc": f"U{i % 3}", "region_code": regions[i % 4][0],
         "city_code": regions[i % 4][1], "industry_code": ("3011", "4411", None)[i % 3]} for i in range(30)])
    enterprises = table_frame("core_enterprise__entity", [{"uscc": f"U{i}"} for i in range(3)])
    species = table_frame("core_inventory__yearly_facility_species", [
        {"facility_id": f"S{i}", "uscc": f"U{i % 3}", "year": 2023, "species": "CO2", "scope": "combustion",
         "method": "calculated", "mass_t": site, "co2e_t": site, "gwp_set": "AR5", "energy_tce": energy,
         "source_system": "ghg", "source_record": f"ghg/x.csv::{i + 2}#abc"} for i in range(30)])
    facility = facility_inventory(species, facilities, enterprises)
    assert facility["co2_combustion_t"].to_list() == [site] * 30
    enterprise = enterprise_inventory(facility, enterprises)
    assert enterprise["co2e_t"].sum() == pytest.approx(30 * site, rel=1e-15)
    rollup = region_sector_inventory(species, facility)
    province = rollup.filter((pl.col("region_level") == "province") & (pl.col("sector_scheme") == "all"))
    assert province["mass_t"].to_list() == [pytest.approx(30 * site, rel=1e-15)]  # 1.54e13 t
    assert province["energy_tce"].to_list() == [pytest.approx(30 * energy, rel=1e-15)]
    assert region_sector_mismatches(rollup, facility).is_empty()  # without the ulp slack: 169 mismatches


# --- a failing blocking check names the source rows behind it -------------------------------------------------------


def test_a_failing_contract_check_names_file_and_row(table_frame):
    from pipelines.orchestration.step_checks import CONTRACT

    def row(number: int, year: int) -> dict:
        return {"year": year, "indicator_id": "gdp", "indicator_name": "地区生产总值", "source_file": "city/指标.csv",
                "sheet_name": None, "row_number": number, "file_sha256": "0" * 64}

    frame = table_frame("core_city__indicators", [row(2, 2023), row(3, 2300), row(4, 2023)])
    result = CONTRACT.run("core_city__indicators", frame)
    assert not result.passed
    assert result.metadata["first_source_rows"].text == "city/指标.csv::3" and result.metadata["source_rows"].value == 1
    assert "city/指标.csv::3" in result.description and "数据契约" in result.description


def test_a_failing_reconciliation_names_the_rows_behind_the_totals_that_differ(table_frame):
    from pipelines.orchestration.checks import region_sector_reconciles

    facilities = table_frame("core_facility__entity", [
        {"facility_id": "A", "facility_kind": "permit_site", "uscc": "U", "region_code": "410102", "city_code": "410100"},
        {"facility_id": "B", "facility_kind": "permit_site", "uscc": "U", "region_code": "410302", "city_code": "410300"}])
    species = table_frame("core_inventory__yearly_facility_species", [
        {"facility_id": f, "uscc": "U", "year": 2023, "species": "SO2", "scope": "combustion", "method": "reported",
         "mass_t": mass, "source_system": "permit", "source_record": record}
        for f, mass, record in (("A", 5.0, "permit/a.csv::7#aaa;permit/a.csv::8#aaa"), ("B", 9.0, "permit/b.csv::2#bbb"))])
    facility = facility_inventory(species, facilities, table_frame("core_enterprise__entity", [{"uscc": "U"}]))
    rollup = region_sector_inventory(species, facility)
    county_a = (pl.col("region_code") == "410102") & (pl.col("sector_scheme") == "all")
    slipped = rollup.with_columns(pl.when(county_a).then(pl.col("mass_t") + 0.001).otherwise("mass_t").alias("mass_t"))
    result = region_sector_reconciles(slipped, facility, species)
    assert not result.passed and result.metadata["source_rows"].value == 3
    # A's rows are behind the county, its city, the province and the year's totals; B's only behind the year's
    assert result.metadata["first_source_rows"].text == "permit/a.csv::7#aaa; permit/a.csv::8#aaa; permit/b.csv::2#bbb"
    assert "涉及来源行3行" in result.description and "3 source rows behind it" in result.description
    assert region_sector_reconciles(rollup, facility, species).passed


def test_cems_rows_with_non_finite_or_implausible_numbers_are_rejected_and_counted(tmp_path, workspace):
    from pipelines.read.cems.store import CemsStore, ingest

    outlets = pl.DataFrame({"mn": ["MN01"], "permit_no": ["91410100MA00000001001P"], "outlet_code": ["DA001"],
                            "city_code": ["410100"]})
    lines = ["MN,DataTime,a21026-Avg,a21026-Cou,a21026-Flag,a00000-Cou",
             "MN01,20230101000000,50,1.5,N,30000",  # row 2: good
             "MN01,20230101010000,50,1E+400,N,30000", "MN01,20230101020000,50,nan,N,30000",
             "MN01,20230101030000,50,inf,N,30000", "MN01,20230101040000,50,1e15,N,30000",  # rows 3-6: the mass
             "MN01,20230101050000,50,1.5,N,1e300",  # row 7: the flow
             "MN01,20230101060000,2e6,1.5,N,30000"]  # row 8: a concentration above 1 kg/Nm3
    (tmp_path / "inbox" / "cems").mkdir(parents=True)
    (tmp_path / "inbox" / "cems" / "hourly.csv").write_text("\n".join(lines), encoding="utf-8")
    store = CemsStore(tmp_path / "parquet" / "core_cems__hourly")
    log = ingest(store, tmp_path / "inbox" / "cems", tmp_path / "archive", outlets, [])
    assert log.select("rows_read", "rows_accepted", "rows_rejected").row(0) == (7, 1, 6)
    rejected = pl.read_parquet(store.rejected / f"{log['file_sha256'][0][:12]}.parquet").sort("row_number")
    assert rejected["raw_value"].to_list() == ["1E+400", "nan", "inf", "1e15", "1e300", "2e6"]
    assert ["不是有限数" in r for r in rejected["reason_zh"]] == [True] * 3 + [False] * 3
    assert "cems_mass_kg_h" in rejected["reason_en"][3] and "cems_flow_m3_h" in rejected["reason_en"][4]
    assert "concentration_mg_nm3" in rejected["reason_en"][5] and "1.293 kg/Nm3" in rejected["reason_en"][5]
