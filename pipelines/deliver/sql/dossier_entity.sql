-- 一企一档 基本信息: the entity row of the enterprise $uscc, every column.
select * from core_enterprise__entity where uscc = $uscc
