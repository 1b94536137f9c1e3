"""The map in the middle of the window: the page, its data, its layers and what is clicked.

It adapts two models to the page and reports the page's events back to one:

- the case view: a new mask → the page loads it; a selection → its points are ringed;
- the case source: cases updated in place → the page gets a *patch* (their status,
  source, category and light), never the million points again; cases that moved, came or
  went → the page reloads the points;
- the page: a click on a case → the case view selects and shows it; a box → the case view
  lists and selects the cases in it; a pan or zoom → remembered for the next start.

All the page's data is served by asynchronous routes (made on a reader), so loading the
page, a filter or a patch never blocks the window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from xjwc_desktop.core import clock
from xjwc_desktop.core.geo.chinese_crs import convert
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries import map_layers
from xjwc_desktop.core.queries.case_columns import Reference
from xjwc_desktop.core.queries.case_ref import CaseRef
from xjwc_desktop.core.queries.tile_sources import MBTiles, TileSource
from xjwc_desktop.core.workspace.case_view import CaseView
from xjwc_desktop.gui.cases.qt_case_source import CasesUpdated, QtCaseSource
from xjwc_desktop.gui.map.qt_map_view import QtMapView
from xjwc_desktop.gui.map.web.page import CASE_MODES, CASE_STYLES, PageOptions
from xjwc_desktop.gui.map.web.page_cache import map_page
from xjwc_desktop.gui.shell.qt_settings import (
    CASE_MODE,
    CASE_STYLE,
    MAP_VIEW,
    TILE_SOURCE,
    QtSettingsStore,
)
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

MAX_RINGED = 5000  # selections beyond this are not all ringed on the map
INLINE_PATCH = 2000  # more changed cases than this: the page fetches the patch as a buffer
BINARY = "application/octet-stream"
GEOJSON = "application/geo+json"
REGISTERS = {"illegal_structures": map_layers.illegal_structures_geojson,
             "census": map_layers.census_geojson,
             "bike_stations": map_layers.bike_stations_geojson,
             "compounds": map_layers.compounds_geojson}


class QtMap(QObject):
    """See the module docstring. ``view`` is the widget to put in the window."""

    status = Signal(str)  # what the map says in the status bar
    mask_shown = Signal(int, int)  # mask version, cases shown (tests and benchmarks wait)
    patched = Signal(int)  # cases patched on the page
    tiles_changed = Signal(object)  # the tile source's name (None: no tiles)

    def __init__(self, tasks: QtTaskManager, view: CaseView, source: QtCaseSource,
                 settings: QtSettingsStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks, self.cases, self.source, self.settings = tasks, view, source, settings
        self.tile_source = TileSource.from_dict(settings.get(TILE_SOURCE))
        if self.tile_source.validate() is not None:  # e.g. the MBTiles file was moved
            self.tile_source = TileSource()
        self.case_style = settings.get_choice(CASE_STYLE, [v for v, _ in CASE_STYLES])
        self.case_mode = settings.get_choice(CASE_MODE, [v for v, _ in CASE_MODES])
        self.applied_mask_version = 0
        self.patches = 0  # cases patched so far (benchmarks read it)
        self.reloads = 0  # times the page was sent all points again
        self._mbtiles: MBTiles | None = None
        self._patches: dict[int, tuple] = {}  # patches the page will fetch, by number
        self._patch_numbers = 0
        self._waiting_for_index: list = []
        self._reference: Reference | None = None  # the page's categories (read at start)
        self._reselect = False
        self._boxed: tuple | None = None  # the selection a box on the page just made
        source.set_display(self._options().display)
        self.view = QtMapView(self._initial_state)
        self.view.setMinimumSize(320, 240)
        self._install_routes()
        self.bridge = self.view.bridge
        self.view.ready.connect(self._on_ready)
        self.bridge.case_clicked.connect(self._on_click)
        self.bridge.box_selected.connect(self._on_box)
        self.bridge.view_changed.connect(self._on_view_changed)
        self.bridge.mask_applied.connect(self._on_mask_applied)
        self.bridge.page_failed.connect(
            lambda msg: self.status.emit(tr("地图数据加载失败：") + msg))
        source.loaded.connect(self._on_index)
        source.updated.connect(self._on_updated)
        view.events.mask.connect(self._on_mask)
        view.events.selection.connect(self._on_selection)

    def start(self) -> None:
        # The page names the categories (legend, colours): it is served once they are read,
        # a small query, while the case index loads beside it.
        self.source.load_reference(self._on_reference)
        self.view.start(self.tile_source)

    def _on_reference(self, reference: Reference) -> None:
        self._reference = reference
        self.view.scheme_handler.resume()

    @property
    def is_ready(self) -> bool:
        return self.view.is_ready

    def call(self, function: str, *args, callback=None) -> None:
        self.view.call(function, *args, callback=callback)

    # -- the page's data --
    def _options(self) -> PageOptions:
        ref = self.source.reference or self._reference
        majors = tuple(ref.majors) if ref is not None else ()
        return PageOptions(self.tile_source, majors)

    def _install_routes(self) -> None:
        handler = self.view.scheme_handler
        # From the cache folder unless its inputs changed (no folium imported then).
        handler.add_route("map.html", lambda: map_page(self._options()), "text/html",
                          ready=lambda: (self.source.reference or self._reference) is not None)
        handler.add_async_route("data/cases.bin", self._serve_cases, BINARY)
        handler.add_async_route("data/case_lights.bin", self._serve_lights, BINARY)
        handler.add_route("data/case_mask.bin", self.source.mask_bytes, BINARY,
                          ready=lambda: self.source.index is not None)
        for key, query in REGISTERS.items():
            handler.add_async_route(f"data/{key}.geojson", self._register(query), GEOJSON)
        handler.add_async_prefix("tiles/", self._serve_tile)
        handler.add_async_prefix("data/case_patch/", self._serve_patch)

    def _when_indexed(self, then) -> None:
        if self.source.index is None:
            self._waiting_for_index.append(then)
        else:
            then()

    def _on_index(self, _index) -> None:
        waiting, self._waiting_for_index = self._waiting_for_index, []
        for then in waiting:
            then()
        self.view.scheme_handler.resume()

    def _serve_cases(self, reply) -> None:
        def make() -> None:
            index, source = self.source.index, self.source
            self.tasks.read(lambda _db: (index, source.display,
                                         map_layers.case_buffer(index, source.display)),
                            lambda got: self._cases_made(got, reply))
        self._when_indexed(make)

    def _cases_made(self, got, reply) -> None:
        index, display, (data, x, y) = got
        if index is self.source.index and display == self.source.display:
            self.source.keep_buffer(index, display, data, x, y)
        reply(data)

    def _serve_patch(self, rest: str, reply) -> None:
        """A large patch (see :func:`map_layers.case_patch`), made on a reader from the
        index as it is then: a later in-place write only makes its values newer."""
        try:
            index, positions, reloads = self._patches.pop(int(rest))
        except (KeyError, ValueError):
            reply(None)
            return
        if index is not self.source.index:
            reloads = 0xFFFFFFFF  # the points were sent again meanwhile: the page drops it
        now = clock.now()
        self.tasks.read(lambda _db: map_layers.patch_buffer(
                            map_layers.case_patch(index, positions, now), reloads),
                        lambda data: reply((data, BINARY)), on_error=lambda _e: reply(None))

    def _serve_lights(self, reply) -> None:
        def make() -> None:
            index, now = self.source.index, clock.now()
            self.tasks.read(lambda _db: map_layers.lights_buffer(index, now), reply)
        self._when_indexed(make)

    def _register(self, query):
        def produce(reply) -> None:
            display = self.source.display

            def read(db):
                with db.reading() as conn:
                    return query(conn, display).encode("utf-8")

            self.tasks.read(read, reply, on_error=lambda _e: reply(None))
        return produce

    def _serve_tile(self, rest: str, reply) -> None:
        if self.tile_source.kind != "mbtiles":
            reply(None)
            return
        if self._mbtiles is None:
            self._mbtiles = MBTiles(Path(self.tile_source.path))
        tiles = self._mbtiles
        try:
            z, x, y = (int(p) for p in rest.split("/")[:3])
        except ValueError:
            reply(None)
            return
        self.tasks.read(lambda _db: tiles.tile(z, x, y),
                        lambda data: reply((data, tiles.mime) if data is not None else None),
                        on_error=lambda _e: reply(None))

    def _initial_state(self) -> dict:
        view = self.settings.get(MAP_VIEW)
        if isinstance(view, dict) and {"lon", "lat", "zoom"} <= view.keys():
            lon, lat = convert(view["lon"], view["lat"], "wgs84", self.source.display)
            view = {"lon": float(lon), "lat": float(lat), "zoom": float(view["zoom"])}
        else:
            view = None
        return {"layers": self.settings.get_layers(), "style": self.case_style,
                "mode": self.case_mode, "view": view, "reloads": self.reloads}

    # -- the page speaks --
    def _on_ready(self, n: int, ms: float) -> None:
        self.status.emit(tr("地图已就绪：{n} 件案件（{ms} ms）").format(n=f"{n:,}", ms=f"{ms:.0f}"))
        if self.cases.mask is not None:  # the page was (re)loaded: give it the filter
            self.call("loadMask", self.cases.mask_version)
        if self.case_style == "light":
            self.call("loadLights", 0)
        if self.cases.selection:
            self._on_selection(self.cases.selection)

    def _on_click(self, rowid: int) -> None:
        self.cases.select([rowid], current=CaseRef(rowid))

    def _on_box(self, box: tuple) -> None:
        index = self.source.index
        if index is None:
            return
        positions = self.source.box_positions(box)
        self.cases.set_subset(positions)
        rowids = index.cols["rowid"][positions]
        # The page already rings what its box caught: no need to send it back (and beyond
        # MAX_RINGED it would ring only the first ones).
        self._boxed = tuple(rowids.tolist())
        self.cases.select(self._boxed, current=False)
        self.status.emit(tr("框选 {n} 件案件").format(n=f"{len(positions):,}"))

    def _on_view_changed(self, lon: float, lat: float, zoom: float) -> None:
        wlon, wlat = convert(lon, lat, self.source.display, "wgs84")
        self.settings.set(MAP_VIEW, {"lon": float(wlon), "lat": float(wlat), "zoom": zoom})

    def _on_mask_applied(self, version: int, shown: int, ms: float) -> None:
        self.applied_mask_version = version
        if self._reselect:  # the points were sent again: ring the selection again
            self._reselect = False
            self._on_selection(self.cases.selection)
        if version == self.cases.mask_version:
            self.status.emit(tr("地图显示 {n} 件案件（{ms} ms）").format(n=f"{shown:,}",
                                                                    ms=f"{ms:.0f}"))
        self.mask_shown.emit(version, shown)

    # -- the models speak --
    def _on_mask(self, _mask, version: int) -> None:
        self.call("loadMask", version)

    def _on_selection(self, rowids) -> None:
        boxed, self._boxed = self._boxed, None
        if boxed is not None and tuple(rowids) == boxed:  # the page's own box: drawn there
            return
        self.call("select", list(rowids[:MAX_RINGED]))

    def _on_updated(self, update: CasesUpdated) -> None:
        change = update.change
        count = int(change.positions.size)
        if change.positions_shifted or change.moved:
            self.reloads += 1
            self._reselect = True
            self.call("reloadCases", self.cases.mask_version, self.reloads)
            return
        if count > INLINE_PATCH:  # a sync's thousands: the page fetches them as a buffer
            self._patch_numbers += 1
            self._patches[self._patch_numbers] = (update.index, change.positions, self.reloads)
            self.call("loadPatch", self._patch_numbers)
        elif count:
            patch = map_layers.case_patch(update.index, change.positions, clock.now())
            self.call("patchCases", {k: v.tolist() for k, v in patch.items()})
        if count:
            self.patches += count
            self.patched.emit(count)

    def locate(self, lon: float, lat: float, zoom: float = 18) -> None:
        """Centre the map on a WGS84 position (a register's row, say)."""
        dlon, dlat = convert(lon, lat, "wgs84", self.source.display)
        self.call("setView", float(dlat), float(dlon), zoom)

    # -- what the operator chooses --
    def set_style(self, style: str) -> None:
        self.case_style = style
        self.settings.set(CASE_STYLE, style)
        if style == "light":
            self.call("loadLights", 0)
        self.call("setCaseStyle", style)

    def set_mode(self, mode: str) -> None:
        self.case_mode = mode
        self.settings.set(CASE_MODE, mode)
        self.call("setCaseMode", mode)

    def set_layer_visible(self, key: str, on: bool) -> None:
        self.call("setLayerVisible", key, on)
        self.settings.set_layer(key, visible=on)

    def set_layer_opacity(self, key: str, value: float) -> None:
        self.call("setLayerOpacity", key, value)
        self.settings.set_layer(key, opacity=round(value, 2))

    def tiles_name(self) -> str | None:
        source = self.tile_source
        return None if source.kind == "none" else (source.name or source.kind)

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
        self.source.set_display(self._options().display)
        self.tiles_changed.emit(self.tiles_name())
        self.start()

    def dispose(self) -> None:
        if self._mbtiles is not None:
            self._mbtiles.close()
        self.view.dispose()
