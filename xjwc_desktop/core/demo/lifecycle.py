"""Synthetic case lifecycles: timestamps and status of many cases at once (numpy).

Each case walks 受理 → 立案 → 派遣 → 处置 → 核查 → 结案 on working time; a few are voided,
reworked, extended, suspended or escalated. What has not happened by ``as_of`` has not
happened yet, so recent cases are still open at their current step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.core.worktime import WorkCalendar

NAT = np.datetime64("NaT", "m")


@dataclass
class Lifecycles:
    """Column arrays (datetime64[m], NaT where a step has not happened)."""

    status: np.ndarray
    registered_at: np.ndarray
    dispatched_at: np.ndarray
    handled_at: np.ndarray
    verified_at: np.ndarray
    closed_at: np.ndarray
    voided_at: np.ndarray
    suspended_at: np.ndarray
    deadline_at: np.ndarray
    extension_hours: np.ndarray
    rework_count: np.ndarray
    escalated: np.ndarray
    first_handled_at: np.ndarray  # before rework; NaT when no rework
    reworked_at: np.ndarray  # the failed verification; NaT when no rework


def simulate(
    rng: np.random.Generator,
    cal: WorkCalendar,
    reported_at: np.ndarray,
    limit_minutes: np.ndarray,
    as_of: np.datetime64,
) -> Lifecycles:
    """Draw a plausible lifecycle for each case reported at ``reported_at``."""
    n = reported_at.size
    wm = cal.to_working_minutes(reported_at)
    u = lambda lo, hi: rng.integers(lo, hi, n)  # noqa: E731 - working minutes

    voided = rng.random(n) < 0.03
    suspended = ~voided & (rng.random(n) < 0.005)
    reworked = ~voided & ~suspended & (rng.random(n) < 0.04)
    extended = ~voided & (rng.random(n) < 0.03)
    escalated = ~voided & (rng.random(n) < 0.02)

    reg = wm + u(5, 60)
    disp = reg + u(5, 120)
    # Handling takes a share of the limit: about four cases in five finish in time.
    share = rng.lognormal(mean=-0.45, sigma=0.55, size=n)
    ext_minutes = np.where(extended, limit_minutes, 0)
    first_handled = disp + np.maximum(10, (share * limit_minutes).astype(np.int64))
    rework_at = first_handled + u(30, 480)
    handled = np.where(reworked, rework_at + np.maximum(10, (share * limit_minutes * 0.5)
                                                        .astype(np.int64)), first_handled)
    verified = handled + u(30, 480)
    closed = verified + u(10, 240)
    deadline = reg + limit_minutes + ext_minutes

    to_dt = cal.from_working_minutes
    times = {name: to_dt(v) for name, v in
             (("reg", reg), ("disp", disp), ("h1", first_handled), ("hand", handled),
              ("ver", verified), ("clo", closed), ("dl", deadline))}
    void_at = to_dt(wm + u(10, 120))
    susp_at = to_dt(disp + u(60, 960))

    def happened(t: np.ndarray, mask=True) -> np.ndarray:
        return np.where(mask & (t <= as_of), t, NAT)

    not_void = ~voided
    registered_at = happened(times["reg"], not_void)
    dispatched_at = happened(times["disp"], not_void)
    open_path = not_void & ~suspended
    handled_at = happened(times["hand"], open_path)
    verified_at = happened(times["ver"], open_path)
    closed_at = happened(times["clo"], open_path)
    voided_at = happened(void_at, voided)
    suspended_at = happened(susp_at, suspended)

    # A rework only counts once the failed verification has happened; until then the case
    # shows its first handling.
    rework_done = reworked & (to_dt(rework_at) <= as_of)
    awaiting_check = reworked & ~rework_done & open_path & (times["h1"] <= as_of)
    handled_at = np.where(awaiting_check, times["h1"], handled_at)

    status = np.full(n, CaseStatus.REPORTED.value, dtype=object)
    for column, state in ((registered_at, CaseStatus.REGISTERED),
                          (dispatched_at, CaseStatus.DISPATCHED),
                          (handled_at, CaseStatus.HANDLED),
                          (verified_at, CaseStatus.VERIFIED),
                          (closed_at, CaseStatus.CLOSED),
                          (voided_at, CaseStatus.VOIDED),
                          (suspended_at, CaseStatus.SUSPENDED)):
        status[~np.isnat(column)] = state.value
    return Lifecycles(
        status=status,
        registered_at=registered_at,
        dispatched_at=dispatched_at,
        handled_at=handled_at,
        verified_at=verified_at,
        closed_at=closed_at,
        voided_at=voided_at,
        suspended_at=suspended_at,
        deadline_at=np.where(np.isnat(registered_at), NAT, times["dl"]),
        extension_hours=np.where(extended & ~np.isnat(registered_at), ext_minutes / 60, 0.0),
        rework_count=rework_done.astype(np.int64),
        escalated=escalated & ~np.isnat(dispatched_at),
        first_handled_at=np.where(rework_done, times["h1"], NAT),
        reworked_at=np.where(rework_done, to_dt(rework_at), NAT),
    )
