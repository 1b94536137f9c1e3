"""How the window's lists look: rows to read and pick, never cells to edit."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
)


def list_of_rows(table: QTableView) -> QTableView:
    """Read-only, whole rows selected, one line per row, no row numbers; the columns are
    the operator's to resize and the last fills what is left. Call it once the table has
    its model (the column header's selection is set apart from the model's)."""
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    header_apart_from_selection(table)
    return table


def header_apart_from_selection(table: QTableView) -> None:
    """Give the column header a selection of its own, always empty.

    Whenever Qt paints a column header it asks whether that column is wholly selected
    (``QItemSelectionModel::isColumnSelected``), and when the selection starts at the first
    row it answers by asking the model for the flags of every selected row, column by
    column. With the 75,894 cases of a box (the list shows the box, all of it selected)
    that was 683,000 calls into Python and 1–3 s per paint of the header; whether the paint
    fell inside a selection made box select take 0.1 s or 0.6 s. The lists here select
    rows, never columns: the header has nothing to show of the selection.

    Must follow ``setModel`` (which gives the header the view's selection again)."""
    table.horizontalHeader().setSelectionModel(QItemSelectionModel(table.model(), table))


def fill_rows(table: QTableWidget, rows: list[list[str]],
              item: Callable[[int, str], QTableWidgetItem] = lambda _c, text:
              QTableWidgetItem(text)) -> None:
    """Replace a table's rows with ``rows`` of plain text (``item(column, text)`` makes each
    cell). Columns that fit their contents are fitted once, at the end: fitted while the
    cells are set, each cell measured its whole column again, so filling was quadratic
    (26 rows of 详情 and a history: 10.7 ms on the GUI thread per case shown; the
    dashboard's two hotspot tables: 37 ms)."""
    header = table.horizontalHeader()
    modes = [header.sectionResizeMode(c) for c in range(table.columnCount())]
    for c in range(table.columnCount()):
        header.setSectionResizeMode(c, QHeaderView.ResizeMode.Fixed)
    try:
        table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, text in enumerate(values):
                table.setItem(r, c, item(c, text))
    finally:
        for c, mode in enumerate(modes):
            header.setSectionResizeMode(c, mode)
