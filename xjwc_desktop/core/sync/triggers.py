"""The SQLite triggers that put every local write into the outbox, in the same transaction.

Triggers rather than Python hooks: ORM writes, bulk ``UPDATE ... WHERE`` statements,
imports and a DBA's sqlite3 shell all land in the outbox alike. They read the table's
columns from the database itself (not from the model), so a migration that adds a column
calls :func:`install_outbox_triggers` again and the triggers follow.

While pulled changes are applied, ``sync_applying`` holds a row and the triggers stay
quiet, so changes that came from the server are not sent back to it.
"""

from __future__ import annotations

from sqlalchemy import Connection

#: Tables whose writes never sync (local facts, sync bookkeeping, caches).
QUIET = "NOT EXISTS (SELECT 1 FROM sync_applying)"


def _synced_table_names(conn: Connection) -> list[str]:
    names = []
    for (name,) in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        cols = {row[1] for row in conn.exec_driver_sql(f'PRAGMA table_info("{name}")')}
        if {"id", "updated_at", "written_by", "deleted_at"} <= cols:
            names.append(name)
    return names


def _old_row_json(conn: Connection, table: str, ref: str = "OLD") -> str:
    """``json_object(...)`` of the row, reals as 17-digit text and blobs as hex."""
    parts = []
    for _cid, name, decl, *_ in conn.exec_driver_sql(f'PRAGMA table_info("{table}")'):
        col = f'{ref}."{name}"'
        decl = (decl or "").upper()
        if decl in ("FLOAT", "REAL", "DOUBLE") or decl.startswith("NUMERIC"):
            expr = f"CASE WHEN {col} IS NULL THEN NULL ELSE printf('%!.17g', {col}) END"
        elif decl == "BLOB":
            expr = f"CASE WHEN {col} IS NULL THEN NULL ELSE lower(hex({col})) END"
        else:
            expr = col
        parts.append(f"'{name}', {expr}")
    return f"json_object({', '.join(parts)})"


def _open_entry(table: str, ref: str) -> str:
    return (f"SELECT 1 FROM sync_outbox WHERE tbl = '{table}' AND row_id = {ref}.id "
            "AND change_id IS NULL")


NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def outbox_trigger_sql(conn: Connection, table: str) -> list[str]:
    """CREATE TRIGGER statements for ``table`` (insert, update, delete)."""
    return [
        f"""CREATE TRIGGER sync_{table}_ai AFTER INSERT ON "{table}" WHEN {QUIET} BEGIN
            INSERT OR IGNORE INTO sync_outbox (tbl, row_id, op, at)
            VALUES ('{table}', NEW.id, 'insert', {NOW});
        END""",
        # The first open edit keeps the row as it was (the base of a per-field merge);
        # later edits fold into it, an open insert covers them all.
        f"""CREATE TRIGGER sync_{table}_au AFTER UPDATE ON "{table}" WHEN {QUIET} BEGIN
            INSERT INTO sync_outbox (tbl, row_id, op, base, at)
            SELECT '{table}', NEW.id, 'update', {_old_row_json(conn, table)}, {NOW}
            WHERE NOT EXISTS ({_open_entry(table, 'NEW')});
        END""",
        # Deleting a row the server never saw just forgets its insert.
        f"""CREATE TRIGGER sync_{table}_ad AFTER DELETE ON "{table}" WHEN {QUIET} BEGIN
            UPDATE sync_outbox SET op = 'delete' WHERE tbl = '{table}' AND row_id = OLD.id
                AND change_id IS NULL AND op = 'update';
            INSERT INTO sync_outbox (tbl, row_id, op, base, at)
            SELECT '{table}', OLD.id, 'delete', {_old_row_json(conn, table)}, {NOW}
            WHERE NOT EXISTS ({_open_entry(table, 'OLD')});
            DELETE FROM sync_outbox WHERE tbl = '{table}' AND row_id = OLD.id
                AND change_id IS NULL AND op = 'insert';
        END""",
    ]


def drop_outbox_triggers(conn: Connection) -> None:
    for (name,) in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync\\_%' "
            "ESCAPE '\\'").fetchall():
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')


def install_outbox_triggers(conn: Connection) -> list[str]:
    """(Re)create the outbox triggers of every synced table; returns the tables covered."""
    drop_outbox_triggers(conn)
    tables = _synced_table_names(conn)
    for table in tables:
        for statement in outbox_trigger_sql(conn, table):
            conn.exec_driver_sql(statement)
    return tables


#: History stays append-only for everyone but the sync engine, which must be able to take
#: back a step the office server refused (it is kept in the conflict record).
APPEND_ONLY_TRIGGERS = [
    f"""CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events WHEN {QUIET} BEGIN
        SELECT RAISE(ABORT, 'case_events is append-only: history cannot be changed');
    END""",
    f"""CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events WHEN {QUIET} BEGIN
        SELECT RAISE(ABORT, 'case_events is append-only: history cannot be deleted');
    END""",
]
