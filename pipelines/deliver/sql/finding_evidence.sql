-- synergy checks --explain: the evidence hash and message of the finding $finding_id.
select evidence_hash, message_zh from out_crosscheck__findings where finding_id = $finding_id
