"""公益自行车 coverage: which compounds lie within walking distance of a bike station.

Distances are **straight lines** (great-circle, haversine on a sphere of the WGS84 mean
radius), not walking routes: the street has no footpath network in its data, and the
report's question — is there a station near this compound — is answered at this scale by
the straight line. The default radius is 500 m. Compound and station positions of the demo
are illustrative (``position_approximate``), so are the distances computed from them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, select

from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.model import BikeStation, Compound

DEFAULT_RADIUS_M = 500.0
EARTH_RADIUS_M = 6_371_008.8  # mean radius of the WGS84 ellipsoid
DISTANCE_NOTE = "直线距离（非步行路径）"


def haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in metres; arguments broadcast like numpy arrays."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float))
                              for v in (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _stations(conn: Connection) -> list[dict[str, Any]]:
    return [{"code": code, "name": name, "lon": lon, "lat": lat, "bikes": bikes,
             "capacity": capacity}
            for code, name, lon, lat, bikes, capacity in conn.execute(
                select(BikeStation.code, BikeStation.name, BikeStation.lon, BikeStation.lat,
                       BikeStation.bikes, BikeStation.capacity)
                .where(BikeStation.deleted_at.is_(None)).order_by(BikeStation.code))]


def _compounds(conn: Connection) -> list[dict[str, Any]]:
    return [{"name": name, "kind": kind, "lon": lon, "lat": lat, "households": households}
            for name, kind, lon, lat, households in conn.execute(
                select(Compound.name, Compound.kind, Compound.lon, Compound.lat,
                       Compound.households)
                .where(Compound.deleted_at.is_(None)).order_by(Compound.name))]


def bike_coverage(conn: Connection, radius_m: float = DEFAULT_RADIUS_M) -> dict[str, Any]:
    """Every compound with its nearest station and whether it lies within ``radius_m``.

    Returns ``{"radius_m", "distance", "stations", "compounds", "covered", "gaps",
    "covered_share", "area_share"}``: ``gaps`` are the compounds with no station in reach,
    ``area_share`` the share of the street's area within reach of a station.
    """
    stations = _stations(conn)
    compounds = _compounds(conn)
    if stations and compounds:
        dist = haversine_m(np.array([c["lon"] for c in compounds])[:, None],
                           np.array([c["lat"] for c in compounds])[:, None],
                           np.array([s["lon"] for s in stations])[None, :],
                           np.array([s["lat"] for s in stations])[None, :])
    else:
        dist = np.full((len(compounds), max(len(stations), 1)), np.inf)
    for i, comp in enumerate(compounds):
        j = int(np.argmin(dist[i]))
        near = np.flatnonzero(dist[i] <= radius_m)
        comp["nearest_station"] = stations[j]["name"] if stations else None
        comp["distance_m"] = round(float(dist[i, j]), 1) if stations else None
        comp["stations_in_reach"] = [stations[k]["name"] for k in near]
        comp["covered"] = bool(near.size)
    for j, station in enumerate(stations):
        station["compounds_in_reach"] = [c["name"] for i, c in enumerate(compounds)
                                         if dist[i, j] <= radius_m]
    covered = [c["name"] for c in compounds if c["covered"]]
    return {
        "radius_m": radius_m,
        "distance": DISTANCE_NOTE,
        "stations": stations,
        "compounds": compounds,
        "covered": covered,
        "gaps": [c["name"] for c in compounds if not c["covered"]],
        "covered_share": len(covered) / len(compounds) if compounds else None,
        "area_share": _area_share(stations, radius_m),
    }


def circle(lon: float, lat: float, radius_m: float, vertices: int = 64) -> list[list[float]]:
    """A closed ring approximating the circle of ``radius_m`` around a point (lon/lat).

    Offsets are taken on the local tangent plane, exact to well under a metre at 500 m.
    """
    k_lat = 180.0 / (math.pi * EARTH_RADIUS_M)
    k_lon = k_lat / math.cos(math.radians(lat))
    ring = [[round(lon + radius_m * math.cos(a) * k_lon, 7),
             round(lat + radius_m * math.sin(a) * k_lat, 7)]
            for a in np.linspace(0, 2 * math.pi, vertices, endpoint=False)]
    return [*ring, ring[0]]


def _area_share(stations: list[dict[str, Any]], radius_m: float) -> float | None:
    """Share of the street's area within ``radius_m`` of a station (planar, local metres)."""
    if not stations:
        return 0.0
    boundary = load_map_data().boundary
    reach = shapely.union_all([shapely.Polygon(circle(s["lon"], s["lat"], radius_m))
                               for s in stations])
    whole = boundary.area
    return round(float(boundary.intersection(reach).area / whole), 4) if whole else None


def coverage_geojson(coverage: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection for a map layer: each station's reach as a circle
    (``layer: "reach"``), each station (``"station"``) and each compound (``"compound"``,
    ``covered`` true/false, the gaps being false), all with Chinese ``label`` properties."""
    radius = coverage["radius_m"]
    features = []
    for s in coverage["stations"]:
        features.append(_feature("Polygon", [circle(s["lon"], s["lat"], radius)], {
            "layer": "reach", "code": s["code"], "name": s["name"], "radius_m": radius,
            "label": f"{s['name']} {radius:g} 米范围（{DISTANCE_NOTE}）"}))
    for s in coverage["stations"]:
        features.append(_feature("Point", [s["lon"], s["lat"]], {
            "layer": "station", "code": s["code"], "name": s["name"], "bikes": s["bikes"],
            "label": f"{s['name']}：自行车 {s['bikes']} 辆"}))
    for c in coverage["compounds"]:
        state = "已覆盖" if c["covered"] else "未覆盖"
        features.append(_feature("Point", [c["lon"], c["lat"]], {
            "layer": "compound", "name": c["name"], "covered": c["covered"],
            "nearest_station": c["nearest_station"], "distance_m": c["distance_m"],
            "label": f"{c['name']}：{state}，最近 {c['nearest_station']} "
                     f"{c['distance_m']:.0f} 米"}))
    return {"type": "FeatureCollection", "features": features,
            "properties": {"radius_m": radius, "distance": DISTANCE_NOTE}}


def _feature(kind: str, coordinates, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": kind, "coordinates": coordinates},
            "properties": properties}
