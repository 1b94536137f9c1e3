"""The case panel: the case on show, in four tabs that always show the same case.

办理 (role, steps, deadline light) · 详情 (every field) · 办理经过 (the history, with step
names and reasons) · 备注与照片. It shows the case view's ``current`` case, read as one
snapshot on a reader; it reads it again when the case changes anywhere (a step here, a
bulk step, another workstation's change pulled by a sync) and after a refused step, so
what it shows and the buttons it offers are never stale.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core.changes import Changes
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.operations import add_case_note, attach_case_photo, take_step
from xjwc_desktop.core.queries.case_ref import CaseRef
from xjwc_desktop.core.queries.case_snapshot import CaseSnapshot, load_case_snapshot
from xjwc_desktop.core.workflow import Action, Actor
from xjwc_desktop.core.workflow.deadlines import Light, overdue_text
from xjwc_desktop.core.workspace.case_view import CaseView
from xjwc_desktop.gui.cases.qt_case_actions import QtCaseActions
from xjwc_desktop.gui.cases.qt_case_detail import QtCaseFields, QtCaseHistory
from xjwc_desktop.gui.cases.qt_case_notes import QtCaseNotes, thumbnail
from xjwc_desktop.gui.cases.qt_reference import QtReference
from xjwc_desktop.gui.cases.qt_step_dialog import QtStepDialog
from xjwc_desktop.gui.shell.qt_flow_layout import scrolled
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager, failure_message

LIGHT_COLORS = {Light.RED: "#d64541", Light.YELLOW: "#f0b429", Light.GREEN: "#2e9e5b"}
TABS = ("办理", "详情", "办理经过", "备注与照片")


class QtCasePanel(QWidget):
    """See the module docstring. ``shown(snapshot)`` after each case shown (or None)."""

    shown = Signal(object)

    def __init__(self, tasks: QtTaskManager, view: CaseView, reference: QtReference,
                 parent=None) -> None:
        super().__init__(parent)
        self.tasks, self.view, self.reference = tasks, view, reference
        self.snapshot: CaseSnapshot | None = None
        self.dialog: QtStepDialog | None = None
        # One line: the window puts it in the dock's title bar, where it names the case.
        self.header = QLabel(self)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.header.setStyleSheet("font-weight: 600; padding: 2px 6px;")
        self.header.setMinimumWidth(60)
        self.light = QLabel(self)
        self.light.setTextFormat(Qt.TextFormat.PlainText)
        self.light.setWordWrap(True)  # a narrow panel wraps the banner, never scrolls it
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.hide()  # shown while it has something to say (a short panel)
        self.steps = QtCaseActions(view, self)
        self.fields = QtCaseFields(self)
        self.history = QtCaseHistory(self)
        self.notes = QtCaseNotes(self)
        work = QWidget()
        work_layout = QVBoxLayout(work)
        # Tight: at 1366×768 the dock under the map gives this tab about 80 px.
        work_layout.setContentsMargins(4, 3, 4, 3)
        work_layout.setSpacing(3)
        work_layout.addWidget(self.light)
        work_layout.addWidget(self.steps)
        work_layout.addWidget(self.message)
        work_layout.addStretch(1)
        self.tabs = QTabWidget(self)
        # Scrolled, so the panel can be as short as the dock under the map is.
        self.work = scrolled(work, wrap=True)
        for widget, title in zip((self.work, self.fields, self.history, scrolled(self.notes)),
                                 TABS, strict=True):
            self.tabs.addTab(widget, tr(title))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 0, 2, 2)
        layout.addWidget(self.tabs, 1)
        self.steps.step_requested.connect(self.start_step)
        self.notes.note_entered.connect(self.add_note)
        self.notes.photo_chosen.connect(self.attach_photo)
        view.events.current.connect(self._on_current)
        tasks.operation_did_execute.connect(self._on_changes)
        self._render(None, [])

    def add_command(self, action) -> None:
        """Offer a case command (a window action) as a button here too."""
        button = QToolButton(self)
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.steps.add_command(button)  # in the steps' rows: no row of its own

    # -- what to show --
    def _on_current(self, ref: CaseRef | None) -> None:
        self._say("")
        self.load(ref)

    def _on_changes(self, changes: Changes, _initiator) -> None:
        current = self.view.current
        if current is not None and (changes.touches_case(current.case_id)
                                    or (current.case_id is None and changes.touches_cases)):
            self.load(current)

    def load(self, ref: CaseRef | None) -> None:
        """Read ``ref`` (the case on show) again and show it when read."""
        if ref is None:
            self.tasks.supersede("case-panel")
            self._render(None, [])
            return

        def read(db):
            with db.read() as s:
                snap = load_case_snapshot(s, ref, db.path)
            return snap, [thumbnail(p) for p in snap.photos] if snap else []

        self.tasks.read(read, lambda got: self._loaded(ref, *got), key="case-panel",
                        on_error=lambda exc: self._unreadable(ref, exc))

    def _loaded(self, ref: CaseRef, snap: CaseSnapshot | None, thumbs) -> None:
        if not ref.same_case(self.view.current):
            return
        if snap is None:
            # Gone (deleted, withdrawn by a sync): the case view lets it go, so the list
            # and the map do too; "未选择" here never sits beside a selected row.
            gone = self.snapshot is not None and ref.same_case(self.snapshot.ref)
            self.view.clear_selection()
            if gone:
                self._say(tr("这件案件已被删除或撤回。"))
            return
        self.view.learn(snap.ref)
        self._render(snap, thumbs)

    def _unreadable(self, ref: CaseRef, exc: BaseException) -> None:
        """The read failed: never leave another case's details under this case's row."""
        if not ref.same_case(self.view.current):
            return
        self._render(None, [])
        self.header.setText(tr("案件：未能读取"))
        self._say(failure_message(exc, "未能读取案件："))

    def _render(self, snap: CaseSnapshot | None, thumbs) -> None:
        self.snapshot = snap
        self.steps.show_snapshot(snap)
        self.fields.show_snapshot(snap)
        self.history.show_snapshot(snap)
        self.notes.show_snapshot(snap, thumbs)
        if snap is None:
            self.header.setText(tr("案件：未选择"))
            self.header.setToolTip(tr("在地图上点击案件或在列表中选择"))
            self.light.clear()
            self.light.setStyleSheet("")
        else:
            text = "  ".join(t for t in (snap.case_no, tr(snap.status.label),
                                         tr(snap.category_name), snap.address) if t)
            self.header.setText(text)
            self.header.setToolTip(text)
            self._render_light(snap)
        self.shown.emit(snap)

    def _render_light(self, snap: CaseSnapshot) -> None:
        d = snap.deadline
        if d.light is Light.NONE:
            self.light.setText(tr("无处置时限（未立案、已作废或已办结）"))
            self.light.setStyleSheet("padding: 2px 4px;")
            return
        self.light.setText(f"{tr(d.light.label)}  {overdue_text(d.over_minutes)}  "
                           f"{tr('处置时限')} {d.deadline_at:%Y-%m-%d %H:%M}")
        colour = LIGHT_COLORS.get(d.light, "#ddd")
        ink = "#1f1f1f" if d.light is Light.YELLOW else "white"
        self.light.setStyleSheet(f"background: {colour}; color: {ink}; padding: 2px 4px; "
                                 "font-weight: 600; border-radius: 3px;")

    # -- writes --
    def start_step(self, action: Action) -> QtStepDialog | None:
        snap = self.snapshot
        if snap is None:
            return None
        if self.dialog is not None:
            self.dialog.close()
        dialog = QtStepDialog(action, snap, self.reference.departments(), self)
        dialog.submitted.connect(lambda values: self._step(dialog, action, snap, values))
        dialog.finished.connect(lambda _r: self._closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _closed(self, dialog: QtStepDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()  # by Qt, once its signals are done (not by Python's GC)

    def _step(self, dialog: QtStepDialog, action: Action, snap: CaseSnapshot,
              values: dict) -> None:
        actor = Actor(self.view.role)
        self.steps.set_busy(True)

        def done(_result) -> None:
            self.steps.set_busy(False)
            self._say(tr("已办理：") + tr(action.label, "action"))
            dialog.done_ok()

        def refused(exc: BaseException) -> None:
            self.steps.set_busy(False)
            text = failure_message(exc)
            dialog.refused(text)
            self._say(tr("未能办理：") + text)
            self.load(self.view.current)  # whatever happened, show the case as it is now

        self.tasks.write(lambda db: take_step(db, snap.case_id, action, actor, **values),
                         on_done=done, on_error=refused, initiator=self)

    def add_note(self, text: str) -> None:
        case_id = self.notes.case_id

        def done(_r) -> None:
            self.notes.note_input.clear()

        self.tasks.write(lambda db: add_case_note(db, case_id, text), on_done=done,
                         on_error=self._write_failed, initiator=self)

    def attach_photo(self, path) -> None:
        case_id = self.notes.case_id
        self.tasks.write(lambda db: attach_case_photo(db, case_id, path),
                         on_error=self._write_failed, initiator=self)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _write_failed(self, exc: BaseException) -> None:
        text = failure_message(exc)
        self._say(text)
        if self.isVisible():
            QMessageBox(QMessageBox.Icon.Warning, tr("未能保存"), text, parent=self).open()
