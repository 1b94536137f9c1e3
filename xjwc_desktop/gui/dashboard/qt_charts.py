"""A dashboard chart: a :class:`ChartSpec` rendered on a reader, shown as an image,
clickable, exportable.

Why matplotlib rather than QtCharts: the work report draws the same charts into PDF, XLSX
and DOCX, and with one renderer (:func:`draw_chart`) the dashboard and the report cannot
show different things; fonts come from one place (Noto Sans CJK SC); a PNG export is the
chart itself at print resolution. Rendering eight charts takes the better part of a second
or more: it happens in the chart process (``core/reporting/chart_process``: matplotlib holds
the GIL while it draws, so not on a thread of the window's process), a reader waits for the
pixels, and the widget shows them; a click is mapped to the bar drawn there, and so to
that bar's case filter.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.reporting.chart_process import render_chart
from xjwc_desktop.core.reporting.chart_render import PNG_DPI, ChartImage, chart_png
from xjwc_desktop.core.reporting.charts import ChartSpec
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

RESIZE_DELAY_MS = 150  # a drag of the window's edge renders once, at the end
MIN_WIDTH = 200  # narrower, the chart would not fit its labels: wait for the layout


def paintable(image: ChartImage) -> QImage:
    """The rendered pixels as a QImage in the format the screen is painted in (premultiplied
    ARGB32), so a paint only copies them. Made on the reader that waited for the pixels: a
    QImage is not tied to the GUI thread, and converting eight charts there took 10–15 ms."""
    return QImage(image.rgba, image.width, image.height, QImage.Format.Format_RGBA8888
                  ).convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


class QtChartCanvas(QWidget):
    """Paints the last rendered image; ``clicked(x, y)`` in its own pixels."""

    clicked = Signal(float, float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.image: ChartImage | None = None
        self._qimage: QImage | None = None
        self.setMinimumHeight(260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_image(self, image: ChartImage, qimage: QImage | None = None) -> None:
        """Show ``image``; ``qimage`` is it made ready to paint (:func:`paintable`), made
        here if not given."""
        self.image = image
        self._qimage = qimage if qimage is not None else paintable(image)
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), Qt.GlobalColor.white)
            if self._qimage is not None:
                painter.drawImage(0, 0, self._qimage)
        finally:
            # Ended here, not when Python lets go of it: anything holding this frame (a
            # profiler, a traceback) would keep it painting past the backing store's end.
            painter.end()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.button() == Qt.MouseButton.LeftButton:
            pos = event.position()
            self.clicked.emit(pos.x(), pos.y())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(640, 300)


class QtChart(QFrame):
    """One chart. ``bar_clicked`` carries the clicked bar's case filter (``CaseFilter``
    keyword arguments); bars that are not sets of cases emit nothing. ``rendered`` after
    each new image."""

    bar_clicked = Signal(dict)
    exported = Signal(str)  # path of a written PNG
    rendered = Signal()

    def __init__(self, tasks: QtTaskManager, key: str, parent=None) -> None:
        super().__init__(parent)
        self.tasks, self.key = tasks, key
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.spec: ChartSpec | None = None
        self.canvas = QtChartCanvas(self)
        self.canvas.clicked.connect(self._clicked)
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
        self._resized = QTimer(self, singleShot=True, interval=RESIZE_DELAY_MS)
        self._resized.timeout.connect(self.render)

    def set_spec(self, spec: ChartSpec) -> None:
        """Show ``spec`` (replacing what was shown), rendered on a reader."""
        self.spec = spec
        self.setAccessibleName(spec.title)
        clickable = any(f for s in spec.all_series for f in s.filters)
        self.canvas.setToolTip(tr("点击柱形，在地图和列表中筛选这些案件") if clickable else "")
        self.render()

    def render(self) -> None:
        spec, size = self.spec, self.canvas.size()
        if spec is None:
            return
        width, height = size.width(), size.height()
        if not self.isVisible() or width < MIN_WIDTH:
            return  # drawn when shown, at the size it is shown (see showEvent, resizeEvent)
        def work(_db) -> tuple[ChartImage, QImage]:
            image = render_chart(spec, width, height, 90)
            return image, paintable(image)

        self.tasks.read(work, lambda got: self._show(spec, *got), key=f"chart-{self.key}",
                        owner=self)

    def _show(self, spec: ChartSpec, image: ChartImage, qimage: QImage) -> None:
        if spec is self.spec:
            self.canvas.show_image(image, qimage)
            self.rendered.emit()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self.spec is not None and self.canvas.image is None:
            self._resized.start()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        image = self.canvas.image
        if self.spec is not None and (image is None or image.width != self.canvas.width()
                                      or image.height != self.canvas.height()):
            self._resized.start()

    def _clicked(self, x: float, y: float) -> None:
        image = self.canvas.image
        where = image.bar_at(x, y) if image is not None else None
        if where is None or self.spec is None:
            return
        flt = self.spec.bar_filter(*where)
        if flt is not None:
            self.bar_clicked.emit(flt)

    def bar_position(self, series: int, index: int) -> QPoint:
        """Where bar ``index`` of ``series`` is drawn, in canvas widget coordinates."""
        x0, y0, x1, y1, _s, _i = next(b for b in self.canvas.image.bars
                                      if b[4:] == (series, index))
        return QPoint(round((x0 + x1) / 2), round((y0 + y1) / 2))

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
