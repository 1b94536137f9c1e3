"""The case list widget: the table with its count, subscribed to the case view.

It shows the mask the case view holds, selects what the case view says is selected (a
click on the map, a case opened from the due list), and tells the case view what the
operator selects here. After a reset (new filter, new sort, cases added) it puts the
selection back and keeps the case on show in sight.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_list import COLUMNS
from xjwc_desktop.core.queries.case_ref import CaseRef
from xjwc_desktop.core.workspace.case_view import CaseView
from xjwc_desktop.gui.cases.qt_case_source import CasesUpdated, QtCaseSource
from xjwc_desktop.gui.cases.qt_case_table import DEFAULT_SORT, QtCaseTableModel
from xjwc_desktop.gui.shell.qt_tables import list_of_rows
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

#: What the widest usual value of each column looks like (columns are sized to it).
SAMPLES = {"case_no": "XJW20151031012345", "source": "大联动平台", "category": "道路不洁（保洁）",
           "status": "作废", "zone": "殷行路以北", "grid": "310110020001123",
           "address": "国权北路1566弄附近", "description": "市民来电反映：国权北路附近",
           "reported_at": "2015-10-31 23:59", "deadline_at": "2015-10-31 23:59"}
MAX_RESTORED = 2000  # a selection kept across a new order of the list, at most


class QtCaseList(QWidget):
    """The case table (see the module docstring)."""

    def __init__(self, tasks: QtTaskManager, view: CaseView, source: QtCaseSource,
                 parent=None) -> None:
        super().__init__(parent)
        self.view_state = view
        self.model = QtCaseTableModel(tasks, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(
            next(i for i, c in enumerate(COLUMNS) if c.key == DEFAULT_SORT[0]),
            Qt.SortOrder.DescendingOrder)
        list_of_rows(self.view)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.view.horizontalHeader()
        self.size_columns()
        self.count_label = QLabel(tr("正在载入案件……"), self)
        self.show_all_button = QPushButton(tr("显示全部"), self)
        self.show_all_button.setToolTip(tr("结束框选，列出筛选出的全部案件"))
        self.show_all_button.clicked.connect(self.show_all)
        self.show_all_button.hide()
        # The count and 显示全部 make the dock's title bar (qt_main_window): no row lost.
        self.header = QWidget(self)
        top = QHBoxLayout(self.header)
        top.setContentsMargins(6, 2, 4, 2)
        top.addWidget(self.count_label, 1)
        top.addWidget(self.show_all_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view)
        self._echo = False  # selecting rows because the case view said so
        self.model.modelReset.connect(self._after_reset)
        self.model.sorting.connect(self._on_sorting)
        self.view.selectionModel().selectionChanged.connect(self._on_rows_selected)
        source.loaded.connect(lambda index: self.model.set_index(index, view.mask))
        source.updated.connect(self._on_updated)
        view.events.mask.connect(self._on_mask)
        view.events.subset.connect(self._on_subset)
        view.events.selection.connect(self._on_selection)
        view.events.current.connect(self._on_current)
        view.events.located.connect(self._on_current)
        self.source = source
        header.sortIndicatorChanged.connect(self._on_sort_indicator)

    def _on_sort_indicator(self, section: int, _order) -> None:
        """The case source sorts each new index by this column before handing it over."""
        self.source.sort_key = COLUMNS[section].key

    def show_all(self) -> None:
        """显示全部: end the box; what it selected is let go with it."""
        self.view_state.select((), current=False)
        self.view_state.set_subset(None)

    def size_columns(self) -> None:
        """Each column as wide as its usual content (案卷号 is never cut)."""
        metrics = QFontMetrics(self.view.font())
        for i, column in enumerate(COLUMNS):
            text = max(SAMPLES.get(column.key, ""), tr(column.label), key=metrics.horizontalAdvance)
            self.view.setColumnWidth(i, metrics.horizontalAdvance(text) + 24)

    # -- the case view speaks --
    def _on_mask(self, mask, _version) -> None:
        self.model.set_mask(mask, self.source.index)
        if self.view_state.subset is not None:  # the filter again after a write: keep the box
            self.model.set_subset(self.view_state.subset)

    def _on_subset(self, positions) -> None:
        self.model.set_subset(positions)
        if positions is not None:
            self.view.scrollToTop()

    def _on_updated(self, update: CasesUpdated) -> None:
        if not update.change.positions_shifted:
            self.model.mark_stale(update.change.positions)
        # Shifted positions arrive with a new mask (the case source filters again).

    def _on_selection(self, rowids) -> None:
        if not self._echo:
            self._select_rows(self.model.rows_of(rowids))

    def _on_current(self, ref: CaseRef | None) -> None:
        if ref is None or ref.rowid is None:
            return
        row = self.model.row_of(ref.rowid)
        if row is None and self.model.subset_active:  # clicked outside the box: list all
            self.view_state.set_subset(None)
            row = self.model.row_of(ref.rowid)
        if row is not None:
            if ref.rowid not in self.view_state.selection:
                self.view_state.select([ref.rowid], current=False)
            self.view.scrollTo(self.model.index(row, 0),
                               QAbstractItemView.ScrollHint.EnsureVisible)

    # -- the operator selects here --
    def _on_rows_selected(self, *_args) -> None:
        if self._echo:
            return
        rows = self.selected_rows()
        rowids = self.model.rowids_at(rows).tolist() if rows.size else []
        self._echo = True
        try:
            self.view_state.select(rowids)
        finally:
            self._echo = False

    def selected_rows(self) -> np.ndarray:
        ranges = self.view.selectionModel().selection()
        parts = [np.arange(r.top(), r.bottom() + 1) for r in ranges]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def _select_rows(self, rows: np.ndarray) -> None:
        """Select these rows as contiguous ranges (Qt merges scattered ranges slowly)."""
        selection = QItemSelection()
        if rows.size:
            breaks = np.flatnonzero(np.diff(rows) != 1)
            starts = np.concatenate(([rows[0]], rows[breaks + 1]))
            ends = np.concatenate((rows[breaks], [rows[-1]]))
            last = len(COLUMNS) - 1
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
                selection.select(self.model.index(a, 0), self.model.index(b, last))
        self._echo = True
        try:
            self.view.selectionModel().select(
                selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self._echo = False

    def _after_reset(self) -> None:
        if self.model.loaded:
            text = tr("框选 {n} 件案件") if self.model.subset_active else tr("共 {n} 件案件")
            self.count_label.setText(text.replace("{n}", f"{self.model.rowCount():,}"))
        self.show_all_button.setVisible(self.model.subset_active)
        # Put the operator's selection back and keep the case on show in sight. Thousands
        # of rows scattered over a new order would take Qt seconds to select: let them go.
        selection = self.view_state.selection
        if len(selection) > MAX_RESTORED:
            self.view_state.select((), current=False)
        else:
            self._select_rows(self.model.rows_of(selection))
        current = self.view_state.current
        row = self.model.row_of(current.rowid) if current and current.rowid else None
        if row is not None:
            if not self.view_state.selection:  # the case on show is the selected row
                self.view_state.select([current.rowid], current=False)
            self.view.scrollTo(self.model.index(row, 0),
                               QAbstractItemView.ScrollHint.EnsureVisible)

    def _on_sorting(self, running: bool) -> None:
        if running:
            self.count_label.setText(tr("正在排序……"))

    def select_rowid(self, rowid: int) -> bool:
        """Select and show one case (as a click on its point does)."""
        if self.model.row_of(rowid) is None and not self.model.subset_active:
            return False
        self.view_state.select([rowid], current=CaseRef(rowid))
        return True
