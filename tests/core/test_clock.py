"""One clock for every domain time: Beijing time whatever the machine's zone, frozen in tests."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from xjwc_desktop.core import clock
from xjwc_desktop.core.model import Case, CaseEvent
from xjwc_desktop.core.workflow import Action, Actor, Role, act
from xjwc_desktop.core.workflow.intake import create_case


def test_the_system_clock_reads_beijing_time_on_a_machine_set_to_utc() -> None:
    # A subprocess with TZ=UTC, as on a server or this CI machine: still Beijing time.
    code = ("import datetime as dt; from xjwc_desktop.core import clock; "
            "utc = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None); "
            "print(round((clock.now() - utc).total_seconds() / 3600))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "TZ": "UTC"}, check=True).stdout
    assert out.strip() == "8"


def test_a_frozen_clock_moves_only_when_ticked() -> None:
    frozen = clock.FrozenClock("2015-06-01 09:00:00.750")
    with clock.using(frozen):
        assert clock.now() == dt.datetime(2015, 6, 1, 9, 0, 0)  # to the second
        assert clock.now() == clock.now()
        assert frozen.tick(90) == dt.datetime(2015, 6, 1, 9, 1, 30)
        frozen.tick(days=1, hours=1)
        assert clock.today() == dt.date(2015, 6, 2)
        assert clock.current() is frozen
    assert isinstance(clock.current(), clock.SystemClock)


def test_intake_steps_and_row_stamps_take_the_time_from_the_clock(demo_db, frozen_clock) -> None:
    with demo_db.write() as s:
        case = create_case(s, source="hotline", category="暴露垃圾", lon=121.5071, lat=31.3250,
                           description="政立路人行道暴露垃圾", workstation_id="ws")
        case_id = case.case_id
    frozen_clock.tick(minutes=7)
    with demo_db.write() as s:
        act(s, case_id, Action.REGISTER, Actor(Role.INTAKE), workstation_id="ws")
    with demo_db.read() as s:
        row = s.get(Case, case_id)
        assert row.case_no.startswith("XJW20151102")
        assert row.reported_at == dt.datetime(2015, 11, 2, 9, 0)
        assert row.registered_at == dt.datetime(2015, 11, 2, 9, 7)
        assert (row.created_at, row.updated_at) == (dt.datetime(2015, 11, 2, 9, 0),
                                                   dt.datetime(2015, 11, 2, 9, 7))
        events = s.query(CaseEvent).filter_by(case_id=case_id).order_by(CaseEvent.seq).all()
        assert [e.at for e in events][-1] == dt.datetime(2015, 11, 2, 9, 7)


def test_the_report_says_as_of_in_beijing_time(demo_db, frozen_clock) -> None:
    from xjwc_desktop.core.reporting.periods import parse_month_period
    from xjwc_desktop.core.reporting.report import build_report

    frozen_clock.set("2015-11-02 07:30:00")  # 23:30 the day before in UTC
    with demo_db.read() as s:
        report = build_report(s, parse_month_period("2015-10..2015-10"))
    assert "数据截至：2015-11-02 07:30" in report.subtitle
