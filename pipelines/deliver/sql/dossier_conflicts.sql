-- 一企一档 匹配冲突: conflicts naming $uscc, or one of $ids (the USCC and its site ids) as the site or a candidate.
select conflict_kind, facility_id, identity_key, uscc, candidate_ids, record_year, record_count, detail_zh
from out_qa__match_conflicts
where uscc = $uscc or list_contains($ids, facility_id)
   or list_has_any(string_split(coalesce(candidate_ids, ''), ';'), $ids)
order by record_year nulls first, conflict_kind, identity_key
