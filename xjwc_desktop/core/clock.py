"""The one clock every domain time comes from.

Workflow stamps, intake times, case numbers, conflict records, sync bookkeeping, "as of"
lines of reports and the dashboard's "this month" all read :func:`now` or :func:`today`,
never the machine's clock directly. Two reasons:

- **One time zone for users.** Times are naive Beijing time (UTC+8, no daylight saving):
  the street works in one zone, operators read and type local times, exports show them
  unchanged. A PC or a server set to UTC must not shift what operators see by eight hours.
- **Tests that do not depend on luck.** A test (or a benchmark) installs a
  :class:`FrozenClock` and ticks it; nothing it checks can then depend on whether two
  clicks fell in the same second.

Ids (``core/ids.py``) keep the machine's clock on purpose: a UUIDv7 needs uniqueness and a
rough order, not a time anyone reads.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


class Clock:
    """Where "now" comes from. Times are naive Beijing wall-clock time, to the second."""

    def now(self) -> dt.datetime:
        raise NotImplementedError

    def today(self) -> dt.date:
        return self.now().date()


class SystemClock(Clock):
    """The machine's clock, read in Beijing time whatever the machine's own zone."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)


class FrozenClock(Clock):
    """A clock that moves only when told to (tests, benchmarks, replays)."""

    def __init__(self, at: dt.datetime | str = "2015-06-01 09:00:00") -> None:
        self._lock = threading.Lock()
        self._at = self._parse(at)

    @staticmethod
    def _parse(at: dt.datetime | str) -> dt.datetime:
        value = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
        return value.replace(tzinfo=None, microsecond=0)

    def now(self) -> dt.datetime:
        with self._lock:
            return self._at

    def set(self, at: dt.datetime | str) -> None:
        with self._lock:
            self._at = self._parse(at)

    def tick(self, seconds: float | None = None, **delta: float) -> dt.datetime:
        """Move on by ``seconds`` and/or ``minutes=``, ``hours=``, ``days=`` (one second if
        nothing is said); returns the new time."""
        if seconds is None and not delta:
            seconds = 1
        with self._lock:
            self._at += dt.timedelta(seconds=seconds or 0, **delta)
            return self._at


_current: Clock = SystemClock()


def current() -> Clock:
    """The clock in use (the system clock unless a test or the application set another)."""
    return _current


def set_clock(clock: Clock) -> Clock:
    """Use ``clock`` from now on, process-wide; returns the one it replaces."""
    global _current
    previous, _current = _current, clock
    return previous


@contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    """``with using(FrozenClock(...)) as c:`` — that clock for the block, then the old one."""
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)


def now() -> dt.datetime:
    """The current Beijing wall-clock time, naive, to the second."""
    return _current.now()


def today() -> dt.date:
    """Today's date in Beijing."""
    return _current.today()
