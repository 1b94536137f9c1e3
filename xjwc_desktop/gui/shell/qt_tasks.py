"""The task manager: every piece of database work the window asks for (Anki's taskman).

- **One writer.** Writes run one at a time, in the order asked, on one thread. A write is
  an operation (``core/operations``) returning its result with ``changes``; once it has
  committed, :attr:`QtTaskManager.operation_did_execute` announces those changes, once,
  with the *initiator* (the view that asked), and every view decides what to redraw.
- **A small read pool.** Reads (a case to show, a block of table rows, the dashboard's
  figures, the map's registers) run on two threads in read transactions, never on the GUI
  thread. A read given a ``key`` is superseded by the next read with the same key: when
  the operator clicks through ten cases, only the last one's result is shown.
- **Upkeep.** After a write that touched cases has been announced, once the reads the views
  asked for on hearing it have come back and no sync is running, the writer recounts the
  dashboard's months it dirtied (``core/operations/upkeep.py``), so the dashboard only
  reads. Waiting keeps the recount (seconds after a sync of many months) from competing
  with the window taking the changes in; it is only a cache, which the dashboard's own read
  brings up to date if it comes first.
- **The sync lane.** A sync waits on the network for seconds; it runs on a thread of its
  own so neither the window nor the writer waits with it. Its write transactions pass
  through the database's write gate like the writer's (``core/storage/sqlite_setup.py``),
  so all writes are still made one at a time, and what it changed is announced like a
  write's changes.

Results come back to the GUI thread through a queued signal; a closed window drops them.
Each job (its work, its callbacks and whatever they hold: a dialog, say) belongs to the GUI
thread, which lets go of it after delivery; a pool's thread only borrows the work while it
runs. A widget whose last reference went in a worker would be destroyed there, and a
QWidget destroyed off the GUI thread waits for it (the window once hung closing).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from xjwc_desktop.core.changes import NOTHING, Changes, changes_of
from xjwc_desktop.core.errors import XjwcError
from xjwc_desktop.core.operations.upkeep import after_write
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
    defers_upkeep: bool = False  # a read or a sync: the upkeep waits for these
    work: Callable[[], Any] | None = None  # what a pool's thread runs


class QtTaskManager(QObject):
    """Runs the window's database work off the GUI thread (see the module docstring)."""

    #: A write committed: what it changed, and who asked (a view, or None).
    operation_did_execute = Signal(object, object)
    #: Something failed that nobody handles: the message for the status bar.
    failed = Signal(str)
    #: The number of unfinished tasks changed (tests and the busy cursor watch it).
    pending_changed = Signal(int)
    _finished = Signal(object, object, object)  # job id, result, exception

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="xjwc-writer")
        self._readers = ThreadPoolExecutor(READERS, thread_name_prefix="xjwc-reader")
        self._lane = ThreadPoolExecutor(1, thread_name_prefix="xjwc-sync")
        self._generations: dict[str, int] = {}
        self._jobs: dict[int, _Job] = {}  # asked for, not yet delivered (GUI thread's)
        self._ids = itertools.count(1)
        self._finished.connect(self._deliver)
        self.pending = 0
        self._deferring = 0  # reads and syncs asked for, not yet delivered
        self._upkeep: Changes = NOTHING  # announced changes the upkeep has yet to follow
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
        job = _Job(on_done, on_error, key=key, owner=owner, defers_upkeep=True)
        if key is not None:
            job.generation = self._generations[key] = self._generations.get(key, 0) + 1
        generation = job.generation

        def run():
            if key is not None and generation != self._generations.get(key):
                return None  # superseded before it started: not worth reading
            return query(self.db)

        return self._submit(self._readers, run, job)

    def in_lane(self, work: Callable[[], Any], *, on_done: Callable[[Any], None] | None = None,
                on_error: Callable[[BaseException], None] | None = None,
                initiator: object = None) -> Future:
        """Run long network-bound ``work()`` (a sync) on the sync lane; its result's changes
        are announced like a write's."""
        return self._submit(self._lane, work,
                            _Job(on_done, on_error, initiator=initiator, announce=True,
                                 defers_upkeep=True))

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
        self._deferring += job.defers_upkeep
        self.pending_changed.emit(self.pending)
        job.work = work
        job_id = next(self._ids)
        self._jobs[job_id] = job
        return pool.submit(self._run, job_id)

    def _run(self, job_id: int) -> Any:
        """On a pool's thread: run the job's work, borrowed from the GUI thread's table (the
        reference goes when the call returns, before the result is sent), and send the
        result or the failure to the GUI thread."""
        result, exc = None, None
        try:
            result = self._jobs[job_id].work()
        except BaseException as error:  # noqa: BLE001 - delivered, and re-raised for the future
            exc = _without_frames(error)
        # If the window is gone its QObjects are too ("Signal source has been deleted").
        with contextlib.suppress(RuntimeError):
            self._finished.emit(job_id, result, exc)
        if exc is not None:
            raise exc
        return result

    def _deliver(self, job_id: int, result: Any, exc: BaseException | None) -> None:
        self.pending -= 1
        job = self._jobs.pop(job_id, None)  # (None: the window closed meanwhile)
        if job is not None:
            self._deferring -= job.defers_upkeep
        try:
            if self.closed or job is None:
                return
            if job.key is not None and job.generation != self._generations.get(job.key):
                return  # superseded: a newer read with this key is on its way
            if job.announce and exc is None:
                self.writes += 1
                changes = changes_of(result)
                if changes:
                    self.operation_did_execute.emit(changes, job.initiator)
                    self._follow_up(changes)
            if job.owner is not None and not shiboken6.isValid(job.owner):
                return  # who asked is gone (a closed dialog): nobody to tell
            if exc is not None:
                self._fail(job, exc)
            elif job.on_done is not None:
                job.on_done(result)
        finally:
            self._start_upkeep()
            self.pending_changed.emit(self.pending)

    def _follow_up(self, changes: Changes) -> None:
        """After a write has been announced, what it leaves to do (the core decides: the
        dashboard's months it dirtied) runs on the writer, in turn with the writes,
        announcing nothing, once the views' reads are in (see the module docstring)."""
        self._upkeep = self._upkeep | changes

    def _start_upkeep(self) -> None:
        if not self._upkeep or self._deferring or self.closed:
            return
        changes, self._upkeep = self._upkeep, NOTHING
        self._submit(self._writer, lambda: after_write(self.db, changes), _Job(None, None))

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
        self._jobs.clear()  # work never started, or never delivered: let go of it here


def _without_frames(error: BaseException) -> BaseException:
    """The failure with its trace kept as text (a note, for the log) and its frames let go
    of here: a frame keeps its function alive, and with it what the function holds."""
    if not isinstance(error, XjwcError):
        error.add_note("".join(traceback.format_exception(error)).rstrip())
    seen: set[int] = set()
    chain: list[BaseException | None] = [error]
    while chain:
        link = chain.pop()
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        link.__traceback__ = None
        chain += [link.__cause__, link.__context__]
    return error


def failure_message(exc: BaseException, prefix: str = "出错：") -> str:
    """What the operator reads: the core's Chinese message, or the bare facts of a bug."""
    from xjwc_desktop.core.i18n import tr

    if isinstance(exc, XjwcError):
        return str(exc)
    return tr(prefix) + f"{type(exc).__name__}: {exc}"
