"""Per month and category: cases per hotspot cell and per unit grid (the hotspots' input).

Hotspots count a period's cases per 50 m cell and category, and per unit grid; for an
all-time period at a million cases that ``GROUP BY`` read every case (3.7–7.7 s). This cache
(``dashboard_month_places``) holds those counts per month and category — one row each, the
cells and grids as JSON, since a row per cell would be nearly a row per case — and is kept
like the dashboard's other month caches: the months the triggers mark dirty are recomputed
by ``month_cache.refresh`` (:func:`month_rows`), the whole of it by ``month_cache.rebuild``.
A period's whole months are summed from it in numpy; the days around them are counted
from the cases.
"""

from __future__ import annotations

import functools
from collections import Counter

import numpy as np
import orjson
from sqlalchemy import Connection, Integer, and_, cast, delete, func, insert, select
from sqlalchemy.sql.elements import ColumnElement

from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.model import Case, DashboardMonthPlaces
from xjwc_desktop.core.reporting.cells import Raster, cell_counts
from xjwc_desktop.core.stats import Period

TABLE = DashboardMonthPlaces.__table__
CELL_M = 50.0  # the hotspots' cell size: the one the cache is kept for
Rows = list[tuple[int, int, str, int]]  # (ix, iy, category, cases), as cells.cell_counts


@functools.cache
def street_raster() -> Raster:
    """The raster hotspots count on: 50 m cells over the street's bounding box."""
    return Raster.covering(load_map_data().boundary.bounds, CELL_M)


def signature(raster: Raster) -> str:
    return f"{raster.cell_m!r}:{raster.lon0!r}:{raster.lat0!r}:{raster.width}:{raster.height}"


def _month_of_report():
    from xjwc_desktop.core.reporting.month_cache import stored_month

    return stored_month(Case.reported_at)


def expressions(raster: Raster) -> dict[str, ColumnElement]:
    """What the cache's counts are keyed and filtered by (the dirty-month triggers must
    watch every column these read; a test checks that)."""
    return {
        "ix": cast((Case.lon - raster.lon0) / raster.dlon, Integer),
        "iy": cast((Case.lat - raster.lat0) / raster.dlat, Integer),
        "month": _month_of_report(),
        "category": func.coalesce(Case.category_code, ""),
        "grid": Case.grid_code,
        "live": and_(Case.deleted_at.is_(None), Case.reported_at.is_not(None)),
    }


def month_rows(conn: Connection, months: list[int] | None = None) -> list[dict]:
    """The cache rows of ``months`` (all months with cases if None), counted from the cases.

    SQLite reads each live case's month, category, cell and unit grid in one scan (one per
    given month, through the date index) and hands each as one JSON array: no sort, no row
    object per case. numpy counts them (``np.unique`` on coded keys); a ``GROUP BY`` of
    the six keys sorted nearly a row per case and cost seconds at a million cases.
    """
    raster = street_raster()
    e = expressions(raster)
    # A case counts in its cell if it lies on the raster (CAST truncates toward zero, so the
    # west and south edges are tested apart, in SQL as the direct count does) and in its
    # unit grid if it has one.
    inside = and_(Case.lon >= raster.lon0, Case.lat >= raster.lat0)
    query = select(*(func.json_group_array(c).label(name) for name, c in (
        ("month", e["month"]), ("category", e["category"]), ("ix", e["ix"]), ("iy", e["iy"]),
        ("inside", inside), ("grid", e["grid"]))))
    where_sets = [[e["live"]]] if months is None else [
        [e["live"], *_month_period(m).clause(Case.reported_at)] for m in months]
    if not where_sets:
        return []
    numbers: list[list[np.ndarray]] = [[], [], [], []]
    category: list[str] = []
    grid: list[str | None] = []
    for where in where_sets:
        month, codes, ix, iy, on_raster, grids = conn.execute(query.where(*where)).one()
        for k, (text, kind) in enumerate(((month, np.int64), (ix, np.int64), (iy, np.int64),
                                          (on_raster, bool))):
            numbers[k].append(np.array(orjson.loads(text), kind))
        category += orjson.loads(codes)
        grid += orjson.loads(grids)
    month, ix, iy, on_raster = (np.concatenate(n) for n in numbers)
    return _rows_of(raster, month, category, ix, iy, on_raster, grid)


def _codes(values: list) -> tuple[list, np.ndarray]:
    """The distinct ``values`` (sorted, None last) and each value's index among them."""
    names = sorted(dict.fromkeys(values), key=lambda v: (v is None, v or ""))
    index = {v: k for k, v in enumerate(names)}
    return names, np.fromiter(map(index.__getitem__, values), np.int64, len(values))


def _rows_of(raster: Raster, month: np.ndarray, category: list[str], ix: np.ndarray,
             iy: np.ndarray, inside: np.ndarray, grid: list[str | None]) -> list[dict]:
    """Cache rows from one entry per live case (see :func:`month_rows`)."""
    categories, cat = _codes(category)
    grids, code = _codes(grid)
    months = np.unique(month)
    # One group per month and category, numbered in that order: the rows' order.
    group = np.searchsorted(months, month) * len(categories) + cat
    size = raster.width * raster.height
    on = inside & (ix >= 0) & (ix < raster.width) & (iy >= 0) & (iy < raster.height)
    cell_keys, cell_n = np.unique(group[on] * size + ix[on] * raster.height + iy[on],
                                  return_counts=True)
    has = np.array([g is not None for g in grids], bool)[code]
    grid_keys, grid_n = np.unique(group[has] * len(grids) + code[has], return_counts=True)
    cell_group, cell = np.divmod(cell_keys, size)
    grid_group, grid_code = np.divmod(grid_keys, len(grids) or 1)
    cell_at = np.searchsorted(cell_group, np.arange(len(months) * len(categories) + 1))
    grid_at = np.searchsorted(grid_group, np.arange(len(months) * len(categories) + 1))
    pairs = np.column_stack([cell, cell_n]).ravel().tolist()
    names = [grids[k] for k in grid_code.tolist()]
    counts = grid_n.tolist()
    sig = signature(raster)
    rows = []
    # Each month and category apart: one C call over every cell of every month would hold
    # the GIL for 100 ms and more, and the window waits for the GIL.
    for g in np.union1d(cell_group, grid_group).tolist():
        c0, c1, g0, g1 = cell_at[g], cell_at[g + 1], grid_at[g], grid_at[g + 1]
        rows.append({"month": int(months[g // len(categories)]),
                     "category_code": categories[g % len(categories)], "raster": sig,
                     "cells": orjson.dumps(pairs[2 * c0:2 * c1]).decode(),
                     "grids": orjson.dumps(dict(zip(names[g0:g1], counts[g0:g1],
                                                    strict=True))).decode()})
    return rows


def _month_period(month: int) -> Period:
    from xjwc_desktop.core.reporting.periods import month_period

    year_month = divmod(month, 100)
    return month_period(year_month, year_month)


def replace_months(conn: Connection, months: list[int] | None, rows: list[dict]) -> None:
    """Put ``rows`` in place of the cached ``months`` (of everything if None)."""
    if months is None:
        conn.execute(delete(TABLE))
    else:
        for i in range(0, len(months), 500):
            conn.execute(delete(TABLE).where(TABLE.c.month.in_(months[i:i + 500])))
    if rows:
        conn.execute(insert(TABLE), rows)


class CellCounts:
    """Cases per category and cell of a raster: ``matrix[k, ix * height + iy]`` for the
    category ``codes[k]``."""

    def __init__(self, raster: Raster, codes: list[str], matrix: np.ndarray) -> None:
        self.raster, self.codes, self.matrix = raster, codes, matrix

    @classmethod
    def from_rows(cls, raster: Raster, rows: Rows) -> CellCounts:
        codes = sorted({code for _x, _y, code, _n in rows})
        index = {code: k for k, code in enumerate(codes)}
        matrix = np.zeros((len(codes), raster.width * raster.height), np.int64)
        if rows:
            x, y, code, n = zip(*rows, strict=True)
            np.add.at(matrix, ([index[c] for c in code],
                               np.array(x) * raster.height + np.array(y)), np.array(n))
        return cls(raster, codes, matrix)

    def add(self, other: CellCounts) -> CellCounts:
        codes = sorted(set(self.codes) | set(other.codes))
        matrix = np.zeros((len(codes), self.matrix.shape[1]), np.int64)
        for part in (self, other):
            rows = [codes.index(c) for c in part.codes]
            matrix[rows] += part.matrix
        return CellCounts(self.raster, codes, matrix)

    def grid(self) -> np.ndarray:
        """Cases per cell, all categories, as a ``(width, height)`` array."""
        return self.matrix.sum(axis=0).reshape(self.raster.width, self.raster.height)

    def kinds(self, ix: np.ndarray, iy: np.ndarray) -> Counter:
        """Cases per category in the cells ``(ix, iy)``."""
        totals = self.matrix[:, np.asarray(ix) * self.raster.height + np.asarray(iy)].sum(1)
        # In code order: most_common() then breaks ties the same way whatever the source.
        return Counter({code: int(n) for code, n in sorted(zip(self.codes, totals.tolist(),
                                                                strict=True)) if n})


def _cached(conn: Connection, first: int | None, last: int | None,
            categories: tuple[str, ...]) -> tuple[CellCounts, Counter | None] | None:
    """Cells (and, for some categories, grids) of the whole months ``first..last`` from the
    cache (None: the cache is on another raster). Without categories the grids come from
    the month cache of unit grids, a few thousand rows (None here)."""
    raster = street_raster()
    columns = [TABLE.c.category_code, TABLE.c.raster, TABLE.c.cells]
    if categories:
        columns.append(TABLE.c.grids)
    query = select(*columns)
    if first is not None:
        query = query.where(TABLE.c.month >= first)
    if last is not None:
        query = query.where(TABLE.c.month <= last)
    if categories:
        query = query.where(TABLE.c.category_code.in_(categories))
    sig, size = signature(raster), raster.width * raster.height
    codes: dict[str, int] = {}
    parts: list[bytes] = []
    grids: dict[str, int] = {}
    for row in conn.execute(query):
        if row[1] != sig:
            return None
        k = codes.setdefault(row[0], len(codes))
        pairs = np.asarray(orjson.loads(row[2]), dtype=np.int64).reshape(-1, 2)
        pairs[:, 0] += k * size
        parts.append(pairs)
        if categories:
            for grid, n in orjson.loads(row[3]).items():
                grids[grid] = grids.get(grid, 0) + n
    flat = np.concatenate(parts) if parts else np.zeros((0, 2), np.int64)
    matrix = np.bincount(flat[:, 0], weights=flat[:, 1], minlength=len(codes) * size)
    cells = CellCounts(raster, list(codes), matrix.astype(np.int64).reshape(len(codes), size))
    return cells, (Counter(grids) if categories else None)


def period_counts(conn: Connection, period: Period, categories: tuple[str, ...] = ()
                  ) -> tuple[CellCounts, Counter | None] | None:
    """Cases per category and cell of the live cases reported in ``period`` (of
    ``categories`` if given), and — with categories — per unit grid (None without: read
    the unit grid month cache): whole months from the cache, the days around them
    counted. None when the cache cannot serve (another raster): count it all directly."""
    from xjwc_desktop.core.reporting.month_cache import split

    months, edges = split(period)
    raster = street_raster()
    cells = CellCounts(raster, [], np.zeros((0, raster.width * raster.height), np.int64))
    grids: Counter | None = Counter() if categories else None
    if months is not None:
        got = _cached(conn, *months, categories)
        if got is None:
            return None
        cells, grids = got
    for edge in edges:
        cells = cells.add(CellCounts.from_rows(raster, cell_counts(conn, raster, edge,
                                                                   categories)))
        if grids is not None:
            grids.update(_grid_counts(conn, edge, categories))
    return cells, grids


def _grid_counts(conn: Connection, period: Period, categories: tuple[str, ...]) -> Counter:
    where = [Case.deleted_at.is_(None), Case.grid_code.is_not(None),
             *period.clause(Case.reported_at)]
    if categories:
        where.append(Case.category_code.in_(categories))
    return Counter(dict(conn.execute(select(Case.grid_code, func.count()).where(*where)
                                     .group_by(Case.grid_code)).all()))
