-- 清单报告 减污降碳协同: APeq per GB/T 4754 division and for all sectors in $year: reductions (0.0 - change: a reduction,
-- without a -0.0 where nothing changed), Els, reading and quadrant.
select sector_scheme, sector_class_code, sector_class_name, enterprise_count,
       0.0 - pollutant_change_pct as pollutant_reduction_pct, 0.0 - co2_change_pct as co2_reduction_pct,
       els, els_reading, els_reading_zh, quadrant_zh
from out_synergy__yearly_sector where year = $year and pollutant = 'APeq'
    and sector_scheme in ('gbt4754_division', 'all')
