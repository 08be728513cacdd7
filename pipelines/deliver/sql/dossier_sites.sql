-- 一企一档 设施: the sites of $uscc with their permit and validity.
select facility_id, facility_name, permit_no, facility_kind, management_category, valid_from, valid_to,
       city_code, first_year, last_year, source_systems
from core_facility__entity where uscc = $uscc order by facility_id
