"""Checking an XLSX file's size as it inflates, before calamine builds its cells.

calamine holds a sheet as one dense grid from A1 to the last cell, so a 1.7 KB file whose
one cell sits at ``XFD1048576`` asks for 17 billion cells (the process aborts), and it
reads the shared strings whole (a 1 MB file can inflate to a 1 GiB string). This module
reads every XML part calamine would read as a stream, in chunks, counting the inflated
bytes, the rows, the furthest row and column and the longest text, and refuses the file
the moment one passes its limit: memory never grows past one chunk. The zip's declared
sizes are checked first (cheap, but a zip can lie, hence the counting).
"""

from __future__ import annotations

import functools
import re
import zipfile
from dataclasses import dataclass

from xjwc_desktop.core.errors import InputError

CHUNK = 1 << 20
MAX_INFLATED = 512 * 2**20  # all XML parts together, as inflated
MAX_COLUMNS = 500
MAX_CELLS = 10_000_000  # rows × columns of the grid calamine allocates (500,000 × 20)
MAX_TEXT_BYTES = 256 * 1024  # one cell's text: Excel's 32,767 characters fit many times

_CELL_REF = re.compile(rb"<c\b[^>]*?\sr=\"([A-Z]{1,4})([0-9]{1,8})\"")
# What every writer we know does (Excel, WPS, openpyxl, xlsxwriter): the reference first.
_FIRST_COLUMN = re.compile(rb"<c r=\"([A-Z]{1,4})[0-9]")
_FIRST_ROW = re.compile(rb"<c r=\"[A-Z]{1,4}([0-9]{1,8})\"")
_ROW_REF = re.compile(rb"<row\b[^>]*?\sr=\"([0-9]{1,8})\"")
_ROW_END = b"</row>"


def _cells(data: bytes) -> int:
    return data.count(b"<c ") + data.count(b"<c>") + data.count(b"<c/>")


def _greatest(numerals: list[bytes]) -> bytes:
    """The greatest of column letters or row digits: the longest, then the last in order
    (compared in C, not one Python step per cell)."""
    return max(zip(map(len, numerals), numerals, strict=True))[1]


class TooLarge(InputError):
    """A limit was passed while reading; the message names which."""


@dataclass
class Limits:
    rows: int
    inflated: int = MAX_INFLATED
    columns: int = MAX_COLUMNS
    cells: int = MAX_CELLS
    text_bytes: int = MAX_TEXT_BYTES


def column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number


class _SheetCount:
    """The furthest row and column of one worksheet and its number of rows, chunk by chunk."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.rows = self.last_row = self.last_column = 0

    def feed(self, data: bytes) -> None:
        cells = _cells(data)
        if cells and data.count(b'<c r="') == cells:  # the common case, at C speed
            self._named(_FIRST_COLUMN.findall(data), _FIRST_ROW.findall(data))
        elif cells:
            refs = _CELL_REF.findall(data)
            self._named([c for c, _ in refs], [r for _, r in refs])
            if len(refs) != cells:
                self._unnamed_cells(data)
        rows = _ROW_REF.findall(data)
        if rows:
            self.last_row = max(self.last_row, int(_greatest(rows)))
        self.rows += data.count(_ROW_END)  # rows with content (an empty one closes itself)
        self.last_row = max(self.last_row, self.rows)
        self._check()

    def _named(self, columns: list[bytes], rows: list[bytes]) -> None:
        if columns:
            self.last_column = max(self.last_column, column_number(_greatest(columns)))
        if rows:
            self.last_row = max(self.last_row, int(_greatest(rows)))

    def _unnamed_cells(self, data: bytes) -> None:
        # Cells without a reference follow the one before them: a row holds at most its
        # last named column plus its number of cells.
        for row in data.split(_ROW_END):
            named = [column_number(c) for c, _ in _CELL_REF.findall(row)]
            self.last_column = max(self.last_column, max(named, default=0) + _cells(row))

    def _check(self) -> None:
        limits = self.limits
        if self.rows > limits.rows + 1:
            raise TooLarge(f"超过单次导入上限 {limits.rows:,} 行数据，请拆分后分批导入")
        if self.last_column > limits.columns:
            raise TooLarge(f"第 {self.last_column:,} 列有内容，超过 {limits.columns:,} 列的上限")
        if self.last_row * self.last_column > limits.cells:
            raise TooLarge(f"内容延伸到第 {self.last_row:,} 行、第 {self.last_column:,} 列，"
                           f"超过 {limits.cells:,} 个单元格的上限（请删去表格范围外的内容）")


def check_xlsx(zf: zipfile.ZipFile, limits: Limits) -> None:
    """Raise :class:`TooLarge` if a part calamine reads passes a limit."""
    parts = [info for info in zf.infolist()
             if info.filename.startswith("xl/") and info.filename.endswith(".xml")]
    declared = sum(info.file_size for info in parts)
    if declared > limits.inflated:
        raise TooLarge(f"解压后有 {declared / 2**20:,.0f} MB，"
                       f"超过 {limits.inflated // 2**20} MB 的上限")
    inflated = 0
    for info in parts:
        sheet = (_SheetCount(limits)
                 if info.filename.startswith("xl/worksheets/") else None)
        with zf.open(info) as stream:
            tail = b""
            while chunk := stream.read(CHUNK):
                inflated += len(chunk)
                if inflated > limits.inflated:
                    raise TooLarge(f"解压后超过 {limits.inflated // 2**20} MB 的上限"
                                   "（压缩包声明的大小与实际不符）")
                data = tail + chunk
                # Whole tags only: what follows the last ">" waits for the next chunk.
                end = data.rfind(b">") + 1
                data, tail = data[:end], data[end:]
                if len(tail) > limits.text_bytes or _too_long(data, limits.text_bytes):
                    raise TooLarge(f"有一段文字超过 {limits.text_bytes // 1024} KB"
                                   "（单元格内容过长）")
                if sheet:
                    sheet.feed(data)


def _too_long(data: bytes, limit: int) -> bool:
    """Whether ``data`` has a run of more than ``limit`` bytes without a tag. The search
    starts only at each "<" (a literal the regex engine finds fast), so it stays linear."""
    if len(data) <= limit:
        return False
    first = data.find(b"<")
    if first == -1 or first > limit:
        return True
    return _long_run(limit).search(data, first) is not None


@functools.lru_cache(maxsize=4)
def _long_run(limit: int) -> re.Pattern[bytes]:
    return re.compile(rb"<[^<]{%d}" % (limit + 1))
