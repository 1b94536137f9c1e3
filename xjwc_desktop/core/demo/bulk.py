"""Fast column-wise inserts for generated data (executemany on the open transaction)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Connection


def sqlite_datetimes(values: np.ndarray) -> list[str | None]:
    """datetime64 values as SQLAlchemy's SQLite DATETIME text; NaT becomes NULL.

    The format must match SQLAlchemy's own (``YYYY-MM-DD HH:MM:SS.ffffff``) exactly, or
    string comparisons in filters would put equal instants on different sides of a bound.
    """
    values = np.asarray(values, dtype="datetime64[s]")
    nat = np.isnat(values)
    if nat.all():
        return [None] * values.size
    seconds = values.astype(np.int64)
    if not np.any(seconds[~nat] % 60):
        return _whole_minutes(seconds // 60, nat)
    text = np.char.add(np.char.replace(np.datetime_as_string(values, unit="s"), "T", " "),
                       ".000000")
    return [None if n else t for t, n in zip(text.tolist(), nat, strict=True)]


_TIMES_OF_DAY = np.array([f" {m // 60:02d}:{m % 60:02d}:00.000000" for m in range(1440)],
                         dtype=object)


def _whole_minutes(minutes: np.ndarray, nat: np.ndarray) -> list[str | None]:
    """Texts of times on whole minutes: a day's text plus a time of day's, each looked up
    (formatting a million times one by one costs seconds; adding two strings does not)."""
    day, minute = np.divmod(np.where(nat, minutes[~nat].min(), minutes), 1440)
    first = int(day.min())
    days = np.datetime_as_string(np.arange(first, int(day.max()) + 1).astype("datetime64[D]"))
    out = days.astype(object)[day - first] + _TIMES_OF_DAY[minute]
    out[nat] = None
    return out.tolist()


def sqlite_dates(values: np.ndarray) -> list[str | None]:
    values = np.asarray(values, dtype="datetime64[D]")
    text = np.datetime_as_string(values, unit="D").tolist()
    return [None if nat else t for t, nat in zip(text, np.isnat(values), strict=True)]


def to_rows(columns: dict[str, object]) -> tuple[list[str], list[tuple]]:
    """Column names and row tuples, ready for ``executemany`` (costly: do it off-thread)."""
    names = list(columns)
    lists = [c.tolist() if isinstance(c, np.ndarray) else list(c) for c in columns.values()]
    if len({len(c) for c in lists}) > 1:
        raise ValueError(f"columns differ in length: {[len(c) for c in lists]}")
    return names, list(zip(*lists, strict=True))


def insert_rows(conn: Connection, table: str, names: list[str], rows: list[tuple]) -> int:
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    conn.exec_driver_sql(sql, rows)
    return len(rows)


def insert_columns(conn: Connection, table: str, columns: dict[str, object]) -> int:
    """Insert rows given as equal-length columns (lists or arrays) into ``table``."""
    return insert_rows(conn, table, *to_rows(columns))


def drop_secondary(conn: Connection, table: str) -> list[str]:
    """Drop ``table``'s secondary indexes and triggers for a bulk insert; returns the SQL
    that makes them again (:func:`restore`).

    Building an index once from sorted data is many times faster than updating it row by
    row. Constraint indexes (primary key, UNIQUE) stay, so integrity is checked as usual.
    """
    saved = conn.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL", (table,)).fetchall()
    for kind, name, _sql in saved:
        conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
    return [sql for _kind, _name, sql in saved]


def restore(conn: Connection, saved: list[str]) -> None:
    """Make again what :func:`drop_secondary` dropped."""
    for sql in saved:
        conn.exec_driver_sql(sql)
