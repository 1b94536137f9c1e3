"""Counts that show the street's figures: cases, illegal structures, census, bikes.

The statistics issue extends this with rates and breakdowns; every figure here is one SQL
aggregate over live (not soft-deleted) rows, so it scales with the database engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session

from xjwc_desktop.core.model import (
    BikeStation,
    Case,
    CaseSource,
    CaseStatus,
    CensusRecord,
    IllegalStructure,
    StructureStatus,
)


@dataclass(frozen=True)
class Period:
    """A closed range of days; either end may be open (None)."""

    start: dt.date | None = None
    end: dt.date | None = None

    def clause(self, column):
        conds = []
        if self.start is not None:
            conds.append(column >= dt.datetime.combine(self.start, dt.time()))
        if self.end is not None:
            conds.append(column < dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time()))
        return conds

    def as_dict(self) -> dict[str, str | None]:
        return {"from": self.start and self.start.isoformat(),
                "to": self.end and self.end.isoformat()}


def _area(value) -> float:
    return round(float(value or 0.0), 2)


def case_counts(s: Session, period: Period) -> dict[str, Any]:
    live = [Case.deleted_at.is_(None), *period.clause(Case.reported_at)]
    by_source = dict(s.execute(select(Case.source, func.count()).where(*live)
                               .group_by(Case.source)).all())
    by_status = dict(s.execute(select(Case.status, func.count()).where(*live)
                               .group_by(Case.status)).all())
    return {
        "total": sum(by_source.values()),
        "by_source": {src.value: {"label": src.label, "count": by_source.get(src, 0)}
                      for src in CaseSource},
        "by_status": {st.value: {"label": st.label, "count": by_status.get(st, 0)}
                      for st in CaseStatus},
    }


def patrol_counts(s: Session, period: Period) -> dict[str, Any]:
    """Cases found on patrol per inspector and day (the target is at least 6)."""
    day = cast(Case.reported_at, Date) if s.bind.dialect.name != "sqlite" else func.date(
        Case.reported_at)
    per_day = (select(Case.inspector_id, day.label("day"), func.count().label("n"))
               .where(Case.source == CaseSource.PATROL, Case.deleted_at.is_(None),
                      Case.inspector_id.is_not(None), *period.clause(Case.reported_at))
               .group_by(Case.inspector_id, day).subquery())
    row = s.execute(select(func.count(), func.coalesce(func.sum(per_day.c.n), 0),
                           func.min(per_day.c.n),
                           func.count(func.distinct(per_day.c.inspector_id)))).one()
    inspector_days, cases, lowest, inspectors = row
    return {
        "inspectors": inspectors,
        "inspector_days": inspector_days,
        "cases": cases,
        "per_inspector_per_day": round(cases / inspector_days, 2) if inspector_days else 0.0,
        "lowest_inspector_day": lowest or 0,
    }


def structure_counts(s: Session, period: Period) -> dict[str, Any]:
    demolished = s.execute(
        select(func.count(), func.sum(IllegalStructure.area_m2)).where(
            IllegalStructure.deleted_at.is_(None),
            IllegalStructure.status == StructureStatus.DEMOLISHED,
            *period.clause(IllegalStructure.demolished_on))).one()
    open_ = s.execute(
        select(func.count(), func.sum(IllegalStructure.area_m2)).where(
            IllegalStructure.deleted_at.is_(None),
            IllegalStructure.status != StructureStatus.DEMOLISHED)).one()
    years = s.execute(select(func.min(IllegalStructure.demolished_on),
                             func.max(IllegalStructure.demolished_on)).where(
        IllegalStructure.deleted_at.is_(None),
        IllegalStructure.status == StructureStatus.DEMOLISHED,
        *period.clause(IllegalStructure.demolished_on))).one()
    return {
        "demolished": {"count": demolished[0], "area_m2": _area(demolished[1]),
                       "first": years[0] and years[0].isoformat(),
                       "last": years[1] and years[1].isoformat()},
        "not_demolished": {"count": open_[0], "area_m2": _area(open_[1])},
    }


def census_counts(s: Session) -> dict[str, Any]:
    rows = s.execute(select(CensusRecord.residential, func.count(), func.sum(CensusRecord.area_m2))
                     .where(CensusRecord.deleted_at.is_(None))
                     .group_by(CensusRecord.residential)).all()
    got = {bool(r): (n, a) for r, n, a in rows}
    res, non = got.get(True, (0, 0.0)), got.get(False, (0, 0.0))
    return {
        "residential": {"count": res[0], "area_m2": _area(res[1])},
        "non_residential": {"count": non[0], "area_m2": _area(non[1])},
        "total": {"count": res[0] + non[0], "area_m2": _area((res[1] or 0) + (non[1] or 0))},
    }


def bike_counts(s: Session) -> dict[str, Any]:
    n, bikes, capacity = s.execute(
        select(func.count(), func.coalesce(func.sum(BikeStation.bikes), 0),
               func.coalesce(func.sum(BikeStation.capacity), 0))
        .where(BikeStation.deleted_at.is_(None))).one()
    return {"stations": n, "bikes": bikes, "capacity": capacity}


def street_figures(s: Session, period: Period = Period()) -> dict[str, Any]:
    """All figures of the street for ``period`` (cases by report date, demolitions by date)."""
    return {
        "period": period.as_dict(),
        "cases": case_counts(s, period),
        "patrol": patrol_counts(s, period),
        "illegal_structures": structure_counts(s, period),
        "census": census_counts(s),
        "bike_stations": bike_counts(s),
    }


def count_active_cases(s: Session) -> int:
    """Cases still in the loop (neither closed nor voided)."""
    return s.scalar(select(func.count()).where(
        Case.deleted_at.is_(None),
        Case.status.not_in([CaseStatus.CLOSED, CaseStatus.VOIDED]))) or 0


__all__ = ["Period", "count_active_cases", "street_figures"]
