"""The hotspot places' month cache, counted in numpy from one scan, against a recount case
by case in plain Python: cells at the raster's edges and beyond, cases without a unit grid,
deleted cases, the month boundaries of local time, and the months of a partial refresh."""

from __future__ import annotations

from collections import Counter, defaultdict

import orjson
import pytest

from tests.core.test_month_cache import assert_cache_is_the_cases
from xjwc_desktop.core.reporting import month_cache, place_cache

COLUMNS = ("reported_at, coalesce(category_code, ''), lon, lat, grid_code "
           "FROM cases WHERE deleted_at IS NULL AND reported_at IS NOT NULL")


def recount(conn, months: set[int] | None = None) -> dict:
    """{(month, category): (cells, grids)} one case at a time, as the cache defines them."""
    raster = place_cache.street_raster()
    cells: dict = defaultdict(Counter)
    grids: dict = defaultdict(Counter)
    for reported, category, lon, lat, grid in conn.exec_driver_sql(f"SELECT {COLUMNS}"):
        key = (int(reported[:4]) * 100 + int(reported[5:7]), category)
        if months is not None and key[0] not in months:
            continue
        # int() truncates toward zero as SQLite's CAST does: the edge test is apart.
        ix, iy = int((lon - raster.lon0) / raster.dlon), int((lat - raster.lat0) / raster.dlat)
        if (lon >= raster.lon0 and lat >= raster.lat0 and 0 <= ix < raster.width
                and 0 <= iy < raster.height):
            cells[key][ix * raster.height + iy] += 1
        if grid is not None:
            grids[key][grid] += 1
    return {key: (dict(cells[key]), dict(grids[key])) for key in sorted({*cells, *grids})}


def cached(rows: list[dict]) -> dict:
    out = {}
    for row in rows:
        flat = orjson.loads(row["cells"])
        assert flat[::2] == sorted(flat[::2])  # cells in order, as the readers expect
        assert row["raster"] == place_cache.signature(place_cache.street_raster())
        out[(row["month"], row["category_code"])] = (dict(zip(flat[::2], flat[1::2],
                                                              strict=True)),
                                                     orjson.loads(row["grids"]))
    assert list(out) == sorted(out)
    return out


def add_case(conn, n: int, *, at: str, lon: float, lat: float, grid: str | None = "keep",
             category: str | None = None, deleted: bool = False) -> None:
    """A copy of a demo case with the given date, position, grid and category."""
    conn.exec_driver_sql(
        "INSERT INTO cases (id, case_no, source, category_code, status, lon, lat, grid_code, "
        "zone_code, reported_at, extension_hours, rework_count, escalated, created_at, "
        "updated_at, deleted_at) SELECT ?, ?, source, coalesce(?, category_code), status, ?, "
        "?, CASE WHEN ? = 'keep' THEN grid_code ELSE ? END, zone_code, ?, 0, 0, 0, ?, ?, ? "
        "FROM cases ORDER BY id LIMIT 1",
        (f"edge{n:028d}", f"EDGE{n:05d}", category, lon, lat, grid or "", grid, at, at, at,
         at if deleted else None))


@pytest.fixture
def edges(demo_db):
    """The demo with cases on and around the raster's edges and the month boundaries."""
    r = place_cache.street_raster()
    tiny = r.dlon / 4
    east, north = r.lon0 + r.width * r.dlon, r.lat0 + r.height * r.dlat
    cases = [
        dict(lon=r.lon0, lat=r.lat0),  # the south-west corner: cell 0
        dict(lon=r.lon0 - tiny, lat=r.lat0 + 3 * r.dlat),  # CAST gives 0, but it lies west
        dict(lon=r.lon0 + 2 * r.dlon, lat=r.lat0 - tiny),  # south of the raster
        dict(lon=east + tiny, lat=r.lat0 + r.dlat),  # east of the last column
        dict(lon=east - tiny, lat=north - tiny),  # the last cell
        dict(lon=r.lon0 + r.dlon, lat=north + tiny),  # north of the last row
        dict(lon=0.0, lat=0.0, grid=None),  # nowhere: no cell, no grid
        dict(lon=r.lon0 + 5 * r.dlon, lat=r.lat0 + 5 * r.dlat, grid=None),  # a cell, no grid
        dict(lon=r.lon0 + 5 * r.dlon, lat=r.lat0 + 5 * r.dlat, deleted=True),
        dict(lon=r.lon0 + 6 * r.dlon, lat=r.lat0 + 6 * r.dlat, category="C0101"),
    ]
    with demo_db.engine.begin() as conn:
        n = 0
        # The last instant of a local month and the first of the next; a month no case had.
        for at in ("2015-03-31 23:59:59.999999", "2015-04-01 00:00:00.000000",
                   "2016-02-29 12:00:00.000000"):
            for case in cases:
                n += 1
                add_case(conn, n, at=at, **case)
    return demo_db


def test_the_counts_are_the_cases_one_by_one(edges) -> None:
    with edges.engine.connect() as conn:
        rows = place_cache.month_rows(conn)
        expected = recount(conn)
    assert cached(rows) == expected
    assert {201503, 201504, 201602} <= {month for month, _code in expected}


def test_some_months_are_counted_alone(edges) -> None:
    months = [201503, 201504, 201602, 201912]  # 2019-12: no case at all
    with edges.engine.connect() as conn:
        rows = place_cache.month_rows(conn, months)
        assert cached(rows) == recount(conn, set(months))
        assert place_cache.month_rows(conn, [201912]) == []
        assert place_cache.month_rows(conn, []) == []


def test_the_edges_refreshed_through_the_triggers(edges) -> None:
    """The cases added mark their months; the refresh recounts them and every period's
    hotspots from the cache equal those counted directly."""
    with edges.engine.connect() as conn:
        assert month_cache.dirty_months(conn) == [201503, 201504, 201602]
    assert month_cache.prepare(edges)
    assert_cache_is_the_cases(edges)
    month_cache.rebuild(edges)
    assert_cache_is_the_cases(edges)
