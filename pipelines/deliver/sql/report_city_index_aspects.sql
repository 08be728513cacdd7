-- 清单报告 城市协同指数: the 方面 (indicator_level 1) of each city in $year: weight and score.
select city_code, indicator_id, indicator_name, weight, score from out_synergy__yearly_city_index
where year = $year and indicator_level = 1
