"""The server's photo store: files named by their SHA-256, checked on arrival."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from xjwc_desktop.core.errors import XjwcError
from xjwc_desktop.core.sync.files import store
from xjwc_desktop.core.workflow.attachments import MAX_PHOTO_BYTES, media_type

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PhotoRefused(XjwcError):
    pass


def find(folder: Path, sha: str) -> Path | None:
    if not SHA256.match(sha):
        return None
    return next((p for p in folder.glob(f"{sha}.*") if p.is_file()), None)


def missing(folder: Path, shas: list[str]) -> list[str]:
    return [s for s in shas if SHA256.match(s) and find(folder, s) is None]


def accept(folder: Path, sha: str, data: bytes) -> bool:
    """Store an uploaded photo; False if it was there already. Refuses what is not a photo,
    is too large, or does not match its name."""
    if not SHA256.match(sha):
        raise PhotoRefused("照片的校验值格式不对。")
    if find(folder, sha):
        return False
    if not data or len(data) > MAX_PHOTO_BYTES:
        raise PhotoRefused(f"照片大小应在 1 字节到 {MAX_PHOTO_BYTES // 2**20} MB 之间。")
    if hashlib.sha256(data).hexdigest() != sha:
        raise PhotoRefused("照片内容与其校验值不符（传输中损坏或被篡改）。")
    try:
        _media, ext = media_type(data[:16])
    except XjwcError as exc:
        raise PhotoRefused(str(exc)) from exc
    store(folder / f"{sha}{ext}", sha, data)
    return True
