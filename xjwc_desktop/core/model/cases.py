"""Cases (案件), their categories, and their append-only history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xjwc_desktop.core.model.base import Base, SyncedMixin
from xjwc_desktop.core.model.enums import (
    CaseSource,
    CaseStatus,
    CategoryKind,
    TimeLimitUnit,
    ZoneCode,
)
from xjwc_desktop.core.model.types import enum_type


class Category(SyncedMixin, Base):
    """案件类别 (小类) with its rules: when to register, how long to handle, when to close."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[CategoryKind] = mapped_column(enum_type(CategoryKind))
    major: Mapped[str] = mapped_column(String(30), doc="大类")
    name: Mapped[str] = mapped_column(String(30), unique=True, doc="小类")
    register_condition: Mapped[str | None] = mapped_column(Text, doc="立案条件")
    close_condition: Mapped[str | None] = mapped_column(Text, doc="结案条件")
    time_limit: Mapped[float] = mapped_column(Float, doc="处置时限, in time_limit_unit")
    time_limit_unit: Mapped[TimeLimitUnit] = mapped_column(enum_type(TimeLimitUnit))
    default_department_code: Mapped[str | None] = mapped_column(
        ForeignKey("departments.code", ondelete="SET NULL")
    )
    duplicate_radius_m: Mapped[float] = mapped_column(Float, default=50.0)
    duplicate_days: Mapped[int] = mapped_column(Integer, default=3)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Case(SyncedMixin, Base):
    """案件: one problem in the street, from intake to closure.

    Position is WGS84 lon/lat. ``zone_code`` and ``grid_code`` are derived from it when the
    case is written, so filters and statistics never need a spatial join.
    """

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("source", "external_no", name="uq_cases_source_external_no"),
        Index("ix_cases_status_reported", "status", "reported_at"),
        Index("ix_cases_source_reported", "source", "reported_at"),
    )

    case_no: Mapped[str] = mapped_column(String(24), unique=True, doc="案卷号")
    external_no: Mapped[str | None] = mapped_column(String(40), doc="12345/区网格工单号")
    source: Mapped[CaseSource] = mapped_column(enum_type(CaseSource))
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    status: Mapped[CaseStatus] = mapped_column(enum_type(CaseStatus))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    reporter_name: Mapped[str | None] = mapped_column(String(60))
    reporter_phone: Mapped[str | None] = mapped_column(String(30))
    inspector_id: Mapped[str | None] = mapped_column(ForeignKey("inspectors.id"), index=True)
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"), index=True)
    compound_id: Mapped[str | None] = mapped_column(ForeignKey("compounds.id"))
    zone_code: Mapped[ZoneCode | None] = mapped_column(enum_type(ZoneCode), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(15), index=True)

    reported_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True, doc="受理/上报")
    registered_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True, doc="立案")
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(DateTime, doc="派遣")
    handled_at: Mapped[dt.datetime | None] = mapped_column(DateTime, doc="处置反馈")
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime, doc="核查")
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, doc="结案")
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, doc="作废")
    suspended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, doc="挂账")
    deadline_at: Mapped[dt.datetime | None] = mapped_column(DateTime, doc="处置时限截止")
    extension_hours: Mapped[float] = mapped_column(Float, default=0.0, doc="批准延期(工作时)")
    extension_requested_hours: Mapped[float] = mapped_column(
        Float, default=0.0, server_default="0", doc="处置部门申请、待批准的延期(工作时)")
    paused_minutes: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", doc="挂账累计的工作分钟（不计入已用时限）")
    suspended_from: Mapped[CaseStatus | None] = mapped_column(
        enum_type(CaseStatus, constraint=False), doc="挂账前的状态，恢复时回到它")
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False, doc="督办")
    duplicate_of_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))

    category: Mapped[Category] = relationship(lazy="joined", viewonly=True)
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.seq", viewonly=True
    )


class CaseEvent(SyncedMixin, Base):
    """案件历史: one step of a case's life. Append-only: the database refuses edits."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer, doc="1, 2, ... within the case")
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[CaseStatus | None] = mapped_column(
        enum_type(CaseStatus, name="from_status"))
    to_status: Mapped[CaseStatus] = mapped_column(enum_type(CaseStatus, name="to_status"))
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_name: Mapped[str | None] = mapped_column(String(60))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"))
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="events")


class CaseNote(SyncedMixin, Base):
    """内部备注: a note operators leave on a case; never shown to the public."""

    __tablename__ = "case_notes"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    author: Mapped[str | None] = mapped_column(String(60))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    text: Mapped[str] = mapped_column(Text)


class CaseAttachment(SyncedMixin, Base):
    """案件照片/附件: a file copied into the managed folder, named by its content hash."""

    __tablename__ = "case_attachments"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(60))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
