"""Python's cycle collector, run by the window on the GUI thread, after start-up's objects
are set aside.

Left to itself, Python collects reference cycles in whichever thread happens to allocate
when a threshold is crossed, and a collection of the oldest generation walks every object
the process tracks while holding the GIL. With the window, SQLAlchemy, numpy and Qt's
wrappers loaded that walk took 50–100 ms, and every thread waited for it, the window's
paint and input included: the longest stalls left while a sync or the dashboard's figures
were made in the background were these (``bench/bench_responsiveness.py --why`` prints
them). So, as pyqtgraph and other Qt applications do, the window:

- leaves the young generations to Python (their collections are frequent and short: a
  timer that took them over let a second of a sync's allocations pile up, and collecting
  that took 20–45 ms), and runs collections of the oldest generation itself, on the GUI
  thread, between events, once Python would have *and* no background work is running:
  while a sync or a big read is under way its many live objects make a collection 30–45 ms
  long, and the window is then taking in what they bring. If the window stays busy, the
  collection runs anyway after ten times the usual wait, so memory stays bounded;
- once the first cases are loaded, *freezes* what start-up made (``gc.freeze``: modules,
  classes, the window's long-lived objects), so later collections walk only what was made
  since. Frozen objects are still freed when their last reference goes; only cycles among
  them wait for the window to close, when they are unfrozen.

Reference counting frees everything that is not a cycle at once, whatever the collector
does; the timer only bounds how long cyclic garbage waits.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000
_NEVER = 1 << 30  # a threshold the oldest generation's count never reaches
PATIENCE = 10  # while busy, wait up to this many times the usual threshold


class QtCycleCollector(QObject):
    """See the module docstring. ``stop()`` gives the process its collector back."""

    def __init__(self, parent: QObject | None = None,
                 busy: Callable[[], bool] = lambda: False) -> None:
        super().__init__(parent)
        self._busy = busy
        self._thresholds = gc.get_threshold()
        self.frozen = False
        self.collections = 0  # of the oldest generation, run by the timer (tests read it)
        young, middle, _oldest = self._thresholds
        gc.set_threshold(young, middle, _NEVER)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start(INTERVAL_MS)

    def freeze_start_up(self) -> None:
        """Set aside, for good, the objects start-up made (call once the first view is in)."""
        if self.frozen:
            return
        gc.collect()  # start-up's own garbage first: frozen, it would never be freed
        gc.freeze()
        self.frozen = True

    def collect_due(self) -> bool:
        """Collect the oldest generation if Python would have by now (its count, the
        collections of the middle one since, passed the usual threshold) and the window
        is idle, or if it has waited too long for that."""
        count, threshold = gc.get_count()[2], self._thresholds[2]
        if count <= threshold or (count <= threshold * PATIENCE and self._busy()):
            return False
        gc.collect(2)
        self.collections += 1
        return True

    def stop(self) -> None:
        self._timer.stop()
        if self.frozen:
            gc.unfreeze()
            self.frozen = False
        gc.set_threshold(*self._thresholds)
