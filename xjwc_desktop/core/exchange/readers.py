"""Reading the spreadsheets people send: CSV in UTF-8 or GBK, XLSX, with one clear message
for anything else.

The file's type is told by its content, not its name (a ``.xlsx`` saved as CSV, a ``.csv``
that is really an old ``.xls``). CSV text is UTF-8 (with or without BOM), UTF-16 (Excel's
"Unicode text") or, failing those, GB18030, the superset of the GBK that Chinese Excel and
WPS write by default. XLSX is read with calamine (Rust), since a 100,000-row sheet takes
seconds through a pure-Python reader, after :mod:`.xlsx_guard` has streamed the file through
its limits (calamine trusts the file's own idea of its size).

Limits are checked while reading, so a hostile file is refused before memory grows.
Control characters (a NUL, a vertical tab) are never dropped nor allowed to cut a text:
each becomes its visible symbol from Unicode's Control Pictures block (NUL → ␀).
"""

from __future__ import annotations

import csv
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.exchange.sqltext import visible_controls
from xjwc_desktop.core.exchange.xlsx_guard import MAX_COLUMNS, Limits, TooLarge, check_xlsx

MAX_BYTES = 200 * 1024 * 1024
MAX_ROWS = 500_000
MAX_CSV_CELL = 131_072  # characters, Python's csv default, stated here so the message can say it
_CONTROL_BYTES = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FileRefused(InputError):
    """The file cannot be read as a table; nothing was imported."""


@dataclass
class RawTable:
    """The cells of a file, every row as a list, with the file's own row numbers."""

    rows: list[list[object]]
    row_numbers: list[int]  # 1-based, as a spreadsheet shows them
    description: str  # "CSV（GBK 编码）", "XLSX 工作表“Sheet1”"


def read_table(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES,
               max_rows: int = MAX_ROWS) -> RawTable:
    """Every non-empty row of the file's first sheet. Raises :class:`FileRefused` with a
    Chinese message naming the file for anything that is not a readable table."""
    path = Path(path)
    name = f"“{path}”"
    if not path.exists():
        raise FileRefused(f"文件{name}不存在。")
    if not path.is_file():
        raise FileRefused(f"{name}不是文件。")
    size = path.stat().st_size
    if size == 0:
        raise FileRefused(f"文件{name}是空的。")
    if size > max_bytes:
        raise FileRefused(f"文件{name}过大（{size / 2**20:.0f} MB，最多 {max_bytes // 2**20} MB）"
                          "，请拆分后分批导入。")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        table = _read_xlsx(path, name, max_rows)
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(f"{name}是旧版 Excel（.xls）或加密的工作簿，无法直接读取："
                          "请在 Excel/WPS 中另存为 .xlsx 或 CSV（UTF-8）后再导入。")
    elif head.startswith(b"%PDF"):
        raise FileRefused(f"{name}是 PDF 文件，不是表格：请导入 CSV 或 XLSX 文件。")
    else:
        table = _read_csv(path, name, max_rows)
    if len(table.rows) > max_rows + 1:
        raise _too_many_rows(name, max_rows)
    if not table.rows:
        raise FileRefused(f"文件{name}中没有任何数据。")
    return table


def _too_many_rows(name: str, max_rows: int) -> FileRefused:
    return FileRefused(f"文件{name}超过单次导入上限 {max_rows:,} 行数据，请拆分后分批导入。")


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    # A stray NUL in a text is shown (see visible_controls); control bytes that are more
    # than a sprinkle (2 %) mean binary.
    head = data[:4096]
    if b"\x00" in head and len(_CONTROL_BYTES.findall(head)) * 10 > len(head):
        raise FileRefused(f"{name}不是文本表格（含二进制内容）：请导入 CSV 或 XLSX 文件。")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GBK"
    except UnicodeDecodeError:
        raise FileRefused(f"{name}的文字编码无法识别（既不是 UTF-8 也不是 GBK）："
                          "请在 Excel/WPS 中另存为“CSV UTF-8”后再导入。") from None


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their endings, one at a time: a list of them (or a
    StringIO, four bytes a character) would hold the whole file again before the row
    limit could stop it."""
    end_char = "\n" if "\n" in text[:1 << 20] or "\r" not in text[:1 << 20] else "\r"
    start, size = 0, len(text)
    while start < size:
        end = text.find(end_char, start) + 1 or size
        yield text[start:end]
        start = end


def _read_csv(path: Path, name: str, max_rows: int) -> RawTable:
    try:
        text, encoding = _decode(path.read_bytes(), name)
    except UnicodeDecodeError as exc:
        raise FileRefused(f"{name}的文字编码有误：{exc.reason}。") from exc
    if _CONTROL.search(text):
        text = visible_controls(text)
    first = next((line for line in _lines(text) if line.strip()), "")
    # The separator is whichever of these the header line uses most (Excel writes ";"
    # in some locales and tab for "Unicode text").
    delimiter = max(",\t;|", key=first.count)
    if first.count(delimiter) == 0:
        delimiter = ","
    rows, numbers = [], []
    csv.field_size_limit(MAX_CSV_CELL)
    reader = csv.reader(_lines(text), delimiter=delimiter)
    # Rows are numbered as a spreadsheet shows the file (one per record, a cell with line
    # breaks included), which is where the user will look for them.
    number = 0
    try:
        for number, row in enumerate(reader, start=1):  # noqa: B007 - used after the loop
            if any(cell.strip() for cell in row):
                if len(rows) > max_rows:
                    raise _too_many_rows(name, max_rows)
                if len(row) > MAX_COLUMNS:
                    raise FileRefused(f"{name}第 {number:,} 行有 {len(row):,} 列，超过 "
                                      f"{MAX_COLUMNS:,} 列的上限。")
                rows.append(row)
                numbers.append(number)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise FileRefused(f"{name}第 {number + 1:,} 行有一个单元格超过 {MAX_CSV_CELL:,} "
                              "个字符（单元格内容过长）。") from exc
        raise FileRefused(f"{name}第 {number + 1} 行不是有效的 CSV：{exc}。") from exc
    sep = {",": "逗号", "\t": "制表符", ";": "分号", "|": "竖线"}[delimiter]
    return RawTable(rows, numbers, f"CSV（{encoding} 编码，{sep}分隔）")


def _read_xlsx(path: Path, name: str, max_rows: int) -> RawTable:
    try:
        with zipfile.ZipFile(path) as zf:
            parts = set(zf.namelist())
            if "xl/workbook.xml" not in parts:
                kind = ("Word 文档" if "word/document.xml" in parts else
                        "PowerPoint 文档" if "ppt/presentation.xml" in parts else "ZIP 压缩包")
                raise FileRefused(f"{name}是{kind}，不是 Excel 工作簿：请导入 CSV 或 XLSX 文件。")
            check_xlsx(zf, Limits(rows=max_rows))
    except TooLarge as exc:
        raise FileRefused(f"工作簿{name}未导入：{exc}。") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise FileRefused(f"{name}已损坏，无法作为 XLSX 读取（{exc}）。") from exc
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet_name = next((m.name for m in book.sheets_metadata
                           if str(m.visible).endswith("Visible")), book.sheet_names[0])
        cells = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's errors have no common base worth naming
        raise FileRefused(f"{name}已损坏或无法读取：{exc}。") from exc
    rows, numbers = [], []
    for number, row in enumerate(cells, start=1):
        if any(cell not in (None, "") and str(cell).strip() for cell in row):
            rows.append([visible_controls(cell) if type(cell) is str and _CONTROL.search(cell)
                         else cell for cell in row])
            numbers.append(number)
    return RawTable(rows, numbers, f"XLSX 工作表“{sheet_name}”")
