"""Hooks sync into the main window: the 同步 toolbar (同步, 服务器设置…), the indicator in
the status bar, the 冲突 dock beside 案件办理, and the refresh of what a sync changed."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.sync.conflicts import ConflictView
from xjwc_desktop.gui.qt_conflict_panel import QtConflictPanel
from xjwc_desktop.gui.qt_sync import QtSyncController
from xjwc_desktop.gui.qt_sync_settings import QtServerDialog
from xjwc_desktop.gui.qt_sync_status import QtSyncStatus
from xjwc_desktop.gui.qt_tasks import QtTaskRunner

FULL_REFRESH = 2000  # more changed cases than this: reload the index rather than patch it
CASE_TABLES = ("cases", "case_events", "case_notes", "case_attachments")
SYNC_SHORTCUT = "F5"


def rowids_of(db: Database, case_ids) -> list[int] | None:
    """The rowids of ``case_ids`` in one query; None (reload everything) when there are
    many, or when some are no longer in this database (taken back by the server)."""
    ids = list(case_ids)
    if len(ids) > FULL_REFRESH:
        return None
    with db.engine.connect() as conn:
        rowids = [r for (r,) in conn.exec_driver_sql(
            f"SELECT rowid FROM cases WHERE id IN ({','.join('?' * len(ids))})", tuple(ids))]
    return rowids if len(rowids) == len(ids) else None


class QtSyncHooks(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        workflow = getattr(window, "workflow", None)
        # One writer per window: share the workflow's, which the conflict panel writes through.
        self.runner = workflow.runner if workflow is not None else QtTaskRunner(self)
        self.controller = QtSyncController(window.db, window.settings, self)
        self.progress_text: str | None = None
        self.server_dialog: QtServerDialog | None = None  # the last one opened

        self.indicator = QtSyncStatus()
        self.indicator.clicked.connect(self.show_conflicts)
        window.statusBar().addPermanentWidget(self.indicator)

        role_box = workflow.panel.actions.role_box if workflow is not None else None
        self.panel = QtConflictPanel(window.db, self.runner, role_box)
        self.dock = QDockWidget(tr("冲突"), window)
        self.dock.setObjectName("conflicts")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        if workflow is not None:
            window.tabifyDockWidget(workflow.dock, self.dock)
            workflow.dock.raise_()
        self.panel.count_changed.connect(self._show_count)
        self.panel.resolved.connect(self._on_resolved)
        self._show_count(len(self.panel.views))

        bar = window.addToolBar(tr("同步"))
        bar.setObjectName("sync_tools")
        self.sync_action = QAction(tr("同步"), window)
        self.sync_action.setShortcut(QKeySequence(SYNC_SHORTCUT))
        self.sync_action.setToolTip(tr("与街道办服务器同步") + f"（{SYNC_SHORTCUT}）")
        self.sync_action.triggered.connect(self.sync)
        self.settings_action = QAction(tr("服务器设置……"), window)
        self.settings_action.triggered.connect(self.edit_server)
        bar.addAction(self.sync_action)
        bar.addAction(self.settings_action)

        c = self.controller
        c.started.connect(self._on_started)
        c.progress.connect(self._on_progress)
        c.finished.connect(self._on_finished)
        c.failed.connect(self._on_failed)
        c.status_changed.connect(lambda _status: self.show_status())
        self.runner.task_done.connect(c.local_write)
        window.installEventFilter(self)
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
        dialog = QtServerDialog(self.window.db, self.controller, self.runner, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: setattr(self, "server_dialog", None))
        self.server_dialog = dialog
        dialog.open()
        return dialog

    def show_conflicts(self) -> None:
        self.dock.show()
        self.dock.raise_()

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
        self.window.statusBar().showMessage(tr("同步完成：") + report.summary(), 15_000)
        self.refresh_cases(report.changed)
        self.panel.refresh()

    def _on_failed(self, message: str) -> None:
        self.progress_text = None
        self.show_status()
        self.window.statusBar().showMessage(tr("同步未成功：") + message, 15_000)

    def _show_count(self, n: int) -> None:
        self.dock.setWindowTitle(tr("冲突") + (f"（{n}）" if n else ""))

    # -- refreshing what changed --
    def refresh_cases(self, changed: dict) -> None:
        """Bring the list, map, detail and workflow dock up to date with a sync's changes."""
        if not any(changed.get(t) for t in CASE_TABLES):
            return
        ids = changed.get("cases") or set()
        if ids:
            self.window.cases_changed(rowids_of(self.window.db, ids))
        workflow = getattr(self.window, "workflow", None)
        if workflow is not None and workflow.panel.case is not None:
            workflow.panel.show_case_id(workflow.panel.case["id"])  # history, notes, photos
        dashboard = getattr(self.window, "dashboard_hooks", None)
        if dashboard is not None and dashboard.dashboard is not None and \
                dashboard.dock.isVisible():
            dashboard.dashboard.refresh()

    def _case_of(self, view: ConflictView) -> str | None:
        if view.table == "cases":
            return view.row_id
        if view.table in CASE_TABLES:
            with self.window.db.engine.connect() as conn:
                return conn.exec_driver_sql(f'SELECT case_id FROM "{view.table}" WHERE id = ?',
                                            (view.row_id,)).scalar()
        return None

    def _on_resolved(self, view: ConflictView) -> None:
        case_id = self._case_of(view)
        if case_id is not None:
            self.refresh_cases({"cases": {case_id}})

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if obj is self.window and event.type() == QEvent.Type.Close:
            self.controller.shutdown()
        return False


def install_sync(window) -> QtSyncHooks:
    """Add sync to a :class:`QtMainWindow` (after the workflow, whose writer it shares)."""
    hooks = QtSyncHooks(window)
    window.sync_hooks = hooks
    return hooks
