-- 清单报告 城市协同指数: per indicator level of $year's tree, how many indicators and on which weight basis.
select indicator_level, count(distinct indicator_id) as indicator_count,
       string_agg(distinct weight_basis, ' | ' order by weight_basis) as weight_basis
from out_synergy__yearly_city_index where year = $year group by 1 order by 1
