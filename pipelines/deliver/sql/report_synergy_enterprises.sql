-- 清单报告 减污降碳协同: the APeq (x) and CO2 (y) reduction of each enterprise with both in $year, by USCC.
select uscc, 0.0 - pollutant_change_pct as x, 0.0 - co2_change_pct as y from out_synergy__yearly_enterprise
where year = $year and pollutant = 'APeq' and pollutant_change_pct is not null and co2_change_pct is not null
order by uscc
