"""Unique values across workstations: case numbers and natural keys.

Case numbers are unique by construction once a workstation is enrolled (its own block of
numbers); cases taken in before enrollment may still collide, and get the next free
number of their day here. Any other unique value already held by another row (the same
12345 work order taken in at two workstations, say) sets the new row aside.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, UniqueConstraint, text

from xjwc_desktop.core.sync.schema import SyncedTable
from xjwc_desktop.core.workflow.numbering import next_case_number


def _taken(conn: Connection, table: str, columns: list[str], row: dict) -> bool:
    where = " AND ".join(f'"{c}" = :v{n}' for n, c in enumerate(columns))
    params = {f"v{n}": row[c] for n, c in enumerate(columns)}
    return conn.execute(text(f'SELECT 1 FROM "{table}" WHERE {where} AND id <> :id LIMIT 1'),
                        {**params, "id": row["id"]}).first() is not None


def renumber_if_taken(conn: Connection, row: dict, device_no: int) -> str | None:
    """Give a new case the next free number of its day if its own is taken; returns the
    number it came with (now replaced) or None."""
    if not _taken(conn, "cases", ["case_no"], row):
        return None
    old = row["case_no"]
    day = dt.date(int(old[3:7]), int(old[7:9]), int(old[9:11]))
    row["case_no"] = next_case_number(conn, day, device_no)
    return old


def unique_keys(table: SyncedTable) -> list[list[str]]:
    keys = [[c.name] for c in table.table.columns if c.unique]
    keys += [[c.name for c in con.columns] for con in table.table.constraints
             if isinstance(con, UniqueConstraint)]
    return [k for k in keys if k != ["id"]]


def unique_clash(conn: Connection, table: SyncedTable, row: dict) -> list[str] | None:
    """The columns of a unique key whose values another row already holds, or None."""
    for key in unique_keys(table):
        if any(row.get(c) is None for c in key):
            continue  # NULLs never clash (SQL semantics: 12345 orders without a number)
        if _taken(conn, table.name, key, row):
            return key
    return None
