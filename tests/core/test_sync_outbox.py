"""The outbox: every local write lands in it in its own transaction, whatever wrote it."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import select, text, update

from xjwc_desktop.core import clock
from xjwc_desktop.core.model import Case
from xjwc_desktop.core.storage.database import open_database
from xjwc_desktop.core.sync import outbox
from xjwc_desktop.core.sync.apply import applying
from xjwc_desktop.core.sync.codec import loads


@pytest.fixture
def db(demo_db):
    # The demo was built before it ever synced: start from an empty outbox.
    with demo_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM sync_outbox"))
    return demo_db


def entries(db):
    with db.engine.connect() as conn:
        return conn.execute(text(
            "SELECT tbl, row_id, op, base, change_id FROM sync_outbox ORDER BY seq")).fetchall()


def first_case(db) -> Case:
    with db.write() as s:
        return s.scalar(select(Case).order_by(Case.case_no).limit(1))


def test_an_orm_edit_is_queued_with_the_row_as_it_was(db):
    case = first_case(db)
    with db.write() as s:
        s.get(Case, case.id).description = "改过的描述"
    [e] = entries(db)
    assert (e.tbl, e.row_id, e.op, e.change_id) == ("cases", case.id, "update", None)
    base = loads(e.base)
    assert base["description"] == case.description
    assert float(base["lon"]) == case.lon  # 17 significant digits: the exact double


def test_later_edits_fold_into_the_open_entry_and_keep_the_first_base(db):
    case = first_case(db)
    for text_ in ("一", "二", "三"):
        with db.write() as s:
            s.get(Case, case.id).description = text_
    [e] = entries(db)
    assert loads(e.base)["description"] == case.description


def test_a_bulk_sql_update_queues_every_row(db):
    with db.engine.begin() as conn:
        changed = conn.execute(update(Case).where(Case.status == "reported")
                               .values(escalated=True)).rowcount
    assert changed > 10
    assert len(entries(db)) == changed


def test_a_rolled_back_write_leaves_no_entry(db):
    case = first_case(db)

    def edit_then_fail():
        with db.write() as s:
            s.get(Case, case.id).description = "不会保存"
            s.flush()
            raise RuntimeError("operator cancelled")

    with pytest.raises(RuntimeError):
        edit_then_fail()
    assert entries(db) == []


def test_a_write_committed_just_before_a_crash_is_in_the_outbox(db):
    case = first_case(db)
    db.close()
    script = (
        "import os, sys\n"
        "from xjwc_desktop.core.storage.database import open_database\n"
        "from xjwc_desktop.core.model import Case\n"
        "db = open_database(sys.argv[1])\n"
        "with db.write() as s:\n"
        "    s.get(Case, sys.argv[2]).description = '崩溃前保存'\n"
        "os._exit(9)  # no clean shutdown, no checkpoint\n")
    done = subprocess.run([sys.executable, "-c", script, str(db.path), case.id])
    assert done.returncode == 9
    again = open_database(db.path)
    try:
        [e] = entries(again)
        assert (e.tbl, e.row_id, e.op) == ("cases", case.id, "update")
    finally:
        again.close()


def test_freezing_sends_only_changed_fields_and_drops_bookkeeping_only_edits(db):
    case = first_case(db)
    other = None
    with db.write() as s:
        s.get(Case, case.id).address = "政立路 505 弄"
        other = s.scalar(select(Case).where(Case.id != case.id).limit(1))
        other.written_by = "someone"  # bookkeeping only: nothing to send
    with db.engine.begin() as conn:
        assert outbox.freeze(conn) == 1
        [change] = outbox.frozen_changes(conn, limit=10)
    assert change["op"] == "update"
    assert change["new"] == {"address": "政立路 505 弄"}
    # The base of the fields the merge looks at, and what the zone check reads; the hash
    # of the whole row stands for the rest.
    assert change["base"] == {"address": case.address, "zone_code": case.zone_code.value}
    assert isinstance(change["row_hash"], int)


def test_a_frozen_change_keeps_its_id_and_a_new_edit_opens_a_new_entry(db):
    case = first_case(db)
    with db.write() as s:
        s.get(Case, case.id).address = "一"
    with db.engine.begin() as conn:
        outbox.freeze(conn)
        [first] = outbox.frozen_changes(conn, limit=10)
    with db.write() as s:
        s.get(Case, case.id).address = "二"
    with db.engine.begin() as conn:
        outbox.freeze(conn)
        changes = outbox.frozen_changes(conn, limit=10)
    assert [c["id"] for c in changes][0] == first["id"]
    assert changes[1]["base"]["address"] == "一"
    assert changes[1]["new"] == {"address": "二"}


def test_an_unsent_row_deleted_again_is_forgotten(db):
    from xjwc_desktop.core.model import CaseNote

    case = first_case(db)
    with db.write() as s:
        note = CaseNote(case_id=case.id, author="张三", at=clock.now(), text="临时")
        s.add(note)
        s.flush()
        note_id = note.id
    with db.write() as s:
        s.delete(s.get(CaseNote, note_id))
    assert entries(db) == []


def test_applying_pulled_rows_queues_nothing(db):
    case = first_case(db)
    with applying(db.engine) as conn:
        conn.execute(text("UPDATE cases SET description = 'from the server' WHERE id = :i"),
                     {"i": case.id})
    assert entries(db) == []


def test_history_stays_append_only_outside_the_sync_engine(db):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET note = 'rewritten'"))


def test_adopting_a_database_queues_every_row_once(db):
    with db.engine.begin() as conn:
        queued = outbox.adopt_existing_rows(conn)
        total = sum(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                    for t in ("cases", "case_events", "unit_grids", "categories"))
        again = outbox.adopt_existing_rows(conn)
    assert queued >= total
    assert again == queued
    assert len(entries(db)) == queued


def test_the_trigger_base_is_valid_json_even_for_hostile_text(db):
    case = first_case(db)
    evil = '"}\', DROP TABLE cases; -- \u0000 \\'
    with applying(db.engine) as conn:  # as if it came from the server
        conn.execute(text("UPDATE cases SET description = :d WHERE id = :i"),
                     {"d": evil, "i": case.id})
    with db.write() as s:
        s.get(Case, case.id).description = "再改"
    [e] = entries(db)
    assert json.loads(e.base)["description"] == evil


# -- new rows frozen with their id only, read from their tables when sent -----------------
def _new_notes(db, texts: list[str]) -> list[str]:
    from xjwc_desktop.core.model import CaseNote

    case = first_case(db)
    ids = []
    with db.write() as s:
        for t in texts:
            note = CaseNote(case_id=case.id, author="张三", at=clock.now(), text=t)
            s.add(note)
            s.flush()
            ids.append(note.id)
    return ids


@contextlib.contextmanager
def _with_twin(db, tmp_path):
    """``(db, twin)``: the database reopened and a byte-for-byte copy of it, both closed
    after."""
    db.close()
    twin_path = tmp_path / "twin.sqlite"
    shutil.copyfile(db.path, twin_path)
    db, twin = open_database(db.path), open_database(twin_path)
    try:
        yield db, twin
    finally:
        twin.close()
        db.close()


def _sent(db, *, from_tables: bool) -> list[dict]:
    with db.engine.begin() as conn:
        outbox.freeze(conn, inserts_from_tables=from_tables)
        return outbox.frozen_changes(conn, limit=100)


HOSTILE_NOTES = ['"}\', DROP TABLE cases; -- \u0000 \\', "<script>alert(1)</script>",
                 "第一行\n第二行 🚲 𠀀 \u2028", "{\"op\":\"insert\",\"row\":null}"]


def test_new_rows_frozen_by_id_are_sent_as_the_frozen_payload_would_be(db, tmp_path):
    _new_notes(db, HOSTILE_NOTES)
    with _with_twin(db, tmp_path) as (db, twin):
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM sync_outbox WHERE op = 'insert'"))\
                .scalar_one() == len(HOSTILE_NOTES)
        bare, payload = _sent(db, from_tables=True), _sent(twin, from_tables=False)
        with db.engine.connect() as conn:
            # Frozen with the id alone: nothing written but the id, one per change.
            assert conn.execute(text(
                "SELECT count(*) FROM sync_outbox WHERE payload IS NULL AND change_id IS NOT NULL")
            ).scalar_one() == len(HOSTILE_NOTES)
        assert [{**c, "id": None} for c in bare] == [{**c, "id": None} for c in payload]
        from xjwc_desktop.core.ids import is_uuid7

        assert all(is_uuid7(c["id"]) for c in bare)
        assert len({c["id"] for c in bare}) == len(bare)


def test_a_row_written_after_its_insert_was_frozen_goes_as_it_was_frozen(db, tmp_path):
    """The edit, the deletion and the edit-then-deletion come after, as changes of their
    own: nothing of them is lost, and the insert is what it was when frozen."""
    from xjwc_desktop.core.model import CaseNote

    ids = _new_notes(db, ["一", "二", "三", "四"])
    with _with_twin(db, tmp_path) as (db, twin):
        sent = []
        for database, from_tables in ((db, True), (twin, False)):
            with database.engine.begin() as conn:
                outbox.freeze(conn, inserts_from_tables=from_tables)
            with database.write() as s:
                s.get(CaseNote, ids[0]).text = "一改"
                s.delete(s.get(CaseNote, ids[1]))
                s.get(CaseNote, ids[2]).text = "三改"
            with database.write() as s:
                s.delete(s.get(CaseNote, ids[2]))
                s.get(CaseNote, ids[0]).text = "一再改"
            sent.append(_sent(database, from_tables=from_tables))
        bare, payload = sent
        assert [{**c, "id": None} for c in bare] == [{**c, "id": None} for c in payload]
        inserts = {c["row_id"]: c["row"]["text"] for c in bare if c["op"] == "insert"}
        assert inserts == {ids[0]: "一", ids[1]: "二", ids[2]: "三", ids[3]: "四"}
        later = [(c["row_id"], c["op"], (c.get("new") or {}).get("text")) for c in bare
                 if c["op"] != "insert"]
        assert later == [(ids[0], "update", "一再改"), (ids[1], "delete", None),
                         (ids[2], "delete", None)]


def test_a_new_row_gone_without_a_trace_is_named_and_not_sent(db):
    ids = _new_notes(db, ["一", "二"])
    with db.engine.begin() as conn:
        outbox.freeze(conn)
    with applying(db.engine) as conn:  # the triggers quiet: no entry says it went
        conn.execute(text("DELETE FROM case_notes WHERE id = :i"), {"i": ids[0]})
    gone: list[str] = []
    with db.engine.connect() as conn:
        changes = outbox.frozen_changes(conn, limit=10, gone=gone)
        ids_by_row = dict(conn.execute(text(
            "SELECT row_id, change_id FROM sync_outbox")).all())
    assert [c["row_id"] for c in changes] == [ids[1]]
    assert gone == [ids_by_row[ids[0]]]
