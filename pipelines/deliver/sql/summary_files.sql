-- Build summary: files read, rows read / accepted / rejected, duplicate files and superseded rows.
select count(*), sum(rows_read), sum(rows_accepted), sum(rows_rejected),
       count(*) filter (where file_status = 'duplicate'), sum(rows_superseded)
from core_qa__file_manifest
