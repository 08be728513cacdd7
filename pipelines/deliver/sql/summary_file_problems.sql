-- Build summary and synergy status: the files that need someone, those not read (layout or type not recognised,
-- columns missing, unreadable, beyond a read limit) first, then those read with rejected rows, most rejected first.
select source_file, file_status, rows_rejected, coalesce(message, '') as message
from core_qa__file_manifest
where file_status in ('unrecognised', 'missing_columns', 'unreadable', 'too_large') or rows_rejected > 0
order by file_status = 'ingested', rows_rejected desc, source_file
