-- 清单报告 数据质量: the rules with open errors in $year (title, id, findings), most findings first.
select rule_title_zh, rule_id, count(*) from out_crosscheck__findings
where year = $year and severity = 'error' and finding_status = 'open'
group by all order by 3 desc, 2, 1
