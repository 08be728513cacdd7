-- Total combustion energy (tce) per enterprise and year, each pair of systems that both report it.
-- One form per system: G103 boilers/kilns before the 基101 enterprise total, the annual GHG report before the power
-- monthly records (their table_rank), so a system's energy is never counted from two of its own forms.
with energy_rows as (
    select *, case source_table when 'core_envstat__enterprise' then 1 when 'core_ghg__power_monthly' then 1 else 0 end
              as table_rank
    from core_inventory__yearly_facility_species_candidates
    where species = 'CO2' and scope = 'combustion' and method <> 'gap_filled' and uscc is not null
      and source_system in ('ghg', 'envstat', 'permit') and energy_tce is not null
),
energy as (
    select uscc, year, source_system, exact_sum(energy_tce) as energy_tce,
           string_agg(source_record, '; ' order by source_record) as source_record
    from energy_rows e
    where table_rank = (select min(x.table_rank) from energy_rows x
                        where x.uscc = e.uscc and x.year = e.year and x.source_system = e.source_system)
    group by uscc, year, source_system
    having (uscc, year, source_system) in (select (uscc, year, source_system) from energy_comparable)
),
pairs as (select * from (values ('ghg', 'envstat'), ('ghg', 'permit'), ('envstat', 'permit')) t(system_a, system_b)),
judged as (
    select a.uscc, a.year, p.system_a, p.system_b, a.energy_tce as energy_a, b.energy_tce as energy_b,
           abs(a.energy_tce - b.energy_tce) / greatest(a.energy_tce, b.energy_tce) as relative_difference,
           concat_ws('; ', a.source_record, b.source_record) as source_record,
           params.warn_relative, params.error_relative
    from pairs p
    join energy a on a.source_system = p.system_a
    join energy b on b.source_system = p.system_b and b.uscc = a.uscc and b.year = a.year
    cross join params
    where greatest(a.energy_tce, b.energy_tce) >= params.min_energy_tce
)
select j.uscc, null::varchar as facility_id, j.year, j.system_a || '/' || j.system_b as subject,
       'energy_tce' as compared_quantity, 'tce' as value_unit,
       j.energy_a as value_a, j.system_a as source_a, j.energy_b as value_b, j.system_b as source_b,
       if(j.relative_difference > j.error_relative, j.error_relative, j.warn_relative) as tolerance,
       printf('相对差 ≤ %.0f%% / relative difference ≤ %.0f%%', tolerance * 100, tolerance * 100) as tolerance_text,
       if(j.relative_difference > j.error_relative, 'error', 'warn') as severity,
       printf('%d年燃料能耗：%s %.1f 吨标煤，%s %.1f 吨标煤，相对差%.1f%%（容差%.0f%%）。', j.year, za.zh, j.energy_a,
              zb.zh, j.energy_b, j.relative_difference * 100, tolerance * 100) as message_zh,
       printf('Fuel energy %d: %s %.1f tce vs %s %.1f tce, %.1f%% apart (tolerance %.0f%%).', j.year, j.system_a,
              j.energy_a, j.system_b, j.energy_b, j.relative_difference * 100, tolerance * 100) as message_en,
       j.source_record
from judged j
join source_names za on za.code = j.system_a
join source_names zb on zb.code = j.system_b
where j.relative_difference > j.warn_relative
