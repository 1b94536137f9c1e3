"""登记册: the registers as tables beside the case list (违法建筑, 无证建筑普查, 公益自行车站点).

Read on a reader when first shown and again whenever a write or a sync touched a register
(``Changes.registers``). A double click finds the row on the map (``locate``). Read-only
for now: editing a register is a write like a workflow step, and will go through the task
manager the same way.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QTableView, QTabWidget

from xjwc_desktop.core.changes import REGISTERS, Changes
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.registers import REGISTERS as TABLES
from xjwc_desktop.core.queries.registers import Register, RegisterRows, register_rows
from xjwc_desktop.gui.shell.qt_tables import list_of_rows
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

ADDRESS_SAMPLE = "国权北路1566弄附近"  # the width a usual address needs (as in the case list)


class QtRegisterModel(QAbstractTableModel):
    def __init__(self, register: Register, parent=None) -> None:
        super().__init__(parent)
        self.register = register
        self.rows = RegisterRows(register, (), ())

    def set_rows(self, rows: RegisterRows) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.register.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(self.register.columns[section])
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                                Qt.ItemDataRole.ToolTipRole):
            return None
        return tr(self.rows.rows[index.row()][index.column()])


class QtRegisterTables(QTabWidget):
    """One tab per register; ``locate(lon, lat)`` on a double click."""

    locate = Signal(float, float)
    loaded = Signal(str)  # a register's table key, each time it was read

    def __init__(self, tasks: QtTaskManager, parent=None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.setDocumentMode(True)
        self.models: dict[str, QtRegisterModel] = {}
        self.tables: dict[str, QTableView] = {}
        for register in TABLES:
            model = QtRegisterModel(register, self)
            view = QTableView(self)
            view.setModel(model)
            list_of_rows(view)
            view.doubleClicked.connect(lambda index, m=model: self.locate.emit(
                *m.rows.positions[index.row()]))
            self.models[register.key] = model
            self.tables[register.key] = view
            self.addTab(view, tr(register.title))
        self._stale = set(self.models)
        tasks.operation_did_execute.connect(self._on_changes)
        self.currentChanged.connect(lambda _i: self._refresh_shown())

    @staticmethod
    def size_columns(view: QTableView) -> None:
        """Each column as wide as its content; 地址 at least as wide as a usual address,
        even before its rows are read (an address is what the operator looks for)."""
        view.resizeColumnsToContents()
        model = view.model()
        sample = view.fontMetrics().horizontalAdvance(ADDRESS_SAMPLE) + 24
        for column, title in enumerate(model.register.columns):
            if title == "地址":
                view.setColumnWidth(column, max(view.columnWidth(column), sample))

    def _on_changes(self, changes: Changes, _initiator) -> None:
        touched = changes.tables & REGISTERS if not changes.everything else set(self.models)
        self._stale |= touched & set(self.models)
        if self.isVisible():
            self._refresh_shown()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self._refresh_shown()

    def _refresh_shown(self) -> None:
        key = TABLES[self.currentIndex()].key
        if key in self._stale:
            self.refresh(key)

    def refresh(self, key: str) -> None:
        self._stale.discard(key)
        model = self.models[key]

        def read(db):
            with db.reading() as conn:
                return register_rows(conn, model.register)

        def show(rows: RegisterRows) -> None:
            model.set_rows(rows)
            self.size_columns(self.tables[key])
            self.loaded.emit(key)

        self.tasks.read(read, show, key=f"register-{key}")
