"""The cases behind the list and the map: the case index, the filter's mask, the page's data.

It listens to two things and tells the views one:

- the case view's ``filter`` → it computes the mask (at once from the in-memory index, or
  on a reader when a text search must ask SQLite) and sets it on the case view;
- the task manager's ``operation_did_execute`` → when cases changed it reads them (on a
  reader), applies them to the index (quick, on the GUI thread) and emits ``updated``.

An update that only changes cases in place keeps every position: the list redraws those
rows, the map patches those points. The filter is then applied again on a reader: cases
that now match join the list, cases that no longer match leave it — except the ones the
operator has selected or on show, which stay until the filter changes (a step that moves
the case on show out of a filter must not take it from under the operator's hands). One
that adds or removes cases gives a *new* index (views still holding the old one stay
consistent) and a new mask, which the list and the map take as a whole. Updates are
applied in the order the writes happened: one read at a time, later changes merged while
one is in flight.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from xjwc_desktop.core import clock
from xjwc_desktop.core.changes import NOTHING, Changes
from xjwc_desktop.core.queries import case_index_copy, map_layers
from xjwc_desktop.core.queries.case_columns import Reference, load_reference
from xjwc_desktop.core.queries.case_index import CaseIndex, IndexChange, PendingUpdate
from xjwc_desktop.core.queries.case_list import CaseFilter
from xjwc_desktop.core.workspace.case_view import CaseView
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

FULL_RELOAD = 20_000  # more changed cases than this: read the whole index again


@dataclasses.dataclass(frozen=True)
class CasesUpdated:
    """What an applied write did to the cases the views show."""

    index: CaseIndex  # the index now (a new object when positions shifted)
    change: IndexChange
    changes: Changes  # as announced


class QtCaseSource(QObject):
    """Owns the case index (see the module docstring)."""

    loaded = Signal(object)  # CaseIndex, the first time
    updated = Signal(object)  # CasesUpdated
    searching = Signal(bool)  # a text search runs in the background
    failed = Signal(str)

    def __init__(self, tasks: QtTaskManager, view: CaseView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.view = view
        self.index: CaseIndex | None = None
        #: How the first index was made ("read whole", "copy + N cases re-read").
        self.how_loaded = ""
        self.reference: Reference | None = None
        self.display = "wgs84"
        self._buffer: tuple[tuple, bytes, np.ndarray, np.ndarray] | None = None
        self._lights: tuple[tuple, bytes] | None = None
        self._updating = False
        self._waiting: Changes = NOTHING
        #: The order the list shows (it says when the operator sorts): a new index comes
        #: with it sorted on the reader, never on the GUI thread.
        self.sort_key = "reported_at"
        view.events.filter.connect(self._on_filter)
        tasks.operation_did_execute.connect(self._on_changes)

    # -- loading --
    def start(self, first_sort: str) -> None:
        """Load the index and what the list and the page need first, off the GUI thread."""
        display = self.display
        self.sort_key = first_sort

        def load(db):
            loaded = case_index_copy.load(db)
            index = loaded.index
            index.orders.get(first_sort)
            data, x, y = map_layers.case_buffer(index, display)
            return loaded, ((id(index), index.version, display), data, x, y)

        self.tasks.read(load, self._loaded, on_error=self._failed)

    def _loaded(self, result) -> None:
        loaded, buffer = result
        index = loaded.index
        self.index, self.reference = index, index.reference
        self.how_loaded = loaded.describe
        self._buffer = buffer if buffer[0][2] == self.display else None
        self.loaded.emit(index)
        self._on_filter(self.view.filter)
        self._keep_copy(loaded)

    def _keep_copy(self, loaded: case_index_copy.Loaded) -> None:
        """Save the index's copy for the next start (on a reader, after the first view),
        then let the log of written cases forget what the copy holds."""
        seq = loaded.save_at
        if seq is None:
            return
        index, tasks = loaded.index, self.tasks

        def saved(path) -> None:
            if path is not None:
                tasks.write(lambda db: case_index_copy.prune_log(db, seq))

        tasks.read(lambda db: case_index_copy.save(db, index, seq), saved)

    def prefetch_text(self) -> None:
        """Start loading the keyword search's texts in the background (once; seconds of
        reading at a million cases). Until they are in, a search asks SQLite."""
        if self.index is not None:
            self.index.prefetch_text()

    def shutdown(self) -> None:
        """The window is closing: stop loading the search texts (a million cases' take a
        second or two), so the database closes with no connection left on it."""
        if self.index is not None:
            self.index.texts.close()

    def load_reference(self, on_done: Callable[[Reference], None]) -> None:
        self.tasks.read(lambda db: _read_reference(db), on_done)

    def _failed(self, exc: BaseException) -> None:
        self.failed.emit(f"{type(exc).__name__}: {exc}")

    # -- the filter --
    def _on_filter(self, flt: CaseFilter) -> None:
        index = self.index
        if index is None:
            return  # applied when the index arrives
        sort_key = self.sort_key
        searching = bool(flt.text.strip()) and not index.has_text(flt.text)
        if not searching and index.orders.cached(sort_key):
            self.tasks.supersede("mask")
            self.searching.emit(False)
            self.view.set_mask(index.mask(flt))
            return
        # A text search asks SQLite; an order a write made stale is a sort of every case:
        # both on a reader.
        self.searching.emit(searching)

        def done(mask: np.ndarray) -> None:
            self.searching.emit(False)
            if index is self.index and flt == self.view.filter:
                self.view.set_mask(mask)

        self.tasks.read(lambda _db: _sorted_mask(index, flt, sort_key), done, key="mask",
                        on_error=self._failed)

    # -- writes --
    def _on_changes(self, changes: Changes, _initiator) -> None:
        if self.index is None or not changes.touches_cases:
            return
        self._waiting = self._waiting | changes
        if not self._updating:
            self._fetch()

    def _fetch(self) -> None:
        changes, self._waiting = self._waiting, NOTHING
        index = self.index
        everything = changes.everything or len(changes.case_ids) > FULL_RELOAD
        ids = list(changes.case_ids)
        if not ids and not everything:
            return  # children whose case is unknown: nothing in the index changes
        self._updating = True
        flt, sort_key = self.view.filter, self.sort_key

        def read(db):
            if everything:
                pending = PendingUpdate(np.zeros(0, dtype=np.int64), None,
                                        case_index_copy.load(db).index)
            else:
                pending = index.fetch_update(case_ids=ids)
            if not index.plan(pending):
                return pending, None  # worked out here; assigned on the GUI thread
            # Cases came or went: the new index, its sort order and its mask are made
            # here (a copy of a million rows, a sort, a filter: a stall on the GUI thread).
            new, change = index.with_update(pending)
            return pending, (new, change, flt, _sorted_mask(new, flt, sort_key))

        self.tasks.read(read, lambda got: self._apply(index, *got, changes),
                        on_error=self._update_failed)

    def _apply(self, index: CaseIndex, pending, made, changes: Changes) -> None:
        self._updating = False
        if index is not self.index:
            return
        new, change, flt, mask = made or (*index.with_update(pending), None, None)
        self.index, self.reference = new, new.reference
        self._buffer = None
        self._lights = None
        self.updated.emit(CasesUpdated(new, change, changes))
        if not change.positions_shifted:
            self._refilter(new)
        elif mask is not None and flt == self.view.filter:
            self.tasks.supersede("mask")
            self.view.set_mask(mask)  # the filter over the new positions, made on the reader
        else:
            self._on_filter(self.view.filter)
        if self._waiting:
            self._fetch()

    def _refilter(self, index: CaseIndex) -> None:
        """After cases changed in place: the filter again, keeping the operator's cases."""
        flt, old = self.view.filter, self.view.mask
        if old is None or old.all() and flt == CaseFilter():
            return  # no filter: every case is listed whatever it became
        keep = self._held_positions(index)
        sort_key = self.sort_key

        def done(mask: np.ndarray) -> None:
            if index is not self.index or flt != self.view.filter or mask.size != old.size:
                return
            mask = mask.copy()
            mask[keep] |= old[keep]
            if not np.array_equal(mask, self.view.mask):
                self.view.set_mask(mask, keep_subset=True)

        self.tasks.read(lambda _db: _sorted_mask(index, flt, sort_key), done, key="mask",
                        on_error=self._failed)

    def _held_positions(self, index: CaseIndex) -> np.ndarray:
        rowids = list(self.view.selection)
        if self.view.current is not None and self.view.current.rowid is not None:
            rowids.append(self.view.current.rowid)
        pos = index.positions_of(rowids) if rowids else np.zeros(0, dtype=np.int64)
        return pos[pos >= 0]

    def _update_failed(self, exc: BaseException) -> None:
        self._updating = False
        self._failed(exc)

    # -- what the page fetches --
    def set_display(self, display: str) -> None:
        if display != self.display:
            self.display = display
            self._buffer = None

    def keep_buffer(self, index: CaseIndex, display: str, data: bytes, x: np.ndarray,
                    y: np.ndarray) -> None:
        """A case buffer made on a reader for this index (the page asked for it)."""
        self._buffer = ((id(index), index.version, display), data, x, y)

    def case_buffer(self) -> tuple[bytes, np.ndarray, np.ndarray]:
        index = self.index
        key = (id(index), index.version, self.display)
        if self._buffer is None or self._buffer[0] != key:
            data, x, y = map_layers.case_buffer(index, self.display)
            self._buffer = (key, data, x, y)
        return self._buffer[1], self._buffer[2], self._buffer[3]

    def mask_bytes(self) -> bytes:
        mask = self.view.mask
        if mask is None or mask.size != len(self.index):
            mask = np.ones(len(self.index), dtype=bool)
        return map_layers.mask_buffer(mask)

    def lights_bytes(self) -> bytes:
        index = self.index
        key = (id(index), index.version)
        if self._lights is None or self._lights[0] != key:
            self._lights = (key, map_layers.lights_buffer(index, clock.now()))
        return self._lights[1]

    def box_positions(self, box: tuple[int, int, int, int]) -> np.ndarray:
        _, x, y = self.case_buffer()
        mask = self.view.mask
        if mask is None or mask.size != x.size:
            mask = np.ones(x.size, dtype=bool)
        return map_layers.positions_in_box(x, y, mask, box)


def _sorted_mask(index: CaseIndex, flt: CaseFilter, sort_key: str) -> np.ndarray:
    """On a reader: the filter's mask, with the list's order made ready beside it (a sort of
    every case, or SQL for a text column) so the list shows the mask at once."""
    index.orders.get(sort_key)
    return index.mask(flt)


def _read_reference(db) -> Reference:
    with db.reading() as conn:
        return load_reference(conn)

