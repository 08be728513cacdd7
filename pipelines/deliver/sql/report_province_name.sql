-- 清单报告: the province's name (empty when the roll-up of $year names none).
select coalesce(min(region_name), '') from out_inventory__yearly_region_sector
where year = $year and region_level = 'province' and region_code is not null
