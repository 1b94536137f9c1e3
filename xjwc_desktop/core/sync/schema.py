"""Which tables sync, in which order, and what kind of value each column holds.

The order is the foreign-key order of the model (parents first), so a workstation that
applies changes table by table never inserts a row before the row it points to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

from sqlalchemy import Boolean, Date, DateTime, Enum, Float, Integer, LargeBinary, Table

from xjwc_desktop.core.model import Base, Case, SyncedMixin
from xjwc_desktop.core.model.base import max_length
from xjwc_desktop.core.model.sync import SyncConflict

#: Columns every synced row carries that say who wrote it when, never compared for conflicts.
BOOKKEEPING = frozenset({"id", "created_at", "updated_at", "written_by"})

#: The columns a workflow step writes together (core/workflow/engine.py). They merge as one
#: unit: two steps taken on one case from the same state are a conflict, never a blend of
#: two histories (a dispatched case with a void date, say).
CASE_WORKFLOW = frozenset({
    "status", "registered_at", "dispatched_at", "handled_at", "verified_at", "closed_at",
    "voided_at", "suspended_at", "suspended_from", "deadline_at", "extension_hours",
    "extension_requested_hours", "paused_minutes", "rework_count", "escalated",
    "department_id", "duplicate_of_id",
})

#: Value kinds on the wire (see codec.py).
TEXT, REAL, INT, BOOL, DATETIME, DATE, BLOB = "text", "real", "int", "bool", "datetime", \
    "date", "blob"


@dataclass(frozen=True)
class SyncedTable:
    name: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    table: Table

    @cached_property
    def kind_of(self) -> dict[str, str]:
        return dict(zip(self.columns, self.kinds, strict=True))

    @cached_property
    def lengths(self) -> dict[str, int]:
        """Characters each text column may hold (the model's, the same on every database)."""
        return {str(c.name): n for c in self.table.columns
                if (n := max_length(c)) is not None}

    @cached_property
    def required(self) -> frozenset[str]:
        """Columns that may not be NULL."""
        return frozenset(str(c.name) for c in self.table.columns if not c.nullable)

    @cached_property
    def choices(self) -> dict[str, frozenset[str]]:
        """The codes an enum column may hold."""
        return {str(c.name): frozenset(c.type.enums) for c in self.table.columns
                if isinstance(c.type, Enum)}

    def groups(self) -> list[frozenset[str]]:
        """Sets of columns that merge together: the workflow unit, then one per column."""
        return list(self._groups)

    @cached_property
    def _groups(self) -> tuple[frozenset[str], ...]:
        rest = [c for c in self.columns if c not in BOOKKEEPING]
        if self.name == Case.__tablename__:
            return (CASE_WORKFLOW, *(frozenset({c}) for c in rest if c not in CASE_WORKFLOW))
        return tuple(frozenset({c}) for c in rest)

    @cached_property
    def _group_index(self) -> dict[str, int]:
        return {c: n for n, group in enumerate(self._groups) for c in group}

    def groups_touching(self, columns) -> list[frozenset[str]]:
        """The groups holding any of ``columns``, in the order of :meth:`groups` (a push
        of 200 one-field edits of cases looked at 40 groups per edit)."""
        index = self._group_index
        return [self._groups[n] for n in sorted({index[c] for c in columns if c in index})]


def _kind(column) -> str:
    t = column.type
    if isinstance(t, Boolean):
        return BOOL
    if isinstance(t, DateTime):
        return DATETIME
    if isinstance(t, Date):
        return DATE
    if isinstance(t, Float):
        return REAL
    if isinstance(t, Integer):
        return INT
    if isinstance(t, LargeBinary):
        return BLOB
    return TEXT


@cache
def synced_tables() -> tuple[SyncedTable, ...]:
    """Every synced table, parents before children."""
    mixin_tables = {m.class_.__tablename__ for m in Base.registry.mappers
                    if issubclass(m.class_, SyncedMixin)}
    out = []
    for table in Base.metadata.sorted_tables:
        if table.name not in mixin_tables:
            continue
        # Plain str, not SQLAlchemy's quoted_name: orjson takes no str subclass as a key.
        cols = tuple(str(c.name) for c in table.columns)
        out.append(SyncedTable(str(table.name), cols, tuple(_kind(c) for c in table.columns),
                               table))
    # Conflict records point at rows of every other table: they come last.
    out.sort(key=lambda t: t.name == SyncConflict.__tablename__)
    return tuple(out)


@cache
def synced_table(name: str) -> SyncedTable:
    for t in synced_tables():
        if t.name == name:
            return t
    raise KeyError(name)


def is_synced(name: str) -> bool:
    return name in _synced_names()


@cache
def _synced_names() -> frozenset[str]:
    return frozenset(t.name for t in synced_tables())
