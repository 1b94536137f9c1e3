"""Deadlines in working time and the traffic light of a case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xjwc_desktop.core.i18n import tr
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

    @property
    def over_minutes(self) -> int:
        """Working minutes past the deadline (negative: still left)."""
        return -self.remaining_minutes

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
    """One running case on the overdue / due-soon list (超期/临期)."""

    case_id: str
    case_no: str
    status: CaseStatus
    deadline_at: dt.datetime
    used_fraction: float
    light: Light
    over_minutes: int = 0  # working minutes past the deadline (negative: still left)
    category: str = ""
    department: str = ""
    address: str = ""
    minutes_per_day: int = 480

    @property
    def state(self) -> str:
        """超期 N 工作日 / 剩余 N 工作时, as the operators say it."""
        return overdue_text(self.over_minutes, self.minutes_per_day)


def overdue_text(over_minutes: int, minutes_per_day: int | None = None) -> str:
    """How far past (or short of) its deadline a case is, as every view says it: whole
    working days from one working day on, whole working hours below (never 0 when there is
    any time: under an hour reads as 1), thousands grouped — 超期 2,768 工作日, 剩余 5 工作时.
    ``over_minutes``: working minutes past the deadline (negative: still left)."""
    per_day = minutes_per_day or default_calendar().minutes_per_day
    minutes = abs(int(over_minutes))
    over = over_minutes > 0
    if minutes >= per_day:
        n = f"{round(minutes / per_day):,}"
        text = tr("超期 {n} 工作日") if over else tr("剩余 {n} 工作日")
    else:
        n = f"{max(1, round(minutes / 60)) if minutes else 0:,}"
        text = tr("超期 {n} 工作时") if over else tr("剩余 {n} 工作时")
    return text.replace("{n}", n)


@dataclass(frozen=True)
class DueList:
    """The whole list: true counts, and the rows worst first."""

    red: int
    yellow: int
    rows: list[DueCase]


def due_list(session, now: dt.datetime, *, lights=(Light.RED, Light.YELLOW),
             calendar: WorkCalendar | None = None) -> DueList:
    """Running cases (立案, 派遣) whose clock has used 80 % of its limit or more, worst
    first, with their category, department and address. Vectorised over all running cases
    (numpy working-minute clock): quick with tens of thousands of open cases."""
    import numpy as np
    from sqlalchemy import select

    from xjwc_desktop.core.model import Case, Category, Department

    cal = calendar or default_calendar()
    running = (CaseStatus.REGISTERED, CaseStatus.DISPATCHED)
    rows = session.execute(
        select(Case.id, Case.case_no, Case.status, Case.registered_at, Case.deadline_at,
               Case.paused_minutes, Category.name, Department.name, Case.address)
        .join(Category, Category.code == Case.category_code)
        .outerjoin(Department, Department.id == Case.department_id)
        .where(Case.status.in_(running), Case.deleted_at.is_(None),
               Case.deadline_at.is_not(None))).all()
    if not rows:
        return DueList(0, 0, [])
    reg = np.array([r[3] for r in rows], dtype="datetime64[m]")
    dl = np.array([r[4] for r in rows], dtype="datetime64[m]")
    paused = np.array([r[5] or 0 for r in rows], dtype=np.int64)
    start = cal.to_working_minutes(reg)
    allowed = cal.to_working_minutes(dl) - start - paused
    used = cal.to_working_minutes(np.datetime64(now, "m")) - start - paused
    fraction = np.where(allowed > 0, used / np.maximum(allowed, 1), np.inf)
    red = fraction > 1.0
    yellow = ~red & (fraction >= YELLOW_FROM)
    wanted = {light.value for light in lights}
    keep = (red & (Light.RED.value in wanted)) | (yellow & (Light.YELLOW.value in wanted))
    order = [int(i) for i in np.argsort(-fraction, kind="stable") if keep[i]]
    out = [DueCase(rows[i][0], rows[i][1], rows[i][2], rows[i][4], float(fraction[i]),
                   light_for(float(fraction[i])), int(used[i] - allowed[i]), rows[i][6] or "",
                   rows[i][7] or "", rows[i][8] or "", cal.minutes_per_day) for i in order]
    return DueList(int(red.sum()), int(yellow.sum()), out)


def due_cases(session, now: dt.datetime, *, lights=(Light.RED, Light.YELLOW),
              limit: int = 500, calendar: WorkCalendar | None = None) -> list[DueCase]:
    """The first ``limit`` rows of :func:`due_list` (the CLI's ``case due``)."""
    return due_list(session, now, lights=lights, calendar=calendar).rows[:limit]
