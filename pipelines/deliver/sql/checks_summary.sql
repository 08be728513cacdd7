-- synergy checks: per rule, the findings by severity, of $year, $rule, $city, $severity and $status (NULL: any).
select rule_id, any_value(rule_title_zh) as title,
       count(*) filter (where severity = 'error') as error, count(*) filter (where severity = 'warn')
       as warn, count(*) filter (where severity = 'info') as info
from out_crosscheck__findings
where ($year is null or year = $year) and ($rule is null or rule_id = $rule) and ($city is null or city_code = $city)
  and ($severity is null or severity = $severity) and ($status is null or finding_status = $status)
group by rule_id order by rule_id
