"""Internal notes and photos of a case.

Photos are copied into a managed folder beside the database (``<name>.files/``), named by
their SHA-256, so the same photo attached twice is stored once and a file is never
half-written (copied to a temporary name, then renamed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from xjwc_desktop.core import clock
from xjwc_desktop.core.model import CaseAttachment, CaseNote
from xjwc_desktop.core.workflow.engine import WorkflowError, find_case

MAX_PHOTO_BYTES = 30 * 1024 * 1024
MAX_NOTE = 2000
# Recognised by content, not by the file name a user gave it.
SIGNATURES = [(b"\xff\xd8\xff", "image/jpeg", ".jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
              (b"GIF87a", "image/gif", ".gif"), (b"GIF89a", "image/gif", ".gif"),
              (b"BM", "image/bmp", ".bmp")]


def files_folder(db_path: Path) -> Path:
    """The managed folder of a database's photos."""
    return db_path.with_name(db_path.name + ".files")


def add_note(session: Session, ref: str, text: str, *, author: str | None,
             workstation_id: str, at: dt.datetime | None = None) -> CaseNote:
    text = (text or "").strip()
    if not text:
        raise WorkflowError("备注内容为空。")
    if len(text) > MAX_NOTE:
        raise WorkflowError(f"备注过长（{len(text)} 字，最多 {MAX_NOTE} 字）。")
    case = find_case(session, ref)
    note = CaseNote(case_id=case.id, author=author, at=at or clock.now(), text=text,
                    written_by=workstation_id)
    session.add(note)
    session.flush()
    return note


def media_type(head: bytes) -> tuple[str, str]:
    """The media type and extension of a photo, by its first 16 bytes."""
    for magic, media, ext in SIGNATURES:
        if head.startswith(magic):
            return media, ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    raise WorkflowError("只能附加照片（JPEG、PNG、GIF、BMP、WebP），该文件不是可识别的图片。")


def attach_photo(session: Session, ref: str, source: Path, folder: Path, *,
                 workstation_id: str, at: dt.datetime | None = None) -> CaseAttachment:
    """Copy ``source`` into ``folder`` and record it on case ``ref``."""
    source = Path(source)
    if not source.is_file():
        raise WorkflowError(f"找不到文件“{source}”。")
    size = source.stat().st_size
    if size == 0 or size > MAX_PHOTO_BYTES:
        raise WorkflowError(f"照片“{source.name}”大小为 {size:,} 字节，应在 1 字节到 "
                            f"{MAX_PHOTO_BYTES // 1024 // 1024} MB 之间。")
    with source.open("rb") as fh:
        media, ext = media_type(fh.read(16))
    case = find_case(session, ref)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        target = folder / f"{digest.hexdigest()}{ext}"
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    row = CaseAttachment(case_id=case.id, original_name=source.name[:255],
                         sha256=digest.hexdigest(), size=size, media_type=media,
                         added_at=at or clock.now(), written_by=workstation_id)
    session.add(row)
    session.flush()
    return row


def photo_path(folder: Path, attachment: CaseAttachment) -> Path:
    ext = next((e for _m, media, e in SIGNATURES if media == attachment.media_type), ".webp")
    return folder / f"{attachment.sha256}{ext}"


def notes_of(session: Session, case_id: str) -> list[CaseNote]:
    return list(session.scalars(select(CaseNote).where(
        CaseNote.case_id == case_id, CaseNote.deleted_at.is_(None)).order_by(CaseNote.at)))


def photos_of(session: Session, case_id: str) -> list[CaseAttachment]:
    return list(session.scalars(select(CaseAttachment).where(
        CaseAttachment.case_id == case_id, CaseAttachment.deleted_at.is_(None))
        .order_by(CaseAttachment.added_at)))


def copy_out(folder: Path, attachment: CaseAttachment, target: Path) -> None:
    """Save a stored photo somewhere else (for the user)."""
    shutil.copyfile(photo_path(folder, attachment), target)
