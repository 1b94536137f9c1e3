"""A dashboard chart: a :class:`ChartSpec` on a matplotlib canvas, clickable, exportable.

Why matplotlib (its Qt canvas, ``FigureCanvasQTAgg``) rather than QtCharts: the work report
draws the same charts into PDF, XLSX and DOCX, and with matplotlib one renderer
(:func:`draw_chart`) serves both, so the dashboard and the report cannot show different
things; fonts come from one place (Noto Sans CJK SC); a PNG export is the chart itself
at print resolution, not a screen grab; and bars are pickable artists, so a click maps to
the bar's case filter directly. QtCharts would need every chart written twice.
"""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.figure import Figure
from PySide6.QtCore import QPoint, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.reporting.chart_render import PNG_DPI, PNG_SIZE, chart_png, draw_chart
from xjwc_desktop.core.reporting.charts import ChartSpec


def _canvas_class():
    # Imported here, once PySide6 is loaded: matplotlib's Qt backend binds to the Qt binding
    # already imported (without one it would try PyQt6 first).
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

    return FigureCanvasQTAgg


class QtChart(QFrame):
    """One chart. ``bar_clicked`` carries the clicked bar's case filter (``CaseFilter``
    keyword arguments); bars that are not sets of cases emit nothing."""

    bar_clicked = Signal(dict)
    exported = Signal(str)  # path of a written PNG

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.spec: ChartSpec | None = None
        self._bars: dict = {}
        self.figure = Figure(figsize=PNG_SIZE, dpi=90)
        self.canvas = _canvas_class()(self.figure)
        self.canvas.setMinimumHeight(300)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.mpl_connect("pick_event", self._picked)
        self.export_button = QToolButton(self)
        self.export_button.setText(tr("导出PNG"))
        self.export_button.setToolTip(tr("把这张图表保存为 PNG 图片"))
        self.export_button.clicked.connect(self._ask_export)
        top = QHBoxLayout()
        top.addStretch(1)  # the chart draws its own title
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.canvas, 1)

    def set_spec(self, spec: ChartSpec) -> None:
        """Draw ``spec`` (replacing what was shown)."""
        self.spec = spec
        self.setAccessibleName(spec.title)
        clickable = any(f for s in spec.all_series for f in s.filters)
        self.canvas.setToolTip(tr("点击柱形，在地图和列表中筛选这些案件") if clickable else "")
        self._bars = draw_chart(spec, self.figure)
        self.canvas.draw_idle()

    def _picked(self, event) -> None:
        where = self._bars.get(event.artist)
        if where is None or self.spec is None:
            return
        # One click on overlapping bars picks each of them: act on the first only.
        if getattr(event.mouseevent, "_xjwc_handled", False):
            return
        event.mouseevent._xjwc_handled = True
        flt = self.spec.bar_filter(*where)
        if flt is not None:
            self.bar_clicked.emit(flt)

    def bar_position(self, series: int, index: int) -> QPoint:
        """Where bar ``index`` of ``series`` is drawn, in canvas widget coordinates."""
        self.canvas.draw()
        patch = next(p for p, w in self._bars.items() if w == (series, index))
        box = patch.get_window_extent()
        ratio = self.canvas.device_pixel_ratio or 1
        x = (box.x0 + box.x1) / 2 / ratio
        y = self.canvas.height() - (box.y0 + box.y1) / 2 / ratio
        return QPoint(round(x), round(y))

    def export_png(self, path: str | os.PathLike[str], dpi: int = PNG_DPI) -> Path:
        """Write the chart as a PNG at print size (not a screen grab)."""
        if self.spec is None:
            raise ValueError("no chart to export yet")
        path = Path(path)
        path.write_bytes(chart_png(self.spec, dpi=dpi))
        self.exported.emit(str(path))
        return path

    def _ask_export(self) -> None:
        if self.spec is None:
            return
        name, _filter = QFileDialog.getSaveFileName(
            self, tr("导出图表"), f"{self.spec.title}.png", "PNG (*.png)")
        if name:
            self.export_png(name if name.lower().endswith(".png") else f"{name}.png")

    def sizeHint(self):  # noqa: N802 - Qt's name
        hint = super().sizeHint()
        hint.setHeight(max(hint.height(), 340))
        return hint

