-- Enterprises an alias (name, former name, site name, old organisation code) or the current name of which contains
-- one of $terms (lower case): per USCC the names that matched, and whether one of them is a term as a whole.
with terms as (select unnest($terms::varchar[]) as term),
hits as (select a.uscc, a.alias as matched, lower(a.alias) = t.term as exact
         from core_enterprise__aliases a join terms t on contains(lower(a.alias), t.term)
         union all
         select e.uscc, e.enterprise_name, lower(e.enterprise_name) = t.term
         from core_enterprise__entity e join terms t on contains(lower(e.enterprise_name), t.term))
select uscc, string_agg(distinct matched, '；' order by matched), bool_or(exact) from hits group by uscc
