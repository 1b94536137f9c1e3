"""Map layer payloads: packed binary for cases, GeoJSON for the smaller registers.

Cases travel to the web page once, as one little-endian buffer (no JSON: a million points
arrive in tens of milliseconds as typed arrays, where JSON takes seconds):

    uint32 n | uint32 reserved
    uint32 x[n] | uint32 y[n]            Web Mercator world pixels at zoom 24
    int32 rowid[n]
    uint8 status[n] | uint8 source[n] | uint8 major[n]

Positions are those of the case index (rowid order). Zoom-24 pixels fit a uint32 exactly
and are about a centimetre at this latitude; at zoom z a point is at ``x * 2**(z-24)``.
``status`` indexes :data:`STATUS_ORDER`, ``source`` :data:`SOURCE_ORDER`, ``major`` the
category majors of the index (255: unknown). A filter change then sends only a mask
(``uint8[n]``, 1 = shown); the deadline lights (:mod:`case_lights`, ``uint8[n]``) come
separately when that style is chosen, since they need more columns read.

Cases written in place (nothing moved, none came or went) travel as a *patch*: a few as JSON
in the call itself, thousands (a sync) as one more buffer, made on a reader:

    uint32 count | uint32 flags (bit 0: lights) | uint32 reloads
    int32 position[count]
    uint8 status[count] | uint8 source[count] | uint8 major[count] | uint8 light[count]?

``reloads`` is the number of times the window had sent the page all points when the patch
was made: a page that has been sent them since ignores the patch (its positions may be
those of the old points, and the new points carry the new values anyway).

Positions are projected in the *display* coordinate system: WGS84 normally, GCJ-02 when the
basemap tiles are GCJ-02 (Amap-style), so our data lands on the right spot of those tiles.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.geo.chinese_crs import convert, transform_geojson
from xjwc_desktop.core.model import CaseSource, CaseStatus, StructureStatus
from xjwc_desktop.core.queries.case_columns import UNKNOWN
from xjwc_desktop.core.queries.case_index import CaseIndex

STATUS_ORDER = [s.value for s in CaseStatus]
SOURCE_ORDER = [s.value for s in CaseSource]
DISPLAY_CRS = ("wgs84", "gcj02")
_WORLD24 = float(1 << 32)


def world_pixels(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator world pixel coordinates at zoom 24 (uint32), as Leaflet computes them."""
    lat = np.clip(lat, -85.0511287798, 85.0511287798)
    x = (np.asarray(lon) + 180.0) / 360.0
    phi = np.radians(lat)
    y = (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / np.pi) / 2.0
    return (np.clip(np.round(x * _WORLD24), 0, _WORLD24 - 1).astype(np.uint32),
            np.clip(np.round(y * _WORLD24), 0, _WORLD24 - 1).astype(np.uint32))


def display_coordinates(lon, lat, display: str) -> tuple[np.ndarray, np.ndarray]:
    """Our WGS84 coordinates as drawn on a basemap in ``display`` (wgs84 or gcj02)."""
    if display not in DISPLAY_CRS:
        raise ValueError(f"unknown display coordinate system {display!r}")
    return convert(lon, lat, "wgs84", display)


def case_majors(index: CaseIndex, positions: np.ndarray | None = None) -> np.ndarray:
    """Each case's category major (大类) as an index into ``index.reference.majors``
    (of the cases at ``positions`` only, when given: a patch of a few cases)."""
    majors = index.reference.majors
    lut = np.full(UNKNOWN + 1, 255, dtype=np.uint8)
    for i, (_code, _name, major) in enumerate(index.reference.categories):
        lut[i] = majors.index(major)
    categories = index.cols["category"]
    return lut[categories if positions is None else categories[positions]]


def case_buffer(index: CaseIndex, display: str = "wgs84"
                ) -> tuple[bytes, np.ndarray, np.ndarray]:
    """The packed case buffer (module docstring) and the x, y pixels it carries."""
    cols = index.cols
    n = len(index)
    x, y = world_pixels(*display_coordinates(cols["lon"], cols["lat"], display))
    parts = [
        np.array([n, 0], dtype="<u4").tobytes(),
        x.astype("<u4").tobytes(),
        y.astype("<u4").tobytes(),
        cols["rowid"].astype("<i4").tobytes(),
        cols["status"].astype(np.uint8).tobytes(),
        cols["source"].astype(np.uint8).tobytes(),
        case_majors(index).tobytes(),
    ]
    return b"".join(parts), x, y


def case_patch(index: CaseIndex, positions: np.ndarray, now: dt.datetime
               ) -> dict[str, np.ndarray]:
    """What the page redraws of the cases at ``positions``: their classes, and their lights
    when the index has the timing columns (no coordinates: a patch moves nothing)."""
    cols = index.cols
    patch = {"positions": np.asarray(positions, dtype=np.int64),
             "status": cols["status"][positions].astype(np.uint8),
             "source": cols["source"][positions].astype(np.uint8),
             "category": case_majors(index, positions)}
    lights = index.lights_at(positions, now)
    if lights is not None:
        patch["light"] = lights.astype(np.uint8)
    return patch


def patch_buffer(patch: dict[str, np.ndarray], reloads: int) -> bytes:
    """A :func:`case_patch` packed for the page (module docstring)."""
    count = int(patch["positions"].size)
    parts = [np.array([count, int("light" in patch), reloads], dtype="<u4").tobytes(),
             patch["positions"].astype("<i4").tobytes()]
    parts += [patch[k].astype(np.uint8).tobytes()
              for k in ("status", "source", "category", "light") if k in patch]
    return b"".join(parts)


def lights_buffer(index: CaseIndex, now: dt.datetime) -> bytes:
    """The deadline light of every case position as of ``now`` (``uint8[n]``)."""
    return index.traffic_lights(now).astype(np.uint8).tobytes()


def mask_buffer(mask: np.ndarray) -> bytes:
    """A filter result for the page: one byte per case position, 1 = shown."""
    return np.asarray(mask, dtype=bool).astype(np.uint8).tobytes()


def positions_in_box(x: np.ndarray, y: np.ndarray, mask: np.ndarray,
                     box: tuple[int, int, int, int]) -> np.ndarray:
    """Positions of shown cases inside a box of zoom-24 pixels (x0, y0, x1, y1), edges in."""
    x0, y0, x1, y1 = box
    inside = mask & (x >= min(x0, x1)) & (x <= max(x0, x1)) & (y >= min(y0, y1)) & \
        (y <= max(y0, y1))
    return np.flatnonzero(inside)


def _feature_collection(rows, props: list[str], display: str = "wgs84") -> str:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r[0], r[1]]},
         "properties": dict(zip(props, r[2:], strict=True))}
        for r in rows
    ]
    collection = {"type": "FeatureCollection", "features": features}
    if display != "wgs84":
        collection = transform_geojson(
            collection, lambda lon, lat: display_coordinates(lon, lat, display))
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"))


def illegal_structures_geojson(conn: Connection, display: str = "wgs84") -> str:
    labels = {s.value: s.label for s in StructureStatus}
    rows = conn.exec_driver_sql(
        "SELECT lon, lat, code, status, area_m2, residential, found_on, demolished_on, "
        "handled_by FROM illegal_structures WHERE deleted_at IS NULL").fetchall()
    rows = [(*r[:3], r[3], labels.get(r[3], r[3]), *r[4:]) for r in rows]
    return _feature_collection(rows, ["code", "status", "status_label", "area_m2",
                                      "residential", "found_on", "demolished_on",
                                      "handled_by"], display)


def census_geojson(conn: Connection, display: str = "wgs84") -> str:
    rows = conn.exec_driver_sql(
        "SELECT lon, lat, code, area_m2, residential, use, surveyed_on FROM census_records "
        "WHERE deleted_at IS NULL").fetchall()
    return _feature_collection(rows, ["code", "area_m2", "residential", "use", "surveyed_on"],
                               display)


def bike_stations_geojson(conn: Connection, display: str = "wgs84") -> str:
    rows = conn.exec_driver_sql(
        "SELECT lon, lat, code, name, capacity, bikes, position_approximate FROM bike_stations "
        "WHERE deleted_at IS NULL").fetchall()
    return _feature_collection(rows, ["code", "name", "capacity", "bikes", "approximate"],
                               display)


def compounds_geojson(conn: Connection, display: str = "wgs84") -> str:
    rows = conn.exec_driver_sql(
        "SELECT lon, lat, name, aliases, kind, position_approximate FROM compounds "
        "WHERE deleted_at IS NULL").fetchall()
    return _feature_collection(rows, ["name", "aliases", "kind", "approximate"], display)
