"""Working time: the clock case deadlines run on.

Time is counted in *working minutes*: minute ``k`` of the calendar is minute ``k % M`` of
working day ``k // M`` (M minutes per working day) counted from an epoch. Adding a limit is
then plain addition, and the same arithmetic works on one case or on a million (numpy).
A working day is a weekday that is not a public holiday, or an adjusted working day (调休).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np

from xjwc_desktop.core.resources import load_json

EPOCH = np.datetime64("2000-01-01", "D")
_LAST = np.datetime64("2100-01-01", "D")


@dataclass(frozen=True)
class WorkCalendar:
    """Working days and hours, with holidays and adjusted working days as data."""

    start_minute: int  # minutes after midnight the working day starts
    minutes_per_day: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]

    @functools.cached_property
    def _workdays(self) -> np.ndarray:
        """Every working day from EPOCH to 2100, sorted: day ``k`` of the working clock."""
        days = np.arange(EPOCH, _LAST)
        weekday = (days.astype("int64") + 3) % 7  # day 0 of numpy is 1970-01-01, a Thursday
        off = weekday >= 5
        index = lambda ds: (np.array(sorted(ds), dtype="datetime64[D]") - EPOCH).astype(int)  # noqa: E731
        if self.holidays:
            off[index(self.holidays)] = True
        if self.workdays:
            off[index(self.workdays)] = False
        return days[~off]

    def is_workday(self, day: dt.date) -> bool:
        d = np.datetime64(day, "D")
        k = np.searchsorted(self._workdays, d)
        return bool(k < self._workdays.size and self._workdays[k] == d)

    def to_working_minutes(self, when: np.ndarray) -> np.ndarray:
        """Working-minute index of datetimes (``datetime64``); off-hours snap forward."""
        when = np.asarray(when, dtype="datetime64[m]")
        day = when.astype("datetime64[D]")
        minute = (when - day).astype("int64") - self.start_minute
        n_before = np.searchsorted(self._workdays, day)  # working days before `day`
        on_workday = self._workdays[np.minimum(n_before, self._workdays.size - 1)] == day
        minute = np.clip(minute, 0, self.minutes_per_day)
        # On a day off, the clock stands at the start of the next working day.
        minute = np.where(on_workday, minute, 0)
        return n_before * self.minutes_per_day + minute

    def from_working_minutes(self, index: np.ndarray) -> np.ndarray:
        """Datetimes (``datetime64[m]``) of working-minute indices.

        An index that falls exactly on a day boundary is shown as the end of the earlier
        working day (17:00), not the start of the next one: a deadline "by close of day".
        """
        index = np.asarray(index, dtype="int64")
        day_no, minute = np.divmod(index, self.minutes_per_day)
        at_boundary = (minute == 0) & (day_no > 0)
        day_no = np.where(at_boundary, day_no - 1, day_no)
        minute = np.where(at_boundary, self.minutes_per_day, minute)
        day = self._workdays[day_no]
        return day.astype("datetime64[m]") + (minute + self.start_minute).astype("timedelta64[m]")

    def add_working_minutes(self, start: np.ndarray, minutes: np.ndarray) -> np.ndarray:
        """``start`` plus ``minutes`` of working time (vectorised)."""
        return self.from_working_minutes(self.to_working_minutes(start) + np.asarray(minutes))

    def add(self, start: dt.datetime, minutes: float) -> dt.datetime:
        """Scalar form of :meth:`add_working_minutes`."""
        out = self.add_working_minutes(np.datetime64(start, "m"), int(round(minutes)))
        return out.astype(dt.datetime)

    def working_minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working minutes from ``start`` to ``end`` (negative if end is earlier)."""
        a, b = self.to_working_minutes(np.array([start, end], dtype="datetime64[m]"))
        return int(b - a)

    def limit_minutes(self, value: float, unit: str) -> int:
        """A category's time limit in working minutes (``working_hours``/``working_days``)."""
        per = self.minutes_per_day if unit == "working_days" else 60
        return int(round(value * per))


def _hhmm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


@functools.cache
def default_calendar() -> WorkCalendar:
    """The calendar shipped in ``resources/data/work_calendar.json``."""
    data = load_json("data/work_calendar.json")
    holidays, workdays = set(), set()
    for year in data["years"].values():
        holidays.update(dt.date.fromisoformat(d) for d in year["holidays"])
        workdays.update(dt.date.fromisoformat(d) for d in year["workdays"])
    start = _hhmm(data["work_start"])
    return WorkCalendar(start, _hhmm(data["work_end"]) - start,
                        frozenset(holidays), frozenset(workdays))
