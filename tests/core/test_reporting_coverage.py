"""Bike station coverage against a brute-force haversine over every compound and station."""

from __future__ import annotations

import math

import pytest
from pyproj import Geod

from xjwc_desktop.core.reporting import bike_coverage, coverage_geojson, haversine_m


def brute_force_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The textbook haversine, one pair at a time, in plain floats."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * r * math.asin(math.sqrt(a))


@pytest.fixture
def conn(demo_db):
    with demo_db.engine.connect() as c:
        yield c


def test_haversine_is_within_a_metre_of_the_ellipsoid_at_street_scale() -> None:
    geod = Geod(ellps="WGS84")
    for lon2, lat2 in ((121.5135, 31.3262), (121.4935, 31.3411), (121.5224, 31.3050)):
        _, _, exact = geod.inv(121.5046, 31.3268, lon2, lat2)
        assert abs(float(haversine_m(121.5046, 31.3268, lon2, lat2)) - exact) < 0.005 * exact


@pytest.mark.parametrize("radius", [150.0, 300.0, 500.0])
def test_covered_compounds_are_those_brute_force_finds(conn, radius) -> None:
    compounds = conn.exec_driver_sql(
        "SELECT name, lon, lat FROM compounds WHERE deleted_at IS NULL").all()
    stations = conn.exec_driver_sql(
        "SELECT name, lon, lat FROM bike_stations WHERE deleted_at IS NULL").all()
    assert len(compounds) == 12
    assert len(stations) == 10
    want = {c for c, clon, clat in compounds
            if any(brute_force_m(clon, clat, slon, slat) <= radius for _, slon, slat in stations)}
    got = bike_coverage(conn, radius)
    assert set(got["covered"]) == want
    assert set(got["gaps"]) == {c[0] for c in compounds} - want
    assert got["radius_m"] == radius
    assert "直线" in got["distance"]
    for c in got["compounds"]:
        nearest = min(stations, key=lambda s: brute_force_m(c["lon"], c["lat"], s[1], s[2]))
        assert c["nearest_station"] == nearest[0]
        assert c["distance_m"] == pytest.approx(
            brute_force_m(c["lon"], c["lat"], nearest[1], nearest[2]), abs=0.06)
    for s in got["stations"]:
        assert set(s["compounds_in_reach"]) == {
            name for name, clon, clat in compounds
            if brute_force_m(clon, clat, s["lon"], s["lat"]) <= radius}


def test_a_smaller_radius_leaves_gaps(conn) -> None:
    wide, narrow = bike_coverage(conn, 500), bike_coverage(conn, 150)
    assert wide["gaps"] == []
    assert len(wide["covered"]) == 12
    assert narrow["gaps"]
    assert narrow["covered_share"] < wide["covered_share"] == 1.0
    assert 0 < narrow["area_share"] < wide["area_share"] < 1


def test_geojson_circles_have_the_radius(conn) -> None:
    layer = coverage_geojson(bike_coverage(conn, 500))
    reach = [f for f in layer["features"] if f["properties"]["layer"] == "reach"]
    stations = [f for f in layer["features"] if f["properties"]["layer"] == "station"]
    compounds = [f for f in layer["features"] if f["properties"]["layer"] == "compound"]
    assert len(reach) == len(stations) == 10
    assert len(compounds) == 12
    for circle, station in zip(reach, stations, strict=True):
        lon, lat = station["geometry"]["coordinates"]
        ring = circle["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1]
        for vlon, vlat in ring:
            assert brute_force_m(lon, lat, vlon, vlat) == pytest.approx(500, abs=0.5)
    assert all(isinstance(f["properties"]["covered"], bool) for f in compounds)
    assert layer["properties"]["radius_m"] == 500
