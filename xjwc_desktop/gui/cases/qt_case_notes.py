"""备注与照片: the internal notes and the photos of the case on show.

Everything shown comes from the case panel's one snapshot; thumbnails are decoded with it
on a reader (a 30 MB photo must not stall the window). Adding a note or a photo is a write
like any other: the panel hears its changes and shows the case again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QImageReader, QPixmap
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
from xjwc_desktop.core.queries.case_snapshot import CaseSnapshot, PhotoEntry

THUMB = QSize(96, 96)
PHOTO_FILTER = "图片 (*.jpg *.jpeg *.png *.gif *.bmp *.webp)"


def thumbnail(photo: PhotoEntry) -> QImage:
    """A small image of ``photo`` (safe on a worker thread; empty if unreadable)."""
    reader = QImageReader(str(photo.path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


class QtCaseNotes(QWidget):
    """``note_entered(text)`` and ``photo_chosen(path)`` ask the panel to write them."""

    note_entered = Signal(str)
    photo_chosen = Signal(object)  # Path

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.notes = QListWidget(self)
        self.notes.setWordWrap(True)
        self.note_input = QLineEdit(self)
        self.note_input.setPlaceholderText(tr("内部备注（不对外公开），回车添加"))
        self.note_input.setMaxLength(2000)
        self.note_input.returnPressed.connect(self._add_note)
        self.add_button = QPushButton(tr("添加备注"), self)
        self.add_button.clicked.connect(self._add_note)
        self.photos = QListWidget(self)
        self.photos.setViewMode(QListWidget.ViewMode.IconMode)
        self.photos.setIconSize(THUMB)
        self.photos.setFixedHeight(THUMB.height() + 44)
        self.attach_button = QPushButton(tr("附加照片……"), self)
        self.attach_button.clicked.connect(self.choose_photo)
        row = QHBoxLayout()
        row.addWidget(self.note_input, 1)
        row.addWidget(self.add_button)
        head = QHBoxLayout()
        head.addWidget(QLabel(tr("照片")), 1)
        head.addWidget(self.attach_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(QLabel(tr("内部备注")))
        layout.addWidget(self.notes, 1)
        layout.addLayout(row)
        layout.addLayout(head)
        layout.addWidget(self.photos)
        self.case_id: str | None = None
        self.show_snapshot(None, [])

    def show_snapshot(self, snap: CaseSnapshot | None, thumbs: list[QImage]) -> None:
        self.case_id = snap.case_id if snap else None
        for widget in (self.note_input, self.add_button, self.attach_button):
            widget.setEnabled(snap is not None)
        self.notes.clear()
        self.photos.clear()
        if snap is None:
            return
        for note in snap.notes:
            # Plain-text items: a note is shown as typed, never as markup.
            self.notes.addItem(f"{note.at}  {note.author}  {note.text}".replace("  ", " ", 1))
        for photo, image in zip(snap.photos, thumbs, strict=False):
            item = QListWidgetItem(photo.name)
            if not image.isNull():
                item.setIcon(QIcon(QPixmap.fromImage(image)))
            item.setToolTip(f"{photo.name} ({photo.size:,} B)")
            self.photos.addItem(item)

    def _add_note(self) -> None:
        text = self.note_input.text().strip()
        if self.case_id is not None and text:
            self.note_entered.emit(text)  # cleared once saved: a refusal keeps the text

    def choose_photo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("选择照片"), "", tr(PHOTO_FILTER))
        if path:
            self.photo_chosen.emit(Path(path))
