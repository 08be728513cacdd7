-- Build summary: enterprises with a GHG report, and their fuel lines.
select count(distinct uscc), count(*) from core_inventory__ghg_fuel_line_co2
