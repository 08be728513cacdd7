-- GHG reporter-years with no permit of the same USCC valid on any day of the year.
with reporters as (
    select uscc, year, min(source_file || ':' || coalesce(sheet_name, '') || ':' || row_number) as source_record
    from (select uscc, year, source_file, sheet_name, row_number from core_ghg__reported_totals
          union all
          select uscc, year, source_file, sheet_name, row_number from core_ghg__fuel_lines
          union all  -- a plant that files only the monthly 存证 reports too
          select uscc, year, source_file, sheet_name, row_number from core_ghg__power_monthly)
    where uscc is not null
    group by uscc, year
),
permits as (
    select uscc, string_agg(permit_no || ' ' || coalesce(valid_from::varchar, '?') || '至'
                            || coalesce(valid_to::varchar, '?'), '; ' order by valid_from, permit_no) as validity
    from core_permit__registry where uscc is not null group by uscc
)
select r.uscc, null::varchar as facility_id, r.year, 'permit_validity' as subject,
       'permit_validity' as compared_quantity, null::varchar as value_unit,
       null::double as value_a, 'ghg' as source_a, null::double as value_b, 'permit' as source_b,
       null::double as tolerance, '当年须有有效许可证 / a permit valid in the year' as tolerance_text,
       printf('%d年提交了温室气体排放报告，但排污许可证名录中没有该年有效的许可证（%s）。', r.year,
              coalesce('名录中的许可证：' || p.validity, '名录中无该企业的许可证')) as message_zh,
       printf('Filed a GHG report for %d but no permit of the enterprise is valid in that year (%s).', r.year,
              coalesce('permits on file: ' || p.validity, 'no permit of the enterprise in the registry'))
           as message_en,
       r.source_record
from reporters r
left join permits p using (uscc)
where not exists (
    select 1 from core_permit__registry g
    where g.uscc = r.uscc
      and coalesce(g.valid_from, date '1900-01-01') <= make_date(r.year, 12, 31)
      and coalesce(g.valid_to, date '9999-12-31') >= make_date(r.year, 1, 1)
)
