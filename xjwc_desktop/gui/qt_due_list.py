"""超期/临期: the running cases that have used most of their time, worst first."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core import clock
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.workflow.deadlines import Light, due_cases

LIGHT_COLORS = {Light.RED: "#e74c3c", Light.YELLOW: "#f1c40f", Light.GREEN: "#27ae60"}


class QtDueList(QWidget):
    case_activated = Signal(str)  # case id

    def __init__(self, db: Database, parent=None) -> None:
        super().__init__(parent)
        self.db = db
        self.summary = QLabel(self)
        refresh = QPushButton(tr("刷新"), self)
        refresh.clicked.connect(self.refresh)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels([tr("红绿灯"), tr("案卷号"), tr("状态"),
                                              tr("处置时限")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(
            lambda row, _col: self.case_activated.emit(self.table.item(row, 1).data(
                Qt.ItemDataRole.UserRole)))
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self.rows = []
        self.refresh()

    def refresh(self) -> None:
        with self.db.session(write=False) as s:
            self.rows = due_cases(s, clock.now())
        self.table.setRowCount(len(self.rows))
        for i, due in enumerate(self.rows):
            light = QTableWidgetItem(f"{tr(due.light.label)} {due.used_fraction:.0%}")
            light.setBackground(QBrush(QColor(LIGHT_COLORS[due.light])))
            number = QTableWidgetItem(due.case_no)
            number.setData(Qt.ItemDataRole.UserRole, due.case_id)
            self.table.setItem(i, 0, light)
            self.table.setItem(i, 1, number)
            self.table.setItem(i, 2, QTableWidgetItem(tr(due.status.label)))
            self.table.setItem(i, 3, QTableWidgetItem(f"{due.deadline_at:%Y-%m-%d %H:%M}"))
        red = sum(d.light is Light.RED for d in self.rows)
        self.summary.setText(tr("超期 {red} 件，临期 {yellow} 件")
                             .replace("{red}", str(red))
                             .replace("{yellow}", str(len(self.rows) - red)))
