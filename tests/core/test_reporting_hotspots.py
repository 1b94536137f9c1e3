"""Hotspots: the demo's named trouble spots come out on top; repeat complaints planted at
one spot are found as a cluster; the raster arithmetic against brute force."""

from __future__ import annotations

import math
import sqlite3

import numpy as np
import pytest

from xjwc_desktop.core.demo.positions import HOTSPOTS
from xjwc_desktop.core.reporting import find_hotspots, haversine_m, hotspots_geojson
from xjwc_desktop.core.reporting.cells import components, window_sums
from xjwc_desktop.core.reporting.periods import parse_month_period

SEED = parse_month_period("2015-01..2015-10")
GUOQUAN, GUOQUAN_NORTH, GUOWEI = HOTSPOTS  # 国权北路 (two spots) and 国伟路, as generated


def near(cluster, spot, metres: float = 150.0) -> bool:
    return haversine_m(cluster["lon"], cluster["lat"], spot[0], spot[1]) <= metres


@pytest.fixture
def conn(demo_db):
    with demo_db.engine.connect() as c:
        yield c


def test_the_named_trouble_spots_come_first(conn) -> None:
    found = find_hotspots(conn, SEED)
    top = found["clusters"]
    assert [c["rank"] for c in top] == list(range(1, len(top) + 1))
    # The two densest spots are the report's 国伟路 (car wash) and 国权北路 (fruit stalls).
    assert near(top[0], GUOWEI)
    assert top[0]["name"] == "国伟路"
    assert near(top[1], GUOQUAN)
    assert top[1]["name"] == "国权北路"
    # The second 国权北路 spot is wider spread, so less dense, but still among the first five.
    assert any(near(c, GUOQUAN_NORTH) and c["road"] == "国权北路" for c in top[:5])
    peaks = [c["peak_per_hectare"] for c in top]
    assert peaks == sorted(peaks, reverse=True)
    assert sum(c["cases"] for c in top) <= found["cases"] == 15789


def test_grids_and_places_rank_by_density(conn) -> None:
    found = find_hotspots(conn, SEED, top=5)
    counts = dict(conn.exec_driver_sql(
        "SELECT grid_code, count(*) FROM cases WHERE deleted_at IS NULL GROUP BY 1").all())
    areas = dict(conn.exec_driver_sql("SELECT code, area_m2 FROM unit_grids").all())
    best = sorted(counts, key=lambda g: -counts[g] / areas[g])[:5]
    assert [g["code"] for g in found["grids"]] == best
    assert all(g["count"] == counts[g["code"]] for g in found["grids"])
    places = found["places"]
    assert len(places) == 5
    assert [p["cases"] for p in places] == sorted((p["cases"] for p in places), reverse=True)


def test_repeat_complaints_at_one_spot_are_a_cluster(demo_db_path) -> None:
    """Move 25 noise complaints (噪声扰民) to one car wash: they become the top noise hotspot."""
    from xjwc_desktop.core.storage.database import open_database

    spot = (121.5174, 31.3305)  # a spot with no planted trouble of its own
    con = sqlite3.connect(demo_db_path)
    noise = con.execute("SELECT code FROM categories WHERE name = '噪声扰民'").fetchone()[0]
    ids = [r[0] for r in con.execute(
        "SELECT id FROM cases WHERE category_code = ? ORDER BY id LIMIT 25", (noise,))]
    rng = np.random.default_rng(7)
    for case_id in ids:  # within about 30 m of the spot
        dx, dy = rng.normal(0, 15, 2)
        con.execute("UPDATE cases SET lon = ?, lat = ? WHERE id = ?",
                    (spot[0] + dx / 95_000, spot[1] + dy / 111_320, case_id))
    con.commit()
    con.close()
    db = open_database(demo_db_path)
    try:
        with db.engine.connect() as c:
            found = find_hotspots(c, SEED, (noise,))
    finally:
        db.close()
    first = found["clusters"][0]
    # The peak is a 50 m cell's centre; the case-weighted centre finds the spot itself.
    assert haversine_m(first["lon"], first["lat"], *spot) < 100
    assert haversine_m(*first["centroid"], *spot) < 40
    assert first["top_categories"][0]["name"] == "噪声扰民"
    assert first["cases"] >= 25
    assert found["categories"] == [{"code": noise, "name": "噪声扰民"}]


def test_geojson_layers(conn) -> None:
    found = find_hotspots(conn, SEED, top=3)
    layer = hotspots_geojson(found)
    assert layer["type"] == "FeatureCollection"
    kinds = [f["properties"]["layer"] for f in layer["features"]]
    assert kinds.count("cluster") == kinds.count("peak") == 3
    assert kinds.count("grid") == 3
    for feature in layer["features"]:
        geometry = feature["geometry"]
        assert geometry["type"] in ("Point", "Polygon", "MultiPolygon")
        if geometry["type"] == "Polygon":
            ring = geometry["coordinates"][0]
            assert ring[0] == ring[-1]
            assert len(ring) >= 4
        assert feature["properties"]["label"]
    first = layer["features"][0]["properties"]
    assert first["rank"] == 1
    assert "国伟路" in first["label"]


def test_window_sums_against_brute_force() -> None:
    rng = np.random.default_rng(3)
    grid = rng.integers(0, 5, (13, 9))
    for radius in (0, 1, 2):
        got = window_sums(grid, radius)
        want = np.array([[grid[max(0, i - radius):i + radius + 1,
                               max(0, j - radius):j + radius + 1].sum()
                          for j in range(grid.shape[1])] for i in range(grid.shape[0])])
        assert (got == want).all()


def test_components_are_eight_connected() -> None:
    mask = np.zeros((6, 6), dtype=bool)
    mask[[0, 1, 2], [0, 1, 2]] = True  # one diagonal chain
    mask[4:6, 4:6] = True  # a 2x2 block
    mask[0, 5] = True  # alone
    groups = sorted(components(mask), key=len)
    assert [len(g) for g in groups] == [1, 3, 4]
    assert groups[1].tolist() == [[0, 0], [1, 1], [2, 2]]


def test_nothing_is_a_hotspot_in_an_empty_period(conn) -> None:
    found = find_hotspots(conn, parse_month_period("2030-01"))
    assert found["cases"] == 0
    assert found["clusters"] == []
    assert found["grids"] == []
    assert math.isclose(found["parameters"]["threshold_cases"], 5)


@pytest.mark.parametrize("period", [SEED, parse_month_period("2015-03"),
                                    parse_month_period("2015-02..2015-04")])
@pytest.mark.parametrize("categories", [(), ("E0101",), ("E0101", "C0101")])
def test_the_cache_gives_the_hotspots_counted_from_the_cases(conn, period, categories) -> None:
    from xjwc_desktop.core.stats import Period

    assert find_hotspots(conn, period, categories) == \
        find_hotspots(conn, period, categories, cached=False)
    days = Period(period.start.replace(day=10), period.end)  # whole months and some days
    assert find_hotspots(conn, days, categories) == \
        find_hotspots(conn, days, categories, cached=False)
