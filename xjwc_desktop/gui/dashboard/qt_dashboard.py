"""综合看板: KPI tiles and the dashboard's charts for a period, and the work report.

The widget adapts, it does not compute: the figures come from the core's
:func:`dashboard_figures` (run off the GUI thread) and the charts are the report's own
:class:`ChartSpec` drawn by :class:`QtChart`.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core import clock
from xjwc_desktop.core.changes import Changes
from xjwc_desktop.core.i18n import language, tr
from xjwc_desktop.core.queries.case_columns import Reference
from xjwc_desktop.core.reporting import KPI_TILES, dashboard_figures
from xjwc_desktop.core.reporting.charts import BUILDERS
from xjwc_desktop.core.reporting.numbers import count, percent
from xjwc_desktop.core.reporting.periods import period_label
from xjwc_desktop.core.reporting.places import period_places
from xjwc_desktop.core.stats import Period
from xjwc_desktop.gui.dashboard.qt_charts import QtChart
from xjwc_desktop.gui.dashboard.qt_hotspot_tables import QtHotspotTables
from xjwc_desktop.gui.dashboard.qt_period_selector import QtPeriodSelector
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager, failure_message

CHART_COLUMNS = 2
TILE_TIPS = {
    "open": "本期受理、尚未结案（也未作废）的案件",
    "overdue": "本期受理、仍在办理且已超过处置时限（红灯）的案件",
    "closed": "本期立案、目前已结案的案件（结案率的分子）",
    "closure_rate": "结案数 / 应结案数（本期立案，不含挂账、作废）",
    "closure_on_time_rate": "按期结案数 / 应结案数",
    "rework_rate": "返工数 / 处置数",
}
REPORT_FILTERS = "PDF (*.pdf);;Excel (*.xlsx);;Word (*.docx)"


class QtKpiTile(QFrame):
    """One figure in large type with its name under it."""

    def __init__(self, label: str, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.value = QLabel("—", self)
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.value.setStyleSheet("font-size: 22pt; font-weight: 600;")
        self.caption = QLabel(label, self)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set_value(self, text: str, alert: bool = False) -> None:
        self.value.setText(text)
        colour = "#c0392b" if alert else "#1f2d3d"
        self.value.setStyleSheet(f"font-size: 22pt; font-weight: 600; color: {colour};")


class QtDashboard(QWidget):
    """The dashboard: ``QtDashboard(tasks, reference, latest, period=None, *, now=None)``.

    ``tasks`` runs its reads; ``reference`` names the categories (hotspot chooser);
    ``latest`` is the period the dashboard opens with (January to the latest month with
    cases, see :func:`latest_period`) unless ``period`` is given; ``now`` a callable giving
    "now" for the overdue count (default: the clock). It refreshes itself after writes that
    touched cases, at once if it is visible, else when it is next shown.

    Signals:

    * ``filter_requested(dict)`` — a bar was clicked: keyword arguments of
      :class:`~xjwc_desktop.core.queries.case_list.CaseFilter` (``sources``,
      ``categories``, ``zone``, ``statuses``, ``grid``, ``departments``, ``date_from``,
      ``date_to``), so ``CaseFilter(**flt)`` filters the map and the table to that bar.
    * ``period_changed(Period)`` — the period was changed (a refresh follows).
    * ``refreshed(dict)`` — new figures are shown (the dict of :func:`dashboard_figures`).
    * ``hotspots_ready(dict)`` / ``coverage_ready(dict)`` — GeoJSON FeatureCollections of
      the period's hotspots (of the category chosen above the hotspot table) and of the bike
      stations' reach, for the map's 热点 and 自行车覆盖 layers (see
      :func:`~xjwc_desktop.core.reporting.places.period_places`; each feature has ``layer``
      and a Chinese ``label``). They follow each refresh, after ``refreshed``, and each
      change of the hotspot category.
    * ``report_written(str)`` — a work report was written to this path.
    * ``failed(str)`` — a refresh or a report failed; the message is shown in the widget.

    :meth:`refresh` re-reads the figures, :meth:`set_period` changes the period,
    :attr:`charts` maps chart keys to :class:`QtChart`.
    """

    filter_requested = Signal(dict)
    period_changed = Signal(object)
    refreshed = Signal(dict)
    hotspots_ready = Signal(dict)
    coverage_ready = Signal(dict)
    report_written = Signal(str)
    failed = Signal(str)

    def __init__(self, tasks: QtTaskManager, reference: Reference, latest: Period,
                 period: Period | None = None, *,
                 now: Callable[[], dt.datetime] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self._now = now or clock.now
        self._generation = 0
        self._places_asked: tuple = ()
        self._stale = False
        self.figures: dict | None = None
        self.selector = QtPeriodSelector(period or latest, (latest.end.year, latest.end.month),
                                         self)
        self.selector.period_changed.connect(self._period_chosen)
        self.status = QLabel(self)
        refresh = QPushButton(tr("刷新"), self)
        refresh.clicked.connect(self.refresh)
        self.report_button = QPushButton(tr("生成工作报告…"), self)
        self.report_button.clicked.connect(self._ask_report)
        top = QHBoxLayout()
        for widget in (self.selector, refresh, self.report_button):
            top.addWidget(widget)
        top.addWidget(self.status, 1)

        self.tiles = {key: QtKpiTile(tr(label), self) for key, label, _kind in KPI_TILES}
        for key, tile in self.tiles.items():
            tile.setToolTip(tr(TILE_TIPS.get(key, "")))
        tiles = QHBoxLayout()
        for tile in self.tiles.values():
            tiles.addWidget(tile)

        self.charts: dict[str, QtChart] = {}
        grid = QGridLayout()
        for i, key in enumerate(BUILDERS):
            chart = QtChart(tasks, key)
            chart.bar_clicked.connect(self.filter_requested.emit)
            self.charts[key] = chart
            grid.addWidget(chart, i // CHART_COLUMNS, i % CHART_COLUMNS)
        self.tables = QtHotspotTables(reference)
        self.tables.grid_chosen.connect(self.filter_requested.emit)
        self.tables.categories_changed.connect(lambda _c: self._places(self._generation))
        grid.addWidget(self.tables, (len(BUILDERS) + 1) // CHART_COLUMNS, 0, 1, CHART_COLUMNS)
        body = QWidget()
        body.setLayout(grid)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(tiles)
        layout.addWidget(scroll, 1)
        tasks.operation_did_execute.connect(self._on_changes)
        self.refresh()

    def _on_changes(self, changes: Changes, _initiator) -> None:
        if changes.touches_cases or changes.registers:
            if self.isVisible():
                self.refresh()
            else:
                self._stale = True  # refreshed when next shown

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def period(self) -> Period:
        return self.selector.period()

    def set_period(self, period: Period) -> None:
        """Show ``period`` (emits ``period_changed``, then refreshes)."""
        self.selector.set_period(period)

    def _period_chosen(self, period: Period) -> None:
        self.period_changed.emit(period)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the figures of the current period in the background."""
        self._generation += 1
        self._stale = False
        generation, period, now = self._generation, self.period(), self._now()
        self.status.setText(tr("正在统计……"))
        started = time.perf_counter()
        self._run(lambda db: dashboard_figures(db, period, now=now),
                  lambda figures: self._show(generation, figures, time.perf_counter() - started),
                  key="dashboard")

    def _run(self, work: Callable, done: Callable[[object], None], key: str | None = None) -> None:
        def fail(exc: BaseException) -> None:
            message = failure_message(exc, "失败：")
            self.report_button.setEnabled(True)
            self.status.setText(message)
            self.failed.emit(message)

        self.tasks.read(work, done, key=key, on_error=fail)

    def _show(self, generation: int, figures: dict, seconds: float) -> None:
        if generation != self._generation:  # a newer period was chosen meanwhile
            return
        self.figures = figures
        k = figures["kpis"]
        for key, _label, kind in KPI_TILES:
            value = k[key]
            self.tiles[key].set_value(count(value) if kind == "count" else percent(value),
                                      alert=key == "overdue" and bool(value))
        for key, build in BUILDERS.items():
            self.charts[key].set_spec(build(figures))
        self.status.setText(tr("{label}，共 {n} 件案件（{s:.1f} 秒）").format(
            label=period_label(self.period(), language()), n=count(k["reported"]),
            s=seconds))
        self.refreshed.emit(figures)
        self._places(generation)

    def _places(self, generation: int) -> None:
        """Hotspots and bike coverage: after the figures, so they never delay the tiles."""
        period, categories = self.period(), self.tables.categories()
        self._places_asked = asked = (generation, categories)

        def work(db) -> dict:
            with db.reading() as conn:
                return period_places(conn, period, categories)

        def show(places: dict) -> None:
            if asked != self._places_asked or generation != self._generation:
                return  # a newer period or category was chosen meanwhile
            self.tables.show_hotspots(places["hotspots"])
            self.tables.show_coverage(places["coverage"])
            self.hotspots_ready.emit(places["hotspots_layer"])
            self.coverage_ready.emit(places["coverage_layer"])

        self._run(work, show, key="dashboard-places")

    def export_report(self, path: str | os.PathLike[str]) -> None:
        """Write the work report of the current period to ``path`` (format from the
        extension) in the background; ``report_written`` follows."""
        from xjwc_desktop.core.reporting.report import build_report, write_report

        path, period, now = Path(path), self.period(), self._now()
        fmt = path.suffix.lower().lstrip(".") or "pdf"

        def work(db) -> str:
            with db.read() as s:
                report = build_report(s, period, now=now)
            return str(write_report(report, fmt, path))

        self.status.setText(tr("正在生成工作报告……"))
        self.report_button.setEnabled(False)

        def written(result: object) -> None:
            self.report_button.setEnabled(True)
            self.status.setText(tr("工作报告已保存：") + str(result))
            self.report_written.emit(str(result))

        self._run(work, written)

    def _ask_report(self) -> None:
        name, chosen = QFileDialog.getSaveFileName(
            self, tr("生成工作报告"), f"{tr('工作报告')}-{self.period().start or ''}.pdf",
            REPORT_FILTERS)
        if name:
            if not Path(name).suffix:
                name += "." + ("xlsx" if "xlsx" in chosen else "docx" if "docx" in chosen
                               else "pdf")
            self.export_report(name)
