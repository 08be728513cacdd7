-- Measured carbon content per GJ, NCV and oxidation of GHG fuel lines and of the power units' monthly tests,
-- against ratio bounds around the fuel's default (carbon content, NCV) or absolute bounds (oxidation).
with measured as (
    select l.uscc, l.year, l.fuel_code,
           coalesce(l.emission_source_name, '') as unit_name, null::integer as month,
           l.source_file || ':' || coalesce(l.sheet_name, '') || ':' || l.row_number as source_record,
           coalesce(l.carbon_content_tc_per_gj, l.carbon_mass_fraction_pct / 100 / l.ncv_gj_per_unit) as carbon_content,
           l.ncv_gj_per_unit as ncv, l.oxidation_fraction as oxidation
    from core_ghg__fuel_lines l
    union all
    select m.uscc, m.year, m.fuel_code, coalesce(m.unit_id, ''), m.month,
           m.source_file || ':' || coalesce(m.sheet_name, '') || ':' || m.row_number,
           m.carbon_mass_fraction_pct / 100 / m.ncv_gj_per_unit, m.ncv_gj_per_unit, null
    from core_ghg__power_monthly m
),
values_long as (
    select m.*, p.parameter, p.value, p.default_value, p.unit, p.low, p.high, p.factor_id
    from measured m
    left join fuel_defaults d using (fuel_code, year)
    cross join params
    cross join lateral (
        select 'carbon_content_tc_per_gj' as parameter, m.carbon_content as value,
               d.carbon_content_tc_per_gj as default_value, 'tC/GJ' as unit,
               d.carbon_content_tc_per_gj * params.carbon_content_min_ratio as low,
               d.carbon_content_tc_per_gj * params.carbon_content_max_ratio as high, d.carbon_content_factor_id as factor_id
        union all
        select 'ncv_gj_per_unit', m.ncv, d.ncv_gj_per_unit, d.ncv_unit,
               d.ncv_gj_per_unit * params.ncv_min_ratio, d.ncv_gj_per_unit * params.ncv_max_ratio, d.ncv_factor_id
        union all
        select 'oxidation_fraction', m.oxidation, null, 'fraction', params.oxidation_min, params.oxidation_max, null
    ) p
    where p.value is not null and p.low is not null and (p.value < p.low or p.value > p.high)
),
worst as (
    select uscc, year, fuel_code, unit_name, parameter, month is not null as is_monthly,
           arg_max(value, abs(ln(value / coalesce(default_value, (low + high) / 2)))) as value,
           any_value(default_value) as default_value, any_value(unit) as unit, any_value(low) as low,
           any_value(high) as high, any_value(factor_id) as factor_id,
           string_agg(month::varchar, ',' order by month) as months,
           string_agg(source_record, '; ' order by source_record) as source_record
    from values_long
    group by uscc, year, fuel_code, unit_name, parameter, month is not null
)
select w.uscc, null::varchar as facility_id, w.year,
       concat_ws('·', w.fuel_code, nullif(w.unit_name, ''), w.parameter, if(w.is_monthly, 'monthly', null)) as subject,
       w.parameter as compared_quantity, w.unit as value_unit,
       w.value as value_a, 'ghg' as source_a, coalesce(w.default_value, w.high) as value_b,
       if(w.default_value is null, 'rule', 'factor_library') as source_b,
       if(w.value < w.low, w.low, w.high) as tolerance,
       printf('合理范围 %.4g–%.4g / plausible %.4g–%.4g', w.low, w.high, w.low, w.high) as tolerance_text,
       printf('%d年%s%s的实测%s为%.4g %s，超出合理范围%.4g–%.4g%s%s。', w.year, coalesce(g.fuel_name_zh, w.fuel_code),
              if(w.unit_name = '', '', '（' || w.unit_name || '）'),
              case w.parameter when 'carbon_content_tc_per_gj' then '单位热值含碳量'
                               when 'ncv_gj_per_unit' then '低位发热量' else '碳氧化率' end,
              w.value, w.unit, w.low, w.high,
              coalesce('（缺省值' || printf('%.4g', w.default_value) || '，' || w.factor_id || '）', ''),
              if(w.is_monthly, '，月度存证第' || w.months || '月', '')) as message_zh,
       printf('Measured %s of %s%s in %d: %.4g %s, outside the plausible %.4g–%.4g%s%s.', w.parameter, w.fuel_code,
              if(w.unit_name = '', '', ' (' || w.unit_name || ')'), w.year, w.value, w.unit, w.low, w.high,
              coalesce(' (default ' || printf('%.4g', w.default_value) || ', ' || w.factor_id || ')', ''),
              if(w.is_monthly, ', monthly records, months ' || w.months, '')) as message_en,
       w.source_record
from worst w
left join fuels g using (fuel_code)
