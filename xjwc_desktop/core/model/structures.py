"""Illegal structures (违法搭建) and the unlicensed-building census (无证建筑普查)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xjwc_desktop.core.model.base import Base, SyncedMixin
from xjwc_desktop.core.model.enums import StructureStatus, ZoneCode
from xjwc_desktop.core.model.types import enum_type


class _BuildingFacts:
    """What both registers record about a building: where, how big, what for."""

    code: Mapped[str] = mapped_column(String(24), unique=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    footprint: Mapped[bytes | None] = mapped_column(LargeBinary, doc="WKB polygon, WGS84")
    address: Mapped[str | None] = mapped_column(String(200))
    compound_id: Mapped[str | None] = mapped_column(ForeignKey("compounds.id"))
    zone_code: Mapped[ZoneCode | None] = mapped_column(enum_type(ZoneCode))
    grid_code: Mapped[str | None] = mapped_column(String(15))
    area_m2: Mapped[float] = mapped_column(Float)
    residential: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)


class IllegalStructure(_BuildingFacts, SyncedMixin, Base):
    """违法搭建: found by patrols, demolished by 城管 and 房办 (or by the owner)."""

    __tablename__ = "illegal_structures"

    status: Mapped[StructureStatus] = mapped_column(enum_type(StructureStatus), index=True)
    found_on: Mapped[dt.date] = mapped_column(Date)
    demolished_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    handled_by: Mapped[str | None] = mapped_column(String(60), doc="拆除方式/责任方")


class CensusRecord(_BuildingFacts, SyncedMixin, Base):
    """无证建筑普查记录: one unlicensed building counted by the census from 2015-09."""

    __tablename__ = "census_records"

    use: Mapped[str | None] = mapped_column(String(30), doc="用途")
    surveyed_on: Mapped[dt.date] = mapped_column(Date)


class BikeStation(SyncedMixin, Base):
    """公益自行车站点: a community public-bike station with its docks and bikes."""

    __tablename__ = "bike_stations"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    position_approximate: Mapped[bool] = mapped_column(Boolean, default=True)
    zone_code: Mapped[ZoneCode | None] = mapped_column(enum_type(ZoneCode))
    capacity: Mapped[int] = mapped_column()
    bikes: Mapped[int] = mapped_column()
    operator: Mapped[str | None] = mapped_column(String(60))
