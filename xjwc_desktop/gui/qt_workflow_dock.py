"""Hooks the case workflow into the main window: the 案件办理 dock, 受理新案件 (placed by a
click on the map), 批量办理 on the selected rows, 类别维护, and 导出/导入."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMessageBox

from xjwc_desktop.core.exchange import CaseSelection
from xjwc_desktop.core.geo.chinese_crs import gcj02_to_wgs84
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.gui.qt_bulk import QtBulkDialog
from xjwc_desktop.gui.qt_category_editor import QtCategoryEditor
from xjwc_desktop.gui.qt_exchange import QtExportDialog, QtImportDialog
from xjwc_desktop.gui.qt_new_case import QtNewCaseDialog
from xjwc_desktop.gui.qt_tasks import QtTaskRunner
from xjwc_desktop.gui.qt_workflow_panel import QtWorkflowPanel


class QtMapPick(QObject):
    """Waits for one left click on the map and hands its position (WGS84) to ``done``."""

    def __init__(self, window, done) -> None:
        super().__init__(window)
        self.window, self.done = window, done
        self.target = window.map.focusProxy()
        self.target.installEventFilter(self)
        self.target.setCursor(Qt.CursorShape.CrossCursor)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.MouseButtonPress and \
                event.button() == Qt.MouseButton.LeftButton:
            pos = event.position()
            self.finish()
            self.window.map.call("latLngAt", pos.x(), pos.y(), callback=self._located)
            return True  # the click places the case; it does not select one
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            self.finish()
            return True
        return False

    def finish(self) -> None:
        self.target.removeEventFilter(self)
        self.target.unsetCursor()

    def _located(self, latlng) -> None:
        if not latlng:
            return
        lat, lon = latlng
        # With an Amap-style (GCJ-02) basemap the page shows shifted positions.
        if getattr(self.window.tile_source, "crs", "wgs84") == "gcj02":
            lon, lat = (float(v) for v in gcj02_to_wgs84(lon, lat))
        self.done(lon, lat)


class QtWorkflowHooks(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.runner = QtTaskRunner(self)
        self.panel = QtWorkflowPanel(window.db, self.runner)
        self.dock = QDockWidget(tr("案件办理"), window)
        self.dock.setObjectName("workflow")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        window.table.selection_changed.connect(self._on_rows)
        window.map.bridge.case_clicked.connect(lambda rowid: self.show_rowid(rowid))
        self.panel.case_changed.connect(self._on_changed)
        self.panel.open_case.connect(lambda case_id: window.show_case(self.rowid_of(case_id)))
        bar = window.addToolBar(tr("案件办理"))
        bar.setObjectName("workflow_tools")
        self.new_action = QAction(tr("受理新案件（在地图上点选位置）"), window)
        self.new_action.triggered.connect(self.pick_then_new_case)
        self.bulk_action = QAction(tr("批量办理所选"), window)
        self.bulk_action.triggered.connect(self.bulk)
        self.categories_action = QAction(tr("类别维护"), window)
        self.categories_action.triggered.connect(self.edit_categories)
        self.export_action = QAction(tr("导出……"), window)
        self.export_action.triggered.connect(self.export)
        self.import_action = QAction(tr("导入……"), window)
        self.import_action.triggered.connect(self.import_file)
        for action in (self.new_action, self.bulk_action, self.categories_action,
                       self.export_action, self.import_action):
            bar.addAction(action)
        self.pick: QtMapPick | None = None

    def _scalar(self, sql: str, value):
        with self.window.db.engine.connect() as conn:
            row = conn.exec_driver_sql(sql, (value,)).first()
        return row[0] if row else None

    def id_of(self, rowid: int) -> str | None:
        return self._scalar("SELECT id FROM cases WHERE rowid = ?", int(rowid))

    def rowid_of(self, case_id: str) -> int | None:
        return self._scalar("SELECT rowid FROM cases WHERE id = ?", case_id)

    def show_rowid(self, rowid: int) -> None:
        self.panel.show_case_id(self.id_of(rowid))

    def _on_rows(self, rowids: list[int]) -> None:
        if len(rowids) == 1:
            self.show_rowid(rowids[0])

    def _on_changed(self, case_id: str) -> None:
        rowid = self.rowid_of(case_id)
        self.window.cases_changed([rowid] if rowid is not None else None)

    def pick_then_new_case(self) -> None:
        self.window.statusBar().showMessage(tr("请在地图上点选案件位置（Esc 取消）"), 15_000)
        self.pick = QtMapPick(self.window, self.new_case)

    def new_case(self, lon: float | None = None, lat: float | None = None) -> QtNewCaseDialog:
        dialog = QtNewCaseDialog(self.window.db, self.runner, lon=lon, lat=lat,
                                 parent=self.window)
        dialog.created.connect(self._on_created)
        dialog.open()
        return dialog

    def _on_created(self, case_id: str) -> None:
        rowid = self.rowid_of(case_id)
        self.window.cases_changed([rowid] if rowid is not None else None)
        self.panel.show_case_id(case_id)

    def selected_case_ids(self) -> list[str]:
        rows = self.window.table.selected_rows()  # fast even for a large box selection
        rowids = self.window.table.model.rowids_at(rows).tolist() if rows.size else []
        if not rowids:
            return []
        with self.window.db.engine.connect() as conn:
            found = dict(conn.exec_driver_sql(
                f"SELECT rowid, id FROM cases WHERE rowid IN ({','.join('?' * len(rowids))})",
                tuple(rowids)).all()) if len(rowids) < 30_000 else {
                r: i for r, i in conn.exec_driver_sql("SELECT rowid, id FROM cases").all()}
        return [found[r] for r in rowids if r in found]

    def bulk(self) -> QtBulkDialog | None:
        ids = self.selected_case_ids()
        if not ids:
            QMessageBox(QMessageBox.Icon.Information, tr("批量办理"),
                        tr("请先在案件列表中选择案件。"), parent=self.window).open()
            return None
        dialog = QtBulkDialog(self.window.db, self.runner, ids, self.panel.actions.role,
                              parent=self.window)
        dialog.done.connect(lambda changed: self.window.cases_changed(
            [self.rowid_of(c) for c in changed]))
        dialog.open()
        return dialog

    def edit_categories(self) -> QtCategoryEditor:
        editor = QtCategoryEditor(self.window.db, self.panel.actions.role, parent=self.window)
        editor.open()
        return editor

    def export(self) -> QtExportDialog:
        """Export the selected rows if any, else everything the filter shows."""
        ids = self.selected_case_ids()
        if ids:
            selection, count = CaseSelection(case_ids=tuple(ids)), len(ids)
        else:
            selection, count = self.window.case_filter, self.window.table.model.rowCount()
        dialog = QtExportDialog(self.window.db, self.runner, selection, count,
                                parent=self.window)
        dialog.open()
        return dialog

    def import_file(self) -> QtImportDialog:
        dialog = QtImportDialog(self.window.db, self.runner, parent=self.window)
        dialog.imported.connect(lambda _n: self.window.cases_changed(None))
        dialog.open()
        return dialog

    def shutdown(self) -> None:
        self.runner.shutdown()


def install_workflow(window) -> QtWorkflowHooks:
    """Add the workflow to a :class:`QtMainWindow`; returns the hooks (for tests)."""
    hooks = QtWorkflowHooks(window)
    window.workflow = hooks
    return hooks
