-- 清单报告 减污降碳协同: per pollutant (SO2, NOx, PM, APeq; VOCs have no APeq weight and are left out) the enterprises of
-- $year and how many have each Els reading (others, e.g. unchanged or no base, counted as `other`), with the
-- province's change and Els ('all' sectors).
with counts as (
    select pollutant, count(*) as enterprise_count,
           count(*) filter (where els_reading = 'co_reduction_pollutant_led') as co_reduction_pollutant_led,
           count(*) filter (where els_reading = 'co_reduction_carbon_led') as co_reduction_carbon_led,
           count(*) filter (where els_reading = 'co_reduction_equal') as co_reduction_equal,
           count(*) filter (where els_reading = 'trade_off_pollutant_down') as trade_off_pollutant_down,
           count(*) filter (where els_reading = 'trade_off_carbon_down') as trade_off_carbon_down,
           count(*) filter (where els_reading = 'co_increase') as co_increase,
           count(*) filter (where not list_contains(['co_reduction_pollutant_led', 'co_reduction_carbon_led',
                                                     'co_reduction_equal', 'trade_off_pollutant_down',
                                                     'trade_off_carbon_down', 'co_increase'], els_reading)) as other
    from out_synergy__yearly_enterprise
    where year = $year and list_contains(['SO2', 'NOx', 'PM', 'APeq'], pollutant) group by 1),
province as (
    select pollutant, pollutant_change_pct, co2_change_pct, els, els_reading, els_reading_zh
    from out_synergy__yearly_sector where year = $year and sector_scheme = 'all')
select * from counts left join province using (pollutant) order by list_position(['SO2', 'NOx', 'PM', 'APeq'], pollutant)
