"""Numbers never stop the province's build (issue 25, item 1), through a real build of a small hand-written inbox.

One GHG fuel-combustion report holds:
- enterprise N (cement): 8,000 t of bituminous coal and 120 万m3 of natural gas with labelled defaults, plus rows that
  used to stop the build or its checks: 1E+400 t (infinity once parsed), 1e15 t (beyond the coal bound), 1e308 万吨
  (overflows once converted to t) and 1e308 t (beyond the bound, and its CO2 beyond float range);
- enterprise X (cement, one site): 20 lines at the extremes the bounds in force allow: 10 coal lines of 2e8 t and 10
  gas lines of 1e7 x 10^4 Nm3, each with the highest NCV, carbon content and oxidation rate the table allows. 2e8 t
  is allowed only because the workspace override widens the coal bound to 2e8 t; a 3e8 t line is rejected naming
  that override row. The override file also holds a malformed row, which is ignored.
The build must succeed with every blocking check passing; the absurd rows are in core_qa__rejected_rows with their raw
values and a reason; N's results are what its good rows give alone; X's CO2 and energy are the hand-computed sums.
"""

import csv
import io

import duckdb
import polars as pl
import pytest
from worlds import build_in_process, failures

from inventories.reference import plausibility_bounds
from pipelines.read import bounds
from pipelines.workspace import Workspace, init_workspace
from schemas.identifiers import uscc_check_char

pytestmark = pytest.mark.slow

N = "91410100MA4BND001" + uscc_check_char("91410100MA4BND001")
X = "91410100MA4BND002" + uscc_check_char("91410100MA4BND002")
FILE = "ghg/温室气体排放报告_化石燃料燃烧_2023_极值手工录入.csv"
HEADER = ["报告年份", "统一社会信用代码", "单位名称", "行业代码", "行政区划代码", "排放设施", "燃料品种", "消耗量",
          "计量单位", "低位发热量", "热值单位", "低位发热量来源", "单位热值含碳量(tC/GJ)", "含碳量来源", "碳氧化率(%)",
          "碳氧化率来源", "备注"]
COAL_BOUND = 2e8  # the workspace override's fuel_mass_t upper bound
OVERRIDE = ("quantity,unit,lower,upper,basis_zh,basis_en,status\n"
            f"fuel_mass_t,t,0,{COAL_BOUND:g},测试用放宽,widened for the test,test\n"
            "no_such_quantity,t,0,1,,,\n")
C_TO_CO2 = 44 / 12
GJ_PER_TCE = 29.3076


def _upper(quantity: str) -> float:
    return float(plausibility_bounds().filter(pl.col("quantity") == quantity)["upper"][0])


NCV_T, NCV_GAS, CC, GAS_BOUND = (_upper(q) for q in ("ncv_gj_per_t", "ncv_gj_per_10k_nm3", "carbon_content_tc_per_gj",
                                                     "fuel_gas_10k_nm3"))


def _row(uscc: str, site: str, fuel: str, quantity: str, unit: str, params: tuple[str, ...] = ("",) * 7) -> list[str]:
    """One fuel line of N (南阳, 411302) or X (郑州, 410102); params: NCV, its unit and basis, carbon content and basis,
    oxidation % and basis."""
    name, region = ("演示极值检验水泥有限公司", "411302") if uscc == N else ("演示极值上限建材有限公司", "410102")
    return ["2023", uscc, name, "3011", region, site, fuel, quantity, unit, *params, ""]


def _measured(ncv: float, ncv_unit: str) -> tuple[str, ...]:
    return f"{ncv:g}", ncv_unit, "实测", f"{CC:g}", "实测", "100", "实测"


ROWS = [  # data rows start at file row 2
    _row(N, "1#窑", "原煤（烟煤）", "8000", "吨"),
    _row(N, "烘干", "天然气", "120", "万立方米", ("389.31", "GJ/万立方米", "缺省值", "0.0153", "缺省值", "99", "缺省值")),
    _row(N, "2#窑", "烟煤", "1E+400", "吨"),  # row 4
    _row(N, "3#窑", "烟煤", "1e15", "吨"),  # row 5
    _row(N, "4#窑", "烟煤", "1e308", "万吨"),  # row 6
    _row(N, "5#窑", "烟煤", "1e308", "吨"),  # row 7
    _row(X, "超限", "烟煤", "3e8", "吨", _measured(NCV_T, "GJ/t")),  # row 8
    *(_row(X, f"{k}#炉", "烟煤", f"{COAL_BOUND:g}", "吨", _measured(NCV_T, "GJ/t")) for k in range(1, 11)),
    *(_row(X, f"{k}#燃机", "天然气", f"{GAS_BOUND:g}", "万立方米", _measured(NCV_GAS, "GJ/万立方米")) for k in range(1, 11)),
]
REJECTED = {4: ("1E+400", "溢出", "overflows to infinity"), 5: ("1e15", "fuel_mass_t", "outside the plausible range"),
            6: ("1e308", "溢出", "overflow"), 7: ("1e308", "fuel_mass_t", "outside the plausible range"),
            8: ("3e8", "第2行", "row 2")}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("hostile_numbers"))
    init_workspace(ws)
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([HEADER, *ROWS])
    (ws.inbox / FILE).write_text(text.getvalue(), encoding="utf-8-sig")
    (ws.config / "plausibility_bounds.csv").write_text(OVERRIDE, encoding="utf-8")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SYNERGY_HOME", str(ws.home))  # as `synergy build` sets it: the transforms read the override here
        result = build_in_process(ws)
    bounds.refresh()  # back to the bounds of the environment the other tests run in
    assert result.success, failures(result)
    return ws, result


@pytest.fixture(scope="module")
def sql(built):
    def run(query: str) -> pl.DataFrame:
        with duckdb.connect(str(built[0].warehouse), read_only=True) as con:
            return con.sql(query).pl()
    return run


def test_every_blocking_check_passes(built):
    evaluations = built[1].get_asset_check_evaluations()
    names = {e.check_name for e in evaluations}
    assert {"rows_accounted_for", "enterprise_equals_facility_sum", "region_sector_reconciles"} <= names
    assert [e.check_name for e in evaluations if not e.passed and e.check_name in (
        "rows_accounted_for", "enterprise_equals_facility_sum", "region_sector_reconciles", "schema_contract")] == []


def test_absurd_rows_are_rejected_with_raw_value_and_reason_and_every_row_is_counted(sql):
    manifest = sql(f"select * from core_qa__file_manifest where source_file = '{FILE}'").row(0, named=True)
    assert (manifest["rows_read"], manifest["rows_accepted"], manifest["rows_rejected"]) == (len(ROWS), len(ROWS) - 5, 5)
    rejected = {r["row_number"]: r for r in sql("select * from core_qa__rejected_rows").iter_rows(named=True)}
    assert set(rejected) == set(REJECTED)
    for row_number, (raw, zh, en) in REJECTED.items():
        row = rejected[row_number]
        assert (row["source_file"], row["column_name"], row["raw_value"]) == (FILE, "消耗量", raw)
        assert zh in row["reason_zh"] and en in row["reason_en"], row
        assert f'"{raw}"' in row["raw_record"]
    assert "widened for the test" in rejected[8]["reason_en"]  # the override row's own basis


def test_the_good_rows_of_the_same_file_give_what_they_give_alone(sql):
    # bituminous defaults (GB/T 32151 table C.1 as in the handwritten completeness test): NCV 19.570, 0.0261, 0.93
    coal = 8000 * 19.570 * 0.0261 * 0.93 * C_TO_CO2
    gas = 120 * 389.31 * 0.0153 * 0.99 * C_TO_CO2
    row = sql(f"select * from out_inventory__yearly_enterprise where uscc = '{N}'").row(0, named=True)
    assert row["co2_combustion_t"] == pytest.approx(coal + gas, rel=1e-9)
    assert row["energy_tce"] == pytest.approx((8000 * 19.570 + 120 * 389.31) / GJ_PER_TCE, rel=1e-9)


def test_the_extremes_the_bounds_allow_are_summed_exactly(sql):
    coal_line = COAL_BOUND * NCV_T * CC * 1.0 * C_TO_CO2  # 2e8 t x 150 GJ/t x 0.2 tC/GJ x 44/12 = 2.2e10 t
    gas_line = GAS_BOUND * NCV_GAS * CC * 1.0 * C_TO_CO2  # 1e7 x 2000 GJ x 0.2 x 44/12 = 1.467e10 t
    co2 = 10 * coal_line + 10 * gas_line  # 3.667e11 t
    energy = 10 * (COAL_BOUND * NCV_T + GAS_BOUND * NCV_GAS) / GJ_PER_TCE  # 1.706e10 tce
    lines = sql(f"select co2_mass_t from core_inventory__ghg_fuel_line_co2 where uscc = '{X}'")["co2_mass_t"]
    assert sorted(lines.to_list()) == pytest.approx(sorted([coal_line] * 10 + [gas_line] * 10), rel=1e-12)
    row = sql(f"select * from out_inventory__yearly_enterprise where uscc = '{X}'").row(0, named=True)
    assert row["co2_combustion_t"] == pytest.approx(co2, rel=1e-12)
    assert row["energy_tce"] == pytest.approx(energy, rel=1e-12)
    province = sql("select mass_t from out_inventory__yearly_region_sector where region_level = 'province' and "
                   "sector_scheme = 'all' and species = 'CO2' and scope = 'combustion'")["mass_t"].to_list()
    nothing_else = 8000 * 19.570 * 0.0261 * 0.93 * C_TO_CO2 + 120 * 389.31 * 0.0153 * 0.99 * C_TO_CO2
    assert province == [pytest.approx(co2 + nothing_else, rel=1e-12)]
