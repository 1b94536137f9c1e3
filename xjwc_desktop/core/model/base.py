"""Declarative base and the bookkeeping every synced row carries.

Times are naive Beijing time from the one clock (``core/clock.py``). Sync ordering never
relies on these stamps (the office server assigns its own sequence).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Enum, MetaData, String, event, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from xjwc_desktop.core import clock
from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.ids import uuid7

#: Characters a Text column (a description, a note) may hold. VARCHAR columns hold their
#: declared length. SQLite does not enforce either, PostgreSQL only the VARCHAR one: the
#: model (a write here) and the office server (a pushed change) enforce both, the same.
TEXT_LIMIT = 20_000
TOO_LONG = "“{field}”过长：{n} 个字符，最多 {limit} 个（{column}）。未保存任何修改。"


def max_length(column) -> int | None:
    """How many characters ``column`` may hold (None: not a text column)."""
    t = column.type
    if isinstance(t, Enum):
        return None  # checked against its values
    if isinstance(t, String):
        return t.length or TEXT_LIMIT
    return None

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


def _check_lengths(mapper, _connection, target, *, changed_only: bool) -> None:
    """Refuse, before the write, a text longer than its column holds (a clear message
    instead of a database error on PostgreSQL, or a row the office server refuses)."""
    state = inspect(target)
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        limit = max_length(column)
        if limit is None:
            continue
        if changed_only and not state.attrs[attr.key].history.has_changes():
            continue
        value = getattr(target, attr.key)
        if isinstance(value, str) and len(value) > limit:
            raise InputError(tr(TOO_LONG).format(
                field=column.doc or column.name, n=f"{len(value):,}", limit=f"{limit:,}",
                column=f"{mapper.local_table.name}.{column.name}"))


event.listen(SyncedMixin, "before_insert",
             lambda m, c, t: _check_lengths(m, c, t, changed_only=False), propagate=True)
event.listen(SyncedMixin, "before_update",
             lambda m, c, t: _check_lengths(m, c, t, changed_only=True), propagate=True)
