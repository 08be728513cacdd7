-- Build summary: facilities and facility-years of the fused inventory, its direct CO2e, indirect CO2, SO2 and NOx,
-- and how many facility-years are gap-filled or rest on a recalled or judgement factor.
select count(distinct facility_id), count(*), sum(co2e_t), sum(co2_indirect_t),
       sum(so2_mass_t), sum(nox_mass_t), count(*) filter (where has_gap_filled),
       count(*) filter (where has_recalled_factor)
from out_inventory__yearly_facility
