"""The one row engine every source uses: raw text rows -> typed core rows, or quarantine with reasons.

A table's transform is a list of `Rule`s (one per target field or group of fields). A row is accepted
only if every rule succeeds; otherwise all its problems are recorded (zh + en, each naming its column by the
header as written in the file; the first problem's column and raw value) with the whole raw row. Accepted rows
then pass the pandera schema generated from `schemas/` (values checked) and rows failing a value check are
quarantined the same way.
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

    return Rule(column, parse, target, tuple(c for c in (unit_column, remark_column) if c))


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

    return Rule(column, parse, (value_target, unit_target), (unit_column,))


def from_column_or_context(raw: Raw, column: str) -> str | None:
    """A column's value, else the value found in the title rows or file name."""
    value = raw.get(column)
    return value if value is not None else raw.get(f"{column}_from_context")  # type: ignore[return-value]


def apply_rules(raw: Raw, rules: Iterable[Rule]) -> tuple[dict[str, object], list[tuple[str, CellError]], list[str]]:
    """(typed fields, problems, fields the source marked not applicable) of one raw row."""
    out: dict[str, object] = {}
    problems: list[tuple[str, CellError]] = []
    not_applicable: list[str] = []
    for rule in rules:
        try:
            value = rule.parse(raw)
        except (CellError, UnitError) as err:  # inventories.units raises UnitError: it may not import pipelines
            problem = err if isinstance(err, CellError) else CellError(err.zh, err.en)
            problems.append((problem.column or rule.column, problem))
            continue
        if isinstance(rule.target, tuple):
            out.update({name: value[name] for name in rule.target})  # type: ignore[index]
            continue
        target = rule.target or rule.column
        out[target] = value
        if value is None and is_not_applicable(raw.get(rule.column)):  # type: ignore[arg-type]
            not_applicable.append(target)
    return out, problems, not_applicable


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


def transform_rows(raw: pl.DataFrame, rules: list[Rule], target_table: str, source_system: str,
                   row_check: Callable[[dict], list[tuple[str, CellError]]] | None = None,
                   ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(typed core table, rejected rows) of one raw table."""
    refresh_bounds()  # the workspace's override file as it is now
    accepted: list[dict] = []
    rejected: list[dict] = []
    has_na_column = "not_applicable_fields" in TABLES[target_table].columns
    for raw_row in raw.iter_rows(named=True):
        typed, problems, not_applicable = apply_rules(raw_row, rules)
        if not problems and row_check is not None:
            problems = row_check(typed)
        if problems:
            rejected.append(_rejected_row(raw_row, problems))
            continue
        if has_na_column:
            typed["not_applicable_fields"] = ";".join(not_applicable) or None
        accepted.append({**typed, **{k: raw_row[k] for k in PROVENANCE}})
    columns = TABLES[target_table].columns
    frame = pl.DataFrame(accepted, infer_schema_length=None) if accepted else pl.DataFrame({c: [] for c in columns})
    typed_frame = conform(frame.with_columns([pl.lit(None).alias(c) for c in columns if c not in frame.columns]),
                          target_table)
    good, schema_rejects = split_by_schema(typed_frame, target_table, raw, _blame(rules))
    return good, pl.concat([rejected_frame(rejected, source_system, target_table), schema_rejects], how="vertical")


@dataclass(frozen=True)
class TableTransform:
    """How one raw table becomes one core table."""

    core_table: str
    rules: list[Rule]
    row_check: Callable[[dict], list[tuple[str, CellError]]] | None = None

    def run(self, raw: pl.DataFrame, source_system: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        return transform_rows(raw, self.rules, self.core_table, source_system, self.row_check)
