"""Syncing the open database with the street office, in the background (issue #6).

A sync runs on the task manager's sync lane: it waits on the network for seconds, or with
the server gone until the connect timeout, and neither the window nor the operator's next
step may wait with it. What it pulled is announced like any write (``operation_did_execute``)
so every view brings itself up to date; the sync core pushes a local write that lands while
it pulls before it applies what it pulled (client.py), so nothing is overwritten.

When a sync runs: on the 同步 button, every ``sync/interval_s`` seconds once a server is
configured, and ``sync/after_write_s`` seconds after a local write (coalesced, so a burst
of steps is one sync; skipped while the last attempt failed, the timer retries). Never two
at once: a request while one runs is dropped (the button is disabled meanwhile), and a
local write that lands during a sync, perhaps too late for its push, starts the after-write
delay once the sync is done.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from xjwc_desktop.core.changes import Changes
from xjwc_desktop.core.errors import XjwcError
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.sync.session import sync_database
from xjwc_desktop.core.sync.state import SyncStatus, read_status
from xjwc_desktop.gui.shell.qt_settings import SYNC_AFTER_WRITE, SYNC_INTERVAL, QtSettingsStore
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager

log = logging.getLogger(__name__)

STATUS_POLL_MS = 15_000  # writes made by another program still show up this soon


def failure_message(exc: BaseException, prefix: str | None = None) -> str:
    """What the operator reads: the core's Chinese message, or the bare facts of a bug."""
    if isinstance(exc, XjwcError):
        return str(exc)
    return (prefix or tr("同步出错：")) + f"{type(exc).__name__}: {exc}"


def _status(db) -> SyncStatus:
    with db.reading() as conn:
        return read_status(conn)


class QtSyncController(QObject):
    """Syncs on request and on timers; tells the window through signals."""

    started = Signal()
    progress = Signal(str)  # the core's progress text, e.g. 上传修改 120/300
    finished = Signal(object)  # SyncReport
    failed = Signal(str)  # the message, in Chinese
    status_changed = Signal(object)  # SyncStatus
    _progressed = Signal(str)

    def __init__(self, tasks: QtTaskManager, settings: QtSettingsStore,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.db = tasks.db
        self.settings = settings
        self._progressed.connect(self.progress)  # queued: emitted on the sync lane
        self.running = False
        self.rerun = False  # settings changed during a sync: sync again with the new ones
        self.written_meanwhile = False  # a local write landed while a sync ran
        self.closed = False
        self.syncs = 0  # started so far (tests wait on it)
        self.last_failure: str | None = None  # this session's last failed attempt
        # Nothing known until the first read (a moment after the window opens).
        self.status = SyncStatus(None, None, None, 0, 0, False)
        self.status_read = False
        self.timer = QTimer(self)  # the background sync
        self.timer.timeout.connect(self.sync_now)
        self.after_write = QTimer(self)
        self.after_write.setSingleShot(True)
        self.after_write.timeout.connect(self.sync_now)
        self.poll = QTimer(self)
        self.poll.timeout.connect(self.refresh_status)
        self.poll.start(STATUS_POLL_MS)
        tasks.operation_did_execute.connect(self._on_changes)
        self.refresh_status(then=self.apply_settings)

    # -- when to sync --
    def apply_settings(self) -> None:
        """(Re)start the background timer from the settings and the configured server."""
        seconds = self.settings.get_seconds(SYNC_INTERVAL)
        if self.status.configured and seconds > 0 and not self.closed:
            if self.timer.interval() != seconds * 1000 or not self.timer.isActive():
                self.timer.start(seconds * 1000)
        else:
            self.timer.stop()

    def _on_changes(self, changes: Changes, initiator) -> None:
        if initiator is self:
            return  # what the sync itself pulled
        self.local_write()

    def local_write(self) -> None:
        """Something was written here: count it, and send it soon if the server answers."""
        if self.running:
            self.written_meanwhile = True  # it may have missed this sync: see _on_done
        self.refresh_status(then=None if self.running else self._send_soon)

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
        db = self.db

        def sync():
            return sync_database(db, progress=lambda _done, _total, text:
                                 self._progressed.emit(text))

        self.tasks.in_lane(sync, on_done=self._on_done, on_error=self._on_failed,
                           initiator=self)
        return True

    # -- back on the GUI thread --
    def _on_done(self, report) -> None:
        self._ended(None, lambda: self.finished.emit(report))

    def _on_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, XjwcError):
            log.error("sync failed", exc_info=exc)
        message = failure_message(exc)
        self._ended(message, lambda: self.failed.emit(message))

    def _ended(self, failure: str | None, announce) -> None:
        """The sync is over: read the status first, so whoever hears ``finished`` or
        ``failed`` sees the indicator's new state, then what comes next."""
        self.running = False
        self.last_failure = failure

        def then() -> None:
            self.apply_settings()  # the first sync may have been the one that set the server
            announce()
            self._next()

        self.refresh_status(then=then)

    def _next(self) -> None:
        if self.rerun:
            self.rerun = False
            self.sync_now()
        elif self.written_meanwhile:
            self.written_meanwhile = False
            self._send_soon()

    def refresh_status(self, then=None) -> None:
        """Re-read the status (two counts and a few settings: cheap) and announce it."""
        if self.closed:
            return

        def got(status: SyncStatus) -> None:
            self.status, self.status_read = status, True
            self.status_changed.emit(status)
            if then is not None:
                then()

        self.tasks.read(_status, got, key="sync-status")

    def settings_saved(self) -> None:
        """The server settings changed: new timers, and a sync to see that they work."""
        self.last_failure = None

        def go() -> None:
            self.apply_settings()
            if self.running:
                self.rerun = True
            else:
                self.sync_now()

        self.refresh_status(then=go)

    def shutdown(self) -> None:
        """Stop the timers; a running sync ends on its own (it keeps what it applied)."""
        for timer in (self.timer, self.after_write, self.poll):
            timer.stop()
        self.closed = True
