-- Build summary: in the latest year, cities with a synergy index and the lowest weight coverage among them.
select count(distinct city_code), min(weight_coverage_pct), max(year)
from out_synergy__yearly_city_index where indicator_level = 0
  and year = (select max(year) from out_synergy__yearly_city_index)
