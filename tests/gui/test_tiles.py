"""Optional basemap tiles: a local MBTiles file, an XYZ server (on loopback), GCJ-02."""

from __future__ import annotations

import http.server
import math
import threading

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage

from tests.core.test_tile_sources import make_mbtiles
from tests.gui.conftest import run_js, run_script
from tests.gui.page_waits import probe
from tests.gui.pixels import colour_count
from xjwc_desktop.core.geo.chinese_crs import gcj02_to_wgs84, wgs84_to_gcj02
from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.queries.tile_sources import TileSource
from xjwc_desktop.gui.shell.qt_settings import MAP_VIEW

STREET = (121.4835, 31.3045, 121.5300, 31.3480)  # lon/lat box around the street


def png(rgb: str) -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(rgb))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    phi = math.radians(lat)
    return (int((lon + 180) / 360 * n),
            int((1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2 * n))


def street_tiles(zooms=range(12, 17)):
    for z in zooms:
        x0, y0 = tile_xy(STREET[0], STREET[3], z)
        x1, y1 = tile_xy(STREET[2], STREET[1], z)
        for x in range(x0 - 1, x1 + 2):
            for y in range(y0 - 1, y1 + 2):
                yield z, x, y


class _Tiles(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        self.server.paths.append(self.path)
        body = self.server.body
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def tile_server(host: str, body: bytes):
    server = http.server.ThreadingHTTPServer((host, 0), _Tiles)
    server.paths, server.body = [], body
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def reload_with(qtbot, window, source: TileSource) -> None:
    window.workspace.map.set_tile_source(source)
    qtbot.waitUntil(lambda: window.workspace.map.is_ready, timeout=60_000)


def test_mbtiles_file_is_served_through_our_scheme(qtbot, make_window, tmp_path):
    magenta = png("#ff00ff")
    attribution = "本地瓦片 <img src=x onerror=alert(1)>"  # the file's text, not our HTML
    path = make_mbtiles(tmp_path / "street.mbtiles",
                        dict.fromkeys(street_tiles(), magenta), minzoom="12", maxzoom="16",
                        attribution=attribution)
    window = make_window()
    assert colour_count(window, "#ff00ff") == 0
    reload_with(qtbot, window, TileSource("mbtiles", name="街道瓦片", path=str(path)))
    # Tiles arrive one by one and fade in over 200 ms each.
    qtbot.waitUntil(lambda: colour_count(window, "#ff00ff") > 5000)
    served = [p for p in window.workspace.map.view.scheme_handler.served if p.startswith("tiles/")]
    assert served
    assert window.workspace.map.view.guard.blocked == []
    assert all(u.startswith("xjwc://") for u in window.workspace.map.view.guard.requested)
    assert window.workspace.layers.checks["tiles"].isEnabled()
    assert "街道瓦片" in window.workspace.layers.tiles_label.text()
    shown = run_script(qtbot, window,
                       "document.querySelector('.leaflet-control-attribution').textContent")
    assert attribution in shown
    assert run_script(qtbot, window, "document.querySelectorAll('img[src=\"x\"]').length") == 0
    window.workspace.layers.checks["tiles"].setChecked(False)
    qtbot.waitUntil(lambda: colour_count(window, "#ff00ff") == 0)


def test_xyz_server_is_the_only_host_reached(qtbot, make_window, settings_store):
    tiles = tile_server("127.0.0.1", png("#00ffff"))
    other = tile_server("127.0.0.2", png("#000000"))
    try:
        port = tiles.server_address[1]
        window = make_window()
        reload_with(qtbot, window, TileSource(
            "xyz", name="内网", urls=(f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png",)))
        qtbot.waitUntil(lambda: colour_count(window, "#00ffff") > 5000)
        guard = window.workspace.map.view.guard
        assert guard.blocked == []
        assert guard.to_tiles
        assert all(u.startswith(f"http://127.0.0.1:{port}/") for u in guard.to_tiles)
        z = math.floor(run_js(qtbot, window, "view")["zoom"] + 0.5)  # Leaflet's tile zoom
        assert all(p.startswith(f"/{z}/") for p in tiles.paths[-4:])
        # Another host, even on this machine, stays out of reach.
        url = f"http://127.0.0.2:{other.server_address[1]}/probe"
        assert probe(qtbot, window, url, image=False) == {"fetch": "failed"}
        assert url in guard.blocked
        assert other.paths == []
        # The choice is remembered: the next window draws the same tiles.
        window.close()
        before = len(tiles.paths)
        again = make_window()
        qtbot.waitUntil(lambda: len(tiles.paths) > before)
        assert again.workspace.map.tile_source.urls == (f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png",)
    finally:
        tiles.shutdown()
        other.shutdown()


def test_gcj02_tiles_move_our_data_onto_them(qtbot, make_window, settings_store):
    tiles = tile_server("127.0.0.1", png("#ffffff"))
    try:
        window = make_window()
        index = window.workspace.source.index
        rowids = index.cols["rowid"][:: len(index) // 50][:50].tolist()
        before = [run_js(qtbot, window, "latLngOf", r) for r in rowids]
        url = f"http://127.0.0.1:{tiles.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
        reload_with(qtbot, window, TileSource("xyz", name="高德式", urls=(url,), crs="gcj02"))
        after = np.array([run_js(qtbot, window, "latLngOf", r) for r in rowids])
        pos = index.positions_of(rowids)
        expected_lon, expected_lat = wgs84_to_gcj02(index.cols["lon"][pos],
                                                    index.cols["lat"][pos])
        assert np.abs(after[:, 1] - expected_lon).max() < 2e-7
        assert np.abs(after[:, 0] - expected_lat).max() < 2e-7
        assert np.abs(after - np.array(before)).max() > 0.003  # about 500 m moved
        # The basemap moved the same way: the boundary's west edge lies that far east.
        west = run_script(qtbot, window,
                          "window[XJWC_CONFIG.basemap.boundary].getBounds().getWest()")
        x0, y0, _x1, y1 = load_map_data().boundary.bounds
        shifted = float(wgs84_to_gcj02(x0, (y0 + y1) / 2)[0])
        assert abs(west - shifted) < 2e-5
        # The remembered view is WGS84 whatever the tiles are.
        run_js(qtbot, window, "setView", 31.3300, 121.5100, 16)
        qtbot.waitUntil(lambda: (settings_store.get(MAP_VIEW) or {}).get("zoom") == 16)
        saved = settings_store.get(MAP_VIEW)
        lon, lat = gcj02_to_wgs84(121.5100, 31.3300)
        assert abs(saved["lon"] - float(lon)) < 1e-7
        assert abs(saved["lat"] - float(lat)) < 1e-7
    finally:
        tiles.shutdown()

