"""The workspace, composed in one place: the shared state, the task manager, every view.

This is the only module that knows all the views. It makes the models (the task manager,
the case view, the case source, the reference lists), hands each view the models it
adapts, and connects the few model signals whose answer is a view's business. Views never
hold each other: they meet in the models. The main window then decides where each view
goes on screen (docks, tabs, menus).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QObject, QTimer

from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.queries.case_ref import CaseRef
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.workflow.rules import Role
from xjwc_desktop.core.workspace.case_view import CaseView
from xjwc_desktop.gui.cases.qt_case_actions import QtRoleBox
from xjwc_desktop.gui.cases.qt_case_commands import QtCaseCommands
from xjwc_desktop.gui.cases.qt_case_list import QtCaseList
from xjwc_desktop.gui.cases.qt_case_panel import QtCasePanel
from xjwc_desktop.gui.cases.qt_case_source import QtCaseSource
from xjwc_desktop.gui.cases.qt_case_table import DEFAULT_SORT
from xjwc_desktop.gui.cases.qt_due_list import QtDueList
from xjwc_desktop.gui.cases.qt_filter_panel import QtFilterPanel
from xjwc_desktop.gui.cases.qt_reference import QtReference
from xjwc_desktop.gui.dashboard.qt_dashboard_view import QtDashboardView
from xjwc_desktop.gui.map.qt_layer_panel import QtLayerPanel
from xjwc_desktop.gui.map.qt_map import QtMap
from xjwc_desktop.gui.map.qt_map_places import QtMapPlaces
from xjwc_desktop.gui.registers.qt_register_tables import QtRegisterTables
from xjwc_desktop.gui.shell.qt_collector import QtCycleCollector
from xjwc_desktop.gui.shell.qt_settings import ROLE, QtSettingsStore
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager
from xjwc_desktop.gui.sync.qt_sync_commands import QtSyncCommands

TEXTS_AT_LATEST_MS = 5000  # the search texts are read at the latest this long after the index


class QtWorkspace(QObject):
    """Every model and view of the main window (see the module docstring)."""

    def __init__(self, db: Database, settings: QtSettingsStore, window) -> None:
        super().__init__(window)
        self.db, self.settings = db, settings
        # -- the models --
        self.tasks = QtTaskManager(db, self)
        # Full collections on this thread, when no background work runs.
        self.collector = QtCycleCollector(self, busy=lambda: not self.tasks.idle)
        role = settings.get_choice(ROLE, [r.value for r in Role])
        self.view = CaseView(Role(role))
        self.source = QtCaseSource(self.tasks, self.view, self)
        # The longest step of a first view: start it before building anything else.
        self.source.start(DEFAULT_SORT[0])
        self.reference = QtReference(self.tasks, self)
        self.reference.load()
        # -- the views --
        self.map = QtMap(self.tasks, self.view, self.source, settings, self)
        self.places = QtMapPlaces(self.tasks, self.map, self)
        self.places.load_opening_period()
        self.filters = QtFilterPanel(self.view, [g.code for g in load_map_data().grids])
        self.filters.setEnabled(False)  # until the cases are loaded
        self.layers = QtLayerPanel(settings.get_layers(), self.map.case_style,
                                   self.map.case_mode)
        self.layers.set_tiles(self.map.tiles_name())
        self.case_list = QtCaseList(self.tasks, self.view, self.source)
        self.role_box = QtRoleBox(self.view)  # 我的角色: one choice for every view
        self.case_panel = QtCasePanel(self.tasks, self.view, self.reference)
        self.due_list = QtDueList(self.tasks)
        self.registers = QtRegisterTables(self.tasks)
        self.dashboard = QtDashboardView(self.tasks, self.view, self.source, self.places)
        self.sync = QtSyncCommands(self.tasks, self.view, settings, window)
        self.cases = QtCaseCommands(self.tasks, self.view, self.reference, self.map, window)
        self.case_panel.add_command(self.cases.print_action)
        self._connect()
        self.map.start()

    def _connect(self) -> None:
        source, layers, view = self.source, self.layers, self.view
        source.loaded.connect(self._on_loaded)
        source.updated.connect(lambda update: update.change.reloaded
                               and self.filters.set_reference(update.index.reference))
        source.searching.connect(self.filters.set_searching)
        layers.visibility_changed.connect(self.map.set_layer_visible)
        layers.visibility_changed.connect(self.places.layer_switched)
        layers.opacity_changed.connect(self.map.set_layer_opacity)
        layers.style_changed.connect(self.map.set_style)
        layers.mode_changed.connect(self.map.set_mode)
        self.map.tiles_changed.connect(layers.set_tiles)
        self.due_list.case_activated.connect(lambda case_id: view.show(CaseRef(case_id=case_id)))
        self.registers.locate.connect(self.map.locate)
        view.events.role.connect(self._remember_role)

    def _on_loaded(self, index) -> None:
        self.filters.set_reference(index.reference)
        reported = index.cols["reported"][index.cols["reported"] > 0]
        if reported.size:
            first, last = (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(s))
                           for s in (reported.min(), reported.max()))
            self.filters.set_date_span(first.date(), last.date())
        self.filters.setEnabled(True)
        # Start-up is over once the views have taken the cases in: set its objects aside.
        QTimer.singleShot(0, self.collector.freeze_start_up)
        # The keyword search's texts are read once the map has drawn the cases, not beside
        # its first drawing on the same two cores; a map not on show does not draw, so
        # they are read after a few seconds whatever happens.
        if self.map.is_ready:
            self.source.prefetch_text()
        else:
            self.map.view.ready.connect(lambda *_: self.source.prefetch_text())
            QTimer.singleShot(TEXTS_AT_LATEST_MS, self.source, self.source.prefetch_text)

    def _remember_role(self, role: Role) -> None:
        self.settings.set(ROLE, role.value)

    def shutdown(self) -> None:
        """Before the window goes: stop the timers, let running work end, free the page."""
        self.sync.shutdown()
        self.tasks.shutdown()
        self.source.shutdown()
        self.collector.stop()
        self.map.dispose()
