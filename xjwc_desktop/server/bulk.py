"""Many rows in one statement: the push's UPDATEs and INSERTs without per-row Python.

SQLAlchemy's ``executemany`` builds every row's parameters in Python
(``construct_params``); for a push of 200 edits that cost the office server more than
SQLite's own work, and psycopg's pipelined ``executemany`` as much again. So the SQLite
driver gets the rows as they are (its ``executemany`` loops in C), and PostgreSQL gets
one ``UPDATE … FROM json_to_recordset(:rows)`` per table and column set, the rows as one
JSON text. Either way the statement runs inside the push's transaction and savepoints,
and a constraint it breaks is raised as SQLAlchemy's ``IntegrityError``, as before
(push.py sets the change aside on it).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql

from xjwc_desktop.core.sync import bulk_triggers
from xjwc_desktop.core.sync.rows import large_cache, quoted, statement, update_sql
from xjwc_desktop.core.sync.schema import SyncedTable


def executemany(conn: Connection, sql: str, rows: list[dict[str, Any]]) -> None:
    """``sql`` (named ``:c0`` parameters) once per row, through the SQLite driver."""
    dbapi = conn.connection.dbapi_connection
    cursor = dbapi.cursor()
    try:
        cursor.executemany(sql, rows)
    except conn.dialect.loaded_dbapi.IntegrityError as exc:
        raise sa_exc.IntegrityError(sql, None, exc) from exc
    finally:
        cursor.close()


def update_rows(conn: Connection, table: SyncedTable, columns: Sequence[str],
                rows: list[dict[str, Any]]) -> None:
    """``UPDATE table SET columns = :c0… WHERE id = :row_id`` for each of ``rows``, in
    their order (a row updated twice ends with its last values)."""
    if conn.dialect.name != "postgresql":
        executemany(conn, update_sql(table, columns), rows)
        return
    last = {row["row_id"]: row for row in rows}  # one match per row in UPDATE … FROM
    conn.execute(statement(_pg_update_sql(table, tuple(columns))),
                 {"rows": as_json(list(last.values()))})


def as_json(rows: list[dict[str, Any]]) -> str:
    """Rows of parameters as one JSON text for ``json_to_recordset``: PostgreSQL parses it
    in C, where psycopg escaped every text of an array parameter with a regular
    expression (a third of the server's time in a push)."""
    return orjson.dumps(rows, default=_bytea).decode()


def _bytea(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


@functools.lru_cache(maxsize=256)
def _pg_update_sql(table: SyncedTable, columns: tuple[str, ...]) -> str:
    record = ", ".join(f"c{n} {_pg_type(table, c)}" for n, c in enumerate(columns))
    sets = ", ".join(f'"{c}" = v.c{n}' for n, c in enumerate(columns))
    return (f'UPDATE "{table.name}" AS t SET {sets} FROM json_to_recordset(CAST(:rows AS '
            f"json)) AS v(row_id text, {record}) WHERE t.id = v.row_id")


def _pg_type(table: SyncedTable, column: str) -> str:
    sql_type = table.table.columns[column].type.compile(dialect=postgresql.dialect())
    # Texts as text: a cast to VARCHAR(n) would cut a long value silently, where the
    # column refuses it (as the row-by-row UPDATE did).
    return "text" if sql_type.startswith(("VARCHAR", "TEXT")) else sql_type


# -- the bulk path's new rows (new_rows.py) --------------------------------------------
def insert_rows(conn: Connection, table: SyncedTable, rows: list) -> None:
    """Insert whole new rows (new_rows.database_rows) in one statement: on SQLite one
    ``executemany`` with the table's triggers set aside and their work done set-wise for
    the batch (core/sync/bulk_triggers.py, as a pull's batch does), on PostgreSQL one
    ``COPY``."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        # COPY: PostgreSQL reads each value with its column's own input, as it read the
        # same texts out of a JSON text (the rows were screened: every value of its kind's
        # type), without parsing the JSON first.
        copy_rows(conn, f'COPY "{table.name}" ({quoted(table.columns)}) FROM STDIN', rows)
        return
    columns = table.columns
    marks = ", ".join("?" * len(columns))
    sql = f'INSERT INTO "{table.name}" ({quoted(columns)}) VALUES ({marks})'
    with large_cache(conn), \
            bulk_triggers.set_aside(conn, table.name, columns, len(rows)) as write:
        executemany(conn, sql, rows)
        if write is not None:
            write.inserted.extend(rows)


def insert_books(conn: Connection, feed: list[tuple], applied: list[tuple]) -> None:
    """A push's feed rows ``(tbl, row id, seq, device, verbatim)`` and applied change ids
    ``(change id, device, device seq, result, seq, received at)``."""
    postgres = conn.dialect.name == "postgresql"
    if feed:
        upsert = (" ON CONFLICT (tbl, row_id) DO UPDATE SET seq = excluded.seq, "
                  "device_id = excluded.device_id, verbatim = excluded.verbatim")
        if postgres:
            conn.execute(statement(
                "INSERT INTO sync_rows (tbl, row_id, seq, device_id, verbatim) "
                "SELECT v->>0, v->>1, CAST(v->>2 AS bigint), v->>3, CAST(v->>4 AS boolean) "
                "FROM json_array_elements(CAST(:rows AS json)) AS v" + upsert),
                {"rows": as_json(feed)})
        else:
            executemany(conn, "INSERT INTO sync_rows (tbl, row_id, seq, device_id, verbatim) "
                        "VALUES (?, ?, ?, ?, ?)" + upsert, feed)
    if not applied:
        return
    if postgres:
        # The change ids are new (the push looked each up): COPY, at half the cost of a
        # JSON text (196,000 ids of a first push: 1.3 s against 2.9 s, measured).
        copy_rows(conn, "COPY sync_changes (change_id, device_id, device_seq, result, seq, "
                  "received_at) FROM STDIN", applied)
    else:
        executemany(conn, "INSERT INTO sync_changes (change_id, device_id, device_seq, "
                    "result, seq, received_at) VALUES (?, ?, ?, ?, ?, ?)", applied)


def copy_rows(conn: Connection, sql: str, rows: list[tuple]) -> None:
    """PostgreSQL's ``COPY … FROM STDIN`` of ``rows`` (psycopg writes each value in its
    text form, escaped), in the push's transaction; a constraint it breaks is raised as
    SQLAlchemy's ``IntegrityError``, as the other writes raise it."""
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except conn.dialect.loaded_dbapi.IntegrityError as exc:
        raise sa_exc.IntegrityError(sql, None, exc) from exc
    finally:
        cursor.close()
