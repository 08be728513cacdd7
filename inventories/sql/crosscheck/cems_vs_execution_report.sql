-- CEMS annual mass of an outlet (valid + substituted hours) against the execution report's annual actual
-- emissions of the same permit outlet and pollutant. Only outlets whose CEMS year is fully substituted
-- (no hour left without a substitute) are compared: a partial year is a lower bound, not a total.
with report as (
    select permit_no, outlet_code, year, pollutant, any_value(uscc) as uscc, exact_sum(emission_mass_t) as emission_mass_t,
           string_agg(source_file || ':' || coalesce(sheet_name, '') || ':' || row_number, '; '
                      order by source_file, sheet_name, row_number) as source_record
    from core_permit__execution_emissions
    where emission_scope = 'outlet' and report_type = '年报' and emission_mass_t is not null
    group by permit_no, outlet_code, year, pollutant
)
select r.uscc, c.permit_no as facility_id, c.year, c.pollutant || ' ' || c.outlet_code as subject,
       lower(c.pollutant) || '_mass_t' as compared_quantity, 't' as value_unit,
       c.mass_t as value_a, 'cems' as source_a, r.emission_mass_t as value_b, 'permit' as source_b,
       params.tolerance_relative as tolerance,
       printf('|在线监测 - 执行报告| ≤ 执行报告 × %.2f / |CEMS - report| ≤ report × %.2f', params.tolerance_relative,
              params.tolerance_relative) as tolerance_text,
       printf('排污许可证%s 排放口%s %d年%s：在线监测年排放量%.3f吨（MN %s，有效数据率%.1f%%），执行报告%.3f吨，相差%.0f%%。',
              c.permit_no, c.outlet_code, c.year, c.pollutant, c.mass_t, c.mn, c.valid_data_rate_pct, r.emission_mass_t,
              (c.mass_t - r.emission_mass_t) / r.emission_mass_t * 100) as message_zh,
       printf('Permit %s outlet %s, %d, %s: CEMS %.3f t (MN %s, valid-data rate %.1f%%) against %.3f t in the execution '
              'report (%+.0f%%).', c.permit_no, c.outlet_code, c.year, c.pollutant, c.mass_t, c.mn, c.valid_data_rate_pct,
              r.emission_mass_t, (c.mass_t - r.emission_mass_t) / r.emission_mass_t * 100) as message_en,
       r.source_record || '; ' || c.mn as source_record
from out_cems__outlet_yearly c
join report r on r.permit_no = c.permit_no and r.outlet_code = c.outlet_code and r.year = c.year
             and r.pollutant = c.pollutant
cross join params
where c.unsubstituted_hours = 0 and r.emission_mass_t > 0
  and abs(c.mass_t - r.emission_mass_t) > r.emission_mass_t * params.tolerance_relative
