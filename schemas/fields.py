"""Every column the project publishes, defined once: type, unit, zh/en description, constraints.

Tables in `schemas.tables` list field names only; pandera models, DuckDB DDL with COMMENTs and the
data dictionary are generated from here, so a column means the same thing in every table.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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

SOURCE_SYSTEMS = ("permit", "envstat", "ghg", "cems")
METHODS = ("monitored", "reported", "calculated", "gap_filled")
FACTOR_STATUSES = ("verified", "recalled", "derived")
PARAMETER_SOURCES = ("measured", "default", "mixed")

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
    Field("uscc", "string", "统一社会信用代码", "Unified social credit code (GB 32100), 18 characters",
          nullable=False, pattern=USCC_PATTERN),
    Field("enterprise_name", "string", "单位名称", "Enterprise name as reported (NFKC-normalised)",
          nullable=False),
    Field("industry_code", "string", "行业代码", "GB/T 4754-2017 4-digit industry code", pattern=r"^\d{4}$"),
    Field("region_code", "string", "行政区划代码", "GB/T 2260 6-digit region code", pattern=r"^\d{6}$"),
    Field("city_code", "string", "所在地市代码", "GB/T 2260 prefecture code (济源 419001)", pattern=r"^\d{6}$"),
    Field("year", "int", "年度", "Reporting (data) year", nullable=False, ge=2000, le=2100),
    Field("emission_source_name", "string", "排放设施", "Unit, boiler or production line the fuel line belongs to"),
    # --- fuel lines ------------------------------------------------------------------------
    Field("fuel_code", "string", "燃料代码", "Canonical fuel code of the factor library (empty: any fuel)"),
    Field("fuel_name", "string", "燃料品种", "Fuel name as reported", nullable=False),
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
    Field("co2e_mass_t", "float", "二氧化碳当量", "CO2-equivalent mass with the GWP set named in gwp_set",
          unit="tCO2e", ge=0),
    Field("gwp_set", "string", "GWP版本", "Global-warming-potential set used for CO2e",
          isin=("SAR", "AR4", "AR5", "AR6")),
    # --- provenance of inventory values ----------------------------------------------------
    Field("method", "string", "核算方法", "monitored / reported / calculated / gap_filled",
          nullable=False, isin=METHODS),
    Field("parameter_source", "string", "参数来源", "Whether calculation parameters were measured or defaults",
          isin=PARAMETER_SOURCES),
    Field("factor_set", "string", "因子库版本", "Name and version of the emission-factor set used"),
    Field("factor_ids", "string", "因子编号", "Semicolon-separated factor_id values used"),
    Field("has_recalled_factor", "bool", "含待核实因子",
          "True when a factor with status 'recalled' (not yet checked against the official text) was used"),
    Field("fuel_line_count", "int", "燃料明细行数", "Number of fuel lines summed", ge=0),
    Field("uncomputed_line_count", "int", "无法核算行数",
          "Fuel lines with neither a measured carbon value nor an applicable default (not summed)", ge=0),
    # --- key emitters ----------------------------------------------------------------------
    Field("is_covered_sector", "bool", "属于覆盖行业", "Industry code in the key-emitter sector scope"),
    Field("is_key_emitter", "bool", "重点排放单位", "On the key-emitter register for this year", nullable=False),
    Field("key_emitter_criterion", "string", "判定依据", "Which criterion put the enterprise on the register"),
    Field("trigger_year", "int", "触发年度", "Year whose emissions met the threshold"),
    Field("threshold_co2e_t", "float", "排放量门槛", "CO2e threshold applied", unit="tCO2e", ge=0),
    # --- factor library --------------------------------------------------------------------
    Field("factor_id", "string", "因子编号", "Stable id of a factor row", nullable=False),
    Field("parameter", "string", "参数", "What the factor is (ncv, carbon_content, oxidation, ...)", nullable=False),
    Field("value", "float", "数值", "Factor value in `unit`", nullable=False),
    Field("unit", "string", "单位", "Unit of the factor value", nullable=False),
    Field("status", "string", "状态", "verified / recalled / derived", nullable=False, isin=FACTOR_STATUSES),
    Field("sector", "string", "适用行业", "Sector the factor applies to ('all' for any)", nullable=False),
    Field("guideline", "string", "核算指南", "Guideline or table family the value belongs to", nullable=False),
    Field("source_doc", "string", "来源文件", "Document the value comes from", nullable=False),
    Field("doc_no", "string", "文号", "Document or standard number"),
    Field("clause", "string", "表格或条款", "Table or clause in the source document"),
    Field("data_year", "int", "数据年份", "Year the value describes, where it is year-specific"),
    Field("valid_from", "date", "适用起始", "First date the value applies to (empty: no start stated)"),
    Field("valid_to", "date", "适用截止", "Last date the value applies to (empty: open)"),
    Field("evidence", "string", "核实依据", "Where the value was seen (reference note section)"),
    # --- quarantine and file log ----------------------------------------------------------
    Field("column_name", "string", "列", "Column the problem was found in"),
    Field("raw_value", "string", "原始值", "Value as it stood in the file"),
    Field("reason_zh", "string", "原因", "Why the row was rejected, in Chinese", nullable=False),
    Field("reason_en", "string", "Reason", "Why the row was rejected, in English", nullable=False),
    Field("raw_record", "string", "原始记录", "The whole raw row as JSON", nullable=False),
    Field("target_table", "string", "目标表", "Core table the row was meant for", nullable=False),
    Field("file_status", "string", "文件状态", "ingested / duplicate / unrecognised / unreadable",
          nullable=False, isin=("ingested", "duplicate", "unrecognised", "unreadable")),
    Field("duplicate_of", "string", "重复于", "For a duplicate file, the file first ingested with the same SHA-256"),
    Field("rows_read", "int", "读取行数", "Data rows read from the file", ge=0),
    Field("rows_accepted", "int", "接收行数", "Rows that reached a core table", ge=0),
    Field("rows_rejected", "int", "拒收行数", "Rows quarantined in core_qa__rejected_rows", ge=0),
    Field("message", "string", "说明", "Human-readable note"),
]

FIELDS: dict[str, Field] = {f.name: f for f in _FIELDS}
assert len(FIELDS) == len(_FIELDS), "duplicate field name in schemas.fields"
