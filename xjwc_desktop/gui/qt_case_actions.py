"""Workflow buttons for the case on screen: enabled by its state and the operator's role."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.model import CaseStatus, Department
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.workflow import RULES, Action, Actor, Role, act, allowed_actions
from xjwc_desktop.gui.qt_tasks import QtTaskRunner

BUTTON_ORDER = list(Action)


class QtStepDialog(QDialog):
    """Asks for what a step needs: department, reason, extension hours."""

    def __init__(self, action: Action, case_no: str, departments: list[tuple[str, str]],
                 parent=None) -> None:
        super().__init__(parent)
        rule = RULES[action]
        self.setWindowTitle(f"{tr(action.label)} — {case_no}")
        form = QFormLayout(self)
        self.department = None
        if rule.needs_department:
            self.department = QComboBox(self)
            for code, name in departments:
                self.department.addItem(name, code)
            form.addRow(tr("处置部门"), self.department)
        self.hours = None
        if action in (Action.REQUEST_EXTENSION, Action.EXTEND):
            self.hours = QDoubleSpinBox(self)
            self.hours.setRange(0, 2000)
            self.hours.setDecimals(1)
            self.hours.setSuffix(" " + tr("工作时"))
            form.addRow(tr("延期") + (tr("（0 = 按申请）") if action is Action.EXTEND else ""),
                        self.hours)
        self.note = QPlainTextEdit(self)
        hint = tr("必填：说明原因") if rule.needs_note else tr("备注（可选）")
        self.note.setPlaceholderText(hint)
        form.addRow(tr("说明"), self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, parent=self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        return {"department": self.department.currentData() if self.department else None,
                "note": self.note.toPlainText(),
                "hours": (self.hours.value() or None) if self.hours else None}


class QtCaseActions(QWidget):
    """The step buttons. Emits ``changed(case_id)`` after a step has been written."""

    changed = Signal(str)
    failed = Signal(str)

    def __init__(self, db: Database, runner: QtTaskRunner, parent=None) -> None:
        super().__init__(parent)
        self.db = db
        self.runner = runner
        self.case: dict | None = None
        self.role_box = QComboBox(self)
        for role in Role:
            self.role_box.addItem(tr(role.label), role.value)
        self.role_box.currentIndexChanged.connect(self._update_buttons)
        self.buttons: dict[Action, QPushButton] = {}
        grid = QGridLayout()
        for i, action in enumerate(BUTTON_ORDER):
            button = QPushButton(tr(action.label), self)
            button.clicked.connect(lambda _=False, a=action: self.start(a))
            self.buttons[action] = button
            grid.addWidget(button, i // 3, i % 3)  # three a row keeps the dock narrow
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("我的角色")))
        top.addWidget(self.role_box, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(grid)
        self._update_buttons()

    @property
    def role(self) -> Role:
        return Role(self.role_box.currentData())

    def set_role(self, role: Role) -> None:
        self.role_box.setCurrentIndex(self.role_box.findData(role.value))

    def show_case(self, case: dict | None) -> None:
        """``case`` as from case_detail()/case_as_dict(): needs id, case_no, status."""
        self.case = case
        self._update_buttons()

    def _update_buttons(self) -> None:
        allowed = set()
        if self.case is not None:
            allowed = set(allowed_actions(CaseStatus(self.case["status"]), self.role))
        for action, button in self.buttons.items():
            button.setEnabled(action in allowed)
            button.setVisible(self.case is None or action in allowed_actions(
                CaseStatus(self.case["status"])))

    def _departments(self) -> list[tuple[str, str]]:
        with self.db.session() as s:
            return [(d.code, d.name) for d in s.scalars(
                select(Department).where(Department.active.is_(True)).order_by(Department.code))]

    def ask(self, action: Action) -> dict | None:
        """The step dialog (modal); None if the operator cancelled."""
        dialog = QtStepDialog(action, self.case["case_no"], self._departments(), self)
        return dialog.values() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def start(self, action: Action) -> None:
        if self.case is None:
            return
        values = self.ask(action)
        if values is None:
            return
        case_id, actor = self.case["id"], Actor(self.role)

        def work():
            with self.db.session() as s:
                return act(s, case_id, action, actor, workstation_id=self.db.workstation_id,
                           **values)

        for button in self.buttons.values():
            button.setEnabled(False)  # one step at a time
        self.runner.run(work, lambda result: self.changed.emit(result.case_id), self._refused)

    def _refused(self, exc: BaseException) -> None:
        self._update_buttons()
        self.failed.emit(str(exc))
        if self.isVisible():  # window-modal, not a nested event loop
            box = QMessageBox(QMessageBox.Icon.Warning, tr("未能办理"), str(exc), parent=self)
            box.open()
