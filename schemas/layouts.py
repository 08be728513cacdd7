"""Export layouts of every source system: which headers (and spelling variants) map to which raw column.

One `Layout` per raw table. The first variant of each column is the official header, used by
`synergy templates`; the others are spellings seen in real exports (full-width brackets, SO2/二氧化硫,
单位名称/企业名称, unit in brackets or not). A header may name its unit (`消耗量(万吨)`); variants that
include a unit (`工业锅炉数(台)`) are matched before the bare name, so two columns that differ only by
their unit stay apart. Two-row headers are joined as `parent/child` and may also match on the child.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from schemas.headers import normalise_text, split_header


@dataclass(frozen=True)
class Layout:
    """One export table: its raw table, source system, header variants and required columns."""

    table: str
    source_system: str
    zh: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    # columns whose identification alone says "this sheet is meant to be this layout"; if they are present
    # but a required column is not, the file gets a file-level error naming the missing columns
    signature: tuple[str, ...]
    # columns whose header unit is kept (`<column>_header_unit`) for cells without a unit of their own
    unit_columns: tuple[str, ...] = ()
    # context taken from title rows or the file name when no column carries it
    context: tuple[str, ...] = ()
    # unit written in brackets after the official header in blank templates (`synergy templates`)
    template_units: dict[str, str] = field(default_factory=dict)

    @property
    def raw_columns(self) -> tuple[str, ...]:
        return (*self.columns, *(f"{c}_header_unit" for c in self.unit_columns), *self.context_columns)

    @property
    def context_columns(self) -> tuple[str, ...]:
        return tuple(f"{c}_from_context" for c in self.context)

    def official_header(self, column: str) -> str:
        return self.columns[column][0]


_YEAR = ("报告年度", "年度", "报告年份", "核算年度", "年份", "统计年度")
_USCC = ("统一社会信用代码", "社会信用代码", "统一社会信用代码/组织机构代码", "信用代码")
_NAME = ("单位名称", "企业名称", "排污单位名称", "重点排放单位名称", "企业(单位)名称", "详细名称")
_PERMIT = ("许可证编号", "排污许可证编号", "排污许可证号", "许可证号", "固定污染源代码")
_INDUSTRY_CODE = ("行业代码", "行业类别代码", "国民经济行业代码", "行业小类代码")
_REGION_CODE = ("行政区划代码", "所在地区代码", "区划代码")
_FUEL = ("燃料品种", "燃料种类", "燃料名称", "能源品种", "燃料类型")
_SULFUR = ("含硫量", "收到基含硫量", "全硫", "硫分", "燃料含硫量")
_ASH = ("灰分", "收到基灰分", "燃料灰分")
_NCV = ("低位发热量", "低位发热值", "平均低位发热量", "收到基低位发热量")
_METHOD = ("核算方法", "核算方式", "排放量核算方法")
_REMARK = ("备注", "说明", "备注说明")

PERMIT_REGISTRY = Layout(
    "raw_permit__registry", "permit", "排污许可证信息公开(许可证列表)",
    {
        "province": ("省/直辖市", "省份", "省", "省(自治区、直辖市)"),
        "city": ("地市", "城市", "所在地市", "市"),
        "permit_no": _PERMIT,
        "enterprise_name": _NAME,
        "uscc": _USCC,
        "industry": ("行业类别", "行业类别名称", "主要行业类别", "行业"),
        "region": ("所在地区", "生产经营场所所在地区", "地区"),
        "validity": ("有效期限", "有效期", "许可证有效期"),
        "issue_date": ("发证日期", "发证时间"),
        "management_category": ("管理类别", "管理类型", "许可管理类别"),
        "lon": ("经度", "中心经度", "生产经营场所中心经度"),
        "lat": ("纬度", "中心纬度", "生产经营场所中心纬度"),
        "address": ("生产经营场所地址", "地址"),
        "issuing_authority": ("发证机关",),
    },
    required=("permit_no", "enterprise_name", "validity"),
    signature=("permit_no", "validity"),
)

_YEAR_LABELS = ("第一年", "第二年", "第三年", "第四年", "第五年")
PERMIT_LIMITS = Layout(
    "raw_permit__limits", "permit", "许可排放限值(大气污染物排放信息)",
    {
        "permit_no": _PERMIT,
        "outlet_code": ("排放口编号", "排放口编码", "排放口代码"),
        "outlet_name": ("排放口名称",),
        "pollutant": ("污染物种类", "污染物名称", "污染物"),
        "conc_hourly": ("许可排放小时浓度限值", "许可排放浓度限值", "小时浓度限值"),
        "conc_daily": ("许可排放日均浓度限值", "日均浓度限值"),
        "rate_kg_h": ("许可排放速率限值", "排放速率限值"),
        **{f"limit_year_{i + 1}": (f"许可年排放量限值/{label}", label, f"第{i + 1}年")
           for i, label in enumerate(_YEAR_LABELS)},
        "stricter_conc": ("承诺更加严格排放浓度限值", "承诺更加严格排放浓度"),
    },
    required=("outlet_code", "pollutant", "limit_year_1"),
    signature=("pollutant", "limit_year_1"),
    unit_columns=("conc_hourly", "conc_daily", "rate_kg_h", *(f"limit_year_{i}" for i in range(1, 6))),
    context=("permit_no",),
    template_units={
        "conc_hourly": "mg/Nm3", "conc_daily": "mg/Nm3", "rate_kg_h": "kg/h",
        **{f"limit_year_{i}": "t/a" for i in range(1, 6)}, "stricter_conc": "mg/Nm3"
    },
)

PERMIT_EXECUTION = Layout(
    "raw_permit__execution_emissions", "permit", "排污许可证执行报告-实际排放量",
    {
        "year": _YEAR,
        "report_type": ("报告类型", "报告周期"),
        "permit_no": _PERMIT,
        "outlet_type": ("排放口类型", "排放口类别"),
        "outlet_code": ("排放口编码", "排放口编号"),
        "outlet_name": ("排放口名称",),
        "pollutant_code": ("污染物代码", "污染物编码"),
        "pollutant_name": ("污染物名称", "污染物种类", "污染物"),
        "month_1": ("第一个月",), "month_2": ("第二个月",), "month_3": ("第三个月",),
        "annual_total": ("合计", "年度合计", "全年合计", "实际排放量", "年实际排放量", "排放量"),
        "accounting_method": _METHOD,
        "remark": ("备注", "说明"),
    },
    required=("permit_no", "annual_total"),
    signature=("outlet_type", "annual_total"),
    unit_columns=("annual_total",),
    context=("year",),
    template_units={"annual_total": "t"},
)

PERMIT_FUEL = Layout(
    "raw_permit__fuel_analysis", "permit", "排污许可证执行报告-燃料分析",
    {
        "year": _YEAR,
        "permit_no": _PERMIT,
        "fuel": _FUEL,
        "quantity": ("消耗量", "燃料消耗量", "年消耗量"),
        "unit": ("单位", "计量单位", "消耗量单位"),
        "sulfur": _SULFUR,
        "ash": _ASH,
        "volatile": ("挥发分", "干燥无灰基挥发分"),
        "ncv": _NCV,
        "accounting_method": _METHOD,
        "remark": _REMARK,
    },
    required=("permit_no", "fuel", "quantity"),
    signature=("permit_no", "fuel", "quantity"),
    unit_columns=("quantity", "sulfur", "ash", "volatile", "ncv"),
    context=("year",),
    template_units={"sulfur": "%", "ash": "%", "volatile": "%", "ncv": "GJ/t或GJ/万立方米"},
)

PERMIT_PRODUCTION = Layout(
    "raw_permit__production", "permit", "排污许可证执行报告-生产运行(产品产量与运行时间)",
    {
        "year": _YEAR,
        "permit_no": _PERMIT,
        "production_unit_id": ("生产设施编号", "设施编号", "主要生产单元"),
        "product": ("产品名称", "主要产品", "产品"),
        "quantity": ("产量", "实际产量", "产品产量"),
        "unit": ("计量单位", "单位"),
        "operating_hours": ("运行时间", "生产设施运行时间", "运行小时数"),
    },
    required=("permit_no", "product", "quantity"),
    signature=("product", "quantity"),
    unit_columns=("quantity", "operating_hours"),
    context=("year",),
    template_units={"operating_hours": "h"},
)

ENVSTAT_ENTERPRISE = Layout(
    "raw_envstat__enterprise", "envstat", "排放源统计 基101/G101 工业企业污染排放及处理利用情况",
    {
        "org_code": ("组织机构代码", "统一社会信用代码/组织机构代码", "统一社会信用代码", "单位代码"),
        "enterprise_name": _NAME,
        "region_code": _REGION_CODE,
        "industry_code": _INDUSTRY_CODE,
        "year": _YEAR,
        "hours": ("年正常生产时间", "正常生产时间"),
        "coal": ("煤炭消耗量", "煤炭消费量", "煤炭消耗总量"),
        "fuel_coal": ("其中燃料煤消耗量", "其中:燃料煤消耗量", "燃料煤消耗量"),
        "coal_sulfur": ("燃料煤平均含硫量", "燃料煤含硫量"),
        "fuel_oil": ("燃料油消耗量", "燃料油消费量"),
        "natural_gas": ("天然气消耗量", "天然气消费量"),
        "boiler_count": ("工业锅炉数(台)", "锅炉台数"),
        "boiler_steam": ("工业锅炉数(蒸吨)", "锅炉总蒸吨"),
        "so2_generated": ("二氧化硫产生量",),
        "so2_emitted": ("二氧化硫排放量",),
        "nox_generated": ("氮氧化物产生量",),
        "nox_emitted": ("氮氧化物排放量",),
        "pm_generated": ("烟(粉)尘产生量", "颗粒物产生量", "烟尘产生量"),
        "pm_emitted": ("烟(粉)尘排放量", "颗粒物排放量", "烟尘排放量"),
    },
    required=("org_code", "enterprise_name"),
    signature=("org_code", "so2_emitted"),
    unit_columns=("coal", "fuel_coal", "fuel_oil", "natural_gas", "so2_generated", "so2_emitted",
                  "nox_generated", "nox_emitted", "pm_generated", "pm_emitted"),
    context=("year",),
    template_units={
        "hours": "小时", "coal": "吨", "fuel_coal": "吨", "coal_sulfur": "%", "fuel_oil": "吨", "natural_gas": "万立方米",
        **{f"{p}_{k}": "吨" for p in ("so2", "nox", "pm") for k in ("generated", "emitted")}
    },
)

ENVSTAT_BOILERS = Layout(
    "raw_envstat__boilers", "envstat", "排放源统计 G103-1 锅炉/燃气轮机废气治理与排放情况",
    {
        "org_code": ("组织机构代码", "统一社会信用代码/组织机构代码", "统一社会信用代码", "单位代码"),
        "enterprise_name": _NAME,
        "year": _YEAR,
        "permit_no": _PERMIT,
        "boiler_id": ("锅炉编号", "锅炉/燃气轮机编号", "设施编号"),
        "rated_capacity": ("额定出力", "额定蒸发量"),
        "combustion_mode": ("燃烧方式",),
        "operating_hours": ("年运行时间", "运行时间"),
        "fuel": _FUEL,
        "quantity": ("燃料消耗量", "消耗量"),
        "unit": ("计量单位", "单位"),
        "sulfur": _SULFUR,
        "ash": _ASH,
        "ncv": _NCV,
        "outlet_code": ("排放口编号", "排放口编码"),
        "so2_removal": ("脱硫效率", "综合脱硫效率"),
        "nox_removal": ("脱硝效率", "综合脱硝效率"),
        "pm_removal": ("除尘效率", "综合除尘效率"),
        "so2_emitted": ("二氧化硫排放量",),
        "nox_emitted": ("氮氧化物排放量",),
        "pm_emitted": ("颗粒物排放量", "烟(粉)尘排放量", "烟尘排放量"),
        "accounting_method": _METHOD,
        "remark": _REMARK,
    },
    required=("org_code", "boiler_id", "fuel", "quantity"),
    signature=("boiler_id", "fuel"),
    unit_columns=("quantity", "ncv", "so2_emitted", "nox_emitted", "pm_emitted"),
    context=("year",),
    template_units={
        "rated_capacity": "蒸吨/小时", "operating_hours": "小时", "sulfur": "%", "ash": "%", "ncv": "GJ/t或GJ/万立方米",
        "so2_removal": "%", "nox_removal": "%", "pm_removal": "%", "so2_emitted": "吨", "nox_emitted": "吨", "pm_emitted": "吨"
    },
)

ENVSTAT_KILNS = Layout(
    "raw_envstat__kilns", "envstat", "排放源统计 G103-2 工业炉窑废气治理与排放情况",
    {
        "org_code": ENVSTAT_BOILERS.columns["org_code"],
        "enterprise_name": _NAME,
        "year": _YEAR,
        "permit_no": _PERMIT,
        "kiln_id": ("炉窑编号", "窑炉编号"),
        "kiln_type": ("炉窑类型", "窑炉类型"),
        **{c: ENVSTAT_BOILERS.columns[c] for c in ("operating_hours", "fuel", "quantity", "unit", "sulfur", "ash", "ncv",
                                                   "outlet_code", "so2_removal", "nox_removal", "pm_removal",
                                                   "so2_emitted", "nox_emitted", "pm_emitted", "accounting_method",
                                                   "remark")},
    },
    required=("org_code", "kiln_id", "fuel", "quantity"),
    signature=("kiln_id", "fuel"),
    unit_columns=ENVSTAT_BOILERS.unit_columns,
    context=("year",),
    template_units={k: v for k, v in ENVSTAT_BOILERS.template_units.items() if k != "rated_capacity"},
)

GHG_FUEL_LINES = Layout(
    "raw_ghg__fuel_lines", "ghg", "温室气体排放报告-化石燃料燃烧",
    {
        "year": _YEAR,
        "uscc": _USCC,
        "enterprise_name": _NAME,
        "industry_code": _INDUSTRY_CODE,
        "region_code": _REGION_CODE,
        "emission_source_name": ("排放设施", "机组编号", "设施名称", "生产线", "排放设施/机组"),
        "fuel_name": _FUEL,
        "fuel_quantity": ("消耗量", "燃料消耗量", "净消耗量", "消费量"),
        "fuel_unit": ("计量单位", "消耗量单位"),
        "ncv": _NCV,
        "ncv_unit": ("低位发热量单位", "热值单位"),
        "ncv_basis": ("低位发热量来源", "低位发热量取值方式", "热值数据来源"),
        "carbon_content": ("单位热值含碳量",),
        "carbon_fraction": ("元素碳含量", "收到基元素碳含量"),
        "carbon_basis": ("含碳量来源", "含碳量取值方式", "碳含量数据来源"),
        "oxidation": ("碳氧化率",),
        "oxidation_basis": ("碳氧化率来源", "碳氧化率取值方式"),
        "parameter_basis": ("取值方式", "取值方式/来源", "参数来源", "参数取值方式", "实测/缺省"),
        "remark": _REMARK,
    },
    required=("year", "uscc", "fuel_name", "fuel_quantity"),
    signature=("fuel_name", "fuel_quantity"),
    unit_columns=("fuel_quantity", "ncv", "carbon_content"),
    template_units={"carbon_content": "tC/GJ", "carbon_fraction": "%", "oxidation": "%"},
)

GHG_POWER_MONTHLY = Layout(
    "raw_ghg__power_monthly", "ghg", "发电设施月度存证",
    {
        "uscc": _USCC,
        "enterprise_name": _NAME,
        "unit_id": ("机组编号", "机组名称", "机组"),
        "period": ("年月", "月份", "统计月份", "存证月份"),
        "fuel_name": _FUEL,
        "fuel_quantity": ("燃料消耗量", "消耗量"),
        "ncv": _NCV,
        "carbon_fraction": ("元素碳含量", "收到基元素碳含量"),
        "hydrogen": ("氢含量", "收到基氢含量"),
        "sulfur": _SULFUR,
        "moisture": ("水分", "全水分"),
        "purchased_electricity": ("购入使用电量", "购入电量"),
        "generation": ("发电量",),
        "supply": ("供电量",),
        "heat_supply": ("供热量",),
        "load_factor": ("负荷(出力)系数", "负荷系数", "出力系数"),
        "operating_hours": ("运行小时数", "运行小时"),
        "remark": _REMARK,
    },
    required=("uscc", "unit_id", "period", "fuel_name", "fuel_quantity"),
    signature=("unit_id", "period"),
    unit_columns=("fuel_quantity", "ncv", "purchased_electricity", "generation", "supply", "heat_supply"),
    template_units={
        "fuel_quantity": "t", "ncv": "GJ/t", "carbon_fraction": "%", "hydrogen": "%", "sulfur": "%", "moisture": "%",
        "purchased_electricity": "MWh", "generation": "MWh", "supply": "MWh", "heat_supply": "GJ", "load_factor": "%",
        "operating_hours": "h"
    },
)

GHG_ENERGY_FLOWS = Layout(
    "raw_ghg__energy_flows", "ghg", "温室气体排放报告-购入/输出电力和热力",
    {
        "year": _YEAR,
        "uscc": _USCC,
        "enterprise_name": _NAME,
        "item": ("类别", "项目", "电力热力类别", "类型"),
        "quantity": ("数量", "电量/热量", "活动数据"),
        "unit": ("计量单位", "单位"),
        "emission_factor": ("排放因子", "电网排放因子", "排放因子(tCO2/MWh或tCO2/GJ)"),
        "co2_reported": ("排放量", "二氧化碳排放量"),
    },
    required=("year", "uscc", "item", "quantity"),
    signature=("item", "quantity", "uscc"),
    unit_columns=("quantity", "emission_factor", "co2_reported"),
    template_units={"co2_reported": "tCO2"},
)

GHG_PROCESS_LINES = Layout(
    "raw_ghg__process_lines", "ghg", "温室气体排放报告-工业生产过程排放",
    {
        "year": _YEAR,
        "uscc": _USCC,
        "enterprise_name": _NAME,
        "process": ("工序", "排放过程", "过程名称", "生产工序"),
        "material": ("原料/产品", "原料名称", "产品名称", "物料"),
        "quantity": ("活动数据", "原料消耗量", "产量", "数量"),
        "unit": ("计量单位", "单位"),
        "emission_factor": ("排放因子",),
        "factor_unit": ("排放因子单位", "因子单位"),
        "co2_reported": ("排放量", "二氧化碳排放量", "过程排放量"),
    },
    required=("year", "uscc", "process", "co2_reported"),
    signature=("process", "co2_reported"),
    unit_columns=("quantity", "co2_reported"),
    template_units={"co2_reported": "tCO2"},
)

GHG_REPORTED_TOTALS = Layout(
    "raw_ghg__reported_totals", "ghg", "温室气体排放报告-排放量汇总(企业填报)",
    {
        "year": _YEAR,
        "uscc": _USCC,
        "enterprise_name": _NAME,
        "industry_code": _INDUSTRY_CODE,
        "combustion": ("化石燃料燃烧排放量", "燃料燃烧排放量"),
        "process": ("工业生产过程排放量", "过程排放量"),
        "purchased_electricity": ("购入电力排放量", "净购入电力排放量"),
        "purchased_heat": ("购入热力排放量", "净购入热力排放量"),
        "total": ("法人边界排放总量", "排放总量", "温室气体排放总量"),
        "supplementary_total": ("补充数据表排放总量",),
        "energy": ("综合能耗", "综合能源消费量"),
    },
    required=("year", "uscc", "total"),
    signature=("uscc", "total"),
    unit_columns=("combustion", "process", "purchased_electricity", "purchased_heat", "total",
                  "supplementary_total", "energy"),
    template_units={
        "combustion": "tCO2", "process": "tCO2", "purchased_electricity": "tCO2", "purchased_heat": "tCO2", "total": "tCO2e",
        "supplementary_total": "tCO2e", "energy": "万吨标煤"
    },
)

# Published key-emitter lists (重点排放单位名录): the MEE national list (2019-2020) and provincial notices. The list
# period ("2019-2020", "2025") is a column in some lists and only the title or file name in others.
REGISTER_PUBLISHED_LIST = Layout(
    "raw_register__published_list", "register", "重点排放单位名录(公布名单)",
    {
        "sequence_no": ("序号", "排序"),
        "province": ("省份", "省(区、市)", "地区", "省", "省(自治区、直辖市)", "所在省份"),
        "city": ("所在地市", "地市", "城市", "所在城市", "市"),
        "enterprise_name": ("企业名称", "单位名称", "重点排放单位名称", "排放单位名称", "企业(单位)名称"),
        "uscc": _USCC,
        "industry": ("行业", "行业类别", "所属行业", "行业名称", "行业子类"),
        "industry_code": ("行业代码", "行业类别代码", "国民经济行业代码"),
        "list_period": ("名录年度", "年度", "纳入年度", "名录年份", "纳入年份"),
    },
    required=("enterprise_name", "uscc"),
    signature=("sequence_no", "province", "enterprise_name"),
    context=("list_period",),
)

# City indicators (城市指标) the city synergy index reads from a file (inbox/city/): long format, one row per year, city
# and indicator. The bureau's own files name indicators in Chinese and cities by name, so those are what identify
# the layout; codes are optional (a name resolves to its code). The year may be only in the title or file name.
CITY_INDICATORS = Layout(
    "raw_city__indicators", "city", "城市指标(减污降碳协同指数)",
    {
        "year": _YEAR,
        "city_code": ("城市代码", "行政区划代码", "地市代码", "区划代码"),
        "city_name": ("城市", "城市名称", "地市", "设区市", "所在地市"),
        "indicator_id": ("指标代码", "指标编码"),
        "indicator_name": ("指标名称", "指标"),
        "value": ("数值", "指标值", "值"),
        "unit": ("单位", "计量单位"),
        "data_source_note": ("数据来源", "来源", "数据来源说明"),
    },
    # two columns each: a 填表说明 row names one column only, so a template's notes sheet never looks like data
    required=("indicator_name", "value"),
    signature=("city_name", "indicator_name"),
    unit_columns=("value",),
    context=("year",),
)

LAYOUTS: dict[str, Layout] = {x.table: x for x in (
    PERMIT_REGISTRY, PERMIT_LIMITS, PERMIT_EXECUTION, PERMIT_FUEL, PERMIT_PRODUCTION, ENVSTAT_ENTERPRISE,
    ENVSTAT_BOILERS, ENVSTAT_KILNS,
    GHG_FUEL_LINES, GHG_POWER_MONTHLY, GHG_ENERGY_FLOWS, GHG_PROCESS_LINES, GHG_REPORTED_TOTALS,
    REGISTER_PUBLISHED_LIST, CITY_INDICATORS)}


HELP_SHEET = "填表说明"
"""The help sheet every blank template carries (`synergy templates`); readers skip it as help, never as data."""
HELP_SHEET_NAMES = frozenset({HELP_SHEET, "填报说明", "填写说明", "填表须知", "使用说明", "说明", "readme"})
"""Sheet names read as help, compared without spaces and case (`README`, `Read me`): the templates' own name and the
names bureaus give the instructions sheet of the forms they hand out."""


def is_help_sheet(name: str | None) -> bool:
    """True for a sheet named as instructions (填表说明, 说明, README …): it holds no data rows."""
    return name is not None and normalise_text(name).replace(" ", "").lower() in HELP_SHEET_NAMES


def layouts_of(source_system: str) -> list[Layout]:
    return [x for x in LAYOUTS.values() if x.source_system == source_system]


def header_key(text: str) -> tuple[str, str | None]:
    """(name with unit as written, name without unit) of a header cell, both normalised."""
    name, unit = split_header(text)
    return (f"{name}({unit})" if unit else name), name


def lookup(layout: Layout) -> dict[str, str]:
    """Normalised header variant -> raw column; variants carrying a unit keep it in the key."""
    return _lookup(layout.table)


@cache
def _lookup(table: str) -> dict[str, str]:
    layout = LAYOUTS[table]
    out: dict[str, str] = {}
    for column, variants in layout.columns.items():
        for variant in variants:
            out.setdefault(header_key(variant)[0], column)
    return out
