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

from xjwc_desktop.core.sync.rows import statement, update_sql
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
