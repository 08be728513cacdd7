-- 清单报告: one year's roll-up rows of one region level and sector scheme ($year, $level, $scheme), summed over species
-- and scopes per key: $by 'region' (key_code, key_name = region), 'sector' (= sector class), NULL (one row, the total).
-- Direct CO2e, CO2 by scope, pollutants, energy, the recalled-factor share of direct CO2, and like-for-like
-- previous-year sums: a row's previous-year value exists only where the same region, sector, species and scope had
-- one, so a change compares like with like; mass in rows new this year (a scope first accounted) is kept apart as
-- *_new_t. Direct = combustion + process; indirect (purchased electricity, heat) is kept apart.
select case $by when 'region' then region_code when 'sector' then sector_class_code end as key_code,
       case $by when 'region' then region_name when 'sector' then sector_class_name end as key_name,
       sum(co2e_t) filter (where scope in ('combustion', 'process')) as co2e_t,
       -- the previous year's CO2e of the same rows: CO2 counts 1:1, other gases at this year's GWP
       sum(previous_year_mass_t * case when species = 'CO2' then 1 else co2e_t / nullif(mass_t, 0) end)
           filter (where scope in ('combustion', 'process')) as co2e_previous_t,
       sum(co2e_t) filter (where scope in ('combustion', 'process') and previous_year_mass_t is null) as co2e_new_t,
       sum(mass_t) filter (where species = 'CO2' and scope in ('combustion', 'process')) as co2_direct_t,
       sum(mass_t) filter (where species = 'CO2' and scope = 'combustion') as co2_combustion_t,
       sum(mass_t) filter (where species = 'CO2' and scope = 'process') as co2_process_t,
       sum(mass_t) filter (where species = 'CO2' and scope = 'indirect_electricity') as co2_indirect_electricity_t,
       sum(mass_t) filter (where species = 'CO2' and scope = 'indirect_heat') as co2_indirect_heat_t,
       sum(mass_t) filter (where species = 'CO2' and not (scope in ('combustion', 'process'))) as co2_indirect_t,
       sum(mass_t) filter (where species = 'SO2') as so2_t,
       sum(previous_year_mass_t) filter (where species = 'SO2') as so2_previous_t,
       sum(mass_t) filter (where species = 'SO2' and previous_year_mass_t is null) as so2_new_t,
       sum(mass_t) filter (where species = 'NOx') as nox_t,
       sum(previous_year_mass_t) filter (where species = 'NOx') as nox_previous_t,
       sum(mass_t) filter (where species = 'NOx' and previous_year_mass_t is null) as nox_new_t,
       sum(mass_t) filter (where species = 'PM') as pm_t,
       sum(previous_year_mass_t) filter (where species = 'PM') as pm_previous_t,
       sum(mass_t) filter (where species = 'PM' and previous_year_mass_t is null) as pm_new_t,
       sum(mass_t) filter (where species = 'VOCs') as vocs_t,
       sum(previous_year_mass_t) filter (where species = 'VOCs') as vocs_previous_t,
       sum(mass_t) filter (where species = 'VOCs' and previous_year_mass_t is null) as vocs_new_t,
       sum(energy_tce) as energy_tce,
       max(enterprise_count) as enterprise_count,
       sum(mass_t * recalled_factor_share) filter (where species = 'CO2' and scope in ('combustion', 'process'))
           / nullif(sum(mass_t) filter (where species = 'CO2' and scope in ('combustion', 'process')), 0)
           as co2_recalled_share,
       string_agg(distinct factor_set, '; ' order by factor_set) as factor_set,
       string_agg(distinct gwp_set, '; ' order by gwp_set) as gwp_set,
       string_agg(distinct source_systems, ';') as source_systems
from out_inventory__yearly_region_sector
where year = $year and region_level = $level and sector_scheme = $scheme
group by key_code, key_name
