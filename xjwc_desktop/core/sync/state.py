"""What a workstation remembers about its sync, kept in ``local_meta`` (never synced).

All of it is written in the same transactions as the data it describes: the pull cursor
with the rows it covers, ``pushed_through`` with the acknowledgements.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from xjwc_desktop.core.sync.schema import synced_tables

PREFIX = "sync."


def get(conn: Connection, key: str, default: str | None = None) -> str | None:
    value = conn.execute(text("SELECT value FROM local_meta WHERE key = :k"),
                         {"k": PREFIX + key}).scalar()
    return default if value is None else value


def put(conn: Connection, key: str, value: object | None) -> None:
    if value is None:
        conn.execute(text("DELETE FROM local_meta WHERE key = :k"), {"k": PREFIX + key})
        return
    conn.execute(text("INSERT INTO local_meta (key, value) VALUES (:k, :v) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
                 {"k": PREFIX + key, "v": str(value)})


def get_int(conn: Connection, key: str) -> int:
    return int(get(conn, key, "0") or 0)


def workstation_id(conn: Connection) -> str:
    return conn.execute(text("SELECT value FROM local_meta WHERE key = 'workstation_id'"))\
        .scalar_one()


def device_no(conn: Connection) -> int:
    """This workstation's number at the office server (0 before its first sync)."""
    return get_int(conn, "device_no")


def has_synced_rows(conn: Connection) -> bool:
    return any(conn.execute(text(f'SELECT 1 FROM "{t.name}" LIMIT 1')).first()
               for t in synced_tables())


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows: where we sync to, when it last worked, what waits."""

    server: str | None
    last_sync_at: str | None
    last_error: str | None
    pending: int
    open_conflicts: int
    offline: bool

    @property
    def configured(self) -> bool:
        return self.server is not None


def read_status(conn: Connection) -> SyncStatus:
    pending = conn.execute(text("SELECT count(*) FROM sync_outbox")).scalar_one()
    conflicts = conn.execute(text(
        "SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL AND deleted_at IS NULL"))\
        .scalar_one()
    error = get(conn, "last_error")
    return SyncStatus(server=get(conn, "server_url"), last_sync_at=get(conn, "last_sync_at"),
                      last_error=error, pending=pending, open_conflicts=conflicts,
                      offline=get(conn, "offline") == "1")
