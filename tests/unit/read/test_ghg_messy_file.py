"""A hand-written export nobody's generator made: title row, blank row, BOM, full-width USCC, units in headers."""

from pipelines.read.ingest import transform_file

MESSY = (
    "某市碳排放报告导出（人工整理）\n\n"
    "企业名称,统一社会信用代码,年度,燃料品种,消耗量(万吨),低位发热量(MJ/kg),单位热值含碳量,碳氧化率,行业代码\n"
    "演示甲热电有限公司,９１１３０２００６９９２２９６１７Ｘ,2022年,烟煤,1.2,21.5,/,93%,D4412\n"
    "演示甲热电有限公司,91130200699229617X,2022,合计,1.2,,,,\n"
    ",,,,,,,,\n"
    "演示乙水泥有限公司,91130200699229617Y,2022年度,洗精煤,0.5,26,0.0255,0.9,3011\n"
    "演示丙化工有限公司,91130200699229617X,2022,天然气,3,,,,C2614\n"
)


def test_messy_export(tmp_path):
    path = tmp_path / "导出.csv"
    path.write_bytes(MESSY.encode("utf-8-sig"))
    result, core, rejected = transform_file(path, "ghg")
    good = core["core_ghg__fuel_lines"]
    assert result.encoding == "utf-8-sig"
    assert result.rows_read == good.height + rejected.height == 4  # blank row is not a row; title row is skipped
    line = good.row(0, named=True)
    assert (line["uscc"], line["year"], line["fuel_code"], line["industry_code"]) == (
        "91130200699229617X", 2022, "bituminous", "4412")
    assert line["fuel_consumed_units"] == 12_000.0 and line["ncv_gj_per_unit"] == 21.5
    assert line["oxidation_fraction"] == 0.93 and line["carbon_content_tc_per_gj"] is None
    reasons = {r["row_number"]: (r["column_name"], r["reason_en"]) for r in rejected.iter_rows(named=True)}
    assert reasons[5][0] == "燃料品种" and "subtotal" in reasons[5][1]  # the headers as the file writes them
    assert reasons[7][0] == "统一社会信用代码" and "check character" in reasons[7][1]
    assert reasons[8][0] == "消耗量(万吨)" and "column '消耗量(万吨)' (fuel_quantity): " in reasons[8][1]
    assert "does not fit" in reasons[8][1]
