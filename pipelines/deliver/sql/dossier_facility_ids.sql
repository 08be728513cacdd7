-- The site ids of the enterprise $uscc (match conflicts may name a site rather than the enterprise).
select facility_id from core_facility__entity where uscc = $uscc
