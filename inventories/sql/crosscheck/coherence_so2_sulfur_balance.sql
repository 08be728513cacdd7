-- Statistics boiler rows: reported SO2 against 2 x fuel x S% / 100 x (1 - retention) x (1 - removal).
with boilers as (
    select f.uscc, f.facility_id, f.year, b.boiler_id, b.fuel_code, b.fuel_consumed_units, b.sulfur_pct,
           coalesce(b.so2_removal_pct, 0) as so2_removal_pct, b.so2_mass_t, f.source_record
    from core_envstat__boilers b
    join fuel_use f on f.source_table = 'core_envstat__boilers' and f.source_file = b.source_file
                   and f.sheet_name is not distinct from b.sheet_name and f.row_number = b.row_number
    where b.sulfur_pct is not null and b.so2_mass_t is not null and b.fuel_unit_code = 't'
      and b.fuel_consumed_units > 0
),
judged as (
    select b.*,
           2 * b.fuel_consumed_units * b.sulfur_pct / 100 * (1 - params.sulfur_retention)
             * (1 - b.so2_removal_pct / 100) as implied_t,
           params.warn_relative, params.error_relative
    from boilers b, params
),
scored as (
    select *, abs(so2_mass_t - implied_t) / greatest(so2_mass_t, implied_t) as relative_difference
    from judged where greatest(so2_mass_t, implied_t) > 0
)
select s.uscc, s.facility_id, s.year, concat_ws('·', s.fuel_code, s.boiler_id) as subject,
       'so2_mass_t' as compared_quantity, 't' as value_unit,
       s.so2_mass_t as value_a, 'envstat' as source_a, s.implied_t as value_b, 'envstat' as source_b,
       if(s.relative_difference > s.error_relative, s.error_relative, s.warn_relative) as tolerance,
       printf('相对差 ≤ %.0f%% / relative difference ≤ %.0f%%', tolerance * 100, tolerance * 100) as tolerance_text,
       if(s.relative_difference > s.error_relative, 'error', 'warn') as severity,
       printf('%d年%s的SO2排放量报%.3f吨，按燃料%.1f吨、含硫%.2f%%、脱硫效率%.0f%%的物料衡算为%.3f吨，相对差%.0f%%。', s.year,
              coalesce(s.boiler_id, '锅炉'), s.so2_mass_t, s.fuel_consumed_units, s.sulfur_pct, s.so2_removal_pct,
              s.implied_t, s.relative_difference * 100) as message_zh,
       printf('%s %d: SO2 reported %.3f t; the sulfur balance (%.1f t fuel, S %.2f%%, removal %.0f%%) gives %.3f t, '
              || '%.0f%% apart.', coalesce(s.boiler_id, 'boiler'), s.year, s.so2_mass_t, s.fuel_consumed_units,
              s.sulfur_pct, s.so2_removal_pct, s.implied_t, s.relative_difference * 100) as message_en,
       s.source_record
from scored s
where s.relative_difference > s.warn_relative
