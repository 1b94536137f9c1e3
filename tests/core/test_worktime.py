"""Working time on the shipped calendar: 09:00-17:00, 2015/2016 holidays and 调休 days.

Every expected value below was worked out by hand from the 国务院办公厅 notices in
resources/data/work_calendar.json, or by a plain day-by-day walk written here.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from xjwc_desktop.core.worktime import default_calendar

D = dt.datetime
DAY = 480  # working minutes in one working day


@pytest.fixture(scope="module")
def cal():
    return default_calendar()


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # Fri 16:00 + 2 h: one hour on Friday, Saturday off, Sunday 02-15 is a 调休 workday.
        (D(2015, 2, 13, 16), 120, D(2015, 2, 15, 10)),
        # Tue 02-17 15:00 + 1 working day: 2 h on the 17th, 春节 18th-24th, 6 h on the 25th.
        (D(2015, 2, 17, 15), DAY, D(2015, 2, 25, 15)),
        # 国庆 holiday: the clock stands still until Thu 10-08 09:00.
        (D(2015, 10, 1, 10), 60, D(2015, 10, 8, 10)),
        # Sat 10-10 is a 调休 workday, Fri 10-09 an ordinary one.
        (D(2015, 10, 9, 16), 120, D(2015, 10, 10, 10)),
        # Ordinary weekend: Fri 16:30 + 1 h = Mon 09:30.
        (D(2015, 3, 6, 16, 30), 60, D(2015, 3, 9, 9, 30)),
        # Before office hours the clock starts at 09:00.
        (D(2015, 3, 5, 7, 15), 60, D(2015, 3, 5, 10)),
        # After 17:00 it starts at the next working day's 09:00 (Wed evening -> Thu).
        (D(2015, 3, 4, 18, 30), 30, D(2015, 3, 5, 9, 30)),
        # Fri evening -> Mon.
        (D(2015, 3, 6, 20), 1, D(2015, 3, 9, 9, 1)),
        # Exactly 17:00 counts as the end of that day.
        (D(2015, 3, 4, 17), 15, D(2015, 3, 5, 9, 15)),
        # 15 working days (违法搭建) from Mon 2015-04-27 10:00: 劳动节 05-01..03 off.
        (D(2015, 4, 27, 10), 15 * DAY, D(2015, 5, 19, 10)),
        # New Year 2016: 01-01..03 off, Mon 01-04 back at work.
        (D(2015, 12, 31, 16), 120, D(2016, 1, 4, 10)),
        # 元旦 2015: 01-01..03 off, Sun 01-04 is a 调休 workday.
        (D(2014, 12, 31, 16, 30), 60, D(2015, 1, 4, 9, 30)),
    ],
)
def test_add_hand_worked(cal, start, minutes, expected) -> None:
    assert cal.add(start, minutes) == expected


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (D(2015, 3, 2, 9), DAY, D(2015, 3, 2, 17)),  # a full day is due Monday 17:00
        (D(2015, 3, 2, 9), 2 * DAY, D(2015, 3, 3, 17)),
        (D(2015, 2, 13, 16), 60, D(2015, 2, 13, 17)),
        (D(2015, 3, 2, 13), 2 * DAY, D(2015, 3, 4, 13)),
        # Starting on a day off: a full working day ends the next working day at 17:00.
        (D(2015, 10, 3, 12), DAY, D(2015, 10, 8, 17)),
    ],
)
def test_deadline_at_end_of_day_shows_1700(cal, start, minutes, expected) -> None:
    assert cal.add(start, minutes) == expected


def test_after_hours_and_next_morning_are_the_same_instant(cal) -> None:
    assert cal.working_minutes_between(D(2015, 3, 4, 18, 30), D(2015, 3, 5, 9)) == 0
    assert cal.working_minutes_between(D(2015, 3, 6, 22), D(2015, 3, 9, 9)) == 0
    assert cal.working_minutes_between(D(2015, 10, 2, 11), D(2015, 10, 8, 9)) == 0


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2015, 3, 6, 15), D(2015, 3, 9, 10), 180),  # Fri 2 h + Mon 1 h
        (D(2015, 3, 9, 10), D(2015, 3, 6, 15), -180),
        (D(2015, 2, 27, 16), D(2015, 3, 2, 10), 60 + DAY + 60),  # Sat 02-28 is 调休
        (D(2015, 3, 2, 9), D(2015, 3, 9, 9), 5 * DAY),  # one ordinary week
        (D(2015, 9, 30, 9), D(2015, 10, 9, 9), DAY + DAY),  # 国庆: 09-30 and 10-08 only
        (D(2015, 3, 2, 12), D(2015, 3, 2, 12), 0),
    ],
)
def test_working_minutes_between(cal, start, end, expected) -> None:
    assert cal.working_minutes_between(start, end) == expected


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2015, 2, 14), False),  # Saturday
        (dt.date(2015, 2, 15), True),  # Sunday, 调休
        (dt.date(2015, 2, 19), False),  # 春节
        (dt.date(2015, 2, 28), True),  # Saturday, 调休
        (dt.date(2015, 10, 1), False),
        (dt.date(2015, 10, 10), True),
        (dt.date(2015, 9, 3), False),  # 抗战胜利纪念日
        (dt.date(2015, 9, 6), True),
        (dt.date(2015, 3, 4), True),
        (dt.date(2016, 2, 6), True),  # Saturday, 调休
        (dt.date(2016, 2, 8), False),
    ],
)
def test_is_workday(cal, day, working) -> None:
    assert cal.is_workday(day) is working


@pytest.mark.parametrize(
    ("value", "unit", "minutes"),
    [
        (5, "working_hours", 300),
        (1.5, "working_hours", 90),
        (4, "working_hours", 240),
        (1, "working_days", 480),
        (15, "working_days", 7200),
        (0.5, "working_days", 240),
    ],
)
def test_limit_minutes(cal, value, unit, minutes) -> None:
    assert cal.limit_minutes(value, unit) == minutes


def test_calendar_hours_are_0900_to_1700(cal) -> None:
    assert (cal.start_minute, cal.minutes_per_day) == (9 * 60, 8 * 60)


def _naive_add(cal, start: dt.datetime, minutes: int) -> dt.datetime:
    """Working time walked day by day, independent of the package's index arithmetic."""

    def working(day: dt.date) -> bool:
        return day in cal.workdays or (day.weekday() < 5 and day not in cal.holidays)

    def next_morning(day: dt.date) -> dt.datetime:
        day += dt.timedelta(days=1)
        while not working(day):
            day += dt.timedelta(days=1)
        return D.combine(day, dt.time(9))

    t = start
    opens, closes = D.combine(t.date(), dt.time(9)), D.combine(t.date(), dt.time(17))
    if not working(t.date()) or t >= closes:
        t = next_morning(t.date())
    elif t < opens:
        t = opens
    left = minutes
    while True:
        available = int((D.combine(t.date(), dt.time(17)) - t).total_seconds() // 60)
        if left <= available:
            return t + dt.timedelta(minutes=left)
        left -= available
        t = next_morning(t.date())


def test_vectorised_add_equals_scalar_add_and_a_day_by_day_walk(cal) -> None:
    rng = np.random.default_rng(20151031)
    n = 400
    base = np.datetime64("2015-01-01T00:00", "m")
    starts = base + rng.integers(0, 700 * 24 * 60, n).astype("timedelta64[m]")
    minutes = rng.integers(1, 20 * DAY, n)
    vector = cal.add_working_minutes(starts, minutes)
    assert vector.shape == (n,)
    for s, m, v in zip(starts.astype(dt.datetime), minutes.tolist(), vector.astype(dt.datetime),
                       strict=True):
        assert cal.add(s, m) == v, (s, m)
        assert v == _naive_add(cal, s, m), (s, m)
        assert cal.working_minutes_between(s, v) == m, (s, m)


def test_the_calendar_knows_the_current_years_holidays():
    # 2026 春节: 15–23 February off, Saturdays 14 and 28 February worked (调休).
    cal = default_calendar()
    assert not cal.is_workday(dt.date(2026, 2, 16))
    assert cal.is_workday(dt.date(2026, 2, 14))
    # 2026-09-30 16:00 + 2 working hours: 1 h that day, 国庆 1–7 October, then 8 October.
    assert cal.add(dt.datetime(2026, 9, 30, 16, 0), 120) == dt.datetime(2026, 10, 8, 10, 0)
