-- 清单报告 城市协同指数: the index (indicator_level 0) of each city in $year, with rank, change and how it was built.
select city_code, region_name, indicator_name, score, city_rank, score_change_pct, weight_coverage_pct,
       missing_indicators, base_year, normalisation, weight_basis
from out_synergy__yearly_city_index where year = $year and indicator_level = 0
