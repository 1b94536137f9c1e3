"""The map's colours, in one table: what a colour means holds across every layer.

The grammar: the cases' status colours (a traffic light of the loop: open steps warm,
finished ones cool, voided grey) belong to cases alone. Every other layer draws from a hue
family of its own, far enough from every status colour that a glance cannot mix them up:

- registers (违法建筑, 无证建筑普查): earth tones — browns for structures, olives for the census;
- bike stations and their coverage: teals;
- hotspots: a pink-to-plum density ramp;
- compounds and coverage gaps: black and white.

"Far enough" is measured (CIE76 ΔE in L*a*b*, :func:`delta_e`): every colour of another
layer is at least :data:`MIN_DELTA_E` from every status colour; the tests hold the table to
it. The page gets the table whole (``XJWC_CONFIG.palette``) and the legend draws from it.
"""

from __future__ import annotations

from xjwc_desktop.core.model import CaseStatus

STATUS_COLORS = {
    CaseStatus.REPORTED: "#e67e22",
    CaseStatus.REGISTERED: "#f1c40f",
    CaseStatus.DISPATCHED: "#e74c3c",
    CaseStatus.HANDLED: "#9b59b6",
    CaseStatus.VERIFIED: "#3498db",
    CaseStatus.CLOSED: "#27ae60",
    CaseStatus.VOIDED: "#95a5a6",
    CaseStatus.SUSPENDED: "#34495e",
}
# The other ways of colouring the cases (one at a time, chosen in the layer panel).
LIGHT_COLORS = ["#95a5a6", "#27ae60", "#f1c40f", "#e74c3c", "#34495e"]
SOURCE_COLORS = ["#2980b9", "#e74c3c", "#8e44ad", "#f39c12", "#16a085"]
CATEGORY_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                   "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"]
#: The ring round every case disc (so a disc reads on pale and dark ground alike).
CASE_OUTLINE = "rgba(255,255,255,0.95)"
CASE_HALO = "rgba(44,62,80,0.55)"

#: Every other layer's colours, by layer and role (the page's registers.js / places.js).
LAYER_COLORS = {
    "illegal_structures": {  # [outline, fill] by structure status
        "standing": ["#543005", "#8c510a"],
        "rectifying": ["#8c510a", "#dfc27d"],
        "demolished": ["#a6761d", "#f6e8c3"],
    },
    "census": {"residential": ["#666600", "#c2c25a"],
               "non_residential": ["#3f3f00", "#8f8f5a"]},
    "bike_stations": {"ring": "#01665e", "ring_fill": "#ffffff",
                      "low": "#a6f0e6", "mid": "#35978f", "high": "#01665e"},
    "hotspots": {"ramp": ["#fde0ef", "#de77ae", "#8e0152"], "grid": "#2d004b"},
    "bike_coverage": {"reach": "#35978f", "covered": "#01665e", "gap": "#000000"},
    "compounds": {"outline": "#000000", "fill": "#ffffff"},
}

MIN_DELTA_E = 25.0


def _lab(colour: str) -> tuple[float, float, float]:
    """sRGB ``#rrggbb`` → CIE L*a*b* (D65)."""
    value = colour.lstrip("#")
    rgb = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    xyz = ((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
           0.2126 * r + 0.7152 * g + 0.0722 * b,
           (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)
    fx, fy, fz = (v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116 for v in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a: str, b: str) -> float:
    """How different two colours look (CIE76: ~2 just noticeable, 25+ clearly apart)."""
    return sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5


def layer_colours() -> dict[str, list[str]]:
    """Every ``#rrggbb`` colour another layer draws with, by layer (nested roles flattened)."""
    out: dict[str, list[str]] = {}

    def walk(value, into: list[str]) -> None:
        if isinstance(value, str):
            into.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v, into)
        else:
            for v in value:
                walk(v, into)

    for layer, roles in LAYER_COLORS.items():
        walk(roles, out.setdefault(layer, []))
    return out


def page_palette() -> dict:
    """What the page's scripts read as ``XJWC_CONFIG.palette``."""
    return {**LAYER_COLORS, "case_outline": CASE_OUTLINE, "case_halo": CASE_HALO}
