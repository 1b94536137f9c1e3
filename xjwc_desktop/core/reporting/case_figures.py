"""The dashboard's case figures for a period, cut from the aggregates of :mod:`.aggregates`.

Population: live cases (``deleted_at IS NULL``) *reported* (受理/上报) in the period, the
same population ``xjwc stats`` counts by source, so the dashboard and the report agree with
it. Every figure takes its counts from ``read``: :func:`direct_counts` (one GROUP BY over the
cases, the reference) or ``month_cache.cached_counts`` (the same counts from the per-month
cache); nothing here fetches a row per case except the overdue check, which only looks at
running cases already past their deadline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

from xjwc_desktop.core.model import Case, CaseSource, CaseStatus, Category, UnitGrid, ZoneCode
from xjwc_desktop.core.reporting.aggregates import (
    CATEGORIES,
    CUBE,
    GRIDS,
    OPEN_STATUSES,
    Aggregate,
    Counts,
    direct_counts,
    stored_code,
)
from xjwc_desktop.core.stats import Period
from xjwc_desktop.core.worktime import WorkCalendar, default_calendar

# Cases whose deadline clock runs (the traffic light measures them up to now).
RUNNING_STATUSES = [CaseStatus.REGISTERED, CaseStatus.DISPATCHED]
_OPEN_CODES = {s.value for s in OPEN_STATUSES}
#: Where a figure's counts come from: ``read(conn, aggregate, period)``.
Read = Callable[[Connection, Aggregate, Period], Counts]


def _live(period: Period) -> list:
    return [Case.deleted_at.is_(None), *period.clause(Case.reported_at)]


def _month_text(key: int) -> str:
    return f"{key // 100:04d}-{key % 100:02d}"


def case_cube(conn: Connection, period: Period,
              read: Read = direct_counts) -> list[tuple[str | None, str, str, str, int]]:
    """Counts per (month, source, zone, status): the aggregate most charts are cut from."""
    return [(None if m is None else _month_text(m), src, zone, st, n)
            for (m, src, zone, st), (n,) in read(conn, CUBE, period).items()]


def summarise_cube(cube: list[tuple], months: list[str]) -> dict[str, Any]:
    """Totals, open cases, cases per month by source, per zone and per status from the cube.

    ``months`` lists the period's months so that empty months still appear in the chart.
    """
    sources = [s.value for s in CaseSource]
    per_month: dict[str, dict[str, int]] = {m: dict.fromkeys(sources, 0) for m in months}
    zones = {z.value: {"count": 0, "open": 0} for z in ZoneCode}
    statuses = dict.fromkeys((s.value for s in CaseStatus), 0)
    by_source = dict.fromkeys(sources, 0)
    total = open_ = 0
    for month, src, zone, status, n in cube:
        if month is not None:
            per_month.setdefault(month, dict.fromkeys(sources, 0))[src] += n
        is_open = status in _OPEN_CODES
        z = zones.setdefault(zone, {"count": 0, "open": 0})
        z["count"] += n
        z["open"] += n if is_open else 0
        statuses[status] = statuses.get(status, 0) + n
        by_source[src] = by_source.get(src, 0) + n
        total += n
        open_ += n if is_open else 0
    labels = {z.value: z.label for z in ZoneCode} | {"": "（未分区）"}
    return {
        "total": total,
        "open": open_,
        "by_source": {s: {"label": CaseSource(s).label, "count": by_source[s]} for s in sources},
        "by_status": {s: {"label": CaseStatus(s).label, "count": n} for s, n in statuses.items()},
        "by_month": [{"month": m, "by_source": per_month[m], "total": sum(per_month[m].values())}
                     for m in sorted(per_month)],
        "by_zone": [{"code": code, "label": labels.get(code, code), **v}
                    for code, v in zones.items() if code or v["count"]],
    }


def category_counts(conn: Connection, period: Period,
                    read: Read = direct_counts) -> list[dict[str, Any]]:
    """Every category with cases in the period, most cases first: code, 小类, 大类, open."""
    rows = [(code, n, o) for (code,), (n, o) in read(conn, CATEGORIES, period).items()]
    names = {code: (name, major) for code, name, major in conn.execute(
        select(Category.code, Category.name, Category.major))}
    out = [{"code": code, "name": names.get(code, (code, ""))[0],
            "major": names.get(code, (code, ""))[1], "count": int(n), "open": int(o or 0)}
           for code, n, o in rows]
    out.sort(key=lambda r: (-r["count"], r["code"]))
    return out


def grid_counts(conn: Connection, period: Period, categories: tuple[str, ...] = (),
                read: Read = direct_counts) -> list[dict[str, Any]]:
    """Cases per unit grid (of ``categories`` if given) with the grid's area and density
    (cases per hectare), densest first. Grids clipped by the street boundary are smaller,
    hence density, not counts. The cache knows no categories: with them, counted directly."""
    counts = (direct_counts(conn, GRIDS, period, (Case.category_code.in_(categories),))
              if categories else read(conn, GRIDS, period))
    rows = [(code, n) for (code,), (n,) in counts.items()]
    grids = {code: (zone, area) for code, zone, area in conn.execute(
        select(UnitGrid.code, stored_code(UnitGrid.zone_code), UnitGrid.area_m2)
        .where(UnitGrid.deleted_at.is_(None)))}
    out = []
    for code, n in rows:
        zone, area_m2 = grids.get(code, ("", 0.0))
        hectares = (area_m2 or 0.0) / 10_000
        out.append({"code": code, "zone": zone or "", "count": int(n),
                    "area_m2": round(area_m2 or 0.0, 1),
                    "per_hectare": round(n / hectares, 2) if hectares else None})
    out.sort(key=lambda r: (-(r["per_hectare"] or 0), -r["count"], r["code"]))
    return out


def closed_in_period(conn: Connection, period: Period) -> int:
    """Cases closed (结案) on a day of the period, whenever they were reported."""
    return int(conn.execute(select(func.count()).where(
        Case.deleted_at.is_(None), Case.status == CaseStatus.CLOSED,
        *period.clause(Case.closed_at))).scalar_one())


def overdue_count(conn: Connection, period: Period, now: dt.datetime,
                  calendar: WorkCalendar | None = None) -> int:
    """Open cases of the period whose traffic light is red now.

    Red means more working time used than allowed (``workflow.deadlines``); the clock runs
    from 立案 to now for registered and dispatched cases. Working minutes never run ahead of
    the wall clock, so SQL narrows to deadlines already passed and numpy decides exactly
    (a deadline at 17:00 is not yet missed at 17:30: no working time has passed).
    """
    cal = calendar or default_calendar()
    rows = conn.execute(select(Case.registered_at, Case.deadline_at).where(
        *_live(period), Case.status.in_(RUNNING_STATUSES), Case.registered_at.is_not(None),
        Case.deadline_at.is_not(None), Case.deadline_at < now)).all()
    if not rows:
        return 0
    reg = cal.to_working_minutes(np.array([r[0] for r in rows], dtype="datetime64[m]"))
    limit = cal.to_working_minutes(np.array([r[1] for r in rows], dtype="datetime64[m]"))
    used = cal.to_working_minutes(np.datetime64(now, "m"))
    return int(np.count_nonzero((limit > reg) & (used > limit)))

