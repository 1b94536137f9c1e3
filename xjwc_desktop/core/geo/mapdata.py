"""Runtime access to the map files in ``maps/``: boundary, patrol zones, unit grids, roads.

Qt-free. The lookups take numpy arrays of WGS84 lon/lat and are built for big batches
(a million case locations): shapely 2's vectorised predicates on prepared geometries.
Points on a shared edge belong to the first match (north before south, the lower grid
code first). The zones are the unions of their grids, so a point's zone is always its
grid's zone. Snapping the files to 7 decimals leaves centimetre-wide gaps between the grids
and the boundary; a point inside the boundary that falls in one gets the nearest grid, so
every point inside the boundary has exactly one zone and one grid.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, shape

from xjwc_desktop.core.geo.zoning import ZONE_CODES

#: Environment variable that points the application at another maps folder.
MAPS_DIR_ENV = "XJWC_MAPS_DIR"
_DEFAULT_MAPS_DIR = Path(__file__).resolve().parents[3] / "maps"

MAP_FILES = ("boundary", "roads", "yinhang_road", "patrol_zones", "unit_grids")


def resolve_maps_dir() -> Path:
    """The maps folder: ``$XJWC_MAPS_DIR`` if set, else the repository's ``maps/``."""
    return Path(os.environ.get(MAPS_DIR_ENV) or _DEFAULT_MAPS_DIR)


#: The maps folder as resolved at import time (see :func:`resolve_maps_dir`).
MAPS_DIR = resolve_maps_dir()


class Grid(NamedTuple):
    """One unit grid: 15-digit code, patrol zone and WGS84 polygon."""

    code: str
    zone: str
    geometry: Polygon


class Road(NamedTuple):
    """One road centerline (WGS84)."""

    name: str
    geometry: LineString


def _xy(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return x.ravel(), y.ravel(), x.shape


@dataclass(frozen=True, eq=False)
class MapData:
    """The street's map layers as shapely geometries (WGS84), with point lookups."""

    boundary: Polygon | MultiPolygon
    zones: dict[str, Polygon | MultiPolygon]
    grids: list[Grid]  # in code order
    roads: list[Road]
    zone_line: LineString  # the 殷行路 dividing line, west -> east
    texts: dict[str, str] = field(repr=False)  # raw GeoJSON per file, for the web map
    _grid_tree: shapely.STRtree = field(init=False, repr=False)
    _grid_codes: np.ndarray = field(init=False, repr=False)
    _grid_zones: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Prepared geometries make the repeated point-in-polygon tests indexed.
        shapely.prepare(self.boundary)
        shapely.prepare(list(self.zones.values()))
        geoms = [g.geometry for g in self.grids]
        shapely.prepare(geoms)
        object.__setattr__(self, "_grid_tree", shapely.STRtree(geoms))
        object.__setattr__(self, "_grid_codes", np.array([g.code for g in self.grids]))
        object.__setattr__(self, "_grid_zones", np.array([g.zone for g in self.grids]))

    def geojson_text(self, name: str) -> str:
        """The GeoJSON text of a map file, e.g. ``"unit_grids"`` (``.geojson`` optional)."""
        return self.texts[name.removesuffix(".geojson")]

    def contains(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> np.ndarray:
        """Boolean array: is each point inside the street boundary (edge included)?"""
        x, y, shape_ = _xy(lon, lat)
        return shapely.intersects_xy(self.boundary, x, y).reshape(shape_)

    def zone_of(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> np.ndarray:
        """Patrol zone code ("north"/"south") of each point; "" outside the boundary."""
        x, y, shape_ = _xy(lon, lat)
        out = np.full(x.size, "", dtype="<U5")
        idx = np.flatnonzero(shapely.intersects_xy(self.boundary, x, y))
        # Reverse order so that on the dividing line the first zone (north) wins.
        for code in reversed(ZONE_CODES):
            out[idx[shapely.intersects_xy(self.zones[code], x[idx], y[idx])]] = code
        gap = idx[out[idx] == ""]
        out[gap] = self._grid_zones[self._nearest_grid(x[gap], y[gap])]
        return out.reshape(shape_)

    def grid_code_of(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> np.ndarray:
        """15-digit unit grid code of each point; "" outside the boundary."""
        x, y, shape_ = _xy(lon, lat)
        out = np.full(x.size, "", dtype="<U15")
        # The boundary test is cheap next to making point geometries for the tree query.
        idx = np.flatnonzero(shapely.intersects_xy(self.boundary, x, y))
        hits, grid_idx = self._grid_tree.query(
            shapely.points(x[idx], y[idx]), predicate="intersects"
        )
        # A point on a shared edge hits two grids: keep the lower code.
        best = np.full(idx.size, len(self.grids), dtype=np.intp)
        np.minimum.at(best, hits, grid_idx)
        gap = best == len(self.grids)
        best[gap] = self._nearest_grid(x[idx[gap]], y[idx[gap]])
        out[idx] = self._grid_codes[best]
        return out.reshape(shape_)

    def _nearest_grid(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the nearest grid to each point (ties: lower code)."""
        best = np.full(x.size, len(self.grids), dtype=np.intp)
        if x.size:
            hits, grid_idx = self._grid_tree.query_nearest(shapely.points(x, y), all_matches=True)
            np.minimum.at(best, hits, grid_idx)
        return best

    def zone_at(self, lon: float, lat: float) -> str | None:
        """Patrol zone code of one point, or None outside the boundary."""
        point = Point(lon, lat)
        if not self.boundary.intersects(point):
            return None
        zone = next((code for code in ZONE_CODES if self.zones[code].intersects(point)), None)
        return zone or self.grids[self._nearest_grid_at(point)].zone

    def grid_at(self, lon: float, lat: float) -> str | None:
        """Unit grid code of one point, or None outside the boundary."""
        point = Point(lon, lat)
        if not self.boundary.intersects(point):
            return None
        candidates = self._grid_tree.query(point, predicate="intersects")
        index = int(candidates.min()) if candidates.size else self._nearest_grid_at(point)
        return self.grids[index].code

    def _nearest_grid_at(self, point: Point) -> int:
        return int(self._grid_tree.query_nearest(point, all_matches=True).min())


def _features(text: str) -> list[dict]:
    return json.loads(text)["features"]


@functools.cache
def load_map_data(maps_dir: Path | None = None) -> MapData:
    """Load the map files once per process (``maps_dir`` defaults to :func:`resolve_maps_dir`).

    Raises FileNotFoundError naming the build script if the files are missing.
    """
    folder = Path(maps_dir) if maps_dir is not None else resolve_maps_dir()
    texts = {}
    for name in MAP_FILES:
        path = folder / f"{name}.geojson"
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing; run python scripts/build_maps.py")
        texts[name] = path.read_text(encoding="utf-8")

    boundary = shape(_features(texts["boundary"])[0]["geometry"])
    zones = {
        f["properties"]["code"]: shape(f["geometry"]) for f in _features(texts["patrol_zones"])
    }
    grids = sorted(
        Grid(f["properties"]["code"], f["properties"]["zone"], shape(f["geometry"]))
        for f in _features(texts["unit_grids"])
    )
    roads = [Road(f["properties"]["name"], shape(f["geometry"])) for f in _features(texts["roads"])]
    parts = {
        f["properties"]["part"]: list(shape(f["geometry"]).coords)
        for f in _features(texts["yinhang_road"])
    }
    zone_line = LineString(parts["west"][:-1] + parts["east"])
    return MapData(boundary, zones, grids, roads, zone_line, texts)
