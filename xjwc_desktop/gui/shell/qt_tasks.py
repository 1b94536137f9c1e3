"""The task manager: every piece of database work the window asks for (Anki's taskman).

- **One writer.** Writes run one at a time, in the order asked, on one thread. A write is
  an operation (``core/operations``) returning its result with ``changes``; once it has
  committed, :attr:`QtTaskManager.operation_did_execute` announces those changes, once,
  with the *initiator* (the view that asked), and every view decides what to redraw.
- **A small read pool.** Reads (a case to show, a block of table rows, the dashboard's
  figures, the map's registers) run on two threads in read transactions, never on the GUI
  thread. A read given a ``key`` is superseded by the next read with the same key: when
  the operator clicks through ten cases, only the last one's result is shown.
- **The sync lane.** A sync waits on the network for seconds; it runs on a thread of its
  own so neither the window nor the writer waits with it. Its write transactions pass
  through the database's write gate like the writer's (``core/storage/sqlite_setup.py``),
  so all writes are still made one at a time, and what it changed is announced like a
  write's changes.

Results come back to the GUI thread through a queued signal; a closed window drops them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from xjwc_desktop.core.changes import Changes, changes_of
from xjwc_desktop.core.errors import XjwcError
from xjwc_desktop.core.storage.database import Database

log = logging.getLogger(__name__)

READERS = 2


@dataclass
class _Job:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    key: str | None = None
    generation: int = 0
    initiator: object = None
    announce: bool = False
    owner: QObject | None = None  # its callbacks are dropped once this is deleted


class QtTaskManager(QObject):
    """Runs the window's database work off the GUI thread (see the module docstring)."""

    #: A write committed: what it changed, and who asked (a view, or None).
    operation_did_execute = Signal(object, object)
    #: Something failed that nobody handles: the message for the status bar.
    failed = Signal(str)
    #: The number of unfinished tasks changed (tests and the busy cursor watch it).
    pending_changed = Signal(int)
    _finished = Signal(object, object, object)  # job, result, exception

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="xjwc-writer")
        self._readers = ThreadPoolExecutor(READERS, thread_name_prefix="xjwc-reader")
        self._lane = ThreadPoolExecutor(1, thread_name_prefix="xjwc-sync")
        self._generations: dict[str, int] = {}
        self._finished.connect(self._deliver)
        self.pending = 0
        self.writes = 0  # writes finished so far (tests wait on it)
        self.closed = False

    # -- asking --
    def write(self, operation: Callable[[Database], Any], *,
              on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None,
              initiator: object = None) -> Future:
        """Run ``operation(db)`` on the writer; announce its changes, then ``on_done``.
        If ``initiator`` is a QObject deleted meanwhile (a closed dialog), the changes are
        still announced but its callbacks are not called."""
        owner = initiator if isinstance(initiator, QObject) else None
        return self._submit(self._writer, lambda: operation(self.db),
                            _Job(on_done, on_error, initiator=initiator, announce=True,
                                 owner=owner))

    def read(self, query: Callable[[Database], Any], on_done: Callable[[Any], None] | None,
             *, key: str | None = None,
             on_error: Callable[[BaseException], None] | None = None,
             owner: QObject | None = None) -> Future:
        """Run ``query(db)`` on the read pool; ``on_done(result)`` on the GUI thread unless a
        newer read with the same ``key`` was asked for meanwhile, or ``owner`` was deleted."""
        job = _Job(on_done, on_error, key=key, owner=owner)
        if key is not None:
            job.generation = self._generations[key] = self._generations.get(key, 0) + 1

        def run():
            if key is not None and job.generation != self._generations.get(key):
                return None  # superseded before it started: not worth reading
            return query(self.db)

        return self._submit(self._readers, run, job)

    def in_lane(self, work: Callable[[], Any], *, on_done: Callable[[Any], None] | None = None,
                on_error: Callable[[BaseException], None] | None = None,
                initiator: object = None) -> Future:
        """Run long network-bound ``work()`` (a sync) on the sync lane; its result's changes
        are announced like a write's."""
        return self._submit(self._lane, work,
                            _Job(on_done, on_error, initiator=initiator, announce=True))

    def supersede(self, key: str) -> None:
        """Drop whatever reads with ``key`` are still running (their results are stale)."""
        self._generations[key] = self._generations.get(key, 0) + 1

    @property
    def idle(self) -> bool:
        return self.pending == 0

    # -- running --
    def _submit(self, pool: ThreadPoolExecutor, work: Callable[[], Any], job: _Job) -> Future:
        if self.closed:
            # The window is closing (its pools are shut down) and still hears from the map
            # page or a timer: nothing more is started and nobody waits for an answer.
            future: Future = Future()
            future.cancel()
            return future
        self.pending += 1
        self.pending_changed.emit(self.pending)
        future = pool.submit(work)
        future.add_done_callback(lambda f: self._report(job, f))
        return future

    def _report(self, job: _Job, future: Future) -> None:
        exc = future.exception()
        # If the window is gone its QObjects are too ("Signal source has been deleted").
        with contextlib.suppress(RuntimeError):
            self._finished.emit(job, None if exc else future.result(), exc)

    def _deliver(self, job: _Job, result: Any, exc: BaseException | None) -> None:
        self.pending -= 1
        try:
            if self.closed:
                return
            if job.key is not None and job.generation != self._generations.get(job.key):
                return  # superseded: a newer read with this key is on its way
            if job.announce and exc is None:
                self.writes += 1
                changes = changes_of(result)
                if changes:
                    self.operation_did_execute.emit(changes, job.initiator)
            if job.owner is not None and not shiboken6.isValid(job.owner):
                return  # who asked is gone (a closed dialog): nobody to tell
            if exc is not None:
                self._fail(job, exc)
            elif job.on_done is not None:
                job.on_done(result)
        finally:
            self.pending_changed.emit(self.pending)

    def _fail(self, job: _Job, exc: BaseException) -> None:
        if job.on_error is not None:
            job.on_error(exc)
            return
        if not isinstance(exc, XjwcError):
            log.error("background task failed", exc_info=exc)
        self.failed.emit(failure_message(exc))

    def announce(self, changes: Changes, initiator: object = None) -> None:
        """Announce changes made outside an operation (rare: a file the page wrote)."""
        if changes:
            self.operation_did_execute.emit(changes, initiator)

    def shutdown(self) -> None:
        """Wait for running work to end (it keeps what it wrote); drop its results."""
        self.closed = True
        for pool in (self._lane, self._writer, self._readers):
            pool.shutdown(wait=True, cancel_futures=True)


def failure_message(exc: BaseException, prefix: str = "出错：") -> str:
    """What the operator reads: the core's Chinese message, or the bare facts of a bug."""
    from xjwc_desktop.core.i18n import tr

    if isinstance(exc, XjwcError):
        return str(exc)
    return tr(prefix) + f"{type(exc).__name__}: {exc}"
