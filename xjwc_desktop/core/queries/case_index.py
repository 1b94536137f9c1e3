"""Every live case in memory as numpy columns: filters in milliseconds, sorts precomputed.

The map and the case list both show "the cases that pass the filter". Asking SQLite for
them on every click re-reads a million rows (seconds); this index reads them once (about a
second, off the GUI thread) and answers a filter with a boolean mask over its columns and a
sort with a precomputed permutation, both in milliseconds. Text search scans the four
texts held apart in memory (:mod:`case_search`, loaded once, after the columns) and is
intersected.

Positions (0..n-1) are in rowid order, so ``rowid[position]`` is sorted and
:meth:`CaseIndex.positions_of` is a binary search. Writes keep the index current through
:meth:`CaseIndex.apply_changes` (the rows a write touched) or :meth:`CaseIndex.refresh`.

The columns are read and coded by :mod:`case_columns` (about 1 s for a million cases,
nearly all of it inside SQLite with the GIL released; Python tuples cost 3 s).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Engine

from xjwc_desktop.core.queries.case_columns import (
    CORE_FIELDS,
    TIMING_FIELDS,
    Reference,
    load_reference,
    read_columns,
)
from xjwc_desktop.core.queries.case_filter_mask import filter_mask
from xjwc_desktop.core.queries.case_list import CaseFilter
from xjwc_desktop.core.queries.case_order import SortOrders
from xjwc_desktop.core.queries.case_search import TextSearch


def _same(old: np.ndarray, new: np.ndarray) -> bool:
    """Equal values, NaN equal to NaN (a float column's "none")."""
    return bool(np.array_equal(old, new, equal_nan=old.dtype.kind == "f"))


@dataclass
class IndexChange:
    """What :meth:`CaseIndex.apply_update` did (positions shift when rows come or go)."""

    updated: int = 0
    inserted: int = 0
    deleted: int = 0
    #: Positions (after the change) of the cases updated in place.
    positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: An updated case's position (lon/lat) changed.
    moved: bool = False
    #: Everything was read again (new reference rows, or cases that vanished).
    reloaded: bool = False

    @property
    def positions_shifted(self) -> bool:
        return bool(self.inserted or self.deleted or self.reloaded)


@dataclass(frozen=True)
class InPlace:
    """An update that moves no position, worked out on a reader (:meth:`CaseIndex.plan`):
    all the GUI thread has left to do is assign the changed columns at these positions."""

    version: int  # the index's version it was worked out against
    columns: frozenset[str]  # the index's columns then
    at: np.ndarray  # positions of the fresh rows
    changed: frozenset[str]  # columns whose values differ
    moved: bool  # lon or lat changed

    def fits(self, index: CaseIndex) -> bool:
        """Still valid: nothing changed the index since (one update is applied at a time,
        but a reader may have added the timing columns meanwhile)."""
        return self.version == index.version and self.columns == frozenset(index.cols)


@dataclass
class PendingUpdate:
    """Rows read for an update (:meth:`CaseIndex.fetch_update`), not yet applied."""

    rowids: np.ndarray
    fresh: dict[str, np.ndarray] | None  # None: reload everything
    reloaded: CaseIndex | None = None
    in_place: InPlace | None = None  # worked out on a reader by CaseIndex.plan


@dataclass
class CaseIndex:
    """The live cases as columns (see the module docstring)."""

    engine: Engine
    reference: Reference
    cols: dict[str, np.ndarray]
    version: int = 0
    orders: SortOrders = field(init=False)
    texts: TextSearch = field(init=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)
    _text_cache: dict[tuple[int, str], np.ndarray] = field(default_factory=dict, init=False,
                                                           repr=False)
    _block_map: tuple[tuple[int, int], np.ndarray] | None = field(default=None, init=False,
                                                                  repr=False)

    def __post_init__(self) -> None:
        self.orders = SortOrders(self)
        self.texts = TextSearch(self.engine)

    @classmethod
    def load(cls, engine: Engine) -> CaseIndex:
        """Read every live case (about a second for a million; safe in a worker thread)."""
        with engine.connect() as conn:
            ref = load_reference(conn)
            cols = read_columns(conn, ref)
        return cls(engine, ref, cols)

    def __len__(self) -> int:
        return int(self.cols["rowid"].size)

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("cols")
        if cols is not None and name in cols:
            return cols[name]
        raise AttributeError(name)

    # -- reading --
    def mask(self, flt: CaseFilter) -> np.ndarray:
        """Boolean mask over positions of the cases passing ``flt`` (text through SQL)."""
        # The text search runs without the lock: loading the texts (a second, once) on one
        # thread must not hold up a status click on another.
        found = self.text_positions(flt.text) if flt.text.strip() else None
        with self._lock:
            m = filter_mask(self, flt)
            if found is not None:
                hits = np.zeros(len(self), dtype=bool)
                hits[found[found < len(self)]] = True
                m &= hits
            return m

    def text_positions(self, text: str) -> np.ndarray:
        """Positions of the cases whose number, address or description contain ``text``
        (as ``CaseFilter.where()``'s ``LIKE`` finds them)."""
        text = text.strip()
        with self._lock:
            cached = self._text_cache.get((self.version, text))
        if cached is not None:
            return cached
        found = self.texts.find(text)
        with self._lock:  # positions as of now: rows may have come or gone meanwhile
            if found is None:
                pos = self.positions_of(self._like_rowids(text))
            else:
                base, indices, extra = found
                pos = np.concatenate([self._positions_in(base, indices),
                                      self.positions_of(extra)])
            hit = np.zeros(len(self), dtype=bool)
            hit[pos[pos >= 0]] = True
            positions = np.flatnonzero(hit)
            if len(self._text_cache) > 16:
                self._text_cache.clear()
            self._text_cache[(self.version, text)] = positions
        return positions

    def _positions_in(self, block, indices: np.ndarray) -> np.ndarray:
        """Positions of cases ``indices`` of a text block: through a map of the whole block
        (kept until the index changes) when many, else looked up one by one."""
        if indices.size < len(block) // 8:
            return self.positions_of(block.rowids[indices])
        key = (self.version, id(block))
        if self._block_map is None or self._block_map[0] != key:
            ids = self.cols["rowid"]
            same = ids.size == block.rowids.size and np.array_equal(ids, block.rowids)
            self._block_map = (key, np.arange(ids.size) if same else
                               self.positions_of(block.rowids))
        return self._block_map[1][indices]

    def prefetch_text(self) -> None:
        """Start loading the texts for keyword search in the background (a second at a
        million cases), so that the first search does not wait for it."""
        self.texts.prefetch()

    def _like_rowids(self, text: str) -> np.ndarray:
        """The SQL reference (and the path for what the in-memory search leaves to it)."""
        from xjwc_desktop.core.queries.case_list import TEXT_COLUMNS, like_pattern

        where = " OR ".join(f"{c} LIKE ?1 ESCAPE '\\'" for c in TEXT_COLUMNS)
        with self.engine.connect() as conn:
            hexed = conn.exec_driver_sql(
                "SELECT group_concat(printf('%08x', c.rowid), '') FROM cases c "
                f"WHERE c.deleted_at IS NULL AND ({where})", (like_pattern(text),)).scalar()
        return np.frombuffer(bytes.fromhex(hexed or ""), ">u4").astype(np.int64)

    def has_text(self, text: str) -> bool:
        """Whether a text search for ``text`` is cached (a mask with it is then instant)."""
        return (self.version, text.strip()) in self._text_cache

    def positions_of(self, rowids) -> np.ndarray:
        """Positions of ``rowids`` (-1 where a rowid is not a live case)."""
        rowids = np.asarray(rowids, dtype=np.int64)
        all_ids = self.cols["rowid"]
        pos = np.searchsorted(all_ids, rowids)
        pos = np.minimum(pos, max(all_ids.size - 1, 0))
        found = (all_ids.size > 0) & (all_ids[pos] == rowids) if all_ids.size else \
            np.zeros(rowids.shape, bool)
        return np.where(found, pos, -1)

    def ordered(self, mask: np.ndarray, sort_key: str = "reported_at",
                descending: bool = True) -> np.ndarray:
        """Positions passing ``mask`` in display order (ties by rowid, same direction)."""
        with self._lock:
            perm = self.orders.get(sort_key)
        if descending:
            perm = perm[::-1]
        return perm[mask[perm]]

    def traffic_lights(self, now: dt.datetime) -> np.ndarray:
        """Deadline light of every case (``case_lights.LIGHT_*``) as of ``now``."""
        self.ensure_timing()
        return self.lights_at(slice(None), now)

    def lights_at(self, positions, now: dt.datetime) -> np.ndarray | None:
        """Deadline lights of the cases at ``positions`` as of ``now``; None while the
        timing columns are not loaded (reading them is :meth:`ensure_timing`'s, off the
        GUI thread)."""
        from xjwc_desktop.core.queries.case_lights import traffic_lights

        cols = self.cols
        if "handled" not in cols:
            return None
        return traffic_lights(cols["status"][positions], cols["registered"][positions],
                              cols["handled"][positions], cols["deadline"][positions], now)

    def ensure_timing(self) -> None:
        """Read the registration and handling times if not yet loaded (lights need them)."""
        if "handled" in self.cols:
            return
        with self.engine.connect() as conn:
            extra = read_columns(conn, self.reference, names=TIMING_FIELDS)
        with self._lock:
            if np.array_equal(extra["rowid"], self.cols["rowid"]):
                self.cols = {**self.cols, **{k: extra[k] for k in TIMING_FIELDS[1:]}}
            else:  # cases came or went in between: read everything again, consistently
                self.refresh(names=CORE_FIELDS + TIMING_FIELDS[1:])

    # -- keeping current --
    def refresh(self, names: tuple[str, ...] | None = None) -> None:
        """Re-read everything (after an import or a sync touched many rows)."""
        with self.engine.connect() as conn:
            ref = load_reference(conn)
            cols = read_columns(conn, ref, names=names or tuple(self.cols))
        with self._lock:
            self.reference, self.cols = ref, cols
            self._changed()
        self.texts.invalidate()

    def apply_changes(self, rowids) -> IndexChange:
        """Re-read the cases a write touched: updated in place, new ones inserted, deleted
        (or soft-deleted) ones removed. Categories or departments new since loading mean a
        full :meth:`refresh`."""
        return self.apply_update(self.fetch_update(rowids=rowids))

    def fetch_update(self, *, rowids=None, case_ids=None) -> PendingUpdate:
        """Read what changed (safe on a worker thread; the index itself is not touched).

        By ``rowids``, or by ``case_ids``: cases no longer in the database (taken back by
        the office server) cannot be found by id, so then everything is read again."""
        with self.engine.connect() as conn:
            if case_ids is not None:
                ids = list(case_ids)
                found: list[int] = []
                for start in range(0, len(ids), 500):
                    part = ids[start:start + 500]
                    found += [r for (r,) in conn.exec_driver_sql(
                        f"SELECT rowid FROM cases WHERE id IN ({','.join('?' * len(part))})",
                        tuple(part))]
                rowids = found
                vanished = len(found) < len(ids)
            else:
                vanished = False
            rowids = np.unique(np.asarray(rowids, dtype=np.int64))
            if vanished or load_reference(conn) != self.reference:
                ref = load_reference(conn)
                cols = read_columns(conn, ref, names=tuple(self.cols))
                reloaded = CaseIndex(self.engine, ref, cols)
                reloaded.texts = self.texts  # loaded again, in the background if it was
                self.texts.invalidate()
                return PendingUpdate(rowids, None, reloaded)
            fresh = read_columns(conn, self.reference, rowids, names=tuple(self.cols)) \
                if rowids.size else None
            if rowids.size:
                self.texts.note_written(conn, rowids)  # keyword search sees the write too
        return PendingUpdate(rowids, fresh)

    def shifts(self, update: PendingUpdate) -> bool:
        """Whether applying ``update`` moves positions (cases come or go)."""
        if update.reloaded is not None:
            return True
        if update.fresh is None:
            return False
        pos = self.positions_of(update.rowids)
        live = np.isin(update.rowids, update.fresh["rowid"])
        return bool(np.any((pos >= 0) & ~live) or np.any(self.positions_of(
            update.fresh["rowid"]) < 0))

    def plan(self, update: PendingUpdate) -> bool:
        """On a reader: whether applying ``update`` shifts positions; if it does not, work
        out what changes (``update.in_place``), so that applying it on the GUI thread is a
        few column assignments. For 20,000 cases of a million the comparisons and binary
        searches take 10–20 ms, which the GUI thread no longer spends."""
        if self.shifts(update):
            return True
        fresh = update.fresh
        if fresh is None:
            return False
        with self._lock:
            cols = self.cols
            at = self.positions_of(fresh["rowid"])
            changed = frozenset(k for k in cols if k in fresh and not _same(cols[k][at], fresh[k]))
            update.in_place = InPlace(self.version, frozenset(cols), at, changed,
                                      bool({"lon", "lat"} & changed))
        return False

    def with_update(self, update: PendingUpdate) -> tuple[CaseIndex, IndexChange]:
        """Apply ``update``: in place when no position shifts (the views' positions stay
        valid), else on a new index, so a view still holding this one stays consistent
        until it is handed the new one."""
        planned = update.in_place is not None and update.in_place.fits(self)
        if planned or not self.shifts(update):
            return self, self.apply_update(update)
        if update.reloaded is not None:
            return update.reloaded, IndexChange(updated=int(update.rowids.size), reloaded=True)
        copy = CaseIndex(self.engine, self.reference, {k: v.copy() for k, v in self.cols.items()},
                         version=self.version)
        copy.texts = self.texts  # by rowid: the same texts serve the new positions
        return copy, copy.apply_update(update)

    def apply_update(self, update: PendingUpdate) -> IndexChange:
        """Apply rows read by :meth:`fetch_update` (numpy only: quick on the GUI thread)."""
        if update.reloaded is not None:
            with self._lock:
                self.reference, self.cols = update.reloaded.reference, update.reloaded.cols
                self._changed()
            return IndexChange(updated=int(update.rowids.size), reloaded=True)
        change = IndexChange()
        fresh = update.fresh
        if fresh is None:
            return change
        planned = update.in_place
        if planned is not None and planned.fits(self):
            with self._lock:
                for k in planned.changed:
                    self.cols[k][planned.at] = fresh[k]
                change.updated, change.moved = int(planned.at.size), planned.moved
                change.positions = planned.at.astype(np.int64)
                self._changed(set(planned.changed))
            return change
        rowids = update.rowids
        with self._lock:
            pos = self.positions_of(rowids)
            live = np.isin(rowids, fresh["rowid"])
            gone = pos[(pos >= 0) & ~live]
            change.deleted = int(gone.size)
            keep = np.ones(len(self), dtype=bool)
            keep[gone] = False
            cols = {k: v[keep] for k, v in self.cols.items()} if gone.size else dict(self.cols)
            fpos = np.searchsorted(cols["rowid"], fresh["rowid"])
            clipped = np.minimum(fpos, max(cols["rowid"].size - 1, 0))
            exists = (cols["rowid"].size > 0) & (cols["rowid"][clipped] == fresh["rowid"]) \
                if cols["rowid"].size else np.zeros(fresh["rowid"].size, bool)
            at = fpos[exists]
            if at.size and "lon" in cols:
                change.moved = bool(np.any(cols["lon"][at] != fresh["lon"][exists])
                                    or np.any(cols["lat"][at] != fresh["lat"][exists]))
            inserting = bool((~exists).any())
            shifting = inserting or bool(gone.size)
            changed = set() if shifting else {k for k in cols
                                              if not _same(cols[k][at], fresh[k][exists])}
            for k in cols:
                column = cols[k]  # in place when nothing shifts: a step costs microseconds
                column[at] = fresh[k][exists]
                if inserting:
                    column = np.insert(column, fpos[~exists], fresh[k][~exists])
                cols[k] = column
            change.updated = int(exists.sum())
            change.inserted = int((~exists).sum())
            self.cols = cols
            if not change.positions_shifted:
                change.positions = at.astype(np.int64)
            self._changed(None if change.positions_shifted else changed)
        return change

    def _changed(self, columns: set[str] | None = None) -> None:
        """The index changed: every sort order is stale, or (positions kept, ``columns``
        given) only those sorting by a changed column."""
        self.version += 1
        if columns is None:
            self.orders.clear()
        else:
            self.orders.forget(columns)
        self._text_cache.clear()
