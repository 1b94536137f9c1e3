"""WGS84 ⇄ GCJ-02 ⇄ BD-09 against published test vectors, and round trips over the street."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xjwc_desktop.core.geo import chinese_crs as crs
from xjwc_desktop.core.geo.mapdata import load_map_data


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Distance on a local tangent plane (good to far better than a millimetre here)."""
    k = 6378137.0 * math.pi / 180.0
    return np.hypot((np.asarray(lon1) - lon2) * k * np.cos(np.radians(lat2)),
                    (np.asarray(lat1) - lat2) * k)


# wandergis/coordtransform README (the same Krasovsky constants as ours): Tiananmen.
COORDTRANSFORM = [
    (crs.wgs84_to_gcj02, (116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    (crs.gcj02_to_bd09, (116.404, 39.915), (116.41036949371029, 39.92133699351021)),
    (crs.wgs84_to_bd09, (116.404, 39.915), (116.41662724378733, 39.922699552216216)),
]
# googollee/eviltransform python/test.py: wgsLat, wgsLng, gcjLat, gcjLng (its own tolerance
# is 6 decimals; it uses the WGS84 radius, a sub-centimetre difference from ours).
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # beijing
]


@pytest.mark.parametrize(("func", "given", "expected"), COORDTRANSFORM)
def test_published_coordtransform_vectors(func, given, expected) -> None:
    lon, lat = func(*given)
    assert float(lon) == pytest.approx(expected[0], abs=1e-11)
    assert float(lat) == pytest.approx(expected[1], abs=1e-11)


def test_bd09_to_gcj02_matches_the_published_one_step_inverse_within_a_decimetre() -> None:
    # coordtransform's bd09togcj02(116.404, 39.915) is the approximate inverse; ours is exact,
    # so it agrees to the approximation's error, and maps back onto the input exactly.
    lon, lat = crs.bd09_to_gcj02(116.404, 39.915)
    assert metres(lon, lat, 116.39762729119315, 39.90865673957631) < 0.1
    back = crs.gcj02_to_bd09(lon, lat)
    assert metres(*back, 116.404, 39.915) < 1e-4


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVILTRANSFORM)
def test_published_eviltransform_vectors(wlat, wlon, glat, glon) -> None:
    lon, lat = crs.wgs84_to_gcj02(wlon, wlat)
    assert abs(float(lon) - glon) < 1e-6
    assert abs(float(lat) - glat) < 1e-6
    # eviltransform's own bar for its exact inverse is 0.5 m; ours is a millimetre.
    back = crs.gcj02_to_wgs84(glon, glat)
    assert metres(*back, wlon, wlat) < 0.02


def test_the_street_moves_about_half_a_kilometre_in_gcj02() -> None:
    # DOMAIN.md: GCJ-02 is about 480 m off WGS84 in Shanghai, BD-09 about 1.1 km.
    lon, lat = 121.5075, 31.3290
    gcj = crs.wgs84_to_gcj02(lon, lat)
    bd = crs.wgs84_to_bd09(lon, lat)
    assert 400 < float(metres(*gcj, lon, lat)) < 600
    assert float(gcj[0]) > lon  # east
    assert float(gcj[1]) < lat  # and a little south
    assert 900 < float(metres(*bd, lon, lat)) < 1300


def street_points(n_side: int = 60) -> tuple[np.ndarray, np.ndarray]:
    x0, y0, x1, y1 = load_map_data().boundary.bounds
    xx, yy = np.meshgrid(np.linspace(x0, x1, n_side), np.linspace(y0, y1, n_side))
    return xx.ravel(), yy.ravel()


@pytest.mark.parametrize(("there", "back"), [
    (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84),
    (crs.gcj02_to_wgs84, crs.wgs84_to_gcj02),
    (crs.gcj02_to_bd09, crs.bd09_to_gcj02),
    (crs.wgs84_to_bd09, crs.bd09_to_wgs84),
    (crs.bd09_to_wgs84, crs.wgs84_to_bd09),
])
def test_round_trips_over_the_street_stay_below_a_centimetre(there, back) -> None:
    lon, lat = street_points()
    moved = there(lon, lat)
    assert metres(*moved, lon, lat).min() > 100  # it did move
    again = back(*moved)
    assert metres(*again, lon, lat).max() < 0.01


def test_vectorised_equals_one_at_a_time() -> None:
    lon, lat = street_points(7)
    x, y = crs.wgs84_to_gcj02(lon, lat)
    for i in range(lon.size):
        xi, yi = crs.wgs84_to_gcj02(float(lon[i]), float(lat[i]))
        assert (float(xi), float(yi)) == (x[i], y[i])


def test_outside_china_nothing_moves() -> None:
    lon, lat = np.array([-0.1246, 139.9, 121.5]), np.array([51.5007, 35.7, 31.3])
    for func in (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84, crs.wgs84_to_bd09,
                 crs.bd09_to_wgs84):
        x, y = func(lon, lat)
        assert x[:2].tolist() == lon[:2].tolist()
        assert y[:2].tolist() == lat[:2].tolist()
        assert x[2] != lon[2]  # Shanghai does


def test_convert_by_name_and_unknown_names() -> None:
    x, y = crs.convert([121.5], [31.3], "wgs84", "gcj02")
    assert (x[0], y[0]) == tuple(float(v[0]) for v in crs.wgs84_to_gcj02([121.5], [31.3]))
    same = crs.convert([121.5], [31.3], "bd09", "bd09")
    assert same[0].tolist() == [121.5]
    with pytest.raises(ValueError, match="cgcs"):
        crs.convert(1, 2, "wgs84", "cgcs2000")


def test_geojson_is_transformed_position_by_position() -> None:
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "政立路505弄", "coordinates": "text"},
         "geometry": {"type": "Point", "coordinates": [121.49955, 31.31036]}},
        {"type": "Feature", "properties": {},
         "geometry": {"type": "Polygon", "coordinates": [
             [[121.50, 31.32], [121.51, 31.32], [121.51, 31.33], [121.50, 31.32]]]}},
    ]}
    out = crs.transform_geojson(geojson, crs.wgs84_to_gcj02)
    point = out["features"][0]["geometry"]["coordinates"]
    expected = crs.wgs84_to_gcj02(121.49955, 31.31036)
    assert point == [float(expected[0]), float(expected[1])]
    ring = out["features"][1]["geometry"]["coordinates"][0]
    assert len(ring) == 4
    assert ring[1][0] == float(crs.wgs84_to_gcj02(121.51, 31.32)[0])
    assert out["features"][0]["properties"] == {"name": "政立路505弄", "coordinates": "text"}
    assert geojson["features"][0]["geometry"]["coordinates"] == [121.49955, 31.31036]
