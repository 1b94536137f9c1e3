"""Syncing the open database with the street office, in the background (issue #6).

A sync runs on its own thread, not on the writer's (qt_tasks): it waits on the network for
seconds, or with the server gone until the connect timeout, and neither the window nor the
operator's next step may wait with it. The two threads write the SQLite file in turn (WAL,
busy timeout), and the sync core pushes a local write that lands while it pulls before it
applies what it pulled (client.py), so nothing is overwritten.

When a sync runs: on the 同步 button, every ``sync/interval_s`` seconds once a server is
configured, and ``sync/after_write_s`` seconds after a local write (coalesced, so a burst
of steps is one sync; skipped while the last attempt failed, the timer retries). Never two
at once: a request while one runs is dropped (the button is disabled meanwhile), and a
local write that lands during a sync, perhaps too late for its push, starts the after-write
delay once the sync is done.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, QTimer, Signal

from xjwc_desktop.core.errors import XjwcError
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.sync.session import sync_database
from xjwc_desktop.core.sync.state import SyncStatus, read_status
from xjwc_desktop.gui.qt_settings import SYNC_AFTER_WRITE, SYNC_INTERVAL, QtSettingsStore

log = logging.getLogger(__name__)

STATUS_POLL_MS = 15_000  # writes that bypass the task runner still show up this soon


def failure_message(exc: BaseException, prefix: str | None = None) -> str:
    """What the operator reads: the core's Chinese message, or the bare facts of a bug."""
    if isinstance(exc, XjwcError):
        return str(exc)
    return (prefix or tr("同步出错：")) + f"{type(exc).__name__}: {exc}"


class QtSyncController(QObject):
    """Syncs ``db`` on request and on timers; tells the window through signals."""

    started = Signal()
    progress = Signal(str)  # the core's progress text, e.g. 上传修改 120/300
    finished = Signal(object)  # SyncReport
    failed = Signal(str)  # the message, in Chinese
    status_changed = Signal(object)  # SyncStatus
    _done = Signal(object, object)  # report, exception: from the sync thread
    _progressed = Signal(str)

    def __init__(self, db: Database, settings: QtSettingsStore,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.settings = settings
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xjwc-sync")
        self._done.connect(self._on_done)  # queued: emitted on the sync thread
        self._progressed.connect(self.progress)  # queued, like _done
        self.running = False
        self.rerun = False  # settings changed during a sync: sync again with the new ones
        self.written_meanwhile = False  # a local write landed while a sync ran
        self.closed = False
        self.syncs = 0  # started so far (tests wait on it)
        self.last_failure: str | None = None  # this session's last failed attempt
        self.status: SyncStatus = self._read_status()
        self.timer = QTimer(self)  # the background sync
        self.timer.timeout.connect(self.sync_now)
        self.after_write = QTimer(self)
        self.after_write.setSingleShot(True)
        self.after_write.timeout.connect(self.sync_now)
        self.poll = QTimer(self)
        self.poll.timeout.connect(self.refresh_status)
        self.poll.start(STATUS_POLL_MS)
        self.apply_settings()

    # -- when to sync --
    def apply_settings(self) -> None:
        """(Re)start the background timer from the settings and the configured server."""
        seconds = self.settings.get_seconds(SYNC_INTERVAL)
        if self.status.configured and seconds > 0 and not self.closed:
            if self.timer.interval() != seconds * 1000 or not self.timer.isActive():
                self.timer.start(seconds * 1000)
        else:
            self.timer.stop()

    def local_write(self) -> None:
        """Something was written here: count it, and send it soon if the server answers."""
        self.refresh_status()
        if self.running:
            self.written_meanwhile = True  # it may have missed this sync: see _on_done
        else:
            self._send_soon()

    def _send_soon(self) -> None:
        seconds = self.settings.get_seconds(SYNC_AFTER_WRITE)
        if (seconds > 0 and self.status.configured and self.status.pending
                and not self.status.offline and self.last_failure is None):
            self.after_write.start(seconds * 1000)  # a restart: a burst of writes is one sync

    def sync_now(self) -> bool:
        """Start a sync unless one is running (or no server is set); True if started."""
        if self.running or self.closed or not self.status.configured:
            return False
        self.running = True
        self.written_meanwhile = False
        self.syncs += 1
        self.after_write.stop()
        self.started.emit()
        future = self._pool.submit(self._sync)
        future.add_done_callback(self._report)
        return True

    # -- on the sync thread --
    def _sync(self):
        return sync_database(self.db, progress=lambda _done, _total, text:
                             self._progressed.emit(text))

    def _report(self, future: Future) -> None:
        exc = future.exception()
        self._done.emit(None if exc else future.result(), exc)

    # -- back on the GUI thread --
    def _on_done(self, report, exc) -> None:
        self.running = False
        if self.closed:
            return  # the window is gone; what the sync wrote is in the database
        if exc is not None:
            if not isinstance(exc, XjwcError):
                log.error("sync failed", exc_info=exc)
            self.last_failure = failure_message(exc)
        else:
            self.last_failure = None
        self.refresh_status()
        self.apply_settings()  # the first sync may have been the one that set the server
        if exc is not None:
            self.failed.emit(self.last_failure)
        else:
            self.finished.emit(report)
        if self.rerun:
            self.rerun = False
            self.sync_now()
        elif self.written_meanwhile:
            self._send_soon()
        self.written_meanwhile = False

    def _read_status(self) -> SyncStatus:
        with self.db.engine.connect() as conn:
            return read_status(conn)

    def refresh_status(self) -> SyncStatus:
        """Re-read the status (two counts and a few settings: cheap) and announce it."""
        if self.closed:
            return self.status
        self.status = self._read_status()
        self.status_changed.emit(self.status)
        return self.status

    def settings_saved(self) -> None:
        """The server settings changed: new timers, and a sync to see that they work."""
        self.last_failure = None
        self.refresh_status()
        self.apply_settings()
        if self.running:
            self.rerun = True
        else:
            self.sync_now()

    def shutdown(self) -> None:
        """Stop the timers and wait for a running sync to end (it keeps what it applied)."""
        for timer in (self.timer, self.after_write, self.poll):
            timer.stop()
        self.closed = True
        self._pool.shutdown(wait=True)
