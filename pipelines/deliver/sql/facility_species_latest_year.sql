-- The latest year of the chosen facility values (NULL when there are none).
select max(year) from core_inventory__yearly_facility_species
