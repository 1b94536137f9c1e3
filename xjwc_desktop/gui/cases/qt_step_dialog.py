"""The form of one workflow step: what the step needs, checked while the operator types.

派遣 offers the category's own department first; 改派 any other one; 申请延期 asks for the
hours; 批准延期 shows what was requested (hours, by whom, when, why) and grants it unless
changed. OK is enabled only when the form is complete, and a refusal from the workflow
engine is shown here with the input kept, so nothing typed is lost.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_snapshot import CaseSnapshot
from xjwc_desktop.core.workflow import RULES, Action

HOURS_ACTIONS = (Action.REQUEST_EXTENSION, Action.EXTEND)


class QtStepDialog(QDialog):
    """``submitted(values)`` when OK is pressed on a complete form; stays open until the
    caller :meth:`done_ok` s it or shows a refusal with :meth:`refused`."""

    submitted = Signal(dict)

    def __init__(self, action: Action, case: CaseSnapshot, departments: list[tuple[str, str]],
                 parent=None) -> None:
        super().__init__(parent)
        self.action, self.case = action, case
        rule = RULES[action]
        self.setWindowTitle(f"{tr(action.label, 'action')} — {case.case_no}")
        self.setMinimumWidth(420)
        form = QFormLayout(self)
        form.addRow(QLabel(f"{case.case_no}  {tr(case.status.label)}  {tr(case.category_name)}"))
        self.department: QComboBox | None = None
        if rule.needs_department:
            self.department = QComboBox(self)
            offered = [(c, n) for c, n in departments
                       if not (action is Action.REASSIGN and c == case.department)]
            for code, name in offered:
                self.department.addItem(tr(name), code)
            preferred = case.default_department if action is Action.DISPATCH else None
            found = self.department.findData(preferred) if preferred else -1
            self.department.setCurrentIndex(max(found, 0))
            form.addRow(tr("处置部门"), self.department)
        self.request = None
        if action is Action.EXTEND and case.extension_requested_hours:
            asked = case.latest_request
            text = tr("申请延期 {h} 工作时").replace("{h}", f"{case.extension_requested_hours:g}")
            if asked is not None:
                text += f"（{asked.at} {tr(asked.role)} {asked.department}）"
                if asked.note:
                    text += "\n" + tr("理由：") + asked.note
            self.request = QLabel(text, self)
            self.request.setWordWrap(True)
            self.request.setTextFormat(Qt.TextFormat.PlainText)
            form.addRow(tr("申请"), self.request)
        self.hours: QDoubleSpinBox | None = None
        if action in HOURS_ACTIONS:
            self.hours = QDoubleSpinBox(self)
            self.hours.setRange(0, 2000)
            self.hours.setDecimals(1)
            self.hours.setSuffix(" " + tr("工作时"))
            if action is Action.EXTEND:
                self.hours.setValue(case.extension_requested_hours or 0)
            self.hours.valueChanged.connect(self._check)
            form.addRow(tr("延期"), self.hours)
        self.note = QPlainTextEdit(self)
        self.note.setPlaceholderText(tr("必填：说明原因") if rule.needs_note
                                     else tr("备注（可选）"))
        self.note.setTabChangesFocus(True)
        self.note.textChanged.connect(self._check)
        form.addRow(tr("说明"), self.note)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setStyleSheet("color: #a61b1b;")
        form.addRow(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, parent=self)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(tr(action.label, "action"))
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._check()

    def problem(self) -> str | None:
        """What is missing, in the operator's words (None: the form is complete)."""
        rule = RULES[self.action]
        if self.department is not None and self.department.currentData() is None:
            return tr("没有可选的处置部门。")
        if self.action is Action.REQUEST_EXTENSION and not (self.hours and self.hours.value()):
            return tr("请填写申请延期的工作时数。")
        if self.action is Action.EXTEND and not (self.hours and self.hours.value()):
            return tr("请填写批准延期的工作时数。")
        if rule.needs_note and not self.note.toPlainText().strip():
            return tr("请填写说明（原因）。")
        return None

    def _check(self) -> None:
        problem = self.problem()
        self.ok.setEnabled(problem is None)
        self.message.setText(problem or "")

    def values(self) -> dict:
        return {"department": self.department.currentData() if self.department else None,
                "note": self.note.toPlainText().strip() or None,
                "hours": (self.hours.value() or None) if self.hours else None}

    def _submit(self) -> None:
        if self.problem() is None:
            self.ok.setEnabled(False)  # one at a time: the answer re-enables or closes
            self.message.setText(tr("正在办理……"))
            self.submitted.emit(self.values())

    def refused(self, message: str) -> None:
        """The engine refused the step: say why, keep everything typed."""
        self.message.setText(message)
        self.ok.setEnabled(self.problem() is None)

    def done_ok(self) -> None:
        self.accept()
