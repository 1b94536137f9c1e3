"""Every path through the closed loop, on fresh cases in the demo database, with fixed times.

Times are in March 2016 (2016-03-01 is a Tuesday; 03-05/06 a weekend; no holiday that month).
暴露垃圾 has a limit of 1 working day = 480 working minutes (09:00-17:00).
"""

from __future__ import annotations

import pytest

from tests.core.workflow_helpers import (
    CHENGGUAN,
    SANITATION,
    D,
    S,
    case_in,
    dept_id,
    events,
    new_case,
    row,
    snapshot,
    step,
    writes,
)
from xjwc_desktop.core.workflow import Action, Role, WorkflowError, case_as_dict, find_case
from xjwc_desktop.core.worktime import default_calendar


def test_the_normal_loop_sets_every_timestamp_and_writes_six_history_steps(demo_db) -> None:
    with demo_db.write() as s:
        made = new_case(s, at=D(2016, 3, 1, 9, 30))
        ref = made.case_no  # the case number works wherever the id does
        step(s, ref, Action.REGISTER, Role.INTAKE, D(2016, 3, 1, 9, 40))
        step(s, made.case_id, Action.DISPATCH, Role.DISPATCHER, D(2016, 3, 1, 10),
             department=SANITATION, note="请尽快清运")
        step(s, ref, Action.HANDLE, Role.DEPARTMENT, D(2016, 3, 1, 14), note="已清运")
        step(s, ref, Action.VERIFY, Role.INSPECTOR, D(2016, 3, 1, 15), note="现场已整洁")
        last = step(s, ref, Action.CLOSE, Role.SUPERVISOR, D(2016, 3, 1, 16))
        sanitation = dept_id(s, SANITATION)
    assert (last.from_status, last.to_status, last.event_seq) == (S.VERIFIED, S.CLOSED, 6)
    with demo_db.write() as s:  # what a later reader sees, after the commit
        case = row(s, made.case_id)
        shown = case_as_dict(s, find_case(s, made.case_id), now=D(2016, 3, 9, 12))
    assert case["status"] == "closed"
    assert case["department_id"] == sanitation
    assert [case[k] for k in ("reported_at", "registered_at", "dispatched_at", "handled_at",
                              "verified_at", "closed_at")] == [
        "2016-03-01 09:30:00.000000", "2016-03-01 09:40:00.000000",
        "2016-03-01 10:00:00.000000", "2016-03-01 14:00:00.000000",
        "2016-03-01 15:00:00.000000", "2016-03-01 16:00:00.000000"]
    # Registered Tue 09:40 + 480 working minutes: 440 on Tuesday, 40 on Wednesday.
    assert case["deadline_at"] == "2016-03-02 09:40:00.000000"
    assert case["voided_at"] is None
    assert shown["department_name"] == SANITATION
    assert shown["allowed_actions"] == []
    # Handled Tue 14:00: 260 of 480 minutes used (54 %); the clock stopped there.
    assert shown["deadline"]["used_percent"] == 54.2
    assert shown["deadline"]["light"] == "green"
    assert [(h["seq"], h["action"], h["from"], h["to"], h["role"], h["note"])
            for h in shown["history"]] == [
        (1, "report", None, "reported", "巡查员", None),
        (2, "register", "reported", "registered", "受理员", None),
        (3, "dispatch", "registered", "dispatched", "派遣员", "请尽快清运"),
        (4, "handle", "dispatched", "handled", "处置部门", "已清运"),
        (5, "verify", "handled", "verified", "巡查员", "现场已整洁"),
        (6, "close", "verified", "closed", "值班长", None)]
    assert shown["history"][2]["department_id"] == sanitation
    assert shown["history"][5]["at"] == "2016-03-01 16:00:00"
    assert {h["actor"] for h in shown["history"][1:]} == {"测试员"}


def test_void_from_intake_ends_the_case(demo_db) -> None:
    with demo_db.write() as s:
        case_id = case_in(s, S.REPORTED)
        step(s, case_id, Action.VOID, Role.INTAKE, D(2016, 3, 1, 10), note="重复上报")
        shown = case_as_dict(s, find_case(s, case_id))
    assert (shown["status"], shown["voided_at"]) == ("voided", "2016-03-01 10:00:00")
    assert shown["registered_at"] is None
    assert shown["allowed_actions"] == []
    assert shown["deadline"]["light"] == "none"
    assert [(h["action"], h["to"], h["note"]) for h in shown["history"]] == [
        ("report", "reported", None), ("void", "voided", "重复上报")]


@pytest.mark.parametrize(("status", "back_to", "cleared", "kept"), [
    (S.REGISTERED, S.REPORTED, ("registered_at", "deadline_at"), ("reported_at",)),
    (S.DISPATCHED, S.REGISTERED, ("dispatched_at", "department_id"),
     ("registered_at", "deadline_at")),
    (S.HANDLED, S.DISPATCHED, ("handled_at",), ("dispatched_at", "department_id")),
    (S.VERIFIED, S.HANDLED, ("verified_at",), ("handled_at", "department_id")),
])
def test_return_goes_back_one_step_and_undoes_it(demo_db, status, back_to, cleared,
                                                 kept) -> None:
    with demo_db.write() as s:
        case_id = case_in(s, status)
        before = row(s, case_id)
        result = step(s, case_id, Action.RETURN, Role.SUPERVISOR, D(2016, 3, 1, 12),
                      note="材料不全")
        after, history = row(s, case_id), events(s, case_id)
    assert (result.from_status, result.to_status) == (status, back_to)
    assert after["status"] == back_to.value
    assert [before[k] is None for k in cleared + kept] == [False] * len(cleared + kept)
    assert [after[k] for k in cleared] == [None] * len(cleared)
    assert [after[k] for k in kept] == [before[k] for k in kept]
    assert (history[-1]["action"], history[-1]["from_status"], history[-1]["to_status"],
            history[-1]["note"]) == ("return", status.value, back_to.value, "材料不全")
    assert history[-1]["seq"] == result.event_seq == len(history)


def test_rework_sends_the_case_back_to_dispatch_and_keeps_both_handlings(demo_db) -> None:
    with demo_db.write() as s:
        case_id = case_in(s, S.HANDLED)  # handled at 10:00
        step(s, case_id, Action.REWORK, Role.INSPECTOR, D(2016, 3, 1, 11), note="仍有垃圾")
        reworked = row(s, case_id)
        step(s, case_id, Action.HANDLE, Role.DEPARTMENT, D(2016, 3, 1, 13), note="复清")
        step(s, case_id, Action.VERIFY, Role.INSPECTOR, D(2016, 3, 1, 14))
        step(s, case_id, Action.CLOSE, Role.SUPERVISOR, D(2016, 3, 1, 15))
        final, history = row(s, case_id), events(s, case_id)
    assert (reworked["status"], reworked["rework_count"]) == ("dispatched", 1)
    assert reworked["handled_at"] is None
    assert reworked["dispatched_at"] is not None
    assert (final["status"], final["rework_count"]) == ("closed", 1)
    assert final["handled_at"] == "2016-03-01 13:00:00.000000"
    assert [e["action"] for e in history] == [
        "report", "register", "dispatch", "handle", "rework", "handle", "verify", "close"]
    assert [e["note"] for e in history if e["action"] == "handle"] == ["已清运", "复清"]
    assert [e["seq"] for e in history] == list(range(1, 9))


def test_extension_requested_by_the_department_and_approved_by_the_supervisor(demo_db) -> None:
    with demo_db.write() as s:
        # Registered Thu 2016-03-03 10:00 (+480 min) -> deadline Fri 03-04 10:00.
        case_id = case_in(s, S.DISPATCHED, at=D(2016, 3, 3, 9, 50))
        assert row(s, case_id)["deadline_at"] == "2016-03-04 10:00:00.000000"
        step(s, case_id, Action.REQUEST_EXTENSION, Role.DEPARTMENT, D(2016, 3, 3, 11),
             hours=8, note="需调用大型车辆")
        requested = row(s, case_id)
        step(s, case_id, Action.EXTEND, Role.SUPERVISOR, D(2016, 3, 3, 12), note="同意")
        approved = row(s, case_id)
    assert requested["status"] == "dispatched"
    assert requested["extension_requested_hours"] == 8.0
    assert requested["deadline_at"] == "2016-03-04 10:00:00.000000"  # not before approval
    # Fri 10:00 + 8 working hours: 7 h on Friday, the weekend off, 1 h on Monday 03-07.
    assert approved["deadline_at"] == "2016-03-07 10:00:00.000000"
    assert (approved["extension_hours"], approved["extension_requested_hours"]) == (8.0, 0.0)
    assert approved["status"] == "dispatched"


def test_supervisor_extends_directly_by_hours_and_extensions_add_up(demo_db) -> None:
    cal = default_calendar()
    with demo_db.write() as s:
        case_id = case_in(s, S.REGISTERED)  # registered Tue 09:40 -> deadline Wed 09:40
        step(s, case_id, Action.EXTEND, Role.SUPERVISOR, D(2016, 3, 1, 11), hours=3,
             note="天气原因")
        once = row(s, case_id)
        step(s, case_id, Action.EXTEND, Role.SUPERVISOR, D(2016, 3, 1, 12), hours=6.5,
             note="再延")
        twice = row(s, case_id)
    assert once["deadline_at"] == "2016-03-02 12:40:00.000000"  # Wed 09:40 + 3 h
    # 12:40 + 6.5 h = 4 h 20 min to 17:00, 2 h 10 min on Thu 03-03 -> 11:10.
    assert twice["deadline_at"] == "2016-03-03 11:10:00.000000"
    assert twice["extension_hours"] == 9.5
    assert cal.working_minutes_between(D(2016, 3, 2, 9, 40), D(2016, 3, 3, 11, 10)) == 570


def test_suspend_and_resume_across_a_weekend_moves_the_deadline(demo_db) -> None:
    with demo_db.write() as s:
        # Registered Fri 2016-03-04 10:00: 420 min on Friday + 60 on Monday -> Mon 10:00.
        case_id = case_in(s, S.DISPATCHED, at=D(2016, 3, 4, 9, 50))
        before = row(s, case_id)
        step(s, case_id, Action.SUSPEND, Role.SUPERVISOR, D(2016, 3, 4, 15), note="待协调")
        suspended = row(s, case_id)
        step(s, case_id, Action.RESUME, Role.SUPERVISOR, D(2016, 3, 7, 10))
        resumed = row(s, case_id)
    assert before["deadline_at"] == "2016-03-07 10:00:00.000000"
    assert (suspended["status"], suspended["suspended_from"]) == ("suspended", "dispatched")
    assert suspended["suspended_at"] == "2016-03-04 15:00:00.000000"
    # Suspended Fri 15:00 -> Mon 10:00 = 120 (Fri 15-17) + 60 (Mon 9-10) working minutes;
    # the deadline moves by them: Mon 10:00 + 180 min = Mon 13:00.
    assert resumed["deadline_at"] == "2016-03-07 13:00:00.000000"
    assert resumed["status"] == "dispatched"
    assert (resumed["suspended_at"], resumed["suspended_from"]) == (None, None)
    assert (resumed["department_id"], resumed["dispatched_at"]) == (
        before["department_id"], before["dispatched_at"])


@pytest.mark.parametrize("status", [S.REGISTERED, S.DISPATCHED, S.HANDLED])
def test_resume_returns_to_the_state_the_case_was_suspended_from(demo_db, status) -> None:
    with demo_db.write() as s:
        case_id = case_in(s, status)
        step(s, case_id, Action.SUSPEND, Role.SUPERVISOR, D(2016, 3, 1, 12), note="挂账")
        result = step(s, case_id, Action.RESUME, Role.ADMIN, D(2016, 3, 1, 13))
        history = events(s, case_id)
    assert (result.from_status, result.to_status) == (S.SUSPENDED, status)
    assert [(e["from_status"], e["to_status"]) for e in history[-2:]] == [
        (status.value, "suspended"), ("suspended", status.value)]


def test_escalation_marks_the_case_and_keeps_its_state(demo_db) -> None:
    with demo_db.write() as s:
        case_id = case_in(s, S.DISPATCHED)
        step(s, case_id, Action.ESCALATE, Role.SUPERVISOR, D(2016, 3, 1, 12), note="领导督办")
        case, last = row(s, case_id), events(s, case_id)[-1]
    assert (case["status"], case["escalated"]) == ("dispatched", 1)
    assert (last["action"], last["from_status"], last["to_status"], last["note"]) == (
        "escalate", "dispatched", "dispatched", "领导督办")


def test_reassign_moves_the_case_to_another_department_only(demo_db) -> None:
    with demo_db.write() as s:
        case_id = case_in(s, S.DISPATCHED)  # dispatched to 作业队/保洁服务社 at 09:50
        step(s, case_id, Action.REASSIGN, Role.DISPATCHER, D(2016, 3, 1, 11),
             department=CHENGGUAN, note="属城管职责")
        case, last = row(s, case_id), events(s, case_id)[-1]
        chengguan = dept_id(s, CHENGGUAN)
        before, written = snapshot(s, case_id), writes(s)
        with pytest.raises(WorkflowError) as refused:
            step(s, case_id, Action.REASSIGN, Role.DISPATCHER, D(2016, 3, 1, 12),
                 department=CHENGGUAN, note="再派一次")
        assert (snapshot(s, case_id), writes(s)) == (before, written)
    assert (case["status"], case["department_id"]) == ("dispatched", chengguan)
    assert case["dispatched_at"] == "2016-03-01 09:50:00.000000"
    assert (last["action"], last["department_id"], last["note"]) == (
        "reassign", chengguan, "属城管职责")
    message = str(refused.value)
    assert case["case_no"] in message
    assert CHENGGUAN in message
    assert "另一个部门" in message
