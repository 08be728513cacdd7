-- Direct CO2 or energy up more than max_change_ratio x (or down below its inverse) on the year before, unless
-- production (execution-report products, or power generation) moved within the same tolerance of it.
with measures as (
    select uscc, year, 'co2_combustion' as measure, co2_combustion_t as value_t
    from out_inventory__yearly_enterprise where co2_combustion_t > 0
    union all
    select uscc, year, 'co2_process', co2_process_t from out_inventory__yearly_enterprise where co2_process_t > 0
    union all
    select uscc, year, 'combustion_energy_tce', exact_sum(energy_tce)
    from core_inventory__yearly_facility_species
    where species = 'CO2' and scope = 'combustion' and uscc is not null
    group by uscc, year having exact_sum(energy_tce) > 0
),
production as (
    select uscc, year, product_name || ' ' || coalesce(production_unit, '') as product, exact_sum(production_quantity) as q
    from core_permit__production where uscc is not null and production_quantity > 0 group by all
    union all
    select uscc, year, 'generation_mwh', exact_sum(generation_mwh)
    from core_ghg__power_monthly where uscc is not null group by uscc, year having exact_sum(generation_mwh) > 0
),
production_change as (
    select c.uscc, c.year, c.product, c.q / p.q as production_ratio
    from production c join production p on p.uscc = c.uscc and p.product = c.product and p.year = c.year - 1
    qualify row_number() over (partition by c.uscc, c.year order by c.q desc) = 1
),
changes as (
    select c.uscc, c.year, c.measure, c.value_t, p.value_t as previous_t, c.value_t / p.value_t as change_ratio
    from measures c join measures p on p.uscc = c.uscc and p.measure = c.measure and p.year = c.year - 1
    cross join params
    where greatest(c.value_t, p.value_t) >= params.min_value
)
select c.uscc, null::varchar as facility_id, c.year, c.measure as subject,
       if(c.measure like 'co2%', 'co2_mass_t', 'energy_tce') as compared_quantity,
       if(c.measure like 'co2%', 't', 'tce') as value_unit,
       c.value_t as value_a, 'inventory' as source_a, c.previous_t as value_b, 'inventory' as source_b,
       params.max_change_ratio as tolerance,
       printf('同比 %.2f–%.2f 倍 / year-on-year %.2f–%.2f x', 1 / params.max_change_ratio, params.max_change_ratio,
              1 / params.max_change_ratio, params.max_change_ratio) as tolerance_text,
       printf('%d年%s为上年的%.2f倍（%.1f → %.1f）%s。', c.year, case c.measure when 'co2_combustion' then '燃烧CO2排放量' when 'co2_process' then '过程CO2排放量'
                                               else '燃料能耗' end,
              c.change_ratio, c.previous_t, c.value_t,
              coalesce('，产量（' || pc.product || '）仅为上年的' || printf('%.2f', pc.production_ratio) || '倍',
                       '，无产量数据可解释')) as message_zh,
       printf('%s %d is %.2f x the year before (%.1f -> %.1f)%s.', case c.measure when 'co2_combustion' then 'Combustion CO2'
                                                              when 'co2_process' then 'Process CO2' else 'Fuel energy' end, c.year,
              c.change_ratio, c.previous_t, c.value_t,
              coalesce(', while production (' || pc.product || ') changed ' || printf('%.2f', pc.production_ratio) || ' x',
                       '; no production data to explain it')) as message_en,
       null::varchar as source_record
from changes c
left join production_change pc using (uscc, year)
cross join params
where (c.change_ratio > params.max_change_ratio or c.change_ratio < 1 / params.max_change_ratio)
  and (pc.production_ratio is null
       or c.change_ratio / pc.production_ratio > params.max_change_ratio
       or c.change_ratio / pc.production_ratio < 1 / params.max_change_ratio)
