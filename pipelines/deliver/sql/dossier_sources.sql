-- 一企一档 来源记录: how each system's records reached $uscc, and how many are held out of sums (not countable).
select source_system, source_table, record_year, match_method, match_status, count(*) as record_count,
       count(*) filter (where not is_countable) as not_countable,
       100.0 * count(*) filter (where not is_countable) / count(*) as not_countable_pct
from core_facility__assn_sources where uscc = $uscc
group by all order by source_system, source_table, record_year nulls first, match_method, match_status
