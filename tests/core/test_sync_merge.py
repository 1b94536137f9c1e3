"""The server's merge rules as pure functions (no server needed)."""

from __future__ import annotations

from xjwc_desktop.core.sync import merge
from xjwc_desktop.core.sync.codec import row_hash, to_sqlite, to_wire, wire_converter
from xjwc_desktop.core.sync.schema import CASE_WORKFLOW, synced_table

CASES = synced_table("cases")
NOTES = synced_table("case_notes")

BASE = {"id": "c1", "status": "registered", "department_id": None, "dispatched_at": None,
        "description": "原描述", "address": "原地址", "deleted_at": None, "voided_at": None,
        "updated_at": "2026-11-30 09:00:00.000000", "written_by": "ws0"}


def test_different_fields_merge():
    server = {**BASE, "address": "服务器改的地址"}
    d = merge.decide_update(CASES, server, BASE, {"description": "我改的描述"})
    assert d.apply == {"description": "我改的描述"}
    assert d.conflicts == []


def test_the_same_edit_twice_is_no_conflict():
    server = {**BASE, "description": "同样"}
    d = merge.decide_update(CASES, server, BASE, {"description": "同样"})
    assert (d.apply, d.conflicts, d.outcome) == ({}, [], "unchanged")


def test_the_same_field_keeps_the_server_value_and_records_mine():
    server = {**BASE, "description": "先到的"}
    d = merge.decide_update(CASES, server, BASE, {"description": "后到的"})
    assert d.apply == {}
    [c] = d.conflicts
    assert (c.kind, c.fields, c.base, c.kept, c.lost) == (
        "field", ["description"], {"description": "原描述"}, {"description": "先到的"},
        {"description": "后到的"})


def test_workflow_fields_merge_as_one_unit():
    # Server: dispatched to 城管. Mine: voided from the same registered state. A per-field
    # merge would leave a dispatched case with a void date; the unit refuses it.
    server = {**BASE, "status": "dispatched", "department_id": "d1",
              "dispatched_at": "2026-11-30 10:00:00.000000"}
    mine = {"status": "voided", "voided_at": "2026-11-30 10:05:00.000000"}
    d = merge.decide_update(CASES, server, BASE, mine)
    assert d.apply == {}
    [c] = d.conflicts
    assert c.kind == "workflow"
    assert set(c.fields) <= CASE_WORKFLOW
    assert c.lost["voided_at"] == "2026-11-30 10:05:00.000000"


def _dispatch(dept: str, at: str) -> dict:
    return {"status": "dispatched", "department_id": dept, "dispatched_at": at}


def test_two_dispatches_give_the_same_record_whatever_the_timing():
    # What an operator reads must not depend on how fast two people clicked: the same
    # second (equal stamps), a second apart, even the same department.
    records = []
    for server_at, mine_at, dept in (("2026-11-30 10:00:00", "2026-11-30 10:00:00", "d2"),
                                     ("2026-11-30 10:00:00", "2026-11-30 10:00:01", "d2"),
                                     ("2026-11-30 10:00:00", "2026-11-30 10:00:00", "d1"),
                                     ("2026-11-30 10:00:01", "2026-11-30 10:00:00", "d1")):
        server = {**BASE, **_dispatch("d1", server_at)}
        d = merge.decide_update(CASES, server, BASE, _dispatch(dept, mine_at))
        assert d.apply == {}
        [c] = d.conflicts
        assert c.kind == "workflow"
        assert c.lost == _dispatch(dept, mine_at)
        assert c.kept == _dispatch("d1", server_at)
        assert c.base == {"status": "registered", "department_id": None, "dispatched_at": None}
        records.append(c.fields)
    assert records == [["department_id", "dispatched_at", "status"]] * 4


def test_a_workflow_step_and_a_text_edit_merge():
    server = {**BASE, "description": "服务器改的"}
    mine = {"status": "dispatched", "department_id": "d1"}
    d = merge.decide_update(CASES, server, BASE, mine)
    assert d.apply == mine
    assert d.conflicts == []


def test_an_edit_to_a_deleted_row_is_a_conflict_not_a_write():
    server = {**BASE, "deleted_at": "2026-11-30 11:00:00.000000"}
    d = merge.decide_update(CASES, server, BASE, {"description": "迟到的修改"})
    assert d.apply == {}
    assert d.conflicts[0].kind == "edit_on_deleted"
    assert d.conflicts[0].lost == {"description": "迟到的修改"}


def test_two_deletions_are_one():
    server = {**BASE, "deleted_at": "2026-11-30 11:00:00.000000"}
    d = merge.decide_update(CASES, server, BASE, {"deleted_at": "2026-11-30 11:05:00.000000"})
    assert (d.apply, d.conflicts) == ({}, [])


def test_deleting_an_edited_row_deletes_it_and_says_what_was_unseen():
    server = {**BASE, "address": "新地址"}
    d = merge.decide_update(CASES, server, BASE, {"deleted_at": "2026-11-30 11:05:00.000000"})
    assert d.apply == {"deleted_at": "2026-11-30 11:05:00.000000"}
    [c] = d.conflicts
    assert c.kind == "delete_after_edit"
    assert c.fields == ["address"]
    assert (c.kept, c.lost) == ({"deleted_at": "2026-11-30 11:05:00.000000"}, {"deleted_at": None})
    assert c.detail == {"unseen": {"address": "新地址"}}


def test_restoring_a_deleted_row_applies_with_its_edit():
    server = {**BASE, "deleted_at": "2026-11-30 11:00:00.000000"}
    base = dict(server)
    d = merge.decide_update(CASES, server, base, {"deleted_at": None, "description": "恢复"})
    assert d.apply == {"deleted_at": None, "description": "恢复"}


def test_an_edit_to_a_row_the_server_lacks_is_kept():
    d = merge.decide_update(NOTES, None, {"id": "n1", "text": "a"}, {"text": "b"})
    assert d.conflicts[0].kind == "missing"


def test_the_same_new_row_twice_is_nothing_and_a_different_one_a_conflict():
    row = {c: None for c in NOTES.columns} | {"id": "n1", "text": "备注", "case_id": "c1"}
    assert merge.decide_insert(NOTES, None, row).insert
    same = merge.decide_insert(NOTES, dict(row, written_by="other"), row)
    assert (same.insert, same.apply, same.conflicts) == (False, {}, [])
    other = merge.decide_insert(NOTES, dict(row, text="另一条"), row)
    assert other.conflicts[0].kind == "same_id"


def test_wire_values_round_trip_exactly():
    for kind, raw in [("real", 121.49955123456789), ("real", 0.1), ("bool", 1),
                      ("blob", b"\x01\x02\xff"), ("datetime", "2015-05-23 18:49:00.000000"),
                      ("datetime", "2015-05-23 18:49:00"), ("date", "2015-05-23"),
                      ("int", 7), ("text", "噪声'\"")]:
        wire = to_wire(kind, raw)
        back = to_sqlite(kind, wire)
        assert to_wire(kind, back) == wire
    assert to_wire("datetime", "2015-05-23 18:49:00") == "2015-05-23 18:49:00.000000"
    # A base's reals, as the triggers write them (17-digit text), read back exactly.
    assert to_wire("real", "121.49955123456789") == 121.49955123456789
    assert wire_converter(["real", "text"])(["121.49955123456789", "x"]) == \
        [121.49955123456789, "x"]


def test_row_hash_tells_rows_apart_and_fits_a_signed_64_bit_integer():
    a = row_hash(["x", 1.0, None])
    assert a == row_hash(["x", 1.0, None])
    assert a != row_hash(["x", 1.0000000000000002, None])
    assert 0 <= a < 2 ** 63
