"""The PDF page set-up shared by case lists and case sheets: an embedded CJK font, the
street office's header and page numbers.

PDF viewers have no Chinese font of their own to fall back on (a PDF that merely names
one shows boxes or nothing on a machine without it), so the font is embedded, subset to
the characters used: a few dozen KB. Noto Sans CJK (Debian ``fonts-noto-cjk``) is an
OpenType font with CFF outlines, which reportlab cannot embed and fpdf2 can.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from fpdf import FPDF

from xjwc_desktop.core.errors import XjwcError

FONT_ENV = "XJWC_PDF_FONT"
#: (regular, bold, index of Simplified Chinese in the collection) — first found wins.
FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", None, 0),
    ("C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/msyhbd.ttc", 0),
    ("C:/Windows/Fonts/simsun.ttc", None, 0),
    ("/System/Library/Fonts/PingFang.ttc", None, 0),
)
FAMILY = "cjk"
OFFICE = "新江湾城街道网格化管理中心"


class FontMissingError(XjwcError):
    """No font with Chinese characters could be found for the PDF."""


def find_cjk_font() -> tuple[Path, Path | None, int]:
    """The Chinese font to embed: ``$XJWC_PDF_FONT`` (a .ttf/.otf/.ttc) or a system one."""
    if os.environ.get(FONT_ENV):
        path = Path(os.environ[FONT_ENV])
        if not path.is_file():
            raise FontMissingError(f"{FONT_ENV} 指向的字体文件“{path}”不存在。")
        index = 2 if "NotoSansCJK" in path.name else 0
        return path, None, index
    for regular, bold, index in FONT_CANDIDATES:
        if Path(regular).is_file():
            return Path(regular), Path(bold) if bold and Path(bold).is_file() else None, index
    raise FontMissingError(
        "找不到中文字体，无法生成 PDF。请安装 fonts-noto-cjk（sudo apt-get install "
        f"fonts-noto-cjk），或用环境变量 {FONT_ENV} 指定一个中文字体文件。")


class CasePdf(FPDF):
    """A4 pages with the office's name, a title, the time of printing and page numbers."""

    def __init__(self, title: str, printed_at: dt.datetime, landscape: bool = False) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        regular, bold, index = find_cjk_font()
        self.add_font(FAMILY, "", str(regular), collection_font_number=index)
        self.add_font(FAMILY, "B", str(bold or regular), collection_font_number=index)
        self.doc_title = title
        self.printed_at = printed_at
        self.set_title(title)
        self.set_author(OFFICE)
        self.set_creator("xjwc_desktop")
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(12, 12, 12)
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font(FAMILY, "", 8)
        self.set_text_color(110)
        self.cell(0, 5, f"{OFFICE}　{self.doc_title}", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(180)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(110)
        self.cell(0, 5, f"打印时间 {self.printed_at:%Y-%m-%d %H:%M}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="R")
        self.set_text_color(0)

    def heading(self, text: str, size: float = 15) -> None:
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT",
                        wrapmode="CHAR")
        self.ln(1.5)
        self.set_font(FAMILY, "", 10)


def save(pdf: FPDF, path: Path) -> None:
    pdf.output(str(path))
