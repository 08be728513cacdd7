"""Positive control on the real national key-emitter list (../shared/realdata/cn-ets-2019-2020).

The MEE list is written here as the ministry published it (a title row naming the period, then 序号, 省份, 企业名称,
统一社会信用代码, 行业, 行业代码; names with their OCR quirks 笫, 鸟, 〈〉) and the 94 records provinces added in 2025
on a second sheet titled with 2025. It goes into inbox/register/ and through the real raw_register and
core_register assets; the comparison asset then runs on it. The JSON stays in ../shared, never in the repo.
"""

import json
import shutil

import dagster as dg
import openpyxl
import polars as pl
import pytest

from pipelines.orchestration.assets.published_lists import out_key_emitters__published_comparison, published_comparison_consistent
from pipelines.orchestration.assets.sources import SOURCE_ASSETS
from pipelines.orchestration.io_manager import ParquetIOManager
from pipelines.orchestration.resources import SynergyConfig
from pipelines.workspace import Workspace, init_workspace
from schemas.headers import normalise_text

BAD_USCC = "914304007637985296"  # published with check character 6; GB 32100 gives R
HEADER = ["序号", "省份", "企业名称", "统一社会信用代码", "行业", "行业代码"]
QUIRKS = {"笫": "第", "〈": "（", "〉": "）", "鸟": "乌"}

pytestmark = pytest.mark.slow  # the real assets on the 2,305-row national list; a CLI build


def _entities(realdata) -> list[dict]:
    path = realdata / "cn-ets-2019-2020" / "national_carbon_market_entities.json"
    return json.loads(path.read_text(encoding="utf-8"))["entities"]


def _clean(name: str) -> str:
    for dirty, clean in QUIRKS.items():
        name = name.replace(dirty, clean)
    return name


def _write_list(path, sheets: list[tuple[str, str, list[dict]]], rename=lambda name: name) -> dict[str, tuple[str, int]]:
    """One sheet per (sheet name, title, entities); returns uscc -> (sheet, Excel row)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    where = {}
    for sheet_name, title, entities in sheets:
        sheet = book.create_sheet(sheet_name)
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        sheet.append(HEADER)
        for i, e in enumerate(entities, start=1):
            sheet.append([i, e["province"], rename(e["name"]), e["uscc"], e["industry"], e["industry_code"]])
            where[e["uscc"]] = (sheet_name, i + 2)
    book.save(path)
    return where


def _ingest(ws: Workspace) -> dict[str, pl.DataFrame]:
    """Run the real raw_register and core_register assets; every output they write, by name."""
    assets = [a for a in SOURCE_ASSETS if a.node_def.name in ("raw_register", "core_register")]
    result = dg.materialize(assets, resources={"synergy": SynergyConfig(home=str(ws.home)),
                                               "io_manager": ParquetIOManager(base_dir=str(ws.parquet))})
    assert result.success
    return {p.stem: pl.read_parquet(p) for p in ws.parquet.glob("*.parquet")}


def _compare(published: pl.DataFrame, register: pl.DataFrame) -> pl.DataFrame:
    output, contract = out_key_emitters__published_comparison(core_register__published_list=published,
                                                              out_key_emitters__register=register)  # table, then its contract
    assert contract.passed, contract.metadata
    check = published_comparison_consistent(output.value)
    assert check.passed, check.metadata
    return output.value


def _as_register(published: pl.DataFrame) -> pl.DataFrame:
    """The list itself as a computed register: every listed USCC a key emitter in 2020."""
    return published.select("uscc", "enterprise_name", pl.lit(None, pl.String).alias("city_code"),
                            pl.lit(2020).alias("year"), pl.lit(True).alias("is_key_emitter"),
                            pl.lit("reporting").alias("register_status"), pl.lit(None, pl.Float64).alias("basis_co2e_t"),
                            pl.lit(None, pl.Float64).alias("energy_tce"), pl.lit(None, pl.String).alias("evidence_zh"))


@pytest.fixture(scope="module")
def national(realdata, tmp_path_factory):
    entities = _entities(realdata)
    ws = Workspace(tmp_path_factory.mktemp("register_home"))
    init_workspace(ws)
    assert (ws.inbox / "register").is_dir()
    sheets = [("全国名录", "全国碳排放权交易市场重点排放单位名录(2019-2020年)",
               [e for e in entities if e["registry_year"] == "2019-2020"]),
              ("新增名录", "重点排放单位名录(2025年)", [e for e in entities if e["registry_year"] == "2025"])]
    where = _write_list(ws.inbox / "register" / "全国碳市场重点排放单位名录.xlsx", sheets)
    return ws, entities, where, _ingest(ws)


def test_real_list_is_read_with_its_periods_and_the_bad_code_rejected(national):
    _, entities, where, out = national
    files = out["_core_register__file_counts"]
    assert files.select("source_file", "file_status", "rows_read", "rows_accepted", "rows_rejected").rows() == [
        ("register/全国碳市场重点排放单位名录.xlsx", "ingested", 2305, 2304, 1)]
    rejected = out["_core_register__rejected_rows"]
    assert rejected.height == 1
    bad = rejected.row(0, named=True)
    assert (bad["source_file"], bad["sheet_name"], bad["row_number"]) == ("register/全国碳市场重点排放单位名录.xlsx",
                                                                          *where[BAD_USCC])
    assert bad["column_name"] == "统一社会信用代码" and bad["raw_value"] == BAD_USCC
    assert "校验位错误" in bad["reason_zh"] and "check character" in bad["reason_en"]
    assert json.loads(bad["raw_record"])["enterprise_name"] == "湖南裕华科技集团股份有限公司"  # raw values kept

    published = out["core_register__published_list"]
    assert published.height == 2304 and published["uscc"].n_unique() == 2304
    period = dict(zip(published["uscc"], published["list_period"], strict=True))
    for e in entities:
        if e["uscc"] != BAD_USCC:
            assert period[e["uscc"]] == e["registry_year"]  # from the title rows: '2019-2020', '2025'
    assert published.group_by("list_period").len().sort("list_period").rows() == [("2019-2020", 2210), ("2025", 94)]
    names = dict(zip(published["uscc"], published["enterprise_name"], strict=True))
    assert names["91310000660722180A"] == "华能国际电力股份有限公司上海石洞口笫一电厂"  # quirks kept, not corrected
    assert names["91320585739426077D"] == "玖龙纸业(太仓)有限公司"  # brackets normalised like every source
    assert set(published["listed_industry_code"]) == {"44", "3011", "3110", "3120", "3216"}


def test_list_against_itself_is_all_on_both(national):
    _, _, _, out = national
    published = out["core_register__published_list"]
    comparison = _compare(published, _as_register(published))
    assert comparison.height == 2304
    assert comparison["comparison"].unique().to_list() == ["on_both"]
    assert (comparison["comparison_zh"] == "名录与核算一致").all()
    assert comparison.filter(pl.col("uscc") == "91650105666676699U")["list_periods"].item() == "2019-2020"


def test_cleaned_second_copy_adds_name_variants_not_enterprises(national, tmp_path):
    first, entities, _, _ = national
    ws = Workspace(tmp_path / "home")
    init_workspace(ws)
    for path in (first.inbox / "register").iterdir():
        shutil.copy2(path, ws.inbox / "register" / path.name)
    _write_list(ws.inbox / "register" / "名录_清洗后.xlsx", [("名录", "重点排放单位名录(2021-2022年)", entities)],
                rename=_clean)
    out = _ingest(ws)
    files = out["_core_register__file_counts"].sort("source_file")
    assert files.select("rows_read", "rows_accepted", "rows_rejected").rows() == [(2305, 2304, 1), (2305, 2304, 1)]
    published = out["core_register__published_list"]
    assert published.height == 2 * 2304

    comparison = _compare(published, pl.DataFrame(schema={
        "uscc": pl.String, "enterprise_name": pl.String, "city_code": pl.String, "year": pl.Int64,
        "is_key_emitter": pl.Boolean, "register_status": pl.String, "basis_co2e_t": pl.Float64,
        "energy_tce": pl.Float64, "evidence_zh": pl.String}))
    assert comparison.height == 2304 and comparison["uscc"].n_unique() == 2304  # no enterprise split by a spelling
    assert set(comparison["comparison"]) == {"only_published"}
    row = {r["uscc"]: r for r in comparison.iter_rows(named=True)}
    assert row["91650105666676699U"]["list_periods"] == "2019-2020;2021-2022"
    quirky = [e for e in entities if e["uscc"] != BAD_USCC and _clean(e["name"]) != e["name"]]
    assert len(quirky) == 44
    for e in quirky:
        spellings = {normalise_text(e["name"]), normalise_text(_clean(e["name"]))}
        assert set(row[e["uscc"]]["published_name_variants"].split(";")) == spellings, e
        assert row[e["uscc"]]["enterprise_name"] == normalise_text(_clean(e["name"]))  # the latest list names it
    letters = [e for e in quirky if any(q in e["name"] for q in "笫鸟")]
    assert len(letters) == 23 and all(";" in row[e["uscc"]]["published_name_variants"] for e in letters)
    # 〈 〉 against （ ）: NFKC and the bracket map make both spellings one name already on reading
    brackets = [e for e in quirky if e not in letters]
    assert brackets and all(";" not in row[e["uscc"]]["published_name_variants"] for e in brackets)


def test_cli_ingest_detects_a_list_and_takes_source_register(tmp_path, monkeypatch):
    """`synergy ingest` finds a list by its headers; a name + code only list needs --source register (the statistics
    form's required columns fit it as well); the build publishes the list and the comparison."""
    import duckdb
    from typer.testing import CliRunner

    from pipelines.cli import app

    monkeypatch.setenv("SYNERGY_HOME", str(tmp_path / "home"))
    listed = _write_list(tmp_path / "全国名录.xlsx", [("名录", "全国碳排放权交易市场重点排放单位名录(2019-2020年)", [
        {"province": "上海市", "name": "华能国际电力股份有限公司上海石洞口笫一电厂", "uscc": "91310000660722180A",
         "industry": "发电", "industry_code": "44"},
        {"province": "湖南省", "name": "湖南裕华科技集团股份有限公司", "uscc": BAD_USCC, "industry": "发电",
         "industry_code": "44"}])])
    assert len(listed) == 2
    bare = tmp_path / "名录_2025.csv"
    bare.write_text("企业名称,统一社会信用代码\n华能国际电力股份有限公司上海石洞口第一电厂,91310000660722180A\n",
                    encoding="utf-8-sig")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", "--no-build", str(tmp_path / "全国名录.xlsx")])
    assert result.exit_code == 0 and "inbox/register/全国名录.xlsx" in result.output, result.output
    result = runner.invoke(app, ["ingest", "--source", "register", str(bare)])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True) as con:
        rejected = con.execute("select source_file, sheet_name, row_number, column_name, raw_value "
                               "from core_qa__rejected_rows where source_system = 'register'").fetchall()
        files = con.execute("select source_file, rows_read, rows_accepted, rows_rejected from core_qa__file_manifest "
                            "where source_system = 'register' order by source_file").fetchall()
        compared = con.execute("select uscc, list_periods, comparison, published_name_variants "
                               "from out_key_emitters__published_comparison").fetchall()
    assert files == [("register/全国名录.xlsx", 2, 1, 1), ("register/名录_2025.csv", 1, 1, 0)]
    assert rejected == [("register/全国名录.xlsx", "名录", 4, "统一社会信用代码", BAD_USCC)]
    assert compared == [("91310000660722180A", "2019-2020;2025", "only_published",
                         "华能国际电力股份有限公司上海石洞口笫一电厂;华能国际电力股份有限公司上海石洞口第一电厂")]


def test_exported_register_reads_back_as_a_published_list_all_on_both(built, sql, tmp_path):
    """`synergy register` writes the layout of the published lists; read back as a list, it must agree with the
    register it came from: every computed key emitter on_both, nothing only on one side."""
    from pipelines.deliver.register_export import export_register
    from pipelines.read.ingest import detect_source, transform_file

    ws = built[0]
    paths = export_register(ws.warehouse, tmp_path / "exports")
    exported = next(p for p in paths if p.name.startswith("重点排放单位名录_") and p.suffix == ".xlsx")
    assert detect_source(exported) == "register"
    read, core, rejected = transform_file(exported, "register")
    published = core["core_register__published_list"]
    assert rejected.height == 0 and published.height == read.rows_read > 0
    register = sql("select * from out_key_emitters__register")
    first, last = register["year"].min(), register["year"].max()
    assert published["list_period"].unique().to_list() == [f"{first}-{last}"]  # from the file name
    comparison = _compare(published, register)
    key_emitters = register.filter(pl.col("is_key_emitter"))["uscc"].unique()
    assert comparison.height == key_emitters.len() and set(comparison["comparison"]) == {"on_both"}
