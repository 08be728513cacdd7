-- Annual actual emissions (execution report 年报) above the permitted annual mass (许可排放量 for that calendar year),
-- compared at every level where both the report and the permit give a figure for the permit, year and pollutant:
--   outlet             one outlet's rows (matched by outlet code) against that outlet's annual limit;
--   main_outlets_total the report's own 主要排放口合计 row when it gives one, else the sum of its main-outlet rows,
--                      against the permit's 主要排放口合计 limit;
--   site_total         the report's 全厂合计 against the permit's 全厂 (全厂有组织排放总计) limit.
-- One finding per level that breaks: the subject is the pollutant (site total), pollutant + 主要排放口合计, or
-- pollutant + outlet code, and compliance_level names the level.
-- A report row is a main outlet's when its 排放口类型 says 主要排放口; when the type says neither 主要 nor 一般, when
-- the permit gives that outlet an annual mass limit (only main outlets get one).
with report as (
    select *, source_file || ':' || coalesce(sheet_name, '') || ':' || row_number as record
    from core_permit__execution_emissions
    where report_type = '年报' and emission_mass_t is not null
),
limits as (
    select permit_no, year, pollutant, emission_scope as compliance_level, coalesce(outlet_code, '') as outlet_code,
           exact_sum(limit_mass_t) as limit_mass_t, any_value(permit_year_index) as year_index
    from core_permit__annual_limits
    where emission_scope in ('outlet', 'main_outlets_total', 'site_total') and limit_mass_t is not null
    group by permit_no, year, pollutant, emission_scope, coalesce(outlet_code, '')
),
limited_outlets as (
    select distinct permit_no, outlet_code from limits where compliance_level = 'outlet'
),
outlets as (
    select r.permit_no, r.year, r.pollutant, r.outlet_code, any_value(r.uscc) as uscc,
           exact_sum(r.emission_mass_t) as emission_mass_t,
           bool_or(case when r.outlet_type like '主要%' then true
                        when r.outlet_type like '一般%' then false
                        else o.outlet_code is not null end) as is_main,
           string_agg(r.record, '; ' order by r.source_file, r.sheet_name, r.row_number) as source_record
    from report r
    left join limited_outlets o on o.permit_no = r.permit_no and o.outlet_code = r.outlet_code
    where r.emission_scope = 'outlet' and r.outlet_code is not null
    group by r.permit_no, r.year, r.pollutant, r.outlet_code
),
subtotals as (  -- the report's own 主要排放口合计 and 全厂合计 rows
    select permit_no, year, pollutant, emission_scope as compliance_level, any_value(uscc) as uscc,
           exact_sum(emission_mass_t) as emission_mass_t,
           string_agg(record, '; ' order by source_file, sheet_name, row_number) as source_record
    from report
    where emission_scope in ('main_outlets_total', 'site_total')
    group by permit_no, year, pollutant, emission_scope
),
main_summed as (
    select permit_no, year, pollutant, any_value(uscc) as uscc, exact_sum(emission_mass_t) as emission_mass_t,
           count(*) as outlet_count,
           string_agg(source_record, '; ' order by source_record) as source_record
    from outlets
    where is_main
    group by permit_no, year, pollutant
),
actual as (
    select permit_no, year, pollutant, 'outlet' as compliance_level, outlet_code, uscc, emission_mass_t,
           'outlet_rows' as basis, 1 as outlet_count, source_record
    from outlets
    union all
    select permit_no, year, pollutant, compliance_level, '', uscc, emission_mass_t,
           'reported_subtotal', null, source_record
    from subtotals
    union all  -- the main outlets' sum only where the report gives no 主要排放口合计 row of its own
    select m.permit_no, m.year, m.pollutant, 'main_outlets_total', '', m.uscc, m.emission_mass_t,
           'sum_of_outlets', m.outlet_count, m.source_record
    from main_summed m
    anti join subtotals s on s.permit_no = m.permit_no and s.year = m.year and s.pollutant = m.pollutant
                         and s.compliance_level = 'main_outlets_total'
),
compared as (
    select a.*, l.limit_mass_t, l.year_index,
           case a.compliance_level when 'outlet' then '排放口' || a.outlet_code
                                   when 'main_outlets_total' then '主要排放口合计'
                                   else '全厂' end as level_zh,
           case a.compliance_level when 'outlet' then 'outlet ' || a.outlet_code
                                   when 'main_outlets_total' then 'main outlets total'
                                   else 'site total' end as level_en,
           case when a.compliance_level = 'main_outlets_total' and a.basis = 'reported_subtotal'
                     then '（执行报告主要排放口合计行）'
                when a.compliance_level = 'main_outlets_total'
                     then printf('（执行报告%d个主要排放口之和）', a.outlet_count)
                else '' end as basis_zh,
           case when a.compliance_level = 'main_outlets_total' and a.basis = 'reported_subtotal'
                     then ' (the report''s own 主要排放口合计 row)'
                when a.compliance_level = 'main_outlets_total'
                     then printf(' (sum of the report''s %d main-outlet rows)', a.outlet_count)
                else '' end as basis_en
    from actual a
    join limits l using (permit_no, year, pollutant, compliance_level, outlet_code)
)
select coalesce(c.uscc, r.uscc) as uscc, c.permit_no as facility_id, c.year,
       case c.compliance_level when 'outlet' then c.pollutant || ' ' || c.outlet_code
                               when 'main_outlets_total' then c.pollutant || ' 主要排放口合计'
                               else c.pollutant end as subject,
       c.compliance_level,
       lower(c.pollutant) || '_mass_t' as compared_quantity, 't' as value_unit,
       c.emission_mass_t as value_a, 'permit' as source_a, c.limit_mass_t as value_b, 'permit' as source_b,
       params.tolerance_relative as tolerance,
       printf('实际排放量 ≤ 许可排放量 × %.2f / actual ≤ limit × %.2f', 1 + params.tolerance_relative,
              1 + params.tolerance_relative) as tolerance_text,
       printf('排污许可证%s %d年（许可第%d年）%s %s实际排放量%.3f吨%s，超过许可排放量%.3f吨（%.0f%%）。', c.permit_no,
              c.year, c.year_index, c.level_zh, c.pollutant, c.emission_mass_t, c.basis_zh, c.limit_mass_t,
              c.emission_mass_t / c.limit_mass_t * 100) as message_zh,
       printf('Permit %s, %d (permit year %d), %s: actual %s %.3f t%s above the permitted %.3f t (%.0f%%).',
              c.permit_no, c.year, c.year_index, c.level_en, c.pollutant, c.emission_mass_t, c.basis_en, c.limit_mass_t,
              c.emission_mass_t / c.limit_mass_t * 100) as message_en,
       c.source_record
from compared c
left join (select permit_no, any_value(uscc) as uscc from core_permit__registry group by permit_no) r
       on r.permit_no = c.permit_no
cross join params
where c.emission_mass_t > c.limit_mass_t * (1 + params.tolerance_relative)
