-- 清单报告: every enterprise of $year with its city, direct CO2e, SO2 and NOx (the Pareto of top emitters).
select uscc, enterprise_name, city_code, co2e_t, so2_mass_t, nox_mass_t
from out_inventory__yearly_enterprise where year = $year
