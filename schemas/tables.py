"""Published tables: grain, key, bilingual description and the ordered list of fields.

Raw tables (`raw_*`) are all-text copies of the files and are not listed here; every core and out
table is, and nothing is published that is not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from schemas.fields import FIELDS, Field


@dataclass(frozen=True)
class Table:
    """A published table: its name, meaning, grain and columns in order."""

    name: str
    zh: str
    en: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...] = ()
    # fields that may be empty here though not where they are a key (a curation log echoes what an analyst wrote)
    optional: tuple[str, ...] = ()

    @property
    def fields(self) -> list[Field]:
        return [replace(FIELDS[c], nullable=True) if c in self.optional else FIELDS[c] for c in self.columns]


_ROW_PROVENANCE = ("source_file", "sheet_name", "row_number", "file_sha256")

_TABLES = [
    Table(
        "core_qa__file_manifest",
        "入库文件登记",
        "One row per inbox file seen: hash, encoding, status, sheets read and row accounting "
        "(rows_read = rows_accepted + rows_rejected; rows_superseded are accepted rows a later re-submission replaced).",
        ("source_system", "source_file", "file_sha256", "source_encoding", "received_at", "file_status", "duplicate_of",
         "sheets_read", "rows_read", "rows_accepted", "rows_rejected", "rows_superseded", "message"),
        ("source_file",),
        ("file_sha256",),  # no content hashed: skipped, unreadable or of a type not read
    ),
    Table(
        "core_qa__rejected_rows",
        "拒收记录",
        "Rows that could not enter a core table, with the raw values and the reason in Chinese and English.",
        ("source_system", "target_table", *_ROW_PROVENANCE, "column_name", "raw_value",
         "reason_zh", "reason_en", "raw_record"),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_qa__superseded_rows",
        "被更正记录(历史)",
        "Accepted rows replaced by a later submission for the same enterprise or permit and period; kept as history.",
        ("source_system", "target_table", "submission_key", *_ROW_PROVENANCE, "superseded_by_file", "record_json"),
        ("target_table", "file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_permit__registry",
        "排污许可证登记",
        "Permit list rows (许可信息公开): one row per permit as exported, validity parsed, region resolved to GB/T 2260.",
        ("permit_no", "uscc", "enterprise_name", "industry_name", "industry_code", "city_code", "region_code", "valid_from",
         "valid_to", "issue_date", "management_category", "lon_deg", "lat_deg", "address", "issuing_authority",
         "not_applicable_fields", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_permit__limits",
        "许可排放限值",
        "Permit limit rows as written (第一年…第五年 relative to the validity start), each tagged with its scope: "
        "outlet rows and subtotal rows (主要排放口合计, 全厂有组织排放总计) are never summed together.",
        ("permit_no", "uscc", "emission_scope", "outlet_code", "outlet_name", "pollutant", "pollutant_name",
         "hourly_limit_text", "conc_hourly_limit_mg_nm3", "conc_daily_limit_mg_nm3", "rate_limit_kg_h",
         "limit_year_1_t", "limit_year_2_t", "limit_year_3_t", "limit_year_4_t", "limit_year_5_t",
         "stricter_conc_limit_mg_nm3", "not_applicable_fields", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_permit__annual_limits",
        "许可年排放量限值(按日历年)",
        "Annual mass limits anchored to calendar years: 第N年 = validity start year + N - 1 (permit from the registry).",
        ("permit_no", "uscc", "emission_scope", "outlet_code", "pollutant", "permit_year_index", "year", "limit_mass_t",
         "valid_from", "valid_to", "source_record"),
        ("source_record", "permit_year_index"),
    ),
    Table(
        "core_permit__execution_emissions",
        "执行报告-实际排放量",
        "Actual emissions from permit execution reports by outlet and pollutant, in tonnes; 全厂合计 rows kept "
        "with scope site_total.",
        ("year", "report_type", "permit_no", "uscc", "emission_scope", "outlet_type", "outlet_code", "outlet_name",
         "pollutant", "pollutant_code", "pollutant_name", "emission_mass_t", "accounting_method", "remark",
         "not_applicable_fields", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_permit__fuel_analysis",
        "执行报告-燃料分析",
        "Fuel use and quality from permit execution reports.",
        ("year", "permit_no", "uscc", "fuel_code", "fuel_name", "fuel_unit_code", "fuel_rank_source", "fuel_consumed_units",
         "sulfur_pct", "ash_pct", "volatile_pct", "ncv_gj_per_unit", "accounting_method", "not_applicable_fields",
         *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_permit__production",
        "执行报告-生产运行",
        "Products, production and operating hours from permit execution reports.",
        ("year", "permit_no", "uscc", "production_unit_id", "product_name", "production_quantity", "production_unit",
         "operating_hours_h", "not_applicable_fields", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_envstat__enterprise",
        "排放源统计-工业企业(基101/G101)",
        "Enterprise forms of the environmental statistics: fuel and energy, boilers, pollutants generated and "
        "emitted; old organisation codes and former names kept.",
        ("year", "org_code", "uscc", "sub_unit_code", "enterprise_name", "former_names", "region_code", "city_code",
         "industry_code", "operating_hours_h", "coal_consumed_t", "fuel_coal_consumed_t", "coal_sulfur_pct",
         "fuel_oil_consumed_t", "natural_gas_10k_nm3", "boiler_count", "boiler_capacity_t_steam_h", "so2_generated_t",
         "so2_mass_t", "nox_generated_t", "nox_mass_t", "pm_generated_t", "pm_mass_t", "not_applicable_fields",
         *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_envstat__boilers",
        "排放源统计-锅炉/燃气轮机(G103-1)",
        "Boilers and gas turbines: fuel, quality, outlet, treatment efficiency and emissions.",
        ("year", "org_code", "uscc", "enterprise_name", "former_names", "permit_no", "boiler_id",
         "rated_capacity_t_steam_h", "combustion_mode", "operating_hours_h", "fuel_code", "fuel_name", "fuel_unit_code",
         "fuel_rank_source", "fuel_consumed_units", "sulfur_pct", "ash_pct", "ncv_gj_per_unit", "outlet_code", "so2_removal_pct",
         "nox_removal_pct", "pm_removal_pct", "so2_mass_t", "nox_mass_t", "pm_mass_t", "accounting_method",
         "not_applicable_fields", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_envstat__kilns",
        "排放源统计-工业炉窑(G103-2)",
        "Industrial kilns and furnaces: fuel, quality, outlet, treatment efficiency and emissions.",
        ("year", "org_code", "uscc", "enterprise_name", "former_names", "permit_no", "kiln_id", "kiln_type",
         "operating_hours_h", "fuel_code", "fuel_name", "fuel_unit_code", "fuel_rank_source", "fuel_consumed_units",
         "sulfur_pct", "ash_pct", "ncv_gj_per_unit", "outlet_code", "so2_removal_pct", "nox_removal_pct", "pm_removal_pct",
         "so2_mass_t", "nox_mass_t", "pm_mass_t", "accounting_method", "not_applicable_fields", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_ghg__fuel_lines",
        "温室气体报告-化石燃料燃烧明细",
        "Fossil-fuel lines of enterprise GHG reports, typed and in canonical units; parameters are as "
        "reported (null where the report left them blank).",
        ("uscc", "enterprise_name", "industry_code", "region_code", "year", "emission_source_name",
         "fuel_code", "fuel_name", "fuel_unit_code", "fuel_rank_source", "fuel_consumed_units", "ncv_gj_per_unit",
         "carbon_content_tc_per_gj", "carbon_mass_fraction_pct", "oxidation_fraction", "ncv_basis", "carbon_basis",
         "oxidation_basis", "not_applicable_fields", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_ghg__power_monthly",
        "发电设施月度存证",
        "Power units' monthly records: fuel, lab analysis (carbon, hydrogen, sulfur, moisture), electricity and load.",
        ("uscc", "enterprise_name", "unit_id", "year", "month", "fuel_code", "fuel_name", "fuel_unit_code",
         "fuel_rank_source", "fuel_consumed_units", "ncv_gj_per_unit", "carbon_mass_fraction_pct", "hydrogen_pct", "sulfur_pct",
         "moisture_pct", "purchased_electricity_mwh", "generation_mwh", "supply_mwh", "heat_supply_gj",
         "load_factor_pct", "operating_hours_h", "not_applicable_fields", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_ghg__energy_flows",
        "温室气体报告-购入/输出电力热力",
        "Purchased and exported electricity (MWh) and heat (GJ) as reported, with the reported factor and CO2.",
        ("year", "uscc", "enterprise_name", "energy_flow", "electricity_mwh", "heat_gj", "reported_factor",
         "reported_factor_unit", "reported_co2_mass_t", "not_applicable_fields", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_ghg__process_lines",
        "温室气体报告-工业生产过程排放",
        "Process-emission lines as reported (activity data, factor, CO2).",
        ("year", "uscc", "enterprise_name", "process_name", "material_name", "activity_quantity", "activity_unit",
         "reported_factor", "reported_factor_unit", "reported_co2_mass_t", "not_applicable_fields", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_ghg__reported_totals",
        "温室气体报告-排放量汇总(填报)",
        "Totals as the enterprise reported them, kept beside our own calculation and never overwritten by it.",
        ("year", "uscc", "enterprise_name", "industry_code", "reported_combustion_co2_t", "reported_process_co2_t",
         "reported_electricity_co2_t", "reported_heat_co2_t", "reported_total_co2e_t", "reported_supplementary_co2e_t",
         "reported_energy_tce", "not_applicable_fields", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_register__published_list",
        "重点排放单位名录(公布名单)",
        "Published key-emitter lists (the MEE national list, provincial notices) as published: one row per listed "
        "enterprise and list, the list period as written (2019-2020, 2025), names normalised but never corrected.",
        ("list_period", "sequence_no", "province_name", "city_name", "enterprise_name", "uscc", "industry_name",
         "listed_industry_code", "not_applicable_fields", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_enterprise__entity",
        "企业(法人)名录",
        "One row per legal person (USCC) any source names: current name, former names, old organisation code, "
        "industry, region, sites and the years seen.",
        ("uscc", "org_code", "enterprise_name", "former_names", "industry_code", "region_code", "city_code",
         "registration_region_code", "facility_count", "record_count", "source_systems", "first_year", "last_year"),
        ("uscc",),
    ),
    Table(
        "core_enterprise__aliases",
        "企业名称与代码历史",
        "Every name, former name, site name and old code an enterprise was written with, with the years and "
        "systems, its comparison key and the dirt repaired (a variant, not a new enterprise).",
        ("uscc", "alias_kind", "alias", "facility_id", "name_key", "name_flags", "source_systems", "first_year",
         "last_year", "record_count"),
        ("uscc", "alias_kind", "alias", "facility_id"),
    ),
    Table(
        "core_facility__entity",
        "设施(场所)名录",
        "One row per site: permit number (or `<USCC>-E`), holder, name, county and city, industry, coordinates, "
        "permit validity and the years seen.",
        ("facility_id", "facility_kind", "uscc", "permit_no", "facility_name", "is_branch", "region_code", "city_code",
         "industry_code", "lat_deg", "lon_deg", "management_category", "valid_from", "valid_to", "record_count",
         "source_systems", "first_year", "last_year"),
        ("facility_id",),
    ),
    Table(
        "core_facility__assn_sources",
        "来源记录-设施/企业对应表",
        "Every source record -> facility and enterprise, with the match method, score and status, the guard that "
        "fired, whether it may be summed, and the span over which this identity maps to this entity.",
        ("source_system", "source_table", "source_record", *_ROW_PROVENANCE, "record_year", "identity_key", "record_grain",
         "facility_id", "uscc", "match_method", "match_score", "match_status", "conflict_kind", "is_countable",
         "valid_from", "valid_to", "curated_by"),
        ("source_table", "file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_qa__curation_log",
        "人工匹配决定处理记录",
        "Each row of curation/matches.csv and what this build did with it: applied, stale or invalid (with why, the "
        "column and the row as written). A value that does not fit its column (a malformed identity_key or USCC) is "
        "left empty and kept in raw_record; a file that cannot be read or has no header is one invalid row "
        "(raw_record empty when nothing could be read).",
        ("row_number", "curation_action", "identity_key", "facility_id", "uscc", "decided_by", "decision_reason",
         "decided_on", "curation_status", "column_name", "message_zh", "message_en", "raw_record"),
        ("row_number",),
        ("raw_record",),
    ),
    Table(
        "out_qa__unmatched_records",
        "未匹配记录",
        "Source records that feed no entity (no match, or several candidates), per source, with identifiers as "
        "written and the reason.",
        ("source_system", "source_table", "source_record", "record_year", "identity_key", "uscc", "org_code", "permit_no",
         "enterprise_name", "region_code", "match_status", "match_reason_zh", "match_reason_en", "candidate_ids"),
        ("source_table", "source_record"),
    ),
    Table(
        "out_qa__coverage",
        "来源覆盖情况",
        "Per enterprise, year and source system: whether the source has records on it, whether they matched, which "
        "species its candidates give and which the inventory took from it, and why it gives nothing when it does not "
        "(never lose an entity).",
        ("uscc", "year", "source_system", "is_present", "is_matched", "record_count", "matched_record_count",
         "held_record_count", "source_tables", "candidate_species", "chosen_species", "missing_parameters",
         "coverage_reason_zh", "coverage_reason_en"),
        ("uscc", "year", "source_system"),
    ),
    Table(
        "out_qa__match_review",
        "待人工复核的匹配",
        "What needs an analyst: ambiguous names, near misses and names without a region, one row per candidate, "
        "with a line to paste into curation/matches.csv.",
        ("identity_key", "review_kind", "enterprise_name", "org_code", "region_code", "industry_code",
         "candidate_facility_id", "candidate_uscc", "candidate_name", "match_score", "match_reason_zh",
         "match_reason_en", "curation_line"),
        (),
    ),
    Table(
        "out_qa__match_conflicts",
        "匹配冲突(不计入汇总)",
        "Guard findings kept out of sums until resolved: a site tied to two enterprises, a record fitting several "
        "entities, a GHG enterprise whose sites are only partly matched (record_count: its sites without records).",
        ("conflict_kind", "facility_id", "identity_key", "uscc", "candidate_ids", "record_year", "record_count",
         "detail_zh", "detail_en"),
        (),
    ),
    Table(
        "out_qa__match_summary",
        "匹配质量汇总",
        "Records per source system and year by match status and method, with their share.",
        ("source_system", "record_year", "match_status", "match_method", "record_count", "record_share"),
        (),
    ),
    Table(
        "core_inventory__factors",
        "排放因子库(本次使用)",
        "The emission-factor set the build used, one factor per row with source and status.",
        ("factor_set", "factor_id", "parameter", "fuel_code", "sector", "guideline", "technology", "factor_region",
         "value", "unit", "value_canonical", "unit_canonical", "source_doc", "doc_no", "clause", "data_year",
         "valid_from", "valid_to", "status", "superseded_by", "evidence"),
        ("factor_set", "factor_id"),
    ),
    Table(
        "core_inventory__ghg_fuel_line_co2",
        "燃料燃烧二氧化碳(逐行)",
        "Combustion CO2 per GHG-report fuel line: the parameters used, whether each was measured or a "
        "default, the factor ids and the source row.",
        ("uscc", "year", "fuel_code", "fuel_unit_code", "fuel_consumed_units", "ncv_gj_per_unit",
         "ncv_source", "carbon_content_tc_per_gj", "carbon_mass_fraction_pct", "carbon_source",
         "oxidation_fraction", "oxidation_source", "heat_input_gj", "energy_tce", "co2_mass_t", "method",
         "parameter_source", "source_system", "source_record", "factor_set", "factor_ids",
         "has_recalled_factor", "missing_parameters"),
        ("source_record",),
    ),
    Table(
        "core_inventory__yearly_facility_species_candidates",
        "设施排放候选值(全部来源)",
        "Every candidate value per facility, year, species and scope from every source and method, with its "
        "provenance, rank and whether (and why) it was chosen. Nothing measured or reported is overwritten: the "
        "differences between candidates feed the cross-checks.",
        ("facility_id", "uscc", "year", "species", "scope", "method", "mass_t", "co2e_t", "gwp_set", "energy_tce",
         "heat_input_gj", "parameter_source", "source_system", "source_table", "source_record", "line_count",
         "uncomputed_line_count", "factor_ids", "factor_set", "has_recalled_factor", "filled_from", "gap_fill_kind",
         "allocation_share", "missing_parameters", "method_rank", "is_chosen", "is_lower_bound", "selection"),
        ("facility_id", "year", "species", "scope", "source_system", "source_table", "method", "gap_fill_kind"),
    ),
    Table(
        "core_inventory__yearly_facility_species",
        "设施分物种排放清单(融合)",
        "The fused inventory: per facility, year, species and scope the value chosen by the method hierarchy "
        "(monitored > reported > calculated > gap_filled), plus gap-filled fuel lines added to a GHG figure.",
        ("facility_id", "uscc", "year", "species", "scope", "method", "mass_t", "co2e_t", "gwp_set", "energy_tce",
         "heat_input_gj", "parameter_source", "source_system", "source_table", "source_record", "factor_ids",
         "factor_set", "has_recalled_factor", "filled_from", "gap_fill_kind", "allocation_share", "is_lower_bound",
         "missing_parameters"),
        ("facility_id", "year", "species", "scope", "method"),
    ),
    Table(
        "out_inventory__yearly_facility",
        "设施年度融合清单",
        "One row per facility and year: CO2 by scope, CO2e (direct), SO2, NOx, PM, VOCs, energy, the methods "
        "behind them and completeness flags. Empty (null) means no source gave a value.",
        ("facility_id", "uscc", "facility_name", "industry_code", "region_code", "city_code", "year",
         "co2_combustion_t", "co2_process_t", "co2_indirect_electricity_t", "co2_indirect_heat_t", "co2_indirect_t",
         "co2e_t", "gwp_set", "so2_mass_t", "nox_mass_t", "pm_mass_t", "vocs_mass_t", "energy_tce", "co2_method",
         "so2_method", "nox_method", "pm_method", "vocs_method", "is_co2_complete", "is_pollutant_complete",
         "is_co2_lower_bound", "co2_status", "missing_parameters",
         "has_gap_filled", "has_allocated_value", "has_recalled_factor", "source_systems", "factor_set"),
        ("facility_id", "year"),
    ),
    Table(
        "out_inventory__yearly_enterprise",
        "企业年度融合清单",
        "The facility inventory summed per legal-person enterprise (USCC) and year.",
        ("uscc", "enterprise_name", "industry_code", "region_code", "city_code", "year", "facility_count",
         "co2_combustion_t", "co2_process_t", "co2_indirect_electricity_t", "co2_indirect_heat_t", "co2_indirect_t",
         "co2e_t", "gwp_set", "so2_mass_t", "nox_mass_t", "pm_mass_t", "vocs_mass_t", "energy_tce", "co2_method",
         "is_co2_complete", "is_pollutant_complete", "is_co2_lower_bound", "co2_status", "missing_parameters",
         "has_gap_filled", "has_allocated_value", "has_recalled_factor", "source_systems", "factor_set"),
        ("uscc", "year"),
    ),
    Table(
        "out_inventory__yearly_region_sector",
        "省市县分行业清单",
        "The facility inventory rolled up to province, city and county x sector (GB/T 4754 门类/大类/中类 and the "
        "carbon-market sectors, plus all sectors) x species and scope: sites, enterprises, mass, CO2e, energy, the "
        "share of each method and the change against the previous year. Within a level and scheme the rows add up "
        "exactly (to 1 g) to the facility inventory.",
        ("year", "region_level", "region_code", "region_name", "parent_region_code", "sector_scheme",
         "sector_class_code", "sector_class_name", "species", "scope", "facility_count", "enterprise_count", "mass_t",
         "co2e_t", "energy_tce", "monitored_share", "reported_share", "calculated_share", "gap_filled_share",
         "recalled_factor_share", "default_parameter_share", "lower_bound_share", "previous_year_mass_t",
         "mass_change_pct", "source_systems", "gwp_set", "factor_set"),
        ("year", "region_level", "region_code", "sector_scheme", "sector_class_code", "species", "scope"),
    ),
    Table(
        "out_key_emitters__register",
        "重点排放单位判定(全部企业)",
        "Key-emitter register per enterprise (USCC, its sites summed) and year, on the fused inventory: covered "
        "sector (or captive power) AND emissions or comprehensive energy at or above the threshold in any year of "
        "the window; the criterion, year, basis and evidence behind it, and whether the enterprise reports.",
        ("uscc", "enterprise_name", "industry_code", "city_code", "year", "sector_code", "coverage_basis",
         "captive_power_evidence", "is_covered_sector", "emissions_basis", "co2e_t", "co2_indirect_t", "basis_co2e_t",
         "energy_tce", "meets_co2e_threshold", "meets_energy_threshold", "is_key_emitter", "key_emitter_criterion",
         "trigger_year", "trigger_basis_co2e_t", "trigger_energy_tce", "threshold_co2e_t", "threshold_energy_tce",
         "window_years", "is_ghg_reporter", "ghg_reported_co2_t", "is_newly_entering", "years_below_threshold",
         "register_status", "missing_items", "evidence_zh", "source_systems", "co2_method", "co2_status", "gwp_set",
         "factor_set", "has_recalled_factor", "has_gap_filled"),
        ("uscc", "year"),
    ),
    Table(
        "out_key_emitters__published_comparison",
        "公布名录与核算名录比对",
        "Per USCC, the published key-emitter lists against the computed register: on both, only on a published list "
        "(computed below the threshold or no data: latest computed year, status, basis and evidence shown) or only "
        "computed; the list periods, the computed key years and every name the lists give the USCC. Only USCCs on a "
        "list or computed key emitters in some year appear.",
        ("uscc", "enterprise_name", "province_name", "city_code", "list_periods", "is_on_published_list",
         "is_computed_key_emitter", "computed_key_years", "latest_register_year", "latest_register_status",
         "basis_co2e_t", "energy_tce", "evidence_zh", "comparison", "comparison_zh", "published_name_variants"),
        ("uscc",),
    ),
    Table(
        "out_crosscheck__findings",
        "交叉校核问题清单",
        "One row per finding of the cross-check rule catalogue (inventories/rules/crosscheck.yaml): the site or "
        "enterprise and year, the two values compared with their sources, difference, ratio and the tolerance broken, a "
        "message in Chinese and English, and whether an analyst explained or confirmed it (curation/findings.csv). "
        "Permit-compliance findings also name the level compared (outlet, main outlets total or site total).",
        ("finding_id", "rule_id", "rule_group", "rule_title_zh", "severity", "uscc", "enterprise_name", "facility_id",
         "city_code", "industry_code", "year", "subject", "compliance_level", "compared_quantity", "value_unit",
         "value_a", "source_a", "value_b", "source_b", "value_difference", "value_ratio", "tolerance", "tolerance_text",
         "message_zh", "message_en", "source_record", "evidence_hash", "finding_status", "decided_by",
         "decision_reason", "decided_on"),
        ("finding_id",),
    ),
    Table(
        "core_qa__finding_curation_log",
        "问题核查决定处理记录",
        "Each row of curation/findings.csv and what this build did with it: applied, stale (the finding is gone or its "
        "data changed since the decision, so it is open again) or invalid (with why, file row and column, and the row "
        "as written). A finding_id or evidence_hash that is missing or malformed is left empty and kept in raw_record; "
        "a file that cannot be read or has no header is one invalid row (raw_record empty when nothing could be read).",
        ("row_number", "finding_id", "finding_action", "evidence_hash", "decided_by", "decision_reason", "decided_on",
         "curation_status", "column_name", "message_zh", "message_en", "raw_record"),
        ("row_number",),
        ("finding_id", "evidence_hash", "raw_record"),
    ),
    Table(
        "core_city__indicators",
        "城市指标(协同指数)",
        "City indicators the synergy index reads from a file (inbox/city/, template from `synergy templates`): one "
        "row per year, city and indicator of the index tree, with its unit checked against the tree.",
        ("year", "city_code", "city_name", "indicator_id", "indicator_name", "indicator_value", "indicator_unit",
         "data_source_note", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "out_synergy__yearly_enterprise",
        "企业减污降碳协同度",
        "Per enterprise, year and pollutant (SO2, NOx, PM, VOCs, APeq) against combustion CO2 on the previous year: the changes, "
        "the cross-elasticity Els and its reading, the quadrant on the co-control coordinate system and, where output "
        "is known, the Tapio decoupling of the pollutant and of CO2 from output (methods in inventories/synergy.py).",
        ("uscc", "enterprise_name", "industry_code", "city_code", "year", "previous_year", "pollutant", "amount_unit",
         "pollutant_amount", "previous_pollutant_amount", "pollutant_change_pct", "co2_combustion_t",
         "previous_co2_combustion_t",
         "co2_change_pct", "els", "els_reading", "els_reading_zh", "quadrant", "quadrant_zh", "output_product",
         "output_quantity", "previous_output_quantity", "output_change_pct", "pollutant_decoupling_index",
         "pollutant_decoupling_state", "pollutant_decoupling_state_zh", "co2_decoupling_index", "co2_decoupling_state",
         "co2_decoupling_state_zh", "is_complete_both_years", "has_recalled_factor", "source_systems", "factor_set"),
        ("uscc", "year", "pollutant"),
    ),
    Table(
        "out_synergy__yearly_sector",
        "行业减污降碳协同度",
        "Per year, sector (GB/T 4754 大类, and all sectors) and pollutant: the same measures on the sums of the "
        "enterprises that have both years (like for like), and how many of them co-reduce, trade off or co-increase.",
        ("year", "previous_year", "sector_scheme", "sector_class_code", "sector_class_name", "pollutant", "amount_unit",
         "enterprise_count", "pollutant_amount", "previous_pollutant_amount", "pollutant_change_pct",
         "co2_combustion_t", "previous_co2_combustion_t", "co2_change_pct", "els", "els_reading", "els_reading_zh",
         "quadrant", "quadrant_zh",
         "co_reduction_enterprise_count", "trade_off_enterprise_count", "co_increase_enterprise_count",
         "has_recalled_factor"),
        ("year", "sector_scheme", "sector_class_code", "pollutant"),
    ),
    Table(
        "out_synergy__yearly_city_index",
        "城市减污降碳协同指数",
        "The city synergy index in the configurable indicator tree (inventories/synergy_index/): per year, city and "
        "node of the tree the raw value, normalised score, weight and its coverage, missing indicators, rank and the "
        "change against the base year.",
        ("year", "city_code", "region_name", "indicator_id", "parent_indicator_id", "indicator_level", "indicator_name",
         "weight", "weight_basis", "direction", "indicator_source", "indicator_unit", "indicator_value", "bounds_year",
         "score", "weight_coverage_pct", "missing_indicators", "city_rank", "base_year", "base_year_score",
         "score_change_pct", "normalisation"),
        ("year", "city_code", "indicator_id"),
    ),
]

_TABLES += [
    Table(
        "core_cems__outlets",
        "在线监测点位对照",
        "The outlet map (监测点位对照表): data logger MN -> permit number and outlet code, with the outlet's city.",
        ("mn", "permit_no", "outlet_code", "outlet_name", "city_code", "city_source", "source_file", "row_number"),
        ("mn",),
    ),
    Table(
        "core_cems__file_counts",
        "在线监测文件登记",
        "Every inbox/cems file: layout, years and row accounting (rows_read = rows_accepted + rows_rejected; "
        "long exports count one row per outlet, hour and code).",
        ("source_system", "source_file", "file_sha256", "received_at", "file_status", "duplicate_of", "layout", "years",
         "rows_read", "rows_accepted", "rows_rejected", "rows_superseded", "message"),
        ("source_file",),
        ("file_sha256",),  # no content hashed: skipped, unreadable or of a type not read
    ),
    Table(
        "core_cems__gaps",
        "在线监测缺失与替代",
        "Runs of invalid or missing hours per outlet and pollutant, the quarter's capture rate and the substitute "
        "(docs/methods.md, CEMS hourly data). The hourly records themselves are Hive Parquet under parquet/core_cems__hourly/.",
        ("mn", "pollutant", "year", "city_code", "gap_start", "gap_hours", "quarter", "capture_rate_pct",
         "substitution_rule_version", "substitution", "window_hours", "substitute_kg_per_h"),
        ("mn", "pollutant", "gap_start"),
    ),
    Table(
        "core_cems__outlet_monthly",
        "在线监测排放口月度有效数据率与排放量",
        "Per outlet, month and pollutant: hours by state, the valid-data rate (有效数据率) against the required rate, "
        "valid and substituted mass.",
        ("mn", "permit_no", "outlet_code", "city_code", "year", "month", "pollutant", "month_hours", "record_hours",
         "valid_hours", "stopped_hours", "invalid_hours", "missing_hours", "substituted_hours", "unsubstituted_hours",
         "valid_data_rate_pct", "required_valid_rate_pct", "is_below_required_rate", "valid_mass_kg",
         "substituted_mass_kg", "mass_kg", "substitution_rule_version"),
        ("mn", "year", "month", "pollutant"),
    ),
    Table(
        "out_cems__outlet_yearly",
        "在线监测排放口年度排放量",
        "Annual mass per outlet and pollutant from valid and substituted hours; feeds the inventory as method "
        "monitored (source cems).",
        ("mn", "permit_no", "outlet_code", "city_code", "year", "pollutant", "valid_hours", "stopped_hours",
         "substituted_hours", "unsubstituted_hours", "valid_data_rate_pct", "months_below_required_rate",
         "valid_mass_t", "substituted_mass_t", "mass_t", "substitution_rule_version", "substitution_rule_status"),
        ("mn", "year", "pollutant"),
    ),
]

TABLES: dict[str, Table] = {t.name: t for t in _TABLES}

for _t in _TABLES:
    assert len(_t.name) <= 63, f"{_t.name}: DuckDB identifiers are limited to 63 characters"
    assert set(_t.primary_key) <= set(_t.columns), f"{_t.name}: key column missing"

# What one submission covers, per core table: a later file with rows for the same key replaces the earlier
# file's rows for that key (a corrected re-submission); the replaced rows are kept in core_qa__superseded_rows.
SUBMISSION_KEYS: dict[str, tuple[str, ...]] = {
    "core_permit__registry": ("permit_no",),
    "core_permit__limits": ("permit_no",),
    "core_permit__execution_emissions": ("permit_no", "year", "report_type"),
    "core_permit__fuel_analysis": ("permit_no", "year"),
    "core_permit__production": ("permit_no", "year"),
    "core_envstat__kilns": ("org_code", "year"),
    "core_envstat__enterprise": ("org_code", "year"),
    "core_envstat__boilers": ("org_code", "year"),
    "core_ghg__fuel_lines": ("uscc", "year"),
    "core_ghg__power_monthly": ("uscc", "year", "month"),
    "core_ghg__energy_flows": ("uscc", "year"),
    "core_ghg__process_lines": ("uscc", "year"),
    "core_ghg__reported_totals": ("uscc", "year"),
    "core_register__published_list": ("list_period", "uscc"),
    "core_city__indicators": ("year", "city_code"),
}
