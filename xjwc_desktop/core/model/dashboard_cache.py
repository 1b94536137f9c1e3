"""The dashboard's per-month totals: a local cache of aggregates over ``cases``, never synced.

Each table holds, per calendar month (``year * 100 + month``), the counts one dashboard
figure is cut from, so a period of any length costs a read of a few thousand rows instead of
a scan of every case. Triggers on ``cases`` (migration 0005, SQLite) note the months a write
touches in :class:`DashboardDirtyMonth`; ``core.reporting.month_cache`` recomputes just those
months before the dashboard reads. Keys that may be missing in a case are stored as ``''``
(primary key columns cannot be NULL).
"""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xjwc_desktop.core.model.base import Base


def _month() -> Mapped[int]:
    return mapped_column(Integer, primary_key=True, autoincrement=False,
                         doc="year * 100 + month of the date the figure is keyed by")


def _key(length: int) -> Mapped[str]:
    return mapped_column(String(length), primary_key=True)


def _count() -> Mapped[int]:
    return mapped_column(Integer, default=0)


class DashboardDirtyMonth(Base):
    """A month whose cached totals no longer match the cases (written by triggers)."""

    __tablename__ = "dashboard_dirty_months"

    month: Mapped[int] = _month()


class DashboardDirtyPlaceMonth(Base):
    """A month whose hotspot places no longer match the cases (written by triggers that watch
    only what places read, so a workflow step does not recount them: migration 0008)."""

    __tablename__ = "dashboard_dirty_place_months"

    month: Mapped[int] = _month()


class DashboardMonthCube(Base):
    """Cases reported per month × source × patrol zone × status."""

    __tablename__ = "dashboard_month_cube"

    month: Mapped[int] = _month()
    source: Mapped[str] = _key(24)
    zone: Mapped[str] = _key(24)
    status: Mapped[str] = _key(24)
    cases: Mapped[int] = _count()


class DashboardMonthCategory(Base):
    """Cases reported per month × category (小类), and how many of them are still open."""

    __tablename__ = "dashboard_month_categories"

    month: Mapped[int] = _month()
    category_code: Mapped[str] = _key(12)
    cases: Mapped[int] = _count()
    open: Mapped[int] = _count()


class DashboardMonthGrid(Base):
    """Cases reported per month × unit grid."""

    __tablename__ = "dashboard_month_grids"

    month: Mapped[int] = _month()
    grid_code: Mapped[str] = _key(15)
    cases: Mapped[int] = _count()


class DashboardMonthInspectorDay(Base):
    """Patrol finds per month × inspector × day (the day carries the month)."""

    __tablename__ = "dashboard_month_inspector_days"

    month: Mapped[int] = _month()
    inspector_id: Mapped[str] = _key(32)
    day: Mapped[str] = _key(10)
    cases: Mapped[int] = _count()


class DashboardMonthDepartment(Base):
    """Cases *registered* (立案) per month × department, with the metrics' counts."""

    __tablename__ = "dashboard_month_departments"

    month: Mapped[int] = _month()
    department_id: Mapped[str] = _key(32)
    registered: Mapped[int] = _count()
    suspended: Mapped[int] = _count()
    to_close: Mapped[int] = _count()
    closed: Mapped[int] = _count()
    closed_on_time: Mapped[int] = _count()
    dispatched: Mapped[int] = _count()
    handled: Mapped[int] = _count()
    handled_on_time: Mapped[int] = _count()
    reworked: Mapped[int] = _count()


class DashboardMonthPlaces(Base):
    """Where a month's cases of one category (小类) lie, for hotspots: cases per cell of
    the hotspot raster and per unit grid, as JSON (``cells``: ``[cell, cases, …]`` with
    ``cell = ix * height + iy``; ``grids``: ``{code: cases}``). A cell table would hold
    about as many rows as there are cases; one row per month and category keeps an
    all-time read to a few thousand rows. ``raster`` names the raster the cells are on:
    rows on another raster (other map data) are not used."""

    __tablename__ = "dashboard_month_places"

    month: Mapped[int] = _month()
    category_code: Mapped[str] = _key(12)
    raster: Mapped[str] = mapped_column(String(120), nullable=False)
    cells: Mapped[str] = mapped_column(Text, nullable=False)
    grids: Mapped[str] = mapped_column(Text, nullable=False)
