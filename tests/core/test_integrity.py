"""The database keeps its own rules: foreign keys, vocabularies, append-only history."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from xjwc_desktop.core.model import Case, CaseEvent, CaseSource, CaseStatus


def _case(category_code: str, case_no: str) -> Case:
    return Case(case_no=case_no, source=CaseSource.HOTLINE, category_code=category_code,
                status=CaseStatus.REPORTED, lon=121.505, lat=31.33,
                reported_at=dt.datetime(2016, 3, 1, 10, 0))


def test_foreign_keys_are_enforced(demo_db) -> None:
    with demo_db.engine.connect() as conn:
        code = conn.exec_driver_sql("SELECT code FROM categories LIMIT 1").scalar_one()
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), demo_db.write() as s:
        s.add(_case("NO-SUCH-CODE", "XJW2016030199998"))
    with demo_db.write() as s:  # the same case with a real category is accepted
        s.add(_case(code, "XJW2016030199999"))
    with demo_db.engine.connect() as conn:
        nos = conn.exec_driver_sql(
            "SELECT case_no FROM cases WHERE case_no LIKE 'XJW201603019999_'").scalars().all()
    assert nos == ["XJW2016030199999"]


def test_status_outside_the_vocabulary_is_rejected(demo_db) -> None:
    with pytest.raises(IntegrityError, match="CHECK"), demo_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET status = 'lost' WHERE rowid = 1")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE case_events SET note = '改写历史' WHERE seq = 1",
        "UPDATE case_events SET at = '2015-01-01 00:00:00.000000'",
        "DELETE FROM case_events WHERE seq = 2",
        "DELETE FROM case_events",
    ],
)
def test_case_history_is_append_only(demo_db, statement) -> None:
    with demo_db.engine.connect() as conn:
        before = conn.exec_driver_sql(
            "SELECT count(*), sum(length(coalesce(note, ''))) FROM case_events").one()
    with pytest.raises(IntegrityError, match="append-only"), demo_db.engine.begin() as conn:
        conn.exec_driver_sql(statement)
    with demo_db.engine.connect() as conn:
        after = conn.exec_driver_sql(
            "SELECT count(*), sum(length(coalesce(note, ''))) FROM case_events").one()
    assert after == before
    with demo_db.engine.connect() as conn:
        case_id = conn.exec_driver_sql("SELECT id FROM cases LIMIT 1").scalar_one()
    with demo_db.write() as s:  # appending is still allowed
        s.add(CaseEvent(case_id=case_id, seq=999, action="note", to_status=CaseStatus.CLOSED,
                        actor_role="值班长", at=dt.datetime(2016, 1, 1, 9)))
    with demo_db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM case_events").scalar_one() == (
            before[0] + 1)
