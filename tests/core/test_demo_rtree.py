"""The demo's packed case R*Tree: what SQLite itself would store, valid, and queryable."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from sqlalchemy import create_engine

from xjwc_desktop.core.demo.generate import create_demo
from xjwc_desktop.core.demo.rtree_pack import fill_case_rtree
from xjwc_desktop.core.storage.spatial import case_rowids_in_bbox

RTREE = "CREATE VIRTUAL TABLE {} USING rtree(id, min_lon, max_lon, min_lat, max_lat)"
BOXES = [(121.49, 31.32, 121.50, 31.33), (121.48, 31.31, 121.53, 31.35),
         (121.5001, 31.3201, 121.5002, 31.3202), (0.0, 0.0, 1.0, 1.0)]


@pytest.mark.parametrize("n", [0, 1, 51, 52, 2601, 2602, 20_000])
def test_a_packed_tree_equals_one_filled_row_by_row(n) -> None:
    rng = np.random.default_rng(n)
    lon = 121.48 + rng.random(n) * 0.05
    lat = 31.31 + rng.random(n) * 0.04
    lon[: n // 10] = 121.5  # many points on one spot, and on one line
    ids = np.arange(1, n + 1) * 7
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql(RTREE.format("case_rtree"))
        conn.exec_driver_sql(RTREE.format("ref"))
        assert fill_case_rtree(conn, ids, lon, lat)
        if n:
            conn.exec_driver_sql("INSERT INTO ref VALUES (?, ?, ?, ?, ?)", list(zip(
                ids.tolist(), lon.tolist(), lon.tolist(), lat.tolist(), lat.tolist(),
                strict=True)))
        assert conn.exec_driver_sql("SELECT rtreecheck('case_rtree')").scalar() == "ok"
        stored = "SELECT * FROM {} ORDER BY id"
        assert conn.exec_driver_sql(stored.format("case_rtree")).fetchall() == \
            conn.exec_driver_sql(stored.format("ref")).fetchall()
        query = ("SELECT id FROM {} WHERE max_lon >= ? AND min_lon <= ? AND max_lat >= ? "
                 "AND min_lat <= ? ORDER BY id")
        for x0, y0, x1, y1 in BOXES:
            args = (x0, x1, y0, y1)
            assert conn.exec_driver_sql(query.format("case_rtree"), args).fetchall() == \
                conn.exec_driver_sql(query.format("ref"), args).fetchall()
        # Still an ordinary R*Tree: it takes inserts, moves and deletes.
        conn.exec_driver_sql("INSERT INTO case_rtree VALUES (1, 121.5, 121.5, 31.32, 31.32)")
        conn.exec_driver_sql("DELETE FROM case_rtree WHERE id = 7")
        conn.exec_driver_sql("UPDATE case_rtree SET min_lat = 31.3, max_lat = 31.3 "
                             "WHERE id = 14")
        assert conn.exec_driver_sql("SELECT rtreecheck('case_rtree')").scalar() == "ok"


def test_a_node_size_it_does_not_write_is_left_alone() -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE VIRTUAL TABLE case_rtree USING rtree(id, a, b, c, d, e, f)")
        assert not fill_case_rtree(conn, np.arange(1, 4), np.zeros(3), np.zeros(3))
        assert conn.exec_driver_sql("SELECT count(*) FROM case_rtree").scalar() == 0


def test_the_demo_tree_finds_what_the_cases_say(tmp_path) -> None:
    path = create_demo(tmp_path / "scale.sqlite", cases=30_000)
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT rtreecheck('case_rtree')").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM case_rtree").fetchone()[0] == \
            con.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        con.close()
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            for x0, y0, x1, y1 in BOXES:
                expected = [r for (r,) in conn.exec_driver_sql(
                    "SELECT rowid FROM cases WHERE lon BETWEEN ? AND ? AND lat BETWEEN ? AND ? "
                    "AND deleted_at IS NULL ORDER BY rowid", (x0, x1, y0, y1))]
                got = sorted(case_rowids_in_bbox(conn, x0, y0, x1, y1).tolist())
                assert got == expected
    finally:
        engine.dispose()
