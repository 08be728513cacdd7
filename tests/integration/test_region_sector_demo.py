"""The region x sector roll-up on the demo build: it reconciles exactly with the facility inventory at every level,
its check ran, its change on the previous year matches that year's rows, and every site has an industry."""

import polars as pl

from inventories.sql_models import region_sector_mismatches


def test_reconciliation_check_passed(built):
    evaluation = next(e for e in built[2].get_asset_check_evaluations() if e.check_name == "region_sector_reconciles")
    assert evaluation.passed
    assert evaluation.metadata["mismatches"].value == 0


def test_reconciles_with_published_facility_table(sql):
    rollup = sql("select * from out_inventory__yearly_region_sector")
    facility = sql("select * from out_inventory__yearly_facility")
    assert rollup["year"].unique().sort().to_list() == [2021, 2022, 2023]
    assert region_sector_mismatches(rollup, facility).is_empty()
    exact = sql("""
        select f.year, f.co2e, r.co2e as rolled
        from (select year, sum(co2e_t::decimal(38, 6)) as co2e from out_inventory__yearly_facility group by year) f
        join (select year, sum(co2e_t::decimal(38, 6)) as co2e from out_inventory__yearly_region_sector
              where region_level = 'city' and sector_scheme = 'gbt4754_group' group by year) r using (year)""")
    assert exact.height == 3 and (exact["co2e"] == exact["rolled"]).all()


def test_every_city_and_site_counted(sql):
    cities = sql("select distinct city_code from out_inventory__yearly_facility where year = 2023")["city_code"]
    rolled = sql("""select region_code from out_inventory__yearly_region_sector
                    where year = 2023 and region_level = 'city' and sector_scheme = 'all' and species = 'CO2'
                      and scope = 'combustion'""")["region_code"]
    assert sorted(rolled.to_list()) == sorted(cities.to_list())
    sites = sql("select count(*) as n from out_inventory__yearly_facility where year = 2023 and co2_combustion_t is not null")
    province = sql("""select facility_count from out_inventory__yearly_region_sector where year = 2023
                      and region_level = 'province' and sector_scheme = 'all' and species = 'CO2' and scope = 'combustion'""")
    assert province["facility_count"].to_list() == sites["n"].to_list()


def test_change_on_previous_year(sql):
    rows = sql("""select year, mass_t, previous_year_mass_t, mass_change_pct from out_inventory__yearly_region_sector
                  where region_level = 'province' and sector_scheme = 'all' and species = 'SO2' order by year""")
    assert rows["previous_year_mass_t"][0] is None
    assert rows["previous_year_mass_t"][2] == rows["mass_t"][1]
    assert abs(rows["mass_change_pct"][2] - (rows["mass_t"][2] / rows["mass_t"][1] - 1) * 100) < 1e-9


def test_permit_only_sites_get_an_industry_from_the_permit(sql):
    unknown = sql("""select sum(facility_count) as n from out_inventory__yearly_region_sector
                     where region_level = 'province' and sector_scheme = 'gbt4754_division' and sector_class_code = 'unknown'""")
    assert unknown["n"][0] is None
    shares = sql("""select monitored_share + reported_share + calculated_share + gap_filled_share as total
                    from out_inventory__yearly_region_sector where mass_t > 0""")
    assert shares.filter((pl.col("total") - 1).abs() > 1e-9).is_empty()
