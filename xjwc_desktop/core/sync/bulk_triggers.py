"""A synced table's triggers set aside while a batch of pulled rows is written, their work
done set-wise for the whole batch.

Why: SQLite gives every statement on a table with triggers a statement journal, so each
pulled row copied every page it touched (the table's and a dozen indexes') to a temporary
file before changing it — a third of a catch-up's time, measured (``pwrite`` under
``sqlite3BtreeInsert``). Without the triggers, a single-row INSERT or UPDATE needs none.

Which triggers: those quiet while pulled rows are applied (the outbox's and the history's
append-only guard, ``WHEN NOT EXISTS (SELECT 1 FROM sync_applying)``) do nothing then;
the dashboard's month marks, the case R*Tree and the log of written cases are done here
from the rows the batch wrote and the rows it replaced; deletions (``…_ad``) do not happen
in a batch's write. A table with any other trigger keeps all of its triggers, row by row as
before: a trigger added later is never skipped silently (a test lists every trigger of the schema).

The triggers are dropped and created again inside the batch's transaction, so no other
connection ever sees a table without them, and a crash takes back both.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from xjwc_desktop.core.reporting import month_cache
from xjwc_desktop.core.storage import case_touches, spatial
from xjwc_desktop.core.sync.triggers import QUIET

BULK_FROM = 100  # rows of one table in a batch from which the triggers are set aside

_QUIET = re.compile(r"^CREATE TRIGGER \S+ (AFTER|BEFORE) (INSERT|UPDATE|DELETE) ON \S+ WHEN "
                    + re.escape(QUIET) + r" BEGIN", re.IGNORECASE)
_UPDATE_OF = re.compile(r"\bUPDATE OF (.+?) ON\b", re.IGNORECASE | re.DOTALL)


@dataclass
class BatchWrite:
    """What one bulk write did to a table: rows inserted, and rows updated grouped by the
    columns their UPDATE set (``{changed positions: [(old row, new row)]}``)."""

    columns: Sequence[str]
    inserted: list[Sequence] = field(default_factory=list)
    updated: dict[tuple[int, ...], list[tuple[Sequence, Sequence]]] = field(
        default_factory=dict)

    def new_values(self, column: str) -> set:
        """Values of ``column`` in the inserted rows."""
        pos = self.columns.index(column)
        return {row[pos] for row in self.inserted}

    def updated_values(self, column: str, watching: frozenset[str] | None) -> set:
        """Old and new values of ``column`` in the updated rows whose UPDATE set one of
        ``watching`` (when ``AFTER UPDATE OF`` fires; None: any column, ``AFTER UPDATE``)."""
        pos = self.columns.index(column)
        values: set = set()
        for old, new in self._updated_pairs(watching):
            values.add(old[pos])
            values.add(new[pos])
        return values

    def updated_ids(self, watching: frozenset[str] | None) -> list[str]:
        pos = self.columns.index("id")
        return [new[pos] for _old, new in self._updated_pairs(watching)]

    def _updated_pairs(self, watching: frozenset[str] | None) -> Iterator[tuple]:
        for changed, pairs in self.updated.items():
            if watching is None or watching.intersection(self.columns[i] for i in changed):
                yield from pairs


def _marks(dirty: str, dates: tuple[str, ...]):
    """A month trigger's work: the months of ``dates`` in the rows it would have seen."""

    def on_insert(conn: Connection, _sql: str, write: BatchWrite) -> None:
        values = set().union(*(write.new_values(d) for d in dates))
        month_cache.mark_months_of(conn, dirty, values)

    def on_update(conn: Connection, sql: str, write: BatchWrite) -> None:
        watching = _watched(sql)
        values = set().union(*(write.updated_values(d, watching) for d in dates))
        month_cache.mark_months_of(conn, dirty, values)

    return on_insert, on_update


def _watched(sql: str) -> frozenset[str] | None:
    """The columns of ``AFTER UPDATE OF ...``; None for a trigger on any update."""
    found = _UPDATE_OF.search(sql)
    if found is None:
        return None
    return frozenset(c.strip().strip('"') for c in found.group(1).split(","))


def _rtree_insert(conn: Connection, _sql: str, write: BatchWrite) -> None:
    ids = [row[write.columns.index("id")] for row in write.inserted]
    spatial.index_cases(conn, ids)


def _rtree_update(conn: Connection, sql: str, write: BatchWrite) -> None:
    # The trigger fires only where the position changed; an UPDATE here sets only the
    # columns that differ, so "lon or lat set" is the same test.
    spatial.reindex_cases(conn, write.updated_ids(_watched(sql)))


def _touched_insert(conn: Connection, _sql: str, write: BatchWrite) -> None:
    case_touches.note_cases(conn, [row[write.columns.index("id")] for row in write.inserted])


def _touched_update(conn: Connection, _sql: str, write: BatchWrite) -> None:
    case_touches.note_cases(conn, write.updated_ids(None))  # fires on any column


def _nothing(_conn: Connection, _sql: str, _write: BatchWrite) -> None:
    """A deletion trigger: a batch's write deletes nothing."""


_DASHBOARD_AI, _DASHBOARD_AU = _marks("dashboard_dirty_months", ("reported_at", "registered_at"))
_PLACES_AI, _PLACES_AU = _marks("dashboard_dirty_place_months", ("reported_at",))

#: The triggers whose work is done set-wise here, by name.
SET_WISE = {
    "cases_dashboard_ai": _DASHBOARD_AI, "cases_dashboard_au": _DASHBOARD_AU,
    "cases_dashboard_ad": _nothing,
    "cases_places_ai": _PLACES_AI, "cases_places_au": _PLACES_AU, "cases_places_ad": _nothing,
    "cases_rtree_ai": _rtree_insert, "cases_rtree_au": _rtree_update,
    "cases_rtree_ad": _nothing,
    "cases_touched_ai": _touched_insert, "cases_touched_au": _touched_update,
    "cases_touched_ad": _nothing,
}


def quiet_while_applying(sql: str) -> bool:
    """Whether a trigger does nothing while pulled rows are applied."""
    return _QUIET.match(" ".join(sql.split())) is not None


def table_triggers(conn: Connection, table: str) -> list[tuple[str, str]]:
    return conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
        "ORDER BY name", (table,)).all()


def can_set_aside(triggers: list[tuple[str, str]]) -> bool:
    return all(name in SET_WISE or quiet_while_applying(sql) for name, sql in triggers)


@contextlib.contextmanager
def set_aside(conn: Connection, table: str, columns: Sequence[str],
              rows: int) -> Iterator[BatchWrite | None]:
    """Write a batch of ``rows`` rows of ``table`` without its triggers (see the module).

    Yields the :class:`BatchWrite` for the writer to fill, or None when the triggers stay
    (a small batch, a table with a trigger not known here, a database not SQLite): then
    they fire row by row as for any write.
    """
    sqlite = conn.dialect.name == "sqlite"
    triggers = table_triggers(conn, table) if sqlite and rows >= BULK_FROM else []
    if not triggers or not can_set_aside(triggers):
        yield None
        return
    for name, _sql in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    write = BatchWrite(columns)
    yield write
    for name, sql in triggers:
        if name in SET_WISE:
            SET_WISE[name](conn, sql, write)
        conn.exec_driver_sql(sql)
