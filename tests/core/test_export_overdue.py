"""The exported overdue flag says what the case detail's traffic light says, case by case."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.core.exchange_helpers import NOW
from xjwc_desktop.core.exchange.columns import export_columns
from xjwc_desktop.core.exchange.overdue import overdue_text
from xjwc_desktop.core.exchange.selection import CaseSelection
from xjwc_desktop.core.exchange.snapshot import read_only
from xjwc_desktop.core.exchange.table import fetch_cases
from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.core.workflow.deadlines import Light, deadline_state

EXPECTED = {Light.RED: "是", Light.YELLOW: "否", Light.GREEN: "否", Light.NONE: ""}


def _time(text):
    return dt.datetime.fromisoformat(text) if text else None


@pytest.mark.parametrize("now", [NOW, dt.datetime(2015, 6, 1, 18, 30)], ids=["after", "mid"])
def test_flag_matches_deadline_state_for_every_demo_case(demo_db_path, now):
    with read_only(demo_db_path) as conn:
        table = fetch_cases(conn, CaseSelection(), export_columns(), now)
        facts = {r.id: r for r in conn.exec_driver_sql(
            "SELECT id, status, registered_at, deadline_at, handled_at, suspended_at "
            "FROM cases").mappings()}
    flags = dict(zip(table.ids, table.values["overdue"], strict=True))
    wrong = []
    for case_id, flag in flags.items():
        f = facts[case_id]
        light = deadline_state(_time(f.registered_at), _time(f.deadline_at),
                               _time(f.handled_at), CaseStatus(f.status),
                               _time(f.suspended_at), now).light
        if EXPECTED[light] != flag:
            wrong.append((case_id, light, flag))
    assert not wrong, wrong[:5]
    assert list(flags.values()).count("是") > 100  # the comparison covered both answers


def test_working_time_decides_not_the_wall_clock():
    # Deadline at the close of a working day; handled that evening: on time.
    assert overdue_text("2016-03-01 09:00", "2016-03-01 17:00", "2016-03-01 18:30") == "否"
    # Handled the next morning after opening: late.
    assert overdue_text("2016-03-01 09:00", "2016-03-01 17:00", "2016-03-02 09:01") == "是"
    # Friday deadline, handled on Saturday: no working time passed.
    assert overdue_text("2016-03-03 10:00", "2016-03-04 17:00", "2016-03-05 11:00") == "否"
    # A deadline that allows no working time at all has no light.
    assert overdue_text("2016-03-05 10:00", "2016-03-05 12:00", "2016-03-07 12:00") == ""
