"""Dashboard charts drawn in a process of their own.

matplotlib draws in Python for the most part, holding the GIL: eight charts drawn on the
window's reader threads took the GUI thread's turn away for hundreds of milliseconds at a
time (``bench_responsiveness``, the dashboard's refresh). One spawned process draws them
instead, and the reader that asked only waits for the pixels (waiting releases the GIL).
The process is started on the first chart and kept; if it cannot be started or dies, the
chart is drawn here as before — the same function, the same pixels.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from xjwc_desktop.core.reporting.chart_render import ChartImage, chart_image
from xjwc_desktop.core.reporting.charts import ChartSpec

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_failed = False  # the process could not be had: draw here from now on


def _shared_pool() -> ProcessPoolExecutor | None:
    global _pool
    with _lock:
        if _pool is None and not _failed:
            _pool = ProcessPoolExecutor(max_workers=1,
                                        mp_context=multiprocessing.get_context("spawn"))
        return _pool


def _give_up(pool: ProcessPoolExecutor) -> None:
    global _pool, _failed
    with _lock:
        if _pool is pool:
            _pool, _failed = None, True
    pool.shutdown(wait=False, cancel_futures=True)


def render_chart(spec: ChartSpec, width: int, height: int, dpi: float = 90) -> ChartImage:
    """:func:`.chart_render.chart_image` in the chart process (here if it is not to be had)."""
    pool = _shared_pool()
    if pool is not None:
        try:
            return pool.submit(chart_image, spec, width, height, dpi).result()
        except (BrokenProcessPool, OSError, RuntimeError):
            _give_up(pool)
    return chart_image(spec, width, height, dpi)


@atexit.register
def _stop() -> None:
    with _lock:
        pool = _pool
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
