"""The case index's copy in the cache folder: used only when it fits, and then exact.

Every test compares what :func:`case_index_copy.load` gives with the index read whole
from the same database, after writes made by another program (a plain sqlite3
connection, as an import, a second window or the sqlite3 shell would write).
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid

import numpy as np
import pytest

from xjwc_desktop.core.queries import case_index_copy
from xjwc_desktop.core.queries.case_columns import CORE_FIELDS
from xjwc_desktop.core.queries.case_index import CaseIndex
from xjwc_desktop.core.storage import case_touches, migrate
from xjwc_desktop.core.storage.database import open_database


def assert_same_as_whole(loaded: case_index_copy.Loaded, db) -> None:
    whole = CaseIndex.load(db.engine)
    for name in CORE_FIELDS:
        got, want = loaded.index.cols[name], whole.cols[name]
        assert got.dtype == want.dtype, name
        np.testing.assert_array_equal(got, want, err_msg=name)


def assert_read_whole_when_opened(path) -> None:
    """Opening the database at ``path`` does not use the copy and reads the cases whole."""
    db = open_database(path)
    try:
        loaded = case_index_copy.load(db)
        assert not loaded.from_copy
        assert_same_as_whole(loaded, db)
    finally:
        db.close()


def saved_copy(db) -> case_index_copy.Loaded:
    """A first load (whole) and its copy saved, as the window does after a start."""
    first = case_index_copy.load(db)
    assert not first.from_copy
    assert first.save_at is not None
    assert case_index_copy.save(db, first.index, first.save_at) is not None
    case_index_copy.prune_log(db, first.save_at)
    return first


def other_program(path, sql: str, params=()) -> None:
    con = sqlite3.connect(path)
    try:
        with con:
            con.execute(sql, params)
    finally:
        con.close()


def insert_copies(path, rowids: list[int]) -> None:
    """New cases: copies of ``rowids`` under new ids and numbers."""
    con = sqlite3.connect(path)
    cols = [r[1] for r in con.execute("PRAGMA table_info(cases)")]
    others = [c for c in cols if c not in ("id", "case_no", "external_no")]
    try:
        with con:
            for rowid in rowids:
                con.execute(
                    f"INSERT INTO cases (id, case_no, external_no, {', '.join(others)}) "
                    f"SELECT ?, ?, NULL, {', '.join(others)} FROM cases WHERE rowid = ?",
                    (uuid.uuid4().hex, f"XJC{uuid.uuid4().int % 10**13:013d}", rowid))
    finally:
        con.close()


def test_a_start_after_writes_by_another_program_reads_only_those_cases(demo_db, demo_db_path):
    first = saved_copy(demo_db)
    rowids = first.index.cols["rowid"]
    n = rowids.size
    # Edits, a move, a soft deletion, a hard deletion, new cases: all by another program.
    other_program(demo_db_path, "UPDATE cases SET status = 'closed' WHERE rowid IN (?, ?, ?)",
                  tuple(int(r) for r in rowids[:3]))
    other_program(demo_db_path, "UPDATE cases SET lon = lon + 0.001 WHERE rowid = ?",
                  (int(rowids[10]),))
    other_program(demo_db_path, "UPDATE cases SET deleted_at = '2026-01-01 00:00:00.000000' "
                  "WHERE rowid = ?", (int(rowids[20]),))
    other_program(demo_db_path, "DELETE FROM cases WHERE rowid = ?", (int(rowids[-1]),))
    insert_copies(demo_db_path, [int(rowids[30]), int(rowids[31])])

    again = case_index_copy.load(demo_db)
    assert again.from_copy
    # The first new case took the deleted last case's rowid (SQLite reuses the largest).
    assert again.reread == 3 + 1 + 1 + 1 + 2 - 1
    assert len(again.index) == n - 2 + 2
    assert_same_as_whole(again, demo_db)
    assert again.save_at is None  # a few re-read cases: the copy stays as it is


def test_an_unchanged_database_starts_from_the_copy_alone(demo_db):
    saved_copy(demo_db)
    again = case_index_copy.load(demo_db)
    assert (again.from_copy, again.reread) == (True, 0)
    assert_same_as_whole(again, demo_db)


def test_writes_through_the_program_are_logged_and_the_log_is_pruned_by_a_save(demo_db,
                                                                           monkeypatch):
    first = saved_copy(demo_db)
    rowids = [int(r) for r in first.index.cols["rowid"][:5]]
    with demo_db.write() as s:
        s.connection().exec_driver_sql(
            f"UPDATE cases SET address = address || '。' WHERE rowid IN "
            f"({','.join(map(str, rowids))})")
    monkeypatch.setattr(case_index_copy, "RESAVE_FROM", 5)
    again = case_index_copy.load(demo_db)
    assert (again.from_copy, again.reread) == (True, 5)
    assert again.save_at is not None  # enough re-read: the window saves again
    case_index_copy.save(demo_db, again.index, again.save_at)
    case_index_copy.prune_log(demo_db, again.save_at)
    with demo_db.reading() as conn:
        assert case_touches.since(conn, 0).size == 0
    third = case_index_copy.load(demo_db)
    assert (third.from_copy, third.reread) == (True, 0)
    assert_same_as_whole(third, demo_db)


def test_a_copy_of_another_database_at_the_same_path_is_not_used(demo_db_path, tmp_path):
    db = open_database(demo_db_path)
    saved_copy(db)
    db.close()
    other_program(demo_db_path, "UPDATE local_meta SET value = ? WHERE key = 'workstation_id'",
                  (uuid.uuid4().hex,))
    assert_read_whole_when_opened(demo_db_path)


def test_a_backup_restored_under_the_copy_is_not_used(demo_db_path, tmp_path):
    backup = tmp_path / "backup.sqlite"
    shutil.copyfile(demo_db_path, backup)
    db = open_database(demo_db_path)
    other_program(demo_db_path, "UPDATE cases SET status = 'closed' WHERE rowid < 50")
    saved_copy(db)  # holds the closed cases, at a later entry than the backup has
    db.close()
    shutil.copyfile(backup, demo_db_path)
    assert_read_whole_when_opened(demo_db_path)


def test_a_log_pruned_past_the_copy_is_not_trusted(demo_db, demo_db_path):
    first = saved_copy(demo_db)
    rowid = int(first.index.cols["rowid"][0])
    other_program(demo_db_path, "UPDATE cases SET status = 'closed' WHERE rowid = ?", (rowid,))
    other_program(demo_db_path, "UPDATE cases SET status = 'closed' WHERE rowid = ?",
                  (rowid + 1,))
    # Another window saved its copy later and pruned the log up to there.
    with demo_db.reading() as conn:
        top = case_touches.state(conn).top
    case_index_copy.prune_log(demo_db, top - 1)
    loaded = case_index_copy.load(demo_db)
    assert not loaded.from_copy
    assert_same_as_whole(loaded, demo_db)


def test_without_the_log_no_copy_is_saved_or_used(demo_db, demo_db_path):
    saved_copy(demo_db)
    other_program(demo_db_path, "DELETE FROM local_meta WHERE key = 'case_touches'")
    other_program(demo_db_path, "UPDATE cases SET status = 'closed' WHERE rowid < 20")
    loaded = case_index_copy.load(demo_db)
    assert not loaded.from_copy
    assert loaded.save_at is None
    with demo_db.reading() as conn:
        assert case_touches.since(conn, 0).size == 0  # nothing was logged
    assert_same_as_whole(loaded, demo_db)


def test_changed_categories_or_another_schema_read_the_cases_whole(demo_db, demo_db_path,
                                                                    monkeypatch):
    saved_copy(demo_db)
    monkeypatch.setattr(migrate, "HEAD", "9999")
    assert not case_index_copy.load(demo_db).from_copy
    monkeypatch.undo()
    assert case_index_copy.load(demo_db).from_copy
    other_program(demo_db_path, "UPDATE categories SET name = name || '（改）' "
                  "WHERE code = (SELECT min(code) FROM categories)")
    loaded = case_index_copy.load(demo_db)
    assert not loaded.from_copy
    assert_same_as_whole(loaded, demo_db)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "wrong dtype", "shuffled"])
def test_a_damaged_copy_is_not_used(demo_db, damage, caplog):
    first = saved_copy(demo_db)
    path = case_index_copy.copy_path(demo_db)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "garbage":
        path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 10)
    else:
        index = first.index
        if damage == "wrong dtype":
            index.cols["status"] = index.cols["status"].astype(np.int32)
        else:
            index.cols["rowid"] = index.cols["rowid"][::-1].copy()
        case_index_copy.save(demo_db, index, first.save_at)
    loaded = case_index_copy.load(demo_db)
    assert not loaded.from_copy
    assert "not used" in caplog.text
    assert_same_as_whole(loaded, demo_db)


def test_no_room_for_the_copy_leaves_no_part_file(demo_db, monkeypatch):
    first = case_index_copy.load(demo_db)
    path = case_index_copy.copy_path(demo_db)

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    assert case_index_copy.save(demo_db, first.index, first.save_at) is None
    assert not path.exists()
    assert list(path.parent.glob("*.part*")) == []


def test_the_office_server_keeps_no_log(demo_db_path):
    from xjwc_desktop.server.database import open_server_database

    server = open_server_database(f"sqlite:///{demo_db_path}")
    try:
        with server.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE cases SET status = 'closed' WHERE rowid < 20")
            assert case_touches.state(conn).watching is False
            assert conn.exec_driver_sql("SELECT count(*) FROM case_touches").scalar() == 0
    finally:
        server.engine.dispose()


def test_compacting_the_database_makes_the_copy_stale(demo_db, demo_db_path, monkeypatch):
    """VACUUM renumbers rowids without a trigger firing: compact() logs every case."""
    from xjwc_desktop.core.storage import spatial

    saved_copy(demo_db)
    other_program(demo_db_path, "DELETE FROM cases WHERE rowid % 3 = 0")  # holes to close
    spatial.compact(demo_db.engine)
    monkeypatch.setattr(case_index_copy, "REREAD_AT_MOST", 10**9)
    loaded = case_index_copy.load(demo_db)
    assert loaded.reread >= len(loaded.index)  # every case re-read, none trusted
    assert_same_as_whole(loaded, demo_db)
