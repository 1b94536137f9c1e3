"""统计看板 as a view of its own (a tab beside the map): built when first shown, so start-up
stays quick. A click on a bar or a hotspot grid filters the map and the list to those
cases; its hotspots and bike coverage are map layers."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_list import CaseFilter
from xjwc_desktop.core.reporting import latest_period
from xjwc_desktop.core.workspace.case_view import CaseView
from xjwc_desktop.gui.cases.qt_case_source import QtCaseSource
from xjwc_desktop.gui.map.qt_map_places import QtMapPlaces
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager


class QtDashboardView(QWidget):
    """Hosts the dashboard; ``filter_applied`` after a bar set the case view's filter."""

    filter_applied = Signal()

    def __init__(self, tasks: QtTaskManager, view: CaseView, source: QtCaseSource,
                 places: QtMapPlaces, parent=None) -> None:
        super().__init__(parent)
        self.tasks, self.view, self.source, self.places = tasks, view, source, places
        self.dashboard = None
        self._asked = False
        self.placeholder = QLabel(tr("统计看板加载中……"), self)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.addWidget(self.placeholder)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if not self._asked:
            self._asked = True
            self.tasks.read(lambda db: latest_period(db), self.build)

    def build(self, latest):
        from xjwc_desktop.gui.dashboard.qt_dashboard import QtDashboard

        if self.source.reference is None:  # the case index is still loading
            self.source.loaded.connect(lambda _index: self.build(latest))
            return None
        if self.dashboard is not None:
            return self.dashboard
        dashboard = QtDashboard(self.tasks, self.source.reference, latest, parent=self)
        dashboard.filter_requested.connect(self.apply_filter)
        dashboard.hotspots_ready.connect(lambda g: self.places.show("hotspots", g))
        dashboard.coverage_ready.connect(lambda g: self.places.show("bike_coverage", g))
        self.layout_.removeWidget(self.placeholder)
        self.placeholder.deleteLater()
        self.layout_.addWidget(dashboard)
        self.dashboard = dashboard
        return dashboard

    def apply_filter(self, flt: dict) -> None:
        self.view.set_filter(CaseFilter(**flt))
        self.filter_applied.emit()
