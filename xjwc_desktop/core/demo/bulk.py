"""Fast column-wise inserts for generated data (executemany on the open transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np
from sqlalchemy import Connection


def sqlite_datetimes(values: np.ndarray) -> np.ndarray:
    """datetime64 values as SQLAlchemy's SQLite DATETIME text; NaT becomes None (NULL). An
    object array: :func:`to_rows` lays it out as it is.

    The format must match SQLAlchemy's own (``YYYY-MM-DD HH:MM:SS.ffffff``) exactly, or
    string comparisons in filters would put equal instants on different sides of a bound.
    """
    values = np.asarray(values, dtype="datetime64[s]")
    nat = np.isnat(values)
    if nat.all():
        return np.full(values.size, None, dtype=object)
    seconds = values.astype(np.int64)
    if not np.any(seconds[~nat] % 60):
        return _whole_minutes(seconds // 60, nat)
    text = np.char.add(np.char.replace(np.datetime_as_string(values, unit="s"), "T", " "),
                       ".000000").astype(object)
    text[nat] = None
    return text


_TIMES_OF_DAY = np.array([f" {m // 60:02d}:{m % 60:02d}:00.000000" for m in range(1440)],
                         dtype=object)


def _whole_minutes(minutes: np.ndarray, nat: np.ndarray) -> np.ndarray:
    """Texts of times on whole minutes: a day's text plus a time of day's, each looked up
    (formatting a million times one by one costs seconds; adding two strings does not)."""
    day, minute = np.divmod(np.where(nat, minutes[~nat].min(), minutes), 1440)
    first = int(day.min())
    days = np.datetime_as_string(np.arange(first, int(day.max()) + 1).astype("datetime64[D]"))
    out = days.astype(object)[day - first] + _TIMES_OF_DAY[minute]
    out[nat] = None
    return out


def sqlite_dates(values: np.ndarray) -> list[str | None]:
    values = np.asarray(values, dtype="datetime64[D]")
    text = np.datetime_as_string(values, unit="D").tolist()
    return [None if nat else t for t, nat in zip(text, np.isnat(values), strict=True)]


# Rows per INSERT statement. SQLite sets up each run of a statement anew: cursors on the
# table, its unique indexes and the parents of its foreign keys, the value lists of its CHECK
# constraints. Run once per row, that setting up was a third of the cost of inserting a
# million demo cases (CPU 10.3 s → 7.3 s with 100 rows a run); 100 rows of 40 columns stay
# far below any build's limit of bound values (32,766 by default).
ROWS_PER_STATEMENT = 100


@dataclass
class Rows:
    """Rows ready for :func:`insert`: the values of :data:`ROWS_PER_STATEMENT` rows one
    after another in each block (one statement run each), the rows left over one by one."""

    names: list[str]
    blocks: list[tuple]
    tail: list[tuple]

    def __len__(self) -> int:
        return len(self.blocks) * ROWS_PER_STATEMENT + len(self.tail)

    @classmethod
    def of_tuples(cls, names: list[str], rows: list[tuple]) -> Rows:
        full = len(rows) - len(rows) % ROWS_PER_STATEMENT
        return cls(names, [tuple(chain.from_iterable(rows[k:k + ROWS_PER_STATEMENT]))
                           for k in range(0, full, ROWS_PER_STATEMENT)], rows[full:])


def to_rows(columns: dict[str, object]) -> Rows:
    """Equal-length columns (lists or arrays) as :class:`Rows` (costly at a million rows:
    do it off the writing thread). numpy lays the values out row after row in C; arrays'
    numbers become Python numbers, as ``tolist`` makes them."""
    names = list(columns)
    lengths = {len(c) for c in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"columns differ in length: {[len(c) for c in columns.values()]}")
    n = lengths.pop() if lengths else 0
    table = np.empty((n, len(names)), dtype=object)
    for k, values in enumerate(columns.values()):
        table[:, k] = values if isinstance(values, np.ndarray) else _objects(values)
    full = n - n % ROWS_PER_STATEMENT
    blocks = table[:full].reshape(-1, ROWS_PER_STATEMENT * len(names)).tolist()
    return Rows(names, list(map(tuple, blocks)), list(map(tuple, table[full:].tolist())))


def _objects(values) -> np.ndarray:
    """A list as a 1-D object array, whatever its items (numpy would make a list of
    tuples or of equal-length strings something else)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def insert(conn: Connection, table: str, rows: Rows) -> int:
    """Insert ``rows`` into ``table`` on the open transaction of ``conn``."""
    columns = f"INSERT INTO {table} ({', '.join(rows.names)}) VALUES "
    one = f"({', '.join('?' * len(rows.names))})"
    if rows.blocks:
        conn.exec_driver_sql(columns + ", ".join([one] * ROWS_PER_STATEMENT), rows.blocks)
    if rows.tail:
        conn.exec_driver_sql(columns + one, rows.tail)
    return len(rows)


def insert_rows(conn: Connection, table: str, names: list[str], rows: list[tuple]) -> int:
    """Insert row tuples (columns ``names``) into ``table``."""
    return insert(conn, table, Rows.of_tuples(names, rows))


def insert_columns(conn: Connection, table: str, columns: dict[str, object]) -> int:
    """Insert rows given as equal-length columns (lists or arrays) into ``table``."""
    return insert(conn, table, to_rows(columns))


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
