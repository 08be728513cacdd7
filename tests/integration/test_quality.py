"""The great-expectations level on a tiny warehouse built from the schema registry (pipelines/deliver/expectations.py)."""

import re
import socket
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.deliver.expectations import expectation_specs, run_quality, summary_lines
from schemas.fields import USCC_PATTERN, Field
from schemas.generate import duckdb_ddl
from schemas.tables import TABLES

REPO = Path(__file__).resolve().parents[2]
USCCS = ("91410100MA44ABCD1X", "91410300725564687Y", "92410700MA3XKQ7D4P")
EMPTY_TABLE = list(TABLES)[-1]  # left empty: suites must also pass on an empty table
N_ROWS = 3
FRESH = 10  # row index for extra rows: differs from the N_ROWS valid rows in every key-able column
_PATTERN_EXAMPLES = {  # one valid value per field pattern; row i must give a distinct value where a key needs it
    USCC_PATTERN: lambda i: USCCS[i % len(USCCS)],
    r"^[0-9a-f]{64}$": lambda i: f"{i:064x}",
    r"^\d{4}$": lambda i: "4411",
    r"^\d{6}$": lambda i: "410100",
    r"^\d{2}$": lambda i: f"{i % 100:02d}",
    r"^I[0-9a-f]{11}$": lambda i: f"I{i:011x}",
    r"^[0-9A-Z]{8}[0-9X]$": lambda i: f"MA44AB{i % 100:02d}X",
    r"^([0-9A-HJ-NPQRTUWXY]{18}|H9\d{6}[0-9A-Z]{9}[a-hj-np-z])\d{3}[A-Z]$": lambda i: f"{USCCS[i % len(USCCS)]}{i:03d}P",
    r"^\d{4}(-\d{4})?$": lambda i: ("2019-2020", "2025")[i % 2],
    r"^\d{2,4}$": lambda i: ("44", "3011")[i % 2],
    r"^F[0-9a-f]{12}$": lambda i: f"F{i:012x}",
    r"^[0-9a-f]{16}$": lambda i: f"{i:016x}",
    r"^[a-z][a-z0-9_]*$": lambda i: f"ind_{i}",
}


def _value(field: Field, i: int):
    """A value satisfying the field's constraints; row i differs from the others in every key-able column."""
    if field.pattern is not None:
        if field.pattern not in _PATTERN_EXAMPLES:
            pytest.fail(f"add an example for pattern {field.pattern!r} ({field.name}) to _PATTERN_EXAMPLES")
        return _PATTERN_EXAMPLES[field.pattern](i)
    if field.isin is not None:
        return field.isin[0]
    if field.dtype in ("int", "float"):
        low = field.ge if field.ge is not None else 0
        value = low + i if field.le is None or low + i <= field.le else low
        return int(value) if field.dtype == "int" else float(value)
    return {"bool": False, "date": date(2024, 1, 1 + i), "datetime": datetime(2024, 1, 1, i)}.get(
        field.dtype, f"{field.name}-{i}")


def _row(table_name: str, i: int, **overrides) -> dict:
    return {f.name: _value(f, i) for f in TABLES[table_name].fields} | overrides


def _bad_value(field: Field):
    """Below the field's lower bound: year 1800, a negative mass..."""
    value = field.ge - 200 if field.ge >= 100 else field.ge - 5
    return int(value) if field.dtype == "int" else float(value)


def _insert(con, table_name: str, rows: list[dict]) -> None:
    cols = list(rows[0])
    names = ", ".join(f'"{c}"' for c in cols)
    sql = f'INSERT INTO "{table_name}" ({names}) VALUES ({", ".join("?" for _ in cols)})'
    con.executemany(sql, [[r[c] for c in cols] for r in rows])


def _warehouse(path: Path, skip: tuple[str, ...] = (), extra: dict[str, list[dict]] | None = None) -> Path:
    con = duckdb.connect(str(path))
    try:
        for name in TABLES:
            if name in skip:
                continue
            for statement in duckdb_ddl(name):
                con.execute(statement)
            if name != EMPTY_TABLE:
                _insert(con, name, [_row(name, i) for i in range(N_ROWS)])
        for name, rows in (extra or {}).items():
            _insert(con, name, rows)
    finally:
        con.close()
    return path


def _no_network(*_args, **_kwargs):
    raise AssertionError("run_quality tried to open a network connection")


@pytest.fixture(scope="module")
def valid_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("quality_ok")
    warehouse = _warehouse(home / "warehouse.duckdb")
    with pytest.MonkeyPatch.context() as mp:  # air-gapped bureau: nothing may be fetched
        mp.setattr(socket.socket, "connect", _no_network)
        mp.setattr(socket, "create_connection", _no_network)
        report = run_quality(warehouse, home / "reports")
    return home, report


def test_valid_warehouse_passes(valid_run):
    home, report = valid_run
    assert report.success, "\n".join(summary_lines(report))
    assert [t.table for t in report.tables] == list(TABLES)
    for t in report.tables:
        assert t.rows == (0 if t.table == EMPTY_TABLE else N_ROWS)
        assert t.evaluated == len(expectation_specs(TABLES[t.table])) > 1
    lines = summary_lines(report)
    assert any(line.startswith(EMPTY_TABLE) and "0 失败/failed" in line for line in lines)
    assert any("3 行/rows" in line for line in lines)
    assert lines[-1].endswith(str(home / "reports" / "data_docs" / "index.html"))
    print(f"\nrun_quality wall time (incl. GE import if first): {report.seconds:.2f} s")


def test_suites_follow_the_field_metadata():
    for table in TABLES.values():
        specs = expectation_specs(table)
        assert specs[0] == ("ExpectTableColumnsToMatchOrderedList", {"column_list": list(table.columns)})
        for f in table.fields:
            if not f.nullable:
                assert ("ExpectColumnValuesToNotBeNull", {"column": f.name}) in specs
            if f.ge is not None or f.le is not None:
                assert ("ExpectColumnValuesToBeBetween", {"column": f.name, "min_value": f.ge, "max_value": f.le}) in specs
            if f.isin is not None:
                assert ("ExpectColumnValuesToBeInSet", {"column": f.name, "value_set": list(f.isin)}) in specs
            if f.pattern is not None:
                assert ("ExpectColumnValuesToMatchRegex", {"column": f.name, "regex": f.pattern}) in specs
        if len(table.primary_key) > 1:
            assert ("ExpectCompoundColumnsToBeUnique", {"column_list": list(table.primary_key)}) in specs
        elif table.primary_key:
            assert ("ExpectColumnValuesToBeUnique", {"column": table.primary_key[0]}) in specs
    yearly = expectation_specs(TABLES["out_inventory__yearly_enterprise"])
    assert ("ExpectColumnValuesToBeBetween", {"column": "year", "min_value": 2000, "max_value": 2100}) in yearly
    assert ("ExpectColumnValuesToMatchRegex", {"column": "uscc", "regex": USCC_PATTERN}) in yearly


def _pick(predicate, prefer: str):
    """(table, field) for the first field matching predicate, looking in table `prefer` first."""
    order = sorted(TABLES.values(), key=lambda t: t.name != prefer)
    return next((t.name, f) for t in order if t.name != EMPTY_TABLE for f in t.fields if predicate(t, f))


def test_violations_and_missing_table_are_reported(tmp_path):
    compound, ranged = _pick(lambda t, f: len(t.primary_key) > 1 and f.ge is not None and f.dtype in ("int", "float"),
                             "out_inventory__yearly_enterprise")  # year 1800
    single = _pick(lambda t, f: len(t.primary_key) == 1, "")[0]
    regex_table, regex_field = _pick(lambda t, f: f.pattern is not None and t.name not in (compound, single), "")
    used = {compound, single, regex_table}
    missing = next(n for n in TABLES if n not in used | {EMPTY_TABLE})
    bad_value = _bad_value(ranged)
    extra = {
        compound: [_row(compound, FRESH, **{ranged.name: bad_value}), _row(compound, 2)],  # out of range; duplicate key
        single: [_row(single, 1)],  # duplicate of valid row 1
        regex_table: [_row(regex_table, FRESH, **{regex_field.name: "NOT-A-MATCH"})],
    }
    warehouse = _warehouse(tmp_path / "warehouse.duckdb", skip=(missing,), extra=extra)
    report = run_quality(warehouse, tmp_path / "reports")
    assert not report.success

    failed = {(table, f.column, f.expectation): f for table, f in report.failures()}
    expected = {
        (compound, ranged.name, "expect_column_values_to_be_between"),
        (compound, ", ".join(TABLES[compound].primary_key), "expect_compound_columns_to_be_unique"),
        (single, TABLES[single].primary_key[0], "expect_column_values_to_be_unique"),
        (regex_table, regex_field.name, "expect_column_values_to_match_regex"),
        (missing, None, "table_exists"),
    }
    assert set(failed) == expected, "\n".join(summary_lines(report))
    out_of_range = failed[(compound, ranged.name, "expect_column_values_to_be_between")]
    assert out_of_range.unexpected_count == 1 and out_of_range.unexpected_values == (str(bad_value),)
    assert failed[(regex_table, regex_field.name, "expect_column_values_to_match_regex")].unexpected_values == ("NOT-A-MATCH",)
    assert failed[(single, TABLES[single].primary_key[0], "expect_column_values_to_be_unique")].unexpected_count == 2

    gone = report.table(missing)
    assert gone.missing and not gone.success and gone.rows == 0
    assert all(report.table(n).success for n in TABLES if n not in used | {missing})

    text = "\n".join(summary_lines(report))
    assert re.search(rf"^{missing} +仓库中缺失/missing from warehouse$", text, re.M)
    assert f"✗ {ranged.name}  expect_column_values_to_be_between  1 unexpected: {bad_value}" in text
    assert "未通过/FAILED" in text


_EXTERNAL_ASSET = re.compile(
    r"""(?:src|href)\s*=\s*["'](?:https?:)?//[^"']*?(?:\.css|\.js|font|bootstrap|jquery|vega|popper|/npm/)[^"']*["']""",
    re.I)


def test_data_docs_render_offline(valid_run):
    home, report = valid_run
    docs = home / "reports" / "data_docs"
    assert report.data_docs_index == docs / "index.html" and report.data_docs_index.is_file()
    pages = sorted(docs.rglob("*.html"))
    assert len(pages) >= 1 + 2 * len(TABLES)  # index + one suite page and one validation page per table
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not _EXTERNAL_ASSET.findall(text), page
        assert not re.search(r"""<(?:script|img|link|iframe)\b[^>]*\b(?:src|href)\s*=\s*["'](?:https?:)?//""", text, re.I), page
        assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", text, re.I), page
        assert re.search(r"\.collapse\b[^{]*\{[^}]*display:\s*block", text), page  # collapsed sections shown
        assert re.findall(r"<script\b[^>]*>", text) == ['<script id="synergy-offline-js">'], page  # no jQuery code left
    for sheet in docs.rglob("*.css"):
        assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", sheet.read_text(encoding="utf-8")), sheet

    index = report.data_docs_index.read_text(encoding="utf-8")
    validations = re.findall(r'href="(validations/[^"]+\.html)"', index)  # index table rendered as HTML, not by JS
    assert sorted(Path(link).parts[1] for link in validations) == sorted(TABLES)
    assert set(re.findall(r'href="expectations/([^"/]+)\.html"', index)) == set(TABLES)
    for link in validations:
        page = docs / link
        assert page.is_file(), link
        text = page.read_text(encoding="utf-8")
        assert "Evaluated Expectations" in text and Path(link).parts[1] in text
        home_links = set(re.findall(r'href="((?:\.\./)+index\.html)"', text))
        assert home_links and all((page.parent / h).resolve() == report.data_docs_index.resolve() for h in home_links)


def test_great_expectations_stays_off_the_hot_path():
    code = ("import pipelines.orchestration.definitions, pipelines.deliver.expectations, sys; "
            "print('great_expectations' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
