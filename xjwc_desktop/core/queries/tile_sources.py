"""Optional basemap tiles: an XYZ/WMTS URL template or a local MBTiles file.

The application needs no tiles (the vector basemap in ``maps/`` is always there); a user may
add a tile source, and then exactly that source's hosts may be contacted, nothing else (the
map view's request interceptor asks :meth:`TileSource.allows`). An MBTiles file is read
here and served through the ``xjwc://`` scheme, so it too needs no network.

URL templates use Leaflet's placeholders: ``{z} {x} {y}``, ``{s}`` for a subdomain (one
character of ``subdomains`` each), ``{-y}`` for TMS rows. WMTS KVP URLs (天地图) are
templates too: ``TILEMATRIX={z}&TILEROW={y}&TILECOL={x}``; WMTS RESTful templates may keep
their ``{TileMatrix}/{TileRow}/{TileCol}``. ``{key}`` is replaced by the user's key when the
page is built. The tiles must be in Web Mercator (EPSG:3857, "GoogleMapsCompatible").
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

KINDS = ("none", "xyz", "mbtiles")
_PLACEHOLDER = re.compile(r"\{(-?[a-z]+)\}")
# WMTS RESTful ResourceURL templates name the same things differently.
_WMTS_NAMES = {"{TileMatrix}": "{z}", "{TileRow}": "{y}", "{TileCol}": "{x}"}
_KNOWN = {"z", "x", "y", "-y", "s", "key"}

_TIANDITU = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
             "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
             "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}")


@dataclass(frozen=True)
class TileSource:
    """One configured tile source (``kind == "none"``: no tiles, nothing leaves the machine)."""

    kind: str = "none"
    name: str = ""
    urls: tuple[str, ...] = ()  # XYZ/WMTS templates drawn bottom to top (base, labels)
    subdomains: str = ""
    key: str = ""  # e.g. the 天地图 key, substituted for {key}
    path: str = ""  # the MBTiles file
    crs: str = "wgs84"  # the tiles' coordinate system: wgs84, or gcj02 (Amap-style)
    max_zoom: int = 18
    attribution: str = ""

    def templates(self) -> tuple[str, ...]:
        """The URL templates in Leaflet's placeholders (WMTS REST names translated)."""
        out = []
        for url in self.urls:
            for wmts, leaflet in _WMTS_NAMES.items():
                url = url.replace(wmts, leaflet)
            out.append(url)
        return tuple(out)

    def validate(self) -> str | None:
        """Why this source cannot be used (Chinese, for the user), or None if it can."""
        if self.kind not in KINDS:
            return f"未知的底图类型“{self.kind}”。"
        if self.crs not in ("wgs84", "gcj02"):
            return f"底图坐标系只能是 WGS84 或 GCJ-02，不是“{self.crs}”。"
        if self.kind == "xyz":
            if not self.urls:
                return "请填写瓦片地址模板。"
            for url in self.templates():
                parts = urlsplit(_sample(url, self.subdomains[:1] or "a"))
                if parts.scheme not in ("http", "https") or not parts.hostname:
                    return f"瓦片地址必须以 http:// 或 https:// 开头：{url}"
                names = set(_PLACEHOLDER.findall(url))
                if not {"z", "x"} <= names or not names & {"y", "-y"}:
                    return f"瓦片地址需含 {{z}}、{{x}}、{{y}}：{url}"
                if names - _KNOWN:
                    return f"瓦片地址含未知占位符 {sorted(names - _KNOWN)}：{url}"
                if "s" in names and not self.subdomains:
                    return "地址含 {s}，请填写子域名（如 01234567）。"
                if "key" in names and not self.key.strip():
                    return "地址含 {key}，请填写密钥（天地图 tk）。"
        if self.kind == "mbtiles":
            try:
                MBTiles(Path(self.path)).close()
            except (OSError, sqlite3.Error, ValueError) as exc:
                return f"无法读取 MBTiles 文件“{self.path}”：{exc}"
        return None

    def hosts(self) -> frozenset[str]:
        """``host:port`` of every server the tiles come from (empty: none may be contacted)."""
        if self.kind != "xyz":
            return frozenset()
        found = set()
        for url in self.templates():
            for sub in self.subdomains or "a":
                parts = urlsplit(_sample(url, sub))
                if parts.hostname:
                    port = parts.port or (443 if parts.scheme == "https" else 80)
                    found.add(f"{parts.scheme}://{parts.hostname.lower()}:{port}")
        return frozenset(found)

    def allows(self, scheme: str, host: str, port: int) -> bool:
        """Whether a request to ``scheme://host:port`` is to this source's tile servers."""
        if port < 0:
            port = 443 if scheme == "https" else 80
        return f"{scheme}://{host.lower()}:{port}" in self.hosts()

    def leaflet_layers(self) -> list[dict]:
        """What the page needs to draw the tiles (URL templates with the key filled in)."""
        if self.kind == "xyz":
            return [{"url": url.replace("{key}", self.key.strip()),
                     "subdomains": self.subdomains or "abc",
                     "maxNativeZoom": self.max_zoom, "attribution": self.attribution}
                    for url in self.templates()]
        if self.kind == "mbtiles":
            meta = MBTiles(Path(self.path))
            try:
                return [{"url": "xjwc://app/tiles/{z}/{x}/{y}", "subdomains": "",
                         "maxNativeZoom": meta.max_zoom, "minNativeZoom": meta.min_zoom,
                         "attribution": meta.metadata.get("attribution", self.attribution)}]
            finally:
                meta.close()
        return []

    def to_dict(self) -> dict:
        data = asdict(self)
        data["urls"] = list(self.urls)
        return data

    @classmethod
    def from_dict(cls, data) -> TileSource:
        """From stored settings; anything unreadable gives "no tiles" (never a crash)."""
        if not isinstance(data, dict):
            return cls()
        try:
            known = {k: data[k] for k in ("kind", "name", "subdomains", "key", "path", "crs",
                                          "attribution") if isinstance(data.get(k), str)}
            urls = tuple(u for u in data.get("urls", ()) if isinstance(u, str))
            max_zoom = int(data.get("max_zoom", 18))
            return cls(urls=urls, max_zoom=max_zoom, **known)
        except (TypeError, ValueError):
            return cls()


NO_TILES = TileSource()


def _sample(url: str, sub: str) -> str:
    return (url.replace("{s}", sub).replace("{z}", "1").replace("{x}", "1")
            .replace("{-y}", "1").replace("{y}", "1").replace("{key}", "k"))


def presets() -> list[TileSource]:
    """Tile sources a user is likely to want; the key or intranet address is theirs to fill."""
    return [
        TileSource("xyz", "天地图 矢量（需密钥）", (_TIANDITU.replace("{layer}", "vec"),
                                            _TIANDITU.replace("{layer}", "cva")),
                   "01234567", attribution="© 天地图 国家地理信息公共服务平台"),
        TileSource("xyz", "天地图 影像（需密钥）", (_TIANDITU.replace("{layer}", "img"),
                                            _TIANDITU.replace("{layer}", "cia")),
                   "01234567", attribution="© 天地图 国家地理信息公共服务平台"),
        TileSource("xyz", "高德 街道图（GCJ-02）",
                   ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                    "&style=8&x={x}&y={y}&z={z}",), "1234", crs="gcj02",
                   attribution="© 高德地图"),
        TileSource("xyz", "内网瓦片服务", ("http://tiles.intranet/{z}/{x}/{y}.png",)),
    ]


class MBTiles:
    """Read-only access to an MBTiles 1.x file (raster tiles, TMS row order)."""

    MIME = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
            "webp": "image/webp"}

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"文件不存在：{path}")
        self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                     check_same_thread=False)
        try:
            self.metadata = dict(self._conn.execute("SELECT name, value FROM metadata"))
            zooms = self._conn.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles"
                                       ).fetchone()
        except sqlite3.Error:
            self._conn.close()
            raise
        fmt = self.metadata.get("format", "png").lower()
        if fmt not in self.MIME:
            self._conn.close()
            raise ValueError(f"只支持栅格瓦片（png/jpg/webp），此文件为 {fmt}")
        self.mime = self.MIME[fmt]
        self.min_zoom = int(self.metadata.get("minzoom", zooms[0] if zooms[0] is not None else 0))
        self.max_zoom = int(self.metadata.get("maxzoom", zooms[1] if zooms[1] is not None else 18))

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ ``z/x/y`` (MBTiles stores rows bottom-up), or None."""
        row = (1 << z) - 1 - y
        found = self._conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
            "AND tile_row = ?", (z, x, row)).fetchone()
        return bytes(found[0]) if found else None

    def close(self) -> None:
        self._conn.close()
