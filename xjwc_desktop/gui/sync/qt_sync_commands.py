"""Sync in the window: the 同步 and 服务器设置 commands, the indicator, the conflict panel.

The controller syncs; these adapt it: the indicator shows its status, the commands start
it, the conflict panel (a dock the window places) lists what it could not merge. What a
sync changed reaches every other view through the task manager's announcement.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.workspace.case_view import CaseView
from xjwc_desktop.gui.shell.qt_settings import QtSettingsStore
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager
from xjwc_desktop.gui.sync.qt_conflict_panel import QtConflictPanel
from xjwc_desktop.gui.sync.qt_sync import QtSyncController
from xjwc_desktop.gui.sync.qt_sync_settings import QtServerDialog
from xjwc_desktop.gui.sync.qt_sync_status import QtSyncStatus

SYNC_SHORTCUT = "F5"


class QtSyncCommands(QObject):
    """Owns the controller, the indicator, the conflict panel and the two actions."""

    message = Signal(str)  # for the status bar
    conflicts_requested = Signal()  # the indicator was clicked: show the conflict panel

    def __init__(self, tasks: QtTaskManager, view: CaseView, settings: QtSettingsStore,
                 parent_widget) -> None:
        super().__init__(parent_widget)
        self.parent_widget = parent_widget
        self.tasks = tasks
        self.controller = QtSyncController(tasks, settings, self)
        self.progress_text: str | None = None
        self.server_dialog: QtServerDialog | None = None  # the last one opened
        self.indicator = QtSyncStatus()
        self.indicator.clicked.connect(self.conflicts_requested)
        self.panel = QtConflictPanel(tasks, view)
        self.sync_action = QAction(tr("同步"), parent_widget)
        self.sync_action.setShortcut(QKeySequence(SYNC_SHORTCUT))
        self.sync_action.setToolTip(tr("与街道办服务器同步") + f"（{SYNC_SHORTCUT}）")
        self.sync_action.triggered.connect(self.sync)
        self.settings_action = QAction(tr("服务器设置……"), parent_widget)
        self.settings_action.triggered.connect(self.edit_server)
        c = self.controller
        c.started.connect(self._on_started)
        c.progress.connect(self._on_progress)
        c.finished.connect(self._on_finished)
        c.failed.connect(self._on_failed)
        c.status_changed.connect(lambda _status: self.show_status())
        self.show_status()

    # -- actions --
    def sync(self) -> None:
        """同步: now, or first the server settings if there are none yet."""
        if not self.controller.status.configured:
            self.edit_server()
        else:
            self.controller.sync_now()

    def edit_server(self) -> QtServerDialog:
        if self.server_dialog is not None and self.server_dialog.isVisible():
            self.server_dialog.raise_()  # one is enough
            return self.server_dialog
        dialog = QtServerDialog(self.tasks, self.controller, self.parent_widget)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: setattr(self, "server_dialog", None))
        self.server_dialog = dialog
        dialog.open()
        return dialog

    # -- what the controller says --
    def show_status(self) -> None:
        c = self.controller
        self.indicator.show_status(c.status, running=c.running, failure=c.last_failure,
                                   progress=self.progress_text)
        self.sync_action.setEnabled(not c.running)

    def _on_started(self) -> None:
        self.progress_text = None
        self.show_status()

    def _on_progress(self, text: str) -> None:
        self.progress_text = text
        self.show_status()

    def _on_finished(self, report) -> None:
        self.progress_text = None
        self.show_status()
        self.message.emit(tr("同步完成：") + report.summary())

    def _on_failed(self, message: str) -> None:
        self.progress_text = None
        self.show_status()
        self.message.emit(tr("同步未成功：") + message)

    def shutdown(self) -> None:
        self.controller.shutdown()
