-- The enterprise whose USCC is $code (already upper case), compared case-insensitively.
select uscc from core_enterprise__entity where upper(uscc) = $code
