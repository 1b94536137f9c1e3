"""The 统计看板 dock: the dashboard beside the case workflow; a click on a bar filters the map
and the case list to those cases, its hotspots and bike coverage are map layers. Built when
first shown, so start-up stays quick."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QScrollArea

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_list import CaseFilter
from xjwc_desktop.gui.qt_map_places import QtMapPlaces


class QtDashboardHooks(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.dashboard = None
        self.places = QtMapPlaces(window)
        self.places.load_opening_period()
        self.dock = QDockWidget(tr("统计看板"), window)
        self.dock.setObjectName("dashboard")
        self.dock.setWidget(QLabel(tr("统计看板加载中……")))
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        workflow = getattr(window, "workflow", None)
        if workflow is not None:
            window.tabifyDockWidget(workflow.dock, self.dock)
            workflow.dock.raise_()
            workflow.panel.case_changed.connect(self._after_write)
        # A Show event, not visibilityChanged: that signal proved unreliable here (offscreen
        # it reported only "hidden" while the dock appeared).
        self.dock.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if obj is self.dock and event.type() == QEvent.Type.Show and self.dashboard is None:
            self.build()
        return False

    def build(self):
        from xjwc_desktop.gui.qt_dashboard import QtDashboard

        self.dashboard = QtDashboard(self.window.db)
        self.dashboard.filter_requested.connect(self.apply_filter)
        self.dashboard.hotspots_ready.connect(lambda g: self.places.show("hotspots", g))
        self.dashboard.coverage_ready.connect(lambda g: self.places.show("bike_coverage", g))
        # Scrolled: the charts want ~800 px, which would otherwise widen the whole window.
        scroll = QScrollArea(self.dock)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.dashboard)
        self.dock.setWidget(scroll)
        return self.dashboard

    def apply_filter(self, flt: dict) -> None:
        self.window.filters.set_filter(CaseFilter(**flt))

    def _after_write(self, _case_id: str) -> None:
        if self.dashboard is not None and self.dock.isVisible():
            self.dashboard.refresh()


def install_dashboard(window) -> QtDashboardHooks:
    hooks = QtDashboardHooks(window)
    window.dashboard_hooks = hooks
    return hooks
