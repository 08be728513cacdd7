-- Build summary and synergy status: the files that need someone, those not read (layout or type not recognised,
-- columns missing, unreadable, beyond a read limit) first, then those read with rejected rows, most rejected first.
-- A file read with rejected rows shows the reason of its first rejected row (the file's own note says nothing of
-- why rows were rejected); every row and reason is in core_qa__rejected_rows.
with first_rejection as (
    select source_file, arg_min(reason_zh, row_number) as reason_zh
    from core_qa__rejected_rows
    group by source_file
)
select m.source_file, m.file_status, m.rows_rejected,
       case when m.file_status in ('unrecognised', 'missing_columns', 'unreadable', 'too_large')
            then coalesce(m.message, '')
            else coalesce('首行原因 first: ' || r.reason_zh, m.message, '') end as message
from core_qa__file_manifest m
left join first_rejection r using (source_file)
where m.file_status in ('unrecognised', 'missing_columns', 'unreadable', 'too_large') or m.rows_rejected > 0
order by m.file_status = 'ingested', m.rows_rejected desc, m.source_file
