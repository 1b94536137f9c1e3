"""The log of cases written (``case_touches``, migration 0009), read and kept short.

Triggers on ``cases`` append a rowid for every case written while ``local_meta`` holds
:data:`~xjwc_desktop.core.model.case_touches.WATCH_KEY`. A writer that sets those triggers
aside for a bulk write (``core.sync.bulk_triggers``) notes its cases with
:func:`note_cases`. The case index's copy (``core.queries.case_index_copy``) reads the log
with :func:`state` and :func:`since`, and :func:`prune` drops what a saved copy holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import orjson
from sqlalchemy import Connection

from xjwc_desktop.core.model.case_touches import WATCH_KEY

_WATCHING = f"EXISTS (SELECT 1 FROM local_meta WHERE key = '{WATCH_KEY}')"


@dataclass(frozen=True)
class LogState:
    """Where the log stands, read in one transaction."""

    watching: bool  # writes to cases are being logged
    top: int  # the last sequence number ever given (0: none)
    first: int | None  # the oldest entry kept (None: the log is empty)

    def covers_since(self, seq: int) -> bool:
        """Whether every case written after entry ``seq`` is in the log: the log was on
        and nothing after ``seq`` has been pruned (a pruned log keeps a suffix)."""
        if not self.watching or seq > self.top:
            return False
        return seq == self.top if self.first is None else self.first <= seq + 1


def state(conn: Connection) -> LogState:
    watching, top, first = conn.exec_driver_sql(
        f"SELECT {_WATCHING}, "
        "(SELECT seq FROM sqlite_sequence WHERE name = 'case_touches'), "
        "(SELECT min(seq) FROM case_touches)").one()
    return LogState(bool(watching), int(top or 0), first)


def since(conn: Connection, seq: int) -> np.ndarray:
    """The rowids of the cases written after entry ``seq``, sorted, each once."""
    rows = conn.exec_driver_sql(
        "SELECT DISTINCT case_rowid FROM case_touches WHERE seq > ?", (seq,)).all()
    return np.unique(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))


def note_cases(conn: Connection, ids: Sequence[str]) -> None:
    """Log the cases ``ids`` as the triggers would have, for a write made without them."""
    if ids:
        conn.exec_driver_sql(
            "INSERT INTO case_touches (case_rowid) SELECT rowid FROM cases "
            f"WHERE id IN (SELECT value FROM json_each(?)) AND {_WATCHING}",
            (orjson.dumps(list(ids)).decode(),))


def note_every_case(conn: Connection) -> None:
    """Log every case (after a VACUUM, which renumbers rowids without a trigger firing)."""
    conn.exec_driver_sql(
        f"INSERT INTO case_touches (case_rowid) SELECT rowid FROM cases WHERE {_WATCHING}")


def prune(conn: Connection, upto: int) -> None:
    """Forget the entries up to ``upto``: a copy of the index saved at ``upto`` holds them."""
    conn.exec_driver_sql("DELETE FROM case_touches WHERE seq <= ?", (upto,))
