"""The dashboard's per-month cache: after every kind of write, the cached figures are the
figures counted directly from the cases, and the triggers mark exactly the months touched."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import numpy as np
import pytest
from sqlalchemy import select, text
from sqlalchemy.sql import visitors

from tests.core.workflow_helpers import START, case_in
from xjwc_desktop.core.model import Case, CaseStatus
from xjwc_desktop.core.reporting import (
    dashboard_figures,
    month_cache,
    parse_month_period,
    place_cache,
)
from xjwc_desktop.core.reporting.aggregates import AGGREGATES, GRIDS, direct_counts
from xjwc_desktop.core.stats import Period
from xjwc_desktop.core.storage.database import open_database

NOW = dt.datetime(2016, 4, 1, 10, 0)
D = dt.date
PERIODS = {
    "seed": parse_month_period("2015-01..2015-10"),
    "spring": parse_month_period("2015-03..2015-05"),
    "july": parse_month_period("2015-07"),
    "2016": parse_month_period("2016-01..2016-12"),
    "days": Period(D(2015, 3, 10), D(2015, 4, 20)),  # whole April, days of March
    "within a month": Period(D(2015, 6, 3), D(2015, 6, 17)),
    "until mid-June": Period(None, D(2015, 6, 15)),
    "from mid-June": Period(D(2015, 6, 15), None),
    "all": Period(),
}


def figures(target, period: Period, cached: bool) -> dict:
    f = dashboard_figures(target, period, now=NOW, cached=cached)
    f.pop("as_of")
    return f


def dirty(db) -> list[int]:
    with db.engine.connect() as conn:
        return month_cache.dirty_months(conn)


def dirty_in(db, table) -> list[int]:
    with db.engine.connect() as conn:
        return sorted(conn.execute(select(table.c.month)).scalars())


def assert_cache_is_the_cases(db) -> None:
    """Every period's cached figures equal the direct ones, and so does every cached month."""
    for name, period in PERIODS.items():
        assert figures(db, period, cached=True) == figures(db, period, cached=False), name
    assert dirty(db) == []
    with db.engine.connect() as conn:
        assert_places_are_the_cases(conn)
        months = [m for (m,) in conn.exec_driver_sql(
            "SELECT DISTINCT CAST(strftime('%Y%m', reported_at) AS INTEGER) FROM cases")]
        for month in months:
            whole = parse_month_period(f"{month // 100}-{month % 100:02d}")
            for aggregate in AGGREGATES:
                assert month_cache.cached_counts(conn, aggregate, whole) == \
                    direct_counts(conn, aggregate, whole), (aggregate.name, month)


def assert_places_are_the_cases(conn) -> None:
    """The hotspots' cells (and unit grids of categories) from the cache are the ones
    counted directly."""
    from xjwc_desktop.core.reporting.cells import cell_counts

    def nonzero(cells) -> dict:
        k, cell = np.nonzero(cells.matrix)
        return {(cells.codes[a], b): int(cells.matrix[a, b])
                for a, b in zip(k.tolist(), cell.tolist(), strict=True)}

    raster = place_cache.street_raster()
    for name, period in PERIODS.items():
        for categories in ((), ("E0101", "C0101")):
            cells, grids = place_cache.period_counts(conn, period, categories)
            direct = place_cache.CellCounts.from_rows(
                raster, cell_counts(conn, raster, period, categories))
            assert nonzero(cells) == nonzero(direct), (name, categories)
            if categories:
                assert dict(grids) == {code: n for (code,), (n,) in direct_counts(
                    conn, GRIDS, period, (Case.category_code.in_(categories),)).items()}, name
            else:
                assert grids is None  # read from the unit grids' own month cache


def assert_built_with_the_data(db) -> None:
    """Nothing waits to be counted, and what is cached (read without any refresh) is what
    the cases say: every figure, every month, and the hotspots' cells and grids."""
    assert dirty(db) == []
    with db.engine.connect() as conn:
        for name, period in PERIODS.items():
            for aggregate in AGGREGATES:
                assert month_cache.cached_counts(conn, aggregate, period) == \
                    direct_counts(conn, aggregate, period), (name, aggregate.name)
        assert_places_are_the_cases(conn)
    assert_cache_is_the_cases(db)


def reported(db, period: Period) -> int:
    return figures(db, period, cached=True)["kpis"]["reported"]


def test_a_new_demo_comes_with_its_cache(demo_db) -> None:
    """The demo counts its months as it is made: the first dashboard has nothing to do."""
    with demo_db.engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT sum(cases) FROM dashboard_month_cube").scalar()
    assert total == 15_789
    assert_built_with_the_data(demo_db)


def test_a_scale_demo_comes_with_its_cache(tmp_path) -> None:
    from xjwc_desktop.core.demo.generate import create_demo

    db = open_database(create_demo(tmp_path / "scale.sqlite", cases=20_000))
    try:
        with db.engine.connect() as conn:
            total = conn.exec_driver_sql("SELECT sum(cases) FROM dashboard_month_cube").scalar()
        assert total == 35_789
        assert_built_with_the_data(db)
    finally:
        db.close()


def test_marking_everything_recounts_everything(demo_db) -> None:
    month_cache.prepare(demo_db)
    with demo_db.engine.begin() as conn:  # a stale month only the cache still holds
        conn.exec_driver_sql("INSERT INTO dashboard_month_grids VALUES (201412, 'x', 5)")
        assert month_cache.mark_all(conn) == [201412, *range(201501, 201511)]
    assert_cache_is_the_cases(demo_db)
    with demo_db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM dashboard_month_grids "
                                    "WHERE month = 201412").scalar() == 0


@pytest.fixture
def db(demo_db):
    """The demo database with its cache counted: each test starts from a clean state."""
    month_cache.prepare(demo_db)
    return demo_db


def test_new_cases_and_their_steps(db) -> None:
    march = parse_month_period("2016-03")
    assert reported(db, march) == 0
    with db.write() as s:
        case_in(s, CaseStatus.CLOSED)
        case_in(s, CaseStatus.DISPATCHED, at=START + dt.timedelta(hours=2))
    assert dirty(db) == [201603]
    f = figures(db, march, cached=True)
    assert (f["kpis"]["reported"], f["kpis"]["registered"], f["kpis"]["closed"]) == (2, 2, 1)
    assert f["kpis"]["open"] == 1
    assert_cache_is_the_cases(db)


def test_a_case_moved_to_another_month(db) -> None:
    spring, july = PERIODS["spring"], PERIODS["july"]
    before = reported(db, spring), reported(db, july)
    with db.write() as s:
        case = s.scalars(select(Case.id).where(
            Case.reported_at >= dt.datetime(2015, 4, 1),
            Case.registered_at >= dt.datetime(2015, 4, 2),
            Case.registered_at < dt.datetime(2015, 5, 1)).limit(1)).first()
        moved = s.get(Case, case)
        moved.reported_at = dt.datetime(2015, 7, 15, 9, 0)
        moved.registered_at = dt.datetime(2015, 7, 15, 9, 30)
    # Old and new month of both dates; nothing else.
    assert dirty(db) == [201504, 201507]
    assert (reported(db, spring), reported(db, july)) == (before[0] - 1, before[1] + 1)
    assert_cache_is_the_cases(db)


def test_a_case_moved_on_the_map(db) -> None:
    """Positions feed the hotspots' cells: moving a case marks its month for the places,
    and only for them (no other figure reads a position)."""
    month_cache.prepare(db)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET lon = lon + 0.003, lat = lat - 0.002 "
                             "WHERE reported_at LIKE '2015-06-1%'")
    assert dirty(db) == [201506]
    assert dirty_in(db, month_cache.DIRTY) == []
    assert dirty_in(db, month_cache.DIRTY_PLACES) == [201506]
    month_cache.prepare(db)
    with db.engine.connect() as conn:
        assert_places_are_the_cases(conn)


def test_a_workflow_step_leaves_the_places_alone(db) -> None:
    """A step changes a status, a department and dates, none of which a hotspot place
    reads: its months are recounted for the figures, not for the places (the costliest
    cache), and both stay equal to the cases."""
    month_cache.prepare(db)
    with db.engine.begin() as conn:
        n = conn.exec_driver_sql(
            "UPDATE cases SET status = 'closed', handled_at = registered_at, "
            "department_id = NULL, rework_count = rework_count + 1 "
            "WHERE reported_at LIKE '2015-05-2%' AND status != 'closed'").rowcount
    assert n > 0
    assert dirty_in(db, month_cache.DIRTY) != []
    assert dirty_in(db, month_cache.DIRTY_PLACES) == []
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET category_code = 'C0101' "
                             "WHERE reported_at LIKE '2015-05-2%'")
    assert dirty_in(db, month_cache.DIRTY_PLACES) == [201505]
    assert_cache_is_the_cases(db)


def test_soft_deletion(db) -> None:
    before = reported(db, PERIODS["spring"])
    with db.engine.begin() as conn:
        n = conn.exec_driver_sql(
            "UPDATE cases SET deleted_at = '2015-11-01 00:00:00.000000' WHERE id IN ("
            "SELECT id FROM cases WHERE reported_at LIKE '2015-04-1%' LIMIT 25)").rowcount
    assert n == 25
    assert 201504 in dirty(db)
    assert reported(db, PERIODS["spring"]) == before - 25
    assert_cache_is_the_cases(db)


def test_a_raw_sql_bulk_update(db) -> None:
    seed = PERIODS["seed"]
    before = figures(db, seed, cached=True)["kpis"]
    with db.engine.begin() as conn:  # one column each: every one must mark its months
        n = conn.exec_driver_sql("UPDATE cases SET status = 'closed' "
                                 "WHERE status IN ('handled', 'verified')").rowcount
        conn.exec_driver_sql("UPDATE cases SET rework_count = rework_count + 1 "
                             "WHERE reported_at LIKE '2015-09-%'")
    assert n > 0
    after = figures(db, seed, cached=True)["kpis"]
    assert after["closed"] == before["closed"] + n
    assert after["rework_rate"] > before["rework_rate"]
    assert_cache_is_the_cases(db)


def test_a_deleted_row(db) -> None:
    """A hard DELETE (not something the application does; a DBA or a tool might)."""
    columns = [c.name for c in Case.__table__.columns if c.name not in
               ("id", "case_no", "external_no")]
    listed = ", ".join(columns)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO cases (id, case_no, {listed}) SELECT 'copy', 'XJWCOPY', {listed} "
            "FROM cases WHERE reported_at >= '2015-08-01' ORDER BY reported_at LIMIT 1")
    assert dirty(db) == [201508]
    with_copy = reported(db, PERIODS["seed"])
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM cases WHERE id = 'copy'")
    assert dirty(db) == [201508]
    assert reported(db, PERIODS["seed"]) == with_copy - 1 == 15_789
    assert_cache_is_the_cases(db)


def test_an_import(demo_db_path, tmp_path) -> None:
    from tests.core.exchange_helpers import write_csv
    from tests.core.test_import_orders import GOOD, HEADER
    from xjwc_desktop.core.exchange.importer import import_file

    db = open_database(demo_db_path)
    month_cache.prepare(db)  # the demo's own months: counted before the import
    db.close()
    report = import_file(demo_db_path, "12345", write_csv(tmp_path / "工单.csv",
                                                          [HEADER, *GOOD]), now=NOW)
    assert report.added == 3
    db = open_database(demo_db_path)
    try:
        assert_built_with_the_data(db)  # the import counted its month itself
        f = figures(db, parse_month_period("2016-01"), cached=True)
        assert f["cases"]["by_source"]["hotline"]["count"] == 3
    finally:
        db.close()


def test_the_triggers_watch_every_column_a_cached_figure_reads(db) -> None:
    read = {"deleted_at"}
    for aggregate in AGGREGATES:
        expressions = [aggregate.date, *aggregate.keys.values(), *aggregate.counts.values(),
                       *aggregate.where]
        for expression in expressions:
            read |= {node.name for node in visitors.iterate(expression)
                     if getattr(node, "table", None) is Case.__table__}
    places = {"deleted_at"}
    for expression in place_cache.expressions(place_cache.street_raster()).values():
        places |= {node.name for node in visitors.iterate(expression)
                   if getattr(node, "table", None) is Case.__table__}
    with db.engine.connect() as conn:
        triggers = dict(conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND (name LIKE 'cases_dashboard_%' OR name LIKE 'cases_places_%')").all())
    assert set(triggers) == set(month_cache.TRIGGERS)

    def watched(trigger: str) -> set[str]:
        listed = re.search(r"UPDATE OF (.*?) ON cases", triggers[trigger]).group(1)
        return {c.strip() for c in listed.split(",")}

    assert read <= watched("cases_dashboard_au")
    assert places <= watched("cases_places_au")
    assert {"status", "reported_at", "registered_at", "department_id"} <= read
    assert {"lon", "lat", "reported_at", "category_code"} <= places
    assert "status" not in watched("cases_places_au")


def test_an_upgraded_database_gets_its_cache_from_the_upgrade(demo_db_path) -> None:
    from alembic import command

    from xjwc_desktop.core.storage import migrate

    db = open_database(demo_db_path)
    with db.engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0004")
    db.close()
    con = sqlite3.connect(demo_db_path)
    assert not con.execute("SELECT name FROM sqlite_master WHERE name LIKE 'dashboard%' "
                           "OR name LIKE 'cases_dashboard%'").fetchall()
    con.close()
    db = open_database(demo_db_path)  # 0005 marks every month, 0008 counts them all
    try:
        assert_built_with_the_data(db)
    finally:
        db.close()


def test_an_upgrade_from_0007_keeps_what_is_counted_and_what_is_not(demo_db_path) -> None:
    """A workstation already at 0007 has its caches counted: 0008 does not count them
    again, and a month dirty before the upgrade is dirty for the figures and the places."""
    from alembic import command

    from xjwc_desktop.core.storage import migrate

    db = open_database(demo_db_path)
    with db.engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0007")
        conn.exec_driver_sql("UPDATE cases SET lon = lon + 0.001 "
                             "WHERE reported_at LIKE '2015-06-1%'")
        conn.exec_driver_sql("UPDATE dashboard_month_places SET cells = 'stale' "
                             "WHERE month = 201503")
    db.close()
    db = open_database(demo_db_path)
    try:
        assert dirty_in(db, month_cache.DIRTY) == [201506]
        assert dirty_in(db, month_cache.DIRTY_PLACES) == [201506]
        with db.engine.begin() as conn:  # not counted again: March is as it was left
            assert set(conn.exec_driver_sql("SELECT cells FROM dashboard_month_places "
                                            "WHERE month = 201503").scalars()) == {"stale"}
            conn.execute(month_cache.DIRTY_PLACES.insert().values(month=201503))
        assert_cache_is_the_cases(db)  # June recounted for the places as well
    finally:
        db.close()


def test_a_locked_database_is_counted_directly(db) -> None:
    """Another program holds the write lock: the figures are right, only slower."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET deleted_at = '2015-11-01 00:00:00.000000' "
                             "WHERE reported_at LIKE '2015-05-%'")
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout = 50")
            assert month_cache.prepare(conn) is False
            f = figures(conn, PERIODS["spring"], cached=True)
            assert f == figures(conn, PERIODS["spring"], cached=False)
            conn.exec_driver_sql("PRAGMA busy_timeout = 10000")
            conn.rollback()
        assert [m["month"] for m in f["cases_by_month"] if m["total"] == 0] == ["2015-05"]
    finally:
        other.execute("ROLLBACK")
        other.close()
    # Still to do (May, and June where some of May's cases were registered), done by the
    # next refresh.
    assert dirty(db) == [201505, 201506]
    assert_cache_is_the_cases(db)


@pytest.mark.parametrize(("period", "months", "edges"), [
    (Period(D(2015, 1, 1), D(2015, 10, 31)), (201501, 201510), []),
    (Period(D(2015, 1, 5), D(2015, 10, 31)), (201502, 201510),
     [Period(D(2015, 1, 5), D(2015, 1, 31))]),
    (Period(D(2015, 12, 5), D(2016, 2, 10)), (201601, 201601),
     [Period(D(2015, 12, 5), D(2015, 12, 31)), Period(D(2016, 2, 1), D(2016, 2, 10))]),
    (Period(D(2015, 3, 2), D(2015, 3, 30)), None, [Period(D(2015, 3, 2), D(2015, 3, 30))]),
    (Period(D(2015, 3, 2), D(2015, 4, 29)), None, [Period(D(2015, 3, 2), D(2015, 4, 29))]),
    (Period(None, D(2016, 2, 29)), (None, 201602), []),
    (Period(D(2015, 3, 2), None), (201504, None), [Period(D(2015, 3, 2), D(2015, 3, 31))]),
    (Period(), (None, None), []),
])
def test_a_period_splits_into_whole_months_and_days(period, months, edges) -> None:
    assert month_cache.split(period) == (months, edges)


def test_writes_through_a_session_are_seen_by_the_next_read(db) -> None:
    """The report and ``xjwc stats`` read through the session that may have written."""
    with db.write() as s:
        before = figures(s, PERIODS["july"], cached=True)["kpis"]["reported"]
        s.execute(text("UPDATE cases SET reported_at = '2015-07-01 08:00:00.000000' "
                       "WHERE id IN (SELECT id FROM cases WHERE reported_at LIKE '2015-08-%' "
                       "LIMIT 7)"))
        assert figures(s, PERIODS["july"], cached=True)["kpis"]["reported"] == before + 7
