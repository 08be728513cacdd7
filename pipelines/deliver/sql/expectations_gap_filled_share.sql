-- great-expectations level: the share of facility-years of the fused inventory that carry a gap-filled value
-- (a line one source lacks, filled from another; out_inventory__yearly_facility.has_gap_filled), per year.
select year, count(*) as facilities, count(*) filter (where has_gap_filled) as gap_filled_facilities,
       count(*) filter (where has_gap_filled) / count(*) as gap_filled_share
from out_inventory__yearly_facility
group by all
order by year
