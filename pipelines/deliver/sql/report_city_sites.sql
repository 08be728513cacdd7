-- 清单报告: sites (facilities) per city in $year.
select city_code as region_code, count(*) as site_count
from out_inventory__yearly_facility where year = $year group by 1
