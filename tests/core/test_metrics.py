"""Assessment metrics (考核指标): the published example, hand-worked cases, the demo database.

Every expected number here is either from DOMAIN.md (911/972, 737/972), worked out by hand
in the comments, or recomputed in plain Python from rows fetched with SQL, one case at a
time on the scalar working-time clock.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections import defaultdict

import pytest
from sqlalchemy import insert, select

from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.metrics import (
    COUNT_FIELDS,
    RATE_FIELDS,
    MetricRow,
    compute_metrics,
    percent,
)
from xjwc_desktop.core.model import Case, Department, Inspector, ZoneCode
from xjwc_desktop.core.stats import Period
from xjwc_desktop.core.storage.database import open_database
from xjwc_desktop.core.storage.reference import install_reference_data, reference_id
from xjwc_desktop.core.worktime import default_calendar

D = dt.datetime
MARCH = Period(dt.date(2015, 3, 1), dt.date(2015, 3, 31))
SEED = Period(dt.date(2015, 1, 1), dt.date(2015, 10, 31))
COUNTS = [name for name, _ in COUNT_FIELDS]
CJK = re.compile(r"[\u4e00-\u9fff]")
_serial = itertools.count(1)


@pytest.fixture
def db(tmp_path):
    """A new, empty database with the street's reference data and two inspectors."""
    database = open_database(tmp_path / "m.sqlite", create=True)
    with database.write() as s:
        install_reference_data(s, database.workstation_id)
        s.add_all([Inspector(id="insp-n", code="XC01", name="王建国", zone_code=ZoneCode.NORTH),
                   Inspector(id="insp-s", code="XC04", name="张志强", zone_code=ZoneCode.SOUTH)])
    yield database
    database.close()


def dept(code: str) -> str:
    return reference_id("departments", code)


def case_row(**values) -> dict:
    """A cases row with every column a Core insert needs; ``values`` override."""
    n = next(_serial)
    row = {
        "id": uuid7(), "case_no": f"T{n:08d}", "external_no": None, "source": "patrol",
        "category_code": "E0101", "status": "registered", "lon": 121.50, "lat": 31.32,
        "inspector_id": None, "department_id": None, "zone_code": "north",
        "reported_at": D(2015, 3, 2, 9, 0), "registered_at": None, "dispatched_at": None,
        "handled_at": None, "verified_at": None, "closed_at": None, "voided_at": None,
        "suspended_at": None, "deadline_at": None, "extension_hours": 0.0, "rework_count": 0,
        "escalated": False, "deleted_at": None, "created_at": D(2015, 3, 2),
        "updated_at": D(2015, 3, 2),
    }
    unknown = set(values) - set(row)
    assert not unknown, unknown
    row.update(values)
    return row


def insert_cases(database, rows: list[dict]) -> None:
    with database.write() as s:
        s.execute(insert(Case.__table__), rows)


def metrics(database, period: Period = MARCH, by: str | None = None) -> list[MetricRow]:
    with database.write() as s:
        return compute_metrics(s, period, by)


def total(database, period: Period = MARCH) -> MetricRow:
    (row,) = metrics(database, period)
    return row


# --- the published example -------------------------------------------------------------------


def test_published_example_911_of_972_closed_737_on_time(db) -> None:
    """DOMAIN.md: 911/972 = 93.72 % 结案率, 737/972 = 75.82 % 按期结案率."""
    rows = []
    for i in range(972):
        day = D(2015, 3, 2) + dt.timedelta(days=i % 28)
        registered = day.replace(hour=9, minute=30)
        deadline = registered + dt.timedelta(days=3)
        if i < 911:  # closed: 737 handled in time, 174 after the deadline
            handled = deadline - dt.timedelta(hours=1) if i < 737 else deadline + dt.timedelta(
                hours=2)
            extra = {"status": "closed", "handled_at": handled,
                     "verified_at": handled + dt.timedelta(hours=1),
                     "closed_at": handled + dt.timedelta(hours=2)}
        else:  # still open: 30 handled in time but not yet closed, 31 still with the department
            extra = ({"status": "handled", "handled_at": registered + dt.timedelta(hours=3)}
                     if i < 941 else {"status": "dispatched"})
        rows.append(case_row(reported_at=day.replace(hour=9), registered_at=registered,
                             dispatched_at=registered + dt.timedelta(minutes=20),
                             deadline_at=deadline, department_id=dept("chengguan"), **extra))
    # Outside the assessment: registered in February or April, or deleted.
    rows.append(case_row(status="closed", reported_at=D(2015, 2, 27, 9),
                         registered_at=D(2015, 2, 27, 9, 30), handled_at=D(2015, 3, 2, 10),
                         deadline_at=D(2015, 3, 5)))
    rows.append(case_row(status="registered", reported_at=D(2015, 3, 31, 16, 50),
                         registered_at=D(2015, 4, 1, 9, 10)))
    rows.append(case_row(status="registered", reported_at=D(2015, 3, 10, 9),
                         registered_at=D(2015, 3, 10, 9, 30), deleted_at=D(2015, 3, 11)))
    insert_cases(db, rows)

    row = total(db)
    assert (row.to_close, row.closed, row.closed_on_time) == (972, 911, 737)
    assert row.closure_rate == 911 / 972
    assert row.closure_on_time_rate == 737 / 972
    assert percent(row.closure_rate) == "93.72%"
    assert percent(row.closure_on_time_rate) == "75.82%"
    assert (row.to_handle, row.handled, row.handled_on_time) == (972, 941, 737 + 30)


def test_percent_is_printed_the_chinese_report_way() -> None:
    assert percent(911 / 972) == "93.72%"
    assert percent(737 / 972) == "75.82%"
    assert percent(1.0) == "100.00%"
    assert percent(0.0) == "0.00%"
    assert percent(None) == "—"


# --- a small matrix worked by hand -------------------------------------------------------------

# Calendar: 09:00-17:00 on working days; 2015-03-02 is a Monday, 03-07/08 a weekend.
MATRIX = {
    # A: registered 30 min after report, dispatched 30 min later, handled in 2 h, on time,
    #    closed.
    "A": dict(status="closed", reported_at=D(2015, 3, 2, 9), registered_at=D(2015, 3, 2, 9, 30),
              dispatched_at=D(2015, 3, 2, 10), handled_at=D(2015, 3, 2, 12),
              deadline_at=D(2015, 3, 3, 9, 30), department_id=dept("chengguan"),
              closed_at=D(2015, 3, 2, 15)),
    # B: registered 90 min after report (late), dispatched 15 min later, handled after
    #    two working days (16 h), past the deadline; closed late.
    "B": dict(status="closed", reported_at=D(2015, 3, 2, 10), registered_at=D(2015, 3, 2, 11, 30),
              dispatched_at=D(2015, 3, 2, 11, 45), handled_at=D(2015, 3, 4, 11, 45),
              deadline_at=D(2015, 3, 3, 11, 30), department_id=dept("chengguan"),
              closed_at=D(2015, 3, 4, 16)),
    # C: dispatched 90 min after registration (late), handled in 5 h after one rework,
    #    exactly at the deadline (on time), closed.
    "C": dict(status="closed", reported_at=D(2015, 3, 3, 9), registered_at=D(2015, 3, 3, 9, 10),
              dispatched_at=D(2015, 3, 3, 10, 40), handled_at=D(2015, 3, 3, 15, 40),
              deadline_at=D(2015, 3, 3, 15, 40), rework_count=1,
              department_id=dept("sanitation"), closed_at=D(2015, 3, 4, 10)),
    # D: registered 16:50, dispatched next morning 09:20: 10 + 20 = 30 working minutes (on
    #    time although 16.5 h passed); handled in 1 h; not closed yet.
    "D": dict(status="handled", reported_at=D(2015, 3, 4, 16, 30),
              registered_at=D(2015, 3, 4, 16, 50), dispatched_at=D(2015, 3, 5, 9, 20),
              handled_at=D(2015, 3, 5, 10, 20), deadline_at=D(2015, 3, 6, 9),
              department_id=dept("sanitation")),
    # E: dispatched, the department has not reported back.
    "E": dict(status="dispatched", reported_at=D(2015, 3, 5, 9), registered_at=D(2015, 3, 5, 9, 5),
              dispatched_at=D(2015, 3, 5, 9, 15), deadline_at=D(2015, 3, 6, 9, 5),
              department_id=dept("greening")),
    # F: reported Friday 16:30, registered Monday 09:15: 30 + 15 = 45 working minutes, on
    #    time; not dispatched yet.
    "F": dict(status="registered", reported_at=D(2015, 3, 6, 16, 30),
              registered_at=D(2015, 3, 9, 9, 15), deadline_at=D(2015, 3, 10, 9, 15)),
    # G: 挂账 after dispatch: out of the assessment, counted as 挂账.
    "G": dict(status="suspended", reported_at=D(2015, 3, 9, 9), registered_at=D(2015, 3, 9, 9, 20),
              dispatched_at=D(2015, 3, 9, 9, 40), suspended_at=D(2015, 3, 10, 10),
              deadline_at=D(2015, 3, 10, 9, 20), department_id=dept("chengguan")),
    # H: 作废 (不予立案), reported in March.
    "H": dict(status="voided", reported_at=D(2015, 3, 10, 9), voided_at=D(2015, 3, 10, 9, 30)),
    # Not in March's figures: voided in February; registered and closed in February;
    # a deleted case.
    "I": dict(status="voided", reported_at=D(2015, 2, 10, 9), voided_at=D(2015, 2, 10, 9, 30)),
    "K": dict(status="closed", reported_at=D(2015, 2, 16, 9), registered_at=D(2015, 2, 16, 9, 10),
              dispatched_at=D(2015, 2, 16, 9, 20), handled_at=D(2015, 2, 16, 11),
              deadline_at=D(2015, 2, 17, 9, 10), department_id=dept("chengguan")),
    "J": dict(status="closed", reported_at=D(2015, 3, 11, 9), registered_at=D(2015, 3, 11, 9, 5),
              dispatched_at=D(2015, 3, 11, 9, 10), handled_at=D(2015, 3, 11, 10),
              deadline_at=D(2015, 3, 12, 9, 5), deleted_at=D(2015, 3, 12),
              department_id=dept("chengguan")),
}
MATRIX_COUNTS = {
    "registered": 7,          # A-G
    "registered_on_time": 6,  # all but B
    "voided": 1,              # H
    "suspended": 1,           # G
    "to_dispatch": 6,         # A-F
    "dispatched": 5,          # A-E
    "dispatched_on_time": 4,  # A, B, D, E (C took 90 min)
    "to_handle": 5,           # A-E
    "handled": 4,             # A-D
    "handled_on_time": 3,     # A, C, D
    "reworked": 1,            # C
    "to_close": 6,            # A-F
    "closed": 3,              # A, B, C
    "closed_on_time": 2,      # A, C
}
MATRIX_RATES = {
    "closure_rate": 3 / 6,
    "closure_on_time_rate": 2 / 6,
    "handling_rate": 4 / 5,
    "handling_on_time_rate": 3 / 5,
    "rework_rate": 1 / 4,
    "dispatch_on_time_rate": 4 / 6,
    "dispatch_accuracy_rate": (5 - 1) / 6,
    "register_on_time_rate": 6 / 7,
    "register_accuracy_rate": (7 - 1) / 7,
}


@pytest.fixture
def matrix_db(db):
    insert_cases(db, [case_row(**values) for values in MATRIX.values()])
    return db


def test_hand_worked_matrix_every_count_and_rate(matrix_db) -> None:
    row = total(matrix_db)
    assert {name: getattr(row, name) for name in COUNTS} == MATRIX_COUNTS
    assert row.rates() == pytest.approx(MATRIX_RATES)
    # Handling 2 h (A) + 16 h (B) + 5 h (C) + 1 h (D) over 4 cases.
    assert row.mean_handling_hours == pytest.approx(6.0)
    assert (row.key, row.label) == (None, "合计")


def test_rates_with_nothing_to_divide_by_are_none(matrix_db) -> None:
    empty = total(matrix_db, Period(dt.date(2014, 1, 1), dt.date(2014, 12, 31)))
    assert all(getattr(empty, name) == 0 for name in COUNTS)
    assert all(value is None for value in empty.rates().values())
    assert empty.mean_handling_hours is None
    assert percent(empty.closure_rate) == "—"

    by_dept = {r.label: r for r in metrics(matrix_db, by="department")}
    # F was never dispatched and H was voided: both land in the "not dispatched" group.
    undispatched = by_dept["（未派遣）"]
    assert (undispatched.registered, undispatched.voided, undispatched.to_dispatch) == (1, 1, 1)
    assert undispatched.handling_rate is None  # 应处置数 0
    assert undispatched.rework_rate is None  # 处置数 0
    assert undispatched.closure_rate == 0.0  # 0 of 1 closed: a real zero, not None
    assert undispatched.mean_handling_hours is None


def test_only_voided_cases_give_no_register_accuracy(db) -> None:
    insert_cases(db, [case_row(**MATRIX["H"])])
    row = total(db)
    assert (row.registered, row.voided) == (0, 1)
    assert row.register_accuracy_rate is None


def test_matrix_by_department_with_chinese_names(matrix_db) -> None:
    rows = {r.key: r for r in metrics(matrix_db, by="department")}
    assert rows["chengguan"].label == "城管中队"
    assert rows["sanitation"].label == "作业队/保洁服务社"
    # 城管中队: A and B closed (A on time), G suspended.
    cg = rows["chengguan"]
    assert (cg.registered, cg.suspended, cg.to_close, cg.closed, cg.closed_on_time) == (
        3, 1, 2, 2, 1)
    assert cg.mean_handling_hours == pytest.approx((2 + 16) / 2)
    # 保洁: C (5 h, reworked) and D (1 h).
    sa = rows["sanitation"]
    assert (sa.handled, sa.reworked, sa.rework_rate) == (2, 1, 0.5)
    assert sa.mean_handling_hours == pytest.approx(3.0)
    assert rows["greening"].dispatched_on_time == 1


def test_by_month_lists_every_month_of_the_period(matrix_db) -> None:
    rows = metrics(matrix_db, Period(dt.date(2015, 2, 1), dt.date(2015, 4, 30)), by="month")
    assert [(r.key, r.label) for r in rows] == [("2015-02", "2015-02"), ("2015-03", "2015-03"),
                                                ("2015-04", "2015-04")]
    feb, mar, apr = rows
    assert (feb.registered, feb.voided, feb.closed) == (1, 1, 1)  # K registered, I voided
    assert {name: getattr(mar, name) for name in COUNTS} == MATRIX_COUNTS
    assert apr.registered == 0
    assert apr.closure_rate is None


def test_session_connection_and_engine_give_the_same_rows(matrix_db) -> None:
    with matrix_db.write() as s:
        via_session = compute_metrics(s, MARCH, "zone")
    with matrix_db.engine.connect() as conn:
        via_connection = compute_metrics(conn, MARCH, "zone")
    via_engine = compute_metrics(matrix_db.engine, MARCH, "zone")
    assert via_session == via_connection == via_engine
    assert [r.label for r in via_engine] == ["殷行路以北"]


def test_unknown_grouping_is_refused(matrix_db) -> None:
    with pytest.raises(ValueError, match="不能按“street”分组统计"):
        metrics(matrix_db, by="street")


def test_as_dict_is_json_with_counts_and_rates(matrix_db) -> None:
    data = json.loads(json.dumps(total(matrix_db).as_dict(), ensure_ascii=False))
    assert data["closed"] == 3
    assert data["to_close"] == 6
    assert data["closure_rate"] == 0.5
    assert data["key"] is None
    assert data["label"] == "合计"
    assert set(data) >= set(COUNTS) | {name for name, _ in RATE_FIELDS} | {"mean_handling_hours"}


# --- working time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dispatched", "handled"),
    [
        (D(2015, 3, 6, 16, 30), D(2015, 3, 9, 9, 30)),    # Fri -> Mon: 30 + 30 min
        (D(2015, 2, 17, 16, 30), D(2015, 2, 25, 9, 30)),  # 春节 02-18..24 off: 30 + 30 min
        (D(2015, 2, 13, 16, 30), D(2015, 2, 15, 9, 30)),  # Fri -> Sun 02-15, a 调休 workday
        (D(2015, 9, 30, 16, 30), D(2015, 10, 8, 9, 30)),  # 国庆 10-01..07 off
    ],
)
def test_handling_time_counts_working_hours_only(db, dispatched, handled) -> None:
    insert_cases(db, [case_row(status="handled", reported_at=dispatched - dt.timedelta(minutes=20),
                               registered_at=dispatched - dt.timedelta(minutes=10),
                               dispatched_at=dispatched, handled_at=handled,
                               deadline_at=handled + dt.timedelta(days=1),
                               department_id=dept("chengguan"))])
    row = total(db, Period(dispatched.date(), dispatched.date()))
    assert row.handled == 1
    assert row.mean_handling_hours == pytest.approx(1.0)


def test_dispatch_over_a_holiday_is_late_in_working_time_only_when_it_is(db) -> None:
    # Registered Tue 02-17 16:40; dispatched Wed 02-25 09:30 (春节 between): 20 + 30 = 50
    # working minutes, on time. The next one waits until 10:30: 20 + 90 = 110, late.
    base = dict(status="dispatched", reported_at=D(2015, 2, 17, 16, 30),
                registered_at=D(2015, 2, 17, 16, 40), deadline_at=D(2015, 2, 27, 16, 40))
    insert_cases(db, [case_row(**base, dispatched_at=D(2015, 2, 25, 9, 30)),
                      case_row(**base, dispatched_at=D(2015, 2, 25, 10, 30))])
    row = total(db, Period(dt.date(2015, 2, 1), dt.date(2015, 2, 28)))
    assert (row.dispatched, row.dispatched_on_time) == (2, 1)
    assert row.registered_on_time == 2  # 10 minutes each


# --- the demo database -------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["month", "zone", "department", "category", "inspector",
                                "source"])
def test_groups_add_up_to_the_total(demo_db, by) -> None:
    whole = total(demo_db, SEED)
    rows = metrics(demo_db, SEED, by)
    assert len(rows) > 1
    for name in COUNTS:
        assert sum(getattr(r, name) for r in rows) == getattr(whole, name), name
    weighted = sum(r.mean_handling_hours * r.handled for r in rows if r.handled)
    assert weighted / whole.handled == pytest.approx(whole.mean_handling_hours)
    assert len({r.key for r in rows}) == len(rows)
    for r in rows:
        if by == "month":
            assert re.fullmatch(r"\d{4}-\d{2}", r.label)
        else:
            assert CJK.search(r.label), r.label


def test_demo_by_month_over_the_seed_period_has_ten_months(demo_db) -> None:
    rows = metrics(demo_db, SEED, "month")
    assert [r.key for r in rows] == [f"2015-{m:02d}" for m in range(1, 11)]
    assert all(r.registered > 0 for r in rows)


def test_demo_labels_are_the_names_in_the_reference_tables(demo_db) -> None:
    with demo_db.write() as s:
        departments = dict(s.execute(select(Department.code, Department.name)).all())
        inspectors = dict(s.execute(select(Inspector.code, Inspector.name)).all())
    for r in metrics(demo_db, SEED, "department"):
        assert r.key is None or departments[r.key] == r.label
    named = [r for r in metrics(demo_db, SEED, "inspector") if r.key is not None]
    assert named
    assert all(inspectors[r.key] == r.label for r in named)
    assert {r.label for r in metrics(demo_db, SEED, "zone")} == {"殷行路以北", "殷行路以南"}


def _independent(rows, cal, register_limit=60, dispatch_limit=60) -> dict:
    """The metrics of ``rows`` (registered/voided cases) in plain Python, case by case."""
    c: dict = defaultdict(int)
    hours = []
    for r in rows:
        if r.registered_at is None:
            c["voided"] += r.status == "voided"
            continue
        c["registered"] += 1
        c["registered_on_time"] += cal.working_minutes_between(
            r.reported_at, r.registered_at) <= register_limit
        if r.status == "suspended":
            c["suspended"] += 1
            continue
        if r.status == "voided":
            continue
        c["to_dispatch"] += 1
        c["to_close"] += 1
        if r.status == "closed":
            c["closed"] += 1
            if r.deadline_at is not None and r.handled_at is not None \
                    and r.handled_at <= r.deadline_at:
                c["closed_on_time"] += 1
        if r.dispatched_at is None:
            continue
        c["dispatched"] += 1
        c["to_handle"] += 1
        c["dispatched_on_time"] += cal.working_minutes_between(
            r.registered_at, r.dispatched_at) <= dispatch_limit
        if r.handled_at is None:
            continue
        c["handled"] += 1
        c["handled_on_time"] += r.deadline_at is not None and r.handled_at <= r.deadline_at
        c["reworked"] += r.rework_count > 0
        hours.append(cal.working_minutes_between(r.dispatched_at, r.handled_at) / 60)
    c["mean_handling_hours"] = sum(hours) / len(hours) if hours else None
    return c


def _fetch_population(database, period: Period):
    start = D.combine(period.start, dt.time())
    end = D.combine(period.end + dt.timedelta(days=1), dt.time())
    t = Case.__table__.c
    with database.engine.connect() as conn:
        rows = conn.execute(select(
            t.status, t.reported_at, t.registered_at, t.dispatched_at, t.handled_at,
            t.deadline_at, t.rework_count, t.department_id).where(t.deleted_at.is_(None))).all()
    return [r for r in rows
            if (r.registered_at is not None and start <= r.registered_at < end)
            or (r.registered_at is None and r.status == "voided" and start <= r.reported_at < end)]


def test_demo_numbers_agree_with_an_independent_computation(demo_db) -> None:
    cal = default_calendar()
    population = _fetch_population(demo_db, SEED)
    expected = _independent(population, cal)
    got = total(demo_db, SEED)
    assert got.registered > 1000  # the check means something
    assert {name: getattr(got, name) for name in COUNTS} == {
        name: expected[name] for name in COUNTS}
    assert got.mean_handling_hours == pytest.approx(expected["mean_handling_hours"])

    ids = {d.id: d.code for d in _departments(demo_db)}
    by_dept = defaultdict(list)
    for r in population:
        by_dept[ids.get(r.department_id)].append(r)
    for row in metrics(demo_db, SEED, "department"):
        want = _independent(by_dept[row.key], cal)
        assert {name: getattr(row, name) for name in COUNTS} == {
            name: want[name] for name in COUNTS}, row.label
        assert row.mean_handling_hours == pytest.approx(want["mean_handling_hours"])


def _departments(database):
    with database.write() as s:
        return list(s.scalars(select(Department)))


def test_demo_limits_change_the_on_time_counts(demo_db) -> None:
    default = total(demo_db, SEED)
    with demo_db.write() as s:
        (strict,) = compute_metrics(s, SEED, register_limit_minutes=10,
                                    dispatch_limit_minutes=10)
    assert strict.registered == default.registered
    assert strict.registered_on_time < default.registered_on_time
    assert strict.dispatched_on_time < default.dispatched_on_time
    expected = _independent(_fetch_population(demo_db, SEED), default_calendar(), 10, 10)
    assert strict.registered_on_time == expected["registered_on_time"]
    assert strict.dispatched_on_time == expected["dispatched_on_time"]


def test_databases_that_hand_over_datetimes_give_the_same_numbers(demo_db, monkeypatch) -> None:
    """The generic path (times fetched as datetimes, for engines other than SQLite and
    PostgreSQL) agrees with the numeric one used on SQLite."""
    from xjwc_desktop.core.metrics import compute

    numeric = metrics(demo_db, SEED, "department")
    monkeypatch.setattr(compute, "NUMERIC_TIME_DIALECTS", ())
    generic = metrics(demo_db, SEED, "department")
    assert generic == numeric
    assert sum(r.dispatched_on_time for r in generic) > 0
