"""Map layer payloads: packed binary for cases, GeoJSON for the smaller registers.

Cases travel to the web page as one little-endian buffer (no JSON: a million points parse
in milliseconds from a typed array, seconds from JSON):

    uint32 n | float32 lon[n] | float32 lat[n] | int32 rowid[n] | uint8 status[n]

Status codes index :data:`STATUS_ORDER`.
"""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.model import CaseStatus, StructureStatus
from xjwc_desktop.core.queries.case_list import ALL_CASES, CaseFilter

STATUS_ORDER = [s.value for s in CaseStatus]


def case_points(conn: Connection, flt: CaseFilter = ALL_CASES) -> bytes:
    """The filtered cases as the packed buffer described in the module docstring."""
    where, params = flt.where()
    rows = conn.exec_driver_sql(
        f"SELECT c.lon, c.lat, c.rowid, c.status FROM cases c WHERE {where}", params
    ).fetchall()
    n = len(rows)
    if n:
        lon, lat, rowid, status = zip(*rows, strict=True)
        code = {s: i for i, s in enumerate(STATUS_ORDER)}
        status_codes = np.fromiter((code[s] for s in status), dtype=np.uint8, count=n)
    else:
        lon = lat = rowid = ()
        status_codes = np.zeros(0, np.uint8)
    parts = [
        np.array([n], dtype="<u4").tobytes(),
        np.asarray(lon, dtype="<f4").tobytes(),
        np.asarray(lat, dtype="<f4").tobytes(),
        np.asarray(rowid, dtype="<i4").tobytes(),
        status_codes.tobytes(),
    ]
    return b"".join(parts)


def _feature_collection(rows, props: list[str]) -> str:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r[0], r[1]]},
         "properties": dict(zip(props, r[2:], strict=True))}
        for r in rows
    ]
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":"))


def illegal_structures_geojson(conn: Connection) -> str:
    labels = {s.value: s.label for s in StructureStatus}
    rows = conn.exec_driver_sql(
        "SELECT lon, lat, code, status, area_m2, residential, found_on, demolished_on, "
        "handled_by FROM illegal_structures WHERE deleted_at IS NULL").fetchall()
    rows = [(*r[:3], r[3], labels.get(r[3], r[3]), *r[4:]) for r in rows]
    return _feature_collection(rows, ["code", "status", "status_label", "area_m2",
                                      "residential", "found_on", "demolished_on",
                                      "handled_by"])


def census_geojson(conn: Connection) -> str:
    rows = conn.exec_driver_sql(
        "SELECT lon, lat, code, area_m2, residential, use, surveyed_on FROM census_records "
        "WHERE deleted_at IS NULL").fetchall()
    return _feature_collection(rows, ["code", "area_m2", "residential", "use", "surveyed_on"])


def bike_stations_geojson(conn: Connection) -> str:
    rows = conn.exec_driver_sql(
        "SELECT lon, lat, code, name, capacity, bikes, position_approximate FROM bike_stations "
        "WHERE deleted_at IS NULL").fetchall()
    return _feature_collection(rows, ["code", "name", "capacity", "bikes", "approximate"])


def compounds_geojson(conn: Connection) -> str:
    rows = conn.exec_driver_sql(
        "SELECT lon, lat, name, aliases, kind, position_approximate FROM compounds "
        "WHERE deleted_at IS NULL").fetchall()
    return _feature_collection(rows, ["name", "aliases", "kind", "approximate"])
