"""Unique values across workstations: case numbers and natural keys.

Case numbers are unique by construction once a workstation is enrolled (its own block of
numbers); cases taken in before enrollment may still collide, and get the next free
number of their day here. Any other unique value already held by another row (the same
12345 work order taken in at two workstations, say) sets the new row aside.
"""

from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import Connection, UniqueConstraint

from xjwc_desktop.core.sync.schema import SyncedTable
from xjwc_desktop.core.workflow.numbering import next_case_number


def renumber(conn: Connection, row: dict, device_no: int) -> str:
    """Give a new case whose number is taken the next free number of its day; returns the
    number it came with (now replaced). The push's own new cases must be written first."""
    old = row["case_no"]
    day = dt.date(int(old[3:7]), int(old[7:9]), int(old[9:11]))
    row["case_no"] = next_case_number(conn, day, device_no)
    return old


@functools.cache
def unique_keys(table: SyncedTable) -> tuple[tuple[str, ...], ...]:
    keys = [(str(c.name),) for c in table.table.columns if c.unique]
    keys += [tuple(str(c.name) for c in con.columns) for con in table.table.constraints
             if isinstance(con, UniqueConstraint)]
    return tuple(k for k in keys if k != ("id",))
