"""Deadlines in working time and the traffic light, with hand-worked examples.

Working day 09:00-17:00 = 480 working minutes. 2015 calendar (resources/data/work_calendar.json):
春节 holiday 02-18..02-24 with 调休 workdays Sun 02-15 and Sat 02-28; 国庆 10-01..10-07.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.core.workflow_helpers import D, S, case_in, new_case, row, step
from xjwc_desktop.core.model import Case
from xjwc_desktop.core.workflow import Action, Light, Role, case_as_dict, deadline_state
from xjwc_desktop.core.workflow.deadlines import due_cases, light_for


@pytest.mark.parametrize(("category", "registered", "deadline"), [
    # 1 working day = 480 min. Fri 02-13 15:00-17:00 = 120; Sat 02-14 off; Sun 02-15 is a
    # 调休 working day: 360 more from 09:00 -> Sun 15:00.
    ("暴露垃圾", D(2015, 2, 13, 15), D(2015, 2, 15, 15)),
    # 5 working hours = 300 min. Wed 09-30 16:00-17:00 = 60; 国庆 10-01..07 off;
    # Thu 10-08 240 more from 09:00 -> 13:00.
    ("道路不洁", D(2015, 9, 30, 16), D(2015, 10, 8, 13)),
    # 15 working days = 7200 min. Mon 02-16 10:00-17:00 = 420; full days 02-17, 02-25,
    # 02-26, 02-27, Sat 02-28 (调休), 03-02..03-06, 03-09..03-12 = 14 x 480 = 6720;
    # 420 + 6720 = 7140, 60 more on Fri 03-13 -> 10:00.
    ("违法搭建", D(2015, 2, 16, 10), D(2015, 3, 13, 10)),
    # Registered on a Saturday evening: the clock starts Mon 09:00; 480 min -> Mon 17:00.
    ("暴露垃圾", D(2016, 3, 5, 20), D(2016, 3, 7, 17)),
])
def test_registration_sets_the_deadline_in_working_time(demo_db, category, registered,
                                                        deadline) -> None:
    with demo_db.write() as s:
        made = new_case(s, category=category, at=registered)
        step(s, made.case_id, Action.REGISTER, Role.INTAKE, registered)
        assert row(s, made.case_id)["deadline_at"] == f"{deadline:%Y-%m-%d %H:%M:%S}.000000"


@pytest.mark.parametrize(("fraction", "light"), [
    (0.0, Light.GREEN), (0.799, Light.GREEN), (0.8, Light.YELLOW), (0.95, Light.YELLOW),
    (1.0, Light.YELLOW), (1.001, Light.RED), (3.0, Light.RED), (None, Light.NONE),
])
def test_light_for_the_share_of_the_limit_used(fraction, light) -> None:
    assert light_for(fraction) is light


# Registered Mon 2016-03-07 09:00 with a deadline 1000 working minutes later:
# Mon 480 + Tue 480 + Wed 40 -> Wed 03-09 09:40.
REG, DEADLINE = D(2016, 3, 7, 9), D(2016, 3, 9, 9, 40)


@pytest.mark.parametrize(("now", "used", "light"), [
    (D(2016, 3, 8, 14, 19), 799, Light.GREEN),  # 480 + 319 (09:00 -> 14:19) = 79.9 %
    (D(2016, 3, 8, 14, 20), 800, Light.YELLOW),  # 80.0 %
    (D(2016, 3, 9, 9, 40), 1000, Light.YELLOW),  # 100.0 %: due now, not yet overdue
    (D(2016, 3, 9, 9, 41), 1001, Light.RED),  # 100.1 %
    (D(2016, 3, 8, 20, 0), 960, Light.YELLOW),  # Tue evening counts as Tue 17:00: 96 %
])
def test_deadline_state_at_the_boundaries(now, used, light) -> None:
    state = deadline_state(REG, DEADLINE, None, S.DISPATCHED, None, now)
    assert (state.allowed_minutes, state.used_minutes, state.light) == (1000, used, light)
    assert state.remaining_minutes == 1000 - used


def test_the_clock_stops_when_handled_and_while_suspended() -> None:
    weeks_later = D(2016, 4, 20, 12)
    # Handled Tue 10:00: 480 + 60 = 540 of 1000 minutes, however late we look.
    handled = deadline_state(REG, DEADLINE, D(2016, 3, 8, 10), S.HANDLED, None, weeks_later)
    assert (handled.used_minutes, handled.light) == (540, Light.GREEN)
    # Suspended Tue 14:20: 800 of 1000 used, yellow, frozen while suspended.
    suspended = deadline_state(REG, DEADLINE, None, S.SUSPENDED, D(2016, 3, 8, 14, 20),
                               weeks_later)
    assert (suspended.used_minutes, suspended.light) == (800, Light.YELLOW)
    running = deadline_state(REG, DEADLINE, None, S.DISPATCHED, None, weeks_later)
    assert running.light is Light.RED
    voided = deadline_state(REG, DEADLINE, None, S.VOIDED, None, weeks_later)
    assert voided.light is Light.NONE


def test_case_detail_shows_the_frozen_light_of_a_suspended_case(demo_db) -> None:
    with demo_db.write() as s:
        # Registered Tue 2016-03-01 09:40, deadline Wed 09:40; suspended Tue 15:00 after
        # 320 of 480 minutes (66.7 %).
        case_id = case_in(s, S.DISPATCHED)
        step(s, case_id, Action.SUSPEND, Role.SUPERVISOR, D(2016, 3, 1, 15), note="待协调")
        shown = case_as_dict(s, s.get(Case, case_id), now=D(2016, 5, 3, 12))
    assert shown["deadline"] == {
        "deadline_at": "2016-03-02 09:40:00", "allowed_working_hours": 8.0,
        "used_working_hours": 5.33, "remaining_working_hours": 2.67, "used_percent": 66.7,
        "light": "green", "light_label": "绿灯"}


def test_due_cases_lists_red_then_yellow_and_no_green_or_finished_cases(demo_db) -> None:
    now = D(2016, 3, 9, 12)  # Wednesday noon
    with demo_db.write() as s:
        # 暴露垃圾, 480 min. Registered Wed 10:00: 120 used (25 %) -> green.
        green = case_in(s, S.REGISTERED, at=D(2016, 3, 9, 9, 50))
        # Registered Tue 13:00: 240 (Tue) + 180 (Wed) = 420 used (87.5 %) -> yellow.
        yellow = case_in(s, S.DISPATCHED, at=D(2016, 3, 8, 12, 50))
        # Registered Tue 10:00: 420 + 180 = 600 used (125 %) -> red.
        red = case_in(s, S.REGISTERED, at=D(2016, 3, 8, 9, 50))
        # Registered Mon 10:00, overdue, but closed / handled / suspended: no running clock.
        finished = [case_in(s, st, at=D(2016, 3, 7, 9, 50))
                    for st in (S.CLOSED, S.HANDLED, S.SUSPENDED)]
        listed = due_cases(s, now, limit=100_000)
        # The scalar path, case by case, over every case whose clock is running.
        running = s.scalars(select(Case).where(
            Case.status.in_([S.REGISTERED, S.DISPATCHED]), Case.deadline_at.is_not(None)))
        expected = {c.id: deadline_state(c.registered_at, c.deadline_at, c.handled_at,
                                         c.status, c.suspended_at, now) for c in running}
    by_id = {d.case_id: d for d in listed}
    assert (by_id[red].light, by_id[red].used_fraction) == (Light.RED, 1.25)
    assert (by_id[yellow].light, by_id[yellow].used_fraction) == (Light.YELLOW, 0.875)
    assert green not in by_id
    assert not set(finished) & set(by_id)
    lights = [d.light for d in listed]
    assert lights == sorted(lights, key=[Light.RED, Light.YELLOW].index)
    assert Light.YELLOW in lights
    assert Light.RED in lights
    fractions = [d.used_fraction for d in listed]
    assert fractions == sorted(fractions, reverse=True)
    assert {d.case_id: d.light for d in listed} == {
        k: v.light for k, v in expected.items() if v.light in (Light.RED, Light.YELLOW)}
    assert {d.status for d in listed} <= {S.REGISTERED, S.DISPATCHED}


def test_a_resumed_case_has_used_only_the_time_before_it_was_suspended(demo_db) -> None:
    # 暴露垃圾 registered Tue 2016-03-01 09:40 (limit 480 min, deadline Wed 09:40), suspended
    # at 10:28 after 48 minutes (10 %), resumed ten working days later, Tue 03-15 10:28.
    # The clock stood still: 48 of 480 minutes used, 432 left, green; the deadline moved by
    # the 4800 suspended minutes to Wed 03-16 09:40.
    resumed_at = D(2016, 3, 15, 10, 28)
    with demo_db.write() as s:
        case_id = case_in(s, S.DISPATCHED)
        step(s, case_id, Action.SUSPEND, Role.SUPERVISOR, D(2016, 3, 1, 10, 28), note="待协调")
        step(s, case_id, Action.RESUME, Role.SUPERVISOR, resumed_at)
        shown = case_as_dict(s, s.get(Case, case_id), now=resumed_at)
        listed = {d.case_id for d in due_cases(s, resumed_at, limit=100_000)}
    assert shown["deadline"]["deadline_at"] == "2016-03-16 09:40:00"
    assert shown["deadline"]["remaining_working_hours"] == 7.2
    assert (shown["deadline"]["used_percent"], shown["deadline"]["light"]) == (10.0, "green")
    assert case_id not in listed  # not "due soon" with 90 % of its time left


@pytest.mark.parametrize(("over", "text"), [
    (22137 * 60, "超期 2,767 工作日"),  # 22,137 working hours: days, grouped, whole
    (480, "超期 1 工作日"),  # one working day exactly
    (479, "超期 8 工作时"),  # below a day: whole hours
    (20, "超期 1 工作时"),  # any time past is at least an hour
    (-300, "剩余 5 工作时"),
    (-480 * 3, "剩余 3 工作日"),
    (0, "剩余 0 工作时"),
])
def test_one_wording_for_time_past_or_left(over, text):
    from xjwc_desktop.core.workflow.deadlines import DueCase, overdue_text

    assert overdue_text(over, 480) == text
    assert DueCase("id", "no", None, None, 1.0, Light.RED, over_minutes=over).state == text
