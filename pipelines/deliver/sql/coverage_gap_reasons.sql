-- Why one year's enterprises have no full CO2e: the $top most frequent reasons ($none where the inventory names
-- none), with how many enterprises each.
select coalesce(missing_parameters, $none) as reason, count(*) as n
from out_inventory__yearly_enterprise where year = $year and co2_status <> 'computed'
group by 1 order by n desc, reason limit $top
