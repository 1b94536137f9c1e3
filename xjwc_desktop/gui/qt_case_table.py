"""The case list: a lazy table model over the filtered cases (Anki's browser pattern).

The model holds only the rowids of the current filter and sort; rows are fetched from the
database a block at a time when the view paints them, and dropped when the filter changes.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_list import COLUMNS, CaseFilter, case_rowids, case_rows

BLOCK = 200


class QtCaseTableModel(QAbstractTableModel):
    def __init__(self, engine: Engine, parent=None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._filter = CaseFilter()
        self._sort = ("reported_at", True)
        self._rowids = np.zeros(0, dtype=np.int64)
        self._cache: dict[int, tuple] = {}
        self.refresh()

    # -- what the window drives --
    def set_filter(self, flt: CaseFilter) -> None:
        self._filter = flt
        self.refresh()

    def refresh(self) -> None:
        """Re-read the ids for the current filter and sort; drop every cached row."""
        self.beginResetModel()
        with self._engine.connect() as conn:
            self._rowids = case_rowids(conn, self._filter, *self._sort)
        self._cache.clear()
        self.endResetModel()

    def rowid_at(self, row: int) -> int:
        return int(self._rowids[row])

    def row_of(self, rowid: int) -> int | None:
        hits = np.flatnonzero(self._rowids == rowid)
        return int(hits[0]) if hits.size else None

    @property
    def rowids(self) -> np.ndarray:
        return self._rowids

    # -- Qt model API --
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else int(self._rowids.size)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return tr(COLUMNS[section].label)
        return str(section + 1)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                                Qt.ItemDataRole.ToolTipRole):
            return None
        rowid = int(self._rowids[index.row()])
        row = self._cache.get(rowid)
        if row is None:
            self._fetch_block(index.row())
            row = self._cache.get(rowid)
        if row is None:
            return None
        value = row[index.column()]
        return "" if value is None else str(value)

    def _fetch_block(self, row: int) -> None:
        start = (row // BLOCK) * BLOCK
        ids = self._rowids[start:start + BLOCK]
        if len(self._cache) > 20 * BLOCK:  # keep memory flat while scrolling a million rows
            self._cache.clear()
        with self._engine.connect() as conn:
            self._cache.update(case_rows(conn, ids))

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (COLUMNS[column].key, order == Qt.SortOrder.DescendingOrder)
        self.refresh()


class QtCaseTable(QWidget):
    """The table with its row count; emits the rowids the operator selected."""

    selection_changed = Signal(list)

    def __init__(self, engine: Engine, parent=None) -> None:
        super().__init__(parent)
        self.model = QtCaseTableModel(engine, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(
            next(i for i, c in enumerate(COLUMNS) if c.key == "reported_at"),
            Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for i, width in enumerate((150, 80, 110, 60, 90, 130, 140, 260, 130, 130)):
            self.view.setColumnWidth(i, width)
        self.count_label = QLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.count_label)
        layout.addWidget(self.view)
        self.model.modelReset.connect(self._update_count)
        self.view.selectionModel().selectionChanged.connect(self._emit_selection)
        self._update_count()

    def _update_count(self) -> None:
        self.count_label.setText(tr("共 {n} 件案件").replace("{n}", f"{self.model.rowCount():,}"))

    def _emit_selection(self, *_args) -> None:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        self.selection_changed.emit([self.model.rowid_at(r) for r in rows])

    def select_rowid(self, rowid: int) -> bool:
        row = self.model.row_of(rowid)
        if row is None:
            return False
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
        return True
