"""Writing conflict records: what stands, what did not get in, and who sent it."""

from __future__ import annotations

from sqlalchemy import Connection, text

from xjwc_desktop.core import clock
from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.sync.codec import DATETIME_FORMAT, dumps, loads
from xjwc_desktop.core.sync.merge import ConflictSpec
from xjwc_desktop.core.sync.rows import db_values, insert_sql
from xjwc_desktop.core.sync.schema import SyncedTable, synced_table
from xjwc_desktop.server.devices import Device


def _label(conn: Connection, table: SyncedTable, row: dict) -> str | None:
    """What an operator calls the row: the case number, or the register code or name."""
    case_id = row.get("case_id") if table.name != "cases" else None
    if case_id:
        found = conn.execute(text("SELECT case_no FROM cases WHERE id = :i"),
                             {"i": case_id}).scalar()
        return found or case_id
    for key in ("case_no", "code", "name"):
        if row.get(key):
            return str(row[key])[:60]
    return None


def _json(value) -> str | None:
    return None if value is None else dumps(value)


def record_conflict(conn: Connection, dialect: str, server_id: str, table: SyncedTable,
                    row_id: str, change: dict, spec: ConflictSpec, server_row: dict | None,
                    device: Device) -> str:
    """Insert the conflict record; returns its id."""
    row = {**(change.get("base") or {}), **(change.get("row") or {}),
           **(server_row or {})}
    now = clock.now().strftime(DATETIME_FORMAT)
    detail = dict(spec.detail or {})
    detail["op"] = change["op"]
    values = {
        "id": uuid7(), "tbl": table.name, "row_id": row_id, "label": _label(conn, table, row),
        "kind": spec.kind, "fields": _json(spec.fields), "base": _json(spec.base),
        "kept": _json(spec.kept), "lost": _json(spec.lost), "detail": _json(detail),
        "change_id": change["id"], "lost_device": device.name,
        "kept_by": (server_row or {}).get("written_by"), "resolved_at": None,
        "resolved_by": None, "resolution": None, "created_at": now, "updated_at": now,
        "written_by": server_id, "deleted_at": None,
    }
    conflicts = synced_table("sync_conflicts")
    cols = list(conflicts.columns)
    conn.execute(text(insert_sql(conflicts, cols)),
                 db_values(dialect, conflicts, cols, [values[c] for c in cols]))
    return values["id"]


def add_lost_event(conn: Connection, conflict_id: str, row: dict, *,
                   key: str = "events") -> None:
    """Append a row that goes with a conflict (a lost step's history event, a note of a
    case set aside) to the record's ``detail[key]``."""
    detail = loads(conn.execute(text("SELECT detail FROM sync_conflicts WHERE id = :i"),
                                {"i": conflict_id}).scalar_one() or "{}")
    detail.setdefault(key, []).append(row)
    conn.execute(text("UPDATE sync_conflicts SET detail = :d WHERE id = :i"),
                 {"d": _json(detail), "i": conflict_id})
