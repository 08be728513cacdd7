-- The same measured element carbon content or NCV in consecutive months of one unit (gaps and islands).
with monthly as (
    select uscc, year, coalesce(unit_id, '') as unit_name, fuel_code, month, 'carbon_mass_fraction_pct' as parameter,
           carbon_mass_fraction_pct as value, source_file || ':' || coalesce(sheet_name, '') || ':' || row_number as rec
    from core_ghg__power_monthly where carbon_mass_fraction_pct is not null
    union all
    select uscc, year, coalesce(unit_id, ''), fuel_code, month, 'ncv_gj_per_unit', ncv_gj_per_unit,
           source_file || ':' || coalesce(sheet_name, '') || ':' || row_number
    from core_ghg__power_monthly where ncv_gj_per_unit is not null
),
islands as (
    select *, month - row_number() over (partition by uscc, year, unit_name, fuel_code, parameter, value
                                         order by month) as island
    from monthly
),
runs as (
    select uscc, year, unit_name, fuel_code, parameter, value, count(*) as run_months, min(month) as first_month,
           max(month) as last_month, string_agg(rec, '; ' order by month) as source_record
    from islands
    group by uscc, year, unit_name, fuel_code, parameter, value, island
),
longest as (
    select r.* from runs r, params
    where r.run_months >= params.min_run_months
    qualify row_number() over (partition by uscc, year, unit_name, fuel_code, parameter
                               order by run_months desc, first_month) = 1
)
select l.uscc, null::varchar as facility_id, l.year,
       concat_ws('·', l.fuel_code, nullif(l.unit_name, ''), l.parameter) as subject,
       l.parameter as compared_quantity, if(l.parameter = 'ncv_gj_per_unit', 'GJ/t', '%') as value_unit,
       l.value as value_a, 'ghg' as source_a, l.run_months::double as value_b, 'ghg' as source_b,
       params.min_run_months as tolerance,
       printf('连续相同 < %d 个月 / fewer than %d identical months in a row', params.min_run_months::integer,
              params.min_run_months::integer) as tolerance_text,
       printf('%s%d年%d–%d月连续%d个月的%s完全相同（%s），与逐月检测不符，疑似检测报告造假。',
              if(l.unit_name = '', '', l.unit_name || ' '), l.year, l.first_month, l.last_month, l.run_months,
              if(l.parameter = 'ncv_gj_per_unit', '低位发热量', '元素碳含量'), l.value::varchar) as message_zh,
       printf('%s%s identical (%s) in %d consecutive months (%d–%d of %d): monthly tests of different coal do not '
              || 'repeat; the pattern of falsified test reports.', if(l.unit_name = '', '', l.unit_name || ': '),
              l.parameter, l.value::varchar, l.run_months, l.first_month, l.last_month, l.year) as message_en,
       l.source_record
from longest l, params
