-- great-expectations level: the implied emission factor of combustion CO2 per energy (t CO2 per tce) of each
-- source system and year, summed over the facility inventory's combustion CO2 values that carry their energy.
select source_system, year, count(distinct facility_id) as facilities, sum(mass_t) as co2_t, sum(energy_tce) as energy_tce,
       sum(mass_t) / sum(energy_tce) as co2_t_per_tce
from core_inventory__yearly_facility_species
where species = 'CO2' and scope = 'combustion' and mass_t is not null and energy_tce > 0
group by all
order by source_system, year
