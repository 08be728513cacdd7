"""Published tables: grain, key, bilingual description and the ordered list of fields.

Raw tables (`raw_*`) are all-text copies of the files and are not listed here; every core and out
table is, and nothing is published that is not.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.fields import FIELDS, Field


@dataclass(frozen=True)
class Table:
    """A published table: its name, meaning, grain and columns in order."""

    name: str
    zh: str
    en: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...] = ()

    @property
    def fields(self) -> list[Field]:
        return [FIELDS[c] for c in self.columns]


_ROW_PROVENANCE = ("source_file", "sheet_name", "row_number", "file_sha256")

_TABLES = [
    Table(
        "core_qa__ingested_files",
        "入库文件登记",
        "One row per inbox file seen: its hash, encoding, status and row accounting "
        "(rows_read = rows_accepted + rows_rejected).",
        ("source_system", "source_file", "file_sha256", "source_encoding", "file_status", "duplicate_of",
         "rows_read", "rows_accepted", "rows_rejected", "message"),
        ("source_file",),
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
        "core_ghg__fuel_lines",
        "温室气体报告-化石燃料燃烧明细",
        "Fossil-fuel lines of enterprise GHG reports, typed and in canonical units; parameters are as "
        "reported (null where the report left them blank).",
        ("uscc", "enterprise_name", "industry_code", "region_code", "year", "emission_source_name",
         "fuel_code", "fuel_name", "fuel_unit_code", "fuel_consumed_units", "ncv_gj_per_unit",
         "carbon_content_tc_per_gj", "carbon_mass_fraction_pct", "oxidation_fraction", *_ROW_PROVENANCE),
        ("file_sha256", "sheet_name", "row_number"),
    ),
    Table(
        "core_inventory__factors",
        "排放因子库(本次使用)",
        "The emission-factor set the build used, one factor per row with source and status.",
        ("factor_set", "factor_id", "parameter", "fuel_code", "sector", "guideline", "value", "unit",
         "source_doc", "doc_no", "clause", "data_year", "valid_from", "valid_to", "status", "evidence"),
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
         "has_recalled_factor"),
        ("source_record",),
    ),
    Table(
        "out_inventory__yearly_enterprise",
        "企业年度排放清单",
        "Combustion CO2 per enterprise (USCC) and year from the GHG reports, with provenance.",
        ("uscc", "enterprise_name", "industry_code", "region_code", "city_code", "year", "co2_mass_t",
         "co2e_mass_t", "gwp_set", "heat_input_gj", "energy_tce", "fuel_line_count", "uncomputed_line_count", "method",
         "parameter_source", "source_system", "factor_set", "factor_ids", "has_recalled_factor"),
        ("uscc", "year"),
    ),
    Table(
        "out_key_emitters__register",
        "重点排放单位名录",
        "Key-emitter register per enterprise and year: covered sector and CO2e at or above the threshold "
        "in the year or the year before (methods-factors §5).",
        ("uscc", "enterprise_name", "industry_code", "city_code", "year", "co2_mass_t", "co2e_mass_t",
         "gwp_set", "is_covered_sector", "is_key_emitter", "key_emitter_criterion", "trigger_year",
         "threshold_co2e_t", "factor_set", "has_recalled_factor"),
        ("uscc", "year"),
    ),
]

TABLES: dict[str, Table] = {t.name: t for t in _TABLES}

for _t in _TABLES:
    assert len(_t.name) <= 63, f"{_t.name}: DuckDB identifiers are limited to 63 characters"
    assert set(_t.primary_key) <= set(_t.columns), f"{_t.name}: key column missing"
