"""``compute_metrics``: counts by SQL GROUP BY, working-time figures by numpy, one row per group."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, and_, case, extract, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from xjwc_desktop.core.metrics.groups import (
    TOTAL_LABEL,
    check_dimension,
    describe,
    key_expression,
    month_range,
    normalise,
    sort_key,
)
from xjwc_desktop.core.metrics.row import MetricRow
from xjwc_desktop.core.metrics.timing import Timings, group_timings, to_datetime64
from xjwc_desktop.core.model import Case, CaseStatus
from xjwc_desktop.core.stats import Period
from xjwc_desktop.core.storage.database import connection_of
from xjwc_desktop.core.worktime import WorkCalendar, default_calendar

DEFAULT_REGISTER_LIMIT_MINUTES = 60
DEFAULT_DISPATCH_LIMIT_MINUTES = 60
_UNIX_JULIAN_DAY = 2440587.5  # julianday('1970-01-01')
ALL_TIME = Period()
# Dialects asked for times as minutes since 1970 (others hand over datetimes).
NUMERIC_TIME_DIALECTS = ("sqlite", "postgresql")

# Counts of registered cases, by SQL. Names are MetricRow fields.
_LIVE = Case.deleted_at.is_(None)
_ASSESSED = Case.status.not_in([CaseStatus.SUSPENDED, CaseStatus.VOIDED])
_DISPATCHED = and_(_ASSESSED, Case.dispatched_at.is_not(None))
_HANDLED = and_(_DISPATCHED, Case.handled_at.is_not(None))
_CLOSED = and_(_ASSESSED, Case.status == CaseStatus.CLOSED)
_ON_TIME = Case.handled_at <= Case.deadline_at


def _n(condition: ColumnElement) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


REGISTERED_COUNTS: dict[str, ColumnElement] = {
    "registered": func.count(),
    "suspended": _n(Case.status == CaseStatus.SUSPENDED),
    "to_close": _n(_ASSESSED),
    "closed": _n(_CLOSED),
    "closed_on_time": _n(and_(_CLOSED, _ON_TIME)),
    "dispatched": _n(_DISPATCHED),
    "handled": _n(_HANDLED),
    "handled_on_time": _n(and_(_HANDLED, _ON_TIME)),
    "reworked": _n(and_(_HANDLED, Case.rework_count > 0)),
}


def compute_metrics(
    session_or_connection: Session | Connection | Engine,
    period: Period = ALL_TIME,
    by: str | None = None,
    *,
    register_limit_minutes: int = DEFAULT_REGISTER_LIMIT_MINUTES,
    dispatch_limit_minutes: int = DEFAULT_DISPATCH_LIMIT_MINUTES,
    calendar: WorkCalendar | None = None,
) -> list[MetricRow]:
    """The metrics of cases registered in ``period``, in total (``by=None``) or per group.

    ``by`` is one of ``month``, ``zone``, ``department``, ``category``, ``inspector``,
    ``source``. With ``by=None`` there is exactly one row (key None, label 合计); by month,
    every month of the period appears, empty ones with zero counts. See the package
    docstring for the definitions.
    """
    check_dimension(by)
    cal = calendar or default_calendar()
    with connection_of(session_or_connection) as conn:
        counts = _registered_counts(conn, period, by)
        voided = _voided_counts(conn, period, by)
        timings, timing_index = _timings(conn, period, by, set(counts), cal,
                                         register_limit_minutes, dispatch_limit_minutes)
        keys = set(counts) | set(voided)
        if by is None:
            keys = {None}
        elif by == "month":
            keys |= set(_months_of(period, keys))
        labels = describe(conn, by, keys)

    rows = []
    for raw in keys:
        c = counts.get(raw, {})
        g = timing_index.get(raw)
        key, label = labels[raw] if by is not None else (None, TOTAL_LABEL)
        to_close = c.get("to_close", 0)
        rows.append(MetricRow(
            key=key,
            label=label,
            registered=c.get("registered", 0),
            registered_on_time=0 if g is None else int(timings.registered_on_time[g]),
            voided=voided.get(raw, 0),
            suspended=c.get("suspended", 0),
            to_dispatch=to_close,
            dispatched=c.get("dispatched", 0),
            dispatched_on_time=0 if g is None else int(timings.dispatched_on_time[g]),
            to_handle=c.get("dispatched", 0),
            handled=c.get("handled", 0),
            handled_on_time=c.get("handled_on_time", 0),
            reworked=c.get("reworked", 0),
            to_close=to_close,
            closed=c.get("closed", 0),
            closed_on_time=c.get("closed_on_time", 0),
            mean_handling_hours=None if g is None else timings.mean_handling_hours(g),
        ))
    rows.sort(key=lambda r: sort_key(by, r.key))
    return rows


def registered_in(period: Period) -> list[ColumnElement]:
    """立案 in period: the population of every metric but 作废数."""
    return [_LIVE, Case.registered_at.is_not(None), *period.clause(Case.registered_at)]


def _registered_counts(conn, period: Period, by: str | None) -> dict[Any, dict[str, int]]:
    key = key_expression(by, Case.registered_at)
    columns = [c.label(name) for name, c in REGISTERED_COUNTS.items()]
    stmt = select(*columns).where(*registered_in(period))
    if key is not None:
        stmt = select(key.label("key"), *columns).where(*registered_in(period)).group_by(key)
    out = {}
    for row in conn.execute(stmt).mappings():
        values = {name: int(row[name] or 0) for name in REGISTERED_COUNTS}
        out[normalise(by, row.get("key"))] = values
    if by is None and out.get(None, {}).get("registered", 0) == 0:
        return {}
    return out


def _voided_counts(conn, period: Period, by: str | None) -> dict[Any, int]:
    """作废数: cases voided (不予立案) among those reported in the period."""
    key = key_expression(by, Case.reported_at)
    where = [_LIVE, Case.status == CaseStatus.VOIDED, *period.clause(Case.reported_at)]
    if key is None:
        n = conn.execute(select(func.count()).where(*where)).scalar_one()
        return {None: int(n)} if n else {}
    rows = conn.execute(select(key, func.count()).where(*where).group_by(key)).all()
    return {normalise(by, k): int(n) for k, n in rows}


def _minutes(dialect: str, column: ColumnElement) -> ColumnElement:
    """Minutes since 1970 as a number where the dialect can say so, else the column itself.

    Numbers come out of the driver and into numpy far faster than datetimes or text.
    """
    if dialect not in NUMERIC_TIME_DIALECTS:
        return column
    if dialect == "sqlite":
        return (func.julianday(column) - _UNIX_JULIAN_DAY) * 1440.0
    return extract("epoch", column) / 60.0


def _timings(conn: Connection, period: Period, by: str | None, keys: set[Any],
             cal: WorkCalendar, register_limit: int,
             dispatch_limit: int) -> tuple[Timings, dict[Any, int]]:
    """Fetch the timestamps of the registered cases and sum the working-time figures.

    Every fetched column is a number (text keys are numbered by a CASE over the ``keys``
    the counts found), so the rows become one numpy array in a single step.
    """
    dialect = conn.dialect.name
    key = key_expression(by, Case.registered_at)
    text_keys = sorted(k for k in keys if k is not None)
    if by not in (None, "month"):
        key = (case({k: i for i, k in enumerate(text_keys)}, value=key, else_=-1)
               if text_keys else literal(-1))
    stmt = select(
        case((_ASSESSED, 1), else_=0),
        *(_minutes(dialect, c) for c in (Case.reported_at, Case.registered_at,
                                         Case.dispatched_at, Case.handled_at)),
        *([] if key is None else [key]),
    ).where(*registered_in(period))
    result = conn.execute(stmt)
    width = 5 if key is None else 6
    if dialect in NUMERIC_TIME_DIALECTS:
        # Plain numbers: the driver's rows need no type processing.
        rows = result.cursor.fetchall()
        result.close()
        columns = list(np.array(rows, dtype=np.float64).reshape(-1, width).T)
    else:
        rows = result.all()
        columns = list(zip(*rows, strict=True)) if rows else [()] * width
    n = len(rows)
    if key is None:
        group = np.zeros(n, dtype=np.int64)
        index: dict[Any, int] = {None: 0}
    else:
        codes = np.asarray(columns[5], dtype=np.float64)
        codes = np.where(np.isnan(codes), -1, codes).astype(np.int64)  # a NULL month
        found, group = np.unique(codes, return_inverse=True)
        named = ({int(c): normalise(by, int(c)) for c in found if c >= 0} if by == "month"
                 else dict(enumerate(text_keys)))
        index = {named.get(int(c)): i for i, c in enumerate(found)}
    timings = group_timings(
        cal, group.reshape(-1), max(len(index), 1),
        assessed=np.asarray(columns[0], dtype=np.float64) > 0,
        reported_at=to_datetime64(columns[1]),
        registered_at=to_datetime64(columns[2]),
        dispatched_at=to_datetime64(columns[3]),
        handled_at=to_datetime64(columns[4]),
        register_limit_minutes=register_limit,
        dispatch_limit_minutes=dispatch_limit,
    )
    return timings, index


def _months_of(period: Period, found: set[Any]) -> list[int]:
    """Every month of the period (or between the first and last month found)."""
    months = [k for k in found if k is not None]
    first = period.start.year * 100 + period.start.month if period.start else min(
        months, default=None)
    last = period.end.year * 100 + period.end.month if period.end else max(
        months, default=None)
    if first is None or last is None:
        return []
    return month_range(first, last)
