"""Shared helpers for the workflow tests: fresh cases in the demo database, walked step by step.

Fresh cases are dated March 2016 (no holiday that month, and far from the demo's 2015 cases,
so the demo never adds a duplicate or a case number on those days).
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import text

from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.core.workflow import Action, Actor, Role, act, create_case

D = dt.datetime
S = CaseStatus
WS = "test-workstation"
# A point inside the street, north of 殷行路 (near 尚景园, 121.5108, 31.3362).
LON, LAT = 121.5100, 31.3370
SANITATION = "作业队/保洁服务社"
CHENGGUAN = "城管中队"
START = D(2016, 3, 1, 9, 30)  # Tuesday morning: where a fresh case begins unless told

# How to bring a fresh case to each state: (action, role, department, note), in order.
PATHS: dict[CaseStatus, list[tuple[Action, Role, str | None, str | None]]] = {
    S.REPORTED: [],
    S.REGISTERED: [(Action.REGISTER, Role.INTAKE, None, None)],
    S.VOIDED: [(Action.VOID, Role.INTAKE, None, "信息不实")],
}
PATHS[S.DISPATCHED] = [*PATHS[S.REGISTERED], (Action.DISPATCH, Role.DISPATCHER, SANITATION, None)]
PATHS[S.HANDLED] = [*PATHS[S.DISPATCHED], (Action.HANDLE, Role.DEPARTMENT, None, "已清运")]
PATHS[S.VERIFIED] = [*PATHS[S.HANDLED], (Action.VERIFY, Role.INSPECTOR, None, "现场已整洁")]
PATHS[S.CLOSED] = [*PATHS[S.VERIFIED], (Action.CLOSE, Role.SUPERVISOR, None, None)]
PATHS[S.SUSPENDED] = [*PATHS[S.DISPATCHED], (Action.SUSPEND, Role.SUPERVISOR, None, "待拆迁")]


def new_case(session, *, at: dt.datetime = START, category: str = "暴露垃圾",
             lon: float | None = LON, lat: float | None = LAT, source: str = "网格巡查",
             **kwargs):
    return create_case(session, source=source, category=category, lon=lon, lat=lat,
                       workstation_id=WS, at=at, **kwargs)


def step(session, ref: str, action: Action, role: Role, at: dt.datetime, **kwargs):
    return act(session, ref, action, Actor(role, "测试员"), workstation_id=WS, at=at, **kwargs)


def case_in(session, status: CaseStatus, *, at: dt.datetime = START,
            **kwargs) -> str:
    """A fresh case brought to ``status``, one step every 10 minutes from ``at``; its id."""
    made = new_case(session, at=at, **kwargs)
    for i, (action, role, dept, note) in enumerate(PATHS[status], start=1):
        step(session, made.case_id, action, role, at + dt.timedelta(minutes=10 * i),
             department=dept, note=note)
    return made.case_id


def row(session, case_id: str) -> dict:
    """The case row as stored (plain SQL, not the ORM's cached object)."""
    return dict(session.execute(text("SELECT * FROM cases WHERE id = :id"),
                                {"id": case_id}).mappings().one())


def events(session, case_id: str) -> list[dict]:
    return [dict(r) for r in session.execute(
        text("SELECT * FROM case_events WHERE case_id = :id ORDER BY seq"),
        {"id": case_id}).mappings()]


def snapshot(session, case_id: str | None) -> tuple:
    """Everything a refused step must leave alone: the case, its history, the table sizes."""
    totals = session.execute(text(
        "SELECT (SELECT count(*) FROM cases), (SELECT max(updated_at) FROM cases),"
        " (SELECT count(*) FROM case_events)")).one()
    if case_id is None:
        return tuple(totals), None, None
    return tuple(totals), row(session, case_id), events(session, case_id)


def writes(session) -> int:
    """Rows this session's connection has written so far (SQLite's total_changes())."""
    return session.execute(text("SELECT total_changes()")).scalar_one()


def dept_id(session, name: str) -> str:
    return session.execute(text("SELECT id FROM departments WHERE name = :n"),
                           {"n": name}).scalar_one()


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance on a sphere of radius 6371 km (the tests' own formula)."""
    r = 6_371_000.0
    f1, f2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((f2 - f1) / 2) ** 2
         + math.cos(f1) * math.cos(f2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * r * math.asin(math.sqrt(h))


def offset(lon: float, lat: float, north_m: float = 0.0, east_m: float = 0.0):
    """The point ``north_m`` metres north and ``east_m`` metres east of (lon, lat)."""
    dlat = north_m / 111_195.0
    dlon = east_m / (111_195.0 * math.cos(math.radians(lat)))
    return lon + dlon, lat + dlat
