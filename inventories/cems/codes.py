"""HJ 212-2017 factor codes, field suffixes and data flags the reader understands (source-formats.md §8).

Status: the field layout is seen in several public programs [V-3p]; the code and flag meanings are
recalled [R] until HJ 212-2017 and HJ 75-2017 are checked. Other codes in a file (a21001 NH3, a01011
velocity, a01013 pressure …) are read past: nothing downstream uses them.
"""

from __future__ import annotations

POLLUTANTS = {"a21026": "so2", "a21002": "nox", "a34013": "pm"}
"""Pollutant code -> column prefix; each has -Avg, -ZsAvg, -Cou (kg) and -Flag."""
SPECIES = {"so2": "SO2", "nox": "NOx", "pm": "PM"}
"""Column prefix -> the inventory's species name."""
AUXILIARY = {"a00000": ("flow", "Cou", "flow_m3"), "a19001": ("o2", "Avg", "o2_pct"),
             "a01012": ("temperature", "Avg", "temperature_c"), "a01014": ("moisture", "Avg", "moisture_pct")}
"""Auxiliary code -> (prefix, the suffix read, the column written). Flue-gas flow is the hourly volume (-Cou, m3)."""

FLAGS = {
    "N": ("正常", "normal"),
    "F": ("停运", "stopped"),
    "M": ("维护", "maintenance"),
    "S": ("手工输入", "manual input"),
    "D": ("故障", "fault"),
    "C": ("校准", "calibration"),
    "T": ("超测定上限", "over range"),
    "B": ("通讯异常", "communication failure"),
}
STOPPED_FLAG = "F"
"""Hours the source was not running: no emission, and not in the valid-data rate's denominator (HJ 75 α)."""

MN_HEADERS = ("mn", "数采仪编号", "数采仪mn号", "监测点编号", "监测点位编号", "设备编号")
TIME_HEADERS = ("datatime", "time", "data_time", "监测时间", "数据时间", "时间")
CODE_HEADERS = ("code", "pollutant_code", "污染物代码", "监测因子代码", "因子代码")
"""Header names (lower-cased, spaces removed) of the outlet, the hour and, in long exports, the factor code."""
