-- 一企一档 重点排放单位名录: the register rows of $uscc per year, with the evidence sentence.
select year, is_key_emitter, register_status, key_emitter_criterion, basis_co2e_t, energy_tce, is_ghg_reporter,
       evidence_zh
from out_key_emitters__register where uscc = $uscc order by year
