-- GHG fuel lines with no CO2: neither measured carbon nor an applicable default.
select l.uscc, null::varchar as facility_id, l.year, l.source_record as subject,
       'fuel_consumed_units' as compared_quantity, l.fuel_unit_code as value_unit,
       l.fuel_consumed_units as value_a, 'ghg' as source_a, null::double as value_b, 'factor_library' as source_b,
       null::double as tolerance, '须有实测含碳量或适用缺省值 / measured carbon or an applicable default' as tolerance_text,
       printf('%d年燃料行（%s，%.2f %s）既无实测含碳量也无适用的缺省值，CO2无法核算，企业排放量不完整。', l.year,
              coalesce(g.fuel_name_zh, l.fuel_code), l.fuel_consumed_units, l.fuel_unit_code) as message_zh,
       printf('Fuel line %d (%s, %.2f %s) has neither measured carbon nor an applicable default: no CO2, the '
              || 'enterprise total is incomplete.', l.year, l.fuel_code, l.fuel_consumed_units, l.fuel_unit_code)
           as message_en,
       l.source_record
from core_inventory__ghg_fuel_line_co2 l
left join fuels g using (fuel_code)
where l.co2_mass_t is null
