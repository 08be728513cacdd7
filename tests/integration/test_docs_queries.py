"""Every example query in the docs runs on the demo warehouse and answers something.

The queries are the ```sql blocks of README.md and docs/*.md and the `synergy sql "…"` commands in their code
blocks, so a query a reader copies out of any document has been run against a real build.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SQL_BLOCK = re.compile(r"```sql\n(.*?)```", re.S)
SQL_COMMAND = re.compile(r'synergy sql "([^"]+)"')
PLACEHOLDER = re.compile(r"^<[^>]*>$")  # `synergy sql "<query>"`: the form, not a query


def _queries() -> dict[str, list[str]]:
    """Per document (name relative to the checkout), its example queries."""
    found = {}
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        queries = SQL_BLOCK.findall(text) + [q for q in SQL_COMMAND.findall(text) if not PLACEHOLDER.match(q)]
        if queries:
            found[path.relative_to(ROOT).as_posix()] = [q.strip().rstrip(";") for q in queries]
    return found


def test_the_analysts_doc_has_the_questions():
    queries = _queries()["docs/analysts.md"]
    assert len(queries) >= 8
    tables = " ".join(queries)
    for table in ("out_inventory__yearly_enterprise", "out_inventory__yearly_region_sector", "out_inventory__yearly_facility",
                  "out_key_emitters__register", "out_crosscheck__findings", "core_qa__rejected_rows"):
        assert table in tables


def test_every_query_in_the_docs_returns_rows(sql):
    for document, queries in _queries().items():
        for query in queries:
            result = sql(query)
            assert result.height > 0, f"{document}: {query}"
            assert result.width >= 1, f"{document}: {query}"
