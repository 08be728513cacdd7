-- Views every cross-check query may read. Runs once per build, after the inputs are registered.

-- exact_sum(x): the sum of a double column, the same whatever order the rows are added in. DuckDB's hash aggregate
-- adds them in an order that changes from run to run (threads, distinct aggregates), so a plain sum() changed the
-- last digit of a finding between two builds of identical inputs. The terms are added exactly in DECIMAL(38, 6), as
-- the inventory tables sum (each term to 1e-6 of its unit: 1 g of a tonne); a group with a term beyond 1e20 (no real
-- quantity; DECIMAL(38, 6) ends at 1e32) or NaN keeps the double sum rather than stop the build.
create or replace temp macro exact_sum(x) as
    if(max(abs(x)) < 1e20, sum(if(abs(x) < 1e20, x, null)::decimal(38, 6))::double, sum(x));

-- fuel_use: every fuel row of the three systems, resolved to its enterprise and site through the entity
-- crosswalk (many statistics rows carry only the old organisation code); rows held out of sums are left out.
create or replace temp view fuel_use as
with rows_read as (
    select 'ghg' as source_system, 'core_ghg__fuel_lines' as source_table, source_file, sheet_name, row_number, year,
           fuel_code, fuel_unit_code, fuel_consumed_units, ncv_gj_per_unit
    from core_ghg__fuel_lines
    union all
    select 'envstat', 'core_envstat__boilers', source_file, sheet_name, row_number, year,
           fuel_code, fuel_unit_code, fuel_consumed_units, ncv_gj_per_unit
    from core_envstat__boilers
    union all
    select 'permit', 'core_permit__fuel_analysis', source_file, sheet_name, row_number, year,
           fuel_code, fuel_unit_code, fuel_consumed_units, ncv_gj_per_unit
    from core_permit__fuel_analysis
)
select r.*, a.uscc, a.facility_id,
       r.source_file || ':' || coalesce(r.sheet_name, '') || ':' || r.row_number as source_record
from rows_read r
join core_facility__assn_sources a
  on a.source_table = r.source_table and a.source_file = r.source_file
 and a.sheet_name is not distinct from r.sheet_name and a.row_number = r.row_number
where a.is_countable and a.uscc is not null and r.fuel_code is not null;

-- fuel_heat: fuel_use with heat input (own NCV, else the default) and the fuel group, for choosing a main fuel.
create or replace temp view fuel_heat as
select f.*, g.fuel_group,
       f.fuel_consumed_units * coalesce(f.ncv_gj_per_unit, d.ncv_gj_per_unit) as heat_input_gj
from fuel_use f
left join fuel_defaults d using (fuel_code, year)
left join fuels g using (fuel_code);

-- permit_complete: enterprise-years whose permit fuel analyses cover every permitted site of the enterprise.
-- Sites under 登记管理 file no execution report, so a partial permit total is not comparable with an
-- enterprise's GHG report or statistics form.
create or replace temp view permit_complete as
select f.uscc, f.year
from fuel_use f
where f.source_system = 'permit'
group by f.uscc, f.year
having count(distinct f.facility_id) = (select count(*) from core_facility__entity e
                                        where e.uscc = f.uscc and e.facility_kind like 'permit%');

-- comparable: the systems whose fuel lines cover the whole enterprise-year.
create or replace temp view comparable as
select distinct uscc, year, source_system from fuel_use where source_system <> 'permit'
union
select uscc, year, 'permit' from permit_complete;

-- energy_comparable: comparable, plus the enterprise-wide forms that give energy but no fuel lines by rank (the
-- 基101/G101 totals, the power monthly records); used where totals are compared, never fuel by fuel.
create or replace temp view energy_comparable as
select * from comparable
union
select distinct uscc, record_year, source_system from core_facility__assn_sources
where source_table in ('core_envstat__enterprise', 'core_ghg__power_monthly') and is_countable and uscc is not null;
