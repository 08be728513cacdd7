-- Annual actual emissions of the whole site (execution report 全厂合计) above the permitted mass for that year.
with actual as (
    select permit_no, year, pollutant, any_value(uscc) as uscc, sum(emission_mass_t) as emission_mass_t,
           string_agg(source_file || ':' || coalesce(sheet_name, '') || ':' || row_number, '; '
                      order by source_file, sheet_name, row_number) as source_record
    from core_permit__execution_emissions
    where emission_scope = 'site_total' and report_type = '年报' and emission_mass_t is not null
    group by permit_no, year, pollutant
),
limits as (
    select permit_no, year, pollutant, sum(limit_mass_t) as limit_mass_t, any_value(permit_year_index) as year_index
    from core_permit__annual_limits
    where emission_scope = 'site_total' and limit_mass_t is not null
    group by permit_no, year, pollutant
)
select coalesce(a.uscc, r.uscc) as uscc, a.permit_no as facility_id, a.year, a.pollutant as subject,
       lower(a.pollutant) || '_mass_t' as compared_quantity, 't' as value_unit,
       a.emission_mass_t as value_a, 'permit' as source_a, l.limit_mass_t as value_b, 'permit' as source_b,
       params.tolerance_relative as tolerance,
       printf('实际排放量 ≤ 许可排放量 × %.2f / actual ≤ limit × %.2f', 1 + params.tolerance_relative,
              1 + params.tolerance_relative) as tolerance_text,
       printf('排污许可证%s %d年（许可第%d年）%s实际排放量%.3f吨，超过许可排放量%.3f吨（%.0f%%）。', a.permit_no, a.year,
              l.year_index, a.pollutant, a.emission_mass_t, l.limit_mass_t, a.emission_mass_t / l.limit_mass_t * 100)
           as message_zh,
       printf('Permit %s, %d (permit year %d): actual %s %.3f t above the permitted %.3f t (%.0f%%).', a.permit_no,
              a.year, l.year_index, a.pollutant, a.emission_mass_t, l.limit_mass_t,
              a.emission_mass_t / l.limit_mass_t * 100) as message_en,
       a.source_record
from actual a
join limits l using (permit_no, year, pollutant)
left join core_permit__registry r using (permit_no)
cross join params
where a.emission_mass_t > l.limit_mass_t * (1 + params.tolerance_relative)
