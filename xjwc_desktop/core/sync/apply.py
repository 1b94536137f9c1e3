"""Applying what the office server sends to the workstation's database.

Each batch is one transaction: its rows and the new cursor land together or not at all,
so an interrupted pull resumes at the last batch that landed. While it runs,
``sync_applying`` holds a row (the outbox triggers stay quiet) and foreign keys are not
enforced: a batch follows the server's order of changes, in which a case may arrive
before a category edited later; the server only ever holds consistent data, and the
end-of-sync check looks at the whole.

A batch touching a row that has local changes not yet pushed is refused
(:class:`PendingLocalChanges`): the caller pushes first and tries again, so a pulled row
never overwrites an edit the server has not judged.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from xjwc_desktop.core.errors import XjwcError
from xjwc_desktop.core.sync import bulk_triggers
from xjwc_desktop.core.sync.codec import to_sqlite
from xjwc_desktop.core.sync.rows import chunks, large_cache, no_cycle_collector, quoted
from xjwc_desktop.core.sync.schema import BLOB, synced_table


class PendingLocalChanges(XjwcError):
    """Pulled rows collide with local changes that must be pushed first."""


@contextlib.contextmanager
def applying(engine: Engine, *, wal_pages: int | None = None) -> Iterator[Connection]:
    """A connection in one transaction with the outbox triggers quiet and foreign keys off.

    ``wal_pages``: the write-ahead log may grow to this many pages before this commit
    copies it into the database (SQLite's default is 1,000), see :func:`apply_batch`."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys = OFF")  # only takes effect outside a transaction
        if wal_pages is not None:
            previous = raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
            raw.execute(f"PRAGMA wal_autocheckpoint = {int(wal_pages)}")
        conn.execution_options(immediate=True)
        try:
            with conn.begin():
                conn.execute(text("INSERT INTO sync_applying (flag) VALUES (1)"))
                yield conn
                conn.execute(text("DELETE FROM sync_applying"))
        finally:
            raw.execute("PRAGMA foreign_keys = ON")
            if wal_pages is not None:
                raw.execute(f"PRAGMA wal_autocheckpoint = {int(previous)}")


def checkpoint(engine: Engine) -> None:
    """Copy the write-ahead log into the database now, as far as no reader needs it (after
    a catch-up whose batches let it grow: the next ordinary write would pay for it)."""
    with engine.connect() as conn:
        conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _pending_among(conn: Connection, table: str, ids_json: str) -> bool:
    return conn.exec_driver_sql(
        "SELECT 1 FROM sync_outbox WHERE tbl = ? AND row_id IN "
        "(SELECT value FROM json_each(?)) LIMIT 1", (table, ids_json)).first() is not None


def apply_tables(conn: Connection, tables: list[dict[str, Any]], *,
                 retry_in_place: bool = True) -> dict[str, list[str]]:
    """Upsert the rows of a pull batch (``[{name, columns, rows}]``, parents first).

    Returns the ids written per table. Raises :class:`PendingLocalChanges` (the caller's
    transaction must roll back) when a row has local changes still to push. A table whose
    rows break a constraint (unique values swapped within the batch) is retried row by row
    inside a savepoint; with ``retry_in_place=False`` there is no savepoint and the
    IntegrityError goes to the caller, who takes back the transaction and applies the batch
    again (see :func:`apply_batch`): a savepoint makes SQLite copy every page the batch
    touches to a sub-journal first.
    """
    written: dict[str, list[str]] = {}
    with no_cycle_collector():
        for part in tables:
            _apply_table(conn, part, written, retry_in_place)
    return written


def apply_batch(engine: Engine, tables: list[dict[str, Any]],
                then: Callable[[Connection], None] | None = None, *,
                wal_pages: int | None = None) -> dict[str, list[str]]:
    """:func:`apply_tables` in one transaction of its own, with ``then(conn)`` (the pull
    saves its cursor there). First without savepoints; a batch that breaks a constraint is
    taken back whole and applied again with its rows retried one by one.

    ``wal_pages`` (see :func:`applying`): a catch-up's batches each rewrite the same index
    pages; copying the log into the database after every batch (each writes more than
    SQLite's 1,000 pages) copied and synced them again each time. Committed batches are
    as durable either way: the log is the database until it is copied."""
    try:
        with applying(engine, wal_pages=wal_pages) as conn:
            written = apply_tables(conn, tables, retry_in_place=False)
            if then is not None:
                then(conn)
        return written
    except (IntegrityError, sqlite3.IntegrityError):
        pass
    with applying(engine, wal_pages=wal_pages) as conn:
        written = apply_tables(conn, tables)
        if then is not None:
            then(conn)
    return written


def _apply_table(conn: Connection, part: dict[str, Any], written: dict[str, list[str]],
                 retry_in_place: bool) -> None:
    """Upsert one table of a batch (see :func:`apply_tables`)."""
    table = synced_table(part["name"])
    columns = part["columns"]
    unknown = set(columns) - set(table.columns)
    if unknown:
        raise XjwcError(f"服务器发来的表 {table.name} 含本程序不认识的列：{sorted(unknown)}")
    id_pos = columns.index("id")
    ids = [row[id_pos] for row in part["rows"]]
    if not ids:
        return
    ids_json = orjson.dumps(ids).decode()  # one parameter for any number of ids
    if _pending_among(conn, table.name, ids_json):
        raise PendingLocalChanges(f"{table.name} 中有尚未上传的本机修改")
    kinds = [table.kind_of[c] for c in columns]
    if BLOB in kinds:  # booleans bind as 0/1 already; hex must become bytes
        rows = [[to_sqlite(k, v) for k, v in zip(kinds, row, strict=True)]
                for row in part["rows"]]
    else:
        rows = part["rows"]
    if not retry_in_place:
        with large_cache(conn), \
                bulk_triggers.set_aside(conn, table.name, columns, len(rows)) as batch:
            _write_rows(conn, table.name, columns, rows, ids_json, batch)
    else:
        try:
            # In a savepoint: a failure takes back the rows and the triggers' work alike,
            # and the rows are tried again one by one below.
            with conn.begin_nested(), large_cache(conn), \
                    bulk_triggers.set_aside(conn, table.name, columns, len(rows)) as batch:
                _write_rows(conn, table.name, columns, rows, ids_json, batch)
        except (IntegrityError, sqlite3.IntegrityError):  # ours, or the driver's own
            _apply_one_by_one(conn, table.name, columns, rows)
    written.setdefault(table.name, []).extend(ids)


def _write_rows(conn: Connection, name: str, columns: list[str], rows: list,
                ids_json: str | None = None,
                batch: bulk_triggers.BatchWrite | None = None) -> None:
    """New rows are inserted; rows this workstation has get only the columns that differ.

    Setting every column of an existing row would rewrite every index of the table (a
    dozen for cases) and fire every column trigger; an edit of one text touches none.
    ``batch``, if given, is told what was written (the table's triggers are set aside).
    """
    id_pos = columns.index("id")
    if ids_json is None:
        ids_json = orjson.dumps([r[id_pos] for r in rows]).decode()
    # Through the driver itself (same connection and transaction): plain tuples back, and
    # rows as the wire gave them (lists) bound without SQLAlchemy's per-call checks.
    driver = conn.connection.driver_connection
    cursor = driver.execute(
        f'SELECT {quoted(columns)} FROM "{name}" WHERE id IN (SELECT value FROM json_each(?))',
        (ids_json,))
    existing = {raw[id_pos]: raw for raw in cursor}
    inserts, updates = [], defaultdict(list)
    for row in rows:
        old = existing.get(row[id_pos])
        if old is None:
            inserts.append(row)
            continue
        changed = tuple(i for i, (a, b) in enumerate(zip(row, old, strict=True)) if a != b)
        if changed:
            updates[changed].append(tuple(row[i] for i in changed) + (row[id_pos],))
            if batch is not None:
                batch.updated.setdefault(changed, []).append((old, row))
    if batch is not None:
        batch.inserted = inserts
    if inserts:
        marks = ", ".join("?" * len(columns))
        driver.executemany(f'INSERT INTO "{name}" ({quoted(columns)}) VALUES ({marks})',
                           inserts)
    for changed, params in updates.items():
        sets = ", ".join(f'"{columns[i]}" = ?' for i in changed)
        driver.executemany(f'UPDATE "{name}" SET {sets} WHERE id = ?', params)


def _apply_one_by_one(conn: Connection, name: str, columns: list[str], rows: list) -> None:
    """Rows whose unique values swapped places within a batch (a renumbered case and the
    case that took its number): apply the others first, then retry the rest.

    Plain INSERT and UPDATE, never an UPSERT: SQLite lets an UPSERT's conflict handling
    override the ``INSERT OR IGNORE`` inside triggers (the dashboard's month marks)."""
    waiting = list(rows)
    for _round in range(len(waiting)):
        failed = []
        for row in waiting:
            try:
                with conn.begin_nested():
                    _write_rows(conn, name, columns, [row])
            except (IntegrityError, sqlite3.IntegrityError):  # ours, or the driver's own
                failed.append(row)
        if not failed:
            return
        if len(failed) == len(waiting):
            break
        waiting = failed
    raise PendingLocalChanges("拉取的记录与本机记录的唯一字段冲突（本机可能有尚未上传的修改）")


def delete_rows(conn: Connection, table_name: str, ids: list[str]) -> None:
    """Take back rows the server set aside (they live on in its conflict record)."""
    for part in chunks(ids, 500):
        marks = ", ".join("?" * len(part))
        conn.exec_driver_sql(f'DELETE FROM "{table_name}" WHERE id IN ({marks})', tuple(part))


