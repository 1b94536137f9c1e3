"""The demo database reproduces the street's 2016 work report (read-only checks).

All tests here read the session's demo template through an ``immutable`` connection, so
none of them can change it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from xjwc_desktop.core.geo.mapdata import load_map_data
from xjwc_desktop.core.stats import Period, street_figures

SEED_DAYS = (dt.date(2015, 10, 31) - dt.date(2015, 1, 1)).days + 1  # 304
STEPS = ["reported_at", "registered_at", "dispatched_at", "handled_at", "verified_at",
         "closed_at"]
SEED_COMPOUNDS = ["尚景园", "橡树湾", "涵碧景苑", "雍景苑", "时代花园", "江湾国际公寓",
                  "政立路505弄", "政立路639弄", "政立路717弄", "政立路775弄", "新江湾城公园",
                  "湾谷科技园"]


@pytest.fixture(scope="module")
def engine(demo_template):
    eng = create_engine(f"sqlite:///file:{demo_template}?immutable=1&uri=true")
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def figures(engine) -> dict:
    with Session(engine) as s:
        return street_figures(s)


def rows(engine, sql: str, params=()) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql, params).fetchall()]


def test_cases_by_channel_are_the_reports(figures) -> None:
    by_source = {k: v["count"] for k, v in figures["cases"]["by_source"].items()}
    assert by_source["hotline"] == 125
    assert by_source["district_grid"] == 49
    assert by_source["daliandong"] == 1910
    assert by_source["wechat"] == 49
    assert figures["cases"]["by_source"]["hotline"]["label"] == "12345热线"
    assert figures["cases"]["total"] == sum(by_source.values())
    assert sum(v["count"] for v in figures["cases"]["by_status"].values()) == (
        figures["cases"]["total"])


def test_seed_period_gives_the_same_figures(engine, figures) -> None:
    with Session(engine) as s:
        seed = street_figures(s, Period(dt.date(2015, 1, 1), dt.date(2015, 10, 31)))
    assert seed["cases"] == figures["cases"]
    assert seed["patrol"] == figures["patrol"]
    assert seed["period"] == {"from": "2015-01-01", "to": "2015-10-31"}


def test_patrol_target_of_six_per_inspector_and_day(figures) -> None:
    patrol = figures["patrol"]
    assert patrol["inspectors"] == 6
    assert patrol["inspector_days"] == 6 * SEED_DAYS  # nobody missed a day
    assert patrol["lowest_inspector_day"] >= 6
    assert patrol["per_inspector_per_day"] >= 6
    assert patrol["cases"] == figures["cases"]["by_source"]["patrol"]["count"]


def test_patrol_cases_lie_in_their_inspectors_zone(engine) -> None:
    (n, wrong), = rows(engine, "SELECT count(*), sum(c.zone_code != i.zone_code) FROM cases c "
                               "JOIN inspectors i ON i.id = c.inspector_id "
                               "WHERE c.source = 'patrol'")
    assert n > 0
    assert wrong == 0
    assert rows(engine, "SELECT count(*) FROM cases WHERE source = 'patrol' "
                        "AND inspector_id IS NULL") == [(0,)]


def test_demolished_illegal_structures(engine, figures) -> None:
    done = figures["illegal_structures"]["demolished"]
    assert (done["count"], done["area_m2"]) == (103, 6054.14)
    assert "2013-01-01" <= done["first"] <= done["last"] <= "2015-12-31"
    (lo, hi, n), = rows(engine, "SELECT min(demolished_on), max(demolished_on), count(*) "
                                "FROM illegal_structures WHERE status = 'demolished'")
    assert n == 103
    assert "2013-01-01" <= lo <= hi <= "2015-12-31"


def test_census_and_bike_stations(engine, figures) -> None:
    census = figures["census"]
    assert census["residential"] == {"count": 1540, "area_m2": 37777.87}
    assert census["non_residential"] == {"count": 46, "area_m2": 326642.0}
    assert census["total"] == {"count": 1586, "area_m2": 364419.87}
    bikes = figures["bike_stations"]
    assert (bikes["stations"], bikes["bikes"]) == (10, 300)
    assert rows(engine, "SELECT count(*) FROM bike_stations WHERE bikes > capacity "
                        "OR bikes < 0") == [(0,)]


@pytest.mark.parametrize(
    ("table", "has_grid"),
    [("cases", True), ("illegal_structures", True), ("census_records", True),
     ("compounds", True), ("bike_stations", False)],
)
def test_every_point_is_inside_the_street_with_its_own_zone_and_grid(
    engine, table, has_grid
) -> None:
    grid_sql = "grid_code" if has_grid else "NULL"
    data = rows(engine, f"SELECT lon, lat, zone_code, {grid_sql} FROM {table}")
    assert data
    lon = np.array([r[0] for r in data])
    lat = np.array([r[1] for r in data])
    maps = load_map_data()
    assert maps.contains(lon, lat).all()
    assert maps.zone_of(lon, lat).tolist() == [r[2] for r in data]
    if has_grid:
        assert maps.grid_code_of(lon, lat).tolist() == [r[3] for r in data]


def test_all_case_dates_fall_in_the_seed_period(engine) -> None:
    columns = [*STEPS, "voided_at", "suspended_at"]
    for column in columns:
        (lo, hi), = rows(engine, f"SELECT min({column}), max({column}) FROM cases")
        assert lo is not None, column
        assert "2015-01-01" <= lo <= hi <= "2015-10-31 23:59:59", column
    (lo, hi), = rows(engine, "SELECT min(at), max(at) FROM case_events")
    assert "2015-01-01" <= lo <= hi <= "2015-10-31 23:59:59"


def test_lifecycles_are_consistent(engine) -> None:
    cols = [*STEPS, "voided_at", "suspended_at", "deadline_at"]
    data = rows(engine, f"SELECT status, {', '.join(cols)} FROM cases")
    assert len(data) > 15_000
    seen = set()
    for status, *values in data:
        at = dict(zip(cols, values, strict=True))
        present = [at[c] for c in STEPS if at[c] is not None]
        # Steps happen in order and without gaps: a later step implies all earlier ones.
        assert present == sorted(present), at
        assert [at[c] is not None for c in STEPS] == [True] * len(present) + [False] * (
            len(STEPS) - len(present)), at
        if at["voided_at"]:
            assert at["registered_at"] is None, at
            assert at["voided_at"] >= at["reported_at"], at
        if at["suspended_at"]:
            assert at["dispatched_at"] is not None, at
            assert at["handled_at"] is None, at
            assert at["suspended_at"] >= at["dispatched_at"], at
        assert (at["deadline_at"] is None) == (at["registered_at"] is None), at
        latest = "reported"
        for column, state in (("registered_at", "registered"), ("dispatched_at", "dispatched"),
                              ("handled_at", "handled"), ("verified_at", "verified"),
                              ("closed_at", "closed"), ("voided_at", "voided"),
                              ("suspended_at", "suspended")):
            if at[column] is not None:
                latest = state
        assert status == latest, at
        seen.add(status)
    assert {"closed", "voided", "reported", "dispatched"} <= seen


def test_history_tells_each_cases_story(engine) -> None:
    cases = rows(engine, "SELECT id, status, reported_at FROM cases ORDER BY id")
    pick = np.random.default_rng(500).choice(len(cases), 500, replace=False)
    with engine.connect() as conn:
        for i in pick.tolist():
            case_id, status, reported_at = cases[i]
            events = conn.exec_driver_sql(
                "SELECT seq, action, from_status, to_status, at FROM case_events "
                "WHERE case_id = ? ORDER BY seq", (case_id,)).fetchall()
            assert events, case_id
            assert [e[0] for e in events] == list(range(1, len(events) + 1))
            first = events[0]
            assert (first[1], first[2], first[3], first[4]) == (
                "report", None, "reported", reported_at)
            assert events[-1][3] == status, case_id
            for prev, nxt in zip(events, events[1:], strict=False):
                assert nxt[2] == prev[3], (case_id, events)  # from = previous to
                assert nxt[4] >= prev[4], (case_id, events)


def test_compounds_named_in_the_report(engine) -> None:
    data = dict(rows(engine, "SELECT name, position_approximate FROM compounds"))
    assert set(SEED_COMPOUNDS) <= set(data)
    assert all(flag == 1 for flag in data.values())
