"""The workstation's outbox: freezing open entries into changes, acknowledging them.

An open entry (``change_id`` NULL) says "this row changed since the last push" and keeps
the row as it was before (``base``). Freezing turns it into a change with a fixed id and
payload: the fields that differ from the base, with the base itself, so the server can
merge per field. A frozen change is sent until the server acknowledges it; the server
knows its id, so sending it twice applies it once.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson
from sqlalchemy import Connection, text

from xjwc_desktop.core.ids import uuid7
from xjwc_desktop.core.sync.codec import dumps, loads, row_hash, wire_converter
from xjwc_desktop.core.sync.rows import chunks, no_cycle_collector, read_rows
from xjwc_desktop.core.sync.schema import BOOKKEEPING, synced_table, synced_tables

FREEZE_CHUNK = 5000


def open_count(conn: Connection) -> int:
    """Changes waiting to be pushed (open and frozen)."""
    return conn.execute(text("SELECT count(*) FROM sync_outbox")).scalar_one()


def freeze(conn: Connection, *, inserts_from_tables: bool = True) -> int:
    """Freeze every open entry (inside the caller's transaction); returns how many changes
    are now frozen and waiting. Entries that changed nothing but bookkeeping are dropped.

    New rows (``inserts_from_tables``, photos aside) get only their change id, set-wise:
    the row is read from its table when it is sent (:func:`rows_as_frozen`), and a later
    edit keeps the row as it was frozen in its own entry's base. A first push of a whole
    database then writes no payload at all (it wrote 150 MB of JSON for the 100k demo)."""
    with no_cycle_collector():  # a first push freezes a whole database: no cycles
        if inserts_from_tables:
            _freeze_inserts(conn)
        return _freeze_all(conn)


def _freeze_inserts(conn: Connection) -> None:
    """Every open insert (but a photo's) gets its change id in one statement: a UUIDv7 made
    once for the freeze whose last 40 bits are the entry's number (unique per device; the
    34 random bits and the time tell devices apart). The payload stays NULL."""
    conn.execute(text(
        "UPDATE sync_outbox SET change_id = :prefix || printf('%010x', seq & 1099511627775) "
        "WHERE change_id IS NULL AND op = 'insert' AND tbl <> 'case_attachments'"),
        {"prefix": uuid7()[:22]})


def _freeze_all(conn: Connection) -> int:
    after = 0
    while True:
        # From where the last chunk ended: the frozen entries before it are not walked
        # again (a first push freezes a whole database, 40 chunks).
        entries = conn.execute(text(
            "SELECT seq, tbl, row_id, op, base FROM sync_outbox WHERE change_id IS NULL "
            "AND seq > :after ORDER BY seq LIMIT :n"),
            {"after": after, "n": FREEZE_CHUNK}).fetchall()
        if not entries:
            break
        _freeze_entries(conn, entries)
        after = entries[-1].seq
    return conn.execute(text(
        "SELECT count(*) FROM sync_outbox WHERE change_id IS NOT NULL")).scalar_one()


def _freeze_entries(conn: Connection, entries) -> None:
    by_table: dict[str, list[str]] = defaultdict(list)
    for e in entries:
        by_table[e.tbl].append(e.row_id)
    current = {name: read_rows(conn, synced_table(name), ids) for name, ids in by_table.items()}
    frozen, dropped = [], []
    base_converters = {name: wire_converter(synced_table(name).kinds) for name in by_table}
    for e in entries:
        table = synced_table(e.tbl)
        wire = current[e.tbl].get(e.row_id)
        row = dict(zip(table.columns, wire, strict=True)) if wire is not None else None
        payload = _payload(table, e.op, row, e.base, base_converters[e.tbl])
        if payload is None:
            dropped.append(e.seq)
        else:
            frozen.append((uuid7(), dumps(payload), e.seq))
    # Through the driver (same connection and transaction): SQLAlchemy's executemany
    # builds every row's parameters in Python, which cost a first push more than SQLite.
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany("DELETE FROM sync_outbox WHERE seq = ?", [(s,) for s in dropped])
        cursor.executemany("UPDATE sync_outbox SET change_id = ?, payload = ? WHERE seq = ?",
                           frozen)
    finally:
        cursor.close()


#: Base values always sent with an edit: what the server's role and zone checks read.
ALWAYS_IN_BASE = ("zone_code", "case_id")


def _payload(table, op: str, row: dict | None, base_json: str | None,
             base_to_wire_row) -> dict | None:
    """The change to send for one entry. ``base_to_wire_row``: the table's
    :func:`~xjwc_desktop.core.sync.codec.wire_converter` (the triggers' reals, written as
    text, become floats): one loop per kind, where a call per column converted 7,400 base
    values for a push of 200 edits."""
    if op == "insert":
        return None if row is None else {"op": "insert", "row": row}
    kind_of = table.kind_of
    raw_base = loads(base_json) if base_json else {}
    base = dict(zip(table.columns, base_to_wire_row([raw_base.get(c) for c in table.columns]),
                    strict=True))
    if op == "delete":
        return {"op": "delete", "base": base}
    if row is None:
        return None
    new = {c: row[c] for c in table.columns if c not in BOOKKEEPING and row[c] != base[c]}
    if not new:
        return None
    if "deleted_at" not in new:
        # The server merges per group of fields: it needs the base of the groups touched,
        # not of the whole row (a deletion does need it all: what did the deleter see?).
        # The row's hash tells it whether it ends up with exactly this row.
        wanted = {c for g in table.groups() if g & new.keys() for c in g}
        wanted |= {c for c in ALWAYS_IN_BASE if c in kind_of}
        base = {c: v for c, v in base.items() if c in wanted}
    return {"op": "update", "base": base, "new": new,
            "stamp": {c: row[c] for c in ("updated_at", "written_by")},
            "row_hash": row_hash([row[c] for c in table.columns])}


def rows_as_frozen(conn: Connection, entries) -> dict[int, dict[str, Any] | None]:
    """``{seq: wire row}`` of the frozen inserts among ``entries`` (``(seq, tbl, row_id,
    payload, …)`` in order, ``payload`` NULL): each row as it was when its insert was
    frozen.

    That is the row in its table, unless it was written since: then the first later entry
    of the row (an update or a deletion, open or frozen) keeps it as its base, as the
    triggers wrote it at that write. A row gone without a later entry (only writes with
    the triggers quiet can do that) is None: there is nothing to send."""
    bare = [(seq, tbl, row_id) for seq, tbl, row_id, payload, *_ in entries if payload is None]
    if not bare:
        return {}
    raw = conn.connection.driver_connection
    out: dict[int, dict[str, Any] | None] = {}
    for name in dict.fromkeys(tbl for _seq, tbl, _row_id in bare):
        # Each entry with its row, in the entries' order: one join per table.
        table = synced_table(name)
        columns, convert = table.columns, wire_converter(table.kinds)
        selected = ", ".join(f't."{c}"' for c in columns)
        cursor = raw.execute(
            f"SELECT o.seq, {selected} FROM sync_outbox o "
            f'JOIN "{name}" t ON t.id = o.row_id WHERE o.seq BETWEEN ? AND ? AND o.tbl = ? '
            "AND o.change_id IS NOT NULL AND o.payload IS NULL",
            (bare[0][0], bare[-1][0], name))
        try:
            for seq, *values in cursor:
                out[seq] = dict(zip(columns, convert(values), strict=True))
        finally:
            cursor.close()
    later = _later_bases(raw, bare)
    for seq, tbl, row_id in bare:
        base = _first_after(later.get((tbl, row_id)), seq)
        if base is not None:  # the triggers' text reals become floats, as in _payload
            table, before = synced_table(tbl), loads(base)
            out[seq] = dict(zip(table.columns, wire_converter(table.kinds)(
                [before.get(c) for c in table.columns]), strict=True))
        elif seq not in out:
            out[seq] = None
    return out


def _later_bases(raw, bare: list[tuple]) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """``{(tbl, row_id): [(seq, base)…]}`` of the entries after the first of ``bare`` that
    keep an earlier state of one of its rows (usually none: one scan of the later
    entries' numbers)."""
    cursor = raw.execute(
        "SELECT seq, tbl, row_id, base FROM sync_outbox WHERE seq > ? AND base IS NOT NULL "
        "AND row_id IN (SELECT value FROM json_each(?)) ORDER BY seq",
        (bare[0][0], dumps([row_id for _seq, _tbl, row_id in bare])))
    try:
        found = cursor.fetchall()
    finally:
        cursor.close()
    if not found:
        return {}
    wanted = {(tbl, row_id) for _seq, tbl, row_id in bare}
    out: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for seq, tbl, row_id, base in found:
        if (tbl, row_id) in wanted:
            out[tbl, row_id].append((seq, base))
    return out


def _first_after(bases: list[tuple[int, str]] | None, seq: int) -> str | None:
    for later, base in bases or ():
        if later > seq:
            return base
    return None


def frozen_changes(conn: Connection, *, limit: int,
                   gone: list[str] | None = None) -> list[dict[str, Any]]:
    """The oldest frozen changes, ready to send. An insert whose row is gone without a
    trace (:func:`rows_as_frozen`) is left out and its change id added to ``gone``: the
    caller takes it out of the outbox (the server never had it)."""
    rows = conn.execute(text(
        "SELECT seq, tbl, row_id, payload, change_id FROM sync_outbox "
        "WHERE change_id IS NOT NULL ORDER BY seq LIMIT :n"), {"n": limit}).fetchall()
    fresh = rows_as_frozen(conn, rows)
    if gone is not None:
        gone.extend(r.change_id for r in rows if r.payload is None and fresh[r.seq] is None)
    return [{"id": r.change_id, "seq": r.seq, "tbl": r.tbl, "row_id": r.row_id,
             **(loads(r.payload) if r.payload is not None
                else {"op": "insert", "row": fresh[r.seq]})}
            for r in rows if r.payload is not None or fresh[r.seq] is not None]


#: Consecutive waiting new rows from which they are sent as runs (``Push.inserts``):
#: a workstation's first push of its whole data. The server takes as many at once.
RUNS_FROM = 100
#: The prefix of a frozen insert's payload: what follows, up to its last brace, is the
#: row's JSON as frozen, sent as it is.
_INSERT = '{"op":"insert","row":'


def frozen_runs(conn: Connection, *, limit: int, after: int = 0,
                gone: list[str] | None = None) -> list[dict[str, Any]] | None:
    """The oldest frozen changes (numbered after ``after``) as runs of new rows
    (``Push.inserts``), if at least :data:`RUNS_FROM` of them in a row are new rows
    (photos aside: their files go first, one change at a time); else None (send
    :func:`frozen_changes`).

    A row frozen with its payload goes out as that JSON text (``orjson.Fragment``), one
    frozen without (:func:`freeze`) as read from its table (:func:`rows_as_frozen`; one
    gone without a trace is left out and named in ``gone``). Either is what the row was
    when frozen, whenever it is read: the next runs may be read while the server still
    works on these."""
    cursor = conn.connection.driver_connection.execute(
        "SELECT seq, tbl, row_id, payload, change_id, op FROM sync_outbox "
        "WHERE change_id IS NOT NULL AND seq > ? ORDER BY seq LIMIT ?", (after, limit))
    try:
        entries = cursor.fetchmany(RUNS_FROM)
        if len(entries) < RUNS_FROM or not all(_in_runs(e) for e in entries):
            return None
        entries += cursor.fetchall()
    finally:
        cursor.close()
    entries = entries[:next((n for n, e in enumerate(entries) if not _in_runs(e)),
                            len(entries))]
    fresh = rows_as_frozen(conn, entries)
    runs: list[dict[str, Any]] = []
    for seq, tbl, _row_id, payload, change_id, _op in entries:
        if payload is None:
            row = fresh[seq]
            if row is None:
                if gone is not None:
                    gone.append(change_id)
                continue
        else:
            row = orjson.Fragment(payload[len(_INSERT):-1])
        if not runs or runs[-1]["tbl"] != tbl:
            runs.append({"tbl": tbl, "ids": [], "seqs": [], "rows": []})
        run = runs[-1]
        run["ids"].append(change_id)
        run["seqs"].append(seq)
        run["rows"].append(row)
    return runs


def _in_runs(entry) -> bool:
    """A frozen insert that goes in runs: not a photo's, frozen by id or as a whole row."""
    _seq, tbl, _row_id, payload, _change_id, op = entry
    return op == "insert" and tbl != "case_attachments" and (
        payload is None or payload.startswith(_INSERT))


def acknowledge(conn: Connection, change_ids: list[str]) -> None:
    """The server has these changes: they leave the outbox (one statement)."""
    for part in chunks(change_ids, 50_000):
        conn.execute(text("DELETE FROM sync_outbox WHERE change_id IN "
                          "(SELECT value FROM json_each(:ids))"), {"ids": dumps(list(part))})


def adopt_existing_rows(conn: Connection) -> int:
    """Queue every row of this database as an insert (its first sync with a server).

    Rows written before the database ever synced (demo data, a workstation used alone)
    were never seen by the server; open entries cannot say more than "insert" about them.
    """
    conn.execute(text("DELETE FROM sync_outbox WHERE change_id IS NULL"))
    total = 0
    for table in synced_tables():
        total += conn.execute(text(
            "INSERT OR IGNORE INTO sync_outbox (tbl, row_id, op, at) "
            f"SELECT '{table.name}', id, 'insert', strftime('%Y-%m-%d %H:%M:%f', 'now') "
            f'FROM "{table.name}" ORDER BY rowid')).rowcount
    return total


def resume_after(conn: Connection, expected: int) -> int:
    """Number every waiting change after ``expected``, the last change the server has
    from this device (a workstation restored from an older copy of itself numbers its new
    changes from where the copy stopped). Change ids stay: a change the server applied
    before the restore is recognised by its id and not applied twice. Returns how many
    changes wait."""
    low, high, waiting = conn.execute(text(
        "SELECT min(seq), max(seq), count(*) FROM sync_outbox")).one()
    if waiting and low <= expected:
        # One statement moving every number past both ends: no two rows meet on the way.
        conn.execute(text("UPDATE sync_outbox SET seq = seq + :shift"),
                     {"shift": high + expected})
    top = conn.execute(text("SELECT coalesce(max(seq), 0) FROM sync_outbox")).scalar_one()
    # AUTOINCREMENT continues from sqlite_sequence: new edits come after the server's too.
    conn.execute(text("UPDATE sqlite_sequence SET seq = max(seq, :n, :top) "
                      "WHERE name = 'sync_outbox'"), {"n": expected, "top": top})
    conn.execute(text("INSERT INTO sqlite_sequence (name, seq) SELECT 'sync_outbox', :n "
                      "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence "
                      "WHERE name = 'sync_outbox')"), {"n": max(expected, top)})
    return waiting
