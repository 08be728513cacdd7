-- 一企一档 拒收记录: the rejected rows (core_qa__rejected_rows) whose raw identifier cells name $uscc, and which cells
-- tied them: a uscc or org_code cell (statistics files put either under 组织机构代码) equal to one of $ids (the USCC and
-- the organisation code it embeds) or to an old organisation code of the enterprise; a permit_no cell equal to a
-- permit number of its sites; a data logger MN the outlet map ties to one of those permits; an enterprise_name cell
-- equal to its name or a former name, as a whole (a namesake's row shows in both dossiers, tied by name alone).
-- Codes compare without blanks, dashes or case, names without case or surrounding blanks (cells are NFKC already).
with codes as (
    select upper(code) as code from unnest($ids::varchar[]) as ids(code)
    union
    select upper(replace(alias, '-', '')) from core_enterprise__aliases where uscc = $uscc and alias_kind = 'org_code'),
permits as (
    select distinct upper(permit_no) as permit from core_facility__entity where uscc = $uscc and permit_no is not null),
loggers as (
    select distinct upper(mn) as mn from core_cems__outlets where upper(permit_no) in (select permit from permits)),
names as (
    select lower(trim(enterprise_name)) as name from core_enterprise__entity where uscc = $uscc
    union
    select lower(trim(alias)) from core_enterprise__aliases where uscc = $uscc and alias_kind in ('name', 'former_name')),
cells as (
    select source_file, nullif(sheet_name, '') as sheet_name, row_number, column_name, raw_value, reason_zh, reason_en,
           upper(regexp_replace(json_extract_string(raw_record, '$.uscc'), '[\s-]', '', 'g')) as uscc_cell,
           upper(regexp_replace(json_extract_string(raw_record, '$.org_code'), '[\s-]', '', 'g')) as org_code_cell,
           upper(regexp_replace(json_extract_string(raw_record, '$.permit_no'), '\s', '', 'g')) as permit_cell,
           upper(trim(coalesce(json_extract_string(raw_record, '$.MN'), json_extract_string(raw_record, '$.mn')))) as mn_cell,
           lower(trim(json_extract_string(raw_record, '$.enterprise_name'))) as name_cell
    from core_qa__rejected_rows),
tied as (
    select *, concat_ws('; ',
        case when uscc_cell in (select code from codes) then '统一社会信用代码 uscc' end,
        case when org_code_cell in (select code from codes) then '组织机构代码 org_code' end,
        case when permit_cell in (select permit from permits) then '排污许可证编号 permit_no' end,
        case when mn_cell in (select mn from loggers) then '数采仪编号MN mn' end,
        case when name_cell in (select name from names) then '单位名称 enterprise_name' end) as tied_by
    from cells)
select source_file, sheet_name, row_number, column_name, raw_value, reason_zh, reason_en, tied_by
from tied where tied_by <> ''
order by source_file, sheet_name nulls first, row_number
