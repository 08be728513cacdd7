"""Synergy on the seed-7 demo build: the manifest's diverging enterprises read as designed, sector sums are
like for like, and the city index covers its weight (one city lacks an indicator on purpose)."""

import polars as pl


def test_designed_diverging_enterprises_are_classified_as_expected(built, sql):
    cases = built[1]["synergy"]["cases"]
    assert len(cases) == 5 and {c["design"] for c in cases} == {
        "coal_to_gas", "gas_cut", "less_fuel_more_coal", "coal_cut_gas_up", "growth"}
    for case in cases:
        got = sql(f"select els_reading, quadrant, els from out_synergy__yearly_enterprise where uscc = '{case['uscc']}' "
                  f"and year = {case['year']} and pollutant = '{case['expected']['pollutant']}'")
        assert got.height == 1, case
        assert (got["els_reading"][0], got["quadrant"][0]) == (case["expected"]["els_reading"],
                                                              case["expected"]["quadrant"]), case


def test_first_year_has_no_synergy_rows_and_every_later_enterprise_year_has_five(sql):
    counts = sql("select year, count(distinct uscc) as enterprises, count(*) as n from out_synergy__yearly_enterprise "
                 "group by year order by year")
    assert counts["year"].to_list() == [2022, 2023]
    assert (counts["n"] == counts["enterprises"] * 5).all()
    both = sql("select count(*) as n from out_inventory__yearly_enterprise a join out_inventory__yearly_enterprise b "
               "on a.uscc = b.uscc and b.year = a.year - 1 where a.year = 2023")["n"][0]
    assert counts["enterprises"][1] == both


def test_sector_rows_are_sums_of_their_comparable_enterprises(sql):
    expected = sql("""
        select e.year, substr(e.industry_code, 1, 2) as code, e.pollutant, count(*) as n, sum(pollutant_amount) as amount,
               sum(previous_co2_combustion_t) as previous_co2
        from out_synergy__yearly_enterprise e
        where pollutant_amount is not null and previous_pollutant_amount is not null and co2_combustion_t is not null
          and previous_co2_combustion_t is not null
        group by all""")
    got = sql("select year, sector_class_code as code, pollutant, enterprise_count as n, pollutant_amount as amount, "
              "previous_co2_combustion_t as previous_co2 from out_synergy__yearly_sector "
              "where sector_scheme = 'gbt4754_division'")
    joined = expected.join(got, on=["year", "code", "pollutant"], how="full", coalesce=True)
    assert joined.height == expected.height == got.height
    assert (joined["n"] == joined["n_right"]).all()
    assert ((joined["amount"] - joined["amount_right"]).abs() <= 1e-6 * joined["amount"].abs() + 1e-9).all()
    assert ((joined["previous_co2"] - joined["previous_co2_right"]).abs() <= 1e-6 * joined["previous_co2"]).all()


def test_city_index_covers_its_weight_and_reports_the_missing_indicator(built, sql):
    missing_city = built[1]["city"]["missing_green_building_city"]
    root = sql("select * from out_synergy__yearly_city_index where indicator_level = 0")
    assert set(root["year"]) == {2021, 2022, 2023} and root["score"].null_count() == 0
    partial = root.filter((pl.col("weight_coverage_pct") < 100) & (pl.col("year") >= 2022))
    assert set(partial["city_code"]) == {missing_city} and set(partial["year"]) == {2022, 2023}
    assert ((partial["weight_coverage_pct"] - 90.0).abs() < 1e-9).all()  # green_building_share weighs 0.1
    assert partial["missing_indicators"].str.contains("green_building_share").all()
    # 2021 has no previous year: the change indicators are missing there (and reported), found from 2022 on
    first = root.filter(pl.col("year") == 2021)
    assert (first["weight_coverage_pct"] < 100).all() and first["missing_indicators"].str.contains("coupling_").all()
    base = sql("select indicator_id, count(score) as n from out_synergy__yearly_city_index where year = 2021 "
               "and indicator_level = 3 group by 1")
    scored = dict(base.iter_rows())
    assert scored["co_reduction_enterprise_share"] == 0 and scored["pm25_annual_mean"] == root["city_code"].n_unique()
    ranks = root.filter(pl.col("year") == 2023).sort("city_rank")
    assert ranks["city_rank"].to_list() == list(range(1, ranks.height + 1))
    assert ranks["score"].is_sorted(descending=True)
    assert (root.filter(pl.col("year") == 2022)["score_change_pct"] == 0).all() and (root["base_year"] == 2022).all()


def test_city_file_rows_accounted_for(built, sql):
    city = built[1]["city"]
    log = sql("select rows_read, rows_accepted, rows_rejected from core_qa__file_manifest where source_system = 'city'")
    assert log.height == 1 and log["rows_read"][0] == log["rows_accepted"][0] + log["rows_rejected"][0]
    assert log["rows_rejected"][0] == len(city["bad_rows"]) == 2
    rejected = sql("select reason_zh, reason_en from core_qa__rejected_rows where source_system = 'city'")
    assert rejected.height == 2 and rejected["reason_zh"].str.contains("单位|指标").all()
