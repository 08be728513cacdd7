-- 一企一档 交叉校核问题: the cross-check findings naming $uscc, every column, errors first.
select * from out_crosscheck__findings where uscc = $uscc
order by case severity when 'error' then 0 when 'warn' then 1 when 'info' then 2 else 3 end, year, rule_id, finding_id
