"""Tables beside the dashboard's charts: the hotspots of the period and bike coverage.

The same data also goes to the map as GeoJSON (:func:`hotspots_geojson`,
:func:`coverage_geojson`); these tables are its legend and its list.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_columns import Reference
from xjwc_desktop.gui.cases.qt_category_box import category_box
from xjwc_desktop.gui.shell.qt_tables import fill_rows


def _table(headers: list[str], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # 15-digit codes
    header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    table.setMinimumHeight(220)
    return table


def _cell(column: int, text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if column and text.replace(".", "", 1).isdigit():  # counts and densities: to the right
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class QtHotspotTables(QWidget):
    """``grid_chosen(dict)``: a hotspot row was double-clicked; the dict is the CaseFilter
    keyword arguments of its unit grid in the period. ``categories_changed(tuple)``: the
    hotspots' category was changed (category codes; empty for all)."""

    grid_chosen = Signal(dict)
    categories_changed = Signal(tuple)

    def __init__(self, reference: Reference, parent=None) -> None:
        super().__init__(parent)
        self.category = category_box(reference, self)
        self.category.currentIndexChanged.connect(
            lambda _i: self.categories_changed.emit(self.categories()))
        self.hotspots = _table([tr("排名"), tr("点位"), tr("单元网格"), tr("案件"),
                                tr("峰值密度(件/公顷)"), tr("主要问题")], self)
        self.hotspots.cellDoubleClicked.connect(self._chosen)
        self.coverage = _table([tr("小区/园区"), tr("最近站点"), tr("直线距离(米)"),
                                tr("是否覆盖")], self)
        self.coverage_note = QLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(QLabel(tr("案件高发点位（双击：在地图和列表中筛选该网格）"), self), 1)
        head.addWidget(QLabel(tr("热点类别"), self))
        head.addWidget(self.category)
        layout.addLayout(head)
        layout.addWidget(self.hotspots)
        layout.addWidget(self.coverage_note)
        layout.addWidget(self.coverage)
        self._dates: dict[str, dt.date] = {}

    def categories(self) -> tuple[str, ...]:
        return tuple(self.category.currentData() or ())

    def show_hotspots(self, found: dict) -> None:
        p = found["period"]
        self._dates = {k: dt.date.fromisoformat(p[src]) for k, src in
                       (("date_from", "from"), ("date_to", "to")) if p.get(src)}
        fill_rows(self.hotspots, [
            [str(c["rank"]), c["name"], c["grid_code"], str(c["cases"]),
             f"{c['peak_per_hectare']:.2f}",
             "、".join(f"{t['name']} {t['count']}" for t in c["top_categories"])]
            for c in found["clusters"]], _cell)

    def show_coverage(self, coverage: dict) -> None:
        self.coverage_note.setText(tr("公益自行车站点覆盖（{r:g} 米，{d}）：未覆盖 {n} 个").format(
            r=coverage["radius_m"], d=coverage["distance"], n=len(coverage["gaps"])))
        fill_rows(self.coverage, [
            [c["name"], c["nearest_station"] or "—", f"{c['distance_m']:.0f}",
             tr("是") if c["covered"] else tr("否")] for c in coverage["compounds"]], _cell)
        for r, c in enumerate(coverage["compounds"]):
            if not c["covered"]:
                for col in range(self.coverage.columnCount()):
                    self.coverage.item(r, col).setForeground(QBrush(QColor("#c0392b")))

    def _chosen(self, row: int, _column: int) -> None:
        code = self.hotspots.item(row, 2).text()
        self.grid_chosen.emit({"grid": code, **self._dates})
