"""The state of one push while it is applied: rows read once, bookkeeping written once.

A push of 1,000 edits used to cost seven statements per change; most of them were reads of
rows the push had in hand and bookkeeping rows that can go in one ``executemany`` at the
end. The cached rows are kept up to date by every write of the push, so a second change
to the same row sees the first.

New rows are handled the same way (a first push of a workstation's 100,000 rows is all
inserts): the unique values they claim are looked up for the whole push at once (one
statement per key and 500 values) and kept up to date as rows go in, and the inserts are
sent table by table in one ``executemany``, parents before children, before anything
reads the tables from the database (:meth:`PushContext.write_pending`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from xjwc_desktop.core import clock
from xjwc_desktop.core.model import Base
from xjwc_desktop.core.sync.codec import dumps
from xjwc_desktop.core.sync.rows import (
    IN_CHUNK,
    chunks,
    db_values,
    insert_sql,
    json_texts,
    quoted,
    read_rows,
    statement,
    with_ids,
)
from xjwc_desktop.core.sync.schema import TEXT, SyncedTable, is_synced, synced_table
from xjwc_desktop.server import bulk
from xjwc_desktop.server.devices import Device
from xjwc_desktop.server.numbers import unique_keys

if TYPE_CHECKING:
    from xjwc_desktop.server.new_rows import NewRows

#: Tables in the order their rows may go in (a table after those its foreign keys name).
INSERT_ORDER = {t.name: n for n, t in enumerate(Base.metadata.sorted_tables)}
#: Values a unique key may be looked up by (anything else is refused by validate.py).
PLAIN = (str, int, float)


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
    # table -> runs of INSERTs of the same columns, in the push's order, each run sent in
    # one executemany (a first push is all inserts)
    inserts: dict[str, list[tuple[tuple[str, ...], list[dict]]]] = field(
        default_factory=lambda: defaultdict(list))
    # (table, unique key) -> {values: id of the row holding them}, for the values this
    # push's inserts claim; tables whose unique values an update changed are asked again
    taken: dict[tuple[str, tuple[str, ...]], dict[tuple, str]] = field(default_factory=dict)
    unsure: set[str] = field(default_factory=set)
    # the bulk path's queued new rows (new_rows.py): table -> stretches of database rows,
    # and each stretch's feed rows and applied change ids
    stretches: dict[str, list[list]] = field(default_factory=lambda: defaultdict(list))
    new_books: list[NewRows] = field(default_factory=list)

    def take_seq(self) -> int:
        self.seq += 1
        return self.seq - 1

    def take_seqs(self, count: int) -> int:
        """``count`` feed numbers in a row; returns the first."""
        self.seq += count
        return self.seq - count

    # -- rows ----------------------------------------------------------------------------
    def preload(self, changes: list[dict[str, Any]], *, unique_values: bool = True) -> None:
        """Read every row the push touches, one statement per table and 500 ids, and
        (``unique_values``) look up the unique values its new rows claim."""
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
        if unique_values:
            self.preload_taken((c["tbl"], c.get("row")) for c in changes
                               if c["op"] == "insert")

    def preload_taken(self, inserts: Iterable[tuple[str, Any]]) -> None:
        """Which of the unique values the push's new rows (``(table, row)``) claim are
        held already."""
        claimed: dict[tuple[str, tuple[str, ...]], set[tuple]] = defaultdict(set)
        for tbl, row in inserts:
            if not is_synced(tbl) or not isinstance(row, dict):
                continue
            for key in unique_keys(synced_table(tbl)):
                values = tuple(row.get(c) for c in key)
                if all(isinstance(v, PLAIN) and not isinstance(v, bool) for v in values):
                    claimed[(tbl, key)].add(values)
        for (name, key), wanted in claimed.items():
            self.look_up_taken(name, key, wanted)

    def look_up_taken(self, name: str, key: tuple[str, ...], wanted: set[tuple], *,
                      chunk: int = IN_CHUNK) -> None:
        """Which rows hold the values ``wanted`` (plain values) of the unique ``key``."""
        holders: dict[tuple, str] = {}
        # Looked up by the key's most varied column (external_no, not source; case_id,
        # not seq); the rest is compared here.
        by = max(range(len(key)), key=lambda i: len({v[i] for v in wanted}))
        looked_up = sorted({v[by] for v in wanted}, key=str)
        if chunk > IN_CHUNK and synced_table(name).kind_of[key[by]] == TEXT \
                and all(type(v) is str for v in looked_up):
            # Many texts (the bulk path): one statement, the values as one JSON text.
            query = statement(f'SELECT id, {quoted(key)} FROM "{name}" WHERE "{key[by]}" IN '
                              + json_texts(self.dialect))
            parts, bind = [looked_up], dumps
        else:
            query = with_ids(f'SELECT id, {quoted(key)} FROM "{name}" WHERE "{key[by]}" IN :ids')
            parts, bind = chunks(looked_up, chunk), list
        for part in parts:
            for row_id, *values in self.conn.execute(query, {"ids": bind(part)}):
                if tuple(values) in wanted:
                    holders[tuple(values)] = row_id
        self.taken[(name, key)] = holders

    def clash(self, table: SyncedTable, row: dict,
              keys: tuple[tuple[str, ...], ...] | None = None) -> tuple[str, ...] | None:
        """The columns of a unique key (of ``keys``, or all the table's) whose values
        another row already holds, or None (NULLs never clash, as in SQL: 12345 orders
        without a number)."""
        for key in keys or unique_keys(table):
            values = tuple(row.get(c) for c in key)
            if any(v is None for v in values):
                continue
            holders = self.taken.get((table.name, key))
            if holders is None or table.name in self.unsure:
                self.write_pending()  # not looked up beforehand: ask the database
                where = " AND ".join(f'"{c}" = :v{n}' for n, c in enumerate(key))
                holder = self.conn.execute(statement(
                    f'SELECT id FROM "{table.name}" WHERE {where} LIMIT 1'),
                    {f"v{n}": v for n, v in enumerate(values)}).scalar()
                if holder is None:
                    continue
                holder_id = holder
            else:
                holder_id = holders.get(values)
            if holder_id is not None and holder_id != row["id"]:
                return key
        return None

    def insert(self, table: SyncedTable, row: dict[str, Any], *, now: bool = False) -> None:
        """Queue ``INSERT INTO table row`` (see :meth:`write_pending`), or with ``now``
        send it at once (the careful retry: a row that fails must fail before anything
        counts it); its unique values are taken from then on."""
        cols = tuple(row)
        params = db_values(self.dialect, table, cols, [row[c] for c in cols])
        if now:
            self.write_pending()
            self.conn.execute(statement(insert_sql(table, cols)), params)
        else:
            runs = self.inserts[table.name]
            if runs and runs[-1][0] == cols:
                runs[-1][1].append(params)
            else:
                runs.append((cols, [params]))
        for key in unique_keys(table):
            holders = self.taken.get((table.name, key))
            if holders is not None:
                values = tuple(row.get(c) for c in key)
                if all(v is not None for v in values):
                    holders[values] = row["id"]

    def queue_new_rows(self, table: SyncedTable, rows: list,
                       books: NewRows) -> None:
        """Queue a stretch of plain new rows (the bulk path, new_rows.py) as the database
        takes them, written with the others."""
        self.stretches[table.name].append(rows)
        self.new_books.append(books)

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
        """Queue ``UPDATE table SET values WHERE id = row_id`` (see :meth:`write_pending`)."""
        cols = tuple(values)
        params = db_values(self.dialect, table, cols, [values[c] for c in cols])
        self.updates[(table.name, cols)].append({**params, "row_id": row_id})
        if any(set(key) & set(cols) for key in unique_keys(table)):
            self.unsure.add(table.name)  # its unique values moved: ask the database

    def write_pending(self) -> None:
        """Send the queued INSERTs (parents first) and UPDATEs: before anything reads the
        tables from the database rather than from :attr:`rows`, and at the end."""
        inserts, updates, stretches = self.inserts, self.updates, self.stretches
        # Emptied first: statements that fail are not sent again by the next call (the
        # careful retry rolls back to its savepoint and goes on with the next change).
        self.inserts, self.updates = defaultdict(list), defaultdict(list)
        self.stretches = defaultdict(list)
        sqlite = self.dialect == "sqlite"
        for name in sorted(inserts.keys() | stretches.keys(), key=INSERT_ORDER.__getitem__):
            for cols, params in inserts.get(name, ()):  # in the push's order within a table
                sql = insert_sql(synced_table(name), cols)
                if sqlite:
                    bulk.executemany(self.conn, sql, params)
                else:
                    self.conn.execute(statement(sql), params)
            if name in stretches:
                bulk.insert_rows(self.conn, synced_table(name),
                                 [row for stretch in stretches[name] for row in stretch])
        for (name, cols), params in updates.items():
            bulk.update_rows(self.conn, synced_table(name), cols, params)

    def flush(self, pushed_through: int) -> None:
        """Write the push's feed rows, applied change ids, counts and the device's place.

        On PostgreSQL this runs in the ordered section every push passes in turn
        (sequencer.py), so it is kept to a few statements: the feed rows go as one
        ``INSERT … SELECT`` from a JSON text and the change ids by ``COPY`` (an
        ``executemany`` of 200 rows cost the server's Python more than the database its
        work)."""
        self.write_pending()
        conn = self.conn
        # The bulk path's stretches after the rows taken one by one, as the books were
        # kept: one writer for both (bulk.insert_books).
        feed = [(f["t"], f["r"], f["s"], f["d"], f["v"])
                for f in sorted(self.feed.values(), key=lambda f: f["s"])]
        applied = [(a["c"], a["d"], a["s"], a["r"], a["q"], a["at"]) for a in self.applied]
        for books in self.new_books:
            feed += books.feed(self.device.id)
            applied += books.applied(self.device.id)
        bulk.insert_books(conn, feed, applied)
        for tbl, (total, deleted) in self.counts.items():
            if total or deleted:
                conn.execute(text(
                    "UPDATE sync_table_counts SET total = total + :t, deleted = deleted + :d "
                    "WHERE tbl = :tbl"), {"t": total, "d": deleted, "tbl": tbl})
        conn.execute(text("UPDATE sync_devices SET pushed_through = :t, last_seen_at = :now "
                          "WHERE id = :i"),
                     {"t": pushed_through, "now": clock.now(), "i": self.device.id})
