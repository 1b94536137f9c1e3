"""Per-month totals of the dashboard's aggregates, kept correct by triggers on ``cases``.

Why: a dashboard period holding every case used to cost seconds at a million cases (each
aggregate read and sorted the whole table). The cache holds each :mod:`.aggregates`
aggregate per calendar month, so any period of whole months is a sum over at most a few
thousand cached rows; the days of a period that do not fill a month are counted directly.

How it stays correct: triggers on ``cases`` (migration 0005, SQLite only) add the months a
write touches — the old and the new month of 受理 (``reported_at``) and of 立案
(``registered_at``), the two dates figures are keyed by — to ``dashboard_dirty_months``, for
every insert, every delete and every update of a column a figure reads (soft deletion
included). They fire whoever writes: the ORM, raw SQL, imports, the sync engine. The hotspot
places (:mod:`.place_cache`) have their own dirty months (migration 0008), marked only when
what they read changes (the 受理 date, position, category, grid, deletion): a workflow step
does not recount them. Before the dashboard reads, :func:`prepare` recomputes just the dirty
months, in one transaction.
Figures that depend on "now" (overdue) are never cached.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.elements import ColumnElement

from xjwc_desktop.core.metrics.groups import month_range
from xjwc_desktop.core.model import DashboardDirtyMonth, DashboardDirtyPlaceMonth
from xjwc_desktop.core.reporting import place_cache
from xjwc_desktop.core.reporting.aggregates import (
    AGGREGATES,
    DEPARTMENTS,
    GRIDS,
    Aggregate,
    Counts,
    add_counts,
    direct_counts,
    normalise_key,
)
from xjwc_desktop.core.reporting.periods import month_end, month_period
from xjwc_desktop.core.stats import Period
from xjwc_desktop.core.storage.database import connection_of, writing

DIRTY = DashboardDirtyMonth.__table__
DIRTY_PLACES = DashboardDirtyPlaceMonth.__table__
READERS = 2  # connections reading at once: the machines have two cores
PARALLEL_FROM = 4  # dirty months from which counting on several readers pays
_CHUNK = 500  # months per IN (...) list


def reader_engine(target: Any) -> Engine | None:
    """The engine to open several readers on, if ``target`` lends connections and they
    see the same data (a file; each connection to ``:memory:`` is a database of its own)."""
    engine = _engine_of(target)
    if engine is None:
        return None
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return None
    return engine


def _engine_of(target: Any) -> Engine | None:
    """The engine of a Database or an Engine; None for a Connection or a Session, which are
    used as they are (their transaction may hold writes no other connection sees yet)."""
    if isinstance(target, Connection):
        return None
    engine = getattr(target, "engine", target)
    return engine if isinstance(engine, Engine) else None


def usable(conn: Connection) -> bool:
    """The cache exists (and is kept by triggers) on SQLite databases only."""
    return conn.dialect.name == "sqlite"


def dirty_months(conn: Connection) -> list[int]:
    """The months some cache must recount (the figures', the places' or both)."""
    return sorted({*conn.execute(select(DIRTY.c.month)).scalars(),
                   *conn.execute(select(DIRTY_PLACES.c.month)).scalars()})


def refresh(conn: Connection, readers: Engine | None = None) -> list[int]:
    """Recompute every dirty month in the caller's transaction (the figures' dirty months
    for the figures, the places' for the places); returns those months.

    With ``readers`` (an engine on the same file) and many months to do, the months are
    counted on :data:`READERS` connections at once while ``conn`` holds the write lock and
    writes what they count: they read the committed cases, which this transaction does not
    change (SQLite sorts without holding the GIL, so two readers use both cores).
    """
    # The first statement writes, so the transaction holds SQLite's write lock before it
    # reads the dirty list: no write can land between reading the list and clearing it.
    months = sorted(conn.execute(delete(DIRTY).returning(DIRTY.c.month)).scalars())
    place_months = sorted(conn.execute(delete(DIRTY_PLACES)
                                       .returning(DIRTY_PLACES.c.month)).scalars())
    for i in range(0, len(months), _CHUNK):
        for aggregate in AGGREGATES:
            table = aggregate.table
            conn.execute(delete(table).where(table.c.month.in_(months[i:i + _CHUNK])))
    jobs = [(aggregate, month) for month in months for aggregate in AGGREGATES]
    if readers is None or len(months) + len(place_months) < PARALLEL_FROM:
        for aggregate, month in jobs:
            conn.execute(insert(aggregate.table).from_select(_columns(aggregate),
                                                              _month_query(aggregate, month)))
        if place_months:
            place_cache.replace_months(conn, place_months,
                                       place_cache.month_rows(conn, place_months))
        return sorted({*months, *place_months})

    def count(job: tuple[Aggregate, int]) -> tuple[Aggregate, list]:
        with readers.connect() as reader:
            return job[0], reader.execute(_month_query(*job)).all()

    def places() -> list[dict]:
        with readers.connect() as reader:
            return place_cache.month_rows(reader, place_months)

    with ThreadPoolExecutor(READERS, thread_name_prefix="xjwc-month-cache") as pool:
        place_rows = pool.submit(places) if place_months else None
        _write_counts(conn, pool.map(count, jobs))
        if place_rows is not None:
            place_cache.replace_months(conn, place_months, place_rows.result())
    return sorted({*months, *place_months})


def _write_counts(conn: Connection, results) -> None:
    for aggregate, rows in results:
        if rows:
            names = _columns(aggregate)
            conn.execute(insert(aggregate.table),
                         [dict(zip(names, row, strict=True)) for row in rows])


def stored_month(date) -> ColumnElement:
    """The month (``year * 100 + month``) of a date as SQLite stores it, cut from its text
    as the triggers do: parsing a million dates (strftime) costs seconds."""
    return (cast(func.substr(date, 1, 4), Integer) * literal_column("100")
            + cast(func.substr(date, 6, 2), Integer))


def _all_months_query(aggregate: Aggregate):
    """Every month of ``aggregate`` at once: one GROUP BY over the cases."""
    month = stored_month(aggregate.date)
    keys = list(aggregate.keys.values())
    return (select(month, *keys, *aggregate.counts.values())
            .where(*aggregate.population(Period()), aggregate.date.is_not(None))
            .group_by(month, *keys))


def rebuild(target: Any) -> None:
    """Count every month of every cached figure afresh, one GROUP BY per figure over all
    cases, and clear the dirty months: what a bulk load (``xjwc demo``) or an upgrade ends
    with, so that no dashboard waits for its first refresh. Seconds at a million cases.

    The writing connection counts each figure into its table by one ``INSERT … SELECT``
    (inside SQLite, the GIL released: no row comes to Python); when ``target`` lends
    readers, one reader counts the hotspot places meanwhile, then takes figures from the
    same list, so both cores count until the list is done."""
    engine = _engine_of(target)
    if engine is not None:
        with engine.begin() as conn:
            _rebuild_on(conn, reader_engine(engine))
        return
    conn = target if isinstance(target, Connection) else target.connection()  # a Session
    with conn.begin_nested():
        _rebuild_on(conn, None)


# The figures in the order they are taken: the unit grids first (by far the most rows: the
# writer, which takes first, stores them without bringing them to Python), then the
# slowest to count, so that neither thread is left with a long one at the end.
_REBUILD_ORDER = (GRIDS, DEPARTMENTS,
                  *(a for a in AGGREGATES if a is not GRIDS and a is not DEPARTMENTS))


def _rebuild_on(conn: Connection, readers: Engine | None) -> None:
    conn.execute(delete(DIRTY))  # first a write: the transaction holds the write lock
    conn.execute(delete(DIRTY_PLACES))
    for aggregate in AGGREGATES:
        conn.execute(delete(aggregate.table))
    todo = deque(_REBUILD_ORDER)
    lock = threading.Lock()

    def take() -> Aggregate | None:
        with lock:
            return todo.popleft() if todo else None

    def count_all(aggregate: Aggregate) -> None:
        conn.execute(insert(aggregate.table).from_select(_columns(aggregate),
                                                         _all_months_query(aggregate)))

    if readers is None:
        while (aggregate := take()) is not None:
            count_all(aggregate)
        place_cache.replace_months(conn, None, place_cache.month_rows(conn))
        return

    def read() -> tuple[list[dict], list[tuple[Aggregate, list]]]:
        with readers.connect() as reader:
            places = place_cache.month_rows(reader)
            counted = []
            while (aggregate := take()) is not None:
                counted.append((aggregate, reader.execute(_all_months_query(aggregate)).all()))
            return places, counted

    with ThreadPoolExecutor(1, thread_name_prefix="xjwc-month-cache") as pool:
        reading = pool.submit(read)
        while (aggregate := take()) is not None:
            count_all(aggregate)
        places, counted = reading.result()
    _write_counts(conn, counted)
    place_cache.replace_months(conn, None, places)


@dataclass
class Counted:
    """Every month of every cached figure and of the hotspot places, counted on readers
    (:func:`count_all`) to be stored later (:func:`store_all`)."""

    figures: list[tuple[Aggregate, list]]
    places: list[dict]


def count_all(readers: Engine) -> Counted:
    """Count every month of every cache on :data:`READERS` readers at once, writing nothing.

    For a database being built (``xjwc demo``), whose builder makes its indexes meanwhile
    on the writing connection: only right if nothing writes cases between this count and
    :func:`store_all`. A live database is counted by :func:`rebuild`, in its write
    transaction."""
    todo = deque(_REBUILD_ORDER)
    lock = threading.Lock()

    def take() -> Aggregate | None:
        with lock:
            return todo.popleft() if todo else None

    def figures(reader: Connection) -> list[tuple[Aggregate, list]]:
        counted = []
        while (aggregate := take()) is not None:
            counted.append((aggregate, reader.execute(_all_months_query(aggregate)).all()))
        return counted

    def places() -> tuple[list[dict], list[tuple[Aggregate, list]]]:
        with readers.connect() as reader:
            return place_cache.month_rows(reader), figures(reader)

    with ThreadPoolExecutor(1, thread_name_prefix="xjwc-month-cache") as pool:
        other = pool.submit(places)
        with readers.connect() as reader:
            counted = figures(reader)
        place_rows, more = other.result()
    return Counted(counted + more, place_rows)


def store_all(conn: Connection, counted: Counted) -> None:
    """Put what :func:`count_all` counted in place of every cached month, and clear the
    dirty months (the write transaction of ``conn``)."""
    conn.execute(delete(DIRTY))
    conn.execute(delete(DIRTY_PLACES))
    for aggregate in AGGREGATES:
        conn.execute(delete(aggregate.table))
    _write_counts(conn, counted.figures)
    place_cache.replace_months(conn, None, counted.places)


def _columns(aggregate: Aggregate) -> list[str]:
    return ["month", *aggregate.keys, *aggregate.counts]


def _month_query(aggregate: Aggregate, month: int):
    """One month of ``aggregate`` as the rows of its cache table."""
    year_month = divmod(month, 100)
    keys = list(aggregate.keys.values())
    return (select(literal(month), *keys, *aggregate.counts.values())
            .where(*aggregate.population(month_period(year_month, year_month)))
            .group_by(*keys))


def mark_all(conn: Connection) -> list[int]:
    """Mark every month from the first to the last case date dirty (and every month the
    cache holds), after a bulk load that ran without the triggers: the next read recomputes
    them. Cheap at any size: the bounds come from the date indexes."""
    dates = {a.date.key: a.date for a in AGGREGATES}.values()
    bounds = [v for d in dates for v in conn.execute(select(
        select(func.min(d)).scalar_subquery(), select(func.max(d)).scalar_subquery())).one()
        if v is not None]
    months = set()
    if bounds:
        first, last = (_month(_as_datetime(v)) for v in (min(bounds), max(bounds)))
        months.update(month_range(first, last))
    for table in (*(a.table for a in AGGREGATES), place_cache.TABLE):
        months.update(conn.execute(select(table.c.month).distinct()).scalars())
    if months:
        for dirty in (DIRTY, DIRTY_PLACES):
            conn.execute(insert(dirty).prefix_with("OR IGNORE"),
                         [{"month": m} for m in sorted(months)])
    return sorted(months)


# The month of a stored date, as the triggers of migration 0005 compute it.
_MONTH_SQL = "CAST(substr({0}, 1, 4) AS INTEGER) * 100 + CAST(substr({0}, 6, 2) AS INTEGER)"
TRIGGERS = ("cases_dashboard_ai", "cases_dashboard_au", "cases_dashboard_ad",
            "cases_places_ai", "cases_places_au", "cases_places_ad")


def mark_months_of(conn: Connection, dirty: str, dates) -> None:
    """Mark the months of the stored dates ``dates`` (texts, NULLs skipped) in the dirty
    table ``dirty``, as the triggers compute them: for a bulk write that ran without the
    triggers. Only the first seven characters decide a month, so each distinct one is
    sent once."""
    if dirty not in (DIRTY.name, DIRTY_PLACES.name):
        raise ValueError(dirty)
    heads = sorted({d[:7] for d in dates if d is not None})
    if heads:
        conn.exec_driver_sql(
            f"INSERT OR IGNORE INTO {dirty} (month) SELECT DISTINCT "
            f"{_MONTH_SQL.format('value')} FROM json_each(?)", (orjson.dumps(heads).decode(),))


def _as_datetime(value) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def prepare(target: Any, *, parallel: bool = True) -> bool:
    """Bring the cache up to date for a read through ``target`` (a Database, Engine,
    Session or Connection). False when it cannot serve this read — not SQLite, or the
    database is locked by a long write — and the figures must be counted directly.

    ``parallel=False`` counts on the one writing connection, each figure's month by one
    ``INSERT … SELECT`` inside SQLite: slower, but one core and hardly any Python, for
    upkeep in the background while the operator works (a read waiting for its figures
    wants both cores)."""
    engine = _engine_of(target)
    try:
        if engine is not None:
            if engine.dialect.name != "sqlite":
                return False
            with engine.connect() as conn:
                if not _any_dirty(conn):
                    return True
            with writing(engine) as conn:  # through the process's write gate, in turn
                refresh(conn, reader_engine(engine) if parallel else None)
            return True
        with connection_of(target) as conn:
            if not usable(conn):
                return False
            if _any_dirty(conn):
                with conn.begin_nested():
                    refresh(conn)
            return True
    except OperationalError as exc:
        if _busy(exc):
            return False
        raise


def _any_dirty(conn: Connection) -> bool:
    return bool(conn.execute(select(or_(exists().select_from(DIRTY),
                                        exists().select_from(DIRTY_PLACES)))).scalar())


def _busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text or "readonly" in text


def cached_counts(conn: Connection, aggregate: Aggregate, period: Period) -> Counts:
    """``aggregate`` over ``period``: its whole months from the cache, the days around them
    that do not fill a month counted directly. The cache must be :func:`prepare`\\ d."""
    months, edges = split(period)
    total: Counts = {}
    if months is not None:
        add_counts(total, _read(conn, aggregate, *months))
    for edge in edges:
        add_counts(total, direct_counts(conn, aggregate, edge))
    return total


def _read(conn: Connection, aggregate: Aggregate, first: int | None,
          last: int | None) -> Counts:
    table = aggregate.table
    keys = ([table.c.month] if aggregate.by_month else []) + [table.c[k] for k in
                                                             aggregate.keys]
    where = []
    if first is not None:
        where.append(table.c.month >= first)
    if last is not None:
        where.append(table.c.month <= last)
    rows = conn.execute(select(*keys, *(func.sum(table.c[c]) for c in aggregate.counts))
                        .where(*where).group_by(*keys))
    width = len(keys)
    return {normalise_key(aggregate, tuple(row[:width])): [int(v or 0) for v in row[width:]]
            for row in rows}


def _month(day: dt.date) -> int:
    return day.year * 100 + day.month


def split(period: Period) -> tuple[tuple[int | None, int | None] | None, list[Period]]:
    """The whole months of ``period`` (first, last; None for an open end) and the periods
    of the days outside them. ``(None, [period])`` when it holds no whole month."""
    start, end = period.start, period.end
    first = last = None
    edges = []
    if start is not None:
        first = _month(start)
        if start.day != 1:
            following = month_end(start.year, start.month) + dt.timedelta(days=1)
            first = _month(following)
            edges.append(Period(start, following - dt.timedelta(days=1)))
    if end is not None:
        last = _month(end)
        if end != month_end(end.year, end.month):
            previous = end.replace(day=1) - dt.timedelta(days=1)
            last = _month(previous)
            edges.append(Period(previous + dt.timedelta(days=1), end))
    if first is not None and last is not None and first > last:
        return None, [period]
    return (first, last), edges
