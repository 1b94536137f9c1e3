"""Hotspots: where the cases of a period (and category) concentrate.

Three rankings, all by density rather than raw counts, so that a big grid or a long road
does not win by size alone:

* **clusters** — repeat problems at the same spot (a car wash, a fruit-stall corner): the
  DBSCAN-like groups of :mod:`cells`, ranked by the densest 250 m × 250 m window they hold
  (cases per hectare), each named after the compound within 200 m or else the nearest road;
* **unit grids** — cases per hectare of the grid (grids cut by the boundary are small);
* **places** — the named compounds, parks and business parks: cases within 200 m (counted on
  the 50 m cells, so approximately) per hectare of that disc.

A cell is dense when its window holds at least ``min_ratio`` times the cases the window
would hold if the period's cases were spread evenly over the street, and at least
``min_cases``: a handful of cases is never a hotspot, however small the period.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, select

from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.geo.measure import area_m2, nearest_road_names
from xjwc_desktop.core.model import Category, Compound
from xjwc_desktop.core.reporting import month_cache, place_cache
from xjwc_desktop.core.reporting.case_figures import grid_counts
from xjwc_desktop.core.reporting.cells import (
    Raster,
    cell_counts,
    components,
    window_sums,
)
from xjwc_desktop.core.reporting.coverage import haversine_m
from xjwc_desktop.core.stats import Period

CELL_M = 50.0
WINDOW_M = 250.0
MIN_RATIO = 3.0
MIN_CASES = 5
PLACE_RADIUS_M = 200.0


@functools.cache
def _street_area_m2() -> float:
    return area_m2(load_map_data().boundary)


def find_hotspots(conn: Connection, period: Period, categories: tuple[str, ...] = (), *,
                  top: int = 10, cell_m: float = CELL_M, window_m: float = WINDOW_M,
                  min_ratio: float = MIN_RATIO, min_cases: int = MIN_CASES,
                  cached: bool = True) -> dict[str, Any]:
    """Clusters, unit grids and places of the period's cases (of ``categories`` if given,
    category codes), densest first, ``top`` of each. ``cached=False`` counts every case of
    the period instead of summing the per-month cache (the reference it is tested against)."""
    maps = load_map_data()
    raster = Raster.covering(maps.boundary.bounds, cell_m)
    # At the default cell size the per-month cache serves (after bringing it up to date);
    # otherwise, or where it cannot, every case of the period is counted.
    counted = (place_cache.period_counts(conn, period, categories)
               if cached and cell_m == place_cache.CELL_M and month_cache.prepare(conn)
               else None)
    if counted is not None:
        cells, grid_cases = counted
        grids = (_grid_rows(conn, period, grid_cases) if grid_cases is not None else
                 grid_counts(conn, period, read=month_cache.cached_counts))
    else:
        cells = place_cache.CellCounts.from_rows(
            raster, cell_counts(conn, raster, period, categories))
        grids = grid_counts(conn, period, categories)
    grid = cells.grid()
    radius = max(0, round((window_m / cell_m - 1) / 2))
    window_m2 = ((2 * radius + 1) * cell_m) ** 2
    windows = window_sums(grid, radius)
    even = grid.sum() * window_m2 / _street_area_m2()
    threshold = max(float(min_cases), min_ratio * even)
    names = dict(conn.execute(select(Category.code, Category.name)).all())

    clusters = [_cluster(raster, members, grid, windows, cells, names, window_m2)
                for members in components((grid > 0) & (windows >= threshold))]
    # A dense window around two or three cases is still not a repeat problem.
    clusters = [c for c in clusters if c["cases"] >= min_cases]
    clusters.sort(key=lambda c: (-c["peak_cases"], -c["cases"]))
    _name_clusters(conn, clusters)
    for rank, c in enumerate(clusters, start=1):
        c["rank"] = rank
    return {
        "period": period.as_dict(),
        "categories": [{"code": c, "name": names.get(c, c)} for c in categories],
        "parameters": {"cell_m": cell_m, "window_m": (2 * radius + 1) * cell_m,
                       "min_ratio": min_ratio, "min_cases": min_cases,
                       "even_window_cases": round(float(even), 2),
                       "threshold_cases": round(float(threshold), 2)},
        "cases": int(grid.sum()),
        "cluster_count": len(clusters),
        "clusters": clusters[:top],
        "grids": [g for g in grids if g["count"] >= min_cases][:top],
        "places": _places(conn, raster, grid)[:top],
    }


def _grid_rows(conn: Connection, period: Period, cases: Counter) -> list[dict[str, Any]]:
    """:func:`grid_counts`' rows from counts already made (the cache's)."""
    counts = {(code,): [n] for code, n in cases.items() if n}
    return grid_counts(conn, period, read=lambda _conn, _aggregate, _period: counts)


def _cluster(raster: Raster, cells: np.ndarray, grid: np.ndarray, windows: np.ndarray,
             by_category: place_cache.CellCounts, names: dict[str, str],
             window_m2: float) -> dict[str, Any]:
    ix, iy = cells[:, 0], cells[:, 1]
    counts = grid[ix, iy]
    peak = int(np.argmax(windows[ix, iy]))
    plon, plat = raster.centre(ix[peak], iy[peak])
    clon, clat = raster.centre(np.average(ix, weights=counts), np.average(iy, weights=counts))
    kinds = by_category.kinds(ix, iy)
    outline = shapely.union_all([shapely.box(*raster.box(x, y)) for x, y in cells.tolist()])
    peak_cases = int(windows[ix[peak], iy[peak]])
    return {
        "lon": round(float(plon), 6), "lat": round(float(plat), 6),
        "centroid": [round(float(clon), 6), round(float(clat), 6)],
        "cases": int(counts.sum()), "cells": len(cells),
        "area_m2": round(len(cells) * raster.cell_m ** 2),
        "peak_cases": peak_cases,
        "peak_per_hectare": round(peak_cases / (window_m2 / 10_000), 2),
        "top_categories": [{"code": code, "name": names.get(code, code), "count": n}
                           for code, n in kinds.most_common(3)],
        "geometry": shapely.geometry.mapping(shapely.set_precision(outline, 1e-7)),
    }


def _compounds(conn: Connection) -> list[tuple[str, str, float, float]]:
    return [tuple(r) for r in conn.execute(
        select(Compound.name, Compound.kind, Compound.lon, Compound.lat)
        .where(Compound.deleted_at.is_(None)).order_by(Compound.name))]


def _name_clusters(conn: Connection, clusters: list[dict[str, Any]]) -> None:
    """Name each cluster after a compound within 200 m of its peak, else the nearest road;
    and give the unit grid and patrol zone of the peak."""
    if not clusters:
        return
    maps = load_map_data()
    lon = np.array([c["lon"] for c in clusters])
    lat = np.array([c["lat"] for c in clusters])
    roads = nearest_road_names(maps, lon, lat)
    zones = maps.zone_of(lon, lat)
    grids = maps.grid_code_of(lon, lat)
    places = _compounds(conn)
    for i, c in enumerate(clusters):
        c["road"] = roads[i] or ""
        c["grid_code"] = str(grids[i])
        c["zone"] = str(zones[i])
        near = [(float(haversine_m(c["lon"], c["lat"], plon, plat)), name)
                for name, _kind, plon, plat in places]
        dist, name = min(near, default=(math.inf, ""))
        c["compound"] = name if dist <= PLACE_RADIUS_M else ""
        c["name"] = c["compound"] or c["road"] or c["grid_code"]


def _places(conn: Connection, raster: Raster, grid: np.ndarray) -> list[dict[str, Any]]:
    """Named places by cases within 200 m (cells whose centre is that near) per hectare."""
    xs, ys = np.nonzero(grid)
    lon, lat = raster.centre(xs, ys)
    counts = grid[xs, ys]
    disc_ha = math.pi * PLACE_RADIUS_M ** 2 / 10_000
    out = []
    for name, kind, plon, plat in _compounds(conn):
        n = int(counts[haversine_m(lon, lat, plon, plat) <= PLACE_RADIUS_M].sum())
        out.append({"name": name, "kind": kind, "lon": plon, "lat": plat, "cases": n,
                    "per_hectare": round(n / disc_ha, 2)})
    out.sort(key=lambda p: (-p["cases"], p["name"]))
    return out


def hotspots_geojson(hotspots: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection for a map layer: each cluster's outline (``layer:
    "cluster"``) and its peak (``"peak"``), the densest unit grids (``"grid"``), with
    ``rank``, counts and a Chinese ``label``."""
    maps = load_map_data()
    shapes = {g.code: g.geometry for g in maps.grids}
    features = []
    for c in hotspots["clusters"]:
        kinds = "、".join(f"{k['name']} {k['count']}" for k in c["top_categories"])
        props = {"rank": c["rank"], "name": c["name"], "cases": c["cases"],
                 "peak_per_hectare": c["peak_per_hectare"], "grid_code": c["grid_code"],
                 "label": f"热点 {c['rank']}：{c['name']}，{c['cases']} 件（{kinds}）"}
        features.append({"type": "Feature", "geometry": c["geometry"],
                         "properties": {"layer": "cluster", **props}})
        features.append({"type": "Feature",
                         "geometry": {"type": "Point", "coordinates": [c["lon"], c["lat"]]},
                         "properties": {"layer": "peak", **props}})
    for rank, g in enumerate(hotspots["grids"], start=1):
        if g["code"] in shapes:
            features.append({"type": "Feature",
                             "geometry": shapely.geometry.mapping(shapes[g["code"]]),
                             "properties": {"layer": "grid", "rank": rank, "code": g["code"],
                                            "cases": g["count"],
                                            "per_hectare": g["per_hectare"],
                                            "label": f"网格 {g['code']}：{g['count']} 件，"
                                                     f"每公顷 {g['per_hectare']} 件"}})
    return {"type": "FeatureCollection", "features": features,
            "properties": {"period": hotspots["period"], **hotspots["parameters"]}}
