"""The report as a Word document (python-docx), for the office to edit before it goes out.

Word picks the font for Chinese from the ``w:eastAsia`` attribute of a run's fonts, which
python-docx does not expose; it is set on the document's styles so every paragraph and
table cell uses Noto Sans CJK SC (宋体 and 微软雅黑 stand in where it is not installed).
"""

from __future__ import annotations

import io
from typing import BinaryIO

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from xjwc_desktop.core.reporting.report.content import TEXT, Chart, Report, Table, cell_text

FONT = "Noto Sans CJK SC"


def _east_asian(style, size: float | None = None, bold: bool | None = None) -> None:
    style.font.name = FONT
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), FONT)
    if size is not None:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold


def _styles(document) -> None:
    _east_asian(document.styles["Normal"], 10.5)
    for name, size in (("Title", 20), ("Heading 1", 14), ("Caption", 9.5)):
        _east_asian(document.styles[name], size)
        document.styles[name].font.color.rgb = RGBColor(0x1F, 0x2D, 0x3D)
    _east_asian(document.styles["Table Grid"], 9)


def _table(document, block: Table) -> None:
    document.add_paragraph(block.title, style="Caption")
    table = document.add_table(rows=1, cols=len(block.header), style="Table Grid")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, title in zip(table.rows[0].cells, block.header, strict=True):
        cell.text = title
        cell.paragraphs[0].runs[0].bold = True
    for values in block.rows:
        cells = table.add_row().cells
        for cell, value, fmt in zip(cells, values, block.formats, strict=True):
            cell.text = cell_text(value, fmt)
            if fmt != TEXT:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if block.note:
        note = document.add_paragraph(block.note)
        note.runs[0].font.size = Pt(8)


def _chart(document, block: Chart) -> None:
    document.add_picture(io.BytesIO(block.png), width=Cm(15))
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def render_docx(report: Report, out: BinaryIO) -> None:
    """Write ``report`` as a .docx document to the binary stream ``out``."""
    document = docx.Document()
    _styles(document)
    props = document.core_properties
    props.title, props.subject = report.title, report.period_label
    props.author = "新江湾城街道网格化管理中心"
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2.2)
    title = document.add_paragraph(report.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle = document.add_paragraph(report.subtitle)
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle.runs[0].font.size = Pt(9)
    for section in report.sections:
        document.add_heading(section.title, level=1)
        for block in section.blocks:
            if isinstance(block, str):
                paragraph = document.add_paragraph(block)
                paragraph.paragraph_format.first_line_indent = Pt(21)  # two characters
            elif isinstance(block, Table):
                _table(document, block)
            else:
                _chart(document, block)
    document.save(out)
