"""The case list: a lazy table model over the filtered cases (Anki's browser pattern).

The model holds only the positions of the current filter in the current sort order (taken
from the in-memory case index in milliseconds); the rows on screen are fetched from the
database a block at a time when the view paints them, and dropped when the filter changes.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
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
    sorting = Signal()  # a slow sort started; the list follows when it is ready

    def __init__(self, engine: Engine, parent=None) -> None:
        super().__init__(parent)
        # Runs (work, on_done) off the GUI thread; without one, sorts run in place.
        self.background = None
        self._engine = engine
        self._index: CaseIndex | None = None
        self._mask: np.ndarray | None = None
        self._subset: np.ndarray | None = None  # a box on the map: only these positions
        self._sort = DEFAULT_SORT
        self._order = np.zeros(0, dtype=np.int64)  # index positions, display order
        self._row_of_position: np.ndarray | None = None
        self._cache: dict[int, tuple] = {}

    # -- what the window drives --
    def set_index(self, index: CaseIndex, mask: np.ndarray | None = None) -> None:
        self._index = index
        self.set_mask(mask)

    def set_mask(self, mask: np.ndarray | None) -> None:
        """Show the cases of this filter result (None: all of them); ends a subset."""
        self._mask = mask
        self._subset = None
        self.refresh()

    def set_subset(self, positions: np.ndarray | None) -> None:
        """Narrow the list to these index positions (within the filter), or widen it again."""
        if positions is None:
            self._subset = None
        else:
            self._subset = np.zeros(len(self._index), dtype=bool)
            self._subset[np.asarray(positions, dtype=np.int64)] = True
        self.refresh()

    @property
    def subset_active(self) -> bool:
        return self._subset is not None

    def refresh(self) -> None:
        """Recompute the order for the current mask and sort; drop every cached row."""
        self.beginResetModel()
        if self._index is None:
            self._order = np.zeros(0, dtype=np.int64)
        else:
            mask = self._mask if self._mask is not None and self._mask.size == len(self._index) \
                else np.ones(len(self._index), dtype=bool)
            if self._subset is not None and self._subset.size == mask.size:
                mask = mask & self._subset
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
        pos = int(self._index.positions_of([rowid])[0])
        if pos < 0:
            return None
        if self._row_of_position is not None:
            row = int(self._row_of_position[pos])
            return row if row >= 0 else None
        # One lookup: a scan (about a millisecond) beats building the inverse (ten).
        rows = np.flatnonzero(self._order == pos)
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
        key = COLUMNS[column].key
        self._sort = (key, order == Qt.SortOrder.DescendingOrder)
        index = self._index
        if index is not None and self.background is not None and not index.orders.cached(key):
            # The first sort by a text column is SQLite sorting a million strings: off the
            # GUI thread, the list re-sorts when it is done.
            self.sorting.emit()
            self.background(lambda: index.orders.get(key),
                            lambda _r: self.refresh() if self._sort[0] == key else None)
            return
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
        self.show_all_button = QPushButton(tr("显示全部"), self)
        self.show_all_button.setToolTip(tr("结束框选，列出筛选出的全部案件"))
        self.show_all_button.clicked.connect(lambda: self.model.set_subset(None))
        self.show_all_button.hide()
        top = QHBoxLayout()
        top.addWidget(self.count_label, 1)
        top.addWidget(self.show_all_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view)
        self.model.modelReset.connect(self._after_reset)
        self.model.sorting.connect(lambda: self.count_label.setText(tr("正在排序……")))
        self.view.selectionModel().selectionChanged.connect(self._emit_selection)

    def _after_reset(self) -> None:
        if self.model.loaded:
            text = tr("框选 {n} 件案件") if self.model.subset_active else tr("共 {n} 件案件")
            self.count_label.setText(text.replace("{n}", f"{self.model.rowCount():,}"))
        self.show_all_button.setVisible(self.model.subset_active)
        self.selection_changed.emit([])  # a reset drops the selection without a signal

    def selected_rows(self) -> np.ndarray:
        ranges = self.view.selectionModel().selection()
        parts = [np.arange(r.top(), r.bottom() + 1) for r in ranges]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def _emit_selection(self, *_args) -> None:
        rows = self.selected_rows()
        self.selection_changed.emit(self.model.rowids_at(rows).tolist() if rows.size else [])

    def select_rowid(self, rowid: int) -> bool:
        row = self.model.row_of(rowid)
        if row is None and self.model.subset_active:  # clicked outside the box: list all
            self.model.set_subset(None)
            row = self.model.row_of(rowid)
        if row is None:
            return False
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def show_only(self, positions: np.ndarray) -> int:
        """List just these index positions (a box on the map), all selected; returns how many.

        Selecting them in place would scatter them over a million rows: Qt merges selection
        ranges pairwise, and 60,000 scattered rows took 17 s. Listed together they are one
        range, selected at once, and the operator sees what the box caught.
        """
        self.model.set_subset(positions if len(positions) else None)
        if len(positions):
            self.view.selectAll()
            self.view.scrollToTop()
            return self.model.rowCount()
        return 0
