-- CO2 implied by the permit and statistics fuel at default carbon content and oxidation, against the CO2 the
-- enterprise reports (its 排放量汇总 where filed, else its fuel lines as the pipeline computes them).
with implied as (
    select f.uscc, f.year, f.source_system,
           exact_sum(f.fuel_consumed_units * coalesce(f.ncv_gj_per_unit, d.ncv_gj_per_unit) * d.carbon_content_tc_per_gj
               * d.oxidation_fraction * 44 / 12) as co2_mass_t,
           bool_or(d.carbon_content_tc_per_gj is null or d.oxidation_fraction is null
                   or coalesce(f.ncv_gj_per_unit, d.ncv_gj_per_unit) is null) as has_missing_default,
           string_agg(distinct d.factor_ids, ';' order by d.factor_ids) as factor_ids
    from fuel_use f
    left join fuel_defaults d using (fuel_code, year)
    where f.source_system in ('envstat', 'permit') and f.fuel_consumed_units is not null
    group by f.uscc, f.year, f.source_system
    having (f.uscc, f.year, f.source_system) in (select (uscc, year, source_system) from comparable)
),
line_co2 as (
    select uscc, year, exact_sum(co2_mass_t) as co2_mass_t, bool_or(co2_mass_t is null) as has_uncomputed,
           bool_or(has_recalled_factor) as has_recalled_factor
    from core_inventory__ghg_fuel_line_co2 group by uscc, year
),
reported as (
    select coalesce(t.uscc, l.uscc) as uscc, coalesce(t.year, l.year) as year,
           coalesce(t.reported_combustion_co2_t, if(l.has_uncomputed, null, l.co2_mass_t)) as co2_mass_t,
           if(t.reported_combustion_co2_t is null, '燃料行核算 / fuel lines as computed', '报告汇总 / reported total')
               as basis,
           coalesce(l.has_recalled_factor, false) as has_recalled_factor,
           t.source_file || ':' || coalesce(t.sheet_name, '') || ':' || t.row_number as source_record
    from (select * from core_ghg__reported_totals where reported_combustion_co2_t is not null) t
    full join line_co2 l on l.uscc = t.uscc and l.year = t.year
),
judged as (
    select i.uscc, i.year, i.source_system, i.co2_mass_t as implied_t, r.co2_mass_t as reported_t, r.basis,
           i.factor_ids, r.source_record,
           abs(i.co2_mass_t - r.co2_mass_t) / greatest(i.co2_mass_t, r.co2_mass_t) as relative_difference,
           r.co2_mass_t < i.co2_mass_t and relative_difference > params.error_relative as is_under_reported,
           r.has_recalled_factor, params.warn_relative, params.error_relative
    from implied i
    join reported r using (uscc, year)
    cross join params
    where not i.has_missing_default and r.co2_mass_t is not null
      and greatest(i.co2_mass_t, r.co2_mass_t) >= params.min_co2_t
)
select j.uscc, null::varchar as facility_id, j.year, j.source_system || '/ghg' as subject,
       'co2_mass_t' as compared_quantity, 't' as value_unit,
       j.implied_t as value_a, j.source_system as source_a, j.reported_t as value_b, 'ghg' as source_b,
       if(j.is_under_reported, j.error_relative, j.warn_relative) as tolerance,
       printf('相对差 ≤ %.0f%% / relative difference ≤ %.0f%%', tolerance * 100, tolerance * 100) as tolerance_text,
       if(j.is_under_reported, 'error', 'warn') as severity,
       printf('%d年按%s燃料数据和缺省因子（%s）折算的燃烧CO2为%.1f吨，温室气体报告为%.1f吨（%s），相对差%.1f%%（容差%.0f%%）%s。',
              j.year, z.zh, j.factor_ids, j.implied_t, j.reported_t, j.basis, j.relative_difference * 100,
              tolerance * 100, case when j.is_under_reported then '，报告值偏低，疑似漏报燃料或参数失真'
                                    when j.has_recalled_factor then '，报告核算用了高限（待核实）缺省值' else '' end)
           as message_zh,
       printf('Combustion CO2 %d implied by the %s fuel data at default factors (%s): %.1f t; the GHG report: %.1f t '
              || '(%s); %.1f%% apart (tolerance %.0f%%)%s.', j.year, j.source_system, j.factor_ids, j.implied_t,
              j.reported_t, j.basis, j.relative_difference * 100, tolerance * 100,
              case when j.is_under_reported then '; the report is low: fuel left out or parameters distorted?'
                   when j.has_recalled_factor then '; the report used a conservative (recalled) default' else '' end)
           as message_en,
       j.source_record
from judged j
join source_names z on z.code = j.source_system
where j.relative_difference > j.warn_relative
