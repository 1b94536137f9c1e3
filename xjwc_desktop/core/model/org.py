"""People and organisations: departments that handle cases, inspectors who find them."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xjwc_desktop.core.model.base import Base, SyncedMixin
from xjwc_desktop.core.model.enums import ZoneCode
from xjwc_desktop.core.model.types import enum_type


class Department(SyncedMixin, Base):
    """处置部门: a body cases are dispatched to (城管中队, 房办, 物业 ...)."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Inspector(SyncedMixin, Base):
    """网格巡查员/监督员: patrols one zone and reports what they find."""

    __tablename__ = "inspectors"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(30))
    zone_code: Mapped[ZoneCode] = mapped_column(enum_type(ZoneCode))
    phone: Mapped[str | None] = mapped_column(String(30))
    daily_target: Mapped[int] = mapped_column(Integer, default=6)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
