"""Every column the project publishes, defined once: type, unit, zh/en description, constraints.

Tables in `schemas.tables` list field names only; pandera models, DuckDB DDL with COMMENTs and the
data dictionary are generated from here, so a column means the same thing in every table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.sources import SOURCE_SYSTEMS


@dataclass(frozen=True)
class Field:
    """One column: its logical type, unit and bilingual meaning, plus value constraints."""

    name: str
    dtype: str  # one of: string, int, float, bool, date, datetime
    zh: str
    en: str
    unit: str | None = None
    nullable: bool = True
    ge: float | None = None
    le: float | None = None
    isin: tuple[str, ...] | None = None
    pattern: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def header_zh(self) -> str:
        """Export header a bureau user reads: Chinese name with the unit in brackets."""
        return f"{self.zh}({self.unit})" if self.unit else self.zh


USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"

# where a cross-check's two values come from: a source system, the fused inventory, the factor library or the rule
COMPARED_SOURCES = (*SOURCE_SYSTEMS, "inventory", "factor_library", "rule")
METHODS = ("monitored", "reported", "calculated", "gap_filled")
FACTOR_STATUSES = ("verified", "recalled", "derived", "judgement")
REGISTER_STATUSES = ("reporting", "missing_from_ghg_reporting", "newly_entering", "below_threshold", "insufficient_data",
                     "not_covered_sector")
PARAMETER_SOURCES = ("measured", "default", "mixed")
SPECIES = ("CO2", "CH4", "N2O", "SO2", "NOx", "PM", "VOCs")
SCOPES = ("combustion", "process", "indirect_electricity", "indirect_heat")
SECTOR_SCHEMES = ("all", "gbt4754_section", "gbt4754_division", "gbt4754_group", "carbon_market")
# --- pollution-carbon synergy vocabularies (inventories/synergy.py; docs/methods.md) ----------------------------
SYNERGY_POLLUTANTS = ("SO2", "NOx", "PM", "VOCs", "APeq")
ELS_READING_ZH = {
    "co_reduction_pollutant_led": "协同减排(污染物减幅大于碳)", "co_reduction_carbon_led": "协同减排(碳减幅大于污染物)",
    "co_reduction_equal": "协同减排(同幅)", "trade_off_pollutant_down": "此消彼长(减污增碳)",
    "trade_off_carbon_down": "此消彼长(减碳增污)", "co_increase": "协同增排", "pollutant_unchanged": "污染物不变",
    "carbon_unchanged": "碳排放不变(弹性无定义)", "no_change": "均不变", "no_baseline": "缺上年或当年数据",
}
QUADRANT_ZH = {1: "第一象限 协同减排 co-benefit", 2: "第二象限 减碳增污 carbon down, pollutant up",
               3: "第三象限 协同增排 both up", 4: "第四象限 减污增碳 pollutant down, carbon up"}
DECOUPLING_STATE_ZH = {
    "strong_decoupling": "强脱钩", "weak_decoupling": "弱脱钩", "expansive_coupling": "扩张连接",
    "expansive_negative_decoupling": "扩张负脱钩", "strong_negative_decoupling": "强负脱钩",
    "weak_negative_decoupling": "弱负脱钩", "recessive_coupling": "衰退连接", "recessive_decoupling": "衰退脱钩",
}

_FIELDS: list[Field] = [
    # --- provenance of raw rows -------------------------------------------------------------
    Field("source_file", "string", "来源文件", "Inbox file the row was read from", nullable=False),
    Field("sheet_name", "string", "工作表", "Sheet of an XLSX file (empty for CSV)"),
    Field("row_number", "int", "行号", "1-based row number in the file or sheet, as Excel shows it",
          nullable=False, ge=1),
    Field("file_sha256", "string", "文件SHA256", "SHA-256 of the inbox file; archive copies are named by it",
          nullable=False, pattern=r"^[0-9a-f]{64}$"),
    Field("source_encoding", "string", "文件编码", "Text encoding detected for a CSV file"),
    Field("source_system", "string", "数据来源系统", "Source system of a value",
          nullable=False, isin=SOURCE_SYSTEMS),
    Field("source_record", "string", "来源记录", "file:sheet:row of the source row(s) behind a value"),
    # --- identities ------------------------------------------------------------------------
    Field("uscc", "string", "统一社会信用代码", "Unified social credit code (GB 32100), 18 characters (empty where a "
          "form gave only an old organisation code)", pattern=USCC_PATTERN),
    Field("enterprise_name", "string", "单位名称", "Enterprise name as reported (NFKC-normalised); empty only for an "
          "entity known solely from a code (a permit number with no permit-list row)"),
    Field("industry_code", "string", "行业代码", "GB/T 4754-2017 4-digit industry code", pattern=r"^\d{4}$"),
    Field("region_code", "string", "行政区划代码", "GB/T 2260 6-digit region code", pattern=r"^\d{6}$"),
    Field("city_code", "string", "所在地市代码", "GB/T 2260 prefecture code (济源 419001)", pattern=r"^\d{6}$"),
    Field("year", "int", "年度", "Reporting (data) year", nullable=False, ge=2000, le=2100),
    Field("emission_source_name", "string", "排放设施", "Unit, boiler or production line the fuel line belongs to"),
    # --- fuel lines ------------------------------------------------------------------------
    Field("fuel_code", "string", "燃料代码", "Canonical fuel code of the factor library (empty: any fuel)"),
    Field("fuel_name", "string", "燃料品种", "Fuel name as reported", nullable=False),
    Field("fuel_rank_source", "string", "煤种来源",
          "Where a coal line's rank (fuel_code) came from: name (the fuel name is a rank, 烟煤), bracket (a generic "
          "coal name with the rank in brackets, 原煤(烟煤)) or remark (原煤 whose 备注 names exactly one rank, 煤种：褐煤); "
          "empty for other fuels and for coal of unspecified rank (原煤, also when the remark names two ranks)",
          isin=("name", "bracket", "remark")),
    Field("fuel_unit_code", "string", "燃料计量单位", "Canonical unit of the fuel quantity",
          nullable=False, isin=("t", "10^4Nm3")),
    Field("fuel_consumed_units", "float", "燃料消耗量", "Fuel consumed, in fuel_unit_code",
          nullable=False, ge=0),
    Field("ncv_gj_per_unit", "float", "低位发热量", "Net calorific value in GJ per fuel_unit_code",
          unit="GJ/t 或 GJ/万Nm3", ge=0, le=60_000),
    Field("carbon_content_tc_per_gj", "float", "单位热值含碳量", "Carbon content per unit of heat",
          unit="tC/GJ", ge=0, le=0.2),
    Field("carbon_mass_fraction_pct", "float", "元素碳含量", "As-received elemental carbon content",
          unit="%", ge=0, le=100),
    Field("oxidation_fraction", "float", "碳氧化率", "Carbon oxidation rate as a fraction", ge=0, le=1),
    Field("ncv_source", "string", "低位发热量来源", "measured or default", isin=("measured", "default")),
    Field("carbon_source", "string", "含碳量来源", "measured or default", isin=("measured", "default")),
    Field("oxidation_source", "string", "碳氧化率来源", "measured or default", isin=("measured", "default")),
    # --- quantities ------------------------------------------------------------------------
    Field("heat_input_gj", "float", "热量", "Heat input = consumption x NCV", unit="GJ", ge=0),
    Field("energy_tce", "float", "能源消费量", "Energy in tonnes of standard coal (GB/T 2589: 29.3076 GJ/tce)",
          unit="tce", ge=0),
    Field("co2_mass_t", "float", "二氧化碳排放量", "CO2 mass", unit="t", ge=0),
    Field("co2e_t", "float", "二氧化碳当量", "CO2-equivalent mass with the GWP set named in gwp_set (direct "
          "emissions: combustion + process; indirect CO2 is reported apart)",
          unit="tCO2e", ge=0),
    Field("gwp_set", "string", "GWP版本", "Global-warming-potential set used for CO2e",
          isin=("SAR", "AR4", "AR5", "AR6")),
    # --- fused inventory -------------------------------------------------------------------
    Field("species", "string", "物种", "CO2, CH4, N2O or an air pollutant (SO2, NOx, PM, VOCs)", nullable=False,
          isin=SPECIES),
    Field("scope", "string", "排放范围", "combustion / process / indirect_electricity / indirect_heat "
          "(indirect = purchased electricity and heat, kept apart from direct emissions)", nullable=False, isin=SCOPES),
    Field("mass_t", "float", "排放量", "Mass of the species", unit="t", ge=0),
    Field("filled_from", "string", "补充来源", "For a gap_filled value: the donor record (parameter taken from the "
          "other system) or the fuel the GHG report lacks (missing_line)"),
    Field("gap_fill_kind", "string", "补充类型", "parameter (a parameter only the other system had) or missing_line "
          "(a fuel line the GHG report lacks)", isin=("parameter", "missing_line")),
    Field("allocation_share", "float", "分摊比例", "Share of an enterprise-level GHG figure placed on this site "
          "(its calculated combustion CO2 over the enterprise's); 1 when not allocated", ge=0, le=1),
    Field("line_count", "int", "明细行数", "Source rows behind a candidate", ge=0),
    Field("method_rank", "int", "方法优先级", "Place in the hierarchy (1 = preferred) used to choose", ge=1),
    Field("is_chosen", "bool", "是否采用", "True for the value(s) the inventory uses", nullable=False),
    Field("selection", "string", "采用说明", "chosen / lower_bound (chosen although a line could not be computed, "
          "because nothing complete exists) / supplement (gap-filled fuel added to the GHG figure) / lower_rank / "
          "incomplete (a line could not be computed) / supplement_not_needed / covered_by_sites (enterprise-level "
          "value yields to site values) / covered_by_g103 (a 基101 enterprise total yields to G103 boiler/kiln data)",
          nullable=False, isin=("chosen", "lower_bound", "supplement", "lower_rank", "incomplete",
                                "supplement_not_needed", "covered_by_sites", "covered_by_g103")),
    Field("is_lower_bound", "bool", "是否下限值", "True when the value is a lower bound: chosen although some of its "
          "lines could not be computed (missing_parameters names what they lack)"),
    Field("co2_combustion_t", "float", "燃烧二氧化碳", "Fossil-fuel combustion CO2", unit="t", ge=0),
    Field("co2_process_t", "float", "过程二氧化碳", "Industrial-process CO2", unit="t", ge=0),
    Field("co2_indirect_electricity_t", "float", "外购电力间接二氧化碳", "CO2 of purchased electricity", unit="t", ge=0),
    Field("co2_indirect_heat_t", "float", "外购热力间接二氧化碳", "CO2 of purchased heat", unit="t", ge=0),
    Field("co2_indirect_t", "float", "间接二氧化碳", "Indirect CO2 (purchased electricity + heat), not in co2e_t",
          unit="t", ge=0),
    Field("vocs_mass_t", "float", "挥发性有机物排放量", "VOCs emitted", unit="t", ge=0),
    *(Field(f"{p.lower()}_method", "string", f"{zh}核算方法", f"Method(s) of the chosen {p} values (+-joined)")
      for p, zh in (("CO2", "二氧化碳"), ("SO2", "二氧化硫"), ("NOx", "氮氧化物"), ("PM", "颗粒物"), ("VOCs", "挥发性有机物"))),
    Field("has_gap_filled", "bool", "含补充数据", "A value comes from another system's data (gap_filled)"),
    Field("has_allocated_value", "bool", "含分摊数据", "A value is a share of an enterprise-level GHG figure"),
    Field("is_co2_complete", "bool", "二氧化碳完整", "Combustion CO2 is known for the row"),
    Field("is_pollutant_complete", "bool", "污染物完整", "SO2, NOx and PM are all known for the row"),
    # --- roll-ups by region and sector ----------------------------------------------------
    Field("region_level", "string", "区划级别", "province / city / county (GB/T 2260)", nullable=False,
          isin=("province", "city", "county")),
    Field("region_name", "string", "行政区划名称", "GB/T 2260 name; 区县不详 where a site is known only to its city"),
    Field("parent_region_code", "string", "上级行政区划代码", "City of a county row, province of a city row",
          pattern=r"^\d{6}$"),
    Field("sector_scheme", "string", "行业分类", "all (全部行业) / gbt4754_section (门类) / gbt4754_division (大类) / "
          "gbt4754_group (中类) / carbon_market (碳市场行业, inventories/rules/sector_scope.csv)", nullable=False,
          isin=SECTOR_SCHEMES),
    Field("sector_class_code", "string", "行业代码(分类)", "Code within sector_scheme: ALL, a 门类 letter, a 2- or "
          "3-digit GB/T 4754 code, a carbon-market sector, or unknown / not_covered", nullable=False),
    Field("sector_class_name", "string", "行业名称", "Name of sector_class_code"),
    *(Field(f"{m}_share", "float", f"{zh}占比", f"Share of mass_t whose value was {m}", ge=0, le=1)
      for m, zh in (("monitored", "监测"), ("reported", "填报"), ("calculated", "核算"), ("gap_filled", "补充"))),
    Field("recalled_factor_share", "float", "待核实因子占比", "Share of mass_t computed with a factor still marked "
          "recalled", ge=0, le=1),
    Field("previous_year_mass_t", "float", "上年排放量", "mass_t of the same region, sector, species and scope in the "
          "previous year (empty: no value that year)", unit="t", ge=0),
    Field("mass_change_pct", "float", "同比变化", "(mass_t - previous_year_mass_t) / previous_year_mass_t x 100",
          unit="%"),
    # --- provenance of inventory values ----------------------------------------------------
    Field("method", "string", "核算方法", "monitored / reported / calculated / gap_filled",
          nullable=False, isin=METHODS),
    Field("parameter_source", "string", "参数来源", "Whether calculation parameters were measured or defaults",
          isin=PARAMETER_SOURCES),
    Field("missing_parameters", "string", "缺失参数", "The parameters a fuel line lacks for its CO2, ';'-separated "
          "(ncv / carbon_content / oxidation); null when CO2 was computed"),
    Field("factor_set", "string", "因子库版本", "Name and version of the emission-factor set used"),
    Field("factor_ids", "string", "因子编号", "Semicolon-separated factor_id values used"),
    Field("default_parameter_share", "float", "缺省参数占比", "Share of mass_t computed only with default parameters "
          "(library defaults, or values the reporter labels 缺省值)", ge=0, le=1),
    Field("lower_bound_share", "float", "下限值占比", "Share of mass_t that is a lower bound (lines that could not be "
          "computed)", ge=0, le=1),
    Field("has_recalled_factor", "bool", "含待核实因子",
          "True when a factor not confirmed by an official text was used: status 'recalled' (not yet checked) or "
          "'judgement' (chosen by the team where no official figure exists, e.g. coal of unspecified rank)"),
    Field("fuel_line_count", "int", "燃料明细行数", "Number of fuel lines summed", ge=0),
    Field("uncomputed_line_count", "int", "无法核算行数",
          "Fuel lines with neither a measured carbon value nor an applicable default (not summed)", ge=0),
    # --- key emitters ----------------------------------------------------------------------
    Field("is_covered_sector", "bool", "属于覆盖行业",
          "Industry code in the key-emitter sector scope, or a captive power unit (自备电厂) in any industry"),
    Field("sector_code", "string", "覆盖行业", "Key-emitter sector (inventories/rules/sector_scope.csv)",
          isin=("power", "petrochemical", "chemical", "building_materials", "steel", "nonferrous", "paper", "aviation")),
    Field("coverage_basis", "string", "纳入行业依据",
          "industry_code: the enterprise's own industry is covered; captive_power: a power unit in a non-covered "
          "industry (counted as power); power_unit_records: no source gives the industry, but the enterprise files "
          "power-unit 存证 (a power plant by its records)", isin=("industry_code", "captive_power", "power_unit_records")),
    Field("captive_power_evidence", "string", "自备电厂依据",
          "Which records show a power unit: permit 行业类别 naming a power industry, or GHG power-unit 存证 rows"),
    Field("emissions_basis", "string", "排放量口径",
          "direct: co2e_t; direct_plus_indirect: co2e_t + CO2 of purchased electricity and heat "
          "(inventories/rules/key_emitters.yaml)", isin=("direct", "direct_plus_indirect")),
    Field("basis_co2e_t", "float", "判定排放量", "Emissions on the register's basis (emissions_basis)", unit="tCO2e"),
    Field("meets_co2e_threshold", "bool", "排放量达标", "basis_co2e_t >= threshold_co2e_t in this year"),
    Field("meets_energy_threshold", "bool", "能耗达标", "energy_tce >= threshold_energy_tce in this year"),
    Field("is_key_emitter", "bool", "重点排放单位", "On the key-emitter register for this year", nullable=False),
    Field("key_emitter_criterion", "string", "判定依据",
          "Which criterion met the threshold in trigger_year (emissions, energy, or both)",
          isin=("co2e", "energy_tce", "co2e_and_energy_tce")),
    Field("trigger_year", "int", "触发年度", "Latest year of the window whose emissions or energy met a threshold"),
    Field("trigger_basis_co2e_t", "float", "触发年度排放量", "basis_co2e_t of trigger_year", unit="tCO2e"),
    Field("trigger_energy_tce", "float", "触发年度能耗", "energy_tce of trigger_year", unit="tce"),
    Field("threshold_co2e_t", "float", "排放量门槛", "CO2e threshold applied", unit="tCO2e", ge=0),
    Field("threshold_energy_tce", "float", "能耗门槛", "Comprehensive energy threshold applied", unit="tce", ge=0),
    Field("window_years", "int", "判定年数", "Years looked at: the year and the ones before it (任一年)", ge=1),
    Field("is_ghg_reporter", "bool", "已报送温室气体报告", "The enterprise filed GHG fuel lines for this year"),
    Field("ghg_reported_co2_t", "float", "报告燃烧排放", "Combustion CO2 of the enterprise's own GHG report "
          "(evidence; null when it filed none)", unit="tCO2"),
    Field("is_newly_entering", "bool", "新纳入",
          "First year on the register: not a key emitter in the year before (later than the first data year)"),
    Field("years_below_threshold", "int", "连续低于门槛年数",
          "Consecutive years up to this one in which neither threshold was met", ge=0),
    Field("register_status", "string", "名录状态",
          "reporting / missing_from_ghg_reporting / newly_entering / below_threshold (only for a computed value) / "
          "insufficient_data (covered sector, CO2e not computable or only a lower bound below the threshold, and "
          "energy not at the threshold: missing_items says what is lacking) / not_covered_sector",
          nullable=False, isin=REGISTER_STATUSES),
    Field("missing_items", "string", "缺失项", "For insufficient_data: what is lacking to judge the enterprise "
          "(the parameters a fuel line lacks, or that no source gives a fuel or emission figure)"),
    Field("co2_status", "string", "CO2核算状态", "computed / lower_bound (some fuel lines could not be computed: "
          "missing_parameters) / not_computed (a source knows the site or enterprise, but nothing could be valued)",
          isin=("computed", "lower_bound", "not_computed")),
    Field("is_co2_lower_bound", "bool", "CO2是否下限值", "True when the direct CO2 includes a lower-bound value"),
    Field("is_present", "bool", "是否有记录", "The source has records on the enterprise in the year"),
    Field("is_matched", "bool", "是否已匹配", "At least one of those records is matched and counted"),
    Field("matched_record_count", "int", "已匹配记录数", "Records matched and counted", ge=0),
    Field("held_record_count", "int", "待复核记录数", "Records held back for review (not counted)", ge=0),
    Field("source_tables", "string", "来源表", "Core tables the records come from (;-separated)"),
    Field("candidate_species", "string", "候选物种", "Species the source's candidates give (;-separated)"),
    Field("chosen_species", "string", "采用物种", "Species the inventory took from the source (;-separated)"),
    Field("coverage_reason_zh", "string", "未采用原因", "Why the source gives the inventory nothing (empty when it does)"),
    Field("coverage_reason_en", "string", "Reason not used", "Why the source gives the inventory nothing, in English"),
    Field("evidence_zh", "string", "判定说明", "The values, years and sources behind the status, in words"),
    # --- factor library --------------------------------------------------------------------
    Field("factor_id", "string", "因子编号", "Stable id of a factor row", nullable=False),
    Field("technology", "string", "技术/燃烧方式", "Combustion technology, control technology or unit size class the "
          "factor applies to (empty: any)"),
    Field("factor_region", "string", "因子区域", "Region the factor describes: CN, CN-central or a GB/T 2260 province "
          "code (empty: any)"),
    Field("superseded_by", "string", "被替代为", "factor_id that replaces this row; a superseded row is never chosen"),
    Field("value_canonical", "float", "数值(标准单位)", "Factor value converted to unit_canonical on load"),
    Field("unit_canonical", "string", "标准单位", "The unit the methods compute in"),
    Field("parameter", "string", "参数", "What the factor is (ncv, carbon_content, oxidation, ...)", nullable=False),
    Field("value", "float", "数值", "Factor value in `unit`", nullable=False),
    Field("unit", "string", "单位", "Unit of the factor value", nullable=False),
    Field("status", "string", "状态", "verified / recalled / derived / judgement", nullable=False, isin=FACTOR_STATUSES),
    Field("sector", "string", "适用行业", "Sector the factor applies to ('all' for any)", nullable=False),
    Field("guideline", "string", "核算指南", "Guideline or table family the value belongs to", nullable=False),
    Field("source_doc", "string", "来源文件", "Document the value comes from", nullable=False),
    Field("doc_no", "string", "文号", "Document or standard number"),
    Field("clause", "string", "表格或条款", "Table or clause in the source document"),
    Field("data_year", "int", "数据年份", "Year the value describes, where it is year-specific"),
    Field("valid_from", "date", "适用起始", "First date the factor, permit or match applies (empty: no start stated)"),
    Field("valid_to", "date", "适用截止", "Last date the factor, permit or match applies (empty: open)"),
    Field("evidence", "string", "核实依据", "Where the value was seen (reference note section)"),
    # --- permits (排污许可) ------------------------------------------------------------------
    Field("permit_no", "string", "许可证编号", "22-character permit number; characters 1-18 are the USCC (or an H9 code)",
          pattern=r"^([0-9A-HJ-NPQRTUWXY]{18}|H9\d{6}[0-9A-Z]{9}[a-hj-np-z])\d{3}[A-Z]$"),
    Field("industry_name", "string", "行业类别", "Industry as written on the permit (or on a published key-emitter list)"),
    Field("management_category", "string", "管理类别", "Permit management category",
          isin=("重点管理", "简化管理", "登记管理")),
    Field("issue_date", "date", "发证日期", "Date the permit was issued"),
    Field("lon_deg", "float", "经度", "Longitude, decimal degrees (DMS converted)", unit="°", ge=73, le=136),
    Field("lat_deg", "float", "纬度", "Latitude, decimal degrees (DMS converted)", unit="°", ge=3, le=54),
    Field("address", "string", "生产经营场所地址", "Site address"),
    Field("issuing_authority", "string", "发证机关", "Authority that issued the permit"),
    Field("outlet_code", "string", "排放口编号", "Outlet code on the permit (DA001 …)"),
    Field("outlet_name", "string", "排放口名称", "Outlet name"),
    Field("outlet_type", "string", "排放口类型", "Outlet type as written (主要排放口 / 一般排放口 / 全厂合计 …)"),
    Field("emission_scope", "string", "统计范围", "What a row covers: one outlet or a subtotal; subtotals are never "
          "summed with outlet rows", nullable=False,
          isin=("outlet", "unorganised", "main_outlets_total", "general_outlets_total", "unorganised_total",
                "site_total")),
    Field("pollutant", "string", "污染物", "Canonical pollutant (SO2, NOx, PM, VOCs, NH3 …); in the synergy tables also "
          "APeq: SO2 + NOx + PM in pollution equivalents (VOCs have no tax-law equivalent)", nullable=False),
    Field("pollutant_code", "string", "污染物代码", "HJ 524 code as written (A21026 …)"),
    Field("pollutant_name", "string", "污染物名称", "Pollutant name as written"),
    Field("hourly_limit_text", "string", "许可排放小时浓度限值(原文)", "Hourly concentration limit as written (e.g. 1级)"),
    Field("conc_hourly_limit_mg_nm3", "float", "许可排放小时浓度限值", "Hourly concentration limit", unit="mg/Nm3", ge=0),
    Field("conc_daily_limit_mg_nm3", "float", "许可排放日均浓度限值", "Daily mean concentration limit", unit="mg/Nm3", ge=0),
    Field("rate_limit_kg_h", "float", "许可排放速率限值", "Emission-rate limit", unit="kg/h", ge=0),
    Field("stricter_conc_limit_mg_nm3", "float", "承诺更加严格排放浓度限值", "Stricter concentration committed to",
          unit="mg/Nm3", ge=0),
    *(Field(f"limit_year_{i}_t", "float", f"许可年排放量限值第{n}年", f"Annual mass limit, permit year {i}",
            unit="t", ge=0) for i, n in enumerate("一二三四五", start=1)),
    Field("permit_year_index", "int", "许可年序", "第N年 of the permit: N = calendar year - validity start year + 1",
          ge=1, le=5),
    Field("limit_mass_t", "float", "许可年排放量限值", "Annual mass limit for the calendar year", unit="t", ge=0),
    Field("production_unit_id", "string", "生产设施编号", "Production facility or unit as written on the permit"),
    Field("product_name", "string", "产品名称", "Product as written"),
    Field("production_quantity", "float", "产量", "Production in production_unit", ge=0),
    Field("production_unit", "string", "产量单位", "Unit of the production quantity as written"),
    Field("kiln_id", "string", "炉窑编号", "Kiln or furnace number as written"),
    Field("kiln_type", "string", "炉窑类型", "Kiln or furnace type as written"),
    Field("report_type", "string", "报告类型", "Execution-report type as written (年报 / 季报 …)"),
    Field("emission_mass_t", "float", "排放量", "Pollutant mass of the row's pollutant", unit="t", ge=0),
    Field("accounting_method", "string", "核算方法", "How the actual emission was determined",
          isin=("自动监测", "手工监测", "产排污系数", "物料衡算")),
    Field("remark", "string", "备注", "Remark as written"),
    # --- fuel quality, statistics forms ----------------------------------------------------
    Field("sulfur_pct", "float", "含硫量", "Sulfur content of the fuel", unit="%", ge=0, le=10),
    Field("ash_pct", "float", "灰分", "Ash content of the fuel", unit="%", ge=0, le=60),
    Field("volatile_pct", "float", "挥发分", "Volatile matter of the fuel", unit="%", ge=0, le=60),
    Field("org_code", "string", "组织机构代码", "9-character organisation code (GB 11714), = USCC characters 9-17",
          pattern=r"^[0-9A-Z]{8}[0-9X]$"),
    Field("sub_unit_code", "string", "二级单位代码", "Two-digit sub-unit suffix of a 联合企业 organisation code",
          pattern=r"^\d{2}$"),
    Field("former_names", "string", "曾用名", "Former names written in brackets after the current name (;-separated)"),
    Field("operating_hours_h", "float", "运行时间", "Operating hours in the year", unit="h", ge=0, le=8784),
    Field("coal_consumed_t", "float", "煤炭消耗量", "Coal consumed", unit="t", ge=0),
    Field("fuel_coal_consumed_t", "float", "其中燃料煤消耗量", "Coal burnt as fuel (part of coal_consumed_t)",
          unit="t", ge=0),
    Field("coal_sulfur_pct", "float", "燃料煤平均含硫量", "Mean sulfur content of fuel coal", unit="%", ge=0, le=10),
    Field("fuel_oil_consumed_t", "float", "燃料油消耗量", "Fuel oil consumed", unit="t", ge=0),
    Field("natural_gas_10k_nm3", "float", "天然气消耗量", "Natural gas consumed", unit="万Nm3", ge=0),
    Field("boiler_count", "int", "工业锅炉数", "Industrial boilers", unit="台", ge=0),
    Field("boiler_capacity_t_steam_h", "float", "工业锅炉蒸吨数", "Total boiler capacity", unit="蒸吨/小时", ge=0),
    Field("rated_capacity_t_steam_h", "float", "额定出力", "Rated capacity of the boiler", unit="蒸吨/小时", ge=0),
    Field("boiler_id", "string", "锅炉编号", "Boiler or gas-turbine number as written"),
    Field("combustion_mode", "string", "燃烧方式", "Combustion mode as written"),
    *(f for p, zh in (("so2", "二氧化硫"), ("nox", "氮氧化物"), ("pm", "颗粒物")) for f in (
        Field(f"{p}_generated_t", "float", f"{zh}产生量", f"{p.upper()} generated (before treatment)", unit="t", ge=0),
        Field(f"{p}_mass_t", "float", f"{zh}排放量", f"{p.upper()} emitted", unit="t", ge=0),
        Field(f"{p}_removal_pct", "float", f"{'脱硫' if p == 'so2' else '脱硝' if p == 'nox' else '除尘'}效率",
              f"{p.upper()} removal efficiency as reported", unit="%", ge=0, le=100))),
    # --- GHG report extras -----------------------------------------------------------------
    Field("ncv_basis", "string", "低位发热量取值", "As reported: measured (实测) or default (缺省)",
          isin=("measured", "default")),
    Field("carbon_basis", "string", "含碳量取值", "As reported: measured (实测) or default (缺省)",
          isin=("measured", "default")),
    Field("oxidation_basis", "string", "碳氧化率取值", "As reported: measured (实测) or default (缺省)",
          isin=("measured", "default")),
    Field("unit_id", "string", "机组编号", "Generating unit as written"),
    Field("month", "int", "月份", "Calendar month", ge=1, le=12),
    Field("quarter", "int", "季度", "Calendar quarter", ge=1, le=4),
    Field("hydrogen_pct", "float", "氢含量", "As-received hydrogen content", unit="%", ge=0, le=20),
    Field("moisture_pct", "float", "水分", "Total moisture", unit="%", ge=0, le=80),
    Field("purchased_electricity_mwh", "float", "购入使用电量", "Purchased electricity used", unit="MWh", ge=0),
    Field("generation_mwh", "float", "发电量", "Electricity generated", unit="MWh", ge=0),
    Field("supply_mwh", "float", "供电量", "Electricity supplied to the grid", unit="MWh", ge=0),
    Field("heat_supply_gj", "float", "供热量", "Heat supplied", unit="GJ", ge=0),
    Field("load_factor_pct", "float", "负荷(出力)系数", "Load factor", unit="%", ge=0, le=100),
    Field("energy_flow", "string", "电力热力类别", "Purchased or exported electricity or heat", nullable=False,
          isin=("purchased_electricity", "exported_electricity", "purchased_heat", "exported_heat")),
    Field("electricity_mwh", "float", "电量", "Electricity quantity", unit="MWh", ge=0),
    Field("heat_gj", "float", "热量", "Heat quantity", unit="GJ", ge=0),
    Field("reported_factor", "float", "排放因子(填报)", "Emission factor as reported", ge=0),
    Field("reported_factor_unit", "string", "排放因子单位(填报)", "Unit of the reported factor"),
    Field("reported_co2_mass_t", "float", "排放量(填报)", "CO2 as reported by the enterprise", unit="t", ge=0),
    Field("process_name", "string", "工序", "Process as written"),
    Field("material_name", "string", "原料/产品", "Raw material or product as written"),
    Field("activity_quantity", "float", "活动数据", "Activity data in activity_unit", ge=0),
    Field("activity_unit", "string", "活动数据单位", "Unit of the activity data as written"),
    Field("reported_combustion_co2_t", "float", "化石燃料燃烧排放量(填报)", "Reported combustion CO2", unit="t", ge=0),
    Field("reported_process_co2_t", "float", "工业生产过程排放量(填报)", "Reported process CO2", unit="t", ge=0),
    Field("reported_electricity_co2_t", "float", "购入电力排放量(填报)", "Reported indirect CO2 of purchased electricity",
          unit="t", ge=0),
    Field("reported_heat_co2_t", "float", "购入热力排放量(填报)", "Reported indirect CO2 of purchased heat",
          unit="t", ge=0),
    Field("reported_total_co2e_t", "float", "法人边界排放总量(填报)", "Reported legal-boundary total", unit="tCO2e",
          ge=0),
    Field("reported_supplementary_co2e_t", "float", "补充数据表排放总量(填报)", "Reported supplementary-table total",
          unit="tCO2e", ge=0),
    Field("reported_energy_tce", "float", "综合能耗(填报)", "Reported comprehensive energy use", unit="tce", ge=0),
    Field("not_applicable_fields", "string", "不适用项",
          "Fields the source marked not applicable (/, 无, 不适用 …); other empty fields were not reported"),
    # --- quarantine and file log ----------------------------------------------------------
    Field("column_name", "string", "列名", "Header of the column the problem was found in, as written in the file "
          "(reason_en adds the internal field)"),
    Field("raw_value", "string", "原始值", "Value as it stood in the file"),
    Field("reason_zh", "string", "原因", "Why the row was rejected, in Chinese", nullable=False),
    Field("reason_en", "string", "Reason", "Why the row was rejected, in English", nullable=False),
    Field("raw_record", "string", "原始记录", "The whole raw row as JSON", nullable=False),
    Field("target_table", "string", "目标表", "Core table the row was meant for", nullable=False),
    Field("file_status", "string", "文件状态", "ingested / duplicate / unrecognised (layout, type or text encoding not "
          "recognised) / missing_columns / unreadable (permissions, I/O errors, a broken file) / skipped (hidden name, "
          "Office lock file ~$, symlink, not a regular file: never read) / too_large (beyond a read limit, named in the "
          "message) / outlet_map (a CEMS 监测点位对照表)",
          nullable=False, isin=("ingested", "duplicate", "unrecognised", "missing_columns", "unreadable", "skipped",
                                "too_large", "outlet_map")),
    Field("received_at", "datetime", "接收时间", "When the file was dropped (file modification time); later wins"),
    Field("sheets_read", "string", "读取的工作表", "sheet→raw table for every sheet read"),
    Field("rows_superseded", "int", "被更正行数", "Accepted rows replaced by a later re-submission", ge=0),
    Field("submission_key", "string", "报送主体", "Enterprise or permit, year (and month) a re-submission replaces"),
    Field("superseded_by_file", "string", "更正文件", "Later file that replaced this row"),
    Field("record_json", "string", "记录", "The typed row as JSON", nullable=False),
    Field("duplicate_of", "string", "重复于", "For a duplicate file, the file first ingested with the same SHA-256"),
    Field("rows_read", "int", "读取行数", "Data rows read from the file", ge=0),
    Field("rows_accepted", "int", "接收行数", "Rows that reached a core table", ge=0),
    Field("rows_rejected", "int", "拒收行数", "Rows quarantined in core_qa__rejected_rows", ge=0),
    Field("message", "string", "说明", "Human-readable note"),
    # --- entities and matching --------------------------------------------------------------
    Field("facility_id", "string", "设施编号", "Site id: the permit number, `<USCC>-E` for an enterprise with no "
          "permit number on file, or an analyst's id for a curated split"),
    Field("facility_kind", "string", "设施类型", "permit_site (in the permit list) / permit_unlisted (number seen "
          "elsewhere) / enterprise_site (no permit on file) / curated_site", nullable=False,
          isin=("permit_site", "permit_unlisted", "enterprise_site", "curated_site")),
    Field("facility_name", "string", "设施(场所)名称", "Site name: the permit list's 单位名称, else the enterprise name"),
    Field("is_branch", "bool", "是否分支机构", "Name is a branch or plant (分公司/分厂/电厂): matched as a site, not the parent"),
    Field("registration_region_code", "string", "登记管理机关行政区划码", "USCC characters 3-8 (GB 32100)",
          pattern=r"^\d{6}$"),
    Field("facility_count", "int", "设施数", "Sites counted in the row (of the enterprise, or with a value in the "
          "region and sector)", ge=0),
    Field("enterprise_count", "int", "企业数", "Legal persons (USCC) with a value in the row", ge=0),
    Field("record_count", "int", "记录数", "Source records counted", ge=0),
    Field("source_systems", "string", "来源系统", "Source systems that name the entity or give the values (;-separated)"),
    Field("first_year", "int", "首次出现年份", "First reporting year seen", ge=1990, le=2100),
    Field("last_year", "int", "最近出现年份", "Last reporting year seen", ge=1990, le=2100),
    Field("record_year", "int", "记录年份", "Reporting year of the record (empty for undated rows such as the permit "
          "list and limits)", ge=1990, le=2100),
    Field("source_table", "string", "来源表", "Core table of the source record", nullable=False),
    Field("identity_key", "string", "记录标识", "Id of an identity as written (codes, name, region); the key "
          "analysts use in curation/matches.csv", pattern=r"^I[0-9a-f]{11}$"),
    Field("record_grain", "string", "记录粒度", "facility (a site row) or enterprise (a legal-person row)",
          nullable=False, isin=("facility", "enterprise")),
    Field("match_method", "string", "匹配方式", "permit_no / uscc_site / org_code / name_region / curated",
          isin=("permit_no", "uscc_site", "org_code", "name_region", "curated")),
    Field("match_score", "float", "匹配得分", "1 for identifiers and curation; 0.90-1.00 for a name match "
          "(+0.05 same county, +0.05 same industry)", ge=0, le=1),
    Field("match_status", "string", "匹配状态", "matched / ambiguous (several candidates) / unmatched",
          nullable=False, isin=("matched", "ambiguous", "unmatched")),
    Field("conflict_kind", "string", "冲突类型", "Guard that fired: site_two_enterprises / ambiguous_match / "
          "ghg_sites_partly_matched", isin=("site_two_enterprises", "ambiguous_match", "ghg_sites_partly_matched")),
    Field("is_countable", "bool", "计入汇总", "Matched without conflict: may be summed; false keeps the record out "
          "of sums until an analyst resolves it", nullable=False),
    Field("curated_by", "string", "人工决定", "Who decided and why, for records an analyst's decision touched"),
    Field("match_reason_zh", "string", "未匹配原因", "Why the record is not matched, in Chinese"),
    Field("match_reason_en", "string", "Reason not matched", "Why the record is not matched, in English"),
    Field("candidate_ids", "string", "候选实体", "Candidate facility ids or USCCs (;-separated)"),
    Field("alias_kind", "string", "别名类型", "name / former_name / site_name / org_code", nullable=False,
          isin=("name", "former_name", "site_name", "org_code")),
    Field("alias", "string", "名称或代码", "A name or code the entity was written with", nullable=False),
    Field("name_key", "string", "名称比对键", "Name reduced for comparison: NFKC, no brackets, legal form, province "
          "or city prefix; typos repaired"),
    Field("name_flags", "string", "名称瑕疵", "Dirt repaired in this spelling: mixed_brackets, typo (;-separated)"),
    Field("review_kind", "string", "复核类型", "ambiguous / near_match / no_region", nullable=False,
          isin=("ambiguous", "near_match", "no_region")),
    Field("candidate_facility_id", "string", "候选设施编号", "Candidate site for the analyst to confirm"),
    Field("candidate_uscc", "string", "候选统一社会信用代码", "Candidate enterprise for the analyst to confirm"),
    Field("candidate_name", "string", "候选名称", "Name of the candidate"),
    Field("curation_line", "string", "决定模板", "A line to paste into curation/matches.csv (fill in who and why)"),
    Field("detail_zh", "string", "说明", "What the finding means, in Chinese", nullable=False),
    Field("detail_en", "string", "Detail", "What the finding means, in English", nullable=False),
    Field("record_share", "float", "占比", "Share of the source system's records in that year", ge=0, le=1),
    Field("curation_action", "string", "操作", "confirm / reject / split"),
    Field("decided_by", "string", "决定人", "Analyst who made the decision"),
    Field("decision_reason", "string", "理由", "Why the analyst decided so"),
    Field("decided_on", "string", "日期", "Date of the decision as written"),
    Field("curation_status", "string", "处理状态", "applied / stale (what the line refers to is not in this build, or "
          "its data changed since the decision) / invalid",
          nullable=False, isin=("applied", "stale", "invalid")),
    Field("message_zh", "string", "说明(中文)", "Message in Chinese"),
    Field("message_en", "string", "Message", "Message in English"),
    # --- cross-checks (交叉校核): findings of the rule catalogue and the analysts' explanations ---------
    Field("finding_id", "string", "问题编号", "Stable id of a finding: F + 12 hex digits of the rule and what it is about "
          "(site, enterprise, year, subject); a rebuild gives the same finding the same id", nullable=False,
          pattern=r"^F[0-9a-f]{12}$"),
    Field("rule_id", "string", "规则编号", "Id of the cross-check rule in inventories/rules/crosscheck.yaml",
          nullable=False),
    Field("rule_group", "string", "规则类别", "coverage / activity / implied_co2 / parameters / permit_compliance / "
          "coherence / year_over_year", nullable=False,
          isin=("coverage", "activity", "implied_co2", "parameters", "permit_compliance", "coherence", "year_over_year")),
    Field("rule_title_zh", "string", "规则名称", "Title of the rule in Chinese", nullable=False),
    Field("severity", "string", "严重程度", "error (data wrong or a duty not met: act) / warn (look at it) / info",
          nullable=False, isin=("error", "warn", "info")),
    Field("subject", "string", "核对对象", "What within the site or enterprise-year the finding is about: a fuel, "
          "pollutant, parameter, unit or permit number"),
    Field("compliance_level", "string", "比对层级", "For permit compliance (permit_limit_exceeded): the level the actual "
          "and the permitted annual mass were compared at: outlet (one outlet, DA001 …), main_outlets_total "
          "(主要排放口合计) or site_total (全厂); empty for other rules",
          isin=("outlet", "main_outlets_total", "site_total")),
    Field("compared_quantity", "string", "比较量", "The quantity compared, as a column name with its unit "
          "(fuel_consumed_units, energy_tce, co2_mass_t, so2_mass_t, carbon_content_tc_per_gj, ...)", nullable=False),
    Field("value_unit", "string", "计量单位", "Unit of value_a and value_b"),
    Field("value_a", "float", "比较值A", "The value under test (unit in value_unit)"),
    Field("source_a", "string", "来源A", "Where value_a comes from: a source system, the fused inventory, the factor "
          "library or the rule", isin=COMPARED_SOURCES),
    Field("value_b", "float", "比较值B", "The value value_a is compared with (another system, a default, a limit, "
          "a peer median or a threshold)"),
    Field("source_b", "string", "来源B", "Where value_b comes from", isin=COMPARED_SOURCES),
    Field("value_difference", "float", "差值", "value_a - value_b"),
    Field("value_ratio", "float", "比值", "value_a / value_b (empty when value_b is 0 or missing)"),
    Field("tolerance", "float", "容差", "The catalogue tolerance the values broke, in the rule's terms (see "
          "tolerance_text)"),
    Field("tolerance_text", "string", "容差说明", "The tolerance in words, e.g. 相对差 ≤ 5 % / relative difference ≤ 5 %"),
    Field("evidence_hash", "string", "证据指纹", "Fingerprint of the compared values (16 hex digits): an analyst's "
          "explanation holds while it is unchanged", nullable=False, pattern=r"^[0-9a-f]{16}$"),
    Field("finding_status", "string", "核查状态", "open / explained (an analyst's explanation in curation/findings.csv "
          "holds for this data) / confirmed (an analyst confirmed the problem)", nullable=False,
          isin=("open", "explained", "confirmed")),
    Field("finding_action", "string", "处理决定", "explain (the data are right, with why) / confirm (a real problem)",
          isin=("explain", "confirm")),
    # --- published key-emitter lists (重点排放单位名录) and the comparison with the computed register -----
    Field("list_period", "string", "名录年度", "Period of the published key-emitter list, as the list names it: a year "
          "or a span of years (2019-2020, 2025); from a column, else the title row or the file name", nullable=False,
          pattern=r"^\d{4}(-\d{4})?$"),
    Field("sequence_no", "int", "序号", "Sequence number on the published list", ge=1),
    Field("province_name", "string", "省份", "Province as written on the published list"),
    Field("city_name", "string", "所在地市", "Prefecture as written in the source file (published list, city file)"),
    Field("listed_industry_code", "string", "名录行业代码", "GB/T 4754 code as the list gives it, at any level: a "
          "2-digit division (44 电力、热力生产和供应业) up to a 4-digit class (3011 水泥制造)", pattern=r"^\d{2,4}$"),
    Field("list_periods", "string", "所在名录年度", "Published list periods naming the USCC (;-joined); empty: on none"),
    Field("is_on_published_list", "bool", "在公布名录中", "The USCC is on at least one published list in the inbox",
          nullable=False),
    Field("is_computed_key_emitter", "bool", "核算为重点排放单位",
          "The computed register (out_key_emitters__register) flags the USCC as a key emitter in at least one year",
          nullable=False),
    Field("computed_key_years", "string", "核算达标年度", "Years the computed register flags the USCC (;-joined)"),
    Field("latest_register_year", "int", "核算最近年度", "Latest year of the computed register for the USCC (empty: "
          "not in the computed register)", ge=2000, le=2100),
    Field("latest_register_status", "string", "核算最近名录状态", "register_status of latest_register_year (empty: not "
          "in the computed register)", isin=REGISTER_STATUSES),
    Field("comparison", "string", "比对结果", "on_both: listed and computed; only_published: listed, but the computed "
          "register is below the threshold or has no data; only_computed: computed key emitter not on any list",
          nullable=False, isin=("on_both", "only_published", "only_computed")),
    Field("comparison_zh", "string", "比对结果(中文)", "comparison in Chinese", nullable=False,
          isin=("名录与核算一致", "仅在公布名录 (核算未达门槛或无数据)", "仅核算达标 (未在公布名录)")),
    Field("published_name_variants", "string", "名录名称写法", "Distinct names the published lists give the USCC "
          "(;-joined): a dirty or changed name shows here, it never makes a second enterprise"),
    # --- pollution-carbon synergy (协同度, inventories/synergy.py) and the city index (协同指数) -------------------
    Field("previous_year", "int", "对比年度", "The year compared with (year - 1)", nullable=False, ge=2000, le=2100),
    Field("amount_unit", "string", "计量单位", "t for a pollutant's mass; pollution_eq (污染当量) for APeq",
          nullable=False, isin=("t", "pollution_eq")),
    Field("pollutant_amount", "float", "污染物排放量", "Pollutant mass (t) or APeq (pollution equivalents) in the year; "
          "see amount_unit", ge=0),
    Field("previous_pollutant_amount", "float", "上年污染物排放量", "pollutant_amount in previous_year", ge=0),
    Field("pollutant_change_pct", "float", "污染物同比变化", "(pollutant_amount - previous) / previous x 100", unit="%"),
    Field("previous_co2_combustion_t", "float", "上年燃烧二氧化碳", "co2_combustion_t in previous_year", unit="t", ge=0),
    Field("co2_change_pct", "float", "二氧化碳同比变化", "(co2_combustion_t - previous) / previous x 100: combustion CO2, "
          "like the pollutants (process CO2 may be reported in one year only)", unit="%"),
    Field("els", "float", "协同减排弹性Els", "Cross-elasticity (ΔE_p/E_p) / (ΔE_CO2/E_CO2) with combustion CO2, previous "
          "year as base "
          "(docs/methods.md, V-S); empty where CO2 did not change or a base is missing"),
    Field("els_reading", "string", "弹性判读", "Reading of Els from the signs and size of the two changes: "
          + " / ".join(ELS_READING_ZH), nullable=False, isin=tuple(ELS_READING_ZH)),
    Field("els_reading_zh", "string", "弹性判读(中文)", "els_reading in Chinese", nullable=False,
          isin=tuple(ELS_READING_ZH.values())),
    Field("quadrant", "int", "协同控制坐标系象限", "Quadrant on the co-control coordinate system, x = pollutant "
          "reduction %, y = CO2 reduction % (I co-benefit, II carbon down / pollutant up, III both up, IV pollutant "
          "down / carbon up); empty on an axis or without a base", ge=1, le=4),
    Field("quadrant_zh", "string", "象限说明", "quadrant in words (empty: on an axis or no base)",
          isin=tuple(QUADRANT_ZH.values())),
    Field("output_product", "string", "产出口径", "Output the decoupling uses: the one product (with unit) of the "
          "execution reports in both years, or generation_mwh of the power units; empty: not known or not comparable"),
    Field("output_quantity", "float", "产出量", "Output of output_product in the year", ge=0),
    Field("previous_output_quantity", "float", "上年产出量", "Output of output_product in previous_year", ge=0),
    Field("output_change_pct", "float", "产出同比变化", "(output - previous) / previous x 100", unit="%"),
    *(Field(f"{q}_decoupling_index", "float", f"{zh}脱钩指数",
            f"Tapio decoupling elasticity D = %Δ{en} / %Δoutput")
      for q, zh, en in (("pollutant", "污染物", "pollutant"), ("co2", "二氧化碳", "combustion CO2"))),
    *(Field(f"{q}_decoupling_state", "string", f"{zh}脱钩状态", f"Tapio state of {en} against output (8 states, "
            "thresholds 0.8 and 1.2; empty where output is unknown or unchanged)", isin=tuple(DECOUPLING_STATE_ZH))
      for q, zh, en in (("pollutant", "污染物", "the pollutant"), ("co2", "二氧化碳", "CO2"))),
    *(Field(f"{q}_decoupling_state_zh", "string", f"{zh}脱钩状态(中文)", f"{q}_decoupling_state in Chinese",
            isin=tuple(DECOUPLING_STATE_ZH.values())) for q, zh in (("pollutant", "污染物"), ("co2", "二氧化碳"))),
    Field("is_complete_both_years", "bool", "两年数据完整", "CO2 and SO2/NOx/PM complete in both years",
          nullable=False),
    *(Field(f"{r}_enterprise_count", "int", f"{zh}企业数", f"Enterprises of the row whose own reading is {en}", ge=0)
      for r, zh, en in (("co_reduction", "协同减排", "co-reduction"), ("trade_off", "此消彼长", "a trade-off"),
                        ("co_increase", "协同增排", "co-increase"))),
    # city index
    Field("indicator_id", "string", "指标代码", "Indicator of the index tree (inventories/synergy_index/)",
          nullable=False, pattern=r"^[a-z][a-z0-9_]*$"),
    Field("parent_indicator_id", "string", "上级指标代码", "Parent in the index tree (empty: the index itself)",
          pattern=r"^[a-z][a-z0-9_]*$"),
    Field("indicator_level", "int", "指标层级", "0 the index, 1 方面, 2 一级指标, 3 leaf indicators", nullable=False,
          ge=0, le=9),
    Field("indicator_name", "string", "指标名称", "Indicator name in Chinese", nullable=False),
    Field("weight", "float", "权重", "Weight in the whole index (children of a node add up to its weight)",
          nullable=False, ge=0, le=1),
    Field("weight_basis", "string", "权重依据", "Where the weight comes from (published, the issue brief, or a "
          "placeholder equal split pending 附件2)", nullable=False),
    Field("direction", "string", "指标方向", "positive (higher is better) / negative (lower is better); empty for "
          "nodes", isin=("positive", "negative")),
    Field("indicator_source", "string", "数据来源", "inventory (computed here) / city_file (城市指标 file) / "
          "tree (a node scored from its children)", nullable=False, isin=("inventory", "city_file", "tree")),
    Field("indicator_unit", "string", "指标单位", "Unit of indicator_value"),
    Field("indicator_value", "float", "指标值", "Raw value of a leaf indicator (empty for nodes or when missing)"),
    Field("score", "float", "得分", "Leaf: normalised score (0-100 over the bounds year's cities, not clipped); node: "
          "weighted mean of the children that have a score (renormalised to their weight)"),
    Field("weight_coverage_pct", "float", "权重覆盖率", "Share of the node's weight whose leaves have a score",
          unit="%", ge=0, le=100),
    Field("missing_indicators", "string", "缺失指标", "Leaves under the node without a score (;-joined), with why"),
    Field("bounds_year", "int", "标准化基准年", "Year whose cities give a leaf's normalisation bounds (the base year, or "
          "the first year with values for a change indicator)", ge=2000, le=2100),
    Field("base_year", "int", "基准年", "Base year of the index (inventories/rules/synergy_index.yaml)", ge=2000,
          le=2100),
    Field("base_year_score", "float", "基准年得分", "score of the same city and indicator in base_year"),
    Field("score_change_pct", "float", "较基准年变化", "(score - base_year_score) / base_year_score x 100", unit="%"),
    Field("city_rank", "int", "城市排名", "Rank among the cities with a score for the indicator and year (1 = best)",
          ge=1),
    Field("normalisation", "string", "标准化方法", "baseline_minmax or baseline_ratio (inventories/rules/"
          "synergy_index.yaml)", nullable=False, isin=("baseline_minmax", "baseline_ratio")),
    # city-indicator file (城市指标, inbox/city/)
    Field("data_source_note", "string", "数据来源说明", "Source the city file names for the value (统计年鉴, 环境状况公报 ...)"),
    # online monitoring (CEMS, HJ 212 hourly data, inbox/cems/)
    Field("mn", "string", "数采仪编号MN", "Data logger id (MN) of the HJ 212 records; the outlet map ties it to a "
          "permit outlet", nullable=False),
    Field("city_source", "string", "地市来源", "permit_list (the permit list's city) / permit_no_uscc (the "
          "registration region inside the permit number's USCC)", isin=("permit_list", "permit_no_uscc")),
    Field("layout", "string", "文件格式", "wide (one row per outlet-hour) / long (one row per outlet, hour and code)",
          isin=("wide", "long")),
    Field("years", "string", "数据年度", "Data years of the file's accepted rows (comma-separated)"),
    Field("gap_start", "datetime", "缺失起始小时", "First hour of a run of invalid or missing hours", nullable=False),
    Field("gap_hours", "int", "缺失小时数", "Hours in the run (stopped hours end a run)", nullable=False, ge=1),
    Field("capture_rate_pct", "float", "季度有效数据捕集率", "Quarter of the gap's first hour: valid hours / (quarter "
          "hours - stopped hours) x 100 (HJ 75-2017 α)", unit="%", ge=0, le=100),
    Field("substitution_rule_version", "string", "缺失数据替代规则版本", "cems_substitution_rule_version: hj75_2017 "
          "(logic verified in code, text recalled) or hj_t75_2007_recalled", nullable=False,
          isin=("hj75_2017", "hj_t75_2007_recalled")),
    Field("substitution_rule_status", "string", "替代规则状态", "verified_code_logic / recalled (docs/methods.md, "
          "CEMS hourly data)",
          isin=("verified_code_logic", "recalled")),
    Field("substitution", "string", "替代方式", "max_180h / max_720h / max_2160h (maximum of the previous N valid "
          "hours), mean_before_after, none_capture_below_75 (nothing substituted), no_history (no valid hour to use)",
          nullable=False, isin=("max_180h", "max_720h", "max_2160h", "mean_before_after", "none_capture_below_75",
                                "no_history")),
    Field("window_hours", "int", "替代取值窗口", "Valid hours the substitute was taken from", unit="h", ge=1),
    Field("substitute_kg_per_h", "float", "替代小时排放量", "Hourly mass used for every hour of the gap", unit="kg/h",
          ge=0),
    Field("month_hours", "int", "当月小时数", "Calendar hours of the month", unit="h", ge=0),
    Field("record_hours", "int", "有记录小时数", "Hours with an hourly record", unit="h", ge=0),
    Field("valid_hours", "int", "有效小时数", "Hours with a valid flag, valid flow and a known mass", unit="h", ge=0),
    Field("stopped_hours", "int", "停运小时数", "Hours flagged F (停运): no emission, outside the valid-data rate",
          unit="h", ge=0),
    Field("invalid_hours", "int", "无效小时数", "Recorded hours that are neither valid nor stopped (M, S, D, C, T, B, "
          "or no mass)", unit="h", ge=0),
    Field("missing_hours", "int", "缺失小时数", "Hours without any record", unit="h", ge=0),
    Field("substituted_hours", "int", "已替代小时数", "Invalid or missing hours given a substitute", unit="h", ge=0),
    Field("unsubstituted_hours", "int", "未替代小时数", "Invalid or missing hours left without a substitute (capture "
          "rate below 75 % or no history): the mass is a lower bound", unit="h", ge=0),
    Field("valid_data_rate_pct", "float", "有效数据率", "valid hours / (calendar hours - stopped hours) x 100",
          unit="%", ge=0, le=100),
    Field("required_valid_rate_pct", "float", "要求有效数据率", "Required rate (inventories/rules/cems.yaml, with its "
          "source and status)", unit="%", ge=0, le=100),
    Field("is_below_required_rate", "bool", "低于要求有效数据率", "valid_data_rate_pct below required_valid_rate_pct",
          nullable=False),
    Field("months_below_required_rate", "int", "低于要求的月数", "Months of the year below the required rate", ge=0,
          le=12),
    Field("valid_mass_kg", "float", "有效小时排放量", "Sum of the valid hours' mass", unit="kg", ge=0),
    Field("substituted_mass_kg", "float", "替代排放量", "Sum of the substitutes", unit="kg", ge=0),
    Field("mass_kg", "float", "排放量", "valid_mass_kg + substituted_mass_kg", unit="kg", ge=0),
    Field("valid_mass_t", "float", "有效小时排放量", "Sum of the valid hours' mass", unit="t", ge=0),
    Field("substituted_mass_t", "float", "替代排放量", "Sum of the substitutes", unit="t", ge=0),
]

FIELDS: dict[str, Field] = {f.name: f for f in _FIELDS}
assert len(FIELDS) == len(_FIELDS), "duplicate field name in schemas.fields"
