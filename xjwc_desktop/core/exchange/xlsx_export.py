"""XLSX case lists: Chinese headers, real dates and numbers, frozen header, auto-filter.

The sheet XML is rendered by SQLite row by row (see :mod:`.rows`) and streamed into the
zip: a general-purpose writer spends several microseconds per cell in Python (12 s for
100,000 cases here), this spends under one. Text is written as inline strings, which a
spreadsheet never evaluates, so ``=HYPERLINK(...)`` stays text; cells people typed also
carry the quote-prefix style, so they stay text when someone edits them.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.exchange import overdue
from xjwc_desktop.core.exchange import xlsx_parts as parts
from xjwc_desktop.core.exchange.atomic import atomic_output
from xjwc_desktop.core.exchange.columns import ExportColumn, load_labels
from xjwc_desktop.core.exchange.progress import Progress, Throttle
from xjwc_desktop.core.exchange.rows import (
    ROW_NUMBER_SQL,
    CellFormat,
    count_cases,
    rendered_rows,
)
from xjwc_desktop.core.exchange.selection import SqlFilter
from xjwc_desktop.core.exchange.sqltext import (
    XML_FORBIDDEN,
    label_sql,
    strip_control,
    strip_xml_forbidden_sql,
)
from xjwc_desktop.core.exchange.writer import background_writer

MAX_ROWS = 1_048_576 - 1  # Excel's row limit, less the header
MAX_CELL = 32_767  # Excel shows at most this many characters of a cell
SHEET_NAME = "案件"
#: Row number of the current case in the sheet (the header is row 1).
ROW_SQL = ROW_NUMBER_SQL
#: Columns the schema declares NOT NULL: their cells need no "leave out if empty" test.
NOT_NULL = frozenset({"case_no", "source", "category", "status", "reported_at"})
#: Excel's day 0 is 1899-12-30, this many seconds before the Unix epoch.
EXCEL_EPOCH_S = 2_209_161_600


def excel_serial_sql(expr: str) -> str:
    """SQL: a stored time as Excel's serial day number, the nearest double to the exact
    value (whole seconds divided once). ``julianday() - 2415018.5`` lost ~10 µs, and a
    time a few µs before the minute shows as the minute before in LibreOffice and WPS."""
    return f"(unixepoch({expr}) + {EXCEL_EPOCH_S}) / 86400.0"


def xml_text(text: str) -> str:
    """Text as XML character data, with Excel's ``_xHHHH_`` escape itself escaped."""
    text = strip_control(text) or ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("_x", "_x005F_x")


def xml_text_sql(expr: str) -> str:
    """:func:`xml_text` in SQL, cut to what a cell holds. Most texts need none of it, and
    one GLOB scan finds those that do, where five passes of replace() would copy all."""
    inner = f"substr({strip_xml_forbidden_sql(expr)}, 1, {MAX_CELL})"
    for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("_x", "_x005F_x")):
        inner = f"replace({inner}, '{old}', '{new}')"
    return (f"CASE WHEN {expr} GLOB '*[&<>_{XML_FORBIDDEN}]*' OR length({expr}) > {MAX_CELL} "
            f"THEN {inner} ELSE {expr} END")


def xlsx_format(labels: dict[str, dict[str, str]], columns: tuple[ExportColumn, ...]
                ) -> CellFormat:
    letters = {c.key: parts.column_letter(i) for i, c in enumerate(columns, start=1)}

    def string_cell(letter: str, style: str = "") -> str:
        return f'<c r="{letter}%d"{style} t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>'

    def cell(col: ExportColumn) -> tuple[str, list[str]]:
        letter = letters[col.key]
        if col.kind == "number":
            return f'<c r="{letter}%d" s="{parts.STYLE_COORD}"><v>%!.15g</v></c>', [
                ROW_SQL, col.sql]
        if col.kind == "datetime":
            piece = f'<c r="{letter}%d" s="{parts.STYLE_DATETIME}"><v>%!.17g</v></c>'
            args = [ROW_SQL, excel_serial_sql(col.sql)]
            if col.key in NOT_NULL:
                return piece, args
            value = f"printf('{piece}', {', '.join(args)})"
        elif col.kind == "label":
            text = label_sql(col.sql, labels[col.lookup], xml_text, xml_text_sql(col.sql), "")
            if col.key in NOT_NULL:
                return string_cell(letter), [ROW_SQL, text]
            value = f"printf('{string_cell(letter)}', {ROW_SQL}, {text})"
        elif col.kind == "flag":
            # Left out where the case has no limit (the common reasons, tested cheaply).
            value = f"printf('{string_cell(letter)}', {ROW_SQL}, {overdue.flag_sql()})"
            return "%s", [f"CASE WHEN {overdue.NO_LIMIT_SQL} THEN '' ELSE {value} END"]
        else:
            style = f' s="{parts.STYLE_TEXT}"' if col.kind == "free" else ""
            if col.key in NOT_NULL:
                return string_cell(letter, style), [ROW_SQL, xml_text_sql(col.sql)]
            value = f"printf('{string_cell(letter, style)}', {ROW_SQL}, {xml_text_sql(col.sql)})"
        # An empty cell is left out rather than written as an empty string.
        return "%s", [f"CASE WHEN {col.sql} IS NULL THEN '' ELSE {value} END"]

    def numbers(col: ExportColumn, values: np.ndarray, first: int) -> list[bytes]:
        head = f'<c r="{letters[col.key]}'.encode()
        tail = f'" s="{parts.STYLE_COORD}"><v>'.encode()
        return [b"%s%d%s%r</v></c>" % (head, first + i + 2, tail, v)
                for i, v in enumerate(values.tolist())]

    return CellFormat(sql=cell, number=numbers, sep="", row_start=('<row r="%d">', [ROW_SQL]),
                      row_end="</row>", first_row=2)


def write_xlsx(conn: Connection, out: str | os.PathLike[str], selection: SqlFilter,
               columns: tuple[ExportColumn, ...], *, now: dt.datetime,
               progress: Progress | None = None, title: str = "案件清单") -> int:
    """Write the selected cases to ``out`` (atomically); returns the number of cases."""
    report = Throttle(progress)
    total = count_cases(conn, selection)
    if total > MAX_ROWS:
        raise InputError(f"XLSX 一张表最多 {MAX_ROWS:,} 行，所选案件有 {total:,} 件："
                         "请缩小筛选范围，或导出为 CSV。")
    fmt = xlsx_format(load_labels(conn), columns)
    last_col, last_row = parts.column_letter(len(columns)), total + 1
    report(0, total, "导出 XLSX")
    done = 0
    # Level 1: the sheet is repetitive XML, so the fastest level already shrinks it ~8x;
    # the default level would cost seconds more for a few per cent.
    with atomic_output(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED,
                                                    compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", parts.CONTENT_TYPES)
        zf.writestr("_rels/.rels", parts.ROOT_RELS)
        zf.writestr("docProps/core.xml", parts.core_properties(title, now))
        zf.writestr("docProps/app.xml", parts.APP_PROPERTIES)
        zf.writestr("xl/workbook.xml", parts.workbook(SHEET_NAME, last_col, last_row))
        zf.writestr("xl/_rels/workbook.xml.rels", parts.WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", parts.STYLES)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet, \
                background_writer(sheet.write) as put:
            put(parts.sheet_head(last_col, last_row, [c.width for c in columns]).encode())
            header = "".join(
                f'<c r="{parts.column_letter(i)}1" s="{parts.STYLE_HEADER}" t="inlineStr">'
                f"<is><t>{xml_text(c.header)}</t></is></c>"
                for i, c in enumerate(columns, start=1))
            put(f'<row r="1">{header}</row>'.encode())
            for rows in rendered_rows(conn, selection, columns, fmt, now, batch=5_000):
                done += len(rows)
                put(b"".join(rows))
                report(done, total, f"导出 XLSX：{done:,}/{total:,} 件")
            put(parts.sheet_tail(last_col, done + 1).encode())
    return done
