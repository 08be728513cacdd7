-- synergy matches --review: what needs an analyst, with a curation line, for the identities of $source and $year
-- (NULL: every one), at most $limit lines.
select review_kind, identity_key, enterprise_name, region_code, candidate_name, candidate_facility_id,
       candidate_uscc, match_score, match_reason_zh, curation_line
from out_qa__match_review where identity_key in (
    select identity_key from out_qa__unmatched_records
    where ($source is null or source_system = $source) and ($year is null or record_year = $year))
order by review_kind, identity_key, match_score desc limit $limit
