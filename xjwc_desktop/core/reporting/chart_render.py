"""Drawing a :class:`ChartSpec` with matplotlib, in Chinese.

:func:`draw_chart` draws on any matplotlib ``Figure`` — the Agg canvas of :func:`chart_png`
(reports, exports) or the Qt canvas of the dashboard — and returns which bar stands for
which case filter, so the GUI can turn a click on a bar into a filter. No pyplot: its global
state and backend selection have no place in a library or a Qt application.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from xjwc_desktop.core.reporting.charts import ChartSpec
from xjwc_desktop.core.reporting.fonts import matplotlib_family

DEFAULT_COLOURS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860")
PNG_SIZE = (8.0, 4.5)  # inches
PNG_DPI = 120
_RENDERING = threading.Lock()


def _style() -> dict[str, Any]:
    return {"font.family": [matplotlib_family(), "DejaVu Sans"],
            "axes.unicode_minus": False,  # the CJK font's minus sign, not U+2212 boxes
            "font.size": 9}


def draw_chart(spec: ChartSpec, fig: Figure) -> dict[Any, tuple[int, int]]:
    """Draw ``spec`` on ``fig`` (cleared first); returns ``{bar artist: (series, index)}``.

    Text objects take their font when created, so the style context around the drawing
    calls is enough: nothing changes matplotlib's global settings.
    """
    fig.clear()
    with matplotlib.rc_context(_style()):
        ax = fig.add_subplot(111)
        bars = _bars(ax, spec)
        ax.set_title(spec.title, fontsize=11)
        axis = ax.xaxis if spec.kind == "barh" else ax.yaxis
        axis.set_major_formatter(FuncFormatter(
            (lambda v, _p: f"{v * 100:.0f}%") if spec.percent else (lambda v, _p: f"{v:g}")))
        if not spec.percent:
            axis.set_major_locator(MaxNLocator(integer=True))
        (ax.set_xlabel if spec.kind == "barh" else ax.set_ylabel)(spec.value_label)
        if spec.target is not None:
            ax.axhline(spec.target, color="#C44E52", linestyle="--", linewidth=1.2,
                       label=spec.target_label)
        if len(spec.all_series) > 1 or spec.target is not None:
            handles = [h for a in fig.axes for h in a.get_legend_handles_labels()[0]]
            if spec.secondary is not None:  # the right-hand side holds the second axis
                fig.axes[-1].legend(handles=handles, fontsize=8, loc="upper center",
                                    ncols=len(handles), framealpha=0.9)
            else:  # beside the plot, not over the bars it explains
                ax.legend(handles=handles, fontsize=8, loc="upper left",
                          bbox_to_anchor=(1.02, 1), borderaxespad=0, frameon=False)
        if spec.note:
            fig.text(0.99, 0.01, spec.note, ha="right", va="bottom", fontsize=7,
                     color="#666666")
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
    return bars


def _bars(ax, spec: ChartSpec) -> dict[Any, tuple[int, int]]:
    n = len(spec.categories)
    positions = list(range(n))
    out: dict[Any, tuple[int, int]] = {}
    slots = len(spec.all_series)
    width = 0.8 / max(1, slots) if spec.kind == "bar" else 0.7
    bottom = [0.0] * n
    for s_index, series in enumerate(spec.all_series):
        colour = series.colour or DEFAULT_COLOURS[s_index % len(DEFAULT_COLOURS)]
        if series is spec.secondary:
            # Another unit (㎡ beside 处): its own axis on the right, bars beside the first.
            ax2 = ax.twinx()
            offset = (s_index - (slots - 1) / 2) * width
            drawn = ax2.bar([p + offset for p in positions], series.values, width=width,
                            color=colour, label=series.label)
            ax2.set_ylabel(spec.secondary_label)
            ax2.spines[["top"]].set_visible(False)
            ax2.margins(y=0.2)
        elif spec.kind == "barh":
            drawn = ax.barh(positions, series.values, height=width, color=colour,
                            label=series.label)
        elif spec.kind == "stacked":
            drawn = ax.bar(positions, series.values, width=width, bottom=bottom, color=colour,
                           label=series.label)
            bottom = [b + v for b, v in zip(bottom, series.values, strict=True)]
        else:
            offset = (s_index - (slots - 1) / 2) * width
            drawn = ax.bar([p + offset for p in positions], series.values, width=width,
                           color=colour, label=series.label)
        for index, patch in enumerate(drawn.patches):
            patch.set_picker(True)
            out[patch] = (s_index, index)
        if series.annotations:
            drawn_on = ax2 if series is spec.secondary else ax
            drawn_on.bar_label(drawn, labels=list(series.annotations), fontsize=7, padding=2)
    if spec.kind == "barh":
        ax.set_yticks(positions, spec.categories)
        ax.invert_yaxis()  # the largest first, at the top
        if spec.percent:
            ax.set_xlim(0, 1)
    else:
        rotate = n > 8 or max((len(c) for c in spec.categories), default=0) > 6
        ax.set_xticks(positions, spec.categories, rotation=45 if rotate else 0,
                      ha="right" if rotate else "center")
        if spec.percent:
            ax.set_ylim(0, 1)
    ax.margins(y=0.2 if spec.secondary else 0.12)  # room for the numbers over the bars
    return out


def chart_png(spec: ChartSpec, size: tuple[float, float] = PNG_SIZE, dpi: int = PNG_DPI) -> bytes:
    """The chart as PNG bytes (Agg, no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(fig)
    out = io.BytesIO()
    with _RENDERING:
        draw_chart(spec, fig)
        fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


@dataclass(frozen=True)
class ChartImage:
    """A chart rendered for a screen: RGBA pixels, and where each bar was drawn
    (``(x0, y0, x1, y1)`` in pixels from the top left, with its ``(series, index)``)."""

    width: int
    height: int
    rgba: bytes
    bars: tuple[tuple[float, float, float, float, int, int], ...]

    def bar_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The bar under pixel ``(x, y)``, if any (the first drawn wins)."""
        for x0, y0, x1, y1, series, index in self.bars:
            if x0 <= x <= x1 and y0 <= y <= y1:
                return series, index
        return None


def chart_image(spec: ChartSpec, width: int, height: int, dpi: float = 90) -> ChartImage:
    """Render ``spec`` at ``width``×``height`` pixels (Agg: safe on a worker thread, so
    the window never draws charts itself)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    width, height = max(int(width), 80), max(int(height), 60)
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    with _RENDERING:  # rc_context and the font cache are matplotlib-global: one at a time
        bars = draw_chart(spec, fig)
        canvas.draw()
    w, h = canvas.get_width_height()
    boxes = []
    for patch, (series, index) in bars.items():
        box = patch.get_window_extent()
        # matplotlib counts y from the bottom; the screen from the top.
        boxes.append((float(box.x0), float(h - box.y1), float(box.x1), float(h - box.y0),
                      series, index))
    return ChartImage(w, h, bytes(canvas.buffer_rgba()), tuple(boxes))
