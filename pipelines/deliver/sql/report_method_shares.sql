-- 清单报告: per species (direct and indirect CO2 apart, in the order of $species) the province's mass of $year and the
-- mass-weighted share of each method behind it and of recalled factors, over all sectors and scopes.
select case when species = 'CO2' and scope in ('combustion', 'process') then 'CO2 直接 direct'
            when species = 'CO2' then 'CO2 间接 indirect' else species end as item,
       min(list_position($species, species)) as item_order,
       sum(mass_t) as mass_t,
       sum(mass_t * monitored_share) / nullif(sum(mass_t), 0) as monitored_share,
       sum(mass_t * reported_share) / nullif(sum(mass_t), 0) as reported_share,
       sum(mass_t * calculated_share) / nullif(sum(mass_t), 0) as calculated_share,
       sum(mass_t * gap_filled_share) / nullif(sum(mass_t), 0) as gap_filled_share,
       sum(mass_t * recalled_factor_share) / nullif(sum(mass_t), 0) as recalled_factor_share
from out_inventory__yearly_region_sector where year = $year and region_level = 'province' and sector_scheme = 'all'
group by 1 order by item_order, item
