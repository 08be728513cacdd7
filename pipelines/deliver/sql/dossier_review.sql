-- 一企一档 待复核匹配: records waiting for an analyst whose candidate is $uscc.
select identity_key, candidate_facility_id, review_kind, enterprise_name, org_code, region_code, industry_code,
       candidate_name, match_score, match_reason_zh, curation_line
from out_qa__match_review where candidate_uscc = $uscc
order by identity_key, match_score desc, candidate_facility_id
