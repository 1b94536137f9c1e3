"""Read-side queries for the views: the case list, the case detail and the map layers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import create_engine

from xjwc_desktop.core.geo.mapdata import load_map_data
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
    case_points,
    census_geojson,
    compounds_geojson,
    illegal_structures_geojson,
)

FILTERS = [
    (CaseFilter(statuses=("closed",)), "status = 'closed'"),
    (CaseFilter(statuses=("dispatched", "handled")), "status IN ('dispatched', 'handled')"),
    (CaseFilter(sources=("hotline", "wechat")), "source IN ('hotline', 'wechat')"),
    (CaseFilter(zone="north"), "zone_code = 'north'"),
    (CaseFilter(statuses=("closed", "voided"), sources=("daliandong",), zone="south"),
     "status IN ('closed', 'voided') AND source = 'daliandong' AND zone_code = 'south'"),
    (CaseFilter(statuses=("nonexistent",)), "0"),
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
    """uint32 n | float32 lon[n] | float32 lat[n] | int32 rowid[n] | uint8 status[n]."""
    n = int(np.frombuffer(buf, "<u4", 1)[0])
    assert len(buf) == 4 + n * 13
    lon = np.frombuffer(buf, "<f4", n, 4)
    lat = np.frombuffer(buf, "<f4", n, 4 + 4 * n)
    rowid = np.frombuffer(buf, "<i4", n, 4 + 8 * n)
    status = np.frombuffer(buf, "u1", n, 4 + 12 * n)
    return n, lon, lat, rowid, status


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


def test_case_points_buffer(conn) -> None:
    n, lon, lat, rowid, status = unpack_points(case_points(conn))
    assert n == plain(conn, "SELECT count(*) FROM cases")[0][0]
    x0, y0, x1, y1 = load_map_data().boundary.bounds
    tol = 1e-4  # float32 rounding
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
    # Positions belong to their rowids.
    sample = rowid[:: max(1, n // 200)]
    exact = dict((r, (x, y)) for r, x, y in plain(
        conn, f"SELECT rowid, lon, lat FROM cases WHERE rowid IN ({','.join('?' * len(sample))})",
        tuple(int(r) for r in sample)))
    index = {int(r): i for i, r in enumerate(rowid.tolist())}
    for r, (x, y) in exact.items():
        assert abs(lon[index[r]] - x) < tol
        assert abs(lat[index[r]] - y) < tol


@pytest.mark.parametrize(("flt", "where"), FILTERS)
def test_case_points_follow_the_filter(conn, flt, where) -> None:
    n, *_ = unpack_points(case_points(conn, flt))
    assert n == plain(conn, f"SELECT count(*) FROM cases WHERE {where}")[0][0]


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
