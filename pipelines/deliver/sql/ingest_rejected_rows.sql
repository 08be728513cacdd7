-- synergy ingest: every rejected row of the files just copied in ($files), with the value and the reason.
select source_file, coalesce(sheet_name, ''), row_number, column_name, coalesce(raw_value, ''), reason_zh, reason_en
from core_qa__rejected_rows where list_contains($files, source_file)
order by source_file, sheet_name, row_number
