"""The report as PDF (reportlab), with its Chinese font embedded.

The font is a subset of Noto Sans CJK SC holding exactly the report's characters,
converted to TrueType outlines (:func:`fonts.truetype_subset`): the PDF then displays and
prints on any machine and its text can be searched and copied.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)
from reportlab.platypus import (
    Table as PdfTable,
)
from reportlab.platypus import (
    TableStyle as PdfTableStyle,
)

from xjwc_desktop.core.reporting.fonts import truetype_subset
from xjwc_desktop.core.reporting.report.content import TEXT, Chart, Report, Table, cell_text

_counter = iter(range(1, 1 << 30))
MARGIN = 18 * mm
FOOTER = "第 {page} 页"


def _register_font(report: Report) -> str:
    """Register this report's font subset under a name of its own (reportlab's registry is
    global; a later report with other characters must not reuse an older subset)."""
    name = f"XJWC-CJK-{next(_counter)}"
    pdfmetrics.registerFont(TTFont(name, io.BytesIO(truetype_subset(report.all_text() + FOOTER))))
    return name


def _styles(font: str) -> dict[str, ParagraphStyle]:
    # CJK wrapping breaks lines between any two characters, as Chinese typesetting does.
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK",
                          firstLineIndent=21, spaceAfter=6)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26,
                                alignment=TA_CENTER, firstLineIndent=0, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=9, leading=13,
                                   alignment=TA_CENTER, firstLineIndent=0, spaceAfter=12,
                                   textColor=colors.HexColor("#555555")),
        "h1": ParagraphStyle("h1", parent=base, fontSize=13.5, leading=20, firstLineIndent=0,
                             spaceBefore=10, spaceAfter=6, keepWithNext=1),
        "caption": ParagraphStyle("caption", parent=base, fontSize=9.5, leading=14,
                                  firstLineIndent=0, spaceBefore=6, spaceAfter=3,
                                  keepWithNext=1),
        "note": ParagraphStyle("note", parent=base, fontSize=8, leading=11, firstLineIndent=0,
                               textColor=colors.HexColor("#555555")),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11,
                               firstLineIndent=0, spaceAfter=0),
        "number": ParagraphStyle("number", parent=base, fontSize=8.5, leading=11,
                                 firstLineIndent=0, spaceAfter=0, alignment=TA_RIGHT),
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(block: Table, styles: dict[str, ParagraphStyle], width: float) -> list:
    cell = styles["cell"]
    rows = [[Paragraph(_escape(h), cell) for h in block.header]]
    rows += [[Paragraph(_escape(cell_text(v, f)), cell if f == TEXT else styles["number"])
              for v, f in zip(row, block.formats, strict=True)] for row in block.rows]
    weights = [2.2 if f == TEXT else 1.0 for f in block.formats]
    widths = [width * w / sum(weights) for w in weights]
    table = PdfTable(rows, colWidths=widths, repeatRows=1)
    table.setStyle(PdfTableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF6")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    out = [Paragraph(_escape(block.title), styles["caption"]), table]
    if block.note:
        out.append(Paragraph(_escape(block.note), styles["note"]))
    return [*out, Spacer(1, 6)]


def _chart(block: Chart, width: float) -> Image:
    image = Image(io.BytesIO(block.png))
    scale = width / image.imageWidth
    image.drawWidth, image.drawHeight = width, image.imageHeight * scale
    return image


def render_pdf(report: Report, out: BinaryIO) -> None:
    """Write ``report`` as an A4 PDF to the binary stream ``out``."""
    font = _register_font(report)
    styles = _styles(font)
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN, title=report.title,
                            author="新江湾城街道网格化管理中心", subject=report.period_label)
    width = A4[0] - 2 * MARGIN
    story: list = [Paragraph(_escape(report.title), styles["title"]),
                   Paragraph(_escape(report.subtitle), styles["subtitle"])]
    for section in report.sections:
        story.append(Paragraph(_escape(section.title), styles["h1"]))
        for block in section.blocks:
            if isinstance(block, str):
                story.append(Paragraph(_escape(block), styles["body"]))
            elif isinstance(block, Table):
                story += _table(block, styles, width)
            else:
                story += [KeepTogether([_chart(block, width * 0.8)]), Spacer(1, 4)]

    def footer(canvas, doc_) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, FOOTER.format(page=doc_.page))
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
