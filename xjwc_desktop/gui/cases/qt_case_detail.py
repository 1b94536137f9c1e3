"""详情 and 办理经过: the case on show as plain-text tables (never HTML)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_snapshot import CaseSnapshot
from xjwc_desktop.gui.shell.qt_tables import fill_rows

HISTORY_COLUMNS = ["时间", "环节", "办理人", "处置部门", "说明"]


def _cell(_column: int, text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)  # items are plain text, never markup
    item.setToolTip(text)
    return item


def fill(table: QTableWidget, rows: list[list[str]]) -> None:
    fill_rows(table, rows, _cell)
    table.resizeRowsToContents()


class QtCaseFields(QTableWidget):
    """详情: every field of the case, labelled, values whole (they wrap)."""

    def __init__(self, parent=None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels([tr("项目"), tr("内容")])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setVisible(False)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.snapshot: CaseSnapshot | None = None

    def show_snapshot(self, snap: CaseSnapshot | None) -> None:
        self.snapshot = snap
        rows = [] if snap is None else [[tr(label), value] for label, value in snap.fields]
        fill(self, rows)

    def value(self, label: str) -> str | None:
        """The value shown for ``label`` (tests and the status bar read it)."""
        for row in range(self.rowCount()):
            if self.item(row, 0).text() == tr(label):
                return self.item(row, 1).text()
        return None


class QtCaseHistory(QTableWidget):
    """办理经过: each step with its name, who took it, the department and the reason."""

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(HISTORY_COLUMNS), parent)
        self.setHorizontalHeaderLabels([tr(c) for c in HISTORY_COLUMNS])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(HISTORY_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)

    def show_snapshot(self, snap: CaseSnapshot | None) -> None:
        rows = [] if snap is None else [
            [e.at, tr(e.action_label, "action"),
             " ".join(p for p in (tr(e.role) if e.role else "", e.actor) if p),
             tr(e.department) if e.department else "", e.note] for e in snap.history]
        fill(self, rows)

    def actions_shown(self) -> list[str]:
        return [self.item(r, 1).text() for r in range(self.rowCount())]
