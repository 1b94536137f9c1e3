"""Measurements on WGS84 geometries: geodesic areas, nearest roads."""

from __future__ import annotations

import functools

import numpy as np
import shapely

from xjwc_desktop.core.geo.mapdata import MapData


@functools.cache
def _geod():
    """The WGS84 ellipsoid (pyproj, loaded when an area is first measured)."""
    from pyproj import Geod

    return Geod(ellps="WGS84")


def area_m2(geom) -> float:
    """Geodesic area of a lon/lat polygon in square metres."""
    return abs(_geod().geometry_area_perimeter(geom)[0])


@functools.cache
def _road_index(maps: MapData) -> tuple[shapely.STRtree, np.ndarray]:
    return (
        shapely.STRtree([r.geometry for r in maps.roads]),
        np.array([r.name for r in maps.roads], dtype=object),
    )


def nearest_road_names(maps: MapData, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Name of the nearest mapped road centreline to each point.

    Distances are compared in degrees, which at this latitude only stretches east-west by
    a constant factor; good enough to name "the road it is on".
    """
    tree, names = _road_index(maps)
    points = shapely.points(np.asarray(lon, float), np.asarray(lat, float))
    hit_points, hit_roads = tree.query_nearest(points, all_matches=False)
    out = np.empty(points.size, dtype=object)
    out[hit_points] = names[hit_roads]
    return out


@functools.cache
def _grid_roads(maps: MapData) -> dict[str, str]:
    centres = [g.geometry.representative_point() for g in maps.grids]
    names = nearest_road_names(maps, np.array([p.x for p in centres]),
                               np.array([p.y for p in centres]))
    return {g.code: name for g, name in zip(maps.grids, names, strict=True)}


def road_of_grids(maps: MapData, grid_codes: np.ndarray) -> np.ndarray:
    """The road nearest to the centre of each point's unit grid (cheap for a million)."""
    table = _grid_roads(maps)
    unique, inverse = np.unique(grid_codes, return_inverse=True)
    return np.array([table.get(code, "") for code in unique], dtype=object)[inverse]
