-- 清单报告: enterprises of $year whose name starts with $prefix (synthetic demo data), and all enterprises of $year.
select count(*) filter (where enterprise_name like ($prefix || '%')), count(*)
from out_inventory__yearly_enterprise where year = $year
