-- Of one year's enterprises in the inventory: how many, how many without CO2e, with CO2e only as a lower bound,
-- and without any pollutant value ($year).
select count(*), count(*) filter (where co2_status = 'not_computed'),
       count(*) filter (where co2_status = 'lower_bound'),
       count(*) filter (where so2_mass_t is null and nox_mass_t is null and pm_mass_t is null)
from out_inventory__yearly_enterprise where year = $year
