-- 一企一档 各系统数据对照: per year, what each system says of $uscc (yearly sums over its sites): the GHG report, the
-- statistics (countable matched rows only), the permit's actual and permitted site totals, the fused inventory.
-- Permit limits are shown for years with other data. Output columns: year, then <system>_<column>.
with ghg as (
    select year, sum(reported_combustion_co2_t) as reported_combustion_co2_t,
           sum(reported_process_co2_t) as reported_process_co2_t,
           sum(reported_electricity_co2_t) as reported_electricity_co2_t, sum(reported_heat_co2_t) as reported_heat_co2_t,
           sum(reported_total_co2e_t) as reported_total_co2e_t, sum(reported_energy_tce) as reported_energy_tce
    from core_ghg__reported_totals where uscc = $uscc group by year),
stat as (
    select e.year, sum(e.coal_consumed_t) as coal_consumed_t, sum(e.natural_gas_10k_nm3) as natural_gas_10k_nm3,
           sum(e.so2_mass_t) as so2_mass_t, sum(e.nox_mass_t) as nox_mass_t, sum(e.pm_mass_t) as pm_mass_t
    from core_envstat__enterprise e
    join core_facility__assn_sources a
      on a.source_table = 'core_envstat__enterprise' and a.source_file = e.source_file
     and a.sheet_name is not distinct from e.sheet_name and a.row_number = e.row_number
    where a.uscc = $uscc and a.is_countable group by e.year),
actual as (
    select year, sum(emission_mass_t) filter (where pollutant = 'SO2') as so2,
           sum(emission_mass_t) filter (where pollutant = 'NOx') as nox,
           sum(emission_mass_t) filter (where pollutant = 'PM') as pm
    from core_permit__execution_emissions where uscc = $uscc and emission_scope = 'site_total' group by year),
limits as (
    select year, sum(limit_mass_t) filter (where pollutant = 'SO2') as so2,
           sum(limit_mass_t) filter (where pollutant = 'NOx') as nox,
           sum(limit_mass_t) filter (where pollutant = 'PM') as pm
    from core_permit__annual_limits where uscc = $uscc and emission_scope = 'site_total' group by year),
inv as (
    select year, co2_combustion_t, co2_process_t, co2_indirect_t, co2e_t, so2_mass_t, nox_mass_t, energy_tce, co2_method,
           source_systems, has_gap_filled, has_recalled_factor
    from out_inventory__yearly_enterprise where uscc = $uscc),
years as (select year from ghg union select year from stat union select year from actual union select year from inv)
select years.year,
       ghg.reported_combustion_co2_t as ghg_reported_combustion_co2_t,
       ghg.reported_process_co2_t as ghg_reported_process_co2_t,
       ghg.reported_electricity_co2_t as ghg_reported_electricity_co2_t,
       ghg.reported_heat_co2_t as ghg_reported_heat_co2_t,
       ghg.reported_total_co2e_t as ghg_reported_total_co2e_t,
       ghg.reported_energy_tce as ghg_reported_energy_tce,
       stat.coal_consumed_t as stat_coal_consumed_t, stat.natural_gas_10k_nm3 as stat_natural_gas_10k_nm3,
       stat.so2_mass_t as stat_so2_mass_t, stat.nox_mass_t as stat_nox_mass_t, stat.pm_mass_t as stat_pm_mass_t,
       actual.so2 as permit_actual_so2_t, actual.nox as permit_actual_nox_t, actual.pm as permit_actual_pm_t,
       limits.so2 as permit_limit_so2_t, limits.nox as permit_limit_nox_t, limits.pm as permit_limit_pm_t,
       inv.co2_combustion_t as inv_co2_combustion_t, inv.co2_process_t as inv_co2_process_t,
       inv.co2_indirect_t as inv_co2_indirect_t, inv.co2e_t as inv_co2e_t, inv.so2_mass_t as inv_so2_mass_t,
       inv.nox_mass_t as inv_nox_mass_t, inv.energy_tce as inv_energy_tce, inv.co2_method as inv_co2_method,
       inv.source_systems as inv_source_systems, inv.has_gap_filled as inv_has_gap_filled,
       inv.has_recalled_factor as inv_has_recalled_factor
from years left join ghg using (year) left join stat using (year) left join actual using (year)
     left join limits using (year) left join inv using (year)
order by years.year
