"""The main window: the map, the case list beside it, the case detail below the list."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMainWindow,
    QSplitter,
    QToolBar,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.model import CaseSource, CaseStatus, ZoneCode
from xjwc_desktop.core.queries import map_layers
from xjwc_desktop.core.queries.case_list import CaseFilter, case_detail
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.gui.qt_case_detail import QtCaseDetail
from xjwc_desktop.gui.qt_case_table import QtCaseTable
from xjwc_desktop.gui.qt_map_view import QtMapView
from xjwc_desktop.gui.qt_settings import MAP_LAYERS, MAP_VIEW, QtSettingsStore
from xjwc_desktop.gui.web.page import build_map_page


class QtMainWindow(QMainWindow):
    def __init__(self, db: Database, settings: QtSettingsStore | None = None) -> None:
        super().__init__()
        self.db = db
        self.settings = settings or QtSettingsStore()
        self.case_filter = CaseFilter()
        self.setWindowTitle(tr("新江湾城街道网格化管理中心") + f" — {db.path.name}")

        self.map = QtMapView(self._routes(), {
            "layers": self.settings.get(MAP_LAYERS), "view": self.settings.get(MAP_VIEW)})
        self.table = QtCaseTable(db.engine)
        self.detail = QtCaseDetail()
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(self.table)
        side.addWidget(self.detail)
        side.setSizes([500, 400])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.map)
        main.addWidget(side)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 2)
        self.setCentralWidget(main)
        self._build_toolbar()
        self.map_status = QLabel(tr("地图加载中……"))
        self.statusBar().addWidget(self.map_status)
        self.statusBar().addPermanentWidget(QLabel(str(db.path)))

        self.map.ready.connect(self._on_map_ready)
        self.map.bridge.case_clicked.connect(self.show_case)
        self.map.bridge.layers_changed.connect(lambda s: self.settings.set(MAP_LAYERS, s))
        self.map.bridge.view_changed.connect(
            lambda lon, lat, z: self.settings.set(MAP_VIEW, {"lon": lon, "lat": lat, "zoom": z}))
        self.map.bridge.page_failed.connect(
            lambda msg: self.map_status.setText(tr("地图数据加载失败：") + msg))
        self.table.selection_changed.connect(self._on_table_selection)

    def _routes(self):
        def with_conn(query):
            def produce() -> bytes:
                with self.db.engine.connect() as conn:
                    out = query(conn)
                return out if isinstance(out, bytes) else out.encode("utf-8")
            return produce

        return {
            "map.html": (lambda: build_map_page().encode("utf-8"), "text/html"),
            "data/cases.bin": (with_conn(lambda c: map_layers.case_points(c, self.case_filter)),
                               "application/octet-stream"),
            "data/illegal_structures.geojson": (with_conn(map_layers.illegal_structures_geojson),
                                                "application/geo+json"),
            "data/census.geojson": (with_conn(map_layers.census_geojson), "application/geo+json"),
            "data/bike_stations.geojson": (with_conn(map_layers.bike_stations_geojson),
                                           "application/geo+json"),
            "data/compounds.geojson": (with_conn(map_layers.compounds_geojson),
                                       "application/geo+json"),
        }

    def _build_toolbar(self) -> None:
        bar = QToolBar(tr("筛选"), self)
        bar.setObjectName("filters")
        self.addToolBar(bar)
        self.status_box = self._combo(bar, tr("状态"), [(tr(s.label), s.value) for s in CaseStatus])
        self.source_box = self._combo(bar, tr("来源"), [(tr(s.label), s.value) for s in CaseSource])
        self.zone_box = self._combo(bar, tr("巡查区"), [(tr(z.label), z.value) for z in ZoneCode])
        bar.addSeparator()
        zoom = QAction(tr("缩放到所选"), self)
        zoom.triggered.connect(lambda: self.map.call("zoomToSelection"))
        bar.addAction(zoom)

    def _combo(self, bar: QToolBar, label: str, items: list[tuple[str, str]]) -> QComboBox:
        bar.addWidget(QLabel(f" {label} "))
        box = QComboBox(bar)
        box.addItem(tr("全部"), None)
        for text, value in items:
            box.addItem(text, value)
        box.currentIndexChanged.connect(self._apply_filter)
        bar.addWidget(box)
        return box

    def _apply_filter(self) -> None:
        status, source = self.status_box.currentData(), self.source_box.currentData()
        self.case_filter = CaseFilter(statuses=(status,) if status else (),
                                      sources=(source,) if source else (),
                                      zone=self.zone_box.currentData())
        self.table.model.set_filter(self.case_filter)
        self.map.call("reloadCases")

    def _on_map_ready(self, n: int, ms: float) -> None:
        self.map_status.setText(tr("地图已就绪") + f"：{n:,} " + tr("件案件") + f"（{ms:.0f} ms）")

    def _on_table_selection(self, rowids: list[int]) -> None:
        self.map.call("select", rowids[:5000])
        if len(rowids) == 1:
            self._show_detail(rowids[0])

    def show_case(self, rowid: int) -> None:
        """A case was clicked on the map: select it in the list and show it."""
        if not self.table.select_rowid(rowid):
            self._show_detail(rowid)

    def _show_detail(self, rowid: int) -> None:
        with self.db.engine.connect() as conn:
            self.detail.show_case(case_detail(conn, rowid))

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.settings.sync()
        self.map.dispose()
        super().closeEvent(event)
