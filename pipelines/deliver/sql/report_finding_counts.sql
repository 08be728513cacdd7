-- 清单报告 数据质量: cross-check findings of $year open as error, open as warn, and explained or confirmed.
select count(*) filter (where severity = 'error' and finding_status = 'open'),
       count(*) filter (where severity = 'warn' and finding_status = 'open'),
       count(*) filter (where finding_status <> 'open')
from out_crosscheck__findings where year = $year
