"""Bounding-box queries through SQLite's R*Tree over case positions."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import numpy as np
import orjson
from sqlalchemy import Connection, text

from xjwc_desktop.core.storage import case_touches


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
    """VACUUM the database and rebuild what is keyed by rowid: the spatial index, and the
    window's copy of its case index, made stale by logging every case as written (the next
    start reads them all and saves a new copy)."""
    # Our connections run in autocommit mode at the driver level (see sqlite_setup), which
    # VACUUM requires: it cannot run inside a transaction.
    raw = engine.raw_connection()
    try:
        raw.execute("VACUUM")
    finally:
        raw.close()
    with engine.begin() as conn:
        rebuild_case_rtree(conn)
        case_touches.note_every_case(conn)


RTREE_TRIGGER = "cases_rtree_ai"
RTREE_DEFER_FROM = 1_000  # rows; below this, the trigger's cost does not matter


@contextlib.contextmanager
def bulk_insert(conn: Connection, table: str, rows: int) -> Iterator[None]:
    """A larger page cache for a big insert, and the case R*Tree filled once at the end.

    Inserting into a million-row table touches pages all over a dozen indexes; with
    SQLite's default 2 MB cache most of the time goes to rereading them. The R*Tree,
    updated row by row by its trigger between those inserts, costs three times what
    filling it at the end does. Both are undone before the transaction commits (the
    trigger is dropped and recreated inside it, so no other connection ever sees it
    missing). Used by imports (the sync engine sets every trigger aside: sync/bulk_triggers).
    """
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MiB, for this insert only
    trigger = None
    if table == "cases" and rows >= RTREE_DEFER_FROM:
        trigger = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            (RTREE_TRIGGER,)).scalar()
    try:
        if trigger:
            last = conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM cases").scalar()
            conn.exec_driver_sql(f"DROP TRIGGER {RTREE_TRIGGER}")
        yield
        if trigger:
            conn.exec_driver_sql("INSERT INTO case_rtree SELECT rowid, lon, lon, lat, lat "
                                 "FROM cases WHERE rowid > ?", (last,))
            conn.exec_driver_sql(trigger)
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


def index_cases(conn: Connection, ids: Sequence[str]) -> None:
    """Put the cases ``ids`` into the R*Tree (what ``cases_rtree_ai`` does row by row), for
    a bulk write that ran without the trigger."""
    if ids:
        conn.exec_driver_sql(
            "INSERT INTO case_rtree SELECT rowid, lon, lon, lat, lat FROM cases "
            "WHERE id IN (SELECT value FROM json_each(?))", (orjson.dumps(list(ids)).decode(),))


def reindex_cases(conn: Connection, ids: Sequence[str]) -> None:
    """Move the R*Tree entries of the cases ``ids`` to their positions now (what
    ``cases_rtree_au`` does row by row)."""
    if ids:
        conn.exec_driver_sql(
            "UPDATE case_rtree SET (min_lon, max_lon, min_lat, max_lat) = "
            "(SELECT lon, lon, lat, lat FROM cases WHERE rowid = case_rtree.id) "
            "WHERE id IN (SELECT rowid FROM cases WHERE id IN (SELECT value FROM json_each(?)))",
            (orjson.dumps(list(ids)).decode(),))
