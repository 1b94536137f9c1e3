"""批量办理: one step on many selected cases, all or nothing."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
)
from sqlalchemy import select

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.model import Department
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.workflow import RULES, Action, Actor, Role, act_many
from xjwc_desktop.gui.qt_tasks import QtTaskRunner

BULK_ACTIONS = [Action.REGISTER, Action.DISPATCH, Action.REASSIGN, Action.ESCALATE,
                Action.CLOSE, Action.VOID]


class QtBulkDialog(QDialog):
    done = Signal(list)  # case ids changed

    def __init__(self, db: Database, runner: QtTaskRunner, case_ids: list[str], role: Role,
                 parent=None) -> None:
        super().__init__(parent)
        self.db, self.runner, self.case_ids, self.role = db, runner, case_ids, role
        self.setWindowTitle(tr("批量办理") + f"（{len(case_ids)}）")
        form = QFormLayout(self)
        self.action = QComboBox(self)
        for action in BULK_ACTIONS:
            self.action.addItem(tr(action.label), action.value)
        self.department = QComboBox(self)
        with db.session() as s:
            for d in s.scalars(select(Department).where(Department.active.is_(True))
                               .order_by(Department.code)):
                self.department.addItem(d.name, d.code)
        self.note = QPlainTextEdit(self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        form.addRow(tr("环节"), self.action)
        form.addRow(tr("处置部门"), self.department)
        form.addRow(tr("说明"), self.note)
        form.addRow(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, parent=self)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.action.currentIndexChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        rule = RULES[Action(self.action.currentData())]
        self.department.setEnabled(rule.needs_department)

    def apply(self) -> None:
        action = Action(self.action.currentData())
        kwargs = {"note": self.note.toPlainText() or None,
                  "department": self.department.currentData()
                  if RULES[action].needs_department else None}
        ids, actor = list(self.case_ids), Actor(self.role)

        def work():
            with self.db.session() as s:
                return act_many(s, ids, action, actor, workstation_id=self.db.workstation_id,
                                **kwargs)

        def failed(exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            self.message.setText(str(exc))

        def succeeded(results) -> None:
            self.done.emit([r.case_id for r in results])
            self.accept()

        self.buttons.setEnabled(False)
        self.runner.run(work, succeeded, failed)
