"""The keyword search of the case index: the texts loaded once, plus the cases written since.

Loading every case's texts takes about a second at a million cases, so it happens once (in
the background after :meth:`TextSearch.prefetch`, or on the first search) and writes are
not re-read whole: :meth:`TextSearch.note_written` re-reads just the cases a write touched
(the rows ``CaseIndex.apply_changes`` is given) into a small second block that takes
precedence over the big one. :meth:`TextSearch.invalidate` (after ``CaseIndex.refresh``, an
import or a sync that touched many rows) drops both and loads again.

Each re-read is numbered; a load installs its block with the number taken before it began
reading, and drops the re-reads numbered before it (its block is at least as new as those).
"""

from __future__ import annotations

import threading

import numpy as np
from sqlalchemy import Engine

from xjwc_desktop.core.queries.case_text import (
    TextBlock,
    like_semantics,
    load_block,
    query_units,
    read_texts,
)


class TextSearch:
    """Rowids of the live cases whose texts contain a query (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._base: TextBlock | None = None
        self._loader: threading.Thread | None = None
        self._generation = 0  # bumped by invalidate(): a load begun before is thrown away
        self._seq = 0
        self._failed = False  # this database's LIKE is not ours, or its texts unreadable
        self._wanted = False
        self._written: dict[int, tuple[int, tuple[str, ...] | None]] = {}
        self._written_block: TextBlock | None = None
        self._hidden: np.ndarray | None = None  # base cases superseded by re-read ones
        self._closed = threading.Event()  # set by close(): no more loading

    @property
    def loaded(self) -> bool:
        return self._base is not None

    def prefetch(self) -> None:
        """Load the texts on a background thread now (and again after each invalidate)."""
        with self._lock:
            self._wanted = True
            self._start_locked()

    def close(self) -> None:
        """Stop a load in progress and start none again; returns once no connection of it
        is open (its window is closing: the database is then left as it was found)."""
        self._closed.set()
        with self._lock:
            loader, self._loader = self._loader, None
        if loader is not None:
            loader.join()

    def invalidate(self) -> None:
        """Forget everything (many rows changed): the next search loads the texts again."""
        with self._lock:
            self._generation += 1
            self._base, self._loader = None, None
            self._written.clear()
            self._written_block = self._hidden = None
            self._failed = False
            if self._wanted:
                self._start_locked()

    def note_written(self, conn, rowids) -> None:
        """Re-read the texts of ``rowids`` (just written) through ``conn``."""
        with self._lock:
            if self._base is None and self._loader is None:
                return  # nothing loaded or loading: the next load reads them anyway
            self._seq += 1
            seq = self._seq
        rowids = [int(r) for r in rowids]
        texts = read_texts(conn, rowids)
        with self._lock:
            for rowid in rowids:
                self._written[rowid] = (seq, texts.get(rowid))
            self._written_block = self._hidden = None

    def rowids(self, text: str) -> np.ndarray | None:
        """Rowids of the live cases with ``text`` in a text (None: ask SQL instead)."""
        found = self.find(text)
        if found is None:
            return None
        base, indices, extra = found
        return np.concatenate([base.rowids[indices], extra])

    def find(self, text: str) -> tuple[TextBlock, np.ndarray, np.ndarray] | None:
        """The live cases with ``text`` in a text, as the loaded block, the indices of its
        cases found, and the rowids of re-read cases found (None: ask SQL instead)."""
        if "\0" in text:
            return None  # LIKE cuts its pattern at a NUL: leave that oddity to SQL
        if not self._ensure():
            return None
        with self._lock:
            base = self._base
            if base is None:  # invalidated while we waited
                return None
            written, hidden = self._written_parts(base)
        query = query_units(text)
        found = base.search(query)
        if hidden is not None:
            found = found[~hidden[found]]
        extra = written.rowids[written.search(query)] if written is not None else \
            np.zeros(0, np.int64)
        return base, found, extra

    # -- loading --
    def _ensure(self) -> bool:
        with self._lock:
            if self._base is not None:
                return True
            if self._failed:
                return False
            loader = self._start_locked()
        if loader is not None:
            loader.join()
        with self._lock:
            return self._base is not None

    def _start_locked(self) -> threading.Thread | None:
        if (self._loader is None and self._base is None and not self._failed
                and not self._closed.is_set()):
            self._seq += 1
            self._loader = threading.Thread(target=self._load, name="xjwc-case-texts",
                                            args=(self._generation, self._seq), daemon=True)
            self._loader.start()
        return self._loader

    def _load(self, generation: int, seq: int) -> None:
        try:
            with self.engine.connect() as conn:
                block = load_block(conn, self._closed.is_set) if like_semantics(conn) \
                    else None
        except Exception:  # noqa: BLE001 - the search falls back to SQL, never wrong
            # (LoadStopped among them: the window is closing)
            block = None
        with self._lock:
            if generation != self._generation:
                return
            self._loader = None
            if block is None:
                self._failed = True
                return
            self._base = block
            self._written = {r: v for r, v in self._written.items() if v[0] > seq}
            self._written_block = self._hidden = None

    def _written_parts(self, base: TextBlock) -> tuple[TextBlock | None, np.ndarray | None]:
        """The block of re-read cases and the base cases they hide (under the lock)."""
        if not self._written:
            return None, None
        if self._written_block is None:
            ids = np.fromiter(self._written, np.int64, len(self._written))
            hidden = np.isin(base.rowids, ids)
            live = sorted((r, t) for r, (_s, t) in self._written.items() if t is not None)
            self._written_block = TextBlock.from_rows(live)
            self._hidden = hidden
        return self._written_block, self._hidden
