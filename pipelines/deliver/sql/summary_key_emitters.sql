-- Build summary: key-emitter rows (enterprise-years) and enterprises of the register.
select count(*) filter (where is_key_emitter), count(distinct uscc) filter (where is_key_emitter)
from out_key_emitters__register
