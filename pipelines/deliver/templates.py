"""Blank XLSX templates in the official layouts, for teams that re-key paper or PDF data.

One workbook per export layout: the official headers with their units, a two-row merged header where
the official table has one (许可年排放量限值 over 第一年…第五年), and a 填表说明 sheet listing what each
column accepts; plus the CEMS hourly template (HJ 212 wide layout) and the outlet map it needs. A filled
template ingests like the platform export it imitates, and its 填表说明 sheet is skipped as help.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format

from inventories.cems.codes import AUXILIARY, FLAGS, POLLUTANTS
from pipelines.read.cems.outlets import NAME_HEADERS, OUTLET_HEADERS, PERMIT_HEADERS
from schemas.layouts import HELP_SHEET, LAYOUTS, Layout

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


def _bold(book: xlsxwriter.Workbook) -> Format:
    return book.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1})


def write_template(layout: Layout, path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    bold = _bold(book)
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
    _help_sheet(book, bold, NOTES_HEADER, [[variants[0], "是" if column in layout.required else "", " / ".join(variants),
                                            layout.template_units.get(column, "")]
                                           for column, variants in layout.columns.items()])
    book.close()


def write_templates(folder: Path) -> list[Path]:
    """One template per layout into `folder`, named 模板_<source>_<raw table>_<中文名>.xlsx, then the CEMS ones."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for layout in LAYOUTS.values():
        name = layout.zh.replace("/", "_").replace(" ", "_")
        path = folder / f"模板_{layout.source_system}_{layout.table.split('__')[1]}_{name}.xlsx"
        write_template(layout, path)
        paths.append(path)
    return paths + write_cems_templates(folder)

# CEMS: the HJ 212 wide layout the hourly reader takes (pipelines/read/cems/reader.py), codes and flags from
# inventories/cems/codes.py. Names and units of each code as that module and the reader use them (-Cou of a pollutant
# in kg, of the flue-gas flow a00000 in m3; concentrations in mg/m3).
CEMS_CODE_NAMES = {"a21026": ("二氧化硫", "SO2"), "a21002": ("氮氧化物", "NOx"), "a34013": ("颗粒物(烟尘)", "PM"),
                   "a00000": ("废气流量", "flue-gas flow"), "a19001": ("氧含量", "O2"),
                   "a01012": ("烟气温度", "flue-gas temperature"), "a01014": ("烟气湿度", "flue-gas moisture")}
_POLLUTANT_SUFFIXES = {"Avg": ("实测小时均值浓度", "measured hourly mean concentration", "mg/m3"),
                       "ZsAvg": ("折算浓度(基准氧含量)", "concentration at the reference O2", "mg/m3"),
                       "Cou": ("小时排放量", "hourly mass emitted", "kg"),
                       "Flag": ("数据标记", "data flag", "")}
_AUXILIARY_UNITS = {"a00000": "m3", "a19001": "%", "a01012": "℃", "a01014": "%"}
_AUXILIARY_SUFFIXES = {"Avg": ("小时均值", "hourly mean"), "Cou": ("小时累计量", "hourly total")}
CEMS_HELP_HEADER = ["列 / column", "含义 / meaning", "单位 / unit", "必填 / required", "说明 / notes"]
OUTLET_MAP_HEADER = ["MN", PERMIT_HEADERS[0], OUTLET_HEADERS[0], NAME_HEADERS[0]]


def _flags() -> str:
    return "；".join(f"{code} {zh}/{en}" for code, (zh, en) in FLAGS.items())


def cems_columns() -> list[list[str]]:
    """Help rows (column, meaning, unit, required, notes) of the hourly template, in column order."""
    hour = ("整点小时，写作YYYYMMDDhhmmss(如20240101010000)，全文件用同一种写法 / the hour, as YYYYMMDDhhmmss "
            "(e.g. 20240101010000), one way of writing it in the whole file")
    rows = [["MN", "数采仪编号 / data-logger code", "", "是 / yes",
             "须已登记在监测点位对照表(模板_cems_outlets)中 / must be in the outlet map (模板_cems_outlets)"],
            ["DataTime", "监测时间 / hour", "", "是 / yes", hour]]
    for code in POLLUTANTS:
        zh, en = CEMS_CODE_NAMES[code]
        for suffix, (what_zh, what_en, unit) in _POLLUTANT_SUFFIXES.items():
            note = {"Cou": "留空即该小时未报排放量；删去整列则按 -Avg × a00000-Cou ÷ 10^6 推算 / an empty cell reports "
                           "no mass for the hour; without the column the mass is -Avg × a00000-Cou / 10^6",
                    "Flag": _flags()}.get(suffix, "")
            rows.append([f"{code}-{suffix}", f"{zh}{what_zh} / {en} {what_en}", unit,
                         "每种污染物至少填 -Avg 或 -Cou / -Avg or -Cou for each pollutant" if suffix == "Avg" else "",
                         note])
    for code, (_, suffix, _) in AUXILIARY.items():
        zh, en = CEMS_CODE_NAMES[code]
        what_zh, what_en = _AUXILIARY_SUFFIXES[suffix]
        rows.append([f"{code}-{suffix}", f"{zh}{what_zh} / {en} {what_en}", _AUXILIARY_UNITS[code], "", ""])
        if code == "a00000":
            rows.append([f"{code}-Flag", f"{zh}数据标记 / {en} data flag", "", "", _flags()])
    return rows


def _help_sheet(book: xlsxwriter.Workbook, bold: Format, header: list[str], rows: list[list[str]],
                notes: tuple[str, ...] = ()) -> None:
    """The 填表说明 sheet (the name readers skip as help): one row per column, then free notes."""
    sheet = book.add_worksheet(HELP_SHEET)
    sheet.write_row(0, 0, header, bold)
    for row, values in enumerate(rows, start=1):
        sheet.write_row(row, 0, values)
    for row, note in enumerate(notes, start=len(rows) + 2):
        sheet.write(row, 0, note)
    for position in range(len(header)):  # about two width units per Chinese character, at most 80
        sheet.set_column(position, position, min(80, max(12, *(2 * len(r[position]) for r in rows))))


def _plain_sheet(book: xlsxwriter.Workbook, bold: Format, name: str, header: list[str],
                 comments: tuple[str, ...] = ()) -> None:
    """A data sheet with one header row, every column kept as text (long MN codes and hours are not numbers)."""
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet(name)
    for position, title in enumerate(header):
        sheet.write(0, position, title, bold)
        sheet.set_column(position, position, max(12, len(title) + 2), text)
    for position, comment in enumerate(comments):
        sheet.write_comment(0, position, comment)
    sheet.freeze_panes(1, 0)


def write_cems_templates(folder: Path) -> list[Path]:
    """The CEMS hourly template (HJ 212 wide layout) and the outlet map it needs, each with its 填表说明 sheet."""
    hourly = folder / "模板_cems_hourly_在线监测小时数据(HJ212宽表).xlsx"
    book = xlsxwriter.Workbook(str(hourly))
    bold = _bold(book)
    columns = cems_columns()
    _plain_sheet(book, bold, "小时数据", [c[0] for c in columns], tuple(f"{c[1]} {c[2]}".strip() for c in columns))
    _help_sheet(book, bold, CEMS_HELP_HEADER, columns, (
        "每行一个排放口(MN)的一个整点小时 / one row per outlet (MN) and hour",
        "文件名请写明年份，如“郑州_2024_小时数据.xlsx” / put the year in the file name, e.g. 郑州_2024_小时数据.xlsx",
        "放入 inbox/cems/，与监测点位对照表一起 / drop it into inbox/cems/ with the outlet map"))
    book.close()
    outlets = folder / "模板_cems_outlets_监测点位对照表.xlsx"
    book = xlsxwriter.Workbook(str(outlets))
    bold = _bold(book)
    _plain_sheet(book, bold, "监测点位对照表", OUTLET_MAP_HEADER)
    _help_sheet(book, bold, CEMS_HELP_HEADER, [
        ["MN", "数采仪编号 / data-logger code", "", "是 / yes", "小时数据中的MN / the MN of the hourly data"],
        [PERMIT_HEADERS[0], "排污许可证编号 / permit number", "", "是 / yes", "22位 / 22 characters"],
        [OUTLET_HEADERS[0], "许可证中的排放口编号 / the permit's outlet code", "", "是 / yes", "DA/DW加3位数字，如DA001 / "
         "DA or DW and 3 digits, e.g. DA001"],
        [NAME_HEADERS[0], "排放口名称 / outlet name", "", "", ""]])
    book.close()
    return [hourly, outlets]
