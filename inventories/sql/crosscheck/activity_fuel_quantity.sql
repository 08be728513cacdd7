-- The same fuel per enterprise and year in each pair of systems that both report the enterprise-year.
with quantities as (
    select uscc, year, source_system, fuel_code, any_value(fuel_unit_code) as fuel_unit_code,
           exact_sum(fuel_consumed_units) as quantity,
           string_agg(source_record, '; ' order by source_record) as source_record
    from fuel_use where fuel_consumed_units is not null
    group by uscc, year, source_system, fuel_code
),
pairs as (select * from (values ('ghg', 'envstat'), ('ghg', 'permit'), ('envstat', 'permit')) t(system_a, system_b)),
compared as (
    select f.uscc, f.year, f.fuel_code, p.system_a, p.system_b,
           coalesce(qa.quantity, 0) as quantity_a, coalesce(qb.quantity, 0) as quantity_b,
           coalesce(qa.fuel_unit_code, qb.fuel_unit_code) as fuel_unit_code,
           concat_ws('; ', qa.source_record, qb.source_record) as source_record
    from (select distinct uscc, year, fuel_code from quantities) f
    cross join pairs p
    join comparable pa on pa.uscc = f.uscc and pa.year = f.year and pa.source_system = p.system_a
    join comparable pb on pb.uscc = f.uscc and pb.year = f.year and pb.source_system = p.system_b
    left join quantities qa on qa.uscc = f.uscc and qa.year = f.year and qa.fuel_code = f.fuel_code
                           and qa.source_system = p.system_a
    left join quantities qb on qb.uscc = f.uscc and qb.year = f.year and qb.fuel_code = f.fuel_code
                           and qb.source_system = p.system_b
),
judged as (
    select c.*, abs(quantity_a - quantity_b) / greatest(quantity_a, quantity_b) as relative_difference,
           params.warn_relative, params.error_relative
    from compared c, params
    where greatest(quantity_a, quantity_b) >= params.min_quantity
)
select j.uscc, null::varchar as facility_id, j.year, j.fuel_code || ' ' || j.system_a || '/' || j.system_b as subject,
       'fuel_consumed_units' as compared_quantity, j.fuel_unit_code as value_unit,
       j.quantity_a as value_a, j.system_a as source_a, j.quantity_b as value_b, j.system_b as source_b,
       if(j.relative_difference > j.error_relative, j.error_relative, j.warn_relative) as tolerance,
       printf('相对差 ≤ %.0f%% / relative difference ≤ %.0f%%', tolerance * 100, tolerance * 100) as tolerance_text,
       if(j.relative_difference > j.error_relative, 'error', 'warn') as severity,
       printf('%d年%s消耗量：%s %.2f %s，%s %.2f %s，相对差%.1f%%（容差%.0f%%）。', j.year, coalesce(g.fuel_name_zh, j.fuel_code),
              za.zh, j.quantity_a, j.fuel_unit_code, zb.zh, j.quantity_b, j.fuel_unit_code,
              j.relative_difference * 100, tolerance * 100) as message_zh,
       printf('%s consumption %d: %s %.2f %s vs %s %.2f %s, %.1f%% apart (tolerance %.0f%%).', j.fuel_code, j.year,
              j.system_a, j.quantity_a, j.fuel_unit_code, j.system_b, j.quantity_b, j.fuel_unit_code,
              j.relative_difference * 100, tolerance * 100) as message_en,
       j.source_record
from judged j
left join fuels g using (fuel_code)
join source_names za on za.code = j.system_a
join source_names zb on zb.code = j.system_b
where j.relative_difference > j.warn_relative
