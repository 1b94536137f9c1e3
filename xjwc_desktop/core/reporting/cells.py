"""Case density on a raster of small square cells, and DBSCAN-like clusters on it.

SQL does the counting (``GROUP BY`` the cell a case falls in, so a million cases come back
as a few thousand rows); numpy does the rest on a small 2-D array: the number of cases in a
square window around every cell (an integral image), and the connected groups of dense
cells. That is DBSCAN with the window as its ε-neighbourhood, evaluated per cell instead of
per case: a cell is a *core* cell when it holds cases and its window holds at least
``min_cases``; clusters are the 8-connected groups of core cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Integer, cast, func, select

from xjwc_desktop.core.model import Case
from xjwc_desktop.core.stats import Period

M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class Raster:
    """Cells of ``cell_m`` metres from the south-west corner ``(lon0, lat0)``."""

    lon0: float
    lat0: float
    cell_m: float
    width: int
    height: int

    @property
    def dlon(self) -> float:
        """The cell width in degrees of longitude at this latitude."""
        return self.cell_m / (M_PER_DEG_LAT * math.cos(math.radians(self.lat0)))

    @property
    def dlat(self) -> float:
        return self.cell_m / M_PER_DEG_LAT

    @classmethod
    def covering(cls, bounds: tuple[float, float, float, float], cell_m: float) -> Raster:
        x0, y0, x1, y1 = bounds
        r = cls(x0, y0, cell_m, 1, 1)
        return cls(x0, y0, cell_m, int((x1 - x0) / r.dlon) + 1, int((y1 - y0) / r.dlat) + 1)

    def centre(self, ix, iy) -> tuple[np.ndarray, np.ndarray]:
        """lon, lat of cell centres."""
        return (self.lon0 + (np.asarray(ix) + 0.5) * self.dlon,
                self.lat0 + (np.asarray(iy) + 0.5) * self.dlat)

    def box(self, ix: int, iy: int) -> tuple[float, float, float, float]:
        return (self.lon0 + ix * self.dlon, self.lat0 + iy * self.dlat,
                self.lon0 + (ix + 1) * self.dlon, self.lat0 + (iy + 1) * self.dlat)


def cell_counts(conn: Connection, raster: Raster, period: Period,
                categories: tuple[str, ...] = ()) -> list[tuple[int, int, str, int]]:
    """``(ix, iy, category_code, cases)`` of the live cases reported in ``period``."""
    ix = cast((Case.lon - raster.lon0) / raster.dlon, Integer).label("ix")
    iy = cast((Case.lat - raster.lat0) / raster.dlat, Integer).label("iy")
    where = [Case.deleted_at.is_(None), *period.clause(Case.reported_at),
             Case.lon >= raster.lon0, Case.lat >= raster.lat0]
    if categories:
        where.append(Case.category_code.in_(categories))
    rows = conn.execute(select(ix, iy, Case.category_code, func.count()).where(*where)
                        .group_by(ix, iy, Case.category_code))
    return [(int(x), int(y), code, int(n)) for x, y, code, n in rows
            if 0 <= x < raster.width and 0 <= y < raster.height]


def to_array(raster: Raster, rows: list[tuple[int, int, str, int]]) -> np.ndarray:
    """Cases per cell as a ``(width, height)`` array."""
    grid = np.zeros((raster.width, raster.height), dtype=np.int64)
    if rows:
        ix, iy, _codes, n = zip(*rows, strict=True)
        np.add.at(grid, (np.array(ix), np.array(iy)), np.array(n))
    return grid


def window_sums(grid: np.ndarray, radius: int) -> np.ndarray:
    """Cases in the ``(2r+1) × (2r+1)`` window around every cell (integral image)."""
    padded = np.pad(grid, radius)
    # A leading row and column of zeros: the window of cell i is integral[i + k] - integral[i].
    integral = np.zeros((padded.shape[0] + 1, padded.shape[1] + 1), dtype=np.int64)
    integral[1:, 1:] = padded.cumsum(0).cumsum(1)
    k = 2 * radius + 1
    return (integral[k:, k:] - integral[:-k, k:] - integral[k:, :-k] + integral[:-k, :-k])


def components(mask: np.ndarray) -> list[np.ndarray]:
    """8-connected groups of True cells, each as an ``(n, 2)`` array of (ix, iy).

    The masks here hold at most a few thousand true cells, so a plain flood fill is enough.
    """
    todo = {tuple(p) for p in np.argwhere(mask)}
    groups = []
    while todo:
        seed = todo.pop()
        stack, members = [seed], [seed]
        while stack:
            x, y = stack.pop()
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    nb = (x + dx, y + dy)
                    if nb in todo:
                        todo.remove(nb)
                        stack.append(nb)
                        members.append(nb)
        groups.append(np.array(sorted(members)))
    return groups
