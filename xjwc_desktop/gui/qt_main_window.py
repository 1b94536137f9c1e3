"""The main window: filters and layers left, the map, the case list and detail right.

The map and the list show the same cases: one filter (the panel) gives one mask over the
in-memory case index, which the list sorts and the page draws. Selections go both ways:
clicking the map selects the row, selecting rows rings the points, a box on the map selects
the rows inside it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolBar,
)

from xjwc_desktop.core.geo.chinese_crs import convert
from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_list import CaseFilter, case_detail
from xjwc_desktop.core.queries.tile_sources import MBTiles, TileSource
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.gui.qt_case_data import QtCaseData
from xjwc_desktop.gui.qt_case_detail import QtCaseDetail
from xjwc_desktop.gui.qt_case_table import DEFAULT_SORT, QtCaseTable
from xjwc_desktop.gui.qt_filter_panel import QtFilterPanel
from xjwc_desktop.gui.qt_layer_panel import QtLayerPanel
from xjwc_desktop.gui.qt_map_view import QtMapView
from xjwc_desktop.gui.qt_settings import (
    CASE_MODE,
    CASE_STYLE,
    MAP_VIEW,
    TILE_SOURCE,
    QtSettingsStore,
)
from xjwc_desktop.gui.qt_tile_settings import QtTileSettingsDialog
from xjwc_desktop.gui.web.page import CASE_MODES, CASE_STYLES, PageOptions, build_map_page

MAX_RINGED = 5000  # table selections beyond this are not all ringed on the map


class QtMainWindow(QMainWindow):
    def __init__(self, db: Database, settings: QtSettingsStore | None = None) -> None:
        super().__init__()
        self.db = db
        self.settings = settings or QtSettingsStore()
        self.case_filter = CaseFilter()
        self.tile_source = TileSource.from_dict(self.settings.get(TILE_SOURCE))
        if self.tile_source.validate() is not None:  # e.g. the MBTiles file was moved
            self.tile_source = TileSource()
        self.case_style = self.settings.get_choice(CASE_STYLE, [v for v, _ in CASE_STYLES])
        self.case_mode = self.settings.get_choice(CASE_MODE, [v for v, _ in CASE_MODES])
        self._from_box = False
        self._detail_rowid: int | None = None
        self._mbtiles: MBTiles | None = None
        self.applied_mask_version = 0  # the filter the map shows (tests and benchmarks wait)
        self.setWindowTitle(tr("新江湾城街道网格化管理中心") + f" — {db.path.name}")

        self.data = QtCaseData(db, self)
        self.data.set_display(self._page_options().display)
        # The longest step of a first view: start it before building anything else.
        self.data.start_loading(DEFAULT_SORT[0])
        self.map = QtMapView(self._initial_map_state)
        self._install_routes()
        self.table = QtCaseTable(db.engine)
        self.table.model.background = self.data.run
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
        # Docks added around the window must not squeeze the map out of sight.
        self.map.setMinimumSize(420, 320)
        main.setCollapsible(0, False)
        self.setCentralWidget(main)
        self._build_panels()
        self._build_toolbar()
        self.map_status = QLabel(tr("地图加载中……"))
        self.statusBar().addWidget(self.map_status, 1)
        self.statusBar().addPermanentWidget(QLabel(str(db.path)))

        self.map.ready.connect(self._on_map_ready)
        bridge = self.map.bridge
        bridge.case_clicked.connect(self.show_case)
        bridge.box_selected.connect(self._on_box)
        bridge.view_changed.connect(self._on_view_changed)
        bridge.mask_applied.connect(self._on_mask_applied)
        bridge.page_failed.connect(
            lambda msg: self.map_status.setText(tr("地图数据加载失败：") + msg))
        self.table.selection_changed.connect(self._on_table_selection)
        self.data.index_loaded.connect(self._on_index_loaded)
        self.data.failed.connect(lambda msg: self.map_status.setText(tr("出错：") + msg))
        self.map.start(self.tile_source)

    # -- building --
    def _page_options(self) -> PageOptions:
        return PageOptions(self.tile_source, tuple(self.data.reference.majors))

    def _install_routes(self) -> None:
        handler = self.map.scheme_handler
        handler.add_route("map.html", lambda: build_map_page(self._page_options()).encode(),
                          "text/html")
        for path, (producer, mime, ready) in self.data.routes().items():
            handler.add_route(path, producer, mime, ready)
        handler.add_prefix("tiles/", self._tile)

    def _tiles_name(self) -> str | None:
        source = self.tile_source
        return None if source.kind == "none" else (source.name or source.kind)

    def _tile(self, rest: str) -> tuple[bytes, str] | None:
        if self.tile_source.kind != "mbtiles":
            return None
        if self._mbtiles is None:
            self._mbtiles = MBTiles(Path(self.tile_source.path))
        try:
            z, x, y = (int(p) for p in rest.split("/")[:3])
        except ValueError:
            return None
        data = self._mbtiles.tile(z, x, y)
        return (data, self._mbtiles.mime) if data is not None else None

    def _build_panels(self) -> None:
        grid_codes = [g.code for g in load_map_data().grids]
        self.filters = QtFilterPanel(self.data.reference, grid_codes)
        self.filters.setEnabled(False)  # until the cases are loaded
        self.filters.filter_changed.connect(self._apply_filter)
        self.layers = QtLayerPanel(self.settings.get_layers(), self.case_style, self.case_mode)
        self.layers.set_tiles(self._tiles_name())
        self.layers.visibility_changed.connect(self._on_layer_visible)
        self.layers.opacity_changed.connect(self._on_layer_opacity)
        self.layers.style_changed.connect(self._on_style)
        self.layers.mode_changed.connect(self._on_mode)
        self.layers.tiles_requested.connect(self.edit_tile_source)
        tabs = QTabWidget()
        for widget, title in ((self.filters, "筛选"), (self.layers, "图层")):
            scroll = QScrollArea()
            scroll.setWidget(widget)
            scroll.setWidgetResizable(True)
            tabs.addTab(scroll, tr(title))
        self.panel_tabs = tabs
        dock = QDockWidget(tr("筛选与图层"), self)
        dock.setObjectName("panels")
        dock.setWidget(tabs)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setMinimumWidth(290)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)

    def _build_toolbar(self) -> None:
        bar = QToolBar(tr("地图"), self)
        bar.setObjectName("map_tools")
        self.addToolBar(bar)
        self.zoom_action = QAction(tr("缩放到所选"), self)
        self.zoom_action.triggered.connect(lambda: self.map.call("zoomToSelection"))
        street = QAction(tr("全街道"), self)
        street.triggered.connect(lambda: self.map.call("fitStreet"))
        self.box_action = QAction(tr("框选"), self)
        self.box_action.setCheckable(True)
        self.box_action.setToolTip(tr("在地图上拖出矩形选择案件（也可按住 Shift 拖动）"))
        self.box_action.toggled.connect(lambda on: self.map.call("setBoxMode", on))
        tiles = QAction(tr("底图瓦片……"), self)
        tiles.triggered.connect(self.edit_tile_source)
        for action in (self.zoom_action, street, self.box_action, tiles):
            bar.addAction(action)

    def _initial_map_state(self) -> dict:
        view = self.settings.get(MAP_VIEW)
        if isinstance(view, dict) and {"lon", "lat", "zoom"} <= view.keys():
            lon, lat = convert(view["lon"], view["lat"], "wgs84", self.data.display)
            view = {"lon": float(lon), "lat": float(lat), "zoom": float(view["zoom"])}
        else:
            view = None
        return {"layers": self.settings.get_layers(), "style": self.case_style,
                "mode": self.case_mode, "view": view}

    # -- data arriving --
    def _on_index_loaded(self, index) -> None:
        self.map.scheme_handler.resume()
        reported = index.cols["reported"][index.cols["reported"] > 0]
        if reported.size:
            first, last = (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(s))
                           for s in (reported.min(), reported.max()))
            self.filters.set_date_span(first.date(), last.date())
        self.filters.setEnabled(True)
        self.table.model.set_index(index)
        self.filters.set_count(len(index), len(index))
        if self.case_filter != CaseFilter():
            self._apply_filter(self.case_filter)
        if self.case_style == "light":
            self._load_lights()

    def _on_map_ready(self, n: int, ms: float) -> None:
        self.map_status.setText(tr("地图已就绪") + f"：{n:,} " + tr("件案件") + f"（{ms:.0f} ms）")
        if self.data.mask is not None:  # the page was reloaded (tile source): re-filter it
            self.map.call("loadMask", self.data.mask_version)
        if self.case_style == "light" and self.data.lights is not None:
            self.map.call("loadLights", self.data.lights_version)

    # -- the filter --
    def _apply_filter(self, flt: CaseFilter) -> None:
        self.case_filter = flt
        if self.data.index is None:
            return  # applied when the index arrives
        if not self.data.filter_mask(flt, lambda mask, f=flt: self._show_mask(f, mask)):
            self.filters.count_label.setText(tr("正在搜索……"))

    def _show_mask(self, flt: CaseFilter, mask: np.ndarray) -> None:
        if flt != self.case_filter:
            return  # a newer filter was chosen while this one was searched
        version = self.data.set_mask(mask)
        self.table.model.set_mask(mask)
        self.filters.set_count(int(mask.sum()), mask.size)
        self.map.call("loadMask", version)

    def _on_mask_applied(self, version: int, shown: int, ms: float) -> None:
        self.applied_mask_version = version
        if version == self.data.mask_version:
            self.map_status.setText(tr("地图显示") + f" {shown:,} " + tr("件案件")
                                    + f"（{ms:.0f} ms）")

    def cases_changed(self, rowids=None) -> None:
        """Cases were written: bring index, list and map up to date (all if no rowids)."""
        index = self.data.index
        if index is None:
            return
        if rowids is None:
            index.refresh()
        else:
            index.apply_changes(rowids)
        shown, self._detail_rowid = self._detail_rowid, None
        if shown is not None and (rowids is None or shown in set(rowids)):
            self._show_detail(shown)  # the case on show is one of them: show it afresh
        self.data.changed()
        mask = index.mask(self.case_filter)
        version = self.data.set_mask(mask)
        self.table.model.set_index(index, mask)
        self.filters.set_count(int(mask.sum()), mask.size)
        self.map.call("reloadCases", version)
        if self.case_style == "light":
            self._load_lights()

    # -- layers and styles --
    def _on_layer_visible(self, key: str, on: bool) -> None:
        self.map.call("setLayerVisible", key, on)
        self.settings.set_layer(key, visible=on)

    def _on_layer_opacity(self, key: str, value: float) -> None:
        self.map.call("setLayerOpacity", key, value)
        self.settings.set_layer(key, opacity=round(value, 2))

    def _on_style(self, style: str) -> None:
        self.case_style = style
        self.settings.set(CASE_STYLE, style)
        if style == "light" and self.data.index is not None:
            self._load_lights()
        self.map.call("setCaseStyle", style)

    def _load_lights(self) -> None:
        self.data.compute_lights(lambda version: self.map.call("loadLights", version))

    def _on_mode(self, mode: str) -> None:
        self.case_mode = mode
        self.settings.set(CASE_MODE, mode)
        self.map.call("setCaseMode", mode)

    def edit_tile_source(self) -> None:
        dialog = QtTileSettingsDialog(self.tile_source, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_tile_source(dialog.source())

    def set_tile_source(self, source: TileSource) -> None:
        """Use these tiles from now on (remembered); the page reloads to pick them up."""
        problem = source.validate()
        if problem:
            raise ValueError(problem)
        self.tile_source = source
        self.settings.set(TILE_SOURCE, source.to_dict())
        if self._mbtiles is not None:
            self._mbtiles.close()
            self._mbtiles = None
        self.data.set_display(self._page_options().display)
        self.layers.set_tiles(self._tiles_name())
        self.map.start(source)

    # -- selection --
    def _on_view_changed(self, lon: float, lat: float, zoom: float) -> None:
        wlon, wlat = convert(lon, lat, self.data.display, "wgs84")
        self.settings.set(MAP_VIEW, {"lon": float(wlon), "lat": float(wlat), "zoom": zoom})

    def _on_box(self, box: tuple) -> None:
        if self.data.index is None:
            return
        positions = self.data.box_positions(box)
        self._from_box = True
        try:
            n = self.table.show_only(positions)
        finally:
            self._from_box = False
        self.map_status.setText(tr("框选") + f" {n:,} " + tr("件案件"))

    def _on_table_selection(self, rowids: list[int]) -> None:
        if not self._from_box:  # a box already drew its own selection on the map
            self.map.call("select", rowids[:MAX_RINGED])
        if len(rowids) == 1 and rowids[0] != self._detail_rowid:
            self._show_detail(rowids[0])

    def show_case(self, rowid: int) -> None:
        """A case was clicked on the map: show it, then select its row in the list."""
        self._show_detail(rowid)  # first: it is what the operator is waiting for
        self.table.select_rowid(rowid)

    def _show_detail(self, rowid: int) -> None:
        self._detail_rowid = rowid
        with self.db.engine.connect() as conn:
            self.detail.show_case(case_detail(conn, rowid))

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.settings.sync()
        if self._mbtiles is not None:
            self._mbtiles.close()
        self.map.dispose()
        super().closeEvent(event)
