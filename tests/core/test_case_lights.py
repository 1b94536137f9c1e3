"""The deadline traffic light: working time used of the limit, per case."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from xjwc_desktop.core.queries.case_columns import STATUS_CODES
from xjwc_desktop.core.queries.case_index import CaseIndex
from xjwc_desktop.core.queries.case_lights import (
    LIGHT_GREEN,
    LIGHT_NONE,
    LIGHT_PAUSED,
    LIGHT_RED,
    LIGHT_YELLOW,
    traffic_lights,
)
from xjwc_desktop.core.worktime import default_calendar

EPOCH = dt.datetime(1970, 1, 1)


def secs(when: dt.datetime | None) -> int:
    return 0 if when is None else int((when - EPOCH).total_seconds())


def lights_for(cases, now):
    status = np.array([STATUS_CODES.index(c[0]) for c in cases], dtype=np.uint8)
    reg, handled, deadline = (np.array([secs(c[i]) for c in cases]) for i in (1, 2, 3))
    return traffic_lights(status, reg, handled, deadline, now).tolist()


def test_running_cases_by_share_of_working_time_used() -> None:
    cal = default_calendar()
    registered = dt.datetime(2015, 3, 2, 10, 0)  # a Monday, working day
    limit = cal.limit_minutes(2, "working_days")
    deadline = cal.add(registered, limit)
    cases = [("dispatched", registered, None, deadline)]
    assert lights_for(cases, cal.add(registered, limit * 0.5)) == [LIGHT_GREEN]
    assert lights_for(cases, cal.add(registered, limit * 0.79)) == [LIGHT_GREEN]
    assert lights_for(cases, cal.add(registered, limit * 0.8)) == [LIGHT_YELLOW]
    assert lights_for(cases, deadline) == [LIGHT_YELLOW]
    assert lights_for(cases, cal.add(registered, limit * 1.2)) == [LIGHT_RED]
    # The weekend does not count: a one-day limit from Friday noon still has time left on
    # Monday morning (by the wall clock it would be long overdue).
    friday_noon = dt.datetime(2015, 3, 6, 12, 0)
    one_day = cal.limit_minutes(1, "working_days")
    weekend_case = [("registered", friday_noon, None, cal.add(friday_noon, one_day))]
    assert lights_for(weekend_case, dt.datetime(2015, 3, 9, 7, 0)) == [LIGHT_GREEN]
    assert lights_for(weekend_case, dt.datetime(2015, 3, 9, 12, 0)) == [LIGHT_YELLOW]
    assert lights_for(weekend_case, dt.datetime(2015, 3, 9, 15, 0)) == [LIGHT_RED]


def test_handled_cases_are_judged_at_handling_and_others_have_no_light() -> None:
    cal = default_calendar()
    registered = dt.datetime(2015, 3, 2, 10, 0)
    limit = cal.limit_minutes(5, "working_hours")
    deadline = cal.add(registered, limit)
    on_time, late = cal.add(registered, limit * 0.3), cal.add(registered, limit * 3)
    much_later = dt.datetime(2016, 1, 1)
    cases = [("closed", registered, on_time, deadline),
             ("verified", registered, late, deadline),
             ("suspended", registered, None, deadline),
             ("voided", registered, None, deadline),
             ("reported", None, None, None),
             ("dispatched", registered, None, None)]  # no deadline recorded
    assert lights_for(cases, much_later) == [LIGHT_GREEN, LIGHT_RED, LIGHT_PAUSED,
                                             LIGHT_NONE, LIGHT_NONE, LIGHT_NONE]


def test_index_lights_of_the_demo(demo_template) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///file:{demo_template}?immutable=1&uri=true")
    index = CaseIndex.load(engine)
    assert "handled" not in index.cols  # only read when the lights are asked for
    lights = index.traffic_lights(dt.datetime(2016, 6, 1))
    status = np.array(STATUS_CODES)[index.cols["status"]]
    counts = {k: int((lights == k).sum()) for k in range(5)}
    assert counts[LIGHT_PAUSED] == int((status == "suspended").sum()) > 0
    assert counts[LIGHT_GREEN] > counts[LIGHT_RED] > 0  # most work was on time, not all
    running = np.isin(status, ["registered", "dispatched"])
    # Long after the demo period every case still being worked on is overdue.
    assert set(lights[running].tolist()) == {LIGHT_RED}
    assert lights[status == "voided"].max() == LIGHT_NONE
    engine.dispose()


@pytest.mark.parametrize("status", ["registered", "dispatched"])
def test_no_light_before_registration(status) -> None:
    assert lights_for([(status, None, None, None)], dt.datetime(2016, 1, 1)) == [LIGHT_NONE]
