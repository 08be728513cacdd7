"""The read-side SQL of the CLI, the report and the dossier: one named query per file under sql/.

Each file starts with a comment line saying what it answers; values reach it as bound parameters ($name or ?),
never as text formatted into it, so a name with a quote in it is data and the query reads the same in a SQL client.
Loaded through importlib.resources, so it works from a wheel as from the source tree.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def query(name: str) -> str:
    """The text of sql/<name>.sql (a missing name is a FileNotFoundError naming it)."""
    return files("pipelines.deliver").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
