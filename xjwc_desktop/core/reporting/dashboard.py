"""All dashboard figures of a period in one call: KPIs, every chart's data, the registers.

:func:`dashboard_figures` is what the GUI's dashboard shows, what ``xjwc stats --json``
carries under ``"dashboard"``, and what the work report is cut from. Its case figures are
sums over the per-month cache of :mod:`.month_cache` (brought up to date first), so a
period change costs milliseconds whatever the number of cases; with ``cached=False`` (or
where the cache cannot serve) they are counted directly from the cases, which is also the
reference the cache is tested against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from xjwc_desktop.core import clock
from xjwc_desktop.core.model import Case
from xjwc_desktop.core.reporting import month_cache
from xjwc_desktop.core.reporting.aggregates import direct_counts
from xjwc_desktop.core.reporting.buildings import demolished_by_year
from xjwc_desktop.core.reporting.case_figures import (
    Read,
    case_cube,
    category_counts,
    grid_counts,
    overdue_count,
    summarise_cube,
)
from xjwc_desktop.core.reporting.performance import department_performance, inspector_days
from xjwc_desktop.core.reporting.periods import month_period, months_of, period_label
from xjwc_desktop.core.stats import Period, bike_counts, census_counts
from xjwc_desktop.core.storage.database import connection_of
from xjwc_desktop.core.worktime import WorkCalendar

TOP_CATEGORIES = 10
ALL_TIME = Period()

#: KPI tiles in display order: (key, Chinese label, kind) where kind is "count" or "rate".
KPI_TILES: tuple[tuple[str, str, str], ...] = (
    ("open", "未结案件", "count"),
    ("overdue", "超期案件", "count"),
    ("closed", "结案数", "count"),
    ("closure_rate", "结案率", "rate"),
    ("closure_on_time_rate", "按期结案率", "rate"),
    ("rework_rate", "返工率", "rate"),
)


def latest_period(target: Any) -> Period:
    """From January to the month of the latest case report (2015-01..2015-10 on the demo):
    the period the dashboard opens with, so it opens on data, not on an empty month."""
    with connection_of(target) as conn:
        latest = conn.execute(select(func.max(Case.reported_at))
                              .where(Case.deleted_at.is_(None))).scalar()
    if latest is None:
        today = clock.today()
        return month_period((today.year, 1), (today.year, today.month))
    if isinstance(latest, str):
        latest = dt.datetime.fromisoformat(latest)
    return month_period((latest.year, 1), (latest.year, latest.month))


def _jobs(now: dt.datetime, calendar: WorkCalendar | None, read: Read) -> dict[str, Callable]:
    """The independent queries, heaviest first (so two readers finish together)."""
    return {
        "cube": lambda conn, p: case_cube(conn, p, read),
        "departments": lambda conn, p: department_performance(conn, p, read),
        "grids": lambda conn, p: grid_counts(conn, p, read=read),
        "categories": lambda conn, p: category_counts(conn, p, read),
        "inspectors": lambda conn, p: inspector_days(conn, p, read),
        "overdue": lambda conn, p: overdue_count(conn, p, now, calendar),
        "demolished": lambda conn, _p: demolished_by_year(conn),
        "census": lambda conn, _p: census_counts(conn),
        "bikes": lambda conn, _p: bike_counts(conn),
    }


def _run(target: Any, period: Period, jobs: dict[str, Callable], readers: int) -> dict:
    engine = month_cache.reader_engine(target) if readers > 1 else None
    if engine is None:
        with connection_of(target) as conn:
            return {name: job(conn, period) for name, job in jobs.items()}

    def run(job: Callable):
        with engine.connect() as conn:
            return job(conn, period)

    # SQLite runs a query without holding the GIL, so two readers scan in parallel (WAL
    # lets them run beside a writer). Each has its own snapshot: a write landing between
    # them can show in one figure and not yet in another, until the next refresh.
    with ThreadPoolExecutor(max_workers=readers, thread_name_prefix="xjwc-dashboard") as pool:
        futures = {name: pool.submit(run, job) for name, job in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


def dashboard_figures(target: Any, period: Period = ALL_TIME, *,
                      now: dt.datetime | None = None, top_categories: int = TOP_CATEGORIES,
                      calendar: WorkCalendar | None = None,
                      readers: int = month_cache.READERS, cached: bool = True) -> dict[str, Any]:
    """Every dashboard figure for cases reported in ``period`` (JSON-ready dict).

    KPIs: ``open`` and ``overdue`` (red light at ``now``) among the period's cases; 结案数
    ``closed`` and 结案率 / 按期结案率 / 返工率 as ``compute_metrics`` defines them (cases
    *registered* in the period, so the tile beside 结案率 is its numerator). Closures by
    their own date (:func:`closed_in_period`) are left out: without an index on
    ``closed_at`` they cost a scan of every case whatever the period. Charts: cases per
    month by source, top categories, per patrol zone and per unit grid, inspectors' finds per
    day against their target, departments' on-time handling; and the registers: demolitions
    per year with area, the census, the bike stations. ``now`` defaults to the clock.

    ``target`` is a Database, Engine, Session or Connection; with a Database or an Engine
    on a file the queries run on ``readers`` connections at once. ``cached`` reads the case
    figures from the per-month cache, recomputing the months written since the last read
    first (a write through ``target``); ``cached=False`` counts them from the cases.
    """
    now = now or clock.now()
    read = month_cache.cached_counts if cached and month_cache.prepare(target) else direct_counts
    got = _run(target, period, _jobs(now, calendar, read), readers)
    months = months_of(period) or sorted({row[0] for row in got["cube"] if row[0]})
    cases = summarise_cube(got["cube"], months)
    total = got["departments"]["total"]
    kpis = {
        "reported": cases["total"],
        "open": cases["open"],
        "overdue": got["overdue"],
        **{k: total[k] for k in ("registered", "to_close", "closed", "closed_on_time",
                                 "handled", "reworked", "closure_rate",
                                 "closure_on_time_rate", "handling_on_time_rate",
                                 "rework_rate")},
    }
    return {
        "period": {**period.as_dict(), "label": period_label(period), "months": months},
        "as_of": now.isoformat(sep=" "),
        "kpis": kpis,
        "cases": {k: cases[k] for k in ("total", "by_source", "by_status")},
        "cases_by_month": cases["by_month"],
        "top_categories": got["categories"][:top_categories],
        "category_count": len(got["categories"]),
        "by_zone": cases["by_zone"],
        "by_grid": got["grids"],
        "inspectors": got["inspectors"],
        "departments": got["departments"]["departments"],
        "demolished_by_year": got["demolished"],
        "census": got["census"],
        "bikes": got["bikes"],
    }
