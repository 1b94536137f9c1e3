"""The committed map files in maps/ and the lookups of core.geo.mapdata (no Qt)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, box, shape

from xjwc_desktop.core.geo.build_maps import OUTPUT_FILES, build_maps
from xjwc_desktop.core.geo.mapdata import MAPS_DIR_ENV, MapData, load_map_data, resolve_maps_dir

REPO = Path(__file__).resolve().parents[2]
MAPS = REPO / "maps"
GEODATA = MAPS / "source"  # the OSM extracts the maps are built from, kept in the repo

# 政立路 compounds named in the work report, geocoded (WGS84); all south of 殷行路.
ZHENGLI_ADDRESSES = {
    "政立路505弄": (121.49955, 31.31036),
    "政立路639弄": (121.49684, 31.31030),
    "政立路717弄": (121.49469, 31.31019),
    "政立路775弄": (121.49348, 31.31028),
}

_TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)


def metric_area(geom) -> float:
    """Area in m², measured independently of the build code (UTM 51N)."""
    return shapely.transform(
        geom, lambda xy: np.column_stack(_TO_UTM.transform(xy[:, 0], xy[:, 1]))
    ).area


def features(name: str) -> list[dict]:
    return json.loads((MAPS / f"{name}.geojson").read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="module")
def maps() -> MapData:
    return load_map_data(MAPS)


@pytest.fixture(scope="module")
def random_points(maps: MapData) -> tuple[np.ndarray, np.ndarray]:
    minx, miny, maxx, maxy = maps.boundary.bounds
    rng = np.random.default_rng(20150101)
    # A margin around the bbox so that some points fall outside the street.
    lon = rng.uniform(minx - 0.002, maxx + 0.002, 3000)
    lat = rng.uniform(miny - 0.002, maxy + 0.002, 3000)
    return lon, lat


def test_two_zones_with_expected_areas(maps: MapData) -> None:
    assert set(maps.zones) == {"north", "south"}
    north, south = metric_area(maps.zones["north"]), metric_area(maps.zones["south"])
    assert north / 1e6 == pytest.approx(4.44, abs=0.1)
    assert south / 1e6 == pytest.approx(4.33, abs=0.1)
    assert north + south == pytest.approx(metric_area(maps.boundary), rel=1e-4)
    assert metric_area(shapely.intersection(maps.zones["north"], maps.zones["south"])) < 1.0
    written = {
        f["properties"]["code"]: f["properties"]["area_km2"] for f in features("patrol_zones")
    }
    assert written["north"] == pytest.approx(north / 1e6, abs=1e-3)
    assert written["south"] == pytest.approx(south / 1e6, abs=1e-3)


def test_zone_properties() -> None:
    props = {f["properties"]["code"]: f["properties"] for f in features("patrol_zones")}
    assert props["north"]["name"] == "殷行路以北巡查区"
    assert props["south"]["name"] == "殷行路以南巡查区"
    assert (props["north"]["community_code"], props["south"]["community_code"]) == ("001", "002")
    assert "淞沪路以西" in props["north"]["note"]
    assert "纬度" in props["north"]["note"]


def test_far_north_is_north_and_far_south_is_south(maps: MapData, random_points) -> None:
    minx, miny, maxx, maxy = maps.boundary.bounds
    north_part = shapely.intersection(maps.boundary, box(minx, 31.335, maxx, maxy))
    south_part = shapely.intersection(maps.boundary, box(minx, miny, maxx, 31.325))
    # Up to the ~1 cm the 7-decimal rounding moves edges: a few m² over km².
    left_out = shapely.difference(north_part, maps.zones["north"])
    assert metric_area(left_out) < 1e-5 * metric_area(north_part)
    left_out = shapely.difference(south_part, maps.zones["south"])
    assert metric_area(left_out) < 1e-5 * metric_area(south_part)
    # The boundary's own vertices, which lie on the zone edges.
    lon, lat = shapely.get_coordinates(maps.boundary.boundary).T
    assert set(maps.zone_of(lon[lat > 31.335], lat[lat > 31.335])) == {"north"}
    assert set(maps.zone_of(lon[lat < 31.325], lat[lat < 31.325])) == {"south"}
    lon, lat = random_points
    inside = maps.contains(lon, lat)
    assert set(maps.zone_of(lon[inside & (lat > 31.335)], lat[inside & (lat > 31.335)])) == {
        "north"
    }
    assert set(maps.zone_of(lon[inside & (lat < 31.325)], lat[inside & (lat < 31.325)])) == {
        "south"
    }


def test_zone_line_follows_yinhang_road_and_its_latitude_west_of_songhu() -> None:
    parts = {f["properties"]["part"]: shape(f["geometry"]) for f in features("yinhang_road")}
    west, east = parts["west"], parts["east"]
    assert len({lat for _, lat in west.coords}) == 1  # a parallel of latitude
    assert west.coords[0][1] == pytest.approx(31.3308, abs=0.0001)
    assert west.coords[-1] == east.coords[0]
    assert east.coords[0][0] == pytest.approx(121.5021, abs=0.0002)  # at 淞沪路
    boundary = shape(features("boundary")[0]["geometry"])
    assert west.coords[0][0] < boundary.bounds[0]
    assert east.coords[-1][0] > boundary.bounds[2]
    yinhang = shapely.union_all(
        [shape(f["geometry"]) for f in features("roads") if f["properties"]["name"] == "殷行路"]
    )
    # Inside the street the line runs between the two carriageways (a ~20 m band; where
    # neither is mapped, at junctions, the line bridges the gap).
    samples = shapely.points(
        shapely.get_coordinates(shapely.segmentize(shapely.intersection(east, boundary), 1e-4))
    )
    _, ways_south, _, ways_north = shapely.intersection(yinhang, boundary).bounds
    assert ways_south < shapely.get_y(samples).min() <= shapely.get_y(samples).max() < ways_north


@pytest.mark.parametrize("address", sorted(ZHENGLI_ADDRESSES))
def test_zhengli_road_addresses_are_south_and_in_a_grid(maps: MapData, address: str) -> None:
    lon, lat = ZHENGLI_ADDRESSES[address]
    assert maps.contains(lon, lat)
    assert maps.zone_at(lon, lat) == "south"
    code = maps.grid_at(lon, lat)
    assert code is not None
    assert code.startswith("310110020002")
    assert maps.grid_code_of([lon], [lat])[0] == code


def test_grid_codes(maps: MapData) -> None:
    props = [f["properties"] for f in features("unit_grids")]
    codes = [p["code"] for p in props]
    assert 800 <= len(codes) <= 1100
    assert len(set(codes)) == len(codes)
    for p in props:
        community = {"north": "001", "south": "002"}[p["zone"]]
        assert p["code"] == f"310110020{community}{p['seq']:03d}"
        assert len(p["code"]) == 15
        assert p["code"].isdigit()
    # Sequences run 1..n without gaps in each community.
    for zone in ("north", "south"):
        seqs = sorted(p["seq"] for p in props if p["zone"] == zone)
        assert seqs == list(range(1, len(seqs) + 1))
    assert [g.code for g in maps.grids] == sorted(codes)


def test_numbering_runs_row_by_row_from_the_north_west(maps: MapData) -> None:
    props = [f["properties"] for f in features("unit_grids")]
    for zone in ("north", "south"):
        mine = sorted((p for p in props if p["zone"] == zone), key=lambda p: p["seq"])
        cells = [(p["row"], p["col"]) for p in mine]
        assert cells == sorted(cells)
        assert len(set(cells)) == len(cells)  # one grid per lattice cell and zone
        top_row = min(row for row, _ in cells)
        assert cells[0] == (top_row, min(col for row, col in cells if row == top_row))
    first = next(g for g in maps.grids if g.code == "310110020001001")
    north_grids = [g.geometry for g in maps.grids if g.zone == "north"]
    # The first grid reaches the northern edge of the north zone.
    assert first.geometry.bounds[3] == pytest.approx(max(g.bounds[3] for g in north_grids))


def test_grids_cover_the_boundary_without_overlap_or_crumbs(maps: MapData) -> None:
    geoms = [g.geometry for g in maps.grids]
    assert all(isinstance(g, shapely.Polygon) and g.is_valid for g in geoms)
    areas = np.array([metric_area(g) for g in geoms])
    assert areas.min() >= 1000.0
    boundary_area = metric_area(maps.boundary)
    union = shapely.union_all(geoms)
    union_area = metric_area(union)
    assert union_area == pytest.approx(boundary_area, rel=1e-3)
    assert shapely.hausdorff_distance(union.boundary, maps.boundary.boundary) < 2e-7  # ~2 cm
    assert areas.sum() == pytest.approx(union_area, rel=1e-6)  # no overlaps
    written = {f["properties"]["code"]: f["properties"]["area_m2"] for f in features("unit_grids")}
    for grid, area in zip(maps.grids, areas, strict=True):
        # Written from the metric geometry; rounding to 7 decimals moves edges by ≤ ~1 cm.
        assert written[grid.code] == pytest.approx(area, abs=2.0)


def test_every_grid_lies_in_its_zone(maps: MapData) -> None:
    for grid in maps.grids:
        outside = shapely.difference(grid.geometry, maps.zones[grid.zone])
        assert metric_area(outside) < 0.01, grid.code


def test_vectorised_lookups_agree_with_scalar_ones(maps: MapData, random_points) -> None:
    lon, lat = random_points
    zones, codes, inside = (
        maps.zone_of(lon, lat),
        maps.grid_code_of(lon, lat),
        maps.contains(lon, lat),
    )
    assert 0.2 < inside.mean() < 0.9  # the sample is neither all in nor all out
    assert list(zones) == [maps.zone_at(x, y) or "" for x, y in zip(lon, lat, strict=True)]
    assert list(codes) == [maps.grid_at(x, y) or "" for x, y in zip(lon, lat, strict=True)]
    assert np.array_equal(zones != "", inside)
    assert np.array_equal(codes != "", inside)
    zone_by_code = {g.code: g.zone for g in maps.grids}
    assert all(zone_by_code[c] == z for c, z in zip(codes[inside], zones[inside], strict=True))
    # Brute force on a subset: the code found is a grid that really contains the point.
    by_code = {g.code: g.geometry for g in maps.grids}
    for x, y, code in list(zip(lon[inside], lat[inside], codes[inside], strict=True))[:300]:
        assert by_code[code].distance(Point(x, y)) < 1e-6


def test_lookups_keep_the_input_shape(maps: MapData) -> None:
    lon = np.full((2, 3), 121.5)
    lat = np.array([[31.34] * 3, [31.32] * 3])
    assert maps.zone_of(lon, lat).tolist() == [["north"] * 3, ["south"] * 3]
    assert maps.grid_code_of(lon, lat).shape == (2, 3)
    assert maps.contains(lon, lat).all()


def test_geojson_text_is_the_file(maps: MapData) -> None:
    assert maps.geojson_text("unit_grids") == (MAPS / "unit_grids.geojson").read_text("utf-8")
    assert maps.geojson_text("roads.geojson") == (MAPS / "roads.geojson").read_text("utf-8")
    assert {r.name for r in maps.roads} >= {"殷行路", "淞沪路", "江湾城路"}


def test_maps_dir_env_override_and_missing_files(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(MAPS_DIR_ENV, raising=False)
    assert resolve_maps_dir() == MAPS
    monkeypatch.setenv(MAPS_DIR_ENV, str(tmp_path))
    assert resolve_maps_dir() == tmp_path
    with pytest.raises(FileNotFoundError, match="build_maps.py"):
        load_map_data(tmp_path)


def test_readme_states_rule_codes_and_attribution() -> None:
    text = (MAPS / "README.md").read_text(encoding="utf-8")
    assert "python scripts/build_maps.py" in text
    assert "West of 淞沪路 no road is mapped" in text
    for phrase in ("居委会", "`001`", "`002`", "310110"):
        assert phrase in text
    assert "Map data © OpenStreetMap contributors, ODbL 1.0" in text


def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    summary = build_maps(GEODATA, tmp_path)
    assert summary["unit_grids"] == len(features("unit_grids"))
    assert summary["slivers_kept"] == 0
    for name in OUTPUT_FILES:
        assert (tmp_path / name).read_bytes() == (MAPS / name).read_bytes(), name
