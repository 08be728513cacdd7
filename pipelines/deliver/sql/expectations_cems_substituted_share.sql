-- great-expectations level: per CEMS partition (city and year) and pollutant, the share of the monitored mass that
-- HJ 75 substitution supplied rather than measurement.
select city_code, year, pollutant, count(distinct mn) as outlets, sum(substituted_mass_t) as substituted_mass_t,
       sum(mass_t) as mass_t, sum(substituted_mass_t) / sum(mass_t) as substituted_mass_share
from out_cems__outlet_yearly
group by all
having sum(mass_t) > 0
order by city_code, year, pollutant
