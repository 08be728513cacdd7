"""Plausibility bounds: which numbers are believable, from one table for every source.

Why: a cell such as `1e15` t of coal parses as a number, but no plant burns it; accepted, it makes the province's sums
stop reconciling, and `1e308` overflows the warehouse's DECIMAL(38, 6). Checked here it is one rejected row naming
the bound and its basis, and the build goes on.

The packaged table (inventories/reference/plausibility_bounds.csv) gives each quantity a lower and an upper bound and
the arithmetic behind them. A workspace may override rows in $SYNERGY_HOME/config/plausibility_bounds.csv (same
columns; `quantity`, `lower` and `upper` required; a row replaces the packaged row of its quantity). An override may
narrow a bound freely, but may not lower a lower bound, widen a bound that holds by definition (hours in a year, a
percentage) nor widen any other more than WIDEN_LIMIT-fold, so the downstream sums stay far inside DECIMAL(38, 6)
whatever the override says. A malformed override row is reported (file, row, reason in Chinese and English, in the
run's log) and ignored; it never stops the build.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from dataclasses import dataclass
from pathlib import Path

from inventories.reference import plausibility_bounds
from pipelines.read.values import CellError
from pipelines.workspace import workspace_from_env

PACKAGED = "inventories/reference/plausibility_bounds.csv"
OVERRIDE_NAME = "plausibility_bounds.csv"
LOG = logging.getLogger("synergy.plausibility_bounds")
WIDEN_LIMIT = 1000.0
"""An override's upper bound may be at most this multiple of the packaged one. With every judgement bound widened this
much the worst fuel line is 1e11 t x 1.5e5 GJ/t x 200 tC/GJ x 1 x 44/12 ≈ 1.1e19 t of CO2: a province would need 1e13
such lines to reach 1e32, the limit of DECIMAL(38, 6)."""


@dataclass(frozen=True)
class Bound:
    """One quantity's believable range, its basis and the table row it comes from."""

    quantity: str
    unit: str
    lower: float
    upper: float
    basis_zh: str
    basis_en: str
    status: str
    origin: str = PACKAGED
    row: int | None = None  # the line of an override file

    @property
    def shown_unit(self) -> str:
        """` t`, ` %` …; nothing for a unit kept as written."""
        return "" if self.unit.startswith("(") else f" {self.unit}"

    def cite(self) -> tuple[str, str]:
        """(zh, en) naming this bound's table, row and quantity, and its basis, for a rejection reason."""
        return (f"(合理范围表 {self.origin}{f' 第{self.row}行' if self.row else ''} 的 {self.quantity}，"
                f"依据：{self.basis_zh})",
                f"(plausibility table {self.origin}{f' row {self.row}' if self.row else ''}, {self.quantity}; "
                f"basis: {self.basis_en})")

    def check(self, value: float, zh: str, en: str, written: object, column: str | None = None) -> float:
        """`value` (in `unit`) when inside the bounds, else a CellError naming the bound, its row and its basis."""
        if value < 0 <= self.lower:
            raise CellError(f"{zh}为负：“{written}”", f"{en} is negative: {written!r}", column)
        if not self.lower <= value <= self.upper:  # NaN fails too
            unit, (cite_zh, cite_en) = self.shown_unit, self.cite()
            raise CellError(
                f"{zh}{value:g}{unit}超出合理范围{self.lower:g}–{self.upper:g}{unit}：“{written}”{cite_zh}",
                f"{en} {value:g}{unit} outside the plausible range {self.lower:g}-{self.upper:g}{unit}: {written!r} "
                f"{cite_en}", column)
        return value


def _finite(text: str | None, zh: str, en: str) -> float:
    try:
        value = float((text or "").strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise CellError(f"{zh}不是有限数值“{text}”", f"{en} is not a finite number: {text!r}")
    return value


def _packaged() -> dict[str, Bound]:
    return {r["quantity"]: Bound(r["quantity"], r["unit"], float(r["lower"]), float(r["upper"]), r["basis_zh"],
                                 r["basis_en"], r["status"])
            for r in plausibility_bounds().iter_rows(named=True)}


def _override_row(row: dict[str, str | None], packaged: dict[str, Bound], seen: set[str], path: Path, line: int) -> Bound:
    """One override row as a Bound, or CellError saying why it cannot be used."""
    quantity = (row.get("quantity") or "").strip()
    if quantity not in packaged:
        raise CellError(f"未知的量“{quantity}”(可用：{'、'.join(packaged)})",
                        f"unknown quantity {quantity!r} (known: {', '.join(packaged)})")
    if quantity in seen:
        raise CellError(f"量“{quantity}”重复，以前面的行为准", f"quantity {quantity!r} repeated; the earlier row counts")
    base = packaged[quantity]
    unit = (row.get("unit") or "").strip()
    if unit and unit != base.unit:
        raise CellError(f"单位“{unit}”与内置表不同(应为{base.unit})", f"unit {unit!r} differs from the table's {base.unit!r}")
    lower, upper = _finite(row.get("lower"), "下限", "lower"), _finite(row.get("upper"), "上限", "upper")
    if lower < base.lower:
        raise CellError(f"下限{lower:g}低于内置下限{base.lower:g}", f"lower {lower:g} is below the packaged {base.lower:g}")
    if upper < lower:
        raise CellError(f"上限{upper:g}小于下限{lower:g}", f"upper {upper:g} is below lower {lower:g}")
    if base.status == "definition" and upper > base.upper:
        raise CellError(f"上限{upper:g}放宽了按定义的上限{base.upper:g}", f"upper {upper:g} widens {base.upper:g}, a bound "
                        "by definition")
    if upper > base.upper * WIDEN_LIMIT:
        raise CellError(f"上限{upper:g}超过内置上限{base.upper:g}的{WIDEN_LIMIT:g}倍",
                        f"upper {upper:g} widens the packaged {base.upper:g} more than {WIDEN_LIMIT:g}-fold")
    return Bound(quantity, base.unit, lower, upper, (row.get("basis_zh") or "").strip() or "工作区覆盖值，未说明依据",
                 (row.get("basis_en") or "").strip() or "workspace override, no basis given",
                 (row.get("status") or "").strip() or "override", str(path), line)


def _override_rows(path: Path) -> list[tuple[int, dict[str, str | None]]]:
    """(line number, row) of the override file; CellError when the file as a whole cannot be read."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise CellError("文件既不是UTF-8也不是GB18030编码", "the file is neither UTF-8 nor GB18030")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("quantity", "lower", "upper") if c not in (reader.fieldnames or [])]
    if missing:
        raise CellError(f"缺少列{'、'.join(missing)}", f"missing column(s) {', '.join(missing)}")
    return [(reader.line_num, row) for row in reader]


def load_bounds(override: Path | None) -> tuple[dict[str, Bound], list[str]]:
    """(quantity -> Bound, problems): the packaged table with the override's good rows in place of its own."""
    bounds = _packaged()
    if override is None or not override.is_file():
        return bounds, []
    try:
        rows = _override_rows(override)
    except (OSError, CellError) as err:
        zh, en = (err.zh, err.en) if isinstance(err, CellError) else ("无法读取", f"cannot be read ({err})")
        return bounds, [f"{override}：{zh}，整个文件被忽略，沿用内置合理范围 / {override}: {en}; the whole file is "
                        "ignored and the packaged bounds apply"]
    problems, packaged, seen = [], dict(bounds), set()
    for line, row in rows:
        try:
            found = _override_row(row, packaged, seen, override, line)
        except CellError as err:
            problems.append(f"{override} 第{line}行：{err.zh}，该行被忽略 / {override} row {line}: {err.en}; row ignored")
            continue
        seen.add(found.quantity)
        bounds[found.quantity] = found
    return bounds, problems


@dataclass(frozen=True)
class Loaded:
    """The bounds in force, for one state of the override file."""

    stamp: tuple[str, int, int] | None
    bounds: dict[str, Bound]
    problems: tuple[str, ...]


_LOADED: dict[str, Loaded] = {}


def override_path() -> Path:
    """The workspace's override file ($SYNERGY_HOME is set for every build)."""
    return workspace_from_env().config / OVERRIDE_NAME


def refresh() -> Loaded:
    """The bounds in force, reloaded when the workspace or its override file changed; problems are logged once."""
    path = override_path()
    try:
        stat = path.stat()
        stamp: tuple[str, int, int] | None = (str(path), stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = None
    current = _LOADED.get("active")
    if current is None or current.stamp != stamp:
        bounds, problems = load_bounds(path if stamp else None)
        current = _LOADED["active"] = Loaded(stamp, bounds, tuple(problems))
        _report(current.problems)
    return current


def _report(problems: tuple[str, ...]) -> None:
    """As warnings of the `synergy.plausibility_bounds` logger: on stderr of a CLI build, and in the run's log in the
    UI through the instance's `python_logs: managed_python_loggers: [synergy]` (only orchestration imports Dagster)."""
    for problem in problems:
        LOG.warning(problem)


def bound(quantity: str) -> Bound:
    """The Bound in force for `quantity` (loaded on first use; `refresh` picks up a changed override)."""
    current = _LOADED.get("active") or refresh()
    return current.bounds[quantity]


def within(value: float, quantity: str, zh: str, en: str, written: object, column: str | None = None) -> float:
    """`value` checked against the bound of `quantity` (see Bound.check)."""
    return bound(quantity).check(value, zh, en, written, column)
