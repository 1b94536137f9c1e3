"""The case list: an attribute table over the filtered cases (Anki's browser table).

The model holds only the positions of the current filter in the current sort order (from
the in-memory case index, milliseconds); the rows on screen are read a block at a time on
a reader when the view first paints them, and shown when they arrive. A write marks just
its rows stale and redraws them (``mark_stale``), so the selection and the scroll position
stay where the operator left them; a new filter resets the list and puts the selection back.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_index import CaseIndex
from xjwc_desktop.core.queries.case_list import COLUMNS, case_rows
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

BLOCK = 200
#: Positions found by scanning the display order rather than building its inverse.
SCANNED_AT_MOST = 8
DEFAULT_SORT = ("reported_at", True)
LOADING = "…"
TRANSLATED = ("source", "status", "zone")


class QtCaseTableModel(QAbstractTableModel):
    sorting = Signal(bool)  # a slow first sort runs / has finished
    rows_arrived = Signal()  # a block of rows was read (tests wait on it)

    def __init__(self, tasks: QtTaskManager, parent=None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self._index: CaseIndex | None = None
        self._mask: np.ndarray | None = None
        self._subset: np.ndarray | None = None  # a box on the map: only these positions
        self._sort = DEFAULT_SORT
        self._order = np.zeros(0, dtype=np.int64)  # index positions, display order
        self._row_of_position: np.ndarray | None = None
        self._cache: dict[int, tuple] = {}
        self._asked: set[int] = set()  # blocks being read
        self._epoch = 0  # bumped by every reset: blocks read before it are dropped

    # -- what the list shows --
    def set_index(self, index: CaseIndex, mask: np.ndarray | None = None) -> None:
        self._index = index
        self._mask = mask
        self._subset = None
        self.refresh()

    def set_mask(self, mask: np.ndarray | None, index: CaseIndex | None = None) -> None:
        """Show the cases of this filter result (None: all); ends a box subset."""
        if index is not None:
            self._index = index
        self._mask = mask
        self._subset = None
        self.refresh()

    def set_subset(self, positions: np.ndarray | None) -> None:
        """Narrow the list to these index positions (within the filter), or widen it again."""
        if positions is None or self._index is None:
            self._subset = None
        else:
            self._subset = np.zeros(len(self._index), dtype=bool)
            self._subset[np.asarray(positions, dtype=np.int64)] = True
        self.refresh()

    @property
    def subset_active(self) -> bool:
        return self._subset is not None

    @property
    def loaded(self) -> bool:
        return self._index is not None

    def refresh(self) -> None:
        """Recompute the order for the current mask and sort; drop every cached row."""
        self.beginResetModel()
        if self._index is None:
            self._order = np.zeros(0, dtype=np.int64)
        else:
            n = len(self._index)
            mask = self._mask if self._mask is not None and self._mask.size == n \
                else np.ones(n, dtype=bool)
            if self._subset is not None and self._subset.size == n:
                mask = mask & self._subset
            self._order = self._index.ordered(mask, *self._sort)
        self._row_of_position = None
        self._cache.clear()
        self._asked.clear()
        self._epoch += 1
        self.endResetModel()

    def mark_stale(self, positions: np.ndarray) -> None:
        """These cases were written (positions unchanged): redraw just their rows."""
        if self._index is None or not len(positions):
            return
        rowids = self._index.cols["rowid"][np.asarray(positions, dtype=np.int64)]
        if rowids.size > len(self._cache):  # a sync's thousands: look up the few cached
            cached = np.fromiter(self._cache, dtype=np.int64, count=len(self._cache))
            rowids = cached[np.isin(cached, rowids)]
        for rowid in rowids.tolist():
            self._cache.pop(int(rowid), None)
        rows = self.rows_of_positions(positions)
        self._asked.clear()  # a block in flight may carry the old values: read again
        self._epoch += 1
        if rows.size == 0:
            return
        last = len(COLUMNS) - 1
        if rows.size > 64:  # a sync's thousands of rows: one signal, the view repaints
            self.dataChanged.emit(self.index(int(rows[0]), 0), self.index(int(rows[-1]), last))
            return
        for row in rows.tolist():
            self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    # -- positions, rows and rowids --
    def rowid_at(self, row: int) -> int:
        return int(self._index.cols["rowid"][self._order[row]])

    def rowids_at(self, rows: np.ndarray) -> np.ndarray:
        return self._index.cols["rowid"][self._order[rows]]

    def rows_of_positions(self, positions: np.ndarray) -> np.ndarray:
        """Rows showing these index positions (sorted; positions not listed are skipped)."""
        positions = np.asarray(positions, dtype=np.int64)
        if self._row_of_position is None and positions.size <= SCANNED_AT_MOST:
            # A click selects one case: a scan of the order for it (0.4 ms at 1M) instead
            # of the whole inverse (6-16 ms), which each new order or filter drops again.
            found = [np.flatnonzero(self._order == p) for p in positions.tolist()]
            return np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
        if self._row_of_position is None:
            inverse = np.full(len(self._index), -1, dtype=np.int64)
            inverse[self._order] = np.arange(self._order.size)
            self._row_of_position = inverse
        rows = self._row_of_position[positions]
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
        rows = np.flatnonzero(self._order == pos)  # one scan beats building the inverse
        return int(rows[0]) if rows.size else None

    def rows_of(self, rowids) -> np.ndarray:
        if self._index is None or not len(rowids):
            return np.zeros(0, dtype=np.int64)
        pos = self._index.positions_of(rowids)
        return self.rows_of_positions(pos[pos >= 0])

    @property
    def rowids(self) -> np.ndarray:
        if self._index is None:
            return np.zeros(0, dtype=np.int64)
        return self._index.cols["rowid"][self._order]

    def row_values(self, row: int) -> tuple | None:
        """The values shown in ``row`` if they have been read (None: still loading)."""
        return self._cache.get(self.rowid_at(row))

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
        row = self._cache.get(self.rowid_at(index.row()))
        if row is None:
            self._ask(index.row())
            return LOADING if role == Qt.ItemDataRole.DisplayRole else None
        value = row[index.column()]
        if value is None:
            return ""
        return tr(str(value)) if COLUMNS[index.column()].key in TRANSLATED else str(value)

    def _ask(self, row: int) -> None:
        block = row // BLOCK
        if block in self._asked:
            return
        self._asked.add(block)
        start = block * BLOCK
        rowids = self.rowids_at(np.arange(start, min(start + BLOCK, self._order.size)))
        epoch = self._epoch

        def read(db):
            with db.reading() as conn:
                return case_rows(conn, rowids)

        self.tasks.read(read, lambda rows: self._arrived(epoch, block, rows))

    def _arrived(self, epoch: int, block: int, rows: dict[int, tuple]) -> None:
        if epoch != self._epoch:
            return  # the list was reset or rows went stale meanwhile: asked again on paint
        if len(self._cache) > 20 * BLOCK:  # keep memory flat while scrolling a million rows
            self._cache.clear()
        self._cache.update(rows)
        self._asked.discard(block)
        start = block * BLOCK
        end = min(start + BLOCK, self._order.size) - 1
        if end >= start:
            self.dataChanged.emit(self.index(start, 0), self.index(end, len(COLUMNS) - 1))
        self.rows_arrived.emit()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column].key
        self._sort = (key, order == Qt.SortOrder.DescendingOrder)
        index = self._index
        if index is not None and not index.orders.cached(key):
            # The first sort by a text column is SQLite sorting a million strings: on a
            # reader; the list re-sorts when it is done.
            self.sorting.emit(True)

            def sorted_(_result) -> None:
                self.sorting.emit(False)
                if self._sort[0] == key and self._index is index:
                    self.refresh()

            self.tasks.read(lambda _db: index.orders.get(key), sorted_, key="sort")
            return
        self.refresh()
