-- great-expectations level: the coal a reporting unit burns in a year on average (total coal / units burning coal),
-- per source system, and its ratio to the same source's previous reporting year. The mean, not the median: a
-- source's units split into small boilers and large plants and the median falls in the sparse gap between them (in
-- the clean demo build of the tests the envstat median fell by a third from 2022 to 2023 while the mean moved 1 %).
-- Units as each source reports them: envstat enterprises (基101 coal), permit holders (execution-report fuel
-- analysis), GHG reporters (fuel lines). Coal is every fuel of group 'coal' in inventories/reference/fuels.csv, bound
-- as $coal_fuel_codes, in tonnes.
with per_site as (
    select 'envstat' as source_system, year, coalesce(uscc, org_code) || '/' || coalesce(sub_unit_code, '') as site,
           sum(coal_consumed_t) as coal_t
    from core_envstat__enterprise
    where coal_consumed_t > 0
    group by all
    union all
    select 'permit', year, permit_no, sum(fuel_consumed_units)
    from core_permit__fuel_analysis
    where list_contains($coal_fuel_codes, fuel_code) and fuel_unit_code = 't' and fuel_consumed_units > 0
    group by all
    union all
    select 'ghg', year, uscc, sum(fuel_consumed_units)
    from core_ghg__fuel_lines
    where list_contains($coal_fuel_codes, fuel_code) and fuel_unit_code = 't' and fuel_consumed_units > 0
    group by all
),
yearly as (
    select source_system, year, count(*) as sites, avg(coal_t) as mean_coal_t
    from per_site
    group by all
),
compared as (
    select *, lag(mean_coal_t) over (partition by source_system order by year) as previous_year_mean_coal_t
    from yearly
)
select source_system, year, sites, mean_coal_t, previous_year_mean_coal_t,
       mean_coal_t / previous_year_mean_coal_t as ratio_to_previous_year
from compared
where previous_year_mean_coal_t > 0
order by source_system, year
