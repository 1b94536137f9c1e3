"""Correcting case history: the one way past its append-only rule, run by an administrator
on the server (``xjwc server amend-event``), never through a device's push.

The event's note is corrected (the reason kept beside it) or the event is marked deleted;
the row enters the change feed, so every workstation receives the correction.
"""

from __future__ import annotations

from sqlalchemy import text

from xjwc_desktop.core import clock
from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.storage.database import writing
from xjwc_desktop.core.sync.codec import DATETIME_FORMAT
from xjwc_desktop.server.database import ServerDatabase, next_seq, quiet
from xjwc_desktop.server.sequencer import ORDER_KEY


def amend_event(server: ServerDatabase, event_id: str, *, reason: str,
                note: str | None = None, delete: bool = False) -> int:
    """Correct one history event; returns its new place in the change feed."""
    reason = reason.strip()
    if not reason:
        raise InputError("更正案件历史须写明原因（--reason）。")
    if (note is None) == (not delete):
        raise InputError("请给出 --note（更正说明文字）或 --delete（标记删除）其中之一。")
    now = clock.now().strftime(DATETIME_FORMAT)
    with writing(server.engine) as conn, quiet(conn):
        if conn.dialect.name == "postgresql":  # the feed's ordering lock: its seq comes next
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ORDER_KEY})
        found = conn.execute(text("SELECT note, deleted_at FROM case_events WHERE id = :i"),
                             {"i": event_id}).first()
        if found is None:
            raise InputError(f"服务器上没有编号为“{event_id}”的案件历史。")
        if delete:
            values = {"deleted_at": now}
            deleted = 1 if found.deleted_at is None else 0
        else:
            values = {"note": f"{note}（管理员更正：{reason}）"}
            deleted = 0
        assignments = ", ".join(f"{c} = :{c}" for c in values)
        conn.execute(text(f"UPDATE case_events SET {assignments}, updated_at = :now, "
                          "written_by = :by WHERE id = :i"),
                     {**values, "now": now, "by": server.server_id, "i": event_id})
        seq = next_seq(conn)
        conn.execute(text(
            "INSERT INTO sync_rows (tbl, row_id, seq, device_id, verbatim) "
            "VALUES ('case_events', :r, :s, NULL, :v) ON CONFLICT (tbl, row_id) DO UPDATE "
            "SET seq = excluded.seq, device_id = NULL, verbatim = excluded.verbatim"),
            {"r": event_id, "s": seq, "v": False})
        if deleted:
            conn.execute(text("UPDATE sync_table_counts SET deleted = deleted + 1 "
                              "WHERE tbl = 'case_events'"))
    return seq
