-- synergy matches: lines to review, conflicts held out of sums, curation lines applied and stale or invalid.
select (select count(*) from out_qa__match_review),
       (select count(*) from out_qa__match_conflicts where conflict_kind <> 'ghg_sites_partly_matched'),
       (select count(*) from core_qa__curation_log where curation_status = 'applied'),
       (select count(*) from core_qa__curation_log where curation_status <> 'applied')
