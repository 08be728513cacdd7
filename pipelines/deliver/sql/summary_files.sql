-- Build summary: files read, rows read / accepted / rejected, duplicate files and superseded rows (0, not NULL, when
-- the inbox was empty, so the summary of an empty workspace prints zeros).
select count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_accepted), 0), coalesce(sum(rows_rejected), 0),
       count(*) filter (where file_status = 'duplicate'), coalesce(sum(rows_superseded), 0)
from core_qa__file_manifest
