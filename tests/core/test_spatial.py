"""The R*Tree over case positions: box queries, triggers, and VACUUM + rebuild."""

from __future__ import annotations

import datetime as dt

import pytest

from xjwc_desktop.core.model import Case, CaseSource, CaseStatus
from xjwc_desktop.core.storage.spatial import case_rowids_in_bbox, compact

BOXES = [
    (121.495, 31.320, 121.505, 31.335),
    (121.4962 - 0.002, 31.3335 - 0.002, 121.4962 + 0.002, 31.3335 + 0.002),  # 国权北路 spot
    (121.50, 31.30, 121.53, 31.345),
    (121.0, 31.0, 122.0, 32.0),  # the whole street
    (121.40, 31.20, 121.41, 31.21),  # far away: nothing
]


def ids_in_box(conn, box) -> set[str]:
    rowids = case_rowids_in_bbox(conn, *box)
    if rowids.size == 0:
        return set()
    marks = ",".join("?" * rowids.size)
    ids = conn.exec_driver_sql(f"SELECT id FROM cases WHERE rowid IN ({marks})",
                               tuple(int(r) for r in rowids)).scalars().all()
    assert len(ids) == rowids.size  # every rowid the index gives is a real case
    return set(ids)


def ids_by_plain_sql(conn, box) -> set[str]:
    x0, y0, x1, y1 = box
    return set(conn.exec_driver_sql(
        "SELECT id FROM cases WHERE lon BETWEEN ? AND ? AND lat BETWEEN ? AND ? "
        "AND deleted_at IS NULL", (x0, x1, y0, y1)).scalars().all())


@pytest.mark.parametrize("box", BOXES)
def test_bbox_query_equals_plain_sql(demo_db, box) -> None:
    with demo_db.engine.connect() as conn:
        got = ids_in_box(conn, box)
        expected = ids_by_plain_sql(conn, box)
        total = conn.exec_driver_sql("SELECT count(*) FROM cases").scalar_one()
    assert got == expected
    if box == BOXES[3]:
        assert len(got) == total
    if box == BOXES[4]:
        assert got == set()
    if box == BOXES[0]:
        assert 0 < len(got) < total


def test_box_edges_are_included(demo_db) -> None:
    with demo_db.engine.connect() as conn:
        case_id, lon, lat = conn.exec_driver_sql(
            "SELECT id, lon, lat FROM cases ORDER BY rowid LIMIT 1 OFFSET 777").one()
        assert case_id in ids_in_box(conn, (lon, lat, lon, lat))
        assert case_id in ids_in_box(conn, (lon - 0.001, lat, lon, lat + 0.001))
        assert case_id not in ids_in_box(conn, (lon + 1e-6, lat, lon + 0.001, lat + 0.001))


def _new_case(code: str, lon: float, lat: float) -> Case:
    return Case(case_no="XJW2016060100001", source=CaseSource.WECHAT, category_code=code,
                status=CaseStatus.REPORTED, lon=lon, lat=lat,
                reported_at=dt.datetime(2016, 6, 1, 9, 30))


def test_index_follows_inserts_moves_and_soft_deletes(demo_db) -> None:
    box = (121.5000, 31.3300, 121.5001, 31.3301)
    with demo_db.engine.connect() as conn:
        code = conn.exec_driver_sql("SELECT code FROM categories LIMIT 1").scalar_one()
        already = ids_in_box(conn, box)
    with demo_db.write() as s:
        case = _new_case(code, 121.50005, 31.33005)
        s.add(case)
    with demo_db.engine.connect() as conn:
        assert ids_in_box(conn, box) == already | {case.id}
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET lon = 121.51 WHERE id = ?", (case.id,))
    with demo_db.engine.connect() as conn:
        assert ids_in_box(conn, box) == already
        assert case.id in ids_in_box(conn, (121.5099, 31.33, 121.5101, 31.3301))
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET deleted_at = '2016-06-02 10:00:00.000000' "
                             "WHERE id = ?", (case.id,))
    with demo_db.engine.connect() as conn:
        assert case.id not in ids_in_box(conn, (121.5099, 31.33, 121.5101, 31.3301))


def test_compact_keeps_box_answers(demo_db) -> None:
    # Make holes in the rowid sequence first, the situation VACUUM may renumber.
    with demo_db.engine.connect() as conn:
        code = conn.exec_driver_sql("SELECT code FROM categories LIMIT 1").scalar_one()
    extra = []
    for k in range(3):
        with demo_db.write() as s:
            case = _new_case(code, 121.5 + k * 1e-4, 31.33)
            case.case_no = f"XJW201606010000{k + 2}"
            s.add(case)
        extra.append(case.id)
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM cases WHERE id IN (?, ?)", (extra[0], extra[1]))
    with demo_db.engine.connect() as conn:
        before = {box: ids_in_box(conn, box) for box in BOXES}
        n_cases = conn.exec_driver_sql("SELECT count(*) FROM cases").scalar_one()
    compact(demo_db.engine)
    with demo_db.engine.connect() as conn:
        after = {box: ids_in_box(conn, box) for box in BOXES}
        plain = {box: ids_by_plain_sql(conn, box) for box in BOXES}
        assert conn.exec_driver_sql("SELECT count(*) FROM case_rtree").scalar_one() == n_cases
        orphans = conn.exec_driver_sql(
            "SELECT count(*) FROM case_rtree r LEFT JOIN cases c ON c.rowid = r.id "
            "WHERE c.rowid IS NULL OR abs(r.min_lon - c.lon) > 1e-4 "
            "OR abs(r.min_lat - c.lat) > 1e-4").scalar_one()
    assert after == before == plain
    assert extra[2] in after[BOXES[3]]
    assert orphans == 0


def test_compact_rebuilds_a_stale_index(demo_db) -> None:
    box = BOXES[2]
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM case_rtree WHERE id % 3 = 0")
    with demo_db.engine.connect() as conn:
        assert ids_in_box(conn, box) < ids_by_plain_sql(conn, box)  # the index lost cases
    compact(demo_db.engine)
    with demo_db.engine.connect() as conn:
        assert ids_in_box(conn, box) == ids_by_plain_sql(conn, box)
