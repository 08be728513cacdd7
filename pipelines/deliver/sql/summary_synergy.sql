-- Build summary: in the latest year, enterprises whose APeq-vs-CO2 reading is co-reduction, trade-off, co-increase.
select max(year), count(*) filter (where els_reading like 'co_reduction%'),
       count(*) filter (where els_reading like 'trade_off%'),
       count(*) filter (where els_reading = 'co_increase')
from out_synergy__yearly_enterprise where pollutant = 'APeq'
  and year = (select max(year) from out_synergy__yearly_enterprise)
