from pathlib import Path

from pipelines.deliver.docs import data_dictionary
from schemas.generate import duckdb_ddl
from schemas.tables import TABLES


def test_data_dictionary_is_regenerated():
    """docs/data_dictionary.md is generated from schemas/; regenerate it when a field changes."""
    committed = (Path(__file__).resolve().parents[2] / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
    assert committed == data_dictionary()


def test_every_column_has_a_comment_and_units_in_names():
    for name in TABLES:
        statements = duckdb_ddl(name)
        assert sum(s.startswith("COMMENT ON COLUMN") for s in statements) == len(TABLES[name].columns)
    assert "co2_combustion_t" in TABLES["out_inventory__yearly_enterprise"].columns
