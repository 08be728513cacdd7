-- 清单报告 数据质量: factor rows per status (verified, recalled, derived, judgement) of the factor sets $sets.
select status, count(*) from core_inventory__factors
where factor_set in (select unnest($sets)) group by 1
