"""Bounding-box queries through SQLite's R*Tree over case positions."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Connection, text


def case_rowids_in_bbox(
    conn: Connection, min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> np.ndarray:
    """Rowids of the live cases whose position lies inside the box (edges included).

    The R*Tree stores 32-bit floats rounded outwards, so its answer is a superset; the
    exact test on the cases' own coordinates trims it.
    """
    rows = conn.execute(
        text(
            "SELECT c.rowid FROM case_rtree r JOIN cases c ON c.rowid = r.id "
            "WHERE r.max_lon >= :x0 AND r.min_lon <= :x1 "
            "AND r.max_lat >= :y0 AND r.min_lat <= :y1 "
            "AND c.lon BETWEEN :x0 AND :x1 AND c.lat BETWEEN :y0 AND :y1 "
            "AND c.deleted_at IS NULL"
        ),
        {"x0": min_lon, "x1": max_lon, "y0": min_lat, "y1": max_lat},
    ).fetchall()
    return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))


def rebuild_case_rtree(conn: Connection) -> int:
    """Refill the R*Tree from the cases table (after VACUUM renumbered rowids)."""
    conn.exec_driver_sql("DELETE FROM case_rtree")
    conn.exec_driver_sql(
        "INSERT INTO case_rtree SELECT rowid, lon, lon, lat, lat FROM cases"
    )
    return conn.exec_driver_sql("SELECT count(*) FROM case_rtree").scalar_one()


def compact(engine) -> None:
    """VACUUM the database and rebuild the rowid-keyed spatial index."""
    # Our connections run in autocommit mode at the driver level (see sqlite_setup), which
    # VACUUM requires: it cannot run inside a transaction.
    raw = engine.raw_connection()
    try:
        raw.execute("VACUUM")
    finally:
        raw.close()
    with engine.begin() as conn:
        rebuild_case_rtree(conn)
