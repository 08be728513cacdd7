-- Of one year's chosen facility values ($year): how many there are, how many name a recalled (待核实) or a judgement
-- (专业判断) factor row, and the direct CO2 (combustion + process) of each; a value may count under both.
with v as (select row_number() over () as k, species, scope, mass_t, factor_ids
           from core_inventory__yearly_facility_species where year = $year),
used as (
    select distinct v.k, f.status from v
    cross join unnest(string_split(coalesce(v.factor_ids, ''), ';')) as u(factor_id)
    join (select distinct factor_id, status from core_inventory__factors) f using (factor_id)
    where f.status in ('recalled', 'judgement'))
select (select count(*) from v),
       count(*) filter (where u.status = 'recalled'), count(*) filter (where u.status = 'judgement'),
       coalesce(sum(v.mass_t) filter (where u.status = 'recalled' and v.species = 'CO2'
                                      and v.scope in ('combustion', 'process')), 0),
       coalesce(sum(v.mass_t) filter (where u.status = 'judgement' and v.species = 'CO2'
                                      and v.scope in ('combustion', 'process')), 0)
from used u join v using (k)
