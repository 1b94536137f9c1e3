"""Writes that come from sync: resolving a conflict record."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from xjwc_desktop.core.changes import CASE_CHILDREN, Changes
from xjwc_desktop.core.model import SyncConflict
from xjwc_desktop.core.storage.database import Database
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
