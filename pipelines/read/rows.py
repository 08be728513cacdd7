"""The one row engine every source uses: raw text rows -> typed core rows, or quarantine with reasons.

A table's transform is a list of `Rule`s (one per target field or group of fields). A row is accepted
only if every rule succeeds; otherwise all its problems are recorded (zh + en, each naming its column by the
header as written in the file; the first problem's column and raw value) with the whole raw row. Accepted rows
then pass the pandera schema generated from `schemas/` (values checked) and rows failing a value check are
quarantined the same way.

A rule sees only the raw columns it declares (`column`, `reads`, `also_reads`), so the engine runs it column by
column, once per distinct combination of those cells: permit numbers, pollutants, fuels and units repeat on many
rows. Reading an undeclared column is a KeyError, never a silently shared wrong value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import polars as pl

from inventories.units import UnitError, to_canonical, unit_in_remark
from pipelines.read.bounds import refresh as refresh_bounds
from pipelines.read.bounds import within
from pipelines.read.quarantine import column_label, raw_record, rejected_frame, split_by_schema
from pipelines.read.values import CellError, is_not_applicable, parse_number
from schemas.generate import conform
from schemas.tables import TABLES

PROVENANCE = ("source_file", "sheet_name", "row_number", "file_sha256")
Raw = dict[str, object]


@dataclass(frozen=True)
class Rule:
    """Fill `target` (one field, or several when `parse` returns a dict) from a raw row; blame `column`."""

    column: str
    parse: Callable[[Raw], object]
    target: str | tuple[str, ...] | None = None  # None: the field named `column`; a tuple: parse returns a dict
    reads: tuple[str, ...] = ()  # other raw columns the rule reads (units, fallbacks), for the data dictionary
    also_reads: tuple[str, ...] = ()  # raw columns it reads that the data dictionary does not list under it

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every raw column `parse` may read: its outcome is a function of these cells alone."""
        return tuple(dict.fromkeys((self.column, *self.reads, *self.also_reads)))


def cell(column: str, parser: Callable[[str | None], object], target: str | tuple[str, ...] | None = None) -> Rule:
    """A rule reading one cell with a cell parser."""
    return Rule(column, lambda raw: parser(raw.get(column)), target)  # type: ignore[arg-type]


def amount(column: str, target: str, kind: str, bound: str, zh: str, en: str,
           unit_column: str | None = None, remark_column: str | None = None) -> Rule:
    """A number with its unit from the cell, a unit column, a remark (`单位:千克`) or the header, in that order,
    converted to the canonical unit of `kind` and checked against the plausibility bound of quantity `bound`."""

    def parse(raw: Raw) -> float | None:
        value, cell_unit = parse_number(raw.get(column))  # type: ignore[arg-type]
        if value is None:
            return None
        unit = (cell_unit or (raw.get(unit_column) if unit_column else None)
                or (unit_in_remark(raw.get(remark_column)) if remark_column else None)  # type: ignore[arg-type]
                or raw.get(f"{column}_header_unit"))
        return within(to_canonical(value, unit, kind), bound, zh, en, raw.get(column))  # type: ignore[arg-type]

    return Rule(column, parse, target, tuple(c for c in (unit_column, remark_column) if c), (f"{column}_header_unit",))


def number_with_unit(column: str, value_target: str, unit_target: str, unit_column: str, zh: str, en: str,
                     bound: str) -> Rule:
    """A number kept with its unit as written (cell, unit column or header), not converted: for quantities whose
    unit is free text (activity data, production, a reported factor); `bound` is only a magnitude guard."""

    def parse(raw: Raw) -> dict[str, object]:
        value, cell_unit = parse_number(raw.get(column))  # type: ignore[arg-type]
        if value is None:
            return {value_target: None, unit_target: None}
        within(value, bound, zh, en, raw.get(column))
        return {value_target: value,
                unit_target: cell_unit or raw.get(unit_column) or raw.get(f"{column}_header_unit")}

    return Rule(column, parse, (value_target, unit_target), (unit_column,), (f"{column}_header_unit",))


def from_column_or_context(raw: Raw, column: str) -> str | None:
    """A column's value, else the value found in the title rows or file name."""
    value = raw.get(column)
    return value if value is not None else raw.get(f"{column}_from_context")  # type: ignore[return-value]


def with_context(column: str, parse: Callable[[str | None], object], target: str | tuple[str, ...] | None = None,
                 ) -> Rule:
    """A rule reading one column, else the value the title rows or file name give for it."""
    return Rule(column, lambda raw: parse(from_column_or_context(raw, column)), target,
                also_reads=(f"{column}_from_context",))


class _Cells(dict):
    """The raw cells one rule declares, and only those: reading another is a KeyError, as the engine shares the
    rule's outcome between rows that agree on the declared cells."""

    def get(self, column: str, default: object = None) -> object:  # type: ignore[override]
        if column not in self:
            raise KeyError(f"rule reads raw column {column!r} without declaring it (Rule.reads / also_reads)")
        return super().get(column, default)


def _attempt(rule: Rule, cells: _Cells) -> object:
    """The rule's value for these cells, or the CellError saying why there is none."""
    try:
        return rule.parse(cells)
    except CellError as err:
        return err
    except UnitError as err:  # inventories.units raises UnitError: it may not import pipelines
        return CellError(err.zh, err.en)


def _rejected_row(raw: Raw, problems: list[tuple[str, CellError]]) -> dict:
    """The QA row of a rejected raw row: every problem named by its column's header as written in the file."""
    reasons = [column_label(raw, column).reasons(p.zh, p.en) for column, p in problems]
    column, _ = problems[0]
    value = raw.get(column)
    return {**{k: raw[k] for k in PROVENANCE}, "column_name": column_label(raw, column).name,
            "raw_value": value if value is not None else raw.get(f"{column}_from_context"),
            "reason_zh": "；".join(zh for zh, _ in reasons), "reason_en": "; ".join(en for _, en in reasons),
            "raw_record": raw_record(raw)}


def _blame(rules: Iterable[Rule]) -> dict[str, str]:
    """Typed field -> the raw column its rule reads, to name a schema failure by the file's header."""
    out: dict[str, str] = {}
    for rule in rules:
        targets = rule.target if isinstance(rule.target, tuple) else (rule.target or rule.column,)
        out.update(dict.fromkeys(targets, rule.column))
    return out


def _outcomes(rule: Rule, raw: pl.DataFrame) -> tuple[list[object], list[object]]:
    """(the rule's value or CellError, its column's cell) for every row of `raw`; each distinct combination of the
    cells the rule reads is parsed once."""
    inputs = rule.inputs
    cells = [raw.get_column(c).to_list() if c in raw.columns else [None] * raw.height for c in inputs]
    keys = list(zip(*cells, strict=True))
    outcome = {key: _attempt(rule, _Cells(zip(inputs, key, strict=True))) for key in dict.fromkeys(keys)}
    return [outcome[key] for key in keys], cells[0]


class _Typed:
    """The typed fields of a raw table, a column per field, the problems and not-applicable fields per row."""

    def __init__(self, raw: pl.DataFrame, rules: list[Rule]) -> None:
        self.fields: dict[str, list[object]] = {}
        self.problems: dict[int, list[tuple[str, CellError]]] = {}
        self.not_applicable: dict[int, list[str]] = {}
        for rule in rules:
            self.add(rule, *_outcomes(rule, raw))

    def add(self, rule: Rule, values: list[object], written: list[object]) -> None:
        for row, value in enumerate(values):
            if isinstance(value, CellError):
                self.problems.setdefault(row, []).append((value.column or rule.column, value))
        if isinstance(rule.target, tuple):
            for name in rule.target:
                self.fields[name] = [None if isinstance(v, CellError) else v[name] for v in values]  # type: ignore[index]
            return
        target = rule.target or rule.column
        self.fields[target] = [None if isinstance(v, CellError) else v for v in values]
        for row, value in enumerate(values):
            if value is None and is_not_applicable(written[row]):  # type: ignore[arg-type]
                self.not_applicable.setdefault(row, []).append(target)

    def row(self, index: int) -> dict[str, object]:
        return {name: values[index] for name, values in self.fields.items()}


def apply_rules(raw: Raw, rules: Iterable[Rule]) -> tuple[dict[str, object], list[tuple[str, CellError]], list[str]]:
    """(typed fields, None where a rule failed; problems; fields the source marked not applicable) of one raw row,
    through the same engine as a whole table."""
    rules = list(rules)
    inputs = dict.fromkeys(c for rule in rules for c in rule.inputs)
    typed = _Typed(pl.DataFrame({c: [raw.get(c)] for c in inputs}, strict=False), rules)
    return typed.row(0), typed.problems.get(0, []), typed.not_applicable.get(0, [])


def transform_rows(raw: pl.DataFrame, rules: list[Rule], target_table: str, source_system: str,
                   row_check: Callable[[dict], list[tuple[str, CellError]]] | None = None,
                   ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(typed core table, rejected rows) of one raw table."""
    refresh_bounds()  # the workspace's override file as it is now
    typed = _Typed(raw, rules)
    problems = typed.problems
    if row_check is not None:
        for index in range(raw.height):
            if index not in problems and (found := row_check(typed.row(index))):
                problems[index] = found
    bad = sorted(problems)
    rejected = [_rejected_row(r, problems[i]) for i, r in zip(bad, raw[bad].to_dicts(), strict=True)]
    good = [i for i in range(raw.height) if i not in problems]
    columns = TABLES[target_table].columns
    if good:
        fields = {name: values if not bad else [values[i] for i in good] for name, values in typed.fields.items()}
        if "not_applicable_fields" in columns:
            fields["not_applicable_fields"] = [";".join(typed.not_applicable.get(i, ())) or None for i in good]
        provenance = (raw[good] if bad else raw).select(PROVENANCE)
        frame = pl.DataFrame([pl.Series(name, values, strict=False) for name, values in fields.items()]).with_columns(
            provenance.get_columns())
    else:
        frame = pl.DataFrame({c: [] for c in columns})
    typed_frame = conform(frame.with_columns([pl.lit(None).alias(c) for c in columns if c not in frame.columns]),
                          target_table)
    good_frame, schema_rejects = split_by_schema(typed_frame, target_table, raw, _blame(rules))
    return good_frame, pl.concat([rejected_frame(rejected, source_system, target_table), schema_rejects],
                                 how="vertical")


@dataclass(frozen=True)
class TableTransform:
    """How one raw table becomes one core table."""

    core_table: str
    rules: list[Rule]
    row_check: Callable[[dict], list[tuple[str, CellError]]] | None = None

    def run(self, raw: pl.DataFrame, source_system: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        return transform_rows(raw, self.rules, self.core_table, source_system, self.row_check)
