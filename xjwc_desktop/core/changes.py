"""What a write changed: one record returned by every write path (Anki's ``OpChanges``).

A workflow step, an intake, a duplicate link, a note or photo, a bulk step, an import, a
category edit, a conflict resolution and each applied sync pull all return a
:class:`Changes`. The GUI announces it once (``operation_did_execute``) and every view
decides for itself what to redraw from it — the list redraws the changed rows, the map
patches the changed points, the case panel reloads the case on show if it is among them,
the dashboard refreshes if cases changed at all. No view refreshes another by hand.

Case ids are the cases whose own row *or* whose history, notes or photos changed, so a
panel showing a case needs to look at one set. ``everything`` says "too many to list"
(a large import or pull): views reload wholesale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace

#: Tables whose rows belong to one case (their rows carry ``case_id``).
CASE_CHILDREN = frozenset({"case_events", "case_notes", "case_attachments"})
#: The registers drawn as map layers.
REGISTERS = frozenset({"illegal_structures", "census_records", "bike_stations", "compounds"})
#: Reference lists that coded columns point into (filter lists, forms, the case index).
REFERENCE = frozenset({"categories", "departments", "inspectors", "patrol_zones",
                       "unit_grids"})
#: Workstation settings and sync bookkeeping (server address, last sync, counts).
SETTINGS = frozenset({"sync_state", "local_meta"})
CONFLICTS = frozenset({"sync_conflicts"})


@dataclass(frozen=True)
class Changes:
    """What one write changed (see the module docstring). Combine two with ``|``."""

    tables: frozenset[str] = frozenset()
    cases_added: frozenset[str] = frozenset()
    cases_changed: frozenset[str] = frozenset()
    cases_removed: frozenset[str] = frozenset()
    #: A case's position changed, or cases came or went: the map's points move.
    positions_moved: bool = False
    #: Too many to list: every view reloads what it shows.
    everything: bool = False
    #: Free-form facts a single view may want (e.g. ``{"note"}``), never required.
    hints: frozenset[str] = field(default=frozenset())

    # -- building --
    @classmethod
    def of_cases(cls, *, added: Iterable[str] = (), changed: Iterable[str] = (),
                 removed: Iterable[str] = (), tables: Iterable[str] = ("cases",),
                 moved: bool = False, hints: Iterable[str] = ()) -> Changes:
        added, removed = frozenset(added), frozenset(removed)
        return cls(tables=frozenset(tables), cases_added=added,
                   cases_changed=frozenset(changed) - added - removed, cases_removed=removed,
                   positions_moved=moved or bool(added or removed), hints=frozenset(hints))

    @classmethod
    def of_tables(cls, *tables: str, hints: Iterable[str] = ()) -> Changes:
        return cls(tables=frozenset(tables), hints=frozenset(hints))

    @classmethod
    def of_everything(cls, *tables: str) -> Changes:
        return cls(tables=frozenset(tables), positions_moved=True, everything=True)

    @classmethod
    def of_rows(cls, rows: Mapping[str, Iterable[str]],
                case_of_child: Mapping[str, str] | None = None,
                *, limit: int | None = None) -> Changes:
        """From ``{table: row ids}`` (a sync pull): the ids of changed cases, and of the cases
        whose children changed when ``case_of_child`` maps those rows to their case.
        With more case ids than ``limit``, says ``everything`` instead of listing them."""
        tables = frozenset(t for t, ids in rows.items() if ids)
        case_ids = set(rows.get("cases", ()))
        case_of_child = case_of_child or {}
        children_known = True
        for table in CASE_CHILDREN & tables:
            for row_id in rows[table]:
                case_id = case_of_child.get(row_id)
                if case_id is None:
                    children_known = False
                else:
                    case_ids.add(case_id)
        many = limit is not None and len(case_ids) > limit
        return cls(tables=tables, cases_changed=frozenset() if many else frozenset(case_ids),
                   positions_moved=bool(case_ids) or many, everything=many,
                   hints=frozenset() if children_known else frozenset({"children_unknown"}))

    # -- reading --
    @property
    def case_ids(self) -> frozenset[str]:
        """Every case this write touched (its row or its history, notes, photos)."""
        return self.cases_added | self.cases_changed | self.cases_removed

    @property
    def touches_cases(self) -> bool:
        return self.everything or bool(self.case_ids) or bool(self.tables & ({"cases"}
                                                                               | CASE_CHILDREN))

    @property
    def registers(self) -> bool:
        return bool(self.tables & REGISTERS)

    @property
    def reference(self) -> bool:
        """Categories, departments, inspectors, zones or grids changed."""
        return bool(self.tables & REFERENCE)

    @property
    def settings(self) -> bool:
        return bool(self.tables & SETTINGS)

    @property
    def conflicts(self) -> bool:
        return bool(self.tables & CONFLICTS)

    def touches_case(self, case_id: str | None) -> bool:
        """Whether the case ``case_id`` (its row or its children) may have changed."""
        if case_id is None:
            return False
        if self.everything or case_id in self.case_ids:
            return True
        # Children whose case is not known: any case may be concerned.
        return "children_unknown" in self.hints and bool(self.tables & CASE_CHILDREN)

    def __bool__(self) -> bool:
        return bool(self.tables or self.case_ids or self.everything or self.positions_moved)

    def __or__(self, other: Changes) -> Changes:
        if not isinstance(other, Changes):
            return NotImplemented
        merged = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            merged[f.name] = a or b if isinstance(a, bool) else a | b
        out = Changes(**merged)
        # A case added then changed stays "added"; removed wins over both.
        return replace(out, cases_changed=out.cases_changed - out.cases_added - out.cases_removed,
                       cases_added=out.cases_added - out.cases_removed)


NOTHING = Changes()


def changes_of(result: object) -> Changes:
    """The :class:`Changes` a write returned: the result itself, or its ``changes``."""
    if isinstance(result, Changes):
        return result
    found = getattr(result, "changes", None)
    if isinstance(found, Changes):
        return found
    if isinstance(result, list | tuple):
        out = NOTHING
        for item in result:
            out = out | changes_of(item)
        return out
    return NOTHING
