"""Pulled rows written with the tables' triggers set aside leave exactly what the triggers
would have left row by row: the dashboard's dirty months, the case R*Tree, an untouched
outbox, and every trigger back in place, also after a batch that failed half-way."""

from __future__ import annotations

import shutil
import sqlite3
import uuid

import pytest
from sqlalchemy import text

from xjwc_desktop.core.storage.database import open_database
from xjwc_desktop.core.sync import bulk_triggers
from xjwc_desktop.core.sync.apply import apply_batch, apply_tables, applying, checkpoint
from xjwc_desktop.core.sync.rows import iter_all_rows, table_digests
from xjwc_desktop.core.sync.schema import synced_table, synced_tables

CASES = synced_table("cases")
COL = {c: i for i, c in enumerate(CASES.columns)}


@pytest.fixture
def pair(demo_db_path, tmp_path):
    """Two identical workstations: one writes row by row, the other in bulk."""
    other = tmp_path / "bulk.sqlite"
    shutil.copyfile(demo_db_path, other)
    dbs = open_database(demo_db_path), open_database(other)
    for db in dbs:
        with db.engine.begin() as conn:  # marks from the batch alone
            for table in ("sync_outbox", "dashboard_dirty_months",
                          "dashboard_dirty_place_months", "case_touches"):
                conn.execute(text(f"DELETE FROM {table}"))
    yield dbs
    for db in dbs:
        db.close()


def wire_cases(db) -> list[list]:
    with db.engine.connect() as conn:
        return list(iter_all_rows(conn, CASES))


def edited(row: list, **values) -> list:
    row = list(row)
    for column, value in values.items():
        row[COL[column]] = value
    return row


def a_batch(rows: list[list]) -> list[dict]:
    """New cases in other months (one never registered) and every kind of edit."""
    fresh = []
    for n, row in enumerate(rows[:150]):
        month = 1 + n % 12
        fresh.append(edited(
            row, id=uuid.uuid4().hex, case_no=f"XJT{n:013d}", external_no=None,
            reported_at=f"2031-{month:02d}-03 08:00:00.000000",
            registered_at=None if n % 5 == 0 else f"2032-{month:02d}-04 09:00:00.000000"))
    old = rows[150:]
    edits = (
        [edited(r, description="只改描述") for r in old[0:40]]
        + [edited(r, status="closed", closed_at="2033-01-02 10:00:00.000000")
           for r in old[40:80] if r[COL["status"]] != "closed"]
        + [edited(r, reported_at="2034-05-06 07:00:00.000000") for r in old[80:100]]
        + [edited(r, lon=r[COL["lon"]] + 0.001, lat=r[COL["lat"]] - 0.001)
           for r in old[100:130]]
        + [edited(r, deleted_at="2035-07-08 11:00:00.000000") for r in old[130:150]]
        + [edited(r, registered_at="2036-09-10 12:00:00.000000")
           for r in [r for r in old[190:] if r[COL["registered_at"]] is None][:20]]
        + [edited(r, category_code=r[COL["category_code"]], grid_code=None)
           for r in old[170:190]]
    )
    return [{"name": "cases", "columns": list(CASES.columns), "rows": fresh + edits}]


def state(db) -> dict:
    with db.engine.connect() as conn:
        def rows(sql):
            return conn.execute(text(sql)).fetchall()

        return {
            "dirty": rows("SELECT month FROM dashboard_dirty_months ORDER BY month"),
            "places": rows("SELECT month FROM dashboard_dirty_place_months ORDER BY month"),
            "rtree": rows("SELECT * FROM case_rtree ORDER BY id"),
            "touched": rows("SELECT DISTINCT case_rowid FROM case_touches ORDER BY 1"),
            "outbox": rows("SELECT * FROM sync_outbox"),
            "triggers": rows("SELECT name, tbl_name, sql FROM sqlite_master "
                             "WHERE type = 'trigger' ORDER BY name"),
            "digests": table_digests(conn),
        }


def apply_both(pair, batch, monkeypatch):
    per_row, bulk = pair
    monkeypatch.setattr(bulk_triggers, "BULK_FROM", 10**9)
    apply_batch(per_row.engine, batch)
    monkeypatch.setattr(bulk_triggers, "BULK_FROM", 1)
    apply_batch(bulk.engine, batch)
    return state(per_row), state(bulk)


def test_a_bulk_batch_leaves_what_the_triggers_leave_row_by_row(pair, monkeypatch):
    before = state(pair[0])
    batch = a_batch(wire_cases(pair[0]))
    per_row, bulk = apply_both(pair, batch, monkeypatch)
    assert bulk == per_row
    # The batch did something to compare: new and moved months, positions, no outbox.
    assert len(per_row["rtree"]) == len(before["rtree"]) + 150
    assert len(per_row["touched"]) >= 150 + 100  # the new cases and the edited ones
    assert per_row["rtree"][:len(before["rtree"])] != before["rtree"]  # cases moved
    assert {(203101,), (203212,), (203405,), (203609,)} <= set(per_row["dirty"])
    assert (203405,) in per_row["places"]
    assert (203609,) not in per_row["places"]  # 立案 dates are not the places'
    assert per_row["outbox"] == []
    assert per_row["triggers"] == before["triggers"]


def test_an_edit_no_figure_reads_marks_no_month(pair, monkeypatch):
    rows = wire_cases(pair[0])
    batch = [{"name": "cases", "columns": list(CASES.columns),
              "rows": [edited(r, description="仅描述") for r in rows[:200]]}]
    per_row, bulk = apply_both(pair, batch, monkeypatch)
    assert bulk == per_row
    assert per_row["dirty"] == []
    assert per_row["places"] == []


def test_a_batch_that_breaks_a_unique_value_is_taken_back_and_applied_row_by_row(
        pair, monkeypatch):
    """A renumbered case and a new case that took its old number, in one batch: the bulk
    write fails, the transaction is taken back (its dropped triggers with it) and the
    rows go in one by one."""
    rows = wire_cases(pair[0])
    batch = a_batch(rows)
    renumbered = rows[-1]
    batch[0]["rows"][0] = edited(batch[0]["rows"][0], case_no=renumbered[COL["case_no"]])
    batch[0]["rows"].append(edited(renumbered, case_no="XJT9999999999999"))
    before = state(pair[1])
    per_row, bulk = apply_both(pair, batch, monkeypatch)
    assert bulk == per_row
    assert bulk["triggers"] == before["triggers"]
    assert len(bulk["rtree"]) == len(before["rtree"]) + 150


def test_a_failed_batch_leaves_every_trigger_in_place(pair, monkeypatch):
    _per_row, bulk = pair
    monkeypatch.setattr(bulk_triggers, "BULK_FROM", 1)
    before = state(bulk)
    rows = wire_cases(bulk)
    broken = [edited(r, id=uuid.uuid4().hex, case_no=rows[0][COL["case_no"]])
              for r in rows[:5]]  # a number no row can ever take twice
    batch = [{"name": "cases", "columns": list(CASES.columns), "rows": broken}]

    def write_in_one_transaction():
        with applying(bulk.engine) as conn:
            apply_tables(conn, batch, retry_in_place=False)

    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):  # the driver's own
        write_in_one_transaction()
    assert state(bulk) == before


def test_every_trigger_of_the_synced_tables_is_quiet_or_done_set_wise(demo_db):
    """A trigger added to a synced table must be quiet while pulled rows are applied or
    get its set-wise equivalent in bulk_triggers.SET_WISE; until then its table is written
    row by row (see the next test)."""
    with demo_db.engine.connect() as conn:
        loud = set()
        for table in synced_tables():
            triggers = bulk_triggers.table_triggers(conn, table.name)
            assert bulk_triggers.can_set_aside(triggers), table.name
            loud |= {n for n, sql in triggers if not bulk_triggers.quiet_while_applying(sql)}
    assert loud == set(bulk_triggers.SET_WISE)


def test_a_trigger_not_known_keeps_its_table_row_by_row(pair, monkeypatch):
    _per_row, bulk = pair
    with bulk.engine.begin() as conn:
        conn.execute(text(
            "CREATE TRIGGER audit_cases AFTER INSERT ON cases BEGIN "
            "INSERT INTO local_meta (key, value) VALUES ('audit.' || NEW.id, 'seen'); END"))
    monkeypatch.setattr(bulk_triggers, "BULK_FROM", 1)
    batch = a_batch(wire_cases(bulk))
    apply_batch(bulk.engine, batch)
    with bulk.engine.connect() as conn:
        seen = conn.execute(text(
            "SELECT count(*) FROM local_meta WHERE key LIKE 'audit.%'")).scalar_one()
        in_rtree = conn.execute(text("SELECT count(*) FROM case_rtree")).scalar_one()
        cases = conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
    assert seen == 150
    assert in_rtree == cases


def test_a_pull_batch_lets_the_log_grow_and_leaves_the_setting_as_it_was(pair):
    _per_row, db = pair
    apply_batch(db.engine, a_batch(wire_cases(db)), wal_pages=50_000)
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    checkpoint(db.engine)
    with db.engine.connect() as conn:
        busy, log, copied = conn.connection.driver_connection.execute(
            "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0
    assert log == copied


def test_an_update_trigger_without_a_column_list_watches_every_column():
    write = bulk_triggers.BatchWrite(["id", "a", "b"])
    write.updated = {(1,): [(("x", 1, 2), ("x", 5, 2))], (2,): [(("y", 3, 4), ("y", 3, 6))]}
    assert write.updated_ids(None) == ["x", "y"]
    assert write.updated_ids(frozenset({"b"})) == ["y"]
    assert write.updated_values("a", None) == {1, 5, 3}
    assert bulk_triggers._watched("CREATE TRIGGER t AFTER UPDATE ON c BEGIN SELECT 1; END") is None
    assert bulk_triggers._watched(
        'CREATE TRIGGER t AFTER UPDATE OF lon, "lat" ON c BEGIN SELECT 1; END') == {"lon", "lat"}
