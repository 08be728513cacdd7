"""Shared paths; real public data lives in ../shared/realdata (never copied into the repo)."""

from pathlib import Path

# pandera imports hypothesis on its first validation; under pytest that import is assertion-rewritten (ast.parse),
# and CPython 3.11.7's AST constructor fails ("recursion depth mismatch") when that happens deep inside a Dagster
# step's generators. Imported here, at the top of the stack, it never is.
import hypothesis  # noqa: F401
import pytest

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real data folder not found at {REALDATA}")
    return REALDATA


@pytest.fixture(scope="session")
def table_frame():
    """Build a typed frame of a published table from partial rows (columns not given are null)."""
    import polars as pl

    from schemas.generate import polars_schema
    from schemas.tables import TABLES

    def make(table: str, rows: list[dict]) -> pl.DataFrame:
        schema = polars_schema(TABLES[table])
        unknown = {k for r in rows for k in r} - set(schema)
        assert not unknown, f"{table} has no columns {unknown}"
        return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema)

    return make


# Session fixtures that build a world (tests/integration/conftest.py): every test using one, directly or through
# another fixture (`sql`), is slow whatever its own time.
BUILDS = frozenset({"built", "cli_built", "handwritten"})
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark slow every test that needs a real build or takes seconds, so `pytest -m "not slow"` is the fast subset
    (under a minute on 2 cores)."""
    for item in items:
        if BUILDS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
