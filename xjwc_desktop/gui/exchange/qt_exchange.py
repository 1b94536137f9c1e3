"""导出 / 导入 dialogs: exports of the current filter or selection with a progress bar,
imports with a preview (a dry run: what would be added, what is wrong, row by row)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
)

from xjwc_desktop.core.errors import XjwcError
from xjwc_desktop.core.exchange import (
    Cancelled,
    CaseSelection,
    ExportFormat,
    export_cases,
    import_file,
)
from xjwc_desktop.core.exchange.atomic import is_disk_full
from xjwc_desktop.core.exchange.isolated import read_table_in_child
from xjwc_desktop.core.exchange.kinds import KINDS
from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_list import case_ids_for
from xjwc_desktop.core.workspace.case_view import CaseView
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager, failure_message

FORMAT_NAMES = {"csv": "CSV（Excel/WPS）", "xlsx": "Excel 工作簿 (XLSX)", "geojson": "GeoJSON",
                "gpkg": "GeoPackage", "shp": "Shapefile", "pdf": "PDF 案件清单",
                "html": "网页地图 (HTML，离线可打开)"}
CRS_NAMES = [("wgs84", "WGS84（GPS）"), ("gcj02", "GCJ-02（高德/腾讯）"), ("bd09", "BD-09（百度）"),
             ("cgcs2000", "CGCS2000")]


class QtProgressRelay(QObject):
    """Carries a job's progress from the worker thread to the GUI; cancels on request."""

    progressed = Signal(int, int, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.cancelled = False

    def __call__(self, done: int, total: int, message: str) -> None:
        if self.cancelled:
            raise Cancelled("已取消，未写入任何内容。")
        self.progressed.emit(done, total, message)


class QtJobDialog(QDialog):
    """A form, a progress bar, a report area; subclasses start their job in ``run``."""

    def __init__(self, tasks: QtTaskManager, title: str, parent=None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.setWindowTitle(title)
        self.resize(640, 480)
        self.form = QFormLayout(self)
        self.bar = QProgressBar(self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.report = QPlainTextEdit(self)
        self.report.setReadOnly(True)
        self.buttons = QHBoxLayout()
        self.cancel = QPushButton(tr("取消"), self)
        self.cancel.clicked.connect(self._cancel)
        self.relay = None
        self.busy = False

    def finish_layout(self) -> None:
        self.buttons.addWidget(self.cancel)
        self.form.addRow(self.bar)
        self.form.addRow(self.status)
        self.form.addRow(self.report)
        self.form.addRow(self.buttons)

    def start(self, work, done, *, writes: bool) -> None:
        """Run ``work(db, progress)``: on the writer if it ``writes``, else on a reader."""
        self.relay = QtProgressRelay(self)
        self.relay.progressed.connect(self._progress)
        relay = self.relay
        self.busy = True
        self.bar.setRange(0, 0)
        if writes:
            self.tasks.write(lambda db: work(db, relay), on_done=lambda r: self._done(done, r),
                             on_error=self._failed, initiator=self)
        else:
            self.tasks.read(lambda db: work(db, relay), lambda r: self._done(done, r),
                            on_error=self._failed, owner=self)

    def _progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        self.status.setText(message)

    def _done(self, done, result) -> None:
        self.busy = False
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        done(result)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        if not isinstance(exc, XjwcError) and is_disk_full(exc):  # SQLite's "disk is full"
            self.status.setText(tr("磁盘空间不足，无法写入数据库：本次的修改已全部撤回，"
                                   "数据库未改动。请清理磁盘后重试。"))
            return
        self.status.setText(failure_message(exc))

    def _cancel(self) -> None:
        if self.busy and self.relay is not None:
            self.relay.cancelled = True
        else:
            self.reject()

    def reject(self) -> None:
        """Closing (Esc, the window's ×, 取消) while a job runs cancels it: the core
        removes what it had written, nothing half-written is left."""
        if self.busy and self.relay is not None:
            self.relay.cancelled = True
        super().reject()


class QtExportDialog(QtJobDialog):
    """导出案件: the scope is an explicit choice (the whole filter result, or the N cases
    selected), the file's extension follows the format, and closing the dialog while it
    runs cancels the export and leaves no file behind."""

    exported = Signal(str)

    def __init__(self, tasks: QtTaskManager, view: CaseView, parent=None) -> None:
        super().__init__(tasks, tr("导出案件"), parent)
        self.view = view
        shown = int(view.mask.sum()) if view.mask is not None else 0
        selected = len(view.selection)
        self.scope_all = QRadioButton(
            tr("全部筛选结果（{n} 件）").replace("{n}", f"{shown:,}"), self)
        self.scope_selected = QRadioButton(
            tr("所选 {n} 件").replace("{n}", f"{selected:,}"), self)
        self.scope_selected.setEnabled(selected > 0)
        (self.scope_selected if selected > 1 else self.scope_all).setChecked(True)
        scope = QHBoxLayout()
        scope.addWidget(self.scope_all)
        scope.addWidget(self.scope_selected)
        scope.addStretch(1)
        self.format = QComboBox(self)
        for fmt in ExportFormat:
            self.format.addItem(tr(FORMAT_NAMES[fmt.value]), fmt.value)
        self.path = QLineEdit(str(Path.home() / f"{tr('案件清单')}.{self.format.currentData()}"),
                              self)
        browse = QPushButton(tr("选择……"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.gcj02 = QCheckBox(tr("另附 GCJ-02 坐标（高德/腾讯地图）"), self)
        self.form.addRow(tr("范围"), scope)
        self.form.addRow(tr("格式"), self.format)
        self.form.addRow(tr("文件"), row)
        self.form.addRow(self.gcj02)
        self.go = QPushButton(tr("导出"), self)
        self.go.clicked.connect(self.run)
        self.buttons.addWidget(self.go)
        self.finish_layout()
        self.format.currentIndexChanged.connect(self._format_changed)

    def _format_changed(self) -> None:
        """The file name follows the format: 清单.csv becomes 清单.xlsx, never CSV text
        written into a file called .xlsx."""
        text = self.path.text().strip()
        if text:
            self.path.setText(str(Path(text).with_suffix("." + self.format.currentData())))

    def _browse(self) -> None:
        fmt = self.format.currentData()
        start = self.path.text().strip() or f"{tr('案件清单')}.{fmt}"
        path, _ = QFileDialog.getSaveFileName(self, tr("导出到"), start,
                                              f"{tr(FORMAT_NAMES[fmt])} (*.{fmt})")
        if path:
            self.path.setText(str(Path(path).with_suffix("." + fmt)))

    def run(self) -> None:
        out = self.path.text().strip()
        if not out:
            self.status.setText(tr("请选择导出文件。"))
            return
        fmt, gcj02 = self.format.currentData(), self.gcj02.isChecked()
        out = str(Path(out).with_suffix("." + fmt))
        self.path.setText(out)
        rowids = list(self.view.selection) if self.scope_selected.isChecked() else None
        flt = self.view.filter

        def work(db, progress):
            with db.reading() as conn:
                selection = flt if rowids is None else \
                    CaseSelection(case_ids=tuple(case_ids_for(conn, rowids)))
                return export_cases(conn, fmt, out, selection, gcj02=gcj02, progress=progress)

        self.go.setEnabled(False)
        self.start(work, self._exported, writes=False)

    def _exported(self, result) -> None:
        self.go.setEnabled(True)
        self.status.setText(tr("已导出 {n} 件案件到 {path}").replace("{n}", f"{result.cases:,}")
                            .replace("{path}", str(result.path)))
        self.exported.emit(str(result.path))

    def _failed(self, exc: BaseException) -> None:
        self.go.setEnabled(True)
        super()._failed(exc)


class QtImportDialog(QtJobDialog):
    imported = Signal(int)

    def __init__(self, tasks: QtTaskManager, parent=None) -> None:
        super().__init__(tasks, tr("导入"), parent)
        self.kind = QComboBox(self)
        for name, kind in KINDS.items():
            self.kind.addItem(f"{tr(kind.label)} ({name})", name)  # the CLI's name beside
        self.path = QLineEdit(self)
        browse = QPushButton(tr("选择……"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.crs = QComboBox(self)
        for code, name in CRS_NAMES:
            self.crs.addItem(tr(name), code)
        self.skip_bad = QCheckBox(tr("跳过有错误的行，只导入正确的行"), self)
        # The preview shows how columns were matched (列对应：…); corrections go here.
        self.mapping = QLineEdit(self)
        self.mapping.setPlaceholderText(
            tr("调整列对应，如：诉求单号=工单编号, 备注=-（- 表示忽略）"))
        for label, widget in ((tr("类型"), self.kind), (tr("文件"), row),
                              (tr("坐标系"), self.crs), (tr("列对应"), self.mapping)):
            self.form.addRow(label, widget)
        self.form.addRow(self.skip_bad)
        self.preview_button = QPushButton(tr("预览"), self)
        self.preview_button.clicked.connect(self.preview)
        self.go = QPushButton(tr("导入"), self)
        self.go.clicked.connect(self.run)
        self.buttons.addWidget(self.preview_button)
        self.buttons.addWidget(self.go)
        self.finish_layout()
        self.last_report = None

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("选择文件"), "",
                                              tr("表格 (*.xlsx *.csv);;所有文件 (*)"))
        if path:
            self.path.setText(path)

    def _job(self, dry_run: bool):
        kind, path = self.kind.currentData(), Path(self.path.text().strip())
        crs, skip_bad = self.crs.currentData(), self.skip_bad.isChecked()
        mapping = self.mapping.text().strip() or None

        def work(db, progress):
            # The file is read in a child process: a reader crashing on a hostile file
            # ends the child with a message, never the window.
            return import_file(db, kind, path, crs=crs, mapping=mapping, dry_run=dry_run,
                               skip_bad=skip_bad, progress=progress, read=read_table_in_child)

        return work

    def preview(self) -> None:
        self.start(self._job(True), self._show, writes=False)

    def run(self) -> None:
        self.start(self._job(False), self._finished, writes=True)

    def _show(self, report) -> None:
        self.last_report = report
        self.report.setPlainText("\n".join(report.lines(limit=200)))  # plain text, never HTML
        self.status.setText(tr("预览完成") if report.dry_run else tr("导入完成"))

    def _finished(self, report) -> None:
        self._show(report)
        if report.added:
            self.imported.emit(report.added)
