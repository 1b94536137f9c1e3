"""The overdue flag of exported cases: the traffic light's red, a million cases at a time.

The flag must say what the case detail says (``workflow.deadlines.deadline_state``): a case
is overdue when the working time used exceeds the working time allowed; the clock stops
at 处置 and stands still while the case is 挂账; voided and unregistered cases have no
limit. Working minutes matter: a case handled at 18:00 against a deadline of 17:00 the
same day is on time.

SQLite settles the clear cases itself (see :func:`flag_sql`); only the others, a small
share, go to :func:`overdue_text` through an SQL function, so the flag costs almost
nothing per row. The shortcuts assume what every deadline the workflow sets satisfies:
it falls within working hours of a working day, after registration.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.worktime import WorkCalendar, default_calendar

FUNCTION = "xjwc_overdue"
YES, NO, NONE = "是", "否", ""

_END = ("coalesce(c.handled_at, CASE WHEN c.status = 'suspended' THEN c.suspended_at END, "
        ":now)")
_REG, _DL = "substr(c.registered_at, 1, 16)", "substr(c.deadline_at, 1, 16)"
_END16 = f"substr({_END}, 1, 16)"

#: Longer than any run of days off in the work calendar (the longest, Spring Festival
#: with its 调休, is 9 days): a clock that ran this far past its deadline is overdue.
SURELY_LATE_DAYS = 15


#: SQL: the case has no time limit to be over (the flag is '' for these).
NO_LIMIT_SQL = "(c.status = 'voided' OR c.registered_at IS NULL OR c.deadline_at IS NULL)"


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def flag_sql(calendar: WorkCalendar | None = None) -> str:
    """SQL over ``cases c`` giving 是/否/'' (needs :func:`install` and ``:now``).

    Settled in SQL: voided or unregistered (no limit); stopped before the deadline (on
    time); stopped later the same day (overdue unless the deadline was the close of the
    working day); stopped weeks later (overdue). Everything else asks the calendar.
    """
    cal = calendar or default_calendar()
    start, end = _hhmm(cal.start_minute), _hhmm(cal.start_minute + cal.minutes_per_day)
    dl_time = "substr(c.deadline_at, 12, 5)"
    # Minutes are compared as texts ("YYYY-MM-DD HH:MM"); a stored time (with seconds)
    # lies in minute m exactly when it sorts between m and m || ':99'.
    return (
        f"CASE WHEN {NO_LIMIT_SQL} THEN '' "
        f"WHEN {_END} <= {_DL} || ':99' AND c.registered_at < {_DL} THEN '{NO}' "
        f"WHEN c.registered_at >= {_DL} THEN {FUNCTION}({_REG}, {_DL}, {_END16}) "
        f"WHEN substr({_END}, 1, 10) = substr(c.deadline_at, 1, 10) "
        f"AND {dl_time} >= '{start}' THEN CASE WHEN {dl_time} < '{end}' THEN '{YES}' "
        f"ELSE '{NO}' END "
        f"WHEN {_END} > date(c.deadline_at, '+{SURELY_LATE_DAYS} days') THEN '{YES}' "
        f"ELSE {FUNCTION}({_REG}, {_DL}, {_END16}) END"
    )


def now_param(now: dt.datetime) -> str:
    """``now`` in the stored text form, for the ``:now`` parameter of :func:`flag_sql`."""
    return now.strftime("%Y-%m-%d %H:%M:%S.000000")


class _Clock:
    """Working minutes of ``YYYY-MM-DD HH:MM`` texts: two dictionary lookups each, since
    the SQL function runs for hundreds of thousands of rows."""

    def __init__(self, cal: WorkCalendar) -> None:
        self.cal = cal
        self.days: dict[str, tuple[int, bool]] = {}
        per_day = cal.minutes_per_day
        self.into_day = {f"{m // 60:02d}:{m % 60:02d}": min(max(m - cal.start_minute, 0), per_day)
                         for m in range(24 * 60)}

    def _day(self, day: str) -> tuple[int, bool]:
        start = int(self.cal.to_working_minutes(np.datetime64(day, "m")))
        info = self.days[day] = (start, self.cal.is_workday(dt.date.fromisoformat(day)))
        return info

    def minutes(self, text: str) -> int:
        base, workday = self.days.get(text[:10]) or self._day(text[:10])
        return base + self.into_day[text[11:16]] if workday else base


@functools.cache
def _clock(cal: WorkCalendar) -> _Clock:
    return _Clock(cal)


def _flag(minutes, registered: str, deadline: str, end: str) -> str:
    limit = minutes(deadline)
    if limit <= minutes(registered):
        return NONE
    return YES if minutes(end) > limit else NO


def overdue_text(registered: str, deadline: str, end: str,
                 calendar: WorkCalendar | None = None) -> str:
    """是 if the clock (stopped at ``end``) ran past the deadline in working time, 否 if
    not, '' if the deadline allows no working time at all (``deadline_state``: no light).
    Arguments are ``YYYY-MM-DD HH:MM`` texts."""
    return _flag(_clock(calendar or default_calendar()).minutes, registered, deadline, end)


def install(conn: Connection, calendar: WorkCalendar | None = None) -> None:
    """Make :data:`FUNCTION` available on ``conn``'s SQLite connection."""
    minutes = _clock(calendar or default_calendar()).minutes
    conn.connection.driver_connection.create_function(
        FUNCTION, 3, functools.partial(_flag, minutes), deterministic=True)
