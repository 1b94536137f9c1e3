"""Read-side queries for the views: the case list, the case detail and the map layers."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from sqlalchemy import create_engine

from xjwc_desktop.core.geo.chinese_crs import wgs84_to_gcj02
from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.queries.case_index import CaseIndex
from xjwc_desktop.core.queries.case_list import (
    ALL_CASES,
    COLUMNS,
    CaseFilter,
    case_detail,
    case_rowids,
    case_rows,
)
from xjwc_desktop.core.queries.map_layers import (
    STATUS_ORDER,
    bike_stations_geojson,
    case_buffer,
    census_geojson,
    compounds_geojson,
    illegal_structures_geojson,
    mask_buffer,
    positions_in_box,
)

FILTERS = [
    (CaseFilter(statuses=("closed",)), "status = 'closed'"),
    (CaseFilter(statuses=("dispatched", "handled")), "status IN ('dispatched', 'handled')"),
    (CaseFilter(sources=("hotline", "wechat")), "source IN ('hotline', 'wechat')"),
    (CaseFilter(zone="north"), "zone_code = 'north'"),
    (CaseFilter(statuses=("closed", "voided"), sources=("daliandong",), zone="south"),
     "status IN ('closed', 'voided') AND source = 'daliandong' AND zone_code = 'south'"),
    (CaseFilter(statuses=("nonexistent",)), "0"),
    (CaseFilter(categories=("E0101", "E0201")), "category_code IN ('E0101', 'E0201')"),
    (CaseFilter(grid="310110020001"), "substr(grid_code, 1, 12) = '310110020001'"),
    (CaseFilter(grid="310110020002015"), "grid_code = '310110020002015'"),
    (CaseFilter(departments=("chengguan", "")),
     "department_id IS NULL OR department_id = (SELECT id FROM departments "
     "WHERE code = 'chengguan')"),
    (CaseFilter(date_from=dt.date(2015, 3, 1), date_to=dt.date(2015, 3, 31)),
     "date(reported_at) BETWEEN '2015-03-01' AND '2015-03-31'"),
    (CaseFilter(text="垃圾"), "instr(description, '垃圾') OR instr(address, '垃圾')"),
    (CaseFilter(text="xjw2015030"), "instr(lower(case_no), 'xjw2015030')"),
    (CaseFilter(text="_"), "instr(coalesce(external_no, '') || case_no || address "
                           "|| description, '_')"),
]


@pytest.fixture(scope="module")
def conn(demo_template):
    engine = create_engine(f"sqlite:///file:{demo_template}?immutable=1&uri=true")
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def plain(conn, sql: str, params=()) -> list:
    return conn.exec_driver_sql(sql, params).fetchall()


def unpack_points(buf: bytes) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """uint32 n, 0 | uint32 x[n] | uint32 y[n] | int32 rowid[n] | uint8 status[n] | ..."""
    n = int(np.frombuffer(buf, "<u4", 1)[0])
    assert len(buf) == 8 + n * 15
    x = np.frombuffer(buf, "<u4", n, 8)
    y = np.frombuffer(buf, "<u4", n, 8 + 4 * n)
    rowid = np.frombuffer(buf, "<i4", n, 8 + 8 * n)
    status = np.frombuffer(buf, "u1", n, 8 + 12 * n)
    return n, x, y, rowid, status


def lonlat_of_pixels(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    world = float(1 << 32)
    lon = x / world * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * y / world))))
    return lon, lat


@pytest.mark.parametrize(("flt", "where"), FILTERS)
def test_filters_select_exactly_the_matching_cases(conn, flt, where) -> None:
    expected = {r[0] for r in plain(conn, f"SELECT rowid FROM cases WHERE {where}")}
    got = case_rowids(conn, flt)
    assert len(got) == len(expected)
    assert set(got.tolist()) == expected


def test_no_filter_lists_every_case_once(conn) -> None:
    got = case_rowids(conn, ALL_CASES)
    assert len(got) == plain(conn, "SELECT count(*) FROM cases")[0][0]
    assert len(np.unique(got)) == len(got)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("key", [c.key for c in COLUMNS])
def test_every_column_sorts_both_ways(conn, key, descending) -> None:
    column = next(c for c in COLUMNS if c.key == key)
    values = dict(plain(conn, f"SELECT c.rowid, {column.sql} FROM cases c "
                              "JOIN categories k ON k.code = c.category_code"))
    order = case_rowids(conn, ALL_CASES, sort_key=key, descending=descending)
    assert len(order) == len(values)
    # SQLite puts NULL first ascending; ties are broken by rowid in the same direction.
    keys = [(values[r] is not None, values[r], r) for r in order.tolist()]
    assert keys == sorted(keys, reverse=descending)


@pytest.mark.parametrize(("descending", "agg"), [(False, "min"), (True, "max")])
def test_first_row_by_report_time(conn, descending, agg) -> None:
    order = case_rowids(conn, ALL_CASES, sort_key="reported_at", descending=descending)
    first = plain(conn, "SELECT reported_at FROM cases WHERE rowid = ?", (int(order[0]),))
    assert first == plain(conn, f"SELECT {agg}(reported_at) FROM cases")


def test_rows_show_chinese_labels_and_minutes(conn) -> None:
    (rowid,), = plain(conn, "SELECT rowid FROM cases WHERE status = 'closed' AND "
                            "source = 'hotline' AND zone_code = 'north' LIMIT 1")
    (name, reported, case_no), = plain(
        conn, "SELECT k.name, c.reported_at, c.case_no FROM cases c JOIN categories k "
              "ON k.code = c.category_code WHERE c.rowid = ?", (rowid,))
    row = dict(zip([c.key for c in COLUMNS], case_rows(conn, np.array([rowid]))[rowid],
                   strict=True))
    assert row["status"] == "结案"
    assert row["source"] == "12345热线"
    assert row["zone"] == "殷行路以北"
    assert row["category"] == name
    assert row["case_no"] == case_no
    assert row["reported_at"] == reported[:16]
    assert len(row["reported_at"]) == len("2015-03-01 09:30")
    assert len(row["grid"]) == 15


def test_rows_for_a_block_of_the_list(conn) -> None:
    order = case_rowids(conn, CaseFilter(statuses=("voided",)))
    block = order[:50]
    rows = case_rows(conn, block)
    assert set(rows) == set(block.tolist())
    assert {r[3] for r in rows.values()} == {"作废"}
    assert case_rows(conn, np.array([], dtype=np.int64)) == {}


def test_detail_has_the_history(conn) -> None:
    (rowid, n_events), = plain(
        conn, "SELECT c.rowid, count(e.id) FROM cases c JOIN case_events e ON e.case_id = c.id "
              "WHERE c.status = 'closed' AND c.source = 'patrol' GROUP BY c.rowid LIMIT 1")
    detail = case_detail(conn, rowid)
    assert detail["status_label"] == "结案"
    assert detail["source_label"] == "网格巡查"
    assert detail["inspector_name"]
    assert detail["department_name"]
    assert detail["category_name"]
    history = detail["history"]
    assert len(history) == n_events >= 6
    assert [h["seq"] for h in history] == list(range(1, n_events + 1))
    assert history[0]["action"] == "report"
    assert history[-1]["action"] == "close"
    assert history[-1]["to_status"] == "closed"
    assert case_detail(conn, 10**9) is None


@pytest.fixture(scope="module")
def index(conn):
    return CaseIndex.load(conn.engine)


def test_case_buffer(conn, index) -> None:
    buf, px, py = case_buffer(index)
    n, x, y, rowid, status = unpack_points(buf)
    assert n == plain(conn, "SELECT count(*) FROM cases")[0][0]
    assert np.array_equal(x, px)
    assert np.array_equal(y, py)
    lon, lat = lonlat_of_pixels(x, y)
    x0, y0, x1, y1 = load_map_data().boundary.bounds
    tol = 1e-6  # a zoom-24 pixel is 1e-7 degrees
    assert lon.min() >= x0 - tol
    assert lon.max() <= x1 + tol
    assert lat.min() >= y0 - tol
    assert lat.max() <= y1 + tol
    assert status.max() < len(STATUS_ORDER)
    assert set(rowid.tolist()) == set(case_rowids(conn).tolist())
    counts = dict(plain(conn, "SELECT status, count(*) FROM cases GROUP BY status"))
    got = {STATUS_ORDER[k]: int(v) for k, v in zip(*np.unique(status, return_counts=True),
                                                  strict=True)}
    assert got == counts
    majors = np.frombuffer(buf, "u1", n, 8 + 14 * n)
    expected_major = dict(plain(conn, "SELECT c.rowid, k.major FROM cases c "
                                      "JOIN categories k ON k.code = c.category_code"))
    names = index.reference.majors
    assert [names[m] for m in majors[:500]] == [expected_major[r] for r in rowid[:500]]
    # Positions belong to their rowids.
    sample = rowid[:: max(1, n // 200)]
    exact = dict((r, (a, b)) for r, a, b in plain(
        conn, f"SELECT rowid, lon, lat FROM cases WHERE rowid IN ({','.join('?' * len(sample))})",
        tuple(int(r) for r in sample)))
    where = {int(r): i for i, r in enumerate(rowid.tolist())}
    for r, (a, b) in exact.items():
        assert abs(lon[where[r]] - a) < tol
        assert abs(lat[where[r]] - b) < tol


def test_gcj02_display_moves_cases_onto_gcj02_tiles(index) -> None:
    _, x, y = case_buffer(index, "gcj02")
    lon, lat = lonlat_of_pixels(x, y)
    expected = wgs84_to_gcj02(index.cols["lon"], index.cols["lat"])
    assert np.abs(lon - expected[0]).max() < 1e-6
    assert np.abs(lat - expected[1]).max() < 1e-6
    assert np.abs(lon - index.cols["lon"]).min() > 0.003  # hundreds of metres east
    with pytest.raises(ValueError, match="bd09"):
        case_buffer(index, "bd09")


@pytest.mark.parametrize(("flt", "where"), FILTERS)
def test_mask_buffer_follows_the_filter(conn, index, flt, where) -> None:
    shown = np.frombuffer(mask_buffer(index.mask(flt)), "u1")
    assert shown.size == len(index)
    assert int(shown.sum()) == plain(conn, f"SELECT count(*) FROM cases WHERE {where}")[0][0]


def test_box_selection_takes_shown_cases_inside(index) -> None:
    _, x, y = case_buffer(index)
    mask = index.mask(CaseFilter(zone="north"))
    box = (int(np.percentile(x, 30)), int(np.percentile(y, 70)),
           int(np.percentile(x, 60)), int(np.percentile(y, 10)))  # corners in any order
    got = positions_in_box(x, y, mask, box)
    inside = (x >= box[0]) & (x <= box[2]) & (y >= box[3]) & (y <= box[1])
    assert set(got.tolist()) == set(np.flatnonzero(inside & mask).tolist())
    assert 100 < got.size < mask.sum()
    assert positions_in_box(x, y, mask, (0, 0, 1, 1)).size == 0


def test_register_layers_as_geojson(conn) -> None:
    structures = json.loads(illegal_structures_geojson(conn))["features"]
    assert len(structures) == 120
    demolished = [f for f in structures if f["properties"]["status"] == "demolished"]
    assert len(demolished) == 103
    assert {f["properties"]["status_label"] for f in demolished} == {"已拆除"}
    assert round(sum(f["properties"]["area_m2"] for f in demolished), 2) == 6054.14
    census = json.loads(census_geojson(conn))["features"]
    assert len(census) == 1586
    assert sum(1 for f in census if f["properties"]["residential"]) == 1540
    bikes = json.loads(bike_stations_geojson(conn))["features"]
    assert len(bikes) == 10
    assert sum(f["properties"]["bikes"] for f in bikes) == 300
    compounds = json.loads(compounds_geojson(conn))
    assert compounds["type"] == "FeatureCollection"
    assert len(compounds["features"]) == 12
    assert "橡树湾" in {f["properties"]["name"] for f in compounds["features"]}
    maps = load_map_data()
    for layer in (structures, census, bikes, compounds["features"]):
        xy = np.array([f["geometry"]["coordinates"] for f in layer])
        assert {f["geometry"]["type"] for f in layer} == {"Point"}
        assert maps.contains(xy[:, 0], xy[:, 1]).all()


def test_markup_in_a_description_comes_back_verbatim(demo_db) -> None:
    evil = "<img src=x onerror=alert(1)>"
    with demo_db.engine.begin() as c:
        c.exec_driver_sql("UPDATE cases SET description = ?, address = ? WHERE rowid = 5",
                          (evil, f"政立路505弄{evil}"))
    with demo_db.engine.connect() as c:
        row = dict(zip([col.key for col in COLUMNS], case_rows(c, np.array([5]))[5],
                       strict=True))
        detail = case_detail(c, 5)
    assert row["description"] == evil
    assert row["address"] == f"政立路505弄{evil}"
    assert detail["description"] == evil
    assert detail["address"] == f"政立路505弄{evil}"


def test_register_layers_follow_a_gcj02_basemap(conn) -> None:
    for layer in (illegal_structures_geojson, census_geojson, bike_stations_geojson,
                  compounds_geojson):
        plain_features = json.loads(layer(conn))["features"]
        shifted = json.loads(layer(conn, "gcj02"))["features"]
        assert [f["properties"] for f in shifted] == [f["properties"] for f in plain_features]
        xy = np.array([f["geometry"]["coordinates"] for f in plain_features])
        expected = np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
        got = np.array([f["geometry"]["coordinates"] for f in shifted])
        assert np.abs(got - expected).max() < 1e-9
