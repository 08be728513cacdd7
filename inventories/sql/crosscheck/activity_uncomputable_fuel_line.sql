-- GHG fuel lines with no CO2, naming exactly the parameter(s) missing (missing_parameters: ncv / carbon_content /
-- oxidation). Energy is still counted when the heat (FC x NCV) is known; the CO2 total is then a lower bound.
select l.uscc, null::varchar as facility_id, l.year, l.source_record as subject,
       'fuel_consumed_units' as compared_quantity, l.fuel_unit_code as value_unit,
       l.fuel_consumed_units as value_a, 'ghg' as source_a, null::double as value_b, 'factor_library' as source_b,
       null::double as tolerance, '须有实测值或适用缺省值 / a measured value or an applicable default' as tolerance_text,
       printf('%d年燃料行（%s，%.2f %s）缺少%s（无实测值，也无适用的缺省值），CO2无法核算，企业排放量为下限值。', l.year,
              coalesce(g.fuel_name_zh, l.fuel_code), l.fuel_consumed_units, l.fuel_unit_code,
              replace(replace(replace(l.missing_parameters, 'carbon_content', '单位热值含碳量'), 'oxidation', '碳氧化率'),
                      'ncv', '低位发热量')) as message_zh,
       printf('Fuel line %d (%s, %.2f %s) lacks %s (not reported, no applicable default): no CO2, the enterprise '
              || 'total is a lower bound.', l.year, l.fuel_code, l.fuel_consumed_units, l.fuel_unit_code,
              replace(l.missing_parameters, ';', ' and ')) as message_en,
       l.source_record
from core_inventory__ghg_fuel_line_co2 l
left join fuels g using (fuel_code)
where l.co2_mass_t is null
