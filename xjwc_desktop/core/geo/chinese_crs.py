"""WGS84 ⇄ GCJ-02 ⇄ BD-09: the coordinate systems of Chinese web maps, vectorised.

GCJ-02 (国测局坐标, used by Amap/Tencent tiles and many 12345 exports) is WGS84 plus a
deliberately obfuscating offset of a few hundred metres; BD-09 (Baidu) is GCJ-02 plus a
second, smaller twist. pyproj has neither, so they live here (Qt-free, numpy in and out).

The forward formulas are the published ones (Krasovsky 1940 semi-major axis 6378245 m and
its eccentricity, as in the leaked reference implementation and ``coordtransform``). There is
no closed-form inverse: :func:`gcj02_to_wgs84` solves ``wgs84_to_gcj02(p) = q`` by fixed-point
iteration, which converges to far below a millimetre in a few steps because the offset field
changes slowly (its gradient is about 1e-5 per metre). The quick one-step inverse that most
libraries ship is off by up to a couple of metres; for a map where inspectors pick a lamp
post that is not good enough.

Outside mainland China (the published rectangle) both offsets are zero, as in every
implementation: GCJ-02 is defined only there.

All functions take array-likes of longitudes and latitudes in degrees and return a
``(lon, lat)`` tuple of float64 arrays of the broadcast shape (scalars give 0-d arrays;
``float()`` them if needed).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 formulas use it
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0

Coords = tuple[np.ndarray, np.ndarray]


def _arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Coords:
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64),
                               np.asarray(lat, dtype=np.float64))
    return x, y


def in_mainland_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> np.ndarray:
    """Whether points fall in the rectangle where GCJ-02 applies (the published bounds)."""
    x, y = _arrays(lon, lat)
    return (x >= 72.004) & (x <= 137.8347) & (y >= 0.8293) & (y <= 55.8271)


def _offset(lon: np.ndarray, lat: np.ndarray) -> Coords:
    """GCJ-02 minus WGS84 in degrees at WGS84 points (zero outside China)."""
    x, y = lon - 105.0, lat - 35.0
    waves = 20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
            + 0.2 * np.sqrt(np.abs(x)))
    dlat += (waves + 20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)
             + 160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += (waves + 20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)
             + 150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = in_mainland_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Coords:
    """WGS84 → GCJ-02."""
    x, y = _arrays(lon, lat)
    dx, dy = _offset(x, y)
    return x + dx, y + dy


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, *,
                   tolerance_deg: float = 1e-10, max_iterations: int = 20) -> Coords:
    """GCJ-02 → WGS84, exact to ``tolerance_deg`` (default ≈ 0.01 mm)."""
    gx, gy = _arrays(lon, lat)
    x, y = gx.copy(), gy.copy()
    for _ in range(max_iterations):
        fx, fy = wgs84_to_gcj02(x, y)
        ex, ey = fx - gx, fy - gy
        x, y = x - ex, y - ey
        if max(float(np.max(np.abs(ex), initial=0.0)),
               float(np.max(np.abs(ey), initial=0.0))) < tolerance_deg:
            break
    return x, y


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Coords:
    """GCJ-02 → BD-09 (Baidu's twist of GCJ-02)."""
    x, y = _arrays(lon, lat)
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    inside = in_mainland_china(x, y)
    return (np.where(inside, z * np.cos(theta) + 0.0065, x),
            np.where(inside, z * np.sin(theta) + 0.006, y))


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike, *,
                  tolerance_deg: float = 1e-10, max_iterations: int = 20) -> Coords:
    """BD-09 → GCJ-02, exact to ``tolerance_deg``.

    Starts from the published one-step inverse (good to about a decimetre) and refines it
    by fixed-point iteration on :func:`gcj02_to_bd09`.
    """
    bx, by = _arrays(lon, lat)
    x0, y0 = bx - 0.0065, by - 0.006
    z = np.hypot(x0, y0) - 0.00002 * np.sin(y0 * _X_PI)
    theta = np.arctan2(y0, x0) - 0.000003 * np.cos(x0 * _X_PI)
    inside = in_mainland_china(bx, by)
    x = np.where(inside, z * np.cos(theta), bx)
    y = np.where(inside, z * np.sin(theta), by)
    for _ in range(max_iterations):
        fx, fy = gcj02_to_bd09(x, y)
        ex, ey = np.where(inside, fx - bx, 0.0), np.where(inside, fy - by, 0.0)
        x, y = x - ex, y - ey
        if max(float(np.max(np.abs(ex), initial=0.0)),
               float(np.max(np.abs(ey), initial=0.0))) < tolerance_deg:
            break
    return x, y


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Coords:
    """WGS84 → BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Coords:
    """BD-09 → WGS84 (both inverses exact)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


CONVERSIONS: dict[tuple[str, str], Callable[[npt.ArrayLike, npt.ArrayLike], Coords]] = {
    ("wgs84", "gcj02"): wgs84_to_gcj02,
    ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("gcj02", "bd09"): gcj02_to_bd09,
    ("bd09", "gcj02"): bd09_to_gcj02,
    ("wgs84", "bd09"): wgs84_to_bd09,
    ("bd09", "wgs84"): bd09_to_wgs84,
}


def convert(lon: npt.ArrayLike, lat: npt.ArrayLike, source: str, target: str) -> Coords:
    """Convert between ``"wgs84"``, ``"gcj02"`` and ``"bd09"`` (same name: unchanged)."""
    if source == target:
        return _arrays(lon, lat)
    try:
        return CONVERSIONS[(source, target)](lon, lat)
    except KeyError:
        raise ValueError(f"unknown coordinate systems {source!r} → {target!r}; "
                         "choose from wgs84, gcj02, bd09") from None


def transform_geojson(obj: Any, func: Callable[[np.ndarray, np.ndarray], Coords]) -> Any:
    """A copy of a GeoJSON object with every position passed through ``func`` at once.

    All coordinates are gathered into two arrays so a whole layer converts in one
    vectorised call; properties are copied untouched.
    """
    positions: list[list[float]] = []

    def collect(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (copy.deepcopy(v) if k == "properties"
                        else collect_coords(v) if k == "coordinates" and isinstance(v, list)
                        else collect(v))
                    for k, v in node.items()}
        if isinstance(node, list):
            return [collect(v) for v in node]
        return node

    def collect_coords(node: Any) -> Any:
        if node and isinstance(node[0], (int, float)):
            position = list(node)
            positions.append(position)
            return position
        return [collect_coords(v) for v in node]

    result = collect(obj)
    if positions:
        xy = np.array([p[:2] for p in positions], dtype=np.float64)
        x, y = func(xy[:, 0], xy[:, 1])
        for position, nx, ny in zip(positions, x.tolist(), y.tolist(), strict=True):
            position[0], position[1] = nx, ny
    return result
