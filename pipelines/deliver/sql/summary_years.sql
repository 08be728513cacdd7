-- Build summary: per reporting year, latest first, the fused inventory's facilities, direct CO2e, indirect CO2, SO2
-- and NOx (t), its facility-years gap-filled or resting on a recalled or judgement factor, the enterprises with a
-- GHG report and the key emitters of the register. One row a year: a sum over years would hide what each holds.
with inventory as (
    select year, count(*) as facilities, sum(co2e_t) as co2e_t, sum(co2_indirect_t) as co2_indirect_t,
           sum(so2_mass_t) as so2_t, sum(nox_mass_t) as nox_t, count(*) filter (where has_gap_filled) as gap_filled,
           count(*) filter (where has_recalled_factor) as unconfirmed
    from out_inventory__yearly_facility group by year),
ghg as (select year, count(distinct uscc) as ghg_enterprises from core_inventory__ghg_fuel_line_co2 group by year),
register as (select year, count(distinct uscc) filter (where is_key_emitter) as key_emitters
             from out_key_emitters__register group by year)
select year, coalesce(facilities, 0) as facilities, co2e_t, co2_indirect_t, so2_t, nox_t,
       coalesce(gap_filled, 0) as gap_filled, coalesce(unconfirmed, 0) as unconfirmed,
       coalesce(ghg_enterprises, 0) as ghg_enterprises, coalesce(key_emitters, 0) as key_emitters
from inventory full join ghg using (year) full join register using (year)
order by year desc
