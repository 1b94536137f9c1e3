"""The case view: one object holding what the operator is looking at.

The filter panel, the case table, the map, the case panel (detail, history, steps, notes),
the dashboard and the sync views all read it and subscribe to its events; none of them
keeps a copy or calls another. What each event means:

- ``filter``: the operator changed the filter (the mask follows when computed);
- ``mask``: the cases passing the filter, as a boolean mask over the case index's
  positions (``None``: all), with a version the map page echoes back;
- ``subset``: a box on the map narrowed the list to these positions (``None``: ended);
- ``selection``: the selected cases (rowids), from the table or the map;
- ``current``: the case on show (detail, history, steps, notes all show this one);
- ``located``: the case on show, named by id (a new case, one from the due list), now has
  its rowid too: the list can select its row and the map ring it;
- ``role``: who the operator acts as (我的角色): which steps are offered.

Values are set on the GUI thread only; events are delivered synchronously.
"""

from __future__ import annotations

import numpy as np

from xjwc_desktop.core.queries.case_list import CaseFilter
from xjwc_desktop.core.queries.case_ref import CaseRef
from xjwc_desktop.core.workflow.rules import Role
from xjwc_desktop.core.workspace.events import Events


class CaseView:
    """The shared state (see the module docstring)."""

    def __init__(self, role: Role = Role.INTAKE) -> None:
        self.events = Events("filter", "mask", "subset", "selection", "current", "located",
                             "role")
        self.filter = CaseFilter()
        self.mask: np.ndarray | None = None
        self.mask_version = 0
        self.subset: np.ndarray | None = None
        self.selection: tuple[int, ...] = ()
        self.current: CaseRef | None = None
        self.role = role

    # -- the filter and what it gives --
    def set_filter(self, flt: CaseFilter) -> None:
        if flt != self.filter:
            self.filter = flt
            self.events.filter.emit(flt)

    def set_mask(self, mask: np.ndarray | None, *, keep_subset: bool = False) -> int:
        """The cases passing the filter (computed by the case source); returns its version.
        A new filter ends a box subset; the same filter applied again after a write keeps
        it (``keep_subset``)."""
        self.mask = mask
        self.mask_version += 1
        if not keep_subset:
            self.subset = None
        self.events.mask.emit(mask, self.mask_version)
        return self.mask_version

    def set_subset(self, positions: np.ndarray | None) -> None:
        self.subset = None if positions is None else np.asarray(positions, dtype=np.int64)
        self.events.subset.emit(self.subset)

    # -- what the operator points at --
    def select(self, rowids, *, current: CaseRef | None | bool = True) -> None:
        """Select these cases. ``current``: True makes a single selected case the case on
        show; a :class:`CaseRef` shows that one; False leaves the case on show alone."""
        rowids = tuple(int(r) for r in rowids)
        if rowids != self.selection:
            self.selection = rowids
            self.events.selection.emit(rowids)
        if isinstance(current, CaseRef):
            self.show(current)
        elif current is True and len(rowids) == 1:
            self.show(CaseRef(rowids[0]))

    def show(self, ref: CaseRef | None) -> None:
        """Show this case in the case panel (None: none)."""
        if ref is not None and ref.same_case(self.current):
            self.current = self.current.merged(ref)  # the same case, perhaps better known
            return
        if ref is None and self.current is None:
            return
        self.current = ref
        self.events.current.emit(ref)

    def learn(self, ref: CaseRef) -> None:
        """The case panel read the case on show: remember its rowid and id (``located``
        once, when the rowid was not known before)."""
        if ref.same_case(self.current):
            newly = self.current.rowid is None and ref.rowid is not None
            self.current = self.current.merged(ref)
            if newly:
                self.events.located.emit(self.current)

    def clear_selection(self) -> None:
        self.select((), current=False)
        self.show(None)

    def set_role(self, role: Role) -> None:
        if role is not self.role:
            self.role = role
            self.events.role.emit(role)
