"""The case index's columns as SQLite holds them: read in bulk, coded as small integers.

Each live case becomes one fixed-width record that SQLite itself formats as hex (``printf``)
and concatenates (``group_concat``), so Python sees one string per range of rowids instead
of a million tuples; status, source, zone, category and department are coded as positions
in the lists below and in the :class:`Reference` lists read with them. Positions are
stored to 1e-7 degrees (about a centimetre) and times to the second. The helper process of
:mod:`case_loader` reads half the ranges on the other core.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.model import CaseSource, CaseStatus, ZoneCode
from xjwc_desktop.core.queries.case_loader import fetch_ranges

STATUS_CODES = [s.value for s in CaseStatus]
SOURCE_CODES = [s.value for s in CaseSource]
ZONE_CODES = ["", *(z.value for z in ZoneCode)]  # 0: no zone
UNKNOWN = 0xFFFF  # a category or department not in the reference lists (or none)
_CHUNK_ROWIDS = 1 << 19  # one group_concat string per half million rowids (~45 MB of hex)
_HEX_RECORDS = 1 << 15  # records turned from hex to bytes at a time (see _records)


@dataclass(frozen=True)
class Reference:
    """The small lists the coded columns index into, as loaded with the cases."""

    categories: list[tuple[str, str, str]]  # (code, name, major), sorted by code
    departments: list[tuple[str, str, str]]  # (id, code, name), sorted by code

    @property
    def majors(self) -> list[str]:
        """The category majors (大类) in order of first appearance by code."""
        return list(dict.fromkeys(major for _code, _name, major in self.categories))




def _case(column: str, values: list[str], default: int) -> tuple[str, list[str]]:
    whens = " ".join(f"WHEN ? THEN {i}" for i in range(len(values)))
    return f"CASE {column} {whens} ELSE {default} END", list(values)


def _record_fields(ref: Reference) -> list[tuple[str, str, list, str, str]]:
    """(name, SQL expression, its parameters, printf format, numpy big-endian dtype)."""
    status_sql, status_p = _case("status", STATUS_CODES, 255)
    source_sql, source_p = _case("source", SOURCE_CODES, 255)
    zone_sql, zone_p = _case("zone_code", ZONE_CODES[1:], -1)
    cat_sql, cat_p = _case("category_code", [c[0] for c in ref.categories], UNKNOWN)
    dep_sql, dep_p = _case("department_id", [d[0] for d in ref.departments], UNKNOWN)

    def epoch(column: str) -> str:
        return f"coalesce(unixepoch({column}), 0)"

    return [
        ("rowid", "rowid", [], "%08x", ">u4"),
        # + 0.5 then printf's truncation: rounded to the nearest 1e-7 degree.
        ("lon", "(lon + 180.0) * 1e7 + 0.5", [], "%08x", ">u4"),
        ("lat", "(lat + 90.0) * 1e7 + 0.5", [], "%08x", ">u4"),
        ("status", status_sql, status_p, "%02x", "u1"),
        ("source", source_sql, source_p, "%02x", "u1"),
        ("zone", f"{zone_sql} + 1", zone_p, "%02x", "u1"),
        ("category", cat_sql, cat_p, "%04x", ">u2"),
        ("department", dep_sql, dep_p, "%04x", ">u2"),
        # Unit grid codes are 15 digits: as an integer they sort like the text and a
        # community prefix becomes a numeric range.
        ("grid", "coalesce(CAST(grid_code AS INTEGER), 0)", [], "%016x", ">u8"),
        ("reported", epoch("reported_at"), [], "%08x", ">u4"),
        ("deadline", epoch("deadline_at"), [], "%08x", ">u4"),
        ("registered", epoch("registered_at"), [], "%08x", ">u4"),
        ("handled", epoch("handled_at"), [], "%08x", ">u4"),
    ]


# Read on first use: the deadline sort and the traffic light need them, the first view not.
TIMING_FIELDS = ("rowid", "deadline", "registered", "handled")
CORE_FIELDS = ("rowid", "lon", "lat", "status", "source", "zone", "category", "department",
               "grid", "reported")


def load_reference(conn: Connection) -> Reference:
    cats = conn.exec_driver_sql("SELECT code, name, major FROM categories ORDER BY code")
    deps = conn.exec_driver_sql("SELECT id, code, name FROM departments ORDER BY code")
    return Reference([tuple(r) for r in cats], [tuple(r) for r in deps])


def _records(hexed: str, dtype: np.dtype) -> list[np.ndarray]:
    """The records written as hex in ``hexed``, a slice at a time: ``bytes.fromhex`` holds
    the GIL while it runs, and half a million records at once (45 MB) stood the window
    still for 20–35 ms; a slice of 32,768 records takes a millisecond or two."""
    step = 2 * dtype.itemsize * _HEX_RECORDS
    return [np.frombuffer(bytes.fromhex(hexed[i:i + step]), dtype)
            for i in range(0, len(hexed), step)]


def read_columns(conn: Connection, ref: Reference, rowids: np.ndarray | None = None,
                 names: tuple[str, ...] = CORE_FIELDS) -> dict[str, np.ndarray]:
    """Coded columns of the live cases (all, or those among ``rowids``), in rowid order."""
    fields = [f for f in _record_fields(ref) if f[0] in names]
    fmt = "".join(f[3] for f in fields)
    exprs = ", ".join(f[1] for f in fields)
    params = [p for f in fields for p in f[2]]
    dtype = np.dtype([(f[0], f[4]) for f in fields])
    # No ORDER BY: a subquery with one would be materialised whole. A rowid range scan
    # yields rowid order anyway, and the result is re-sorted below if it ever did not.
    sql = (f"SELECT group_concat(printf('{fmt}', {exprs}), '') FROM cases "
           "WHERE deleted_at IS NULL AND rowid BETWEEN ? AND ? {extra}")
    chunks: list[np.ndarray] = []
    if rowids is None:
        top = conn.exec_driver_sql("SELECT max(rowid) FROM cases").scalar() or 0
        ranges = [(lo, lo + _CHUNK_ROWIDS - 1) for lo in range(1, top + 1, _CHUNK_ROWIDS)]
        for text in fetch_ranges(conn, sql.format(extra=""), params, ranges):
            chunks.extend(_records(text, dtype))
    else:
        wanted = np.unique(np.asarray(rowids, dtype=np.int64))
        for start in range(0, wanted.size, 500):
            part = [int(r) for r in wanted[start:start + 500]]
            extra = f"AND rowid IN ({','.join('?' * len(part))})"
            text = conn.exec_driver_sql(sql.format(extra=extra),
                                        (*params, part[0], part[-1], *part)).scalar()
            chunks.extend(_records(text or "", dtype))
    raw = np.concatenate(chunks) if chunks else np.zeros(0, dtype)
    if raw.size > 1 and not np.all(raw["rowid"][1:] > raw["rowid"][:-1]):
        raw = raw[np.argsort(raw["rowid"], kind="stable")]
    cols = {name: raw[name].astype(raw.dtype[name].newbyteorder("=")) for name in dtype.names}
    cols["rowid"] = cols["rowid"].astype(np.int64)
    for name in ("lon", "lat"):
        if name in cols:
            cols[name] = cols[name] / 1e7 - (180.0 if name == "lon" else 90.0)
    for name in ("zone",):
        if name in cols:
            cols[name] = cols[name].astype(np.uint8)
    for name in ("grid", "reported", "registered", "handled", "deadline"):
        if name in cols:
            cols[name] = cols[name].astype(np.int64)
    return cols
