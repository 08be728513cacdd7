-- Key emitters (covered sector, at or above a threshold in the window) with no GHG report for the year.
select r.uscc, null::varchar as facility_id, r.year,
       r.key_emitter_criterion as subject,
       if(r.key_emitter_criterion = 'energy_tce', 'energy_tce', 'basis_co2e_t') as compared_quantity,
       if(r.key_emitter_criterion = 'energy_tce', 'tce', 'tCO2e') as value_unit,
       if(r.key_emitter_criterion = 'energy_tce', r.trigger_energy_tce, r.trigger_basis_co2e_t) as value_a,
       'inventory' as source_a,
       if(r.key_emitter_criterion = 'energy_tce', r.threshold_energy_tce, r.threshold_co2e_t) as value_b,
       'rule' as source_b,
       if(r.key_emitter_criterion = 'energy_tce', r.threshold_energy_tce, r.threshold_co2e_t) as tolerance,
       printf('门槛 %.0f %s / threshold %.0f %s', tolerance, value_unit, tolerance, value_unit) as tolerance_text,
       '达到重点排放单位纳入门槛，但未提交' || r.year || '年度温室气体排放报告。' || coalesce(r.evidence_zh, '')
           as message_zh,
       printf('In a covered sector and at or above the key-emitter threshold (%s %.1f %s in %d, threshold %.0f), '
              || 'but no GHG report for %d. Sources: %s.', r.key_emitter_criterion, value_a, value_unit,
              r.trigger_year, tolerance, r.year, coalesce(r.source_systems, '')) as message_en,
       null::varchar as source_record
from out_key_emitters__register r
where r.is_key_emitter and not r.is_ghg_reporter
