"""案件办理 panel: the case on screen with its traffic light, its step buttons, notes and
photos, and the overdue / due-soon list. The main window hosts it in a dock."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.workflow import case_as_dict, find_case
from xjwc_desktop.core.workflow.deadlines import Light
from xjwc_desktop.gui.qt_case_actions import QtCaseActions
from xjwc_desktop.gui.qt_case_extras import QtCaseExtras
from xjwc_desktop.gui.qt_due_list import LIGHT_COLORS, QtDueList
from xjwc_desktop.gui.qt_tasks import QtTaskRunner


class QtWorkflowPanel(QWidget):
    """Shows one case (``show_case_id``); emits ``case_changed`` after any write to it."""

    case_changed = Signal(str)
    open_case = Signal(str)  # from the due list

    def __init__(self, db: Database, runner: QtTaskRunner, parent=None) -> None:
        super().__init__(parent)
        self.db = db
        self.header = QLabel(tr("未选择案件"), self)
        self.header.setWordWrap(True)
        self.light = QLabel(self)
        self.actions = QtCaseActions(db, runner, self)
        self.extras = QtCaseExtras(db, runner, self)
        self.due = QtDueList(db, self)
        case_tab = QWidget(self)
        case_layout = QVBoxLayout(case_tab)
        case_layout.addWidget(self.header)
        case_layout.addWidget(self.light)
        case_layout.addWidget(self.actions)
        case_layout.addWidget(self.extras, 1)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(case_tab, tr("案件办理"))
        self.tabs.addTab(self.due, tr("超期/临期"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.actions.changed.connect(self._after_write)
        self.extras.changed.connect(self.case_changed.emit)
        self.due.case_activated.connect(self.open_case.emit)
        self.case: dict | None = None

    def show_case_id(self, case_id: str | None) -> None:
        if case_id is None:
            self.case = None
        else:
            with self.db.session() as s:
                self.case = case_as_dict(s, find_case(s, case_id))
        self._render()

    def _render(self) -> None:
        case = self.case
        self.actions.show_case(case)
        self.extras.show_case(case["id"] if case else None)
        if case is None:
            self.header.setText(tr("未选择案件"))
            self.light.clear()
            return
        self.header.setText(f"{case['case_no']}  {tr(case['status_label'])}  "
                            f"{case['category_name']}  {case['address'] or ''}")
        d = case["deadline"]
        light = Light(d["light"])
        if light is Light.NONE:
            self.light.setText(tr("无处置时限（未立案或已作废）"))
            self.light.setStyleSheet("")
            return
        self.light.setText(
            f"{tr(light.label)}  {tr('处置时限')} {d['deadline_at'][:16]}  "
            f"{tr('已用')} {d['used_working_hours']:g} / {d['allowed_working_hours']:g} "
            f"{tr('工作时')}")
        self.light.setStyleSheet(f"background: {LIGHT_COLORS.get(light, '#ddd')}; "
                                 "padding: 4px; font-weight: bold;")

    def _after_write(self, case_id: str) -> None:
        self.show_case_id(case_id)
        self.due.refresh()
        self.case_changed.emit(case_id)
