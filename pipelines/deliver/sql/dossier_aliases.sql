-- 一企一档 名称与代码: the names and codes of $uscc, current name first, then former names, old codes, site names.
select alias_kind, alias, facility_id, name_key, name_flags, source_systems, first_year, last_year, record_count
from core_enterprise__aliases where uscc = $uscc
order by case alias_kind when 'name' then 0 when 'former_name' then 1 when 'org_code' then 2 else 3 end,
         first_year nulls last, alias, facility_id
