"""Photos travel with their rows: uploaded before the rows that name them, fetched after.

A photo is stored by its SHA-256 (workflow/attachments.py), on workstations and on the
server alike, so a file is sent once, checked on arrival, and never overwritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, bindparam, text

from xjwc_desktop.core.errors import XjwcError
from xjwc_desktop.core.exchange.atomic import write_bytes_atomically
from xjwc_desktop.core.model import CaseAttachment
from xjwc_desktop.core.workflow.attachments import photo_path


def local_files(conn: Connection, folder: Path, ids: Iterable[str]) -> dict[str, Path]:
    """``{sha256: path}`` of the photos of these attachment rows, as this machine stores them."""
    ids = list(ids)
    if not ids:
        return {}
    rows = conn.execute(text(
        "SELECT sha256, media_type FROM case_attachments WHERE id IN :ids")
        .bindparams(bindparam("ids", expanding=True)), {"ids": ids})
    return {sha: photo_path(folder, CaseAttachment(sha256=sha, media_type=media))
            for sha, media in rows}


def upload_missing(transport, wanted: dict[str, Path]) -> int:
    """Send the server the photos it does not have yet; returns how many were sent."""
    if not wanted:
        return 0
    missing = transport.missing_files(sorted(wanted))
    sent = 0
    for sha in missing:
        path = wanted[sha]
        if path.is_file():  # a photo lost locally cannot be sent; its row still travels
            transport.put_file(sha, path.read_bytes())
            sent += 1
    return sent


def download_missing(transport, wanted: dict[str, Path]) -> int:
    """Fetch the photos this workstation lacks; returns how many were fetched."""
    fetched = 0
    for sha, path in wanted.items():
        if path.is_file():
            continue
        data = transport.get_file(sha)
        if data is None:
            continue  # the server lacks it too (its sender was offline); asked again later
        store(path, sha, data)
        fetched += 1
    return fetched


def store(path: Path, sha: str, data: bytes) -> None:
    """Write a photo atomically, after checking it is what its name says."""
    if hashlib.sha256(data).hexdigest() != sha:
        raise XjwcError(f"照片 {sha[:12]}… 内容与其校验值不符，未保存。")
    write_bytes_atomically(path, data)
