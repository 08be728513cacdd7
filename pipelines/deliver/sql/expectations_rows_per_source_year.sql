-- great-expectations level (pipelines/deliver/expectations.py): rows per source system and data year, with the
-- ratio to the same source's previous year. Rows are the source records the entity resolution accounted for
-- (permit, envstat, ghg), the CEMS outlet-months and the city indicators. Every year from a source's first year to
-- the warehouse's last year is listed, so a year the source skipped counts 0 rows and is compared, not hidden.
with counted as (
    select source_system, record_year as year, count(*) as row_count
    from core_facility__assn_sources
    where record_year is not null
    group by all
    union all
    select 'cems', year, count(*) from core_cems__outlet_monthly group by all
    union all
    select 'city', year, count(*) from core_city__indicators group by all
),
grid as (
    select source_system, unnest(range(min(year), (select max(year) from counted) + 1)) as year
    from counted
    group by all
),
yearly as (
    select g.source_system, g.year, coalesce(c.row_count, 0) as row_count,
           lag(coalesce(c.row_count, 0)) over (partition by g.source_system order by g.year) as previous_year_row_count
    from grid as g
    left join counted as c using (source_system, year)
)
select source_system, year, row_count, previous_year_row_count,
       row_count / previous_year_row_count as ratio_to_previous_year
from yearly
where previous_year_row_count > 0
order by source_system, year
