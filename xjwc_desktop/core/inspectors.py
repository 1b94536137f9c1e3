"""Inspectors: their patrol zone, what they find per day against the target, what waits
for their verification (核查) on site."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xjwc_desktop.core.model import Case, CaseSource, CaseStatus, Inspector


@dataclass(frozen=True)
class InspectorDay:
    day: dt.date
    found: int
    target: int

    @property
    def met(self) -> bool:
        return self.found >= self.target


@dataclass(frozen=True)
class InspectorOverview:
    code: str
    name: str
    zone_code: str
    zone_label: str
    target: int
    days: list[InspectorDay] = field(default_factory=list)
    verification_waiting: list[str] = field(default_factory=list)  # case numbers

    @property
    def found(self) -> int:
        return sum(d.found for d in self.days)

    @property
    def days_below_target(self) -> int:
        return sum(not d.met for d in self.days)

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "zone": self.zone_code,
                "zone_label": self.zone_label, "target_per_day": self.target,
                "found": self.found, "days": len(self.days),
                "per_day": round(self.found / len(self.days), 2) if self.days else 0.0,
                "days_below_target": self.days_below_target,
                "verification_waiting": len(self.verification_waiting)}


def inspector_overview(session: Session, first: dt.date, last: dt.date) -> list[InspectorOverview]:
    """Every active inspector with their daily finds in [first, last] and open checks.

    Days with no find at all count as days below target (the target is per day on duty;
    with no duty roster in the data every day of the period counts).
    """
    start = dt.datetime.combine(first, dt.time())
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    day = func.date(Case.reported_at) if session.bind.dialect.name == "sqlite" else func.cast(
        Case.reported_at, dt.date)
    counts: dict[str, dict[dt.date, int]] = {}
    for inspector_id, d, n in session.execute(
            select(Case.inspector_id, day, func.count())
            .where(Case.source == CaseSource.PATROL, Case.deleted_at.is_(None),
                   Case.reported_at >= start, Case.reported_at < end)
            .group_by(Case.inspector_id, day)):
        d = d if isinstance(d, dt.date) else dt.date.fromisoformat(d)
        counts.setdefault(inspector_id, {})[d] = n
    waiting: dict[str, list[str]] = {}
    for zone, case_no in session.execute(
            select(Case.zone_code, Case.case_no).where(Case.status == CaseStatus.HANDLED,
                                                       Case.deleted_at.is_(None))
            .order_by(Case.handled_at)):
        waiting.setdefault(zone.value if zone else "", []).append(case_no)
    all_days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    out = []
    for insp in session.scalars(select(Inspector).where(Inspector.active.is_(True),
                                                        Inspector.deleted_at.is_(None))
                                .order_by(Inspector.code)):
        mine = counts.get(insp.id, {})
        out.append(InspectorOverview(
            insp.code, insp.name, insp.zone_code.value, insp.zone_code.label, insp.daily_target,
            [InspectorDay(d, mine.get(d, 0), insp.daily_target) for d in all_days],
            waiting.get(insp.zone_code.value, [])))
    return out
