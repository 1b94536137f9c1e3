"""The Chinese font of charts and reports: Noto Sans CJK SC (Debian ``fonts-noto-cjk``).

Without a CJK font Chinese renders as empty boxes, so a missing font is an error naming
the package, not a silent fallback. ``$XJWC_CJK_FONT`` points at another font file.

reportlab embeds only TrueType outlines and Noto CJK ships CFF (PostScript) outlines, so
for a PDF the characters it uses are cut out of the font (fontTools' subsetter) and their
cubic outlines converted to TrueType quadratics (cu2qu, at most 1/1000 em off): a few
hundred glyphs, a quarter of a second, and the PDF carries the font it needs.
"""

from __future__ import annotations

import functools
import io
import os
from pathlib import Path

from xjwc_desktop.core.errors import XjwcError

FONT_ENV = "XJWC_CJK_FONT"
FAMILY = "Noto Sans CJK SC"
# Where Debian/Ubuntu (fonts-noto-cjk) and Fedora put it.
CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)
MISSING = ("找不到中文字体 Noto Sans CJK（Debian/Ubuntu 软件包 fonts-noto-cjk）；"
           f"请安装它，或用环境变量 {FONT_ENV} 指定一个中文字体文件。")


class FontMissingError(XjwcError):
    """No CJK font: charts and reports would show boxes instead of Chinese."""


@functools.cache
def cjk_font_path() -> Path:
    """The CJK font file to use (``$XJWC_CJK_FONT`` first)."""
    for candidate in (os.environ.get(FONT_ENV), *CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissingError(MISSING)


def _face_index(path: Path) -> int:
    """Index of the Simplified Chinese face in a collection (0 for a single font)."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    try:
        names = [f["name"].getDebugName(1) or "" for f in collection.fonts]
    finally:
        collection.close()
    return next((i for i, n in enumerate(names) if n == FAMILY),
                next((i for i, n in enumerate(names) if n.endswith(" SC")), 0))


@functools.cache
def matplotlib_family() -> str:
    """Register the CJK font with matplotlib (if its font list lacks it) and return the
    family name to ask for: the Simplified Chinese face of a collection when there is one."""
    from matplotlib import font_manager

    path = cjk_font_path()

    def faces() -> set[str]:
        return {e.name for e in font_manager.fontManager.ttflist if Path(e.fname) == path}

    if not faces():
        font_manager.fontManager.addfont(str(path))
    found = faces()
    return FAMILY if FAMILY in found else min(found, default=FAMILY)


def truetype_subset(text: str) -> bytes:
    """A TrueType font holding the glyphs of ``text`` (plus ASCII), for reportlab."""
    from fontTools.ttLib import TTFont

    path = cjk_font_path()
    with TTFont(str(path), fontNumber=_face_index(path), lazy=True) as font:
        return _subset(font, text)


def _subset(font, text: str) -> bytes:
    from fontTools import subset

    options = subset.Options()
    options.desubroutinize = True  # the converter needs plain charstrings
    options.hinting = False
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    ascii_ = "".join(chr(c) for c in range(32, 127))
    subsetter.populate(text=ascii_ + text)
    subsetter.subset(font)
    if "CFF " in font:
        _cff_to_glyf(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _cff_to_glyf(font) -> None:
    """Replace CFF outlines by TrueType ones (fontTools' otf2ttf recipe)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        # 1 unit of a 1000-unit em; reversed: TrueType contours run the other way round.
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["maxp"] = maxp
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"
