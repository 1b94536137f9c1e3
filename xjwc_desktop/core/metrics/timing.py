"""The metrics that need the work calendar, computed with numpy over fetched timestamps.

SQL cannot count working minutes (holidays and 调休 days are data of the calendar), so the
timestamps of the population are fetched once and turned into working-minute indices with
:meth:`WorkCalendar.to_working_minutes`; differences of indices are working minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from xjwc_desktop.core.worktime import WorkCalendar

NAT = np.datetime64("NaT", "m")


def to_datetime64(values: Sequence | np.ndarray) -> np.ndarray:
    """``datetime64[m]`` of fetched values; None (or NaN) → NaT.

    Values are minutes since 1970 as numbers (what the metrics query asks SQLite and
    PostgreSQL for), or else datetimes or ISO text.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return _from_minutes(values)
    first = next((v for v in values if v is not None), None)
    if first is None:
        return np.full(len(values), NAT)
    if isinstance(first, (int, float, Decimal)):
        return _from_minutes(np.array(values, dtype=np.float64))
    if isinstance(first, str):
        text = np.array(["NaT" if v is None else v for v in values], dtype="U16")
        return text.astype("datetime64[m]")
    return np.array(values, dtype="datetime64[m]")


def _from_minutes(minutes: np.ndarray) -> np.ndarray:
    """Minutes since 1970 (float, NaN for none), floored to the minute with a little slack
    for the float error of SQLite's julianday()."""
    out = np.full(minutes.shape, NAT)
    ok = ~np.isnan(minutes)
    out[ok] = np.floor(minutes[ok] + 1e-4).astype(np.int64).astype("datetime64[m]")
    return out


@dataclass(frozen=True)
class Timings:
    """Per-group sums (one array element per group)."""

    registered_on_time: np.ndarray
    dispatched_on_time: np.ndarray
    handled: np.ndarray
    handled_minutes: np.ndarray

    def mean_handling_hours(self, group: int) -> float | None:
        n = int(self.handled[group])
        return None if n == 0 else float(self.handled_minutes[group]) / n / 60.0


def _working_minutes(cal: WorkCalendar, when: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Working-minute index of each timestamp (0 where NaT) and the mask of those present."""
    present = ~np.isnat(when)
    out = np.zeros(when.shape, dtype=np.int64)
    out[present] = cal.to_working_minutes(when[present])
    return out, present


def group_timings(
    cal: WorkCalendar,
    group: np.ndarray,
    n_groups: int,
    assessed: np.ndarray,
    reported_at: np.ndarray,
    registered_at: np.ndarray,
    dispatched_at: np.ndarray,
    handled_at: np.ndarray,
    register_limit_minutes: int,
    dispatch_limit_minutes: int,
) -> Timings:
    """按时立案数, 按时派遣数 and handling minutes of registered cases, summed per group.

    ``group`` holds each case's group number, ``assessed`` whether the case is in the
    assessment (not 挂账, not 作废).
    """
    rep, has_rep = _working_minutes(cal, reported_at)
    reg, has_reg = _working_minutes(cal, registered_at)
    disp, has_disp = _working_minutes(cal, dispatched_at)
    hand, has_hand = _working_minutes(cal, handled_at)

    def per_group(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = None if weights is None else weights[mask]
        return np.bincount(group[mask], weights=w, minlength=n_groups)

    reg_on_time = has_rep & has_reg & (reg - rep <= register_limit_minutes)
    dispatched = assessed & has_reg & has_disp
    disp_on_time = dispatched & (disp - reg <= dispatch_limit_minutes)
    handled = dispatched & has_hand
    return Timings(
        registered_on_time=per_group(reg_on_time).astype(np.int64),
        dispatched_on_time=per_group(disp_on_time).astype(np.int64),
        handled=per_group(handled).astype(np.int64),
        handled_minutes=per_group(handled, (hand - disp).astype(np.float64)),
    )
