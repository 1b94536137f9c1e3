"""Declarative base and the bookkeeping every synced row carries.

Times are naive Beijing time from the one clock (``core/clock.py``). Sync ordering never
relies on these stamps (the office server assigns its own sequence).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from xjwc_desktop.core import clock
from xjwc_desktop.core.ids import uuid7

# Stable constraint names so Alembic migrations (and batch mode on SQLite) can refer to them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SyncedMixin:
    """Columns that let rows travel between workstations and the office server.

    ``id`` is a UUIDv7 minted where the row was born; ``written_by`` names the workstation
    that last wrote it; ``deleted_at`` marks soft deletion so a delete can be synced and
    undone, never silently lost.
    """

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=uuid7)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=clock.now, onupdate=clock.now
    )
    written_by: Mapped[str | None] = mapped_column(String(32))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
