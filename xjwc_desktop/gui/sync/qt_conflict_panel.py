"""冲突: the conflict records an operator resolves, one row each, with the choices the core
offers for the selected one (保留现值 / 采用此值 / 重新办理 / 知道了).

Values are what people typed (complaints, addresses): they are shown only as plain text,
in table items and a plain-text box, never through anything that reads HTML. A resolution
is a write like any other: it goes through the task manager's writer, and the records are
read again whenever a write or a sync touched them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core.changes import Changes
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.operations import Resolved, resolve
from xjwc_desktop.core.sync.conflict_text import ConflictText
from xjwc_desktop.core.sync.conflicts import CHOICES, ConflictView, list_conflicts
from xjwc_desktop.core.workflow import Actor, Role
from xjwc_desktop.core.workspace.case_view import CaseView
from xjwc_desktop.gui.shell.qt_tables import fill_rows, list_of_rows
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager
from xjwc_desktop.gui.sync.qt_sync import failure_message
from xjwc_desktop.gui.sync.qt_sync_status import when

COLUMNS = ("时间", "对象", "类型", "字段", "现值", "未采用的值", "来自")
CHOICE_HINTS = {"keep": "保留现在的值，关闭这条记录",
                "take": "用未被采用的值覆盖现在的值（记录已删除的先恢复）",
                "redo": "在案件现在的状态上重新办理未被采用的步骤",
                "acknowledge": "这条记录只是告知：关闭它"}


class QtConflictPanel(QWidget):
    """Lists open conflict records; ``resolved(view)`` after one was resolved here."""

    resolved = Signal(object)  # the ConflictView as it was before
    count_changed = Signal(int)

    def __init__(self, tasks: QtTaskManager, view: CaseView, parent=None) -> None:
        super().__init__(parent)
        self.tasks, self.case_view = tasks, view
        self.views: list[ConflictView] = []
        self.words = ConflictText()
        self.busy = False
        self.header = QLabel(self)
        self.header.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        # 我的角色 is the case view's (the toolbar's): the header says which it is.
        view.events.role.connect(self._on_role)
        refresh = QPushButton(tr("刷新"), self)
        refresh.clicked.connect(self.refresh)
        top.addWidget(refresh)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        list_of_rows(self.table)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.detail = QPlainTextEdit(self)
        self.detail.setReadOnly(True)
        self.detail.setMaximumHeight(150)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for choice, label in CHOICES.items():
            button = QPushButton(tr(label), self)
            button.setToolTip(tr(CHOICE_HINTS[choice]))
            button.clicked.connect(lambda _=False, c=choice: self.resolve(c))
            self.buttons[choice] = button
            row.addWidget(button)
        row.addStretch(1)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # quotes values and errors
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.loaded = False
        tasks.operation_did_execute.connect(self._on_changes)
        self.refresh()

    @property
    def role(self) -> Role:
        return self.case_view.role

    def _on_role(self, _role) -> None:
        self._show_header()

    def _on_changes(self, changes: Changes, _initiator) -> None:
        if changes.conflicts or changes.everything:
            self.refresh()

    def refresh(self) -> None:
        """Re-read the open records; the selected one stays selected if still open."""
        def read(db):
            with db.read() as s:
                return list_conflicts(s), ConflictText.load(s)

        self.tasks.read(read, self._show, key="conflicts")

    def _show(self, got) -> None:
        keep = self.selected()
        self.views, self.words = got
        words = self.words
        self.loaded = True
        # Plain text only: a QTableWidgetItem never interprets its text as HTML.
        fill_rows(self.table, [
            [when(view.created_at), f"{tr(view.table_label)} {view.label or view.row_id}",
             tr(view.kind_label), words.fields(view), words.values(view, view.kept),
             words.values(view, view.lost), view.lost_device or ""] for view in self.views])
        self.table.resizeColumnsToContents()
        for c in range(len(COLUMNS)):
            self.table.setColumnWidth(c, min(self.table.columnWidth(c), 260))
        rows = [r for r, v in enumerate(self.views) if keep and v.id == keep.id]
        if rows:
            self.table.selectRow(rows[0])
        elif self.views:
            self.table.selectRow(0)
        self._on_selection()
        self._show_header()
        self.count_changed.emit(len(self.views))

    def _show_header(self) -> None:
        self.header.setText(tr("未处理的冲突 {n} 条").format(n=len(self.views)) + " · "
                            + tr("处理身份：{role}").format(role=tr(self.role.label)))

    def selected(self) -> ConflictView | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.views):
            return None
        return self.views[rows[0].row()]

    def _on_selection(self) -> None:
        view = self.selected()
        for choice, button in self.buttons.items():
            button.setVisible(view is not None and choice in view.choices)
            button.setEnabled(not self.busy)
        self.detail.setPlainText(self.words.describe(view) if view else
                                 tr("没有未处理的冲突。"))

    def resolve(self, choice: str) -> None:
        """Carry out ``choice`` on the selected record, on the writer thread."""
        view = self.selected()
        if view is None or self.busy:
            return
        actor = Actor(self.role)
        self.busy = True
        self._on_selection()
        self.message.clear()
        self.tasks.write(lambda db: resolve(db, view.id, choice, actor),
                         on_done=lambda done: self._resolved(view, done),
                         on_error=self._refused, initiator=self)

    def _resolved(self, view: ConflictView, done: Resolved) -> None:
        self.busy = False
        self._say(tr("已处理：") + f"{view.label or view.row_id} — {done.message}")
        self.resolved.emit(view)  # the records are read again: the write touched them

    def _refused(self, exc: BaseException) -> None:
        self.busy = False
        self._on_selection()  # the buttons again, for another choice
        self.refresh()  # it may have been resolved elsewhere meanwhile
        self._say(tr("未能处理：") + failure_message(exc, tr("出错：")), error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #c0392b;" if error else "color: #1e8449;")
