"""Fast column-wise inserts for generated data (executemany on the open transaction)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
from sqlalchemy import Connection


def sqlite_datetimes(values: np.ndarray) -> list[str | None]:
    """datetime64 values as SQLAlchemy's SQLite DATETIME text; NaT becomes NULL.

    The format must match SQLAlchemy's own (``YYYY-MM-DD HH:MM:SS.ffffff``) exactly, or
    string comparisons in filters would put equal instants on different sides of a bound.
    """
    values = np.asarray(values, dtype="datetime64[s]")
    text = np.char.add(np.char.replace(np.datetime_as_string(values, unit="s"), "T", " "),
                       ".000000")
    return [None if nat else t for t, nat in zip(text.tolist(), np.isnat(values), strict=True)]


def sqlite_dates(values: np.ndarray) -> list[str | None]:
    values = np.asarray(values, dtype="datetime64[D]")
    text = np.datetime_as_string(values, unit="D").tolist()
    return [None if nat else t for t, nat in zip(text, np.isnat(values), strict=True)]


def insert_columns(conn: Connection, table: str, columns: dict[str, object]) -> int:
    """Insert rows given as equal-length columns (lists or arrays) into ``table``."""
    names = list(columns)
    lists = [c.tolist() if isinstance(c, np.ndarray) else list(c) for c in columns.values()]
    n = len(lists[0])
    if any(len(c) != n for c in lists):
        raise ValueError(f"columns of {table} differ in length")
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    chunk = 50_000
    for start in range(0, n, chunk):
        conn.exec_driver_sql(sql, list(zip(*(c[start:start + chunk] for c in lists),
                                           strict=True)))
    return n


@contextlib.contextmanager
def deferred_indexes(conn: Connection, table: str, rtree: str | None = None) -> Iterator[None]:
    """Drop ``table``'s secondary indexes and triggers for a bulk insert, rebuild them after.

    Building an index once from sorted data is many times faster than updating it row by
    row. Constraint indexes (primary key, UNIQUE) stay, so integrity is checked as usual.
    The R*Tree named by ``rtree`` is refilled in one statement.
    """
    saved = conn.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL", (table,)).fetchall()
    for kind, name, _sql in saved:
        conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
    yield
    if rtree:
        conn.exec_driver_sql(f"DELETE FROM {rtree}")
        conn.exec_driver_sql(f"INSERT INTO {rtree} SELECT rowid, lon, lon, lat, lat FROM {table}")
    for _kind, _name, sql in saved:
        conn.exec_driver_sql(sql)
