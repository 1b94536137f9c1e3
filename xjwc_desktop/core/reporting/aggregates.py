"""The GROUP BY aggregates the dashboard's case figures are cut from, each defined once.

An :class:`Aggregate` names its keys, its counts, the date that puts a case in a period (and
in a month) and the table that caches it per month. From that one definition come the
direct query over the cases (:func:`direct_counts`: the reference, any dialect) and the
query that recomputes one month of the cache (:mod:`.month_cache`), so the cached figures
and the direct ones cannot drift apart. Both answer in one shape: ``{key tuple: [counts]}``
(keys as the cache stores them: codes, ``''`` for a missing zone or department, the month as
``year * 100 + month`` when the figure is per month), so they can be added up.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Date, String, Table, case, cast, func, select, type_coerce
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from xjwc_desktop.core.metrics.compute import REGISTERED_COUNTS
from xjwc_desktop.core.metrics.groups import key_expression
from xjwc_desktop.core.model import (
    Case,
    CaseSource,
    CaseStatus,
    DashboardMonthCategory,
    DashboardMonthCube,
    DashboardMonthDepartment,
    DashboardMonthGrid,
    DashboardMonthInspectorDay,
)
from xjwc_desktop.core.stats import Period

OPEN_STATUSES = [s for s in CaseStatus if s not in (CaseStatus.CLOSED, CaseStatus.VOIDED)]
Counts = dict[tuple, list[int]]


def stored_code(column) -> ColumnElement:
    """An enum column fetched as its stored code: no enum lookup per group."""
    return type_coerce(column, String)


def _key(column) -> ColumnElement:
    """``column`` as a GROUP BY key: ``''`` where missing (as the cache's primary keys need).

    Being an expression, it also makes SQLite sort rather than walk the column's index to
    group, which at a million cases is three times faster (the walk jumps to the table for
    every row).
    """
    return func.coalesce(stored_code(column), "")


def _day(column) -> ColumnElement:
    return func.date(column)


@dataclass(frozen=True)
class Aggregate:
    """Counts of live cases grouped by ``keys``; a case belongs to the month of ``date``."""

    name: str
    table: Table
    date: InstrumentedAttribute
    keys: dict[str, ColumnElement]
    counts: dict[str, ColumnElement]
    where: tuple[ColumnElement, ...] = ()
    by_month: bool = False  # the month is part of the figure's key (cases per month)

    def population(self, period: Period) -> list[ColumnElement]:
        return [Case.deleted_at.is_(None), *self.where, *period.clause(self.date)]

    def month(self) -> ColumnElement:
        return key_expression("month", self.date)


CUBE = Aggregate(
    "cube", DashboardMonthCube.__table__, Case.reported_at,
    keys={"source": stored_code(Case.source), "zone": _key(Case.zone_code),
          "status": stored_code(Case.status)},
    counts={"cases": func.count()}, by_month=True)
CATEGORIES = Aggregate(
    "categories", DashboardMonthCategory.__table__, Case.reported_at,
    keys={"category_code": _key(Case.category_code)},
    counts={"cases": func.count(),
            "open": func.sum(case((Case.status.in_(OPEN_STATUSES), 1), else_=0))})
GRIDS = Aggregate(
    "grids", DashboardMonthGrid.__table__, Case.reported_at,
    keys={"grid_code": _key(Case.grid_code)}, counts={"cases": func.count()},
    where=(Case.grid_code.is_not(None),))
INSPECTOR_DAYS = Aggregate(
    "inspector_days", DashboardMonthInspectorDay.__table__, Case.reported_at,
    keys={"inspector_id": _key(Case.inspector_id), "day": _day(Case.reported_at)},
    counts={"cases": func.count()},
    where=(Case.source == CaseSource.PATROL, Case.inspector_id.is_not(None)))
# The metrics package's own count expressions over its own population (立案 in the period):
# what keeps the dashboard's rates equal to compute_metrics.
DEPARTMENTS = Aggregate(
    "departments", DashboardMonthDepartment.__table__, Case.registered_at,
    keys={"department_id": _key(Case.department_id)}, counts=dict(REGISTERED_COUNTS),
    where=(Case.registered_at.is_not(None),))

AGGREGATES = (CUBE, CATEGORIES, GRIDS, INSPECTOR_DAYS, DEPARTMENTS)


def normalise_key(aggregate: Aggregate, raw: tuple) -> tuple:
    """A fetched key in the cache's form (months as ints, days as ``YYYY-MM-DD`` text)."""
    key = list(raw)
    if aggregate.by_month:
        key[0] = None if key[0] is None else int(key[0])
    if "day" in aggregate.keys:
        at = int(aggregate.by_month) + list(aggregate.keys).index("day")
        key[at] = str(key[at])[:10]
    return tuple(key)


def direct_counts(conn: Connection, aggregate: Aggregate, period: Period,
                  extra: tuple[ColumnElement, ...] = ()) -> Counts:
    """``aggregate`` over the cases reported (or registered) in ``period``, straight from
    ``cases``: one GROUP BY, at most a few thousand rows back whatever the number of cases."""
    keys = list(aggregate.keys.values())
    if aggregate.by_month:
        keys.insert(0, aggregate.month())
    if conn.dialect.name != "sqlite" and "day" in aggregate.keys:
        keys[-1] = cast(aggregate.date, Date)
    rows = conn.execute(select(*keys, *aggregate.counts.values())
                        .where(*aggregate.population(period), *extra).group_by(*keys))
    width = len(keys)
    return {normalise_key(aggregate, tuple(row[:width])): [int(v or 0) for v in row[width:]]
            for row in rows}


def add_counts(total: Counts, more: Counts) -> Counts:
    """Add ``more`` into ``total`` key by key (periods made of disjoint pieces)."""
    for key, values in more.items():
        have = total.get(key)
        total[key] = list(values) if have is None else [a + b for a, b in
                                                        zip(have, values, strict=True)]
    return total

