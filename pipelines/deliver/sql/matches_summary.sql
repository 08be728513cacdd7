-- synergy matches: per source system and year (of $source and $year, NULL: every one) the records, the share matched,
-- the records matched by each method and those not matched.
select source_system as source, record_year as year, sum(record_count) as records,
       round(sum(record_share) filter (where match_status = 'matched'), 4) as matched_share,
       coalesce(sum(record_count) filter (where match_method = 'permit_no'), 0) as permit_no,
       coalesce(sum(record_count) filter (where match_method = 'uscc_site'), 0) as uscc_site,
       coalesce(sum(record_count) filter (where match_method = 'org_code'), 0) as org_code,
       coalesce(sum(record_count) filter (where match_method = 'name_region'), 0) as name_region,
       coalesce(sum(record_count) filter (where match_method = 'curated'), 0) as curated,
       sum(record_count) filter (where match_status <> 'matched') as not_matched
from out_qa__match_summary
where ($source is null or source_system = $source) and ($year is null or record_year = $year)
group by all order by source_system, record_year
