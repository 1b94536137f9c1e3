"""Places: patrol zones, unit grids and residential compounds."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xjwc_desktop.core.model.base import Base, SyncedMixin
from xjwc_desktop.core.model.enums import ZoneCode
from xjwc_desktop.core.model.types import enum_type


class PatrolZone(SyncedMixin, Base):
    """巡查区: one of the two patrol areas, north or south of 殷行路."""

    __tablename__ = "patrol_zones"

    code: Mapped[ZoneCode] = mapped_column(enum_type(ZoneCode), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    community_code: Mapped[str] = mapped_column(String(3))
    area_km2: Mapped[float] = mapped_column(Float)
    geom: Mapped[bytes] = mapped_column(LargeBinary, doc="WKB polygon, WGS84")
    note: Mapped[str | None] = mapped_column(Text)


class UnitGrid(SyncedMixin, Base):
    """单元网格: a ~100 m x 100 m management cell with its 15-digit code."""

    __tablename__ = "unit_grids"

    code: Mapped[str] = mapped_column(String(15), unique=True)
    zone_code: Mapped[ZoneCode] = mapped_column(enum_type(ZoneCode), index=True)
    community_code: Mapped[str] = mapped_column(String(3))
    seq: Mapped[int] = mapped_column(Integer)
    area_m2: Mapped[float] = mapped_column(Float)
    geom: Mapped[bytes] = mapped_column(LargeBinary, doc="WKB polygon, WGS84")
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)


class Compound(SyncedMixin, Base):
    """小区/园区: a residential compound, park or business park named in the work report."""

    __tablename__ = "compounds"

    name: Mapped[str] = mapped_column(String(60), unique=True)
    aliases: Mapped[str | None] = mapped_column(String(120), doc="other names, separated by /")
    kind: Mapped[str] = mapped_column(String(20), default="住宅小区")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    position_approximate: Mapped[bool] = mapped_column(Boolean, default=True)
    zone_code: Mapped[ZoneCode | None] = mapped_column(enum_type(ZoneCode))
    grid_code: Mapped[str | None] = mapped_column(String(15))
    households: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
