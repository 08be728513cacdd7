-- 清单报告: sites and enterprises (USCC) of the inventory in $year.
select count(*), count(distinct uscc) from out_inventory__yearly_facility where year = $year
