"""How views point at a case: by rowid, by id, or both."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseRef:
    """A case as the views point at it: by rowid (index, table, map), by id (database,
    operations, conflicts, the due list) or both once the case panel has read it."""

    rowid: int | None = None
    case_id: str | None = None

    def same_case(self, other: CaseRef | None) -> bool:
        if other is None:
            return False
        return (self.rowid is not None and self.rowid == other.rowid) or (
            self.case_id is not None and self.case_id == other.case_id)

    def merged(self, other: CaseRef) -> CaseRef:
        return CaseRef(self.rowid if self.rowid is not None else other.rowid,
                       self.case_id or other.case_id)
