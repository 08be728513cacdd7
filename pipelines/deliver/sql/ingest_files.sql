-- synergy ingest: the manifest rows of the files just copied in ($files, inbox-relative paths).
select source_file, file_status, rows_read, rows_accepted, rows_rejected, rows_superseded, coalesce(message, '')
from core_qa__file_manifest where list_contains($files, source_file)
order by source_file
