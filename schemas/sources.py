"""The source systems: one list, in the one order the inbox folders, the file scan and the assets use.

A system's code is its inbox folder and the `source_system` of every row it feeds; its Chinese name is what a bureau
user reads in exports and evidence sentences. Adding a source starts here (docs/architecture.md).
"""

from __future__ import annotations

SOURCE_SYSTEM_ZH: dict[str, str] = {"permit": "排污许可", "envstat": "排放源统计", "ghg": "温室气体报告",
                                    "register": "公布名录", "city": "城市指标", "cems": "在线监测"}
SOURCE_SYSTEMS: tuple[str, ...] = tuple(SOURCE_SYSTEM_ZH)
# the systems whose tables the row engine reads (pipelines/read/transforms.py); CEMS hours have their own reader
INGESTED_SOURCES: tuple[str, ...] = tuple(s for s in SOURCE_SYSTEMS if s != "cems")
