"""万米单元网格 (unit grids): a regular ~100 m lattice cut to the patrol zones.

Works in a metric CRS (EPSG:32651, UTM 51N). Every overlay uses one fixed 1 mm precision
grid so that neighbouring pieces share exactly the same vertices: shared edges can then be
measured and unions come out as single polygons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from xjwc_desktop.core.geo.zoning import COMMUNITY_CODES

#: 杨浦区 (6 digits) + 新江湾城街道 (3 digits); the community and sequence follow.
STREET_PREFIX = "310110" + "020"

CELL_SIZE_M = 100.0
MIN_AREA_M2 = 1000.0
PRECISION_M = 0.001
# Pieces touching along less than this do not count as neighbours (a shared corner is not
# an edge to merge across).
_MIN_SHARED_EDGE_M = 0.01


@dataclass(eq=False)  # identity: pieces are told apart while merging, never compared
class UnitGrid:
    """One unit grid in metric coordinates, with its lattice cell and (once numbered) code."""

    zone: str
    row: int  # lattice row, 0 = northernmost
    col: int  # lattice column, 0 = westernmost
    geometry: Polygon
    seq: int = 0
    code: str = ""

    @property
    def area_m2(self) -> float:
        return self.geometry.area


@dataclass(frozen=True)
class GridStats:
    """What building the grids did, for the build summary."""

    lattice_rows: int
    lattice_cols: int
    pieces: int  # cell pieces after clipping to the zones, before merging
    slivers_merged: int
    slivers_kept: int  # slivers with no same-zone neighbour to merge into (expected 0)


def _lattice(bounds: tuple[float, ...], size: float) -> tuple[float, float, int, int]:
    """Lattice anchored on round multiples of ``size`` (whole 100 m UTM lines)."""
    minx, miny, maxx, maxy = bounds
    x0 = np.floor(minx / size) * size
    y0 = np.ceil(maxy / size) * size
    cols = int(np.ceil((maxx - x0) / size))
    rows = int(np.ceil((y0 - miny) / size))
    return float(x0), float(y0), rows, cols


def _cut_cells(
    zones: Mapping[str, Polygon | MultiPolygon], size: float
) -> tuple[list[UnitGrid], int, int]:
    bounds = shapely.total_bounds(list(zones.values()))
    x0, y0, rows, cols = _lattice(tuple(bounds), size)
    pieces: list[UnitGrid] = []
    for zone, geom in zones.items():
        for row in range(rows):
            for col in range(cols):
                cell = box(
                    x0 + col * size, y0 - (row + 1) * size, x0 + (col + 1) * size, y0 - row * size
                )
                cut = shapely.intersection(cell, geom, grid_size=PRECISION_M)
                # A cell crossed by a bend of the boundary can fall apart: each part becomes
                # a piece of its own (small ones are merged away below), so every unit grid
                # is one connected polygon.
                for part in shapely.get_parts(cut):
                    if isinstance(part, Polygon) and part.area > 0:
                        pieces.append(UnitGrid(zone, row, col, part))
    return pieces, rows, cols


def _shared_edge(a: Polygon, others: list[Polygon]) -> np.ndarray:
    """Length of boundary each of ``others`` shares with ``a``."""
    common = shapely.intersection(a.boundary, shapely.boundary(others), grid_size=PRECISION_M)
    return shapely.length(common)


def _merge_slivers(pieces: list[UnitGrid], min_area: float) -> tuple[int, int]:
    """Merge pieces below ``min_area`` into a same-zone neighbour, in place.

    Smallest first; the neighbour is the one with the longest shared edge (ties: northern,
    then western cell). The receiver keeps its lattice cell. A sliver whose best neighbour
    is also a sliver is merged all the same and the result is looked at again.
    """
    merged = 0
    stuck: set[UnitGrid] = set()  # slivers without any same-zone neighbour
    while True:
        slivers = [p for p in pieces if p.area_m2 < min_area and p not in stuck]
        if not slivers:
            return merged, len(stuck)
        sliver = min(slivers, key=lambda p: (p.area_m2, p.zone, p.row, p.col))
        # Not just the 8 lattice neighbours: a receiver may already have grown into them.
        same_zone = [p for p in pieces if p is not sliver and p.zone == sliver.zone]
        touching = shapely.intersects(sliver.geometry, [p.geometry for p in same_zone])
        near = [p for p, hit in zip(same_zone, touching, strict=True) if hit]
        shared = _shared_edge(sliver.geometry, [p.geometry for p in near]) if near else []
        ranked = sorted(
            (-length, p.row, p.col, i)
            for i, (p, length) in enumerate(zip(near, shared, strict=True))
            if length >= _MIN_SHARED_EDGE_M
        )
        if not ranked:
            stuck.add(sliver)
            continue
        target = near[ranked[0][3]]
        union = shapely.union(target.geometry, sliver.geometry, grid_size=PRECISION_M)
        if not isinstance(union, Polygon):
            raise ValueError(f"merging cell {sliver.row},{sliver.col} left a {union.geom_type}")
        target.geometry = union
        pieces.remove(sliver)
        merged += 1


def _number(pieces: list[UnitGrid]) -> list[UnitGrid]:
    """Give each grid its sequence and 15-digit code, community by community.

    Order: lattice row from the north, then column from the west; the cell, not the piece's
    centroid, decides, so a grid keeps its place however the boundary clips it. Two big
    pieces of one cell (not the case with the current data) go west to east.
    """
    ordered = sorted(
        pieces,
        key=lambda p: (COMMUNITY_CODES[p.zone], p.row, p.col, p.geometry.bounds[0]),
    )
    counters: dict[str, int] = {}
    for grid in ordered:
        community = COMMUNITY_CODES[grid.zone]
        counters[community] = counters.get(community, 0) + 1
        if counters[community] > 999:
            raise ValueError(f"community {community} has more than 999 unit grids")
        grid.seq = counters[community]
        grid.code = f"{STREET_PREFIX}{community}{grid.seq:03d}"
    return ordered


def build_unit_grids(
    zones: Mapping[str, Polygon | MultiPolygon],
    cell_size: float = CELL_SIZE_M,
    min_area: float = MIN_AREA_M2,
) -> tuple[list[UnitGrid], GridStats]:
    """Lay the lattice over the zones (metric CRS) and return the numbered unit grids.

    Each lattice cell is clipped to each zone, so every grid lies in exactly one zone and
    the grids together cover the zones; pieces under ``min_area`` are merged into the
    same-zone neighbour with the longest shared edge.
    """
    zones = {code: shapely.set_precision(geom, PRECISION_M) for code, geom in zones.items()}
    pieces, rows, cols = _cut_cells(zones, cell_size)
    n_pieces = len(pieces)
    merged, kept = _merge_slivers(pieces, min_area)
    stats = GridStats(rows, cols, n_pieces, merged, kept)
    return _number(pieces), stats
