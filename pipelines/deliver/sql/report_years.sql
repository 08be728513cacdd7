-- 清单报告: the years the published roll-up holds.
select distinct year from out_inventory__yearly_region_sector order by 1
