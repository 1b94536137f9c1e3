"""The report as a spreadsheet (xlsxwriter): one sheet, read top to bottom like the PDF.

Paragraphs sit in merged rows; table values stay numbers (counts, areas in ㎡, rates as
percentages) so the office can sum and chart them further; the charts are the report's
PNGs. xlsxwriter writes the file in one pass and never reads it back, which suits a report.
"""

from __future__ import annotations

import io
import math
import struct
from typing import BinaryIO

import xlsxwriter

from xjwc_desktop.core.reporting.report.content import (
    TEXT,
    XLSX_FORMATS,
    Chart,
    Report,
    Table,
)

COLUMNS = 8
COLUMN_WIDTHS = (20, 16, 16, 14, 14, 14, 14, 14)  # in characters of the default font
CHARS_PER_LINE = 52  # Chinese characters per merged paragraph line, at these widths
ROW_PX = 20
CHART_WIDTH_PX = 760
FONT = "Noto Sans CJK SC"


def render_xlsx(report: Report, out: BinaryIO) -> None:
    """Write ``report`` as an .xlsx workbook to the binary stream ``out``."""
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": report.title, "subject": report.period_label,
                         "author": "新江湾城街道网格化管理中心"})
    sheet = book.add_worksheet("工作报告")
    for col, width in enumerate(COLUMN_WIDTHS):
        sheet.set_column(col, col, width)
    f = _formats(book)
    sheet.merge_range(0, 0, 0, COLUMNS - 1, report.title, f["title"])
    sheet.set_row(0, 30)
    sheet.merge_range(1, 0, 1, COLUMNS - 1, report.subtitle, f["subtitle"])
    row = 3
    for section in report.sections:
        sheet.merge_range(row, 0, row, COLUMNS - 1, section.title, f["h1"])
        sheet.set_row(row, 24)
        row += 1
        for block in section.blocks:
            if isinstance(block, str):
                row = _paragraph(sheet, row, block, f)
            elif isinstance(block, Table):
                row = _table(sheet, row, block, f)
            else:
                row = _chart(sheet, row, block)
        row += 1
    sheet.fit_to_pages(1, 0)
    sheet.set_paper(9)  # A4
    book.close()


def _formats(book) -> dict:
    base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
    fmts = {
        "title": {**base, "bold": True, "font_size": 16, "align": "center"},
        "subtitle": {**base, "font_size": 9, "font_color": "#555555", "align": "center"},
        "h1": {**base, "bold": True, "font_size": 13},
        "body": {**base, "text_wrap": True, "valign": "top"},
        "caption": {**base, "bold": True},
        "note": {**base, "font_size": 8, "font_color": "#555555", "text_wrap": True},
        "header": {**base, "bold": True, "bg_color": "#E8EEF6", "border": 1, "text_wrap": True},
        TEXT: {**base, "border": 1, "text_wrap": True},
    }
    fmts.update({kind: {**base, "border": 1, "num_format": code}
                 for kind, code in XLSX_FORMATS.items()})
    return {name: book.add_format(props) for name, props in fmts.items()}


def _paragraph(sheet, row: int, text: str, f: dict) -> int:
    sheet.merge_range(row, 0, row, COLUMNS - 1, text, f["body"])
    sheet.set_row(row, 16 * math.ceil(len(text) / CHARS_PER_LINE) + 4)
    return row + 1


def _table(sheet, row: int, block: Table, f: dict) -> int:
    sheet.write(row, 0, block.title, f["caption"])
    row += 1
    for col, title in enumerate(block.header):
        sheet.write(row, col, title, f["header"])
    row += 1
    for values in block.rows:
        for col, (value, kind) in enumerate(zip(values, block.formats, strict=True)):
            if value is None:
                sheet.write_string(row, col, "—", f[TEXT])
            elif kind == TEXT:
                sheet.write_string(row, col, str(value), f[TEXT])
            else:
                sheet.write_number(row, col, value, f[kind])
        row += 1
    if block.note:
        sheet.merge_range(row, 0, row, COLUMNS - 1, block.note, f["note"])
        sheet.set_row(row, 28)
        row += 1
    return row + 1


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its IHDR chunk (always first, at byte 16)."""
    return struct.unpack(">II", png[16:24])


def _chart(sheet, row: int, block: Chart) -> int:
    width, height = png_size(block.png)
    scale = CHART_WIDTH_PX / width
    sheet.insert_image(row, 0, f"{block.spec.key}.png", {
        "image_data": io.BytesIO(block.png), "x_scale": scale, "y_scale": scale,
        "description": block.spec.title, "object_position": 3})
    return row + math.ceil(height * scale / ROW_PX) + 1
