"""The example queries in README's analyst section run on the demo warehouse and answer something."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _queries() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## For analysts: the warehouse"):]
    section = section[:section.index("\n## ", 1)]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.S)


def test_readme_has_the_analyst_questions():
    queries = _queries()
    assert len(queries) >= 4
    tables = " ".join(queries)
    for table in ("out_inventory__yearly_enterprise", "out_inventory__yearly_region_sector", "out_inventory__yearly_facility"):
        assert table in tables


def test_readme_queries_return_rows(sql):
    for query in _queries():
        result = sql(query.strip().rstrip(";"))
        assert result.height > 0, query
        assert result.width >= 2
