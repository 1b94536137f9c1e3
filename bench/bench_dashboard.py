"""Dashboard refresh after a period change, at a million cases, beside a pandas baseline.

Issue #15 adds: hotspots from their own per-month cache (target: a period change, hotspots
included, ≤ 0.5 s at 1M, beside hotspots counted from the cases), and what the cache costs
(counted whole with the data, beside the old first refresh; refreshes after writes touching
1, 12 and 120 months).

Ours: :func:`dashboard_figures` (sums over the per-month cache of
``core/reporting/month_cache.py``, the overdue count live). Baseline, measured in the same
run on the same database: the same figures computed with pandas from the period's rows read
through SQLAlchemy (``select(...)`` of the columns the figures need, typed by SQLAlchemy,
into a DataFrame, then ``groupby``). The baseline's figures are checked against ours, so
both did the same work. Target: ≤ 1 s per refresh. Also printed: the first refresh of a
database whose months are all dirty (after a migration), a refresh after one write (one
month to recompute), the same figures counted without the cache, and the hotspots and bike
coverage that follow each refresh (the map layers and tables).

The database: ``--db PATH``, else a work copy of ``/tmp/d1m.sqlite`` if it exists (the
original is never opened), else ``xjwc demo --cases 1000000`` (about 40 s).

Usage: python bench/bench_dashboard.py [--db PATH] [--periods 2026-10 ... all]
                                       [--repeat 3] [--no-baseline] [--no-direct]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED_1M = Path("/tmp/d1m.sqlite")
WORK_COPY = Path("/tmp/xjwc_bench_dashboard_1m.sqlite")
# One month, ten months (as the report's), a year, all eleven years of the 1M demo as
# months, and no period at all ("all": no date condition).
PERIODS = ["2026-10", "2026-01..2026-10", "2025-01..2025-12", "2016-01..2026-10", "all"]
NOW = dt.datetime(2026, 11, 1, 9, 0)


def database(path: str | None) -> Path:
    if path:
        return Path(path)
    if not WORK_COPY.exists():
        if SHARED_1M.exists():
            print(f"copying {SHARED_1M} to {WORK_COPY} (the original is left untouched)")
            shutil.copyfile(SHARED_1M, WORK_COPY)
        else:
            print(f"creating {WORK_COPY} with xjwc demo --cases 1000000 …")
            subprocess.run([sys.executable, "-m", "xjwc_desktop", "demo", "--db", str(WORK_COPY),
                            "--cases", "1000000"], cwd=ROOT, check=True)
    return WORK_COPY


def pandas_figures(db, period, now: dt.datetime) -> dict:
    """The dashboard's figures the pandas way: rows through SQLAlchemy, then groupby."""
    import numpy as np
    import pandas as pd
    from sqlalchemy import or_, select

    from xjwc_desktop.core.model import Case, CaseSource, Category, Department, UnitGrid
    from xjwc_desktop.core.worktime import default_calendar

    columns = [Case.reported_at, Case.source, Case.zone_code, Case.status, Case.category_code,
               Case.grid_code, Case.registered_at, Case.dispatched_at, Case.handled_at,
               Case.deadline_at, Case.rework_count, Case.department_id,
               Case.inspector_id]
    # Every row any figure needs: reported or registered in the period.
    wanted = or_(*(and_all(c, period) for c in (Case.reported_at, Case.registered_at)))
    with db.engine.connect() as conn:
        rows = conn.execute(select(*columns).where(Case.deleted_at.is_(None), wanted)).all()
        categories = dict(conn.execute(select(Category.code, Category.name)).all())
        areas = dict(conn.execute(select(UnitGrid.code, UnitGrid.area_m2)).all())
        departments = dict(conn.execute(select(Department.id, Department.code)).all())
    df = pd.DataFrame(rows, columns=[c.key for c in columns])
    for col in ("source", "zone_code", "status"):
        df[col] = df[col].map(lambda v: v.value if v is not None else "")
    start = pd.Timestamp(period.start or dt.date(1900, 1, 1))
    end = pd.Timestamp((period.end or dt.date(2999, 1, 1)) + dt.timedelta(days=1))
    rep = df[(df.reported_at >= start) & (df.reported_at < end)]
    out: dict = {"reported": len(rep)}
    out["open"] = int((~rep.status.isin(["closed", "voided"])).sum())
    out["by_month_source"] = rep.groupby([rep.reported_at.dt.strftime("%Y-%m"),
                                          "source"]).size().to_dict()
    out["by_zone"] = rep.groupby("zone_code").size().to_dict()
    out["by_status"] = rep.groupby("status").size().to_dict()
    cats = rep.groupby("category_code").size().sort_values(ascending=False)
    out["top_categories"] = [(categories[c], int(n)) for c, n in cats.head(10).items()]
    grids = rep.dropna(subset=["grid_code"]).groupby("grid_code").size()
    out["grid_density"] = (grids / grids.index.map(areas) * 10_000).to_dict()
    reg = df[(df.registered_at >= start) & (df.registered_at < end)]
    assessed = reg[~reg.status.isin(["suspended", "voided"])]
    handled = assessed[assessed.dispatched_at.notna() & assessed.handled_at.notna()]
    closed = assessed.status == "closed"
    per_dept = assessed.assign(
        closed=closed, closed_on_time=closed & (assessed.handled_at <= assessed.deadline_at),
    ).groupby(assessed.department_id.fillna("")).agg(
        to_close=("status", "size"), closed=("closed", "sum"), on_time=("closed_on_time", "sum"))
    out["department_closure"] = {departments.get(k): row.closed / row.to_close
                                 for k, row in per_dept.iterrows()}
    out["closed"] = int(per_dept.closed.sum())
    out["closure_rate"] = per_dept.closed.sum() / per_dept.to_close.sum()
    out["rework_rate"] = ((handled.rework_count > 0).sum() / len(handled)) if len(handled) else None
    patrol = rep[(rep.source == CaseSource.PATROL.value) & rep.inspector_id.notna()]
    out["inspector_days"] = patrol.groupby(["inspector_id", patrol.reported_at.dt.date]).size()
    running = rep[rep.status.isin(["registered", "dispatched"]) & rep.deadline_at.notna()
                  & (rep.deadline_at < now)]
    cal = default_calendar()
    reg_m = cal.to_working_minutes(running.registered_at.to_numpy("datetime64[m]"))
    limit = cal.to_working_minutes(running.deadline_at.to_numpy("datetime64[m]"))
    used = cal.to_working_minutes(np.datetime64(now, "m"))
    out["overdue"] = int(((limit > reg_m) & (used > limit)).sum())
    return out


def and_all(column, period):
    from sqlalchemy import and_, true

    return and_(*period.clause(column)) if period.start or period.end else true()


def check_same(ours: dict, theirs: dict) -> None:
    """The baseline computed the same figures (else the comparison means nothing)."""
    k = ours["kpis"]
    assert theirs["reported"] == k["reported"], (theirs["reported"], k["reported"])
    assert theirs["open"] == k["open"]
    assert theirs["closed"] == k["closed"]
    assert theirs["overdue"] == k["overdue"]
    assert abs(theirs["closure_rate"] - (k["closure_rate"] or 0)) < 1e-12
    assert theirs["rework_rate"] == k["rework_rate"] or abs(
        theirs["rework_rate"] - k["rework_rate"]) < 1e-12
    months = {(m["month"], s): n for m in ours["cases_by_month"]
              for s, n in m["by_source"].items() if n}
    assert months == theirs["by_month_source"]
    # Categories with equal counts may stand in either order.
    assert [c["count"] for c in ours["top_categories"]] == [n for _, n in
                                                             theirs["top_categories"]]
    assert {g["code"] for g in ours["by_grid"]} == set(theirs["grid_density"])
    closure = {d["key"]: d["closure_rate"] for d in ours["departments"]}
    assert closure.keys() == theirs["department_closure"].keys()
    assert all(abs(closure[key] - rate) < 1e-12
               for key, rate in theirs["department_closure"].items())


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(fn, repeat: int = 1):
    """The result of the last call and the median seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


def cache_costs(db) -> None:
    """What the cache costs: counting it whole (what `xjwc demo` and the upgrade do now, so
    no first refresh waits) beside the old way (every month marked, recounted one month at
    a time by the first refresh); then refreshes after writes touching 1, 12 and 120
    months, which should cost with the months, not with the cases."""
    from xjwc_desktop.core.reporting import month_cache

    with db.engine.connect() as conn:
        waiting = len(month_cache.dirty_months(conn))
    print(f"cache: {waiting} months waiting to be counted when the database was opened")
    _, whole = timed(lambda: month_cache.rebuild(db))
    with db.engine.begin() as conn:
        dirty = len(month_cache.mark_all(conn))
    _, old_way = timed(lambda: month_cache.prepare(db))
    print(f"cache: counted whole in {whole:.2f} s (by the demo, an import, the upgrade); "
          f"baseline, the old first refresh of all {dirty} months one by one: {old_way:.2f} s")
    for months in (1, 12, 120):
        with db.engine.begin() as conn:  # one case in each of the last `months` months
            conn.exec_driver_sql(
                "UPDATE cases SET status = status WHERE rowid IN (SELECT max(rowid) FROM cases "
                "GROUP BY substr(reported_at, 1, 7) ORDER BY 1 DESC LIMIT ?)", (months,))
        _, seconds = timed(lambda: month_cache.prepare(db))
        print(f"cache: refresh after a write touching {months:>3} month(s): {seconds:.3f} s")
    print()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", nargs="+", default=[None],
                        help="one or more databases (e.g. 100k, 1M and 3M cases, for growth)")
    parser.add_argument("--periods", nargs="+", default=PERIODS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-direct", action="store_true",
                        help="skip the figures counted without the cache")
    parser.add_argument("--no-cache-costs", action="store_true")
    args = parser.parse_args()
    for path in args.db:
        run(path, args)


def run(db_path: str | None, args) -> None:
    from xjwc_desktop.core.reporting import dashboard_figures, parse_month_period
    from xjwc_desktop.core.reporting.places import period_places
    from xjwc_desktop.core.stats import Period
    from xjwc_desktop.core.storage.database import open_database

    path = database(db_path)
    db = open_database(path)
    with db.engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT count(*) FROM cases WHERE deleted_at IS NULL "
                                     "AND length(description) >= 0").scalar()  # warms the cache
    print(f"database: {path} ({total:,} live cases), {os.cpu_count()} cores, {load()}\n")
    if not args.no_cache_costs:
        cache_costs(db)
    print(f"{'period':<18}{'cases':>11}{'dashboard':>11}{'+hotspots':>11}{'≤ 0.5 s':>8}"
          f"{'hotspots':>10}{'uncached':>10}{'pandas':>9}{'no cache':>10}")
    for text in args.periods:
        period = Period() if text == "all" else parse_month_period(text)
        ours, ours_s = timed(lambda p=period: dashboard_figures(db, p, now=NOW), args.repeat)
        base_s = direct_s = float("nan")
        if not args.no_baseline:
            theirs, base_s = timed(lambda p=period: pandas_figures(db, p, NOW))
            check_same(ours, theirs)
        if not args.no_direct:
            direct, direct_s = timed(
                lambda p=period: dashboard_figures(db, p, now=NOW, cached=False))
            assert {**direct, "as_of": ""} == {**ours, "as_of": ""}

        def places(p=period, cached=True):
            with db.engine.connect() as conn:
                return period_places(conn, p, cached=cached)

        def both(p=period):
            dashboard_figures(db, p, now=NOW)
            return places(p)

        found, places_s = timed(places, args.repeat)
        _, both_s = timed(both, args.repeat)
        uncached, uncached_s = timed(lambda p=period: places(p, cached=False))
        assert uncached["hotspots"] == found["hotspots"]
        n = ours["kpis"]["reported"]
        print(f"{text:<18}{n:>11,}{ours_s:>10.3f}s{both_s:>10.3f}s"
              f"{'yes' if both_s <= 0.5 else 'NO':>8}{places_s:>9.3f}s{uncached_s:>9.2f}s"
              f"{base_s:>8.2f}s{direct_s:>9.2f}s")
    db.close()
    print(f"\ndashboard, +hotspots (the dashboard and then hotspots + bike coverage, what a "
          f"period change costs) and hotspots: median of {args.repeat}; uncached (hotspots "
          "counted from the cases, the baseline), pandas and no cache (the dashboard's figures "
          "counted from the cases): one run each, all checked equal to ours. " + load())


if __name__ == "__main__":
    main()
