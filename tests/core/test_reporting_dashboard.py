"""Dashboard figures: every number against plain SQL over the rows, rates against
compute_metrics, the overdue count against the case detail's own deadline state."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter, defaultdict

import pytest

from xjwc_desktop.core.demo import seed_figures as seed
from xjwc_desktop.core.metrics import compute_metrics
from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.core.reporting import dashboard_figures, parse_month_period
from xjwc_desktop.core.stats import Period
from xjwc_desktop.core.workflow.deadlines import Light, deadline_state

SEED = parse_month_period("2015-01..2015-10")
SPRING = parse_month_period("2015-03..2015-05")
NOW = dt.datetime(2015, 11, 2, 10, 0)
OPEN = {"reported", "registered", "dispatched", "handled", "verified", "suspended"}


@pytest.fixture(scope="module")
def db(demo_template, tmp_path_factory):
    """One read-mostly copy of the demo for the module (the figures never write)."""
    import shutil

    from xjwc_desktop.core.storage.database import open_database

    path = tmp_path_factory.mktemp("dash") / "demo.sqlite"
    shutil.copyfile(demo_template, path)
    path.chmod(0o644)
    database = open_database(path)
    yield database
    database.close()


def rows(db, sql: str, *params):
    con = sqlite3.connect(db.path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def in_period(period: Period, column: str = "reported_at") -> tuple[str, tuple]:
    return (f"deleted_at IS NULL AND {column} >= ? AND {column} < ?",
            (f"{period.start} 00:00:00", f"{period.end + dt.timedelta(days=1)} 00:00:00"))


@pytest.fixture(scope="module")
def seed_figures(db):
    return dashboard_figures(db, SEED, now=NOW)


def test_cases_by_source_are_the_reports_figures(seed_figures) -> None:
    by_source = {k: v["count"] for k, v in seed_figures["cases"]["by_source"].items()}
    assert {k.value: n for k, n in seed.CASES_BY_SOURCE.items()} == {
        k: by_source[k] for k in ("hotline", "district_grid", "daliandong", "wechat")}


@pytest.mark.parametrize("period", [SEED, SPRING], ids=["seed", "spring"])
def test_case_counts_agree_with_sql(db, period) -> None:
    f = dashboard_figures(db, period, now=NOW)
    where, params = in_period(period)
    raw = rows(db, f"SELECT substr(reported_at, 1, 7), source, zone_code, status, category_code,"
                   f" grid_code FROM cases WHERE {where}", *params)
    assert f["kpis"]["reported"] == len(raw)
    assert f["kpis"]["open"] == sum(r[3] in OPEN for r in raw)
    months = Counter((r[0], r[1]) for r in raw)
    assert {(m["month"], s): n for m in f["cases_by_month"] for s, n in m["by_source"].items()
            if n} == dict(months)
    assert [m["month"] for m in f["cases_by_month"]] == sorted({r[0] for r in raw})
    zones = Counter(r[2] for r in raw)
    assert {z["code"]: z["count"] for z in f["by_zone"]} == dict(zones)
    categories = Counter(r[4] for r in raw)
    top = f["top_categories"]
    assert [c["count"] for c in top] == sorted(categories.values(), reverse=True)[:len(top)]
    assert all(categories[c["code"]] == c["count"] for c in top)
    assert f["category_count"] == len(categories)
    grids = Counter(r[5] for r in raw if r[5])
    assert {g["code"]: g["count"] for g in f["by_grid"]} == dict(grids)
    densities = [g["per_hectare"] for g in f["by_grid"]]
    assert densities == sorted(densities, reverse=True)


def test_closed_in_period_counts_closure_dates(db) -> None:
    from xjwc_desktop.core.reporting.case_figures import closed_in_period

    f = dashboard_figures(db, SPRING, now=NOW)
    where, params = in_period(SPRING, "closed_at")
    (n,), = rows(db, f"SELECT count(*) FROM cases WHERE status = 'closed' AND {where}", *params)
    with db.engine.connect() as conn:
        assert closed_in_period(conn, SPRING) == n > 0
    # Not the same thing as the spring's cases that are closed now: some closed in June.
    assert n != f["cases"]["by_status"]["closed"]["count"]


@pytest.mark.parametrize("period", [SEED, SPRING, Period()], ids=["seed", "spring", "all"])
def test_rates_equal_compute_metrics(db, period) -> None:
    f = dashboard_figures(db, period, now=NOW)
    with db.write() as s:
        total = compute_metrics(s, period)[0]
        by_department = {r.key: r for r in compute_metrics(s, period, by="department")}
    for name in ("closure_rate", "closure_on_time_rate", "rework_rate", "handling_on_time_rate"):
        assert f["kpis"][name] == getattr(total, name), name
    for name in ("registered", "to_close", "closed", "closed_on_time", "handled", "reworked"):
        assert f["kpis"][name] == getattr(total, name), name
    # compute_metrics also lists the group of voided cases (作废数 only, nothing registered).
    assert {d["key"] for d in f["departments"]} == {k for k, r in by_department.items()
                                                    if r.registered}
    for d in f["departments"]:
        m = by_department[d["key"]]
        assert d["label"] == m.label
        for name in ("handling_on_time_rate", "closure_rate", "rework_rate", "handling_rate"):
            assert d[name] == getattr(m, name), (d["key"], name)


def test_overdue_is_the_red_light_of_the_case_detail(db) -> None:
    f = dashboard_figures(db, SEED, now=NOW)
    where, params = in_period(SEED)
    with db.write() as s:
        from sqlalchemy import select

        from xjwc_desktop.core.model import Case
        red = 0
        for case in s.scalars(select(Case).where(
                Case.deleted_at.is_(None), Case.reported_at >= dt.datetime(2015, 1, 1),
                Case.reported_at < dt.datetime(2015, 11, 1))):
            state = deadline_state(case.registered_at, case.deadline_at, case.handled_at,
                                   case.status, case.suspended_at, NOW)
            open_ = case.status not in (CaseStatus.CLOSED, CaseStatus.VOIDED,
                                        CaseStatus.SUSPENDED)
            red += open_ and case.handled_at is None and state.light is Light.RED
    assert f["kpis"]["overdue"] == red > 0
    # A year later every running case of the period is overdue.
    later = dashboard_figures(db, SEED, now=NOW + dt.timedelta(days=365))
    (running,), = rows(db, f"SELECT count(*) FROM cases WHERE status IN ('registered', "
                           f"'dispatched') AND deadline_at IS NOT NULL AND {where}", *params)
    assert later["kpis"]["overdue"] == running > red


def test_inspectors_daily_finds_against_target(db, seed_figures) -> None:
    where, params = in_period(SEED)
    per_day = defaultdict(list)
    for code, _day, n in rows(db, "SELECT i.code, date(c.reported_at), count(*) FROM cases c "
                                  "JOIN inspectors i ON i.id = c.inspector_id WHERE c.source = "
                                  f"'patrol' AND c.{where.replace('AND ', 'AND c.')} "
                                  "GROUP BY 1, 2", *params):
        per_day[code].append(n)
    got = {i["code"]: i for i in seed_figures["inspectors"]}
    assert set(got) == set(per_day)
    for code, days in per_day.items():
        assert got[code]["found"] == sum(days)
        assert got[code]["days"] == len(days)
        assert got[code]["per_day"] == round(sum(days) / len(days), 2)
        assert got[code]["days_below_target"] == sum(n < 6 for n in days) == 0
        assert got[code]["target_per_day"] == seed.PATROL_DAILY_TARGET


def test_registers_demolitions_census_bikes(db, seed_figures) -> None:
    years = rows(db, "SELECT strftime('%Y', demolished_on), count(*), round(sum(area_m2), 2) "
                     "FROM illegal_structures WHERE status = 'demolished' AND deleted_at IS NULL "
                     "GROUP BY 1 ORDER BY 1")
    assert [(str(r["year"]), r["count"], r["area_m2"]) for r in
            seed_figures["demolished_by_year"]] == years
    assert sum(r["count"] for r in seed_figures["demolished_by_year"]) == seed.DEMOLISHED_COUNT
    assert round(sum(r["area_m2"] for r in seed_figures["demolished_by_year"]), 2) == \
        seed.DEMOLISHED_AREA_M2
    census = seed_figures["census"]
    assert (census["residential"]["count"], census["residential"]["area_m2"]) == \
        seed.CENSUS_RESIDENTIAL
    assert (census["total"]["count"], census["total"]["area_m2"]) == seed.CENSUS_TOTAL
    assert (seed_figures["bikes"]["stations"], seed_figures["bikes"]["bikes"]) == \
        (seed.BIKE_STATIONS, seed.BIKES)


def test_two_readers_give_what_one_gives(db) -> None:
    one = dashboard_figures(db, SPRING, now=NOW, readers=1)
    two = dashboard_figures(db, SPRING, now=NOW, readers=2)
    with db.write() as s:
        on_session = dashboard_figures(s, SPRING, now=NOW)
    assert one == two == on_session


def test_an_empty_period_has_zero_figures(db) -> None:
    f = dashboard_figures(db, parse_month_period("2030-01..2030-02"), now=NOW)
    assert f["kpis"]["reported"] == f["kpis"]["open"] == f["kpis"]["overdue"] == 0
    assert f["kpis"]["closure_rate"] is None
    assert [m["month"] for m in f["cases_by_month"]] == ["2030-01", "2030-02"]
    assert all(m["total"] == 0 for m in f["cases_by_month"])
    assert f["top_categories"] == []
    assert f["by_grid"] == []
