-- Power units' monthly 存证 summed to the year against the annual report's lines of the same fuel groups.
-- monthly: the monthly candidate's CO2 (units x months, each with its own or the rule's carbon); annual: the annual
-- report's computed fuel lines (core_inventory__ghg_fuel_line_co2) whose fuel group the monthly records burn.
with monthly as (
    select uscc, year, exact_sum(mass_t) as co2_t,
           string_agg(distinct source_record, '; ' order by source_record) as source_record
    from core_inventory__yearly_facility_species_candidates
    where source_table = 'core_ghg__power_monthly' and species = 'CO2' and scope = 'combustion'
      and uncomputed_line_count = 0 and mass_t is not null
    group by uscc, year
),
monthly_groups as (
    select distinct m.uscc, m.year, g.fuel_group
    from core_ghg__power_monthly m join fuels g using (fuel_code)
),
annual as (
    select l.uscc, l.year, exact_sum(l.co2_mass_t) as co2_t, count(*) filter (where l.co2_mass_t is null) as uncomputed,
           string_agg(l.source_record, '; ' order by l.source_record) as source_record
    from core_inventory__ghg_fuel_line_co2 l
    join fuels g using (fuel_code)
    join monthly_groups mg on mg.uscc = l.uscc and mg.year = l.year and mg.fuel_group = g.fuel_group
    group by l.uscc, l.year
),
judged as (
    select m.uscc, m.year, m.co2_t as monthly_t, a.co2_t as annual_t,
           abs(m.co2_t - a.co2_t) / greatest(m.co2_t, a.co2_t) as relative_difference,
           concat_ws('; ', a.source_record, m.source_record) as source_record, params.warn_relative, params.error_relative
    from monthly m
    join annual a using (uscc, year)
    cross join params
    where a.uncomputed = 0 and greatest(m.co2_t, a.co2_t) >= params.min_co2_t
)
select j.uscc, null::varchar as facility_id, j.year, 'power_monthly/annual' as subject,
       'co2_combustion_t' as compared_quantity, 't' as value_unit,
       j.monthly_t as value_a, 'ghg' as source_a, j.annual_t as value_b, 'ghg' as source_b,
       if(j.relative_difference > j.error_relative, j.error_relative, j.warn_relative) as tolerance,
       printf('相对差 ≤ %.0f%% / relative difference ≤ %.0f%%', tolerance * 100, tolerance * 100) as tolerance_text,
       if(j.relative_difference > j.error_relative, 'error', 'warn') as severity,
       printf('%d年发电设施月度存证合计CO2 %.1f 吨，年度报告同类燃料CO2 %.1f 吨，相对差%.1f%%（容差%.0f%%）。', j.year,
              j.monthly_t, j.annual_t, j.relative_difference * 100, tolerance * 100) as message_zh,
       printf('Power monthly records %d sum to %.1f t CO2, the annual report''s lines of the same fuels to %.1f t: '
              || '%.1f%% apart (tolerance %.0f%%).', j.year, j.monthly_t, j.annual_t, j.relative_difference * 100,
              tolerance * 100) as message_en,
       j.source_record
from judged j
where j.relative_difference > j.warn_relative
