"""Sync bookkeeping: the workstation's outbox, conflict records, and the office server's books.

Every database (workstation or office server) has the same schema, so one set of
migrations serves both; the tables each side does not use simply stay empty:

- workstation only: :class:`SyncOutbox` (local writes waiting to be pushed, filled by
  triggers) and :class:`SyncApplying` (a marker row while pulled changes are applied, so
  the triggers do not send them back);
- server only: :class:`SyncDevice` (enrolled devices and their token hashes),
  :class:`SyncRow` (the server's sequence number of each row's latest version: the change
  feed), :class:`SyncChange` (every change id ever applied, for exactly-once pushes) and
  :class:`SyncTableCount` (row counts for the end-of-sync sanity check);
- both: :class:`SyncConflict`, written by the server and synced like any other row, so
  every workstation sees and can resolve it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from xjwc_desktop.core import clock
from xjwc_desktop.core.model.base import Base, SyncedMixin


class SyncOutbox(Base):
    """A local write waiting to reach the office server (workstation side).

    Rows are written by triggers in the same transaction as the write itself, so a crash
    can never separate a change from its outbox entry. ``change_id`` is NULL while the
    entry is open (later writes to the row fold into it); freezing it for a push fixes the
    id and the payload, so a retried push sends exactly the same change again.
    """

    __tablename__ = "sync_outbox"
    __table_args__ = (
        Index("ux_sync_outbox_open", "tbl", "row_id", unique=True,
              sqlite_where=text("change_id IS NULL"),
              postgresql_where=text("change_id IS NULL")),
        # Never reuse a number: the server checks that a device's changes arrive in order.
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tbl: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(32))
    op: Mapped[str] = mapped_column(String(8), doc="insert / update / delete")
    base: Mapped[str | None] = mapped_column(Text, doc="the row before the first open edit (JSON)")
    at: Mapped[str | None] = mapped_column(String(32), doc="when the entry was opened")
    change_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    payload: Mapped[str | None] = mapped_column(Text, doc="the frozen change (JSON)")


class SyncApplying(Base):
    """Holds one row only inside a transaction that applies pulled changes (workstation)."""

    __tablename__ = "sync_applying"

    flag: Mapped[int] = mapped_column(Integer, primary_key=True)


class SyncConflict(SyncedMixin, Base):
    """冲突记录: a change that could not be applied as sent, kept for an operator to decide.

    ``kept`` holds the values that stand, ``lost`` the ones that did not get in (or the
    whole row that was set aside), ``base`` what both writers started from. Nothing is
    dropped: until someone resolves the record, both versions are here.
    """

    __tablename__ = "sync_conflicts"

    tbl: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(32), index=True)
    label: Mapped[str | None] = mapped_column(String(60), doc="案卷号 or code, for display")
    kind: Mapped[str] = mapped_column(String(20))
    fields: Mapped[str | None] = mapped_column(Text, doc="JSON list of the fields concerned")
    base: Mapped[str | None] = mapped_column(Text)
    kept: Mapped[str | None] = mapped_column(Text)
    lost: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    change_id: Mapped[str | None] = mapped_column(String(32))
    lost_device: Mapped[str | None] = mapped_column(String(60))
    kept_by: Mapped[str | None] = mapped_column(String(32), doc="workstation of the kept value")
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(60))
    resolution: Mapped[str | None] = mapped_column(String(20))


class SyncDevice(Base):
    """An enrolled workstation or laptop (server side). Only the token's hash is stored."""

    __tablename__ = "sync_devices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    zone: Mapped[str | None] = mapped_column(String(10))
    device_no: Mapped[int] = mapped_column(Integer, unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    workstation_id: Mapped[str | None] = mapped_column(String(32),
                                                       doc="bound at the first hello")
    pushed_through: Mapped[int] = mapped_column(BigInteger, default=0,
                                                doc="last outbox seq applied from it")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=clock.now)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SyncRow(Base):
    """The server's sequence number of a row's latest version: the change feed (server)."""

    __tablename__ = "sync_rows"

    tbl: Mapped[str] = mapped_column(String(40), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    device_id: Mapped[str | None] = mapped_column(String(32))
    verbatim: Mapped[bool] = mapped_column(
        Boolean, default=False,
        doc="the row is exactly what device_id sent: it need not be pulled back by it")


class SyncChange(Base):
    """A change id the server has applied, with its outcome, so a repeat is applied once."""

    __tablename__ = "sync_changes"

    change_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(32))
    device_seq: Mapped[int] = mapped_column(BigInteger)
    result: Mapped[str] = mapped_column(Text, doc="JSON outcome returned to the device")
    seq: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=clock.now)


class SyncTableCount(Base):
    """Rows per synced table on the server, kept by every write (for the sanity check)."""

    __tablename__ = "sync_table_counts"

    tbl: Mapped[str] = mapped_column(String(40), primary_key=True)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    deleted: Mapped[int] = mapped_column(BigInteger, default=0)
