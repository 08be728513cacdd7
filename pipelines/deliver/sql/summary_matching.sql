-- Build summary: source records, those matched to a site or enterprise (countable), identities waiting for review.
select count(*), count(*) filter (where is_countable),
       (select count(distinct identity_key) from out_qa__match_review)
from core_facility__assn_sources
