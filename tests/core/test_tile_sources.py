"""Tile sources: what a user may configure, which hosts that opens, MBTiles reading."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from xjwc_desktop.core.queries.tile_sources import NO_TILES, MBTiles, TileSource, presets


def make_mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], fmt: str = "png",
                 **meta: str) -> Path:
    """An MBTiles file; ``tiles`` keyed by XYZ (stored with TMS rows, as the spec says)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, "
                 "tile_row INTEGER, tile_data BLOB)")
    conn.executemany("INSERT INTO metadata VALUES (?, ?)",
                     [("name", "test"), ("format", fmt), *meta.items()])
    conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                     [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()])
    conn.commit()
    conn.close()
    return path


def test_no_tiles_opens_no_host() -> None:
    assert NO_TILES.validate() is None
    assert NO_TILES.hosts() == frozenset()
    assert not NO_TILES.allows("https", "t0.tianditu.gov.cn", 443)
    assert NO_TILES.leaflet_layers() == []


def test_tianditu_needs_its_key_and_opens_exactly_its_eight_hosts() -> None:
    tianditu = presets()[0]
    assert "密钥" in tianditu.validate()
    keyed = TileSource(**{**tianditu.to_dict(), "urls": tianditu.urls, "key": " abc123 "})
    assert keyed.validate() is None
    assert keyed.hosts() == {f"https://t{i}.tianditu.gov.cn:443" for i in range(8)}
    assert keyed.allows("https", "T3.tianditu.gov.cn", -1)
    assert not keyed.allows("http", "t3.tianditu.gov.cn", 80)
    assert not keyed.allows("https", "t8.tianditu.gov.cn", 443)
    assert not keyed.allows("https", "tianditu.gov.cn.evil.example", 443)
    layers = keyed.leaflet_layers()
    assert len(layers) == 2  # base map and its Chinese labels
    assert all("tk=abc123" in layer["url"] for layer in layers)
    assert "{key}" not in layers[0]["url"]


def test_intranet_server_with_a_port() -> None:
    source = TileSource("xyz", urls=("http://10.1.2.3:8080/tiles/{z}/{x}/{-y}.png",))
    assert source.validate() is None
    assert source.hosts() == {"http://10.1.2.3:8080"}
    assert source.allows("http", "10.1.2.3", 8080)
    assert not source.allows("http", "10.1.2.3", 80)


def test_wmts_rest_templates_keep_their_names() -> None:
    source = TileSource("xyz", urls=(
        "http://gis.intranet:8080/geoserver/gwc/service/wmts/rest/street/default/"
        "EPSG:900913/EPSG:900913:{TileMatrix}/{TileRow}/{TileCol}?format=image/png",))
    assert source.validate() is None
    (layer,) = source.leaflet_layers()
    assert layer["url"].endswith("EPSG:900913:{z}/{y}/{x}?format=image/png")
    assert source.hosts() == {"http://gis.intranet:8080"}


@pytest.mark.parametrize(("source", "complaint"), [
    (TileSource("xyz"), "模板"),
    (TileSource("xyz", urls=("ftp://x/{z}/{x}/{y}",)), "http"),
    (TileSource("xyz", urls=("https://x/{z}/{x}.png",)), "{y}"),
    (TileSource("xyz", urls=("https://x/{z}/{x}/{y}/{style}",)), "未知占位符"),
    (TileSource("xyz", urls=("https://{s}.x/{z}/{x}/{y}",)), "子域名"),
    (TileSource("xyz", urls=("https://x/{z}/{x}/{y}",), crs="bd09"), "坐标系"),
    (TileSource("wms"), "未知"),
    (TileSource("mbtiles", path="/no/such/file.mbtiles"), "不存在"),
])
def test_unusable_sources_are_explained(source, complaint) -> None:
    assert complaint in source.validate()


def test_settings_round_trip_and_garbage() -> None:
    amap = presets()[2]
    assert amap.crs == "gcj02"
    assert TileSource.from_dict(amap.to_dict()) == amap
    assert TileSource.from_dict("nonsense") == NO_TILES
    assert TileSource.from_dict({"kind": "xyz", "max_zoom": "many"}) == NO_TILES
    assert TileSource.from_dict({"kind": "xyz", "urls": ["https://a/{z}/{x}/{y}", 3]}).urls == \
        ("https://a/{z}/{x}/{y}",)


def test_mbtiles_serves_xyz_tiles_from_tms_rows(tmp_path) -> None:
    path = make_mbtiles(tmp_path / "street.mbtiles",
                        {(14, 13721, 6688): b"\x89PNG-a", (15, 27443, 13377): b"\x89PNG-b"},
                        minzoom="14", maxzoom="15", attribution="本地瓦片")
    tiles = MBTiles(path)
    assert tiles.mime == "image/png"
    assert (tiles.min_zoom, tiles.max_zoom) == (14, 15)
    assert tiles.tile(14, 13721, 6688) == b"\x89PNG-a"
    assert tiles.tile(15, 27443, 13377) == b"\x89PNG-b"
    assert tiles.tile(14, 13721, (1 << 14) - 1 - 6688) is None  # not the TMS row
    tiles.close()
    source = TileSource("mbtiles", path=str(path))
    assert source.validate() is None
    assert source.hosts() == frozenset()
    (layer,) = source.leaflet_layers()
    assert layer["url"].startswith("xjwc://app/tiles/")
    assert layer["attribution"] == "本地瓦片"
    assert layer["maxNativeZoom"] == 15


def test_vector_mbtiles_are_refused(tmp_path) -> None:
    path = make_mbtiles(tmp_path / "v.mbtiles", {}, fmt="pbf")
    assert "栅格" in TileSource("mbtiles", path=str(path)).validate()
    (tmp_path / "junk.mbtiles").write_bytes(b"not sqlite at all" * 100)
    assert TileSource("mbtiles", path=str(tmp_path / "junk.mbtiles")).validate()
