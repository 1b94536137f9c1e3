"""The case list: a lazy table model over the filtered cases (Anki's browser pattern).

The model holds only the positions of the current filter in the current sort order (taken
from the in-memory case index in milliseconds); the rows on screen are fetched from the
database a block at a time when the view paints them, and dropped when the filter changes.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    Qt,
    Signal,
)
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
from xjwc_desktop.core.queries.case_index import CaseIndex
from xjwc_desktop.core.queries.case_list import COLUMNS, case_rows

BLOCK = 200
DEFAULT_SORT = ("reported_at", True)


class QtCaseTableModel(QAbstractTableModel):
    def __init__(self, engine: Engine, parent=None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._index: CaseIndex | None = None
        self._mask: np.ndarray | None = None
        self._sort = DEFAULT_SORT
        self._order = np.zeros(0, dtype=np.int64)  # index positions, display order
        self._row_of_position: np.ndarray | None = None
        self._cache: dict[int, tuple] = {}

    # -- what the window drives --
    def set_index(self, index: CaseIndex, mask: np.ndarray | None = None) -> None:
        self._index = index
        self.set_mask(mask)

    def set_mask(self, mask: np.ndarray | None) -> None:
        """Show the cases of this filter result (None: all of them)."""
        self._mask = mask
        self.refresh()

    def refresh(self) -> None:
        """Recompute the order for the current mask and sort; drop every cached row."""
        self.beginResetModel()
        if self._index is None:
            self._order = np.zeros(0, dtype=np.int64)
        else:
            mask = self._mask if self._mask is not None and self._mask.size == len(self._index) \
                else np.ones(len(self._index), dtype=bool)
            self._order = self._index.ordered(mask, *self._sort)
        self._row_of_position = None
        self._cache.clear()
        self.endResetModel()

    @property
    def loaded(self) -> bool:
        return self._index is not None

    def rowid_at(self, row: int) -> int:
        return int(self._index.cols["rowid"][self._order[row]])

    def rowids_at(self, rows: np.ndarray) -> np.ndarray:
        return self._index.cols["rowid"][self._order[rows]]

    def rows_of_positions(self, positions: np.ndarray) -> np.ndarray:
        """Rows showing these index positions (sorted; positions not listed are skipped)."""
        if self._row_of_position is None:
            inverse = np.full(len(self._index), -1, dtype=np.int64)
            inverse[self._order] = np.arange(self._order.size)
            self._row_of_position = inverse
        rows = self._row_of_position[np.asarray(positions, dtype=np.int64)]
        return np.sort(rows[rows >= 0])

    def row_of(self, rowid: int) -> int | None:
        if self._index is None:
            return None
        pos = self._index.positions_of([rowid])
        if pos[0] < 0:
            return None
        rows = self.rows_of_positions(pos)
        return int(rows[0]) if rows.size else None

    @property
    def rowids(self) -> np.ndarray:
        if self._index is None:
            return np.zeros(0, dtype=np.int64)
        return self._index.cols["rowid"][self._order]

    # -- Qt model API --
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else int(self._order.size)

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
        rowid = self.rowid_at(index.row())
        row = self._cache.get(rowid)
        if row is None:
            self._fetch_block(index.row())
            row = self._cache.get(rowid)
        if row is None:
            return None
        value = row[index.column()]
        return "" if value is None else tr(str(value)) if COLUMNS[index.column()].key in (
            "source", "status", "zone") else str(value)

    def _fetch_block(self, row: int) -> None:
        start = (row // BLOCK) * BLOCK
        ids = self.rowids_at(np.arange(start, min(start + BLOCK, self._order.size)))
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
            next(i for i, c in enumerate(COLUMNS) if c.key == DEFAULT_SORT[0]),
            Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for i, width in enumerate((150, 80, 110, 60, 90, 130, 140, 260, 130, 130)):
            self.view.setColumnWidth(i, width)
        self.count_label = QLabel(tr("正在载入案件……"), self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.count_label)
        layout.addWidget(self.view)
        self.model.modelReset.connect(self._update_count)
        self.view.selectionModel().selectionChanged.connect(self._emit_selection)

    def _update_count(self) -> None:
        if self.model.loaded:
            self.count_label.setText(
                tr("共 {n} 件案件").replace("{n}", f"{self.model.rowCount():,}"))

    def selected_rows(self) -> np.ndarray:
        ranges = self.view.selectionModel().selection()
        parts = [np.arange(r.top(), r.bottom() + 1) for r in ranges]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def _emit_selection(self, *_args) -> None:
        rows = self.selected_rows()
        self.selection_changed.emit(self.model.rowids_at(rows).tolist() if rows.size else [])

    def select_rowid(self, rowid: int) -> bool:
        row = self.model.row_of(rowid)
        if row is None:
            return False
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def select_positions(self, positions: np.ndarray) -> int:
        """Select the rows of these index positions (a box on the map); returns how many."""
        rows = self.model.rows_of_positions(positions)
        selection = QItemSelection()
        if rows.size:
            # Contiguous runs become one range each: a box over a sorted list is many runs,
            # but far fewer than rows.
            breaks = np.flatnonzero(np.diff(rows) != 1)
            starts = np.concatenate(([rows[0]], rows[breaks + 1]))
            ends = np.concatenate((rows[breaks], [rows[-1]]))
            last = self.model.columnCount() - 1
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
                selection.select(self.model.index(a, 0), self.model.index(b, last))
        self.view.selectionModel().select(
            selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        if rows.size:
            self.view.scrollTo(self.model.index(int(rows[0]), 0),
                               QAbstractItemView.ScrollHint.PositionAtTop)
        return int(rows.size)
