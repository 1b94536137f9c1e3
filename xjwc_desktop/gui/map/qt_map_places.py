"""The dashboard's places on the map: the 热点 (hotspots) and 自行车覆盖 (bike coverage) layers.

The layers follow the dashboard: every refresh (a new period, a new hotspot category) hands
its GeoJSON to :meth:`QtMapPlaces.show` and the page redraws that layer. The dashboard is
built only when first looked at, so until then the layers show its opening period, computed
here on a reader — when a layer is switched on (both are off at first: a start that never
shows them never searches for hotspots); the page gets the last data again whenever it
reloads.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from xjwc_desktop.core.geo.chinese_crs import transform_geojson
from xjwc_desktop.core.queries.map_layers import display_coordinates
from xjwc_desktop.core.reporting import latest_period
from xjwc_desktop.core.reporting.places import period_places
from xjwc_desktop.gui.map.qt_map import QtMap
from xjwc_desktop.gui.map.web.page import HIDDEN_AT_FIRST
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

#: The page's layer keys, by the places' GeoJSON they draw.
LAYER_KEYS = {"hotspots_layer": "hotspots", "coverage_layer": "bike_coverage"}


class QtMapPlaces(QObject):
    """Keeps the last GeoJSON of each place layer (WGS84) and draws it on the map."""

    def __init__(self, tasks: QtTaskManager, map_: QtMap, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks, self.map = tasks, map_
        self.layers: dict[str, dict] = {}
        self.drawn: dict[str, int] = {}  # features the page reported drawing, per layer
        self._pending: set[str] = set()  # sent, not yet drawn
        self._waiting = False  # the opening period waits for a place layer to be switched on
        map_.view.ready.connect(lambda *_: [self._send(key) for key in self.layers])

    def settled(self) -> bool:
        """Both layers have data and the page has drawn the last of it, or neither is on
        and none was asked for (screenshots wait)."""
        return not self._pending and (self._waiting
                                      or set(self.drawn) == set(LAYER_KEYS.values()))

    def show(self, key: str, geojson: dict) -> None:
        """Draw ``geojson`` as the layer ``key`` ("hotspots" or "bike_coverage")."""
        self.layers[key] = geojson
        self._send(key)

    def load_opening_period(self) -> None:
        """Fill the layers with the dashboard's opening period, unless it sends first; now if
        one of them is on, else when one is switched on (:meth:`layer_switched`)."""
        layers = self.map.settings.get_layers()
        if any(layers.get(key, {}).get("visible", key not in HIDDEN_AT_FIRST)
               for key in LAYER_KEYS.values()):
            self._load()
        else:
            self._waiting = True

    def layer_switched(self, key: str, on: bool) -> None:
        if on and key in LAYER_KEYS.values() and self._waiting:
            self._load()

    def _load(self) -> None:
        self._waiting = False

        def work(db) -> dict:
            period = latest_period(db)
            with db.reading() as conn:
                return period_places(conn, period)

        def done(places: dict) -> None:
            for name, key in LAYER_KEYS.items():
                if key not in self.layers:  # else the dashboard's own came first: keep it
                    self.show(key, places[name])

        self.tasks.read(work, done)

    def _send(self, key: str) -> None:
        data, display = self.layers[key], self.map.source.display
        if display != "wgs84":  # on GCJ-02 tiles, as the cases and the basemap are
            data = transform_geojson(
                data, lambda lon, lat: display_coordinates(lon, lat, display))
        self._pending.add(key)
        self.map.call("setPlaces", key, data, callback=lambda n: self._drawn(key, n))

    def _drawn(self, key: str, n: int | None) -> None:
        if n is not None:  # None: the page was (re)loading; it gets the data when ready
            self.drawn[key] = n
            self._pending.discard(key)
