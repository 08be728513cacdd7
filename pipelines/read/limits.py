"""Resource limits the inbox readers check before and while they read, so one file can cost the build only so much.

A file beyond a limit is refused (file_status `too_large`, the limit and the measured value named); the other files
go on. The packaged defaults fit the largest exports these readers are meant for (CEMS hourly exports, streamed by
polars whatever their size, are bound by the line limit only); a workspace may override any of them in the `[read]`
table of $SYNERGY_HOME/config/limits.toml. A malformed file is warned about once and named wherever a
limit refuses a file, and the packaged defaults stay in force.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path

CONFIG_FILE = "limits.toml"
SHOWN = f"config/{CONFIG_FILE}"
MIB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """Per-file limits. Yardstick: a province's largest non-CEMS export, a permit list or 环境统计 基表 of up to
    ~100,000 rows by ~50 columns (5 million cells). A filled XLSX cell takes ~40 bytes of sheet XML; a CSV cell ~10-20
    bytes. Measured: a sheet of 5.8 million numbers (190 MB of XML) read in 80 s and held 480 MB at peak."""

    xlsx_inflated_mb: int = 200  # a workbook's XML unpacked (sheets, shared strings), from the zip directory: 5M cells
    csv_mb: int = 200  # a CSV file's size on disk: 10-20 million cells, so file_cells binds first
    csv_line_chars: int = MIB  # one CSV record: a legitimate row of 1,000 columns x 100 characters is 100,000
    sheet_rows: int = 1_048_576  # row elements or numbers, empty rows included: Excel's own limit, as tools write
    # empty rows down a merged range; openpyxl keeps up to ~0.5 KB per row element (a styled one), so 0.5 GB at most
    sheet_columns: int = 1_000  # Excel allows 16,384; the widest layout has 30 columns, exports add a few hundred
    file_cells: int = 10_000_000  # cells held in memory for one file (~1 GB worst case), merged-range filling included
    sheet_merged_ranges: int = 100_000  # openpyxl keeps ~500 bytes per merged range: 50 MB; a real sheet has hundreds
    overridden: frozenset[str] = frozenset()  # limits config/limits.toml sets
    problem: str | None = None  # why config/limits.toml was not used, when it is malformed

    def refuse(self, limit: str, what_zh: str, what_en: str, measured: int, unit: tuple[str, str] = ("", ""),
               at_least: bool = False) -> FileRefused:
        """The too_large refusal naming what was measured, its value, the limit and where the limit comes from."""
        where = (f"{SHOWN} [read] {limit}" if limit in self.overridden else
                 f"默认值 packaged default, {SHOWN} [read] {limit}" + (f"; {self.problem}" if self.problem else ""))
        value = getattr(self, limit)
        zh = f"{'至少' if at_least else ''}为{measured:,}{unit[0]}，超过上限{value:,}{unit[0]}"
        en = f"{'at least ' if at_least else ''}{measured:,}{unit[1]}, beyond the limit of {value:,}{unit[1]}"
        return FileRefused("too_large", f"文件过大：{what_zh}{zh}（{where}）", f"file too large: {what_en} is {en} ({where})")


class FileRefused(Exception):
    """A file the readers will not read, with the file_status it gets and the reason in Chinese and English."""

    def __init__(self, status: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.status, self.zh, self.en = status, zh, en

    def log_fields(self) -> dict[str, str]:
        """The file log's status and message for the refused file."""
        return {"file_status": self.status, "message": f"{self.zh} / {self.en}"}


DEFAULT_LIMITS = ReadLimits()
_NUMBERS = {f.name for f in fields(ReadLimits) if f.type == "int"}


def load_limits(config_dir: Path) -> ReadLimits:
    """The limits in force: the packaged defaults, overridden by config/limits.toml [read] where it is valid."""
    path = config_dir / CONFIG_FILE
    try:
        stat = path.stat()
    except OSError:
        return DEFAULT_LIMITS
    return _parse(path, stat.st_mtime_ns, stat.st_size)


@cache
def _parse(path: Path, mtime_ns: int, size: int) -> ReadLimits:
    """Parsed once per version of the file (the cache key holds its mtime and size)."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("read", {})
        if not isinstance(table, dict):
            raise ValueError("[read] is not a table")
        unknown = sorted(set(table) - _NUMBERS)
        bad = sorted(k for k, v in table.items() if k in _NUMBERS and (type(v) is not int or v <= 0))
        if unknown or bad:
            raise ValueError("; ".join([*(f"unknown key {k}" for k in unknown),
                                        *(f"{k} must be a positive integer" for k in bad)]))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as err:
        problem = f"{SHOWN}有误，未采用，按默认值读取 / {SHOWN} is malformed, not used; packaged defaults apply: {err}"
        logging.getLogger("synergy.read_limits").warning(problem)  # console; in the UI via dagster.yaml python_logs
        return replace(DEFAULT_LIMITS, problem=problem)
    return replace(DEFAULT_LIMITS, **table, overridden=frozenset(table))
