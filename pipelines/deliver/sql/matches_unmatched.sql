-- synergy matches --unmatched: records feeding no entity, a line per identity, of $source and $year (NULL: every one),
-- most records first, at most $limit lines; reason_en last (the table view leaves it out).
select identity_key, any_value(enterprise_name) as name,
       any_value(coalesce(uscc, org_code, permit_no)) as code, any_value(region_code) as region,
       string_agg(distinct source_system, ';') as sources,
       min(record_year) || '-' || max(record_year) as years, count(*) as records,
       any_value(match_reason_zh) as reason_zh, any_value(match_reason_en) as reason_en
from out_qa__unmatched_records
where ($source is null or source_system = $source) and ($year is null or record_year = $year)
group by identity_key order by records desc, identity_key
limit $limit
