-- The enterprises holding the permit number $code (already upper case), compared case-insensitively.
select distinct uscc from core_facility__entity where upper(permit_no) = $code and uscc is not null
