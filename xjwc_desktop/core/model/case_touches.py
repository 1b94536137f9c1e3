"""Which cases were written since the copy of the case index was saved: a local log, never
synced.

The window keeps a copy of its case index in the cache folder (``core.queries.
case_index_copy``) so that a start at a million cases reads 40 MB of arrays instead of every
case. Triggers on ``cases`` (migration 0009, SQLite) append the rowid of every case a write
touches, whoever writes (the window, an import, a sync, another process, the sqlite3
shell), while ``local_meta`` holds the key :data:`WATCH_KEY`; a start re-reads just those
cases. Paths that set the triggers aside write the same entries themselves
(``core.sync.bulk_triggers``). The office server removes the key: it has no window.
"""

from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from xjwc_desktop.core.model.base import Base

#: ``local_meta`` key whose presence turns the log on (set by migration 0009).
WATCH_KEY = "case_touches"


class CaseTouch(Base):
    """One case written (its rowid), in the order of the writes."""

    __tablename__ = "case_touches"
    # AUTOINCREMENT: a sequence number is never used twice, even after the log is pruned.
    __table_args__ = {"sqlite_autoincrement": True}

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_rowid: Mapped[int] = mapped_column(Integer)
