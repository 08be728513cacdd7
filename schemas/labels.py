"""Chinese labels of the coded values a person reads in a workbook: one mapping per column, defined once.

The warehouse, the CSV and the Parquet files keep the codes (`warn`, `combustion`, `true`): they are what programs
and queries compare. A workbook shows a bureau user the label instead (警告, 化石燃料燃烧, 是) and lists the codes in
each header's note. The labels translate the project's own codes (their meaning is the field's description in
schemas.fields); names that come from reference data (regions, industries, sectors) are read from
inventories/reference and inventories/rules by the exports, not repeated here. A value without a label (a code added
later) is shown as stored, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from schemas.fields import COMPARED_SOURCES, DECOUPLING_STATE_ZH, ELS_READING_ZH, FIELDS
from schemas.sources import SOURCE_SYSTEM_ZH

BOOL_ZH = {True: "是", False: "否"}
METHOD_ZH = {"monitored": "监测", "reported": "填报", "calculated": "核算", "gap_filled": "补充"}
SPECIES_ZH = {"CO2": "二氧化碳", "CH4": "甲烷", "N2O": "氧化亚氮", "SO2": "二氧化硫", "NOx": "氮氧化物", "PM": "颗粒物",
              "VOCs": "挥发性有机物"}
# APeq: SO2 + NOx + PM in pollution equivalents of the Environmental Protection Tax Law table (inventories/synergy.py)
POLLUTANT_ZH = {**SPECIES_ZH, "APeq": "大气污染物当量(二氧化硫+氮氧化物+颗粒物)"}
STATUS_ZH = {"reporting": "已报告", "missing_from_ghg_reporting": "未报告温室气体排放", "newly_entering": "新纳入",
             "below_threshold": "低于门槛", "insufficient_data": "数据不足无法判定", "not_covered_sector": "非覆盖行业"}
CRITERION_ZH = {"co2e": "排放量", "energy_tce": "综合能耗", "co2e_and_energy_tce": "排放量及综合能耗"}
BASIS_ZH = {"direct": "直接排放", "direct_plus_indirect": "直接排放+外购电力热力间接排放"}
SECTOR_SCHEME_ZH = {"all": "全部行业", "gbt4754_section": "国民经济行业门类", "gbt4754_division": "国民经济行业大类",
                    "gbt4754_group": "国民经济行业中类", "carbon_market": "碳市场行业"}
# the parameter vocabulary of the factor library (inventories/factors/README.md), in Chinese
PARAMETER_ZH = {
    "ncv": "低位发热量", "carbon_content": "单位热值含碳量", "oxidation": "碳氧化率", "gj_per_tce": "标准煤热值",
    "tce_per_unit": "折标准煤系数(当量值)", "tce_per_unit_primary_equivalent": "折标准煤系数(等价值)",
    "grid_co2_ef": "电网排放因子", "grid_co2_ef_excl_market_nonfossil": "电网排放因子(不含市场化交易非化石电力)",
    "grid_co2_ef_fossil_only": "电网排放因子(仅化石能源电力)", "heat_co2_ef": "热力排放因子",
    **{f"gwp_{gas}": f"全球增温潜势 {name}" for gas, name in (
        ("co2", "CO2"), ("ch4", "CH4"), ("n2o", "N2O"), ("sf6", "SF6"), ("hfc23", "HFC-23"), ("cf4", "CF4"),
        ("c2f6", "C2F6"))},
    **{f"{p}_generation": f"{name}产生系数" for p, name in (
        ("nox", "氮氧化物"), ("so2", "二氧化硫"), ("pm10", "PM10"), ("pm25", "PM2.5"), ("vocs", "挥发性有机物"),
        ("co", "一氧化碳"))},
    "sulfur_retention": "灰渣硫分留存率", "ash_to_bottom_fraction": "底灰占灰分比例", "pm25_fraction": "飞灰中PM2.5比例",
    "pm10_fraction": "飞灰中PM10比例", "bc_fraction": "PM2.5中黑碳比例", "oc_fraction": "PM2.5中有机碳比例",
    **{f"removal_{p}": f"{name}去除效率" for p, name in (
        ("so2", "二氧化硫"), ("nox", "氮氧化物"), ("pm25", "PM2.5"), ("pm10_coarse", "PM2.5-10"), ("vocs", "挥发性有机物"))},
    "nh3_slip": "氨逃逸系数", "so2_conversion_k": "排污费二氧化硫转化系数K",
}
# what a cross-check compares: a column of the schema (its Chinese name), or one of the two quantities no column holds
COMPARED_QUANTITY_ZH = {**{name: field.zh for name, field in FIELDS.items()},
                        "so2_per_co2": "二氧化硫与二氧化碳之比", "permit_validity": "排污许可证有效期"}

VALUE_ZH: dict[str, dict[str, str]] = {
    "gwp_set": {"SAR": "IPCC第二次评估报告(SAR)", "AR4": "IPCC第四次评估报告(AR4)", "AR5": "IPCC第五次评估报告(AR5)",
                "AR6": "IPCC第六次评估报告(AR6)"},
    **dict.fromkeys(("method", "co2_method", "so2_method", "nox_method", "pm_method", "vocs_method"), METHOD_ZH),
    "co2_status": {"computed": "已核算", "lower_bound": "下限值(部分燃料无法核算)", "not_computed": "无法核算"},
    "missing_parameters": {"ncv": "低位发热量", "carbon_content": "单位热值含碳量", "oxidation": "碳氧化率"},
    "source_systems": SOURCE_SYSTEM_ZH,
    "region_level": {"province": "省", "city": "市", "county": "县(区)"},
    "sector_scheme": SECTOR_SCHEME_ZH,
    "species": SPECIES_ZH,
    "pollutant": POLLUTANT_ZH,
    "scope": {"combustion": "化石燃料燃烧", "process": "工业生产过程", "indirect_electricity": "外购电力(间接)",
              "indirect_heat": "外购热力(间接)"},
    "coverage_basis": {"industry_code": "本企业行业属覆盖行业", "captive_power": "自备电厂",
                       "power_unit_records": "发电机组存证"},
    "emissions_basis": BASIS_ZH,
    "key_emitter_criterion": CRITERION_ZH,
    "register_status": STATUS_ZH,
    "rule_group": {"coverage": "覆盖与报告", "activity": "活动水平一致性", "implied_co2": "隐含二氧化碳核对",
                   "parameters": "参数合理性", "permit_compliance": "许可排放量执行", "coherence": "排放结构一致性",
                   "year_over_year": "年度变化"},
    "severity": {"error": "错误", "warn": "警告", "info": "提示"},
    "compliance_level": {"outlet": "单个排放口", "main_outlets_total": "主要排放口合计", "site_total": "全厂合计"},
    **dict.fromkeys(("source_a", "source_b"), {**SOURCE_SYSTEM_ZH, "inventory": "融合清单",
                                               "factor_library": "排放因子库", "rule": "规则"}),
    "compared_quantity": COMPARED_QUANTITY_ZH,
    "finding_status": {"open": "待处理", "explained": "已解释", "confirmed": "已确认问题"},
    "amount_unit": {"t": "吨", "pollution_eq": "污染当量"},
    "els_reading": ELS_READING_ZH,
    **dict.fromkeys(("pollutant_decoupling_state", "co2_decoupling_state"), DECOUPLING_STATE_ZH),
    "output_product": {"generation_mwh": "发电量(MWh)"},
    "direction": {"positive": "正向(越高越好)", "negative": "负向(越低越好)"},
    "indicator_source": {"inventory": "本清单核算", "city_file": "城市指标文件", "tree": "由下级指标加权"},
    "normalisation": {"baseline_minmax": "基准年极差标准化", "baseline_ratio": "基准年比值标准化"},
    "parameter": PARAMETER_ZH,
    "sector": {"all": "全部行业", "power": "发电", "heat": "热力生产和供应", "industrial": "工业(采矿业和制造业)",
               "electricity_supply": "电力供应", "ndrc2015_batch_alt": "2015年核算指南批次备选值(未对应行业)"},
    "technology": {"unit_ge_300MW": "300MW及以上机组", "unit_100_300MW": "100-300MW机组", "unit_le_100MW": "100MW及以下机组"},
    "factor_region": {"CN": "全国", "CN-central": "华中区域"},
    "unit": {"fraction": "比例(小数)"},
    "unit_canonical": {"fraction": "比例(小数)"},
    "status": {"verified": "已核实", "recalled": "待核实", "derived": "推算", "judgement": "专业判断"},
}
# columns holding several codes in one cell: (separator in the data, separator shown)
JOINED = {**dict.fromkeys(("method", "co2_method", "so2_method", "nox_method", "pm_method", "vocs_method"), ("+", "+")),
          "source_systems": (";", "、"), "missing_parameters": (";", "、")}

assert set(COMPARED_SOURCES) <= set(VALUE_ZH["source_a"]), "a compared source without a Chinese label"


def label_expr(column: str, dtype: pl.DataType, labels: Mapping[str, str] | None = None) -> pl.Expr:
    """A column as a person reads it: each code replaced by its label (each part's, in a joined column), a boolean
    by 是/否; a code without a label, a null and any other column as stored. `labels` defaults to VALUE_ZH's."""
    stored = pl.col(column)
    if dtype == pl.Boolean:
        return stored.replace_strict(BOOL_ZH, return_dtype=pl.String)
    labels = VALUE_ZH.get(column) if labels is None else labels
    if not labels or dtype != pl.String:
        return stored
    if column in JOINED:
        separator, shown = JOINED[column]
        return stored.str.split(separator).list.eval(
            pl.element().replace_strict(labels, default=pl.element(), return_dtype=pl.String)).list.join(shown)
    return stored.replace_strict(labels, default=stored, return_dtype=pl.String)
