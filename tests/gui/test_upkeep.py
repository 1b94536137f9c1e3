"""After a write, the writer recounts the dashboard's months it dirtied: the dashboard, when
next looked at, only reads (and no read of the window's writes to the database)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from xjwc_desktop.core.model import Case, CaseStatus
from xjwc_desktop.core.reporting import month_cache
from xjwc_desktop.core.reporting.aggregates import AGGREGATES, direct_counts
from xjwc_desktop.core.reporting.periods import month_period
from xjwc_desktop.core.workflow import Action, Actor, Role


def dirty(db) -> tuple[list[int], list[int]]:
    with db.reading() as conn:
        return (sorted(conn.execute(select(month_cache.DIRTY.c.month)).scalars()),
                sorted(conn.execute(select(month_cache.DIRTY_PLACES.c.month)).scalars()))


def watch_prepare(monkeypatch) -> list[str]:
    """The names of the threads that bring the month caches up to date (the real work)."""
    threads: list[str] = []
    real = month_cache.prepare

    def prepare(target, **options):
        threads.append(threading.current_thread().name)
        return real(target, **options)

    monkeypatch.setattr(month_cache, "prepare", prepare)
    return threads


def test_a_step_leaves_no_month_for_the_dashboard_to_count(qtbot, demo_db, monkeypatch) -> None:
    from xjwc_desktop.core.operations import take_step
    from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

    with demo_db.reading() as conn:
        case_id, reported = conn.execute(
            select(Case.id, Case.reported_at).where(Case.status == CaseStatus.REPORTED)
            .order_by(Case.reported_at).limit(1)).one()
    month = reported.year * 100 + reported.month
    assert dirty(demo_db) == ([], [])
    writers = watch_prepare(monkeypatch)
    tasks = QtTaskManager(demo_db)
    try:
        announced = []
        tasks.operation_did_execute.connect(lambda changes, _i: announced.append(changes))
        tasks.write(lambda db: take_step(db, case_id, Action.REGISTER, Actor(Role.SUPERVISOR)))
        qtbot.waitUntil(lambda: tasks.idle, timeout=30_000)
    finally:
        tasks.shutdown()
    assert len(announced) == 1
    assert writers
    assert all(name.startswith("xjwc-writer") for name in writers)
    assert dirty(demo_db) == ([], [])  # the step's month, marked by the triggers, counted
    with demo_db.reading() as conn:
        whole = month_period(divmod(month, 100), divmod(month, 100))
        for aggregate in AGGREGATES:
            assert month_cache.cached_counts(conn, aggregate, whole) == \
                direct_counts(conn, aggregate, whole), aggregate.name


def test_a_write_that_touches_no_case_leaves_the_writer_alone(qtbot, demo_db,
                                                              monkeypatch) -> None:
    from xjwc_desktop.core.operations import save_server_settings
    from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

    threads = watch_prepare(monkeypatch)
    tasks = QtTaskManager(demo_db)
    try:
        tasks.write(lambda db: save_server_settings(db, "http://127.0.0.1:9", None, None))
        qtbot.waitUntil(lambda: tasks.idle and tasks.writes == 1, timeout=30_000)
    finally:
        tasks.shutdown()
    assert threads == []


def test_the_recount_waits_for_the_reads_the_views_asked_for(qtbot, demo_db,
                                                             monkeypatch) -> None:
    """The views hear a write and read what it changed; only then does the writer recount
    the dashboard's months (after a sync the recount takes seconds of Python, which would
    compete with the window taking the changes in)."""
    from xjwc_desktop.core.operations import take_step
    from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

    with demo_db.reading() as conn:
        case_id = conn.execute(select(Case.id).where(Case.status == CaseStatus.REPORTED)
                               .limit(1)).scalar_one()
    order: list[str] = []
    recounting = threading.Event()
    real = month_cache.prepare

    def prepare(target, **options):
        order.append("recount")
        recounting.set()
        return real(target, **options)

    monkeypatch.setattr(month_cache, "prepare", prepare)
    tasks = QtTaskManager(demo_db)

    def slow_read(_db):
        # Were the recount started beside this read, it would be seen here; it is not.
        recounting.wait(1.0)
        order.append("read")

    tasks.operation_did_execute.connect(lambda _c, _i: tasks.read(slow_read, None))
    try:
        tasks.write(lambda db: take_step(db, case_id, Action.REGISTER, Actor(Role.SUPERVISOR)))
        qtbot.waitUntil(lambda: tasks.idle and tasks.writes == 1, timeout=30_000)
    finally:
        tasks.shutdown()
    assert order == ["read", "recount"]
    assert dirty(demo_db) == ([], [])
