"""Read any inbox file (CSV in UTF-8/BOM/GB18030, or XLSX with merged cells) into text rows, within limits.

Pure functions, no Dagster. Every cell comes back as text (or None) so nothing is coerced before
the transform step can explain what it did; merged cells are forward-filled as readers otherwise
see values only in the top-left cell (source-formats.md §5). What a file may cost is checked before and while
it is read (pipelines/read/limits.py): a file beyond a limit raises FileRefused, so memory stays bounded
whatever the file holds. Files are opened only when they are regular files themselves: a symlink is never followed.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import os
import re
import shutil
import stat
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO
from xml.etree.ElementTree import Element

import charset_normalizer
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.worksheet._reader import INLINE_STRING, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from pipelines.read.limits import DEFAULT_LIMITS, MIB, FileRefused, ReadLimits

ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")  # order matters: gb18030 first would garble UTF-8
CHUNK = 1 << 20
SNIFF_BYTES = 1 << 20  # what charset detection looks at: enough text for a verdict, little time


@dataclass(frozen=True)
class Sheet:
    """One sheet (or a whole CSV) as text rows; row i of `rows` is Excel row i + 1 (trailing empty cells dropped)."""

    name: str | None
    rows: list[list[str | None]]


def open_regular(path: Path) -> BinaryIO:
    """The file for reading, only if it is a regular file itself: never through a symlink, never a FIFO to wait on."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"不是普通文件 / not a regular file: {path.name}")
    return os.fdopen(fd, "rb")


def _digest(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    with open_regular(path) as handle:
        return _digest(handle)


FICLONE = 0x40049409  # Linux ioctl: the target shares the source's blocks, copy-on-write (btrfs, XFS, bcachefs)


def clone_or_copy(source: BinaryIO, target: BinaryIO) -> str:
    """Copy an open file into another from its start, as cheaply as the filesystem allows; returns how.

    A reflink costs no disk and no time, and, being copy-on-write, later writes to the inbox file never reach the
    archive (a hard link would share them, so it is not used). Where the filesystem cannot clone, the kernel copies
    (copy_file_range: no trip through Python), else Python does."""
    source.seek(0)
    try:
        import fcntl

        fcntl.ioctl(target.fileno(), FICLONE, source.fileno())
        return "reflink"
    except (ImportError, OSError):
        pass
    try:
        offset = 0  # explicit: a buffered reader's seek may move only its buffer, not the descriptor
        while done := os.copy_file_range(source.fileno(), target.fileno(), CHUNK, offset):  # 0 at the end
            offset += done
        return "kernel copy"
    except (AttributeError, OSError):  # not Linux, or the kernel refuses: start again in Python
        source.seek(0)
        target.seek(0)
        target.truncate(0)
    shutil.copyfileobj(source, target, CHUNK)
    return "copy"


def archive_copy(path: Path, archive: Path) -> tuple[str, Path]:
    """(SHA-256, content-addressed copy in the archive) of an inbox file; the copy is made from the same open file
    that was hashed, so the archive holds exactly what the hash names (written aside, then renamed into place)."""
    with open_regular(path) as handle:
        digest = _digest(handle)
        target = archive / f"{digest}{path.suffix.lower()}"
        if not target.exists():
            archive.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f"{target.name}.tmp{os.getpid()}")
            with partial.open("wb") as out:
                clone_or_copy(handle, out)
            os.replace(partial, target)
    return digest, target


def _charset_guess(head: bytes, candidates: list[str] | None = None) -> str | None:
    best = charset_normalizer.from_bytes(head, cp_isolation=candidates).best()
    return best.encoding if best else None


def detect_encoding(path: Path) -> str:
    """The first of UTF-8 (with BOM) and GB18030 that decodes the whole file strictly, read in chunks.

    A file neither decodes is refused as `unrecognised`, naming what charset detection takes it for."""
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        try:
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(CHUNK), b""):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    with path.open("rb") as handle:
        guess = _charset_guess(handle.read(SNIFF_BYTES)) or "unknown"
    raise FileRefused("unrecognised", f"文本编码无法识别：既不是UTF-8也不是GB18030（像是{guess}），请另存为UTF-8编码的CSV",
                      f"text encoding not recognised: neither UTF-8 nor GB18030 (looks like {guess}); save it as a "
                      f"UTF-8 CSV")


def gb18030_doubt(path: Path) -> tuple[str, str] | None:
    """A note when a file that decodes as GB18030 reads rather as Western-European text (Latin-1/cp1252): such bytes
    often decode as GB18030 too, as rare Chinese characters, so the text would be garbled without a word."""
    with path.open("rb") as handle:
        guess = _charset_guess(handle.read(SNIFF_BYTES), ["gb18030", "cp1252"])
    if guess is None or guess == "gb18030":
        return None
    return (f"按GB18030解码，但内容更像西欧编码（{guess}），文字可能是乱码，请核对或另存为UTF-8",
            f"decoded as GB18030 but reads as Western-European text ({guess}): the text may be garbled; check it or "
            f"save it as UTF-8")


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


@dataclass
class _Budget:
    """What one file holds in memory, counted against the limits as it is read; the first limit passed refuses it."""

    limits: ReadLimits
    cells: int = 0

    def add(self, cells: int, what_zh: str, what_en: str) -> None:
        self.cells += cells
        if self.cells > self.limits.file_cells:
            raise self.limits.refuse("file_cells", f"读到{what_zh}时文件读入内存的单元格数", f"the cells held in memory "
                                     f"up to {what_en}", self.cells, ("个", " cells"), at_least=True)

    def sheet(self, rows: Iterable[tuple[int, list[tuple[int, str]]]], zh: str, en: str) -> list[list[str | None]]:
        """Rows as lists from (row number, [(column, text)]) in row order, each as wide as its last cell (empty rows
        between kept empty, trailing ones dropped); limits checked before a row is built."""
        out: list[list[str | None]] = []
        for seen, (number, cells) in enumerate(rows, start=1):
            if max(seen, number) > self.limits.sheet_rows:  # row elements, or their numbers: repeats count too
                raise self.limits.refuse("sheet_rows", f"{zh}的行数（含空行）", f"the row count (empty rows included) "
                                         f"of {en}", max(seen, number), ("行", " rows"), at_least=True)
            if not cells:
                continue
            if number <= len(out):
                raise FileRefused("unreadable", f"{zh}第{number}行重复或顺序颠倒", f"{en}: row {number} repeats or "
                                  "comes after a later row")
            width = max(column for column, _ in cells)
            if width > self.limits.sheet_columns:
                raise self.limits.refuse("sheet_columns", f"{zh}第{number}行的宽度", f"the width of row {number} "
                                         f"of {en}", width, ("列", " columns"))
            self.add(width, f"{zh}第{number}行", f"row {number} of {en}")
            out.extend([] for _ in range(number - 1 - len(out)))
            row: list[str | None] = [None] * width
            for column, text in cells:
                row[column - 1] = text
            out.append(row)
        return out


class _Lines:
    """Physical lines for csv.reader, refused once one record (a row, its quoted line breaks included) passes the
    line limit: no line is read whole beyond it, and the refusal names the line and its full length. The reader
    resets `record` after each row it makes."""

    def __init__(self, text: TextIO, limits: ReadLimits) -> None:
        self.text, self.limits, self.record, self.number = text, limits, 0, 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.text.readline(self.limits.csv_line_chars + 1)
        if not line:
            raise StopIteration
        self.number += 1
        self.record += len(line)
        if self.record > self.limits.csv_line_chars:
            length = self.record
            while not line.endswith("\n") and (line := self.text.readline(CHUNK)):
                length += len(line)
            raise self.limits.refuse("csv_line_chars", f"第{self.number}行所在记录的长度", f"the length of the record on "
                                     f"line {self.number}", length, ("个字符", " characters"))
        return line


def _csv_rows(lines: _Lines) -> Iterator[tuple[int, list[tuple[int, str]]]]:
    for number, row in enumerate(csv.reader(lines), start=1):
        lines.record = 0
        yield number, [(column, cell) for column, cell in enumerate(row, start=1) if cell.strip()]


def check_line_lengths(path: Path, limits: ReadLimits) -> None:
    """Refuse a CSV with a line longer than the line limit (in bytes), in one streaming pass: for a reader that holds
    whole lines (polars, for CEMS hourly exports of any size)."""
    limit, run, lines = limits.csv_line_chars, 0, 0  # run: the line going on into the next chunk; lines: breaks before
    with open_regular(path) as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            pieces = chunk.split(b"\n")
            lengths = [run + len(pieces[0]), *map(len, pieces[1:])]  # the last one runs on into the next chunk
            if max(lengths) > limit:
                at = next(i for i, n in enumerate(lengths) if n > limit)
                raise limits.refuse("csv_line_chars", f"第{lines + at + 1}行的长度", f"the length of line "
                                    f"{lines + at + 1}", lengths[at], ("字节", " bytes"), at_least=True)
            lines += len(pieces) - 1
            run = lengths[-1]


def read_csv_rows(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> tuple[Sheet, str]:
    """A CSV file as one sheet, plus the detected encoding; streamed, so memory is what the rows hold."""
    size = path.stat().st_size
    if size > limits.csv_mb * MIB:
        raise limits.refuse("csv_mb", "CSV文件大小", "the CSV file's size", -(-size // MIB), (" MB", " MB"))
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as text:
        rows = _Budget(limits).sheet(_csv_rows(_Lines(text, limits)), "CSV", "the CSV")
    return Sheet(None, rows), encoding


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_TAG_HEAD = 256  # bytes of a tag the patterns above need, namespace prefix included


def _check_inflated(archive: zipfile.ZipFile, limits: ReadLimits) -> None:
    """Refuse a workbook whose XML unpacks beyond the limit, from the zip directory, before anything is unpacked
    (zipfile never inflates a member beyond the size the directory states)."""
    infos = archive.infolist()
    total = sum(i.file_size for i in infos)
    if total > limits.xlsx_inflated_mb * MIB:
        largest = max(infos, key=lambda i: i.file_size)
        raise limits.refuse("xlsx_inflated_mb", f"工作簿解压后的大小（最大部件{largest.filename}为"
                            f"{-(-largest.file_size // MIB):,} MB）", f"the workbook's unpacked size (largest part "
                            f"{largest.filename}: {-(-largest.file_size // MIB):,} MB)", -(-total // MIB), (" MB", " MB"))


def _prescan(archive: zipfile.ZipFile, member: str, limits: ReadLimits, zh: str, en: str,
             ) -> list[tuple[int, int, int, int]]:
    """The merged ranges (min_col, min_row, max_col, max_row) of a sheet, its XML streamed in chunks, with its row
    elements counted: openpyxl keeps something of every row element and merged range it parses, so a sheet with more
    rows than the limit, a range larger than a file may hold or more ranges than a sheet may have is refused here,
    before openpyxl parses anything. (openpyxl's read-only mode does not expose merged cells.)"""
    found: list[tuple[int, int, int, int]] = []
    rows, tail = 0, b""
    with archive.open(member.lstrip("/")) as xml:
        for chunk in iter(lambda: xml.read(CHUNK), b""):
            data = tail + chunk
            last = data.rfind(b"<")
            cut = last if last >= 0 and len(data) - last < _TAG_HEAD else len(data)  # a tag cut short waits
            rows += len(_ROW_TAG.findall(data, 0, cut))
            if rows > limits.sheet_rows:
                raise limits.refuse("sheet_rows", f"{zh}的行数（含空行）", f"the row count (empty rows included) of "
                                    f"{en}", rows, ("行", " rows"), at_least=True)
            for match in _MERGE_REF.finditer(data, 0, cut):
                ref = match.group(1).decode()
                bounds = range_boundaries(ref)
                area = (bounds[2] - bounds[0] + 1) * (bounds[3] - bounds[1] + 1)
                if area > limits.file_cells:
                    raise limits.refuse("file_cells", f"{zh}合并单元格区域{ref}的面积", f"the area of merged range "
                                        f"{ref} of {en}", area, ("个单元格", " cells"))
                if len(found) == limits.sheet_merged_ranges:
                    raise limits.refuse("sheet_merged_ranges", f"{zh}的合并单元格区域数", f"the count of merged ranges "
                                        f"of {en}", len(found) + 1, ("个", ""), at_least=True)
                found.append(bounds)  # type: ignore[arg-type]
            tail = data[cut:]
    return found


def _open_workbook(path: Path, limits: ReadLimits) -> tuple[ExcelReader, list[tuple[str, str, list]]]:
    """The workbook's reader with its shared strings and styles loaded, and (title, XML part, merged ranges) of each
    worksheet, once what it may cost has been checked from the zip alone. openpyxl's own loading is not used: it
    parses in full every sheet that lacks a <dimension>, keeping something of each row, before any check could run.
    (ExcelReader's steps and WorkSheetParser, its parse_cell included, are openpyxl 3.1 internals: re-check them when
    its pin moves.)"""
    reader = ExcelReader(path, read_only=True, data_only=True)
    try:
        _check_inflated(reader.archive, limits)
        reader.read_manifest()
        reader.read_workbook()
        sheets = [(sheet.name, rel.target) for sheet, rel in reader.parser.find_sheets()
                  if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
        parts = [(title, member, _prescan(reader.archive, member, limits, f"工作表“{title}”", f"sheet {title!r}"))
                 for title, member in sheets]
        reader.read_strings()
        apply_stylesheet(reader.archive, reader.wb)  # the date formats, which tell a date from a number
    except BaseException:
        reader.archive.close()
        raise
    return reader, parts


def _fill_merges(rows: list[list[str | None]], merges: list[tuple[int, int, int, int]], budget: _Budget, zh: str,
                 en: str) -> None:
    """Fill each merged range with its top-left value, only over the rows present and the sheet's used width: a
    merge over empty space costs nothing, and what it fills counts against the file's cells."""
    width = max(map(len, rows), default=0)
    for min_col, min_row, max_col, max_row in merges:
        last_row, last_col = min(max_row, len(rows)), min(max_col, width)
        if min_row > last_row or min_col > last_col:
            continue
        budget.add((last_row - min_row + 1) * (last_col - min_col + 1), f"{zh}的合并单元格填充", f"the merged cells "
                   f"of {en}")
        top = rows[min_row - 1]
        value = top[min_col - 1] if min_col <= len(top) else None
        for row in rows[min_row - 1:last_row]:
            stop = last_col if value is not None else min(last_col, len(row))
            if stop >= min_col:
                row.extend([None] * (stop - len(row)))
                row[min_col - 1:stop] = [value] * (stop - min_col + 1)


_TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"


class _SheetParser(WorkSheetParser):
    """openpyxl's sheet parser, with a short way through the plain inline string (`<is><t>text</t></is>`, what many
    exporters write for every text cell): openpyxl reads it as a rich-text object (Text.from_tree), which costs more
    than parsing the XML. Every other cell, and any inline string with more in it, takes openpyxl's own way."""

    def parse_cell(self, element: Element) -> dict[str, object]:
        if element.get("t") != "inlineStr":
            return super().parse_cell(element)
        inline = element.find(INLINE_STRING)
        if inline is None or inline.attrib or len(inline) != 1 or inline[0].tag != _TEXT_TAG:
            return super().parse_cell(element)
        style_id = element.get("s", 0)
        if style_id:
            style_id = int(style_id)
        if coordinate := element.get("r"):
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        return {"row": row, "column": column, "value": inline[0].text or "", "data_type": "s", "style_id": style_id}


def _sparse_rows(reader: ExcelReader, member: str, max_rows: int | None) -> Iterator[tuple[int, list[tuple[int, str]]]]:
    """(row number, [(column, text)]) of each row element in the sheet XML, only the cells it holds.

    openpyxl's iter_rows would pad every row to its last cell and yield every missing row: a styled cell at XFD or a
    row numbered 1,000,000 would cost a padded row each. The parser is the one iter_rows uses, with the same
    workbook settings (shared strings, date formats, epoch), so every value reads as openpyxl gives it.
    """
    book = reader.wb
    with reader.archive.open(member) as source:
        parser = _SheetParser(source, reader.shared_strings, data_only=True, epoch=book.epoch,
                              date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for number, cells in parser.parse():
            if max_rows is not None and number > max_rows:
                return
            yield number, [(c["column"], text) for c in cells if (text := _cell_text(c["value"])) is not None]


def read_xlsx_rows(path: Path, max_rows: int | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> list[Sheet]:
    """Every sheet of a workbook as text rows (the first `max_rows` only, if given), merged ranges filled with their
    top-left value."""
    reader, parts = _open_workbook(path, limits)
    budget = _Budget(limits)
    sheets = []
    try:
        for title, member, merges in parts:
            zh, en = f"工作表“{title}”", f"sheet {title!r}"
            rows = budget.sheet(_sparse_rows(reader, member, max_rows), zh, en)
            _fill_merges(rows, merges, budget, zh, en)
            sheets.append(Sheet(title, rows))
    finally:
        reader.archive.close()
    return sheets


def read_sheets(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> tuple[list[Sheet], str | None]:
    """All sheets of a CSV or XLSX file and the CSV encoding (None for XLSX)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        sheet, encoding = read_csv_rows(path, limits)
        return [sheet], encoding
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx_rows(path, limits=limits), None
    raise ValueError(f"不支持的文件类型 {suffix} / unsupported file type {suffix}")
