"""One background worker for database writes (Anki's taskman): the window never freezes,
and writes happen one at a time in the order they were asked for."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal


class QtTaskRunner(QObject):
    """Runs callables on a single worker thread; results come back on the GUI thread."""

    _finished = Signal(object, object, object)  # callbacks, result, exception
    # After every task's callbacks: the sync status counts the changes waiting to go out.
    task_done = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xjwc-writer")
        self._finished.connect(self._deliver)
        self.pending = 0

    def run(self, work: Callable[[], Any], on_success: Callable[[Any], None],
            on_error: Callable[[BaseException], None]) -> Future:
        self.pending += 1
        future = self._pool.submit(work)
        future.add_done_callback(
            lambda f: self._finished.emit((on_success, on_error), *self._outcome(f)))
        return future

    @staticmethod
    def _outcome(future: Future):
        exc = future.exception()
        return (None, exc) if exc is not None else (future.result(), None)

    def _deliver(self, callbacks, result, exc) -> None:
        self.pending -= 1
        on_success, on_error = callbacks
        try:
            if exc is not None:
                on_error(exc)
            else:
                on_success(result)
        finally:
            self.task_done.emit()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
