-- The tables the warehouse holds: a warehouse from an older build lacks the newer ones.
select table_name from information_schema.tables
