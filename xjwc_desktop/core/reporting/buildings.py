"""违法搭建整治 and 无证建筑普查 figures: demolitions per year with their area, the census.

These registers are small (hundreds to thousands of rows) and not tied to the case period:
the report counts demolitions over the three years it reviews and the census as it stands.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, extract, func, select

from xjwc_desktop.core import clock
from xjwc_desktop.core.model import CensusRecord, IllegalStructure, StructureStatus
from xjwc_desktop.core.stats import Period

ALL_TIME = Period()


def demolished_by_year(conn: Connection, period: Period = ALL_TIME) -> list[dict[str, Any]]:
    """Illegal structures demolished per calendar year (demolition date in ``period``)."""
    year = extract("year", IllegalStructure.demolished_on).label("year")
    rows = conn.execute(
        select(year, func.count(), func.sum(IllegalStructure.area_m2))
        .where(IllegalStructure.deleted_at.is_(None),
               IllegalStructure.status == StructureStatus.DEMOLISHED,
               IllegalStructure.demolished_on.is_not(None),
               *period.clause(IllegalStructure.demolished_on))
        .group_by(year).order_by(year)).all()
    return [{"year": int(y), "count": int(n), "area_m2": round(float(a or 0.0), 2)}
            for y, n, a in rows]


def review_years(period: Period, years: int = 3) -> Period:
    """The years a work report reviews: the ``years`` calendar years ending with the year
    the period ends in (2015-01..2015-10 → 2013–2015, the report's "3年以来")."""
    last = (period.end or clock.today()).year
    return Period(dt.date(last - years + 1, 1, 1), dt.date(last, 12, 31))


def demolished_total(conn: Connection, period: Period) -> dict[str, Any]:
    """Count and area of the structures demolished in ``period`` (one sum, so the area is
    not a sum of rounded yearly areas)."""
    n, area, first, last = conn.execute(
        select(func.count(), func.sum(IllegalStructure.area_m2),
               func.min(IllegalStructure.demolished_on), func.max(IllegalStructure.demolished_on))
        .where(IllegalStructure.deleted_at.is_(None),
               IllegalStructure.status == StructureStatus.DEMOLISHED,
               IllegalStructure.demolished_on.is_not(None),
               *period.clause(IllegalStructure.demolished_on))).one()
    return {"count": int(n), "area_m2": round(float(area or 0.0), 2),
            "first_year": _year(first), "last_year": _year(last)}


def _year(value) -> int | None:
    if value is None:
        return None
    return value.year if isinstance(value, dt.date) else int(str(value)[:4])


def census_by_use(conn: Connection) -> list[dict[str, Any]]:
    """Census records per use (用途) within residential and non-residential areas."""
    rows = conn.execute(
        select(CensusRecord.residential, CensusRecord.use, func.count(),
               func.sum(CensusRecord.area_m2))
        .where(CensusRecord.deleted_at.is_(None))
        .group_by(CensusRecord.residential, CensusRecord.use)).all()
    out = [{"residential": bool(r), "use": use or "（未注明）", "count": int(n),
            "area_m2": round(float(a or 0.0), 2)} for r, use, n, a in rows]
    out.sort(key=lambda r: (not r["residential"], -r["area_m2"]))
    return out
