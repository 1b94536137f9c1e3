"""Applying a workflow step: check, change the case, append its history — all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from xjwc_desktop.core import clock
from xjwc_desktop.core.changes import Changes
from xjwc_desktop.core.errors import XjwcError
from xjwc_desktop.core.model import Case, CaseEvent, CaseStatus, Department
from xjwc_desktop.core.workflow.rules import (
    RETURN_TO,
    RULES,
    Action,
    Role,
    allowed_actions,
    roles_for,
)
from xjwc_desktop.core.worktime import WorkCalendar, default_calendar


class WorkflowError(XjwcError):
    """A step was refused; nothing was changed."""


@dataclass(frozen=True)
class Actor:
    role: Role
    name: str | None = None


@dataclass(frozen=True)
class StepResult:
    """What a step changed (the GUI refreshes from it; Anki's OpChanges)."""

    case_id: str
    case_no: str
    action: Action
    from_status: CaseStatus
    to_status: CaseStatus
    event_seq: int

    @property
    def changes(self) -> Changes:
        """A step changes its case and appends to its history; positions never move."""
        return Changes.of_cases(changed=[self.case_id], tables=("cases", "case_events"))


def find_case(session: Session, ref: str) -> Case:
    """A live case by its id or its case number (案卷号)."""
    case = session.scalar(select(Case).where(or_(Case.id == ref, Case.case_no == ref),
                                             Case.deleted_at.is_(None)))
    if case is None:
        raise WorkflowError(f"找不到案件“{ref}”（按案件 id 或案卷号查找）。")
    return case


def find_department(session: Session, text: str) -> Department:
    dept = session.scalar(select(Department).where(
        or_(Department.code == text, Department.name == text, Department.kind == text),
        Department.deleted_at.is_(None)))
    if dept is None:
        names = "、".join(session.scalars(select(Department.name).order_by(Department.code)))
        raise WorkflowError(f"未知的处置部门“{text}”。可选：{names}")
    return dept


def _refuse_if_not_allowed(case: Case, action: Action, actor: Actor) -> None:
    rule = RULES[action]
    status = case.status
    if status not in rule.sources:
        possible = "、".join(a.label for a in allowed_actions(status)) or "无（已办结）"
        raise WorkflowError(
            f"案件 {case.case_no} 当前状态为“{status.label}”，不能执行“{action.label}”。"
            f"此状态下可以：{possible}。")
    roles = roles_for(action, status)
    if actor.role not in roles:
        mine = "、".join(a.label for a in allowed_actions(status, actor.role)) or "无"
        who = "、".join(sorted(r.label for r in roles))
        raise WorkflowError(
            f"{actor.role.label}不能对案件 {case.case_no}（{status.label}）执行“{action.label}”，"
            f"可由{who}执行。{actor.role.label}此时可以：{mine}。")


def _changes(case: Case, action: Action, at: dt.datetime,
             department: Department | None, hours: float | None,
             cal: WorkCalendar) -> tuple[CaseStatus, dict]:
    """The new status and the column values the step writes."""
    status = case.status
    rule = RULES[action]
    to = rule.to or status
    values: dict = {}
    if action is Action.REGISTER:
        limit = cal.limit_minutes(case.category.time_limit, case.category.time_limit_unit.value)
        values |= {"registered_at": at,
                   "deadline_at": cal.add(at, limit + case.extension_hours * 60)}
    elif action is Action.VOID:
        values["voided_at"] = at
    elif action in (Action.DISPATCH, Action.REASSIGN):
        if action is Action.REASSIGN and department.id == case.department_id:
            raise WorkflowError(
                f"案件 {case.case_no} 已派给{department.name}，改派须选另一个部门。")
        values["department_id"] = department.id
        if action is Action.DISPATCH:
            values["dispatched_at"] = at
    elif action is Action.HANDLE:
        values["handled_at"] = at
    elif action is Action.VERIFY:
        values["verified_at"] = at
    elif action is Action.REWORK:
        values |= {"rework_count": case.rework_count + 1, "handled_at": None}
    elif action is Action.CLOSE:
        values["closed_at"] = at
    elif action is Action.RETURN:
        to = RETURN_TO[status]
        undone = {CaseStatus.REGISTERED: {"registered_at": None, "deadline_at": None},
                  CaseStatus.DISPATCHED: {"dispatched_at": None, "department_id": None},
                  CaseStatus.HANDLED: {"handled_at": None},
                  CaseStatus.VERIFIED: {"verified_at": None}}
        values |= undone[status]
    elif action is Action.REQUEST_EXTENSION:
        values["extension_requested_hours"] = hours
    elif action is Action.EXTEND:
        granted = hours or case.extension_requested_hours
        if not granted or granted <= 0:
            raise WorkflowError(f"案件 {case.case_no} 没有待批准的延期申请，请注明延期的工作时数。")
        values |= {"extension_hours": case.extension_hours + granted,
                   "extension_requested_hours": 0.0,
                   "deadline_at": cal.add(case.deadline_at, granted * 60)}
    elif action is Action.SUSPEND:
        values |= {"suspended_from": status, "suspended_at": at}
    elif action is Action.RESUME:
        to = case.suspended_from or CaseStatus.REGISTERED
        # The clock stood still while the case was suspended: the deadline moves on by it.
        paused = cal.working_minutes_between(case.suspended_at, at) if case.suspended_at else 0
        values |= {"suspended_from": None, "suspended_at": None,
                   "paused_minutes": case.paused_minutes + max(paused, 0)}
        if case.deadline_at is not None:
            values["deadline_at"] = cal.add(case.deadline_at, max(paused, 0))
    elif action is Action.ESCALATE:
        values["escalated"] = True
    values["status"] = to
    return to, values


def act(session: Session, ref: str, action: Action, actor: Actor, *, workstation_id: str,
        department: str | None = None, note: str | None = None, hours: float | None = None,
        at: dt.datetime | None = None, calendar: WorkCalendar | None = None) -> StepResult:
    """Take one step on case ``ref``; raises :class:`WorkflowError` (nothing changed) if refused.

    Runs inside the caller's transaction (``Database.write()``): the case row and its
    history event are written together or not at all.
    """
    case = find_case(session, ref)
    rule = RULES[action]
    _refuse_if_not_allowed(case, action, actor)
    note = (note or "").strip() or None
    if rule.needs_note and not note:
        raise WorkflowError(f"“{action.label}”必须填写说明（原因）。案件 {case.case_no} 未改变。")
    if rule.needs_amount and not (hours and hours > 0):
        raise WorkflowError(f"“{action.label}”必须注明延期的工作时数。案件 {case.case_no} 未改变。")
    dept = None
    if rule.needs_department:
        if not department:
            raise WorkflowError(f"“{action.label}”必须指定处置部门。案件 {case.case_no} 未改变。")
        dept = find_department(session, department)
    at = at or clock.now()
    cal = calendar or default_calendar()
    from_status = case.status
    to, values = _changes(case, action, at, dept, hours, cal)
    values |= {"updated_at": clock.now(), "written_by": workstation_id}
    # Guarded write: if another writer moved the case since we read it, refuse. SQLite says
    # the same thing its own way: a read snapshot older than the last commit cannot write.
    try:
        done = session.execute(
            update(Case).where(Case.id == case.id, Case.status == from_status,
                               Case.updated_at == case.updated_at).values(**values)
            .execution_options(synchronize_session=False))
    except OperationalError as exc:
        if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
            raise
        raise WorkflowError(f"案件 {case.case_no} 刚被其他人修改（或数据库正忙），"
                            "请刷新后重试。") from exc
    if done.rowcount != 1:
        raise WorkflowError(f"案件 {case.case_no} 刚被其他人修改，请刷新后重试。")
    seq = (session.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case.id))
           or 0) + 1
    session.add(CaseEvent(
        case_id=case.id, seq=seq, action=action.value, from_status=from_status, to_status=to,
        actor_role=actor.role.label, actor_name=actor.name, at=at,
        department_id=dept.id if dept else None, note=note, written_by=workstation_id))
    session.flush()
    session.expire(case)
    return StepResult(case.id, case.case_no, action, from_status, to, seq)


def act_many(session: Session, refs: Iterable[str], action: Action, actor: Actor,
             **kwargs) -> list[StepResult]:
    """The same step on many cases (bulk dispatch, ...): all succeed or none is changed.

    Atomic on its own (a savepoint around the batch), whatever the caller does next.
    """
    results, refused = [], []
    batch = session.begin_nested()
    for ref in refs:
        try:
            with session.begin_nested():
                results.append(act(session, ref, action, actor, **kwargs))
        except WorkflowError as exc:
            refused.append(str(exc))
    if refused:
        batch.rollback()
        raise WorkflowError(f"批量“{action.label}”未执行，{len(refused)} 件案件不符合条件：\n"
                            + "\n".join(refused[:20]))
    batch.commit()
    return results
