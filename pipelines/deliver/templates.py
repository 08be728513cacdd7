"""Blank XLSX templates in the official layouts, for teams that re-key paper or PDF data.

One workbook per export layout: the official headers with their units, a two-row merged header where
the official table has one (许可年排放量限值 over 第一年…第五年), and a 填表说明 sheet listing what each
column accepts. A filled template ingests like the platform export it imitates.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from schemas.layouts import LAYOUTS, Layout

NOTES_HEADER = ["列 / column", "必填 / required", "可接受的表头写法 / accepted header spellings", "单位 / unit"]


def _header_cells(layout: Layout) -> list[tuple[str, str | None]]:
    """(top, bottom) per column: a joined official header `parent/child` becomes two header rows."""
    cells = []
    for column, variants in layout.columns.items():
        official = variants[0]
        unit = layout.template_units.get(column)
        parent, _, child = official.rpartition("/")
        if parent and child in variants:  # a two-row header: the child alone is also accepted
            cells.append((f"{parent}({unit})" if unit else parent, child))
        else:
            cells.append((f"{official}({unit})" if unit else official, None))
    return cells


def write_template(layout: Layout, path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1})
    sheet = book.add_worksheet(layout.zh[:31].replace("/", "_"))
    cells = _header_cells(layout)
    two_rows = any(bottom for _, bottom in cells)
    for position, (top, bottom) in enumerate(cells):
        sheet.set_column(position, position, max(10, len(top) * 2))
        if not two_rows:
            sheet.write(0, position, top, bold)
        elif bottom is None:
            sheet.merge_range(0, position, 1, position, top, bold)
        else:
            sheet.write(1, position, bottom, bold)
    if two_rows:  # one merged parent over each run of children
        start = None
        for position, (top, bottom) in enumerate([*cells, ("", None)]):
            if start is not None and (bottom is None or top != cells[start][0]):
                sheet.merge_range(0, start, 0, position - 1, cells[start][0], bold)
                start = None
            if bottom is not None and start is None:
                start = position
    sheet.freeze_panes(2 if two_rows else 1, 0)
    notes = book.add_worksheet("填表说明")
    notes.write_row(0, 0, NOTES_HEADER, bold)
    for row, (column, variants) in enumerate(layout.columns.items(), start=1):
        notes.write_row(row, 0, [variants[0], "是" if column in layout.required else "",
                                 " / ".join(variants), layout.template_units.get(column, "")])
    notes.set_column(0, 0, 28)
    notes.set_column(2, 2, 80)
    book.close()


def write_templates(folder: Path) -> list[Path]:
    """One template per layout into `folder`, named <source>_<raw table>_<中文名>.xlsx."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for layout in LAYOUTS.values():
        name = layout.zh.replace("/", "_").replace(" ", "_")
        path = folder / f"模板_{layout.source_system}_{layout.table.split('__')[1]}_{name}.xlsx"
        write_template(layout, path)
        paths.append(path)
    return paths
