"""Internal notes and photo thumbnails of the case on screen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.workflow.attachments import (
    add_note,
    attach_photo,
    files_folder,
    notes_of,
    photo_path,
    photos_of,
)
from xjwc_desktop.gui.qt_tasks import QtTaskRunner

THUMB = QSize(96, 96)


class QtCaseExtras(QWidget):
    changed = Signal(str)
    failed = Signal(str)

    def __init__(self, db: Database, runner: QtTaskRunner, parent=None) -> None:
        super().__init__(parent)
        self.db, self.runner = db, runner
        self.case_id: str | None = None
        self.notes = QListWidget(self)
        self.note_input = QLineEdit(self)
        self.note_input.setPlaceholderText(tr("内部备注（不对外公开）"))
        self.note_input.returnPressed.connect(self.add_note)
        add = QPushButton(tr("添加备注"), self)
        add.clicked.connect(self.add_note)
        self.photos = QListWidget(self)
        self.photos.setViewMode(QListWidget.ViewMode.IconMode)
        self.photos.setIconSize(THUMB)
        self.photos.setMaximumHeight(THUMB.height() + 40)
        attach = QPushButton(tr("附加照片……"), self)
        attach.clicked.connect(self.choose_photo)
        row = QHBoxLayout()
        row.addWidget(self.note_input, 1)
        row.addWidget(add)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(tr("内部备注")))
        layout.addWidget(self.notes)
        layout.addLayout(row)
        head = QHBoxLayout()
        head.addWidget(QLabel(tr("照片")), 1)
        head.addWidget(attach)
        layout.addLayout(head)
        layout.addWidget(self.photos)

    def show_case(self, case_id: str | None) -> None:
        self.case_id = case_id
        self.notes.clear()
        self.photos.clear()
        if case_id is None:
            return
        folder = files_folder(self.db.path)
        with self.db.session() as s:
            for note in notes_of(s, case_id):
                # Plain-text items: a note is shown as typed, never as markup.
                self.notes.addItem(f"{note.at:%Y-%m-%d %H:%M}  {note.author or ''}  {note.text}")
            for photo in photos_of(s, case_id):
                item = QListWidgetItem(photo.original_name)
                pixmap = QPixmap(str(photo_path(folder, photo)))
                if not pixmap.isNull():
                    item.setIcon(QIcon(pixmap.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.SmoothTransformation)))
                item.setToolTip(f"{photo.original_name} ({photo.size:,} B)")
                self.photos.addItem(item)

    def _write(self, work) -> None:
        case_id = self.case_id

        def done(_result) -> None:
            self.show_case(case_id)
            self.changed.emit(case_id)

        self.runner.run(work, done, lambda exc: self.failed.emit(str(exc)))

    def add_note(self) -> None:
        text, case_id = self.note_input.text(), self.case_id
        if case_id is None or not text.strip():
            return
        self.note_input.clear()

        def work():
            with self.db.session() as s:
                add_note(s, case_id, text, author=None, workstation_id=self.db.workstation_id)

        self._write(work)

    def choose_photo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("选择照片"), "",
                                              tr("图片 (*.jpg *.jpeg *.png *.gif *.bmp *.webp)"))
        if path:
            self.attach(Path(path))

    def attach(self, path: Path) -> None:
        case_id = self.case_id
        if case_id is None:
            return

        def work():
            with self.db.session() as s:
                attach_photo(s, case_id, path, files_folder(self.db.path),
                             workstation_id=self.db.workstation_id)

        self._write(work)
