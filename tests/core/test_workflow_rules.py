"""Refused steps change nothing and say why; the role matrix; bulk steps; two writers."""

from __future__ import annotations

import pytest

from tests.core.workflow_helpers import (
    CHENGGUAN,
    SANITATION,
    D,
    S,
    case_in,
    events,
    row,
    snapshot,
    step,
    writes,
)
from xjwc_desktop.core.storage.database import open_database
from xjwc_desktop.core.workflow import (
    RULES,
    Action,
    Actor,
    Role,
    WorkflowError,
    act,
    act_many,
    allowed_actions,
    find_case,
)

A, R = Action, Role
AT = D(2016, 3, 1, 12)

# (state the case is in, action, role, inputs, what the message must say)
REFUSALS = [
    pytest.param(S.REPORTED, A.DISPATCH, R.DISPATCHER, {"department": SANITATION},
                 ["当前状态为“受理”", "不能执行“派遣”", "立案、不予立案/作废、督办"],
                 id="dispatch-before-register"),
    pytest.param(S.CLOSED, A.CLOSE, R.SUPERVISOR, {},
                 ["当前状态为“结案”", "不能执行“结案”", "无（已办结）"], id="close-twice"),
    pytest.param(S.VOIDED, A.REGISTER, R.INTAKE, {}, ["当前状态为“作废”", "无（已办结）"],
                 id="register-voided"),
    pytest.param(S.DISPATCHED, A.RESUME, R.SUPERVISOR, {},
                 ["当前状态为“派遣”", "不能执行“恢复”", "处置反馈"], id="resume-not-suspended"),
    pytest.param(S.REPORTED, A.REGISTER, R.DEPARTMENT, {},
                 ["处置部门不能", "（受理）", "“立案”", "受理员", "值班长", "管理员"],
                 id="department-registers"),
    pytest.param(S.VERIFIED, A.CLOSE, R.INSPECTOR, {},
                 ["巡查员不能", "（核查）", "“结案”", "值班长", "管理员"], id="inspector-closes"),
    pytest.param(S.HANDLED, A.RETURN, R.DISPATCHER, {"note": "退回"},
                 ["派遣员不能", "（处置）", "“回退”", "值班长", "管理员"],
                 id="dispatcher-returns-handled"),
    pytest.param(S.REGISTERED, A.DISPATCH, R.DISPATCHER, {}, ["必须指定处置部门"],
                 id="no-department"),
    pytest.param(S.REGISTERED, A.DISPATCH, R.DISPATCHER, {"department": "环卫所"},
                 ["未知的处置部门“环卫所”", CHENGGUAN, SANITATION], id="unknown-department"),
    pytest.param(S.REPORTED, A.VOID, R.INTAKE, {"note": "   "}, ["“不予立案/作废”必须填写说明"],
                 id="no-note"),
    pytest.param(S.DISPATCHED, A.REQUEST_EXTENSION, R.DEPARTMENT, {"note": "来不及"},
                 ["必须注明延期的工作时数"], id="no-amount"),
    pytest.param(S.DISPATCHED, A.REQUEST_EXTENSION, R.DEPARTMENT, {"note": "x", "hours": -2},
                 ["必须注明延期的工作时数"], id="negative-amount"),
    pytest.param(S.REGISTERED, A.EXTEND, R.SUPERVISOR, {"note": "延"}, ["没有待批准的延期申请"],
                 id="extend-without-request"),
]


@pytest.mark.parametrize(("status", "action", "role", "inputs", "says"), REFUSALS)
def test_a_refused_step_changes_nothing_and_says_why(demo_db, status, action, role, inputs,
                                                    says) -> None:
    with demo_db.write() as s:
        case_id = case_in(s, status)
        case_no = row(s, case_id)["case_no"]
        before, written = snapshot(s, case_id), writes(s)
        with pytest.raises(WorkflowError) as refused:
            step(s, case_no, action, role, AT, **inputs)
        assert (snapshot(s, case_id), writes(s)) == (before, written)
    message = str(refused.value)
    if "未知的处置部门" not in message:  # that one names the department the user typed
        assert case_no in message
    for part in says:
        assert part in message


def test_an_unknown_case_is_refused_by_name(demo_db) -> None:
    with demo_db.write() as s:
        before, written = snapshot(s, None), writes(s)
        with pytest.raises(WorkflowError, match="找不到案件“XJW2099010100001”"):
            step(s, "XJW2099010100001", A.REGISTER, R.INTAKE, AT)
        assert (snapshot(s, None), writes(s)) == (before, written)


def test_a_refused_step_in_its_own_transaction_leaves_the_file_as_it_was(demo_db) -> None:
    with demo_db.write() as s:
        case_id = case_in(s, S.VERIFIED)
    with demo_db.write() as s:
        before = snapshot(s, case_id)
    with pytest.raises(WorkflowError), demo_db.write() as s:
        step(s, case_id, A.CLOSE, R.DEPARTMENT, AT)
    with demo_db.write() as s:
        assert snapshot(s, case_id) == before


# Who may do what, written out from the issue (the GUI enables buttons from this).
SPOT_CHECKS = [
    (S.REPORTED, R.INTAKE, [A.REGISTER, A.VOID]),
    (S.REGISTERED, R.DISPATCHER, [A.DISPATCH]),
    (S.DISPATCHED, R.DEPARTMENT, [A.HANDLE, A.RETURN, A.REQUEST_EXTENSION]),
    (S.HANDLED, R.INSPECTOR, [A.VERIFY, A.REWORK]),
    (S.VERIFIED, R.SUPERVISOR, [A.CLOSE, A.RETURN, A.ESCALATE]),
    (S.SUSPENDED, R.SUPERVISOR, [A.RESUME]),
    (S.SUSPENDED, R.DISPATCHER, []),
    (S.CLOSED, R.ADMIN, []),
    (S.VOIDED, R.SUPERVISOR, []),
]


@pytest.mark.parametrize(("status", "role", "expected"), SPOT_CHECKS)
def test_allowed_actions_for_a_role(status, role, expected) -> None:
    assert allowed_actions(status, role) == expected


def test_role_matrix_agrees_with_what_act_accepts(demo_db) -> None:
    """For every state, action and role: allowed_actions says yes exactly when act accepts."""
    statuses = [S.REPORTED, S.REGISTERED, S.DISPATCHED, S.HANDLED, S.VERIFIED, S.CLOSED,
                S.VOIDED, S.SUSPENDED]
    inputs = {"department": CHENGGUAN, "note": "说明", "hours": 4}  # all an action may need
    disagreements, tried = [], 0
    with demo_db.write() as s:
        cases = {status: case_in(s, status) for status in statuses}
        for status, case_id in cases.items():
            case_no = row(s, case_id)["case_no"]
            for role in Role:
                allowed = allowed_actions(status, role)
                for action in RULES:
                    savepoint = s.begin_nested()
                    try:
                        step(s, case_id, action, role, AT, **inputs)
                        refusal = None
                    except WorkflowError as exc:
                        refusal = str(exc)
                    finally:
                        savepoint.rollback()
                    tried += 1
                    # A refusal must also name the case and the state it is in.
                    unclear = refusal is not None and not (case_no in refusal
                                                           and status.label in refusal)
                    if (refusal is None) != (action in allowed) or unclear:
                        disagreements.append((status.value, action.value, role.value, refusal))
            assert row(s, case_id)["status"] == status.value  # every try was rolled back
    assert tried == len(statuses) * len(Role) * len(RULES)
    assert disagreements == []


def _registered(s, n: int) -> list[str]:
    return [case_in(s, S.REGISTERED, at=D(2016, 3, 2, 9 + i)) for i in range(n)]


def test_bulk_dispatch_dispatches_every_case(demo_db) -> None:
    with demo_db.write() as s:
        ids = _registered(s, 3)
        results = act_many(s, ids, A.DISPATCH, Actor(R.DISPATCHER), workstation_id="ws",
                           department=SANITATION, at=D(2016, 3, 2, 15))
    assert [(r.case_id, r.to_status) for r in results] == [(i, S.DISPATCHED) for i in ids]
    with demo_db.write() as s:
        assert [row(s, i)["status"] for i in ids] == ["dispatched"] * 3
        assert [events(s, i)[-1]["action"] for i in ids] == ["dispatch"] * 3


def test_bulk_dispatch_with_one_ineligible_case_changes_none(demo_db) -> None:
    with demo_db.write() as s:
        ids = _registered(s, 3)
        odd = case_in(s, S.REPORTED, at=D(2016, 3, 2, 14))
        odd_no = row(s, odd)["case_no"]
    refs = [ids[0], odd, *ids[1:]]
    with demo_db.write() as s:
        before = [snapshot(s, i) for i in refs]
    with pytest.raises(WorkflowError) as refused, demo_db.write() as s:
        act_many(s, refs, A.DISPATCH, Actor(R.DISPATCHER), workstation_id="ws",
                 department=SANITATION, at=D(2016, 3, 2, 15))
    message = str(refused.value)
    assert "1 件" in message
    assert f"案件 {odd_no} 当前状态为“受理”" in message
    with demo_db.write() as s:
        assert [snapshot(s, i) for i in refs] == before


def test_second_writer_with_a_stale_case_is_refused_without_double_writing(
        demo_db, demo_db_path) -> None:
    with demo_db.write() as s:
        case_id = case_in(s, S.REGISTERED)
    first, second = open_database(demo_db_path), open_database(demo_db_path)
    outcome = None
    try:
        # A transaction that began by reading (a plain deferred BEGIN, as older code or
        # another program might open) and then writes after another writer committed:
        # SQLite refuses it, the engine says why. (db.write() takes the lock first and
        # cannot meet this, see the next test; db.read() cannot write at all.)
        from sqlalchemy.orm import Session

        with second.engine.connect() as conn, conn.begin(), Session(bind=conn) as late:
            find_case(late, case_id)  # the second operator opens the case ...
            with first.write() as early:  # ... while the first dispatches it
                act(early, case_id, A.DISPATCH, Actor(R.DISPATCHER, "甲"),
                    workstation_id=first.workstation_id, department=SANITATION, at=AT)
            act(late, case_id, A.DISPATCH, Actor(R.DISPATCHER, "乙"),
                workstation_id=second.workstation_id, department=CHENGGUAN, at=AT)
    except Exception as exc:  # judged below, after the data is checked
        outcome = exc
    finally:
        first.close()
        second.close()
    with demo_db.write() as s:
        history = events(s, case_id)
        case = row(s, case_id)
    assert [e["actor_name"] for e in history if e["action"] == "dispatch"] == ["甲"]
    assert case["department_id"] == history[-1]["department_id"]
    assert isinstance(outcome, WorkflowError), repr(outcome)
    assert "刚被其他人修改" in str(outcome)
    assert case["case_no"] in str(outcome)


def test_a_second_writing_session_waits_then_sees_the_step_already_taken(
        demo_db, demo_db_path) -> None:
    import threading

    from sqlalchemy import event

    with demo_db.write() as s:
        case_id = case_in(s, S.REGISTERED)
    first, second = open_database(demo_db_path), open_database(demo_db_path)
    inside, late_begins = threading.Event(), threading.Event()

    @event.listens_for(second.engine, "before_cursor_execute")
    def asking_for_the_lock(conn, cursor, statement, *args):
        if statement.startswith("BEGIN IMMEDIATE"):
            late_begins.set()

    def dispatch_and_hold():
        with first.write() as early:
            act(early, case_id, A.DISPATCH, Actor(R.DISPATCHER, "甲"),
                workstation_id=first.workstation_id, department=SANITATION, at=AT)
            inside.set()
            late_begins.wait(60)  # still holding the write lock when the second asks for it

    worker = threading.Thread(target=dispatch_and_hold)
    worker.start()
    assert inside.wait(60)
    try:
        with pytest.raises(WorkflowError, match="当前状态为“派遣”"), second.write() as late:
            act(late, case_id, A.DISPATCH, Actor(R.DISPATCHER, "乙"),
                workstation_id=second.workstation_id, department=CHENGGUAN, at=AT)
    finally:
        worker.join()
        first.close()
        second.close()
    with demo_db.write() as s:
        assert [e["actor_name"] for e in events(s, case_id) if e["action"] == "dispatch"] == ["甲"]
