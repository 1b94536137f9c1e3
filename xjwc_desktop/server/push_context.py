"""The state of one push while it is applied: rows read once, bookkeeping written once.

A push of 1,000 edits used to cost seven statements per change; most of them were reads of
rows the push had in hand and bookkeeping rows that can go in one ``executemany`` at the
end. The cached rows are kept up to date by every write of the push, so a second change
to the same row sees the first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from xjwc_desktop.core import clock
from xjwc_desktop.core.sync.codec import dumps
from xjwc_desktop.core.sync.rows import db_values, read_rows, update_sql
from xjwc_desktop.core.sync.schema import SyncedTable, is_synced, synced_table
from xjwc_desktop.server.devices import Device


@dataclass
class PushContext:
    conn: Connection
    device: Device
    dialect: str
    seq: int
    server_id: str
    # case id -> the workflow conflict recording its lost step in this push, so the step's
    # history events join that record instead of becoming a second history.
    lost_steps: dict[str, str] = field(default_factory=dict)
    # row id -> conflict record of a row set aside in this push: its children follow it
    set_aside: dict[str, str] = field(default_factory=dict)
    rows: dict[tuple[str, str], dict | None] = field(default_factory=dict)
    conflicts: int = 0  # conflict records this push has written
    feed: dict[tuple[str, str], dict] = field(default_factory=dict)
    applied: list[dict] = field(default_factory=list)
    counts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    # UPDATEs of the same columns of one table, sent together (most of a push is edits)
    updates: dict[tuple[str, tuple[str, ...]], list[dict]] = field(
        default_factory=lambda: defaultdict(list))

    def take_seq(self) -> int:
        self.seq += 1
        return self.seq - 1

    # -- rows ----------------------------------------------------------------------------
    def preload(self, changes: list[dict[str, Any]]) -> None:
        """Read every row the push touches, one statement per table and 500 ids."""
        wanted: dict[str, list[str]] = defaultdict(list)
        for c in changes:
            if is_synced(c["tbl"]):
                wanted[c["tbl"]].append(c["row_id"])
        for name, ids in wanted.items():
            table = synced_table(name)
            found = read_rows(self.conn, table, ids)
            for row_id in ids:
                wire = found.get(row_id)
                self.rows[(name, row_id)] = (
                    None if wire is None else dict(zip(table.columns, wire, strict=True)))

    def row(self, table: SyncedTable, row_id: str) -> dict | None:
        key = (table.name, row_id)
        if key not in self.rows:
            found = read_rows(self.conn, table, [row_id]).get(row_id)
            self.rows[key] = None if found is None else dict(
                zip(table.columns, found, strict=True))
        return self.rows[key]

    def remember(self, table: SyncedTable, row_id: str, row: dict | None) -> None:
        self.rows[(table.name, row_id)] = row

    # -- bookkeeping, written by flush() -----------------------------------------------
    def feed_row(self, tbl: str, row_id: str, *, verbatim: bool,
                 device_id: str | None = "") -> int:
        """Move the row to the head of the change feed."""
        seq = self.take_seq()
        self.feed[(tbl, row_id)] = {
            "t": tbl, "r": row_id, "s": seq, "v": verbatim,
            "d": self.device.id if device_id == "" else device_id}
        return seq

    def count(self, tbl: str, *, total: int = 0, deleted: int = 0) -> None:
        self.counts[tbl][0] += total
        self.counts[tbl][1] += deleted

    def record(self, change: dict, result: dict) -> None:
        self.applied.append({"c": change["id"], "d": self.device.id, "s": change["seq"],
                             "r": dumps(result), "q": result.get("seq"), "at": clock.now()})

    def update(self, table: SyncedTable, row_id: str, values: dict[str, Any]) -> None:
        """Queue ``UPDATE table SET values WHERE id = row_id`` (see :meth:`write_updates`)."""
        cols = tuple(values)
        params = db_values(self.dialect, table, cols, [values[c] for c in cols])
        self.updates[(table.name, cols)].append({**params, "row_id": row_id})

    def write_updates(self) -> None:
        """Send the queued UPDATEs: before anything reads the tables from the database
        rather than from :attr:`rows`, and at the end."""
        for (name, cols), params in self.updates.items():
            self.conn.execute(text(update_sql(synced_table(name), cols)), params)
        self.updates.clear()

    def flush(self, pushed_through: int) -> None:
        self.write_updates()
        conn = self.conn
        if self.feed:
            conn.execute(text(
                "INSERT INTO sync_rows (tbl, row_id, seq, device_id, verbatim) "
                "VALUES (:t, :r, :s, :d, :v) ON CONFLICT (tbl, row_id) DO UPDATE SET "
                "seq = excluded.seq, device_id = excluded.device_id, "
                "verbatim = excluded.verbatim"),
                sorted(self.feed.values(), key=lambda f: f["s"]))
        if self.applied:
            conn.execute(text(
                "INSERT INTO sync_changes (change_id, device_id, device_seq, result, seq, "
                "received_at) VALUES (:c, :d, :s, :r, :q, :at)"), self.applied)
        for tbl, (total, deleted) in self.counts.items():
            if total or deleted:
                conn.execute(text(
                    "UPDATE sync_table_counts SET total = total + :t, deleted = deleted + :d "
                    "WHERE tbl = :tbl"), {"t": total, "d": deleted, "tbl": tbl})
        conn.execute(text("UPDATE sync_devices SET pushed_through = :t, last_seen_at = :now "
                          "WHERE id = :i"),
                     {"t": pushed_through, "now": clock.now(), "i": self.device.id})
