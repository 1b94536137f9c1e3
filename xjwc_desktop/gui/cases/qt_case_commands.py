"""The case commands of the menus and toolbar: 受理新案件 (placed by a click on the map),
批量办理 on the selected cases, 类别维护, 导出 and 导入.

Each opens its dialog with what the shared state holds (the selection, the filter, the
role, the reference lists); none reaches into another view. What a dialog writes is
announced by the task manager, and the views follow: a new case becomes the case on show.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from xjwc_desktop.core import clock
from xjwc_desktop.core.geo.chinese_crs import gcj02_to_wgs84
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_list import case_ids_for
from xjwc_desktop.core.queries.case_ref import CaseRef
from xjwc_desktop.core.workspace.case_view import CaseView
from xjwc_desktop.gui.cases.qt_bulk import QtBulkDialog
from xjwc_desktop.gui.cases.qt_category_editor import QtCategoryEditor
from xjwc_desktop.gui.cases.qt_new_case import QtNewCaseDialog
from xjwc_desktop.gui.cases.qt_reference import QtReference
from xjwc_desktop.gui.exchange.qt_exchange import QtExportDialog, QtImportDialog
from xjwc_desktop.gui.map.qt_map import QtMap
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager


class QtMapPick(QObject):
    """Waits for one left click on the map and hands its position (WGS84) to ``done``;
    ``ended`` once the click came or Esc cancelled."""

    ended = Signal()

    def __init__(self, map_: QtMap, done) -> None:
        super().__init__(map_)
        self.map, self.done = map_, done
        self.target = map_.view.focusProxy() or map_.view
        self.target.installEventFilter(self)
        self.target.setCursor(Qt.CursorShape.CrossCursor)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.MouseButtonPress and \
                event.button() == Qt.MouseButton.LeftButton:
            pos = event.position()
            self.finish()
            self.map.call("latLngAt", pos.x(), pos.y(), callback=self._located)
            return True  # the click places the case; it does not select one
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            self.finish()
            return True
        return False

    def finish(self) -> None:
        self.target.removeEventFilter(self)
        self.target.unsetCursor()
        self.ended.emit()

    def _located(self, latlng) -> None:
        if not latlng:
            return
        lat, lon = latlng
        # With an Amap-style (GCJ-02) basemap the page shows shifted positions.
        if self.map.source.display == "gcj02":
            lon, lat = (float(v) for v in gcj02_to_wgs84(lon, lat))
        self.done(lon, lat)


class QtCaseCommands(QObject):
    """The actions, and the dialogs they open (kept for tests as ``last_dialog``)."""

    message = Signal(str, int)  # status bar text, milliseconds
    message_done = Signal(str)  # that text no longer applies (cleared if still shown)

    def __init__(self, tasks: QtTaskManager, view: CaseView, reference: QtReference,
                 map_: QtMap, window: QWidget) -> None:
        super().__init__(window)
        self.tasks, self.view, self.reference, self.map = tasks, view, reference, map_
        self.window = window
        self.pick: QtMapPick | None = None
        self.last_dialog = None
        self.last_sheet: str | None = None
        self.open_files = True  # tests keep the system viewer shut

        def action(text: str, slot, shortcut: str | None = None, tip: str | None = None):
            act = QAction(tr(text), window)
            act.triggered.connect(slot)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            if tip:
                act.setToolTip(tr(tip))
            return act

        self.new_action = action("受理新案件……", self.pick_then_new_case, "Ctrl+N",
                                 "在地图上点选位置，然后填写案件（Ctrl+N）")
        self.bulk_action = action("批量办理所选……", self.bulk)
        self.categories_action = action("类别维护……", self.edit_categories)
        self.export_action = action("导出案件……", self.export, "Ctrl+E")
        self.import_action = action("导入……", self.import_file, "Ctrl+I")
        self.print_action = action("打印案卷……", self.print_case, "Ctrl+P",
                                   "把所显示案件的案卷（含地图、办理经过）存为 PDF 并打开")
        self.print_action.setEnabled(False)
        view.events.current.connect(lambda ref: self.print_action.setEnabled(ref is not None))

    # -- intake --
    def pick_then_new_case(self) -> None:
        if self.pick is not None:  # Ctrl+N again while picking: one pick at a time
            self.pick.finish()
        prompt = tr("请在地图上点选案件位置（Esc 取消）")
        self.message.emit(prompt, 15_000)
        self.pick = pick = QtMapPick(self.map, self.new_case)
        pick.ended.connect(lambda: self._pick_ended(pick, prompt))

    def cancel_pick(self) -> bool:
        """Esc while a point is being picked: stop picking (True), else nothing (False)."""
        if self.pick is None:
            return False
        self.pick.finish()
        return True

    def _pick_ended(self, pick: QtMapPick, prompt: str) -> None:
        """Picked or cancelled: the prompt goes (the form, or nothing, follows)."""
        self.message_done.emit(prompt)
        if self.pick is pick:
            self.pick = None

    def new_case(self, lon: float | None = None, lat: float | None = None) -> QtNewCaseDialog:
        dialog = QtNewCaseDialog(self.tasks, self.reference.lists, lon=lon, lat=lat,
                                 parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.created.connect(lambda case_id: self.view.show(CaseRef(case_id=case_id)))
        self.last_dialog = dialog
        dialog.open()
        return dialog

    # -- the selection --
    def with_selected_ids(self, then) -> None:
        """Read the ids of the selected cases (a box may hold 60,000) and call ``then``."""
        rowids = list(self.view.selection)

        def read(db):
            with db.reading() as conn:
                return case_ids_for(conn, rowids)

        self.tasks.read(read, then)

    def bulk(self) -> None:
        if not self.view.selection:
            QMessageBox(QMessageBox.Icon.Information, tr("批量办理"),
                        tr("请先在案件列表中选择案件（可按住 Shift 在地图上框选）。"),
                        parent=self.window).open()
            return

        def open_dialog(ids: list[str]) -> None:
            dialog = QtBulkDialog(self.tasks, self.reference.departments(), ids,
                                  self.view.role, parent=self.window)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.last_dialog = dialog
            dialog.open()

        self.with_selected_ids(open_dialog)

    def edit_categories(self) -> QtCategoryEditor:
        editor = QtCategoryEditor(self.tasks, self.reference.lists, self.view.role,
                                  parent=self.window)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_dialog = editor
        editor.open()
        return editor

    # -- exchange --
    def export(self) -> QtExportDialog:
        """导出: the filter's result or the selection, as the operator chooses in it."""
        dialog = QtExportDialog(self.tasks, self.view, parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_dialog = dialog
        dialog.open()
        return dialog

    def print_case(self) -> None:
        """打印案卷: the case on show as a PDF sheet, saved where the operator says and
        opened in the system's viewer to print."""
        current = self.view.current
        if current is None:
            return
        ref = current.case_id or str(current.rowid)
        name, _ = QFileDialog.getSaveFileName(self.window, tr("打印案卷"),
                                              str(Path.home() / f"{tr('案卷')}.pdf"),
                                              "PDF (*.pdf)")
        if not name:
            return
        out = str(Path(name).with_suffix(".pdf"))
        now = clock.now()

        def write(db):
            from xjwc_desktop.core.exchange.pdf_case import write_case_sheet  # fpdf: on use

            with db.reading() as conn:
                case_id = ref if current.case_id else case_ids_for(conn, [current.rowid])[0]
                return write_case_sheet(conn, case_id, out, now=now)

        def written(case_no: str) -> None:
            self.message.emit(tr("案卷 {no} 已保存：{path}").format(no=case_no, path=out),
                              15_000)
            self.last_sheet = out
            if self.open_files:
                QDesktopServices.openUrl(QUrl.fromLocalFile(out))

        self.tasks.read(write, written)

    def import_file(self) -> QtImportDialog:
        dialog = QtImportDialog(self.tasks, parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_dialog = dialog
        dialog.open()
        return dialog
