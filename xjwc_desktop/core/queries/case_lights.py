"""The deadline traffic light of every case (红黄绿灯), vectorised over the case index.

DOMAIN.md: green below 80 % of the time limit used, yellow 80–100 %, red above 100 %
(overdue), time counted in working time from registration (立案) to the deadline. A case
still being worked on (registered, dispatched) is measured up to now; one that has been
handled is measured up to its handling, so the map also shows where work was late. A
suspended case's clock stands still; reported-only and voided cases have no time limit.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.core.worktime import WorkCalendar, default_calendar

LIGHT_NONE, LIGHT_GREEN, LIGHT_YELLOW, LIGHT_RED, LIGHT_PAUSED = range(5)
LIGHT_CODES = ["none", "green", "yellow", "red", "paused"]
LIGHT_LABELS = ["无时限", "绿灯（时限用去不足 80%）", "黄灯（80%–100%）", "红灯（超时）",
                "挂账停表"]
YELLOW_FROM, RED_ABOVE = 0.8, 1.0

_STATUS = [s.value for s in CaseStatus]
_RUNNING = [_STATUS.index(s) for s in ("registered", "dispatched")]
_HANDLED = [_STATUS.index(s) for s in ("handled", "verified", "closed")]
_SUSPENDED = _STATUS.index("suspended")


def _minutes(epoch_seconds: np.ndarray) -> np.ndarray:
    return np.asarray(epoch_seconds, dtype="int64").astype("datetime64[s]").astype(
        "datetime64[m]")


def traffic_lights(status: np.ndarray, registered: np.ndarray, handled: np.ndarray,
                   deadline: np.ndarray, now: dt.datetime,
                   calendar: WorkCalendar | None = None) -> np.ndarray:
    """Light codes (``LIGHT_*``) for cases given as arrays; times are epoch seconds, 0 = none.

    ``now`` is naive Beijing time, like the stored times.
    """
    calendar = calendar or default_calendar()
    lights = np.full(status.shape, LIGHT_NONE, dtype=np.uint8)
    lights[status == _SUSPENDED] = LIGHT_PAUSED
    has_limit = (registered > 0) & (deadline > registered)
    running = np.isin(status, _RUNNING) & has_limit
    done = np.isin(status, _HANDLED) & has_limit & (handled > 0)
    measured = running | done
    if not measured.any():
        return lights
    now_s = int((now - dt.datetime(1970, 1, 1)).total_seconds())
    end = np.where(running, now_s, handled)[measured]
    start_m = calendar.to_working_minutes(_minutes(registered[measured]))
    limit = calendar.to_working_minutes(_minutes(deadline[measured])) - start_m
    used = (calendar.to_working_minutes(_minutes(end)) - start_m) / np.maximum(limit, 1)
    lights[measured] = np.where(used > RED_ABOVE, LIGHT_RED,
                                np.where(used >= YELLOW_FROM, LIGHT_YELLOW, LIGHT_GREEN))
    return lights
