"""The concurrent-edit matrix, end to end: two workstations, a real server (SQLite and
PostgreSQL), edits made offline, synced in turn; every workstation ends with the server's
content, and what could not merge is in a conflict record."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.server.sync_helpers import server_digests
from xjwc_desktop.core.model import CaseEvent, SyncConflict
from xjwc_desktop.core.sync.conflicts import list_conflicts, resolve_conflict
from xjwc_desktop.core.workflow.engine import Actor, WorkflowError
from xjwc_desktop.core.workflow.rules import Role


@pytest.fixture
def pair(server_url, make_server, make_workstation):
    server = make_server(server_url)
    a = make_workstation(server, "值班台A")
    b = make_workstation(server, "值班台B")
    return server, a, b


def settle(server, *stations):
    """Everyone syncs until nothing moves; then all hold exactly the server's rows."""
    for _ in range(2):
        for ws in stations:
            ws.sync()
    expected = server_digests(server.db)
    for ws in stations:
        assert ws.digests() == expected, ws.path.name


def conflicts(ws):
    with ws.db.write() as s:
        return list_conflicts(s)


def shared_case(server, a, b, **edits) -> str:
    case_no = a.new_case(**edits)
    a.sync()
    b.sync()
    assert b.case(case_no) is not None
    return case_no


def test_a_new_workstation_gets_everything_and_edits_travel_both_ways(pair):
    server, a, b = pair
    first = a.new_case(description="国伟路洗车场噪声")
    a.step(first, "register", "intake")
    a.step(first, "dispatch", "dispatcher", department="城管中队")
    a.sync()
    b.sync()
    case = b.case(first)
    assert case.status.value == "dispatched"
    assert case.description == "国伟路洗车场噪声"
    assert b.scalar("SELECT count(*) FROM case_events WHERE case_id = :c", c=case.id) == 3
    b.edit(first, address="国伟路 100 号")
    b.sync()
    a.sync()
    assert a.case(first).address == "国伟路 100 号"
    settle(server, a, b)


def test_edits_to_different_fields_merge(pair):
    server, a, b = pair
    case_no = shared_case(server, a, b)
    a.edit(case_no, address="政立路 505 弄")
    b.edit(case_no, description="垃圾堆放三天未清")
    a.sync()
    b.sync()
    settle(server, a, b)
    for ws in (a, b):
        case = ws.case(case_no)
        assert (case.address, case.description) == ("政立路 505 弄", "垃圾堆放三天未清")
    assert conflicts(a) == []


def test_identical_edits_are_no_conflict(pair):
    server, a, b = pair
    case_no = shared_case(server, a, b)
    a.edit(case_no, description="同一内容")
    b.edit(case_no, description="同一内容")
    settle(server, a, b)
    assert conflicts(a) == []
    assert conflicts(b) == []


def test_same_field_first_synced_stands_and_the_other_is_kept(pair):
    server, a, b = pair
    case_no = shared_case(server, a, b)
    a.edit(case_no, description="A 的描述")
    b.edit(case_no, description="B 的描述")
    a.sync()
    report = b.sync()
    assert report.conflicts == 1
    settle(server, a, b)
    assert a.case(case_no).description == b.case(case_no).description == "A 的描述"
    [c] = conflicts(a)
    assert (c.kind, c.fields, c.kept, c.lost) == (
        "field", ["description"], {"description": "A 的描述"}, {"description": "B 的描述"})
    assert c.label == case_no
    assert c.lost_device == "值班台B"
    # The operator takes B's value: it travels like any edit and the record closes.
    with b.db.write() as s:
        resolve_conflict(s, c.id, "take", actor=Actor(Role.SUPERVISOR, "张班长"),
                         workstation_id=b.db.workstation_id)
    settle(server, a, b)
    assert a.case(case_no).description == "B 的描述"
    assert conflicts(a) == []


def test_two_dispatches_of_one_case_are_one_history_and_a_conflict(pair):
    server, a, b = pair
    case_no = shared_case(server, a, b)
    a.step(case_no, "register", "intake")
    a.sync()
    b.sync()
    a.step(case_no, "dispatch", "dispatcher", department="城管中队")
    b.step(case_no, "dispatch", "dispatcher", department="房办", note="B 派给房办")
    a.sync()
    b.sync()
    settle(server, a, b)
    for ws in (a, b):
        case = ws.case(case_no)
        with ws.db.write() as s:
            events = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.seq)).all()
        assert [e.action for e in events] == ["report", "register", "dispatch"]
        assert events[-1].note is None  # A's dispatch, not B's
    [c] = conflicts(b)
    assert c.kind == "workflow"
    assert c.choices == ("keep", "redo")
    assert [e["note"] for e in c.detail["events"]] == ["B 派给房办"]
    # Dispatching again is not allowed in 派遣: the engine says so, the record stays open.
    with pytest.raises(WorkflowError), b.db.write() as s:
        resolve_conflict(s, c.id, "redo", actor=Actor(Role.DISPATCHER),
                         workstation_id=b.db.workstation_id)
    assert len(conflicts(b)) == 1


def test_a_lost_step_can_be_taken_again_when_it_still_fits(pair):
    server, a, b = pair
    case_no = shared_case(server, a, b)
    a.step(case_no, "register", "intake")
    a.step(case_no, "dispatch", "dispatcher", department="城管中队")
    a.sync()
    b.sync()
    a.step(case_no, "escalate", "supervisor", note="A 督办")
    b.step(case_no, "request_extension", "department", hours=8, note="B 申请延期")
    a.sync()
    b.sync()
    settle(server, a, b)
    [c] = conflicts(a)
    with a.db.write() as s:
        done = resolve_conflict(s, c.id, "redo", actor=Actor(Role.DEPARTMENT),
                                workstation_id=a.db.workstation_id)
    assert "申请延期" in done
    settle(server, a, b)
    case = b.case(case_no)
    assert case.escalated
    assert case.extension_requested_hours == 8


def test_an_edit_to_a_deleted_case_is_kept_not_dropped(pair):
    server, a, b = pair
    case_no = shared_case(server, a, b)
    a.delete(case_no)
    b.edit(case_no, description="删除后才到的修改")
    a.sync()
    b.sync()
    settle(server, a, b)
    assert b.case(case_no).deleted_at is not None
    [c] = conflicts(b)
    assert c.kind == "edit_on_deleted"
    assert c.lost == {"description": "删除后才到的修改"}
    with b.db.write() as s:
        resolve_conflict(s, c.id, "take", actor=Actor(Role.SUPERVISOR),
                         workstation_id=b.db.workstation_id)
    settle(server, a, b)
    case = a.case(case_no)
    assert case.deleted_at is None
    assert case.description == "删除后才到的修改"


def test_deleting_what_someone_else_just_changed_is_recorded(pair):
    server, a, b = pair
    case_no = shared_case(server, a, b)
    a.edit(case_no, address="新地址")
    a.sync()
    b.delete(case_no)  # B never saw the new address
    b.sync()
    settle(server, a, b)
    assert a.case(case_no).deleted_at is not None
    [c] = conflicts(a)
    assert c.kind == "delete_after_edit"
    assert c.detail["unseen"] == {"address": "新地址"}
    assert c.lost == {"deleted_at": None}
    # 采用此值: the case is not deleted after all, with the address it had.
    with a.db.write() as s:
        resolve_conflict(s, c.id, "take", actor=Actor(Role.SUPERVISOR),
                         workstation_id=a.db.workstation_id)
    settle(server, a, b)
    assert b.case(case_no).deleted_at is None
    assert b.case(case_no).address == "新地址"


def test_two_deletes_are_no_conflict(pair):
    server, a, b = pair
    case_no = shared_case(server, a, b)
    a.delete(case_no)
    b.delete(case_no)
    settle(server, a, b)
    assert conflicts(a) == []
    assert a.case(case_no).deleted_at is not None


def test_one_work_order_taken_in_twice_keeps_the_first_and_the_second_aside(pair):
    server, a, b = pair
    a_no = a.new_case(external_no="12345-2026-0001", description="A 受理")
    b_no = b.new_case(external_no="12345-2026-0001", description="B 受理")
    assert a_no != b_no  # enrolled workstations number in their own blocks
    a.sync()
    report = b.sync()
    assert report.set_aside == 2  # the case and its first history event
    settle(server, a, b)
    assert b.case(b_no) is None
    assert b.case(a_no).description == "A 受理"
    [c] = conflicts(b)
    assert c.kind == "duplicate"
    assert c.lost["description"] == "B 受理"
    assert c.fields == ["source", "external_no"]
    assert [child["action"] for child in c.detail["children"]] == ["report"]


def test_cases_from_before_enrollment_are_renumbered_if_taken(server_url, make_server,
                                                               make_workstation, tmp_path):
    from tests.server.sync_helpers import Workstation
    from xjwc_desktop.core.storage.database import open_database
    from xjwc_desktop.core.storage.reference import install_reference_data

    server = make_server(server_url)
    stations = []
    for name in ("离线一", "离线二"):
        path = tmp_path / f"{name}.sqlite"
        db = open_database(path, create=True)
        with db.write() as s:
            install_reference_data(s, db.workstation_id)
        db.close()
        ws = Workstation(path, server.url, server.enroll(name))
        stations.append(ws)
    one, two = stations
    try:
        first = one.new_case(description="一号台受理")
        second = two.new_case(description="二号台受理")
        assert first == second  # both numbered before they had a device number
        one.sync()
        two.sync()
        settle(server, one, two)
        kept = two.scalar("SELECT description FROM cases WHERE case_no = :n", n=first)
        assert kept == "一号台受理"
        [c] = conflicts(two)
        assert c.kind == "renumbered"
        assert c.lost == {"case_no": first}
        renumbered = c.kept["case_no"]
        assert two.scalar("SELECT description FROM cases WHERE case_no = :n",
                          n=renumbered) == "二号台受理"
    finally:
        for ws in stations:
            ws.close()


def test_conflict_records_carry_no_executable_text(pair):
    """A citizen's complaint text stays data in the conflict record (JSON, never SQL)."""
    server, a, b = pair
    case_no = shared_case(server, a, b)
    evil = "'); DROP TABLE cases; --<script>alert(1)</script>"
    a.edit(case_no, description=evil)
    b.edit(case_no, description="正常描述")
    a.sync()
    b.sync()
    settle(server, a, b)
    with b.db.write() as s:
        record = s.scalar(select(SyncConflict))
    assert json.loads(record.kept) == {"description": evil}
    assert a.scalar("SELECT count(*) FROM cases") > 0


def test_steps_on_known_cases_and_new_cases_land_whole_in_one_push(pair):
    """The server sends a push's new rows table by table, parents first: a history event
    of a case it knows comes before a new case in the push, and the new case's own event
    after it; every row lands, none is set aside."""
    server, a, b = pair
    known = shared_case(server, a, b, description="已同步的案件")
    a.step(known, "register", "intake")  # an event of a case the server has
    fresh = a.new_case(description="离线时受理")  # then a new case and its first event
    a.step(fresh, "register", "intake")
    report = a.sync()
    assert report.set_aside == 0
    settle(server, a, b)
    assert b.case(fresh).status.value == "registered"
    assert b.case(known).status.value == "registered"
    assert conflicts(b) == []
