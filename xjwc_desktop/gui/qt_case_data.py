"""The cases behind the map and the list: the index, the current filter, the page's data.

Slow work (loading the index, a text search over a million descriptions, the deadline
lights) runs on a background thread and reports back through a queued signal; the GUI
thread only ever swaps in finished results. The page's data routes read from here.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from xjwc_desktop.core import clock
from xjwc_desktop.core.queries import map_layers
from xjwc_desktop.core.queries.case_index import CaseIndex, load_reference
from xjwc_desktop.core.queries.case_list import CaseFilter
from xjwc_desktop.core.storage.database import Database


class QtWorker(QObject):
    """Runs one function on a thread; ``done`` delivers its result on the GUI thread."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> QtWorker:
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # reported in the status bar, not lost in a thread
            self._emit(self.failed, f"{type(exc).__name__}: {exc}")
            return
        self._emit(self.done, result)

    @staticmethod
    def _emit(signal, value) -> None:
        # If the window closed while the work ran, its QObjects are gone ("Signal source has
        # been deleted") and nobody waits for the result any more.
        with contextlib.suppress(RuntimeError):
            signal.emit(value)


class QtCaseData(QObject):
    """Owns the case index and what the page fetches: the case buffer, the mask, lights."""

    index_loaded = Signal(object)  # the CaseIndex
    failed = Signal(str)

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        with db.engine.connect() as conn:
            self.reference = load_reference(conn)
        self.index: CaseIndex | None = None
        self.display = "wgs84"
        self.mask: np.ndarray | None = None
        self.mask_version = 0
        self.lights: bytes | None = None
        self.lights_version = 0
        self._buffer: tuple[tuple, bytes, np.ndarray, np.ndarray] | None = None
        self._workers: set[QtWorker] = set()

    def run(self, fn: Callable[[], object], on_done: Callable[[object], None]) -> QtWorker:
        worker = QtWorker(fn, self)
        self._workers.add(worker)

        def finish(result) -> None:
            self._workers.discard(worker)
            on_done(result)

        def fail(message: str) -> None:
            self._workers.discard(worker)
            self.failed.emit(message)

        worker.done.connect(finish)
        worker.failed.connect(fail)
        return worker.start()

    def busy(self) -> bool:
        return bool(self._workers)

    # -- the index --
    def start_loading(self, first_sort: str) -> None:
        """Load the index, and what the list and the page need first, off the GUI thread."""
        display = self.display

        def work():
            index = CaseIndex.load(self.db.engine)
            index.orders.get(first_sort)
            data, x, y = map_layers.case_buffer(index, display)
            return index, ((index.version, display), data, x, y)

        self.run(work, self._loaded)

    def _loaded(self, result) -> None:
        index, buffer = result
        self.index = index
        self.reference = index.reference
        self._buffer = buffer if buffer[0][1] == self.display else None
        self.index_loaded.emit(index)
        index.prefetch_text()  # keyword search: its texts load in the background

    def set_display(self, display: str) -> None:
        if display != self.display:
            self.display = display
            self._buffer = None

    def changed(self) -> None:
        """The index changed (rows written): rebuild what the page fetches."""
        self._buffer = None
        self.lights = None

    # -- what the page fetches --
    def _case_buffer(self) -> tuple[bytes, np.ndarray, np.ndarray]:
        key = (self.index.version, self.display)
        if self._buffer is None or self._buffer[0] != key:
            data, x, y = map_layers.case_buffer(self.index, self.display)
            self._buffer = (key, data, x, y)
        return self._buffer[1], self._buffer[2], self._buffer[3]

    def case_bytes(self) -> bytes:
        return self._case_buffer()[0]

    def mask_bytes(self) -> bytes:
        if self.mask is None:
            return map_layers.mask_buffer(np.ones(len(self.index), dtype=bool))
        return map_layers.mask_buffer(self.mask)

    def lights_bytes(self) -> bytes:
        return self.lights or bytes(len(self.index))

    def routes(self) -> dict[str, tuple[Callable[[], bytes], str, Callable[[], bool] | None]]:
        def registers(query):
            def produce() -> bytes:
                with self.db.engine.connect() as conn:
                    return query(conn, self.display).encode("utf-8")
            return produce

        loaded = lambda: self.index is not None  # noqa: E731
        binary = "application/octet-stream"
        geo = "application/geo+json"
        return {
            "data/cases.bin": (self.case_bytes, binary, loaded),
            "data/case_mask.bin": (self.mask_bytes, binary, loaded),
            "data/case_lights.bin": (self.lights_bytes, binary, loaded),
            "data/illegal_structures.geojson": (
                registers(map_layers.illegal_structures_geojson), geo, None),
            "data/census.geojson": (registers(map_layers.census_geojson), geo, None),
            "data/bike_stations.geojson": (registers(map_layers.bike_stations_geojson), geo,
                                           None),
            "data/compounds.geojson": (registers(map_layers.compounds_geojson), geo, None),
        }

    # -- filter, box, lights --
    def filter_mask(self, flt: CaseFilter, on_ready: Callable[[np.ndarray], None]) -> bool:
        """Compute the mask of ``flt``: at once if it needs no text search (returns True),
        else on a thread, calling ``on_ready`` when done (returns False)."""
        index = self.index
        if not flt.text.strip() or index.has_text(flt.text):
            on_ready(index.mask(flt))
            return True
        self.run(lambda: index.mask(flt), on_ready)
        return False

    def set_mask(self, mask: np.ndarray | None) -> int:
        self.mask = mask
        self.mask_version += 1
        return self.mask_version

    def box_positions(self, box: tuple[int, int, int, int]) -> np.ndarray:
        _, x, y = self._case_buffer()
        mask = self.mask if self.mask is not None else np.ones(x.size, dtype=bool)
        return map_layers.positions_in_box(x, y, mask, box)

    def compute_lights(self, on_ready: Callable[[int], None]) -> None:
        index = self.index
        now = clock.now()

        def work() -> bytes:
            return map_layers.lights_buffer(index, now)

        def done(data: bytes) -> None:
            if self.index is index:
                self.lights = data
                self.lights_version += 1
                on_ready(self.lights_version)

        self.run(work, done)
