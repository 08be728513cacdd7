-- Permits whose validity ends inside a data year, with no successor permit of the enterprise on file.
with expired as (
    select p.permit_no, p.uscc, p.valid_from, p.valid_to, year(p.valid_to) as year,
           p.source_file || ':' || coalesce(p.sheet_name, '') || ':' || p.row_number as source_record
    from core_permit__registry p
    where p.valid_to is not null
      and year(p.valid_to) in (select year from build_years)
      and p.valid_to < make_date(year(p.valid_to), 12, 31)
      and not exists (
          select 1 from core_permit__registry n, params
          where n.uscc = p.uscc and n.permit_no <> p.permit_no and n.valid_to > p.valid_to
            and n.valid_from <= p.valid_to + to_days(cast(params.renewal_gap_days as integer))
      )
),
later as (
    select e.permit_no, string_agg(distinct a.record_year::varchar, ', ' order by a.record_year::varchar) as years,
           string_agg(distinct a.source_system, ', ' order by a.source_system) as systems
    from expired e
    join core_facility__assn_sources a on a.facility_id = e.permit_no and a.record_year > e.year and a.is_countable
    group by e.permit_no
)
select e.uscc, e.permit_no as facility_id, e.year, e.permit_no as subject, 'valid_to' as compared_quantity,
       null::varchar as value_unit, null::double as value_a, 'permit' as source_a, null::double as value_b,
       'permit' as source_b, null::double as tolerance,
       '到期前应延续 / renewal before expiry' as tolerance_text,
       if(l.years is null, 'warn', 'error') as severity,
       printf('排污许可证%s有效期%s至%s，于%d年内到期，名录中无延续或新证。%s', e.permit_no, e.valid_from::varchar,
              e.valid_to::varchar, e.year,
              coalesce('到期后仍有' || l.years || '年数据（' || l.systems || '），疑似无证排污。', '')) as message_zh,
       printf('Permit %s (valid %s to %s) expired during %d with no renewal or successor on file.%s', e.permit_no,
              e.valid_from::varchar, e.valid_to::varchar, e.year,
              coalesce(' The site still has records for ' || l.years || ' (' || l.systems
                       || '): operating without a valid permit?', '')) as message_en,
       e.source_record
from expired e
left join later l using (permit_no)
