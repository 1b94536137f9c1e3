"""超期/临期: every running case that has used 80 % of its time or more, worst first.

The counts are true counts whatever the size of the database; every column sorts. Read on
a reader when shown and after writes that touched cases (at once if visible, else when
next shown); a double click shows the case.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core import clock
from xjwc_desktop.core.changes import Changes
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.workflow.deadlines import DueCase, DueList, Light, due_list
from xjwc_desktop.gui.shell.qt_tables import list_of_rows
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

LIGHT_COLORS = {Light.RED: "#d64541", Light.YELLOW: "#f0b429", Light.GREEN: "#2e9e5b"}
COLUMNS = ("时限", "案卷号", "状态", "类别", "处置部门", "地址", "处置时限")


def state_text(due: DueCase) -> str:
    """超期 N 工作日 / 剩余 N 工作时: the core's wording, the case panel's too."""
    return due.state


SORT_KEYS = {0: lambda d: d.used_fraction, 1: lambda d: d.case_no,
             2: lambda d: d.status.value, 3: lambda d: d.category,
             4: lambda d: d.department, 5: lambda d: d.address,
             6: lambda d: d.deadline_at}


class QtDueModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[DueCase] = []

    def set_rows(self, rows: list[DueCase]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(COLUMNS[section])
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        due, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.BackgroundRole and col == 0:
            return QBrush(QColor(LIGHT_COLORS[due.light]))
        if role == Qt.ItemDataRole.ForegroundRole and col == 0:
            return QBrush(QColor("#1f1f1f" if due.light is Light.YELLOW else "white"))
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return (state_text(due), due.case_no, tr(due.status.label), tr(due.category),
                tr(due.department), due.address, f"{due.deadline_at:%Y-%m-%d %H:%M}")[col]

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.beginResetModel()
        self.rows.sort(key=SORT_KEYS[column], reverse=order == Qt.SortOrder.DescendingOrder)
        self.endResetModel()


class QtDueList(QWidget):
    """``case_activated(case_id)`` on a double click."""

    case_activated = Signal(str)
    loaded = Signal(object)  # DueList

    def __init__(self, tasks: QtTaskManager, parent=None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.summary = QLabel(self)
        refresh = QPushButton(tr("刷新"), self)
        refresh.clicked.connect(self.refresh)
        self.model = QtDueModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        list_of_rows(self.table)
        metrics = self.table.fontMetrics()
        for col, sample in enumerate(("超期 1,234 工作日", "XJW20151031012345", "派遣",
                                      "道路不洁（保洁）", "作业队/保洁服务社", "国权北路1566弄")):
            self.table.setColumnWidth(col, metrics.horizontalAdvance(tr(sample)) + 20)
        self.table.doubleClicked.connect(
            lambda index: self.case_activated.emit(self.model.rows[index.row()].case_id))
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self.due: DueList | None = None
        self._stale = True
        tasks.operation_did_execute.connect(self._on_changes)

    def _on_changes(self, changes: Changes, _initiator) -> None:
        if changes.touches_cases:
            self._stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        self._stale = False
        self.summary.setText(tr("正在读取……"))
        now = clock.now()

        def read(db):
            with db.read() as s:
                return due_list(s, now)

        self.tasks.read(read, self._show, key="due-list")

    def _show(self, due: DueList) -> None:
        self.due = due
        self.model.set_rows(list(due.rows))
        self.summary.setText(tr("超期 {red} 件，临期 {yellow} 件")
                             .replace("{red}", f"{due.red:,}")
                             .replace("{yellow}", f"{due.yellow:,}"))
        self.loaded.emit(due)
