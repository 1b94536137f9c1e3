"""The coordinate systems imported files come in, and their conversion to stored WGS84.

GPS devices give WGS84; Amap and Tencent (and many 12345 exports) GCJ-02, about 480 m off
here; Baidu BD-09, about 1.1 km off; survey data CGCS2000 (EPSG:4490), which differs
from WGS84 by centimetres at this scale and is taken as it is. The conversions are those
of :mod:`xjwc_desktop.core.geo.chinese_crs` (exact inverses, vectorised).
"""

from __future__ import annotations

import numpy as np

from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.geo.chinese_crs import convert

CRS_LABELS = {
    "wgs84": "WGS84（GPS）",
    "gcj02": "GCJ-02（高德、腾讯）",
    "bd09": "BD-09（百度）",
    "cgcs2000": "CGCS2000（EPSG:4490，按 WGS84 处理）",
}
_ALIASES = {"gps": "wgs84", "epsg:4326": "wgs84", "gcj-02": "gcj02", "amap": "gcj02",
            "bd-09": "bd09", "baidu": "bd09", "epsg:4490": "cgcs2000", "cgcs": "cgcs2000"}


def parse_crs(text: str) -> str:
    name = text.strip().lower()
    name = _ALIASES.get(name, name)
    if name not in CRS_LABELS:
        raise InputError(f"未知的坐标系“{text}”，可选：{'、'.join(CRS_LABELS)}。")
    return name


def to_wgs84(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``crs`` as WGS84 (NaN stays NaN)."""
    source = "wgs84" if crs == "cgcs2000" else crs
    x, y = convert(lon, lat, source, "wgs84")
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
