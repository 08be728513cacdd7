-- synergy checks: the findings of $year, $rule, $city, $severity and $status (NULL: any), errors first, at most
-- $limit; the 9 columns of the terminal table first, then every column of the table (for --csv).
select finding_id, severity, rule_id, coalesce(enterprise_name, uscc) as enterprise, city_code as city, year, subject,
       message_zh, finding_status as status, f.*
from out_crosscheck__findings f
where ($year is null or year = $year) and ($rule is null or rule_id = $rule) and ($city is null or city_code = $city)
  and ($severity is null or severity = $severity) and ($status is null or finding_status = $status)
order by case severity when 'error' then 0 when 'warn' then 1 else 2 end, rule_id, uscc, year
limit $limit
