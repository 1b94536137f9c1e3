"""Row values on the wire: one canonical form, whatever database they come from or go to.

A value travels as JSON: texts and integers as they are, reals as JSON numbers (the
shortest form that reads back to the same double), booleans as true/false, date-times as
``YYYY-MM-DD HH:MM:SS.ffffff`` (naive Beijing time, the text SQLAlchemy stores in SQLite),
dates as ``YYYY-MM-DD`` and binary values (WKB geometry) as lowercase hex. Because both
sides produce exactly this form, a row's hash is the same on a workstation's SQLite and
on the office server's PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

import orjson

from xjwc_desktop.core.sync.schema import BLOB, BOOL, DATE, DATETIME, REAL

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def to_wire(kind: str, value: Any) -> Any:
    """A value read from SQLite or PostgreSQL (no type processing), or of an outbox
    ``base`` (written by SQL's json_object), in its wire form. The triggers write reals
    into a base as 17-digit text, because SQLite's own JSON would round them to 15 digits
    and make an unchanged coordinate look edited: a real is whatever ``float`` reads."""
    if value is None:
        return None
    if kind == DATETIME:
        if isinstance(value, dt.datetime):
            # isoformat is several times faster (every date-time PostgreSQL returns passes
            # here); strftime's %Y does not pad a year before 1000, and an offset is dropped
            if value.year >= 1000 and value.tzinfo is None:
                return value.isoformat(" ", "microseconds")
            return value.strftime(DATETIME_FORMAT)
        return value if len(value) == 26 else _normalise_datetime(value)
    if kind == BOOL:
        return bool(value)
    if kind == REAL:
        return float(value)
    if kind == BLOB:
        return bytes(value).hex()
    if kind == DATE:
        return value.isoformat() if isinstance(value, dt.date) else value
    return value


def _normalise_datetime(text: str) -> str:
    return dt.datetime.fromisoformat(text).strftime(DATETIME_FORMAT)


def to_sqlite(kind: str, value: Any) -> Any:
    """A wire value as the SQLite driver stores it (what SQLAlchemy would have written)."""
    if value is None:
        return None
    if kind == BOOL:
        return int(value)
    if kind == BLOB:
        return bytes.fromhex(value)
    return value


def to_postgresql(kind: str, value: Any) -> Any:
    """A wire value as psycopg binds it."""
    if value is None:
        return None
    if kind == DATETIME:
        return dt.datetime.fromisoformat(value)
    if kind == DATE:
        return dt.date.fromisoformat(value)
    if kind == BLOB:
        return bytes.fromhex(value)
    if kind == BOOL:
        return bool(value)
    return value


def to_database(dialect: str, kind: str, value: Any) -> Any:
    return to_postgresql(kind, value) if dialect == "postgresql" else to_sqlite(kind, value)


def row_to_wire(kinds: Sequence[str], raw: Sequence[Any]) -> list[Any]:
    return [to_wire(k, v) for k, v in zip(kinds, raw, strict=True)]


def wire_converter(kinds: Sequence[str]):
    """A fast ``raw row -> wire row`` for one table: only the columns whose driver value
    can differ from the wire form are touched (texts and integers pass as they are), and
    the common case of each kind is passed over without a call: a date-time already in
    its 26-character text, a real already a float. One loop per kind: a catch-up converts
    every row it serves, and the kind tests of one loop for all cost half the time."""
    datetimes = tuple(i for i, k in enumerate(kinds) if k == DATETIME)
    reals = tuple(i for i, k in enumerate(kinds) if k == REAL)
    others = tuple((i, k) for i, k in enumerate(kinds) if k in (BOOL, BLOB, DATE))

    def convert(raw: Sequence[Any]) -> list[Any]:
        row = list(raw)
        for i in datetimes:
            value = row[i]
            if value is not None and (type(value) is not str or len(value) != 26):
                row[i] = to_wire(DATETIME, value)
        for i in reals:
            value = row[i]
            if type(value) is not float and value is not None:
                row[i] = to_wire(REAL, value)
        for i, kind in others:
            value = row[i]
            if value is not None:
                row[i] = to_wire(kind, value)
        return row

    return convert


HASH_MOD = 1 << 63  # hashes and their sums stay signed 64-bit integers in any JSON reader


def row_hash(wire_row: Sequence[Any]) -> int:
    """A 63-bit hash of a row in wire form (the same on every side)."""
    digest = hashlib.blake2b(orjson.dumps(list(wire_row)), digest_size=8).digest()
    return int.from_bytes(digest, "big") % HASH_MOD


def dumps(value: Any) -> str:
    """JSON text to store in a TEXT column (bytes would become a BLOB in SQLite and an
    escaped byte string in PostgreSQL)."""
    return orjson.dumps(value).decode()


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)
