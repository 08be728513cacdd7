-- SO2/CO2 and NOx/CO2 per enterprise-year against peers of the same industry and main fuel group:
-- robust z-score of log10(ratio) = 0.6745 (x - median) / MAD.
with main_fuel as (
    select uscc, year, fuel_group
    from (select uscc, year, fuel_group, exact_sum(heat_input_gj) as heat_input_gj
          from fuel_heat where fuel_group is not null and heat_input_gj > 0 group by uscc, year, fuel_group)
    qualify row_number() over (partition by uscc, year order by heat_input_gj desc, fuel_group) = 1
),
ratios as (
    select e.uscc, e.year, e.industry_code, m.fuel_group, p.pollutant, p.mass_t, e.co2_combustion_t,
           log10(p.mass_t / e.co2_combustion_t) as log_ratio
    from out_inventory__yearly_enterprise e
    join main_fuel m using (uscc, year)
    cross join lateral (select 'SO2' as pollutant, e.so2_mass_t as mass_t
                        union all select 'NOx', e.nox_mass_t) p
    where p.mass_t > 0 and e.co2_combustion_t > 0 and e.industry_code is not null
),
peers as (
    select industry_code, fuel_group, pollutant, count(*) as peer_count, median(log_ratio) as median_log
    from ratios group by industry_code, fuel_group, pollutant
),
spread as (
    select r.industry_code, r.fuel_group, r.pollutant, median(abs(r.log_ratio - p.median_log)) as mad_log
    from ratios r join peers p using (industry_code, fuel_group, pollutant)
    group by r.industry_code, r.fuel_group, r.pollutant
),
judged as (
    select r.*, p.peer_count, p.median_log, s.mad_log, 0.6745 * (r.log_ratio - p.median_log) / s.mad_log as robust_z
    from ratios r
    join peers p using (industry_code, fuel_group, pollutant)
    join spread s using (industry_code, fuel_group, pollutant)
    cross join params
    where p.peer_count >= params.min_peers and s.mad_log > 0
)
select j.uscc, null::varchar as facility_id, j.year, j.pollutant || '/CO2' as subject,
       lower(j.pollutant) || '_per_co2' as compared_quantity, 't/t' as value_unit,
       j.mass_t / j.co2_combustion_t as value_a, 'inventory' as source_a, pow(10, j.median_log) as value_b,
       'inventory' as source_b, params.max_robust_z as tolerance,
       printf('稳健Z值 ≤ %.1f 或与中位数相差 < %.1f 倍 / robust z ≤ %.1f or within %.1f x of the median',
              params.max_robust_z, params.min_fold, params.max_robust_z, params.min_fold) as tolerance_text,
       printf('%d年%s/CO2比值%.3g，同行业（%s）以%s为主要燃料的%d家同类中位数%.3g，稳健Z值%.1f（容差%.1f）。',
              j.year, j.pollutant, value_a, j.industry_code, j.fuel_group, j.peer_count, value_b, j.robust_z,
              params.max_robust_z) as message_zh,
       printf('%s/CO2 %d: %.3g, peer median %.3g among %d enterprise-years of industry %s burning mainly %s; robust z '
              || '%.1f (tolerance %.1f).', j.pollutant, j.year, value_a, value_b, j.peer_count, j.industry_code,
              j.fuel_group, j.robust_z, params.max_robust_z) as message_en,
       null::varchar as source_record
from judged j, params
where abs(j.robust_z) > params.max_robust_z
  and abs(j.log_ratio - j.median_log) > log10(params.min_fold)
