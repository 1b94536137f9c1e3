"""Reading and writing synced rows in wire form, on SQLite and on PostgreSQL alike.

Statements go to the driver without SQLAlchemy's type processing (the wire form is
already what each driver stores), which keeps a 100,000-row pull far from Python's
per-value costs.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, TextClause, bindparam, text

from xjwc_desktop.core.sync.codec import HASH_MOD, row_hash, to_database, wire_converter
from xjwc_desktop.core.sync.schema import SyncedTable

IN_CHUNK = 500  # ids per IN (...) list: well under every driver's parameter limit


def quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@functools.lru_cache(maxsize=1024)
def statement(sql: str) -> TextClause:
    """``text(sql)``, made once per statement: a TextClause finds its binds with a regular
    expression when it is built, which cost a push of inserts more than SQLite did."""
    return text(sql)


def json_texts(dialect: str) -> str:
    """``(…)`` of the texts in the JSON array bound as ``:ids``, for ``col IN …``: one
    parameter however many (an expanding ``IN`` of 5,000 cost SQLAlchemy more to build
    than the database to answer, and psycopg rewrote a long placeholder list with a
    regular expression on every call)."""
    if dialect == "postgresql":
        return "(SELECT json_array_elements_text(CAST(:ids AS json)))"
    return "(SELECT value FROM json_each(:ids))"


def read_rows(conn: Connection, table: SyncedTable, ids: Sequence[str]) -> dict[str, list]:
    """``{id: wire row}`` of the rows of ``table`` with those ids (missing ids left out),
    in one statement."""
    id_pos = table.columns.index("id")
    convert = wire_converter(table.kinds)
    query = statement(f'SELECT {quoted(table.columns)} FROM "{table.name}" WHERE id IN '
                      + json_texts(conn.dialect.name))
    return {raw[id_pos]: convert(raw)
            for raw in conn.execute(query, {"ids": orjson.dumps(list(ids)).decode()})}


@functools.lru_cache(maxsize=256)
def with_ids(sql: str) -> TextClause:
    """``text(sql)`` whose ``:ids`` takes a list (``IN :ids``), made once per statement."""
    return text(sql).bindparams(bindparam("ids", expanding=True))


def iter_all_rows(conn: Connection, table: SyncedTable, *, after: str = "",
                  limit: int = 5000) -> Iterator[list]:
    """Every row in wire form, in id order, read ``limit`` at a time (memory stays flat)."""
    cols = quoted(table.columns)
    # Byte order on every side (ids are lowercase hex; PostgreSQL would use its locale).
    key = 'id COLLATE "C"' if conn.dialect.name == "postgresql" else "id"
    convert = wire_converter(table.kinds)
    while True:
        rows = conn.execute(text(
            f'SELECT {cols} FROM "{table.name}" WHERE {key} > :after ORDER BY {key} '
            "LIMIT :n"),
            {"after": after, "n": limit}).fetchall()
        if not rows:
            return
        id_pos = table.columns.index("id")
        yield from map(convert, rows)
        after = rows[-1][id_pos]


def db_values(dialect: str, table: SyncedTable, columns: Sequence[str],
              wire_row: Sequence[Any]) -> dict[str, Any]:
    kind_of = table.kind_of
    return {f"c{n}": to_database(dialect, kind_of[c], v)
            for n, (c, v) in enumerate(zip(columns, wire_row, strict=True))}


def insert_sql(table: SyncedTable, columns: Sequence[str]) -> str:
    marks = ", ".join(f":c{n}" for n in range(len(columns)))
    return f'INSERT INTO "{table.name}" ({quoted(columns)}) VALUES ({marks})'


def update_sql(table: SyncedTable, columns: Sequence[str]) -> str:
    sets = ", ".join(f'"{c}" = :c{n}' for n, c in enumerate(columns))
    return f'UPDATE "{table.name}" SET {sets} WHERE id = :row_id'


@contextlib.contextmanager
def large_cache(conn: Connection) -> Iterator[None]:
    """A larger page cache for a batch: its rows touch pages all over a dozen indexes, and
    with SQLite's default 2 MB cache most of the time went to reading them again."""
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MiB, for this batch only
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


@contextlib.contextmanager
def no_cycle_collector() -> Iterator[None]:
    """A batch is hundreds of thousands of plain lists and strings, none in a cycle: the
    collector would walk them again and again (a fifth of the apply time, measured)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def hash_rows(rows: Iterable[Sequence[Any]]) -> int:
    """Order-independent hash of a set of wire rows (sum of row hashes mod 2**63)."""
    return sum(row_hash(r) for r in rows) % HASH_MOD


def table_digests(conn: Connection) -> dict[str, tuple[int, int]]:
    """``{table: (rows, content hash)}`` of every synced table: equal on two databases
    exactly when they hold the same rows (used by ``xjwc sync --verify`` and the tests)."""
    from xjwc_desktop.core.sync.schema import synced_tables

    out = {}
    for table in synced_tables():
        count, total = 0, 0
        for row in iter_all_rows(conn, table):
            count += 1
            total = (total + row_hash(row)) % HASH_MOD
        out[table.name] = (count, total)
    return out
