"""批量办理: one step on many selected cases, all or nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.operations import BulkResult, take_steps
from xjwc_desktop.core.workflow import RULES, Action, Actor, Role
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager, failure_message

BULK_ACTIONS = [Action.REGISTER, Action.DISPATCH, Action.REASSIGN, Action.ESCALATE,
                Action.CLOSE, Action.VOID]


class QtBulkDialog(QDialog):
    done = Signal(list)  # case ids changed

    def __init__(self, tasks: QtTaskManager, departments: list[tuple[str, str]],
                 case_ids: list[str], role: Role, parent=None) -> None:
        super().__init__(parent)
        self.tasks, self.case_ids, self.role = tasks, case_ids, role
        self.setWindowTitle(tr("批量办理") + f"（{len(case_ids):,}）")
        self.setMinimumWidth(420)
        form = QFormLayout(self)
        form.addRow(QLabel(tr("所选 {n} 件案件，身份：{role}").replace(
            "{n}", f"{len(case_ids):,}").replace("{role}", tr(role.label))))
        self.action = QComboBox(self)
        for action in BULK_ACTIONS:
            self.action.addItem(tr(action.label, "action"), action.value)
        self.department = QComboBox(self)
        for code, name in departments:
            self.department.addItem(tr(name), code)
        self.note = QPlainTextEdit(self)
        self.note.setTabChangesFocus(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        form.addRow(tr("环节"), self.action)
        form.addRow(tr("处置部门"), self.department)
        form.addRow(tr("说明"), self.note)
        form.addRow(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, parent=self)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.action.currentIndexChanged.connect(self._update)
        self.note.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        action = Action(self.action.currentData())
        rule = RULES[action]
        self.department.setEnabled(rule.needs_department)
        self.ok.setText(tr(action.label, "action"))
        missing = rule.needs_note and not self.note.toPlainText().strip()
        self.ok.setEnabled(not missing)
        self.message.setText(tr("请填写说明（原因）。") if missing else "")

    def apply(self) -> None:
        action = Action(self.action.currentData())
        note = self.note.toPlainText().strip() or None
        department = self.department.currentData() if RULES[action].needs_department else None
        ids, actor = list(self.case_ids), Actor(self.role)

        def failed(exc: BaseException) -> None:
            self.ok.setEnabled(True)
            self.message.setText(failure_message(exc))

        def succeeded(result: BulkResult) -> None:
            self.done.emit(result.case_ids)
            self.accept()

        self.ok.setEnabled(False)
        self.message.setText(tr("正在办理……"))
        self.tasks.write(lambda db: take_steps(db, ids, action, actor, department=department,
                                               note=note),
                         on_done=succeeded, on_error=failed, initiator=self)
