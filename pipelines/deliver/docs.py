"""The data dictionary: every published table (from schemas/) plus, per export layout, which header and
spelling variant fills which raw column and which core field — generated, never written by hand."""

from __future__ import annotations

from pipelines.read.transforms import TRANSFORMS
from schemas.generate import data_dictionary_markdown
from schemas.layouts import LAYOUTS


def _targets(table: str) -> dict[str, list[str]]:
    """raw column -> core fields it fills, read from the table's transform rules."""
    out: dict[str, list[str]] = {}
    for rule in TRANSFORMS[table].rules:
        fields = list(rule.target) if isinstance(rule.target, tuple) else [rule.target or rule.column]
        for column in (rule.column, *rule.reads):
            out.setdefault(column, []).extend(fields)
    return out


def header_map_markdown() -> str:
    lines = ["# Export headers → fields (表头映射)", "",
             "Headers are matched after NFKC normalisation and the bracket map (〈〔【 → ( ); a unit in brackets "
             "(`消耗量(万吨)`) is split off and used for cells without a unit of their own. Two-row headers are joined "
             "as `parent/child`. Columns marked * are required; a file lacking one gets a file-level error.", ""]
    for layout in LAYOUTS.values():
        core = TRANSFORMS[layout.table].core_table
        targets = _targets(layout.table)
        lines += [f"## {layout.zh}: `{layout.table}` → `{core}`", "",
                  "| raw column | official header | variants | core field(s) |", "|---|---|---|---|"]
        for column, variants in layout.columns.items():
            mark = "*" if column in layout.required else ""
            fields = ", ".join(f"`{f}`" for f in dict.fromkeys(targets.get(column, []))) or "kept in raw only"
            lines.append(f"| `{column}`{mark} | {variants[0]} | {' / '.join(variants[1:])} | {fields} |")
        if layout.context:
            lines.append("")
            lines.append(f"Taken from the title rows or file name when no column carries it: {', '.join(layout.context)}.")
        lines.append("")
    return "\n".join(lines)


def data_dictionary() -> str:
    """Tables and header maps in one Markdown document (docs/data_dictionary.md and next to the warehouse)."""
    return data_dictionary_markdown() + "\n" + header_map_markdown()
