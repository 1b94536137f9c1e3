"""Writes that come from sync: resolving a conflict record, the server settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from xjwc_desktop.core.changes import CASE_CHILDREN, Changes
from xjwc_desktop.core.model import SyncConflict
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.sync import credentials, state
from xjwc_desktop.core.sync.conflicts import resolve_conflict
from xjwc_desktop.core.workflow import Actor


@dataclass(frozen=True)
class Resolved:
    message: str
    changes: Changes


def resolve(db: Database, conflict_id: str, choice: str, actor: Actor) -> Resolved:
    """Carry out an operator's choice on a conflict record (保留现值, 采用此值, ...)."""
    with db.write() as s:
        record = s.get(SyncConflict, conflict_id)
        table, row_id = (record.tbl, record.row_id) if record is not None else (None, None)
        message = resolve_conflict(s, conflict_id, choice, actor=actor,
                                   workstation_id=db.workstation_id)
        changes = Changes.of_tables("sync_conflicts")
        if table == "cases":
            changes |= Changes.of_cases(changed=[row_id], tables=("cases", "case_events"))
        elif table in CASE_CHILDREN:
            case_id = s.execute(text(f'SELECT case_id FROM "{table}" WHERE id = :i'),
                                {"i": row_id}).scalar()
            changes |= Changes.of_cases(changed=[case_id] if case_id else [], tables=(table,))
        elif table is not None:
            changes |= Changes.of_tables(table)
        return Resolved(message, changes)


@dataclass(frozen=True)
class ServerSettings:
    """The office server this workstation syncs with, as the settings dialog shows it."""

    url: str | None
    ca_cert: str | None
    token_saved: bool


def server_settings(db: Database) -> ServerSettings:
    """Read the server address, the CA file and whether a token is kept (keyring: slow)."""
    with db.reading() as conn:
        url, ca = state.get(conn, "server_url"), state.get(conn, "ca_cert")
    saved = bool(url) and credentials.load_token(url.rstrip("/"), db.workstation_id) is not None
    return ServerSettings(url, ca, saved)


@dataclass(frozen=True)
class ServerSaved:
    changes: Changes = Changes.of_tables("sync_state")


def save_server_settings(db: Database, url: str, token: str | None,
                         ca_cert: str | None) -> ServerSaved:
    """Remember the server (and CA) in the database and the token where tokens go
    (the keyring or a private file, never the database, which gets copied around)."""
    with db.write() as s:
        conn = s.connection()
        state.put(conn, "server_url", url)
        state.put(conn, "ca_cert", str(Path(ca_cert).resolve()) if ca_cert else None)
    if token:
        credentials.save_token(url, db.workstation_id, token)
    return ServerSaved()
