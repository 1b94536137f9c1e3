"""What devices read from the server: the change feed, row checks and table digests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, text

from xjwc_desktop.core.sync.codec import row_hash, wire_converter
from xjwc_desktop.core.sync.rows import hash_rows, iter_all_rows, read_rows
from xjwc_desktop.core.sync.schema import synced_table, synced_tables

MAX_PULL = 20_000


def latest_seq(conn: Connection) -> int:
    return conn.execute(text("SELECT max(seq) FROM sync_rows")).scalar() or 0


def pull(engine: Engine, device_id: str | None, since: int, limit: int) -> dict[str, Any]:
    """The rows changed after ``since``, oldest change first, at most ``limit`` of them.

    Rows ``device_id`` sent itself and the server took exactly as sent are left out: the
    device has them already. ``cursor`` is where the next pull starts.
    """
    limit = max(1, min(limit, MAX_PULL))
    with engine.connect() as conn:
        upper = latest_seq(conn)
        result = conn.execute(text(
            "SELECT tbl, seq FROM sync_rows WHERE seq > :since AND seq <= :upper "
            "AND NOT (coalesce(device_id, '') = :dev AND verbatim = :t) "
            "ORDER BY seq LIMIT :n"),
            {"since": since, "upper": upper, "dev": device_id or "", "t": True,
             "n": limit})
        try:
            feed = result.cursor.fetchall()  # plain tuples (tbl, seq): see _feed_rows
        finally:
            result.close()
        more = len(feed) == limit
        cursor = feed[-1][1] if more else max(upper, since)
        present = {tbl for tbl, _seq in feed}
        tables = []
        for table in synced_tables():
            if table.name in present:
                rows = _feed_rows(conn, table, since, cursor, device_id)
                tables.append({"name": table.name, "columns": list(table.columns),
                               "rows": rows})
    return {"cursor": cursor, "more": more, "tables": tables, "count": len(feed)}


def _feed_rows(conn: Connection, table, since: int, upto: int,
               device_id: str | None) -> list[list]:
    """The rows of one table in the feed range, joined in one statement (no id lists).

    ``r.tbl || ''`` keeps the planner on the feed's ``seq`` index: given ``r.tbl = ...``
    SQLite walked every feed entry of the table by the primary key and sorted the range,
    once per pull (a catch-up of 200,000 rows asks 40 times). The rows are read from the
    driver's cursor: SQLAlchemy's row objects cost more than the query."""
    cols = ", ".join(f't."{c}"' for c in table.columns)
    convert = wire_converter(table.kinds)
    result = conn.execute(text(
        f'SELECT {cols} FROM sync_rows r JOIN "{table.name}" t ON t.id = r.row_id '
        f"WHERE r.tbl || '' = '{table.name}' AND r.seq > :since AND r.seq <= :upto "
        "AND NOT (coalesce(r.device_id, '') = :dev AND r.verbatim = :t) ORDER BY r.seq"),
        {"since": since, "upto": upto, "dev": device_id or "", "t": True})
    try:
        return [convert(raw) for raw in result.cursor.fetchall()]
    finally:
        result.close()


def counts(conn: Connection) -> dict[str, list[int]]:
    return {t: [total, deleted] for t, total, deleted in conn.execute(text(
        "SELECT tbl, total, deleted FROM sync_table_counts"))}


def check(engine: Engine, tables: dict[str, dict]) -> dict[str, Any]:
    """Compare a device's hashes of rows it just received with the server's rows.

    For each table the hash of the same ids; where they differ, every row's hash, so the
    device can fetch just the rows that differ. Also the server's row counts.
    """
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for name, claim in tables.items():
            table = synced_table(name)
            rows = read_rows(conn, table, claim.get("ids", []))
            if hash_rows(rows.values()) == claim.get("hash"):
                out[name] = {"ok": True}
            else:
                out[name] = {"ok": False,
                             "rows": {rid: row_hash(r) for rid, r in rows.items()}}
        return {"tables": out, "counts": counts(conn), "seq": latest_seq(conn)}


def rows_by_id(engine: Engine, name: str, ids: list[str]) -> dict[str, Any]:
    table = synced_table(name)
    with engine.connect() as conn:
        rows = read_rows(conn, table, ids)
    return {"name": name, "columns": list(table.columns), "rows": list(rows.values())}


def digest(engine: Engine, name: str, after: str, limit: int) -> dict[str, Any]:
    """``[id, row hash]`` of a table's rows in id order after ``after`` (a full check)."""
    table = synced_table(name)
    id_pos = table.columns.index("id")
    pairs = []
    with engine.connect() as conn:
        for row in iter_all_rows(conn, table, after=after, limit=limit):
            pairs.append([row[id_pos], row_hash(row)])
            if len(pairs) >= limit:
                break
    return {"name": name, "rows": pairs, "more": len(pairs) >= limit}
