"""Deadlines in working time and the traffic light of a case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.core.model.enums import LabelledEnum
from xjwc_desktop.core.worktime import WorkCalendar, default_calendar


class Light(LabelledEnum):
    """红绿灯: how much of its time limit a case has used."""

    GREEN = "green", "绿灯"
    YELLOW = "yellow", "黄灯"
    RED = "red", "红灯"
    NONE = "none", "无时限"


YELLOW_FROM = 0.8  # green below 80 % of the limit used, yellow 80-100 %, red above 100 %


@dataclass(frozen=True)
class DeadlineState:
    deadline_at: dt.datetime | None
    allowed_minutes: int  # working minutes from registration to the deadline
    used_minutes: int  # working minutes used so far (until handled, or now)
    light: Light

    @property
    def remaining_minutes(self) -> int:
        return self.allowed_minutes - self.used_minutes

    @property
    def used_fraction(self) -> float | None:
        return self.used_minutes / self.allowed_minutes if self.allowed_minutes else None

    def as_dict(self) -> dict:
        return {"deadline_at": self.deadline_at and self.deadline_at.isoformat(sep=" "),
                "allowed_working_hours": round(self.allowed_minutes / 60, 2),
                "used_working_hours": round(self.used_minutes / 60, 2),
                "remaining_working_hours": round(self.remaining_minutes / 60, 2),
                "used_percent": None if self.used_fraction is None
                else round(self.used_fraction * 100, 1),
                "light": self.light.value, "light_label": self.light.label}


def light_for(fraction: float | None) -> Light:
    if fraction is None:
        return Light.NONE
    if fraction > 1.0:
        return Light.RED
    return Light.YELLOW if fraction >= YELLOW_FROM else Light.GREEN


def deadline_state(registered_at: dt.datetime | None, deadline_at: dt.datetime | None,
                   handled_at: dt.datetime | None, status: CaseStatus,
                   suspended_at: dt.datetime | None, now: dt.datetime,
                   calendar: WorkCalendar | None = None,
                   paused_minutes: int = 0) -> DeadlineState:
    """Time used against the limit. The clock stops when the case is handled (the limit is
    for 处置) and stands still while it is suspended (挂账); voided cases have no limit."""
    cal = calendar or default_calendar()
    if registered_at is None or deadline_at is None or status is CaseStatus.VOIDED:
        return DeadlineState(None, 0, 0, Light.NONE)
    end = handled_at or (suspended_at if status is CaseStatus.SUSPENDED else None) or now
    # Resuming moved the deadline on by the time suspended; that time is neither allowed
    # nor used.
    allowed = cal.working_minutes_between(registered_at, deadline_at) - paused_minutes
    used = max(0, cal.working_minutes_between(registered_at, end) - paused_minutes)
    return DeadlineState(deadline_at, allowed, used,
                         light_for(used / allowed if allowed > 0 else None))


@dataclass(frozen=True)
class DueCase:
    case_id: str
    case_no: str
    status: CaseStatus
    deadline_at: dt.datetime
    used_fraction: float
    light: Light


def due_cases(session, now: dt.datetime, *, lights=(Light.RED, Light.YELLOW),
              limit: int = 500, calendar: WorkCalendar | None = None) -> list[DueCase]:
    """Open cases whose clock is running, worst first: the overdue / due-soon list.

    Vectorised over all running cases (numpy working-minute clock), so it stays quick with
    many thousands of open cases.
    """
    import numpy as np
    from sqlalchemy import select

    from xjwc_desktop.core.model import Case

    cal = calendar or default_calendar()
    running = (CaseStatus.REGISTERED, CaseStatus.DISPATCHED)
    rows = session.execute(select(Case.id, Case.case_no, Case.status, Case.registered_at,
                                  Case.deadline_at, Case.paused_minutes).where(
        Case.status.in_(running), Case.deleted_at.is_(None),
        Case.deadline_at.is_not(None))).all()
    if not rows:
        return []
    reg = np.array([r.registered_at for r in rows], dtype="datetime64[m]")
    dl = np.array([r.deadline_at for r in rows], dtype="datetime64[m]")
    paused = np.array([r.paused_minutes or 0 for r in rows], dtype=np.int64)
    start = cal.to_working_minutes(reg)
    allowed = cal.to_working_minutes(dl) - start - paused
    used = cal.to_working_minutes(np.datetime64(now, "m")) - start - paused
    fraction = np.where(allowed > 0, used / np.maximum(allowed, 1), np.inf)
    wanted = {light.value for light in lights}
    order = np.argsort(-fraction, kind="stable")
    out = []
    for i in order:
        light = light_for(float(fraction[i]))
        if light.value in wanted:
            r = rows[i]
            out.append(DueCase(r.id, r.case_no, r.status, r.deadline_at, float(fraction[i]),
                               light))
            if len(out) >= limit:
                break
    return out
